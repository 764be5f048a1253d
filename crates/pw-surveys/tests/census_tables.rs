//! The shipped ACS tables, as `scripts/fetch-reference-data` fetches them, read into targets
//! that match the Census Bureau's own totals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::path::PathBuf;

use pw_surveys::census::{self, Region};

fn census_dir() -> PathBuf {
    std::env::var_os("PROFITWHEEL_REFERENCE_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../reference-data"))
        .join("census")
}

fn read(name: &str) -> String {
    let path = census_dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/fetch-reference-data)", path.display()))
}

/// A count from the national S0101 row, by variable.
fn national(variable: &str) -> f64 {
    let rows: Vec<Vec<serde_json::Value>> =
        serde_json::from_str(&read("acs_S0101_national_2024.json")).unwrap();
    let column = rows[0].iter().position(|h| h == variable).unwrap();
    rows[1][column].as_str().unwrap().parse().unwrap()
}

#[test]
fn adults_by_state_add_up_to_the_national_adult_population() {
    let adults = census::adults_by_state(&read("acs_S0101_state_2024.json")).unwrap();
    // The United States row (50 states and DC, not Puerto Rico): 18 years and over.
    let adults_18_plus = national("S0101_C01_026E");
    let relative = (adults.total() - adults_18_plus).abs() / adults_18_plus;
    assert!(
        relative < 0.001,
        "bands summed over states {} against the national {adults_18_plus}",
        adults.total()
    );
    let female = adults.sex_shares()[0];
    let national_female = national("S0101_C05_026E") / adults_18_plus;
    assert!(
        (female - national_female).abs() < 0.001,
        "{female} {national_female}"
    );
    // The South is the largest region, the Northeast the smallest (Census regions, 2024).
    let regions = adults.region_shares();
    let largest = Region::ALL[regions
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0];
    assert_eq!(largest, Region::South);
    assert!((regions.iter().sum::<f64>() - 1.0).abs() < 1e-9);
}

#[test]
fn household_income_shares_cover_every_bracket() {
    let shares = census::household_income_shares(&read("acs_B19001_state_2013.json")).unwrap();
    assert_eq!(shares.len(), census::INCOME_BANDS.len());
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(shares.iter().all(|s| *s > 0.02), "{shares:?}");
}
