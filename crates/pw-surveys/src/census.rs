//! US Census ACS tables as survey targets: who the adult population is, by age band, sex and
//! Census region (ACS 2024 1-year, subject table S0101 "Age and Sex", by state), and how
//! households divide by income (ACS 2013 3-year, table B19001 "Household Income", by state).
//! The files are fetched by `scripts/fetch-reference-data` (see `docs/reference-data.md`);
//! this module only reads their text, so it is tested on known answers without a disk.
//!
//! States are summed into the Census Bureau's four regions; Puerto Rico belongs to none and is
//! left out. Educational attainment is not among the shipped tables: no registry package
//! carries an ACS education table, so education targets come from the user.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The table and year each target comes from, as the universe names them to the user.
pub const AGE_SEX_SOURCE: &str =
    "US Census Bureau, ACS 2024 1-year, table S0101 (Age and Sex), by state";
pub const INCOME_SOURCE: &str =
    "US Census Bureau, ACS 2011-2013 3-year, table B19001 (Household Income), by state";

/// The Census Bureau's four regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    Northeast,
    Midwest,
    South,
    West,
}

impl Region {
    pub const ALL: [Region; 4] = [
        Region::Northeast,
        Region::Midwest,
        Region::South,
        Region::West,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Region::Northeast => "Northeast",
            Region::Midwest => "Midwest",
            Region::South => "South",
            Region::West => "West",
        }
    }

    /// The region of a state by its two-digit FIPS code; `None` for Puerto Rico and anything
    /// that is not a state or DC.
    pub fn of_state(fips: &str) -> Option<Region> {
        let code: u8 = fips.parse().ok()?;
        Some(match code {
            9 | 23 | 25 | 33 | 44 | 50 | 34 | 36 | 42 => Region::Northeast,
            17 | 18 | 26 | 39 | 55 | 19 | 20 | 27 | 29 | 31 | 38 | 46 => Region::Midwest,
            10 | 11 | 12 | 13 | 24 | 37 | 45 | 51 | 54 | 1 | 21 | 28 | 47 | 5 | 22 | 40 | 48 => {
                Region::South
            }
            4 | 8 | 16 | 30 | 32 | 35 | 49 | 56 | 2 | 6 | 15 | 41 | 53 => Region::West,
            _ => return None,
        })
    }
}

/// Adult age bands, as survey universes use them.
pub const AGE_BANDS: [&str; 6] = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];

/// The S0101 estimates summed into each adult age band, for one sex column (`C03` male,
/// `C05` female): 18-24 is a selected age category of its own, the others sum the table's
/// five-year bands, and 65+ is again a selected category.
fn age_band_variables(column: &str) -> [Vec<String>; 6] {
    let v = |row: u32| format!("S0101_{column}_{row:03}E");
    [
        vec![v(23)],
        vec![v(7), v(8)],
        vec![v(9), v(10)],
        vec![v(11), v(12)],
        vec![v(13), v(14)],
        vec![v(30)],
    ]
}

/// Household income bands as B19001's brackets are grouped in the shipped file.
pub const INCOME_BANDS: [&str; 10] = [
    "<10000",
    "10000 to 14999",
    "15000 to 24999",
    "25000 to 34999",
    "35000 to 49999",
    "50000 to 74999",
    "75000 to 99999",
    "100000 to 149999",
    "150000 to 199999",
    "200000+",
];

/// Adults by region, sex and age band: estimates, not shares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AdultPopulation {
    /// (region, sex, age band index) → people. Sex is "female" or "male", as S0101 splits it.
    pub counts: BTreeMap<(Region, &'static str, usize), f64>,
}

impl AdultPopulation {
    pub fn total(&self) -> f64 {
        self.counts.values().sum()
    }

    /// Shares of the adult population by region, in [`Region::ALL`] order.
    pub fn region_shares(&self) -> Vec<f64> {
        let total = self.total();
        Region::ALL
            .iter()
            .map(|r| {
                self.counts
                    .iter()
                    .filter(|((region, _, _), _)| region == r)
                    .map(|(_, n)| n)
                    .sum::<f64>()
                    / total
            })
            .collect()
    }

    /// Shares by sex: female, then male.
    pub fn sex_shares(&self) -> Vec<f64> {
        let total = self.total();
        ["female", "male"]
            .iter()
            .map(|s| {
                self.counts
                    .iter()
                    .filter(|((_, sex, _), _)| sex == s)
                    .map(|(_, n)| n)
                    .sum::<f64>()
                    / total
            })
            .collect()
    }

    /// Shares by age band, in [`AGE_BANDS`] order.
    pub fn age_shares(&self) -> Vec<f64> {
        let total = self.total();
        (0..AGE_BANDS.len())
            .map(|band| {
                self.counts
                    .iter()
                    .filter(|((_, _, b), _)| *b == band)
                    .map(|(_, n)| n)
                    .sum::<f64>()
                    / total
            })
            .collect()
    }
}

/// What is wrong with a shipped table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CensusError {
    #[error("the census table is not what was expected: {0}")]
    Malformed(String),
    #[error("the census table has no column {0}")]
    MissingColumn(String),
    #[error("{state}: {variable} is not a count ({value:?})")]
    NotACount {
        state: String,
        variable: String,
        value: String,
    },
}

/// Reads S0101 by state (the Census API's answer: a header row, then one row per state) into
/// adults by region, sex and age band.
pub fn adults_by_state(json: &str) -> Result<AdultPopulation, CensusError> {
    let rows: Vec<Vec<Value>> =
        serde_json::from_str(json).map_err(|e| CensusError::Malformed(e.to_string()))?;
    let Some((header, states)) = rows.split_first() else {
        return Err(CensusError::Malformed("no header row".into()));
    };
    let column = |name: &str| -> Result<usize, CensusError> {
        header
            .iter()
            .position(|h| h.as_str() == Some(name))
            .ok_or_else(|| CensusError::MissingColumn(name.to_owned()))
    };
    let state_column = column("state")?;
    let name_column = column("NAME")?;
    let mut population = AdultPopulation::default();
    for row in states {
        let fips = row.get(state_column).and_then(Value::as_str).unwrap_or("");
        let Some(region) = Region::of_state(fips) else {
            continue;
        };
        let state = row
            .get(name_column)
            .and_then(Value::as_str)
            .unwrap_or(fips)
            .to_owned();
        for (sex, sex_column) in [("female", "C05"), ("male", "C03")] {
            for (band, variables) in age_band_variables(sex_column).iter().enumerate() {
                let mut people = 0.0;
                for variable in variables {
                    let raw = row.get(column(variable)?).cloned().unwrap_or(Value::Null);
                    let text = raw.as_str().unwrap_or_default();
                    // The Census API marks what it cannot estimate with negative "jam" values
                    // (-555555555, -666666666): numbers, but not counts.
                    let count: f64 = text
                        .parse()
                        .ok()
                        .filter(|n: &f64| n.is_finite() && *n >= 0.0)
                        .ok_or_else(|| CensusError::NotACount {
                            state: state.clone(),
                            variable: variable.clone(),
                            value: raw.to_string(),
                        })?;
                    people += count;
                }
                *population.counts.entry((region, sex, band)).or_default() += people;
            }
        }
    }
    if population.counts.is_empty() {
        return Err(CensusError::Malformed("no state rows".into()));
    }
    Ok(population)
}

#[derive(Deserialize)]
struct IncomeRow {
    region: String,
    pct: f64,
    total: f64,
    group: String,
}

/// Reads B19001 by state (one row per state and bracket: its share of the state's households)
/// into household income shares for the whole country, in [`INCOME_BANDS`] order, households
/// counted as each state's total times its share. States the file tags with no region (Puerto
/// Rico) are left out.
///
/// These are households, not adults, in nominal 2013 dollars: incomes have risen since, so
/// raking today's adults to these shares would over-weight low incomes. The universe offers
/// them as an illustrative target the user turns on knowingly, never by default.
pub fn household_income_shares(json: &str) -> Result<Vec<f64>, CensusError> {
    let rows: Vec<IncomeRow> =
        serde_json::from_str(json).map_err(|e| CensusError::Malformed(e.to_string()))?;
    let mut households = [0.0; INCOME_BANDS.len()];
    for row in rows.iter().filter(|r| r.region != "other") {
        let Some(band) = INCOME_BANDS.iter().position(|b| *b == row.group) else {
            return Err(CensusError::Malformed(format!(
                "an income bracket the table does not have: {:?}",
                row.group
            )));
        };
        households[band] += row.total * row.pct;
    }
    let total: f64 = households.iter().sum();
    if total <= 0.0 {
        return Err(CensusError::Malformed("no households".into()));
    }
    Ok(households.iter().map(|h| h / total).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-state table in the Census API's shape, with round numbers.
    fn table() -> String {
        let mut header = vec!["GEO_ID".to_owned(), "NAME".to_owned()];
        let mut columns: Vec<String> = Vec::new();
        for sex in ["C03", "C05"] {
            for variables in age_band_variables(sex) {
                columns.extend(variables);
            }
        }
        header.extend(columns.iter().cloned());
        header.push("state".into());
        let row = |name: &str, fips: &str, per_variable: u32| {
            let mut row = vec![format!("0400000US{fips}"), name.to_owned()];
            row.extend(columns.iter().map(|_| per_variable.to_string()));
            row.push(fips.to_owned());
            row
        };
        serde_json::to_string(&vec![
            header,
            row("New York", "36", 10),
            row("Texas", "48", 30),
            row("Puerto Rico", "72", 1000),
        ])
        .unwrap()
    }

    #[test]
    fn states_sum_into_regions_and_bands_sum_their_five_year_rows() {
        let population = adults_by_state(&table()).unwrap();
        // Per sex, 6 bands over 10 variables (1 + 2·4 + 1): New York 10 each → 100 per sex.
        assert_eq!(population.total(), 2.0 * 100.0 + 2.0 * 300.0);
        assert_eq!(population.region_shares(), vec![0.25, 0.0, 0.75, 0.0]);
        assert_eq!(population.sex_shares(), vec![0.5, 0.5]);
        // 18-24 is one variable (10 of 100 per sex), 25-34 two (20 of 100).
        let ages = population.age_shares();
        assert!((ages[0] - 0.1).abs() < 1e-12 && (ages[1] - 0.2).abs() < 1e-12);
        assert!((ages.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn a_value_that_is_not_a_count_is_named() {
        let broken = table().replacen("\"10\"", "\"-555555555\"", 1);
        let error = adults_by_state(&broken).unwrap_err();
        assert!(
            matches!(&error, CensusError::NotACount { state, .. } if state == "New York"),
            "{error}"
        );
    }

    #[test]
    fn every_state_and_dc_has_a_region_and_puerto_rico_none() {
        let states: Vec<u8> = (1..=56)
            .filter(|n| ![3, 7, 14, 43, 52].contains(n))
            .collect();
        assert_eq!(states.len(), 51, "50 states and DC");
        for fips in states {
            assert!(Region::of_state(&format!("{fips:02}")).is_some(), "{fips}");
        }
        assert_eq!(Region::of_state("72"), None);
        assert_eq!(Region::of_state("06"), Some(Region::West));
        assert_eq!(Region::of_state("11"), Some(Region::South), "DC");
    }

    #[test]
    fn income_shares_weigh_states_by_their_households() {
        let json = r#"[
          {"name": "A", "region": "south", "id": 1, "pct": 0.5, "total": 100, "group": "<10000"},
          {"name": "A", "region": "south", "id": 1, "pct": 0.5, "total": 100, "group": "200000+"},
          {"name": "B", "region": "west", "id": 2, "pct": 1.0, "total": 300, "group": "<10000"},
          {"name": "PR", "region": "other", "id": 72, "pct": 1.0, "total": 900, "group": "200000+"}
        ]"#;
        let shares = household_income_shares(json).unwrap();
        // 50 + 300 households under $10,000 and 50 above $200,000, of 400.
        assert_eq!(shares[0], 350.0 / 400.0);
        assert_eq!(shares[9], 50.0 / 400.0);
    }
}
