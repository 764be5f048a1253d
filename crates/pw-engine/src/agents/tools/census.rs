//! The US adult population as the census tables the survey universe reads describe it: the
//! nation or one Census region, by sex and age band, with the nation's education where a
//! refresh wrote it.

use std::sync::Arc;

use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;
use crate::surveys::{AGE_BANDS, EDUCATION_LEVELS, Region};

/// A Census region, as the schema holds the model to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum CensusRegion {
    Northeast,
    Midwest,
    South,
    West,
}

impl CensusRegion {
    fn region(self) -> Region {
        match self {
            CensusRegion::Northeast => Region::Northeast,
            CensusRegion::Midwest => Region::Midwest,
            CensusRegion::South => Region::South,
            CensusRegion::West => Region::West,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CensusArgs {
    /// One Census region, or nothing for the nation.
    #[serde(default)]
    pub region: Option<CensusRegion>,
}

/// US adults by region, sex and age band from the ACS tables on this machine (read-only).
pub struct CensusPopulation {
    pub engine: Arc<Engine>,
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// "label 12.3%, label 45.6%".
fn shares_text<'a>(labels: impl IntoIterator<Item = &'a str>, shares: &[f64]) -> String {
    labels
        .into_iter()
        .zip(shares)
        .map(|(label, share)| format!("{label} {}", percent(*share)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `[{key: label, "share": share}, …]`.
fn shares_json<'a>(
    key: &str,
    labels: impl IntoIterator<Item = &'a str>,
    shares: &[f64],
) -> serde_json::Value {
    labels
        .into_iter()
        .zip(shares)
        .map(|(label, share)| json!({key: label, "share": share}))
        .collect()
}

impl Tool for CensusPopulation {
    type Args = CensusArgs;

    fn name(&self) -> &'static str {
        "census_population"
    }

    fn description(&self) -> &'static str {
        "US adults from the Census Bureau's ACS tables: shares by sex and age band for the nation or one region, the regions' shares and the nation's education of adults 25 and over when available"
    }

    async fn call(&self, args: CensusArgs) -> Result<ToolOutput, ToolFailure> {
        let tables = self.engine.surveys().census_tables().map_err(|e| {
            ToolFailure(format!(
                "the census tables on this machine could not be read: {e}"
            ))
        })?;
        let region = args.region.map(CensusRegion::region);
        let regions: Vec<Region> = region.map_or_else(|| Region::ALL.to_vec(), |r| vec![r]);
        let adults = tables.adults.total_in(&regions);
        let Some((by_sex, by_age)) = tables.adults.shares_in(&regions) else {
            return Err(ToolFailure(
                "the census table holds no adults for that region".into(),
            ));
        };
        let place = region.map_or_else(|| "US".to_owned(), |r| format!("US {}", r.label()));
        let region_labels = || Region::ALL.iter().map(|r| r.label());
        let education_labels = || EDUCATION_LEVELS.iter().map(|(level, _)| *level);
        let mut lines = vec![
            format!(
                "{place} adults ({}): {:.0}",
                tables.adults_source,
                adults.round()
            ),
            format!("By sex: {}", shares_text(["female", "male"], &by_sex)),
            format!("By age: {}", shares_text(AGE_BANDS, &by_age)),
        ];
        let by_region = region.is_none().then(|| tables.adults.region_shares());
        if let Some(by_region) = &by_region {
            lines.push(format!(
                "By region: {}",
                shares_text(region_labels(), by_region)
            ));
        }
        let mut files = vec![tables.adults_file.clone()];
        // Education is the nation's (the survey universe's target); a region's answer says
        // so rather than pass the nation's off as the region's.
        let education = tables.education.as_ref().filter(|_| region.is_none());
        if region.is_some() && tables.education.is_some() {
            lines.push("Education is kept for the nation only.".to_owned());
        }
        if let Some(education) = education {
            lines.push(format!(
                "Education of adults 25 and over ({}): {}",
                education.source,
                shares_text(education_labels(), &education.shares)
            ));
            files.push(education.file.clone());
        }
        Ok(ToolOutput {
            text: lines.join("\n"),
            data: json!({
                "place": place,
                "adults": adults.round(),
                "sex": shares_json("sex", ["female", "male"], &by_sex),
                "age": shares_json("band", AGE_BANDS, &by_age),
                "region": by_region.map(|shares| shares_json("region", region_labels(), &shares)),
                "education": education.map(|e| shares_json("level", education_labels(), &e.shares)),
            }),
            source: Source {
                kind: SourceKind::Census,
                reference: files.join(","),
                label: format!("{place} adults, {}", tables.adults_source),
            },
        })
    }
}
