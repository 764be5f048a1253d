//! US Census ACS tables as survey targets: who the adult population is, by age band, sex and
//! Census region (ACS 1-year, subject table S0101 "Age and Sex", by state: 2024 as shipped, or
//! the newest year a census refresh wrote), how households divide by income (ACS 2013 3-year,
//! table B19001 "Household Income", by state), and, when a census refresh has written it, how
//! adults 25 and over divide by education (ACS 1-year, table B15003 "Educational Attainment").
//! The files are fetched by `scripts/fetch-reference-data` or `profitwheel enrich census` (see
//! `docs/reference-data.md`); this module only reads their names and text, so it is tested on
//! known answers without a disk.
//!
//! States are summed into the Census Bureau's four regions; Puerto Rico belongs to none and is
//! left out. No registry package carries an ACS education table, so without a refreshed
//! B15003 education targets come from the user.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// The table and year each target comes from, as the universe names them to the user (the
/// shipped S0101 year; [`age_sex_source`] names another).
pub const AGE_SEX_SOURCE: &str =
    "US Census Bureau, ACS 2024 1-year, table S0101 (Age and Sex), by state";

/// The source of S0101 targets of `year`.
pub fn age_sex_source(year: u16) -> String {
    format!("US Census Bureau, ACS {year} 1-year, table S0101 (Age and Sex), by state")
}

/// The source of B15003 education targets of `year`.
pub fn education_source(year: u16) -> String {
    format!(
        "US Census Bureau, ACS {year} 1-year, table B15003 (Educational Attainment), by state; \
         adults 25 and over"
    )
}

/// The newest year of a census file among `names` (a directory's file names), by the setup's
/// and the census refresh's naming, `acs_{table}_{geography}_{year}.json` (`S0101`, `state`
/// say): the year and the file name. A `.partial` file being written is not a table.
pub fn newest_file<'a>(
    names: impl IntoIterator<Item = &'a str>,
    table: &str,
    geography: &str,
) -> Option<(u16, String)> {
    let prefix = format!("acs_{table}_{geography}_");
    names
        .into_iter()
        .filter_map(|name| {
            let year = name.strip_prefix(&prefix)?.strip_suffix(".json")?;
            // Four digits exactly: `acs_S0101_state_2024_old.json` is not a year's table.
            (year.len() == 4)
                .then(|| year.parse::<u16>().ok())
                .flatten()
                .map(|year| (year, name.to_owned()))
        })
        .max()
}
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
    /// The ACS year of the table, when the reader knows it (from the file's name); `None`
    /// names the shipped 2024 table.
    pub year: Option<u16>,
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

    /// Adults in `regions`.
    pub fn total_in(&self, regions: &[Region]) -> f64 {
        self.counts
            .iter()
            .filter(|((region, _, _), _)| regions.contains(region))
            .map(|(_, n)| n)
            .sum()
    }

    /// Of the adults in `regions`: the shares by sex (female, then male) and by age band (in
    /// [`AGE_BANDS`] order). `None` when the regions hold nobody.
    pub fn shares_in(&self, regions: &[Region]) -> Option<(Vec<f64>, Vec<f64>)> {
        let total = self.total_in(regions);
        if total <= 0.0 {
            return None;
        }
        let share = |keep: &dyn Fn(&'static str, usize) -> bool| {
            self.counts
                .iter()
                .filter(|((region, sex, band), _)| regions.contains(region) && keep(sex, *band))
                .map(|(_, n)| n)
                .sum::<f64>()
                / total
        };
        let by_sex = ["female", "male"]
            .iter()
            .map(|wanted| share(&|sex, _| sex == *wanted))
            .collect();
        let by_age = (0..AGE_BANDS.len())
            .map(|wanted| share(&|_, band| band == wanted))
            .collect();
        Some((by_sex, by_age))
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

/// Education levels the universe offers from B15003, lowest first, with B15003's
/// categories (rows 002 to 025) each falls into: no diploma (no schooling to 12th grade without
/// one), a high school diploma or GED, some college or an associate's degree, a bachelor's, and
/// a graduate or professional degree.
pub const EDUCATION_LEVELS: [(&str, std::ops::RangeInclusive<u32>); 5] = [
    ("less than high school", 2..=16),
    ("high school graduate", 17..=18),
    ("some college or associate's", 19..=21),
    ("bachelor's degree", 22..=22),
    ("graduate or professional degree", 23..=25),
];

/// Adults 25 and over by region and education level (in [`EDUCATION_LEVELS`] order):
/// estimates, not shares.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EducationPopulation {
    pub counts: BTreeMap<Region, [f64; EDUCATION_LEVELS.len()]>,
}

impl EducationPopulation {
    /// Shares by level across the regions given (all four for the nation).
    pub fn shares(&self, regions: &[Region]) -> Vec<f64> {
        let mut totals = [0.0; EDUCATION_LEVELS.len()];
        for region in regions {
            if let Some(counts) = self.counts.get(region) {
                for (total, count) in totals.iter_mut().zip(counts) {
                    *total += count;
                }
            }
        }
        let all: f64 = totals.iter().sum();
        totals
            .iter()
            .map(|t| t / all.max(f64::MIN_POSITIVE))
            .collect()
    }

    /// Shares by level in each region, in [`Region::ALL`] order.
    pub fn shares_by_region(&self) -> Vec<(Region, Vec<f64>)> {
        Region::ALL
            .iter()
            .map(|r| (*r, self.shares(std::slice::from_ref(r))))
            .collect()
    }
}

/// Reads B15003 by state (the Census API's answer, as the census refresh writes it) into
/// adults 25 and over by region and education level. Each level sums its B15003 categories;
/// a state whose categories do not add up to its total (B15003_001E) is refused, since then
/// the file is not the table it claims to be.
pub fn education_by_state(json: &str) -> Result<EducationPopulation, CensusError> {
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
    let mut population = EducationPopulation::default();
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
        let count = |category: u32| -> Result<f64, CensusError> {
            let variable = format!("B15003_{category:03}E");
            let raw = row.get(column(&variable)?).cloned().unwrap_or(Value::Null);
            raw.as_str()
                .and_then(|t| t.parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| CensusError::NotACount {
                    state: state.clone(),
                    variable,
                    value: raw.to_string(),
                })
        };
        let mut levels = [0.0; EDUCATION_LEVELS.len()];
        for (level, (_, categories)) in levels.iter_mut().zip(EDUCATION_LEVELS.iter()) {
            for category in categories.clone() {
                *level += count(category)?;
            }
        }
        let total = count(1)?;
        if (levels.iter().sum::<f64>() - total).abs() > 0.5 {
            return Err(CensusError::Malformed(format!(
                "{state}: the education categories do not add up to its total"
            )));
        }
        let entry = population.counts.entry(region).or_default();
        for (sum, level) in entry.iter_mut().zip(levels) {
            *sum += level;
        }
    }
    if population.counts.is_empty() {
        return Err(CensusError::Malformed("no state rows".into()));
    }
    Ok(population)
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
    fn a_regions_shares_are_of_its_own_adults() {
        // Texas's first female column holds 130 rather than 30: 100 more women aged 18-24.
        let mut rows: Vec<Vec<String>> = serde_json::from_str(&table()).unwrap();
        let first_female = rows[0]
            .iter()
            .position(|h| h.starts_with("S0101_C05"))
            .unwrap();
        rows[2][first_female] = "130".into();
        let population = adults_by_state(&serde_json::to_string(&rows).unwrap()).unwrap();
        assert_eq!(population.total_in(&[Region::South]), 700.0);
        assert_eq!(
            population.total_in(&[Region::Northeast, Region::South]),
            900.0
        );
        let (sex, age) = population.shares_in(&[Region::South]).unwrap();
        assert_eq!(sex, vec![400.0 / 700.0, 300.0 / 700.0]);
        // 18-24: 30 men and 130 women of 700.
        assert!((age[0] - 160.0 / 700.0).abs() < 1e-12, "{age:?}");
        let (sex, _) = population.shares_in(&[Region::Northeast]).unwrap();
        assert_eq!(sex, vec![0.5, 0.5]);
        assert_eq!(population.shares_in(&[Region::West]), None);
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
    fn the_newest_year_of_a_table_is_chosen_and_other_files_are_not_tables() {
        let names = [
            "acs_S0101_state_2024.json",
            "acs_S0101_state_2025.json",
            "acs_S0101_state_2026.json.partial",
            "acs_S0101_national_2027.json",
            "acs_S0101_state_2023.json",
            "acs_S0101_state_latest.json",
            "acs_B15003_state_2025.json",
        ];
        assert_eq!(
            newest_file(names, "S0101", "state"),
            Some((2025, "acs_S0101_state_2025.json".into()))
        );
        assert_eq!(newest_file(names, "S0101", "national").unwrap().0, 2027);
        assert_eq!(newest_file(names, "B15003", "national"), None);
        assert!(age_sex_source(2025).contains("ACS 2025 1-year"));
    }

    /// B15003 by state in the API's shape: `per_category` people in each of the 24 categories.
    fn education_table(states: &[(&str, &str, u32)]) -> String {
        let mut header = vec!["NAME".to_owned(), "GEO_ID".to_owned()];
        for v in 1..=25 {
            header.push(format!("B15003_{v:03}E"));
            header.push(format!("B15003_{v:03}M"));
        }
        header.push("state".into());
        let mut table = vec![header];
        for (name, fips, per_category) in states {
            let mut row = vec![(*name).to_owned(), format!("0400000US{fips}")];
            row.push((per_category * 24).to_string());
            row.push("100".into());
            for _ in 2..=25 {
                row.push(per_category.to_string());
                row.push("10".into());
            }
            row.push((*fips).to_owned());
            table.push(row);
        }
        serde_json::to_string(&table).unwrap()
    }

    #[test]
    fn education_levels_sum_their_b15003_categories_by_region() {
        let json = education_table(&[
            ("New York", "36", 10),
            ("Texas", "48", 30),
            ("PR", "72", 99),
        ]);
        let education = education_by_state(&json).unwrap();
        // 15 categories fall below a diploma, 2 are a diploma, 3 some college, 1 a bachelor's,
        // 3 graduate degrees: 24 in all.
        let want: Vec<f64> = [15.0, 2.0, 3.0, 1.0, 3.0]
            .iter()
            .map(|n| n / 24.0)
            .collect();
        for (got, want) in education.shares(&Region::ALL).iter().zip(&want) {
            assert!((got - want).abs() < 1e-12);
        }
        assert_eq!(education.counts[&Region::Northeast][3], 10.0);
        assert_eq!(education.counts[&Region::South][4], 90.0);
        assert!(
            !education.counts.contains_key(&Region::West),
            "Puerto Rico left out"
        );
        let by_region = education.shares_by_region();
        assert_eq!(by_region.len(), 4);
        assert_eq!(by_region[3].1, vec![0.0; 5], "no western state: no shares");

        let broken = json.replacen("\"10\",\"10\"", "\"11\",\"10\"", 1);
        assert!(matches!(
            education_by_state(&broken).unwrap_err(),
            CensusError::Malformed(why) if why.contains("do not add up")
        ));
        let jam = json.replacen("\"30\"", "\"-666666666\"", 1);
        assert!(matches!(
            education_by_state(&jam).unwrap_err(),
            CensusError::NotACount { state, .. } if state == "Texas"
        ));
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
