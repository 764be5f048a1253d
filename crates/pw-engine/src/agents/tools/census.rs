//! The US adult population as the census tables the survey universe reads describe it: the
//! nation or one Census region, by sex and age band, with education where a refresh wrote it.

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;
use crate::surveys::{AGE_BANDS, CensusTables, EDUCATION_LEVELS, Region};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusArgs {
    /// A Census region (Northeast, Midwest, South or West), or nothing for the nation.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub region: Option<String>,
}

/// US adults by region, sex and age band from the ACS tables on this machine (read-only).
pub struct CensusPopulation {
    pub engine: Arc<Engine>,
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// Shares of the adults in `regions` by each key `of` gives, in `keys` order.
fn shares<K: PartialEq + Copy>(
    tables: &CensusTables,
    regions: &[Region],
    keys: &[K],
    of: impl Fn(&(Region, &'static str, usize)) -> K,
) -> Vec<f64> {
    let in_regions = |key: &(Region, &'static str, usize)| regions.contains(&key.0);
    let total: f64 = tables
        .adults
        .counts
        .iter()
        .filter(|(k, _)| in_regions(k))
        .map(|(_, n)| n)
        .sum();
    keys.iter()
        .map(|wanted| {
            tables
                .adults
                .counts
                .iter()
                .filter(|(k, _)| in_regions(k) && of(k) == *wanted)
                .map(|(_, n)| n)
                .sum::<f64>()
                / total
        })
        .collect()
}

impl Tool for CensusPopulation {
    type Args = CensusArgs;

    fn name(&self) -> &'static str {
        "census_population"
    }

    fn description(&self) -> &'static str {
        "US adults from the Census Bureau's ACS tables: shares by region, sex and age band (and education of adults 25 and over when available), for the nation or one region"
    }

    async fn call(&self, args: CensusArgs) -> Result<ToolOutput, ToolFailure> {
        let tables = self
            .engine
            .surveys()
            .census_tables()
            .map_err(|e| ToolFailure(format!("the census tables could not be read: {e}")))?;
        let region = match args.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            None => None,
            Some(name) => Some(
                Region::ALL
                    .into_iter()
                    .find(|r| r.label().eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        ToolFailure(format!(
                            "“{name}” is not a Census region; they are Northeast, Midwest, South and West"
                        ))
                    })?,
            ),
        };
        let regions: Vec<Region> = region.map_or_else(|| Region::ALL.to_vec(), |r| vec![r]);
        let adults: f64 = tables
            .adults
            .counts
            .iter()
            .filter(|((r, _, _), _)| regions.contains(r))
            .map(|(_, n)| n)
            .sum();
        if adults <= 0.0 {
            return Err(ToolFailure(
                "the census table holds no adults for that region".into(),
            ));
        }
        let place = region.map_or_else(|| "US".to_owned(), |r| format!("US {}", r.label()));
        let by_sex = shares(&tables, &regions, &["female", "male"], |k| k.1);
        let bands: Vec<usize> = (0..AGE_BANDS.len()).collect();
        let by_age = shares(&tables, &regions, &bands, |k| k.2);
        let mut lines = vec![
            format!(
                "{place} adults ({}): {:.0}",
                tables.adults_source,
                adults.round()
            ),
            format!(
                "By sex: female {}, male {}",
                percent(by_sex[0]),
                percent(by_sex[1])
            ),
            format!(
                "By age: {}",
                AGE_BANDS
                    .iter()
                    .zip(&by_age)
                    .map(|(band, s)| format!("{band} {}", percent(*s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ];
        let by_region = region
            .is_none()
            .then(|| shares(&tables, &Region::ALL, &Region::ALL, |k| k.0));
        if let Some(by_region) = &by_region {
            lines.push(format!(
                "By region: {}",
                Region::ALL
                    .iter()
                    .zip(by_region)
                    .map(|(r, s)| format!("{} {}", r.label(), percent(*s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let mut files = vec![tables.adults_file.clone()];
        // B15003 is kept for the nation only (the universe's target): a region's question
        // gets no education line rather than the nation's passed off as the region's.
        let education = tables.education.as_ref().filter(|_| region.is_none());
        if let Some(education) = education {
            lines.push(format!(
                "Education of adults 25 and over ({}): {}",
                education.source,
                EDUCATION_LEVELS
                    .iter()
                    .zip(&education.shares)
                    .map(|((level, _), s)| format!("{level} {}", percent(*s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            files.push(education.file.clone());
        }
        Ok(ToolOutput {
            text: lines.join("\n"),
            data: json!({
                "place": place,
                "adults": adults.round(),
                "sex": {"female": by_sex[0], "male": by_sex[1]},
                "age": AGE_BANDS.iter().zip(&by_age).map(|(b, s)| json!({"band": b, "share": s})).collect::<Vec<_>>(),
                "region": by_region.map(|shares| Region::ALL.iter().zip(shares).map(|(r, s)| json!({"region": r.label(), "share": s})).collect::<Vec<_>>()),
                "education": education.map(|e| EDUCATION_LEVELS.iter().zip(&e.shares).map(|((l, _), s)| json!({"level": l, "share": s})).collect::<Vec<_>>()),
            }),
            source: Source {
                kind: SourceKind::Census,
                reference: files.join(","),
                label: format!("{place} adults, {}", tables.adults_source),
            },
        })
    }
}
