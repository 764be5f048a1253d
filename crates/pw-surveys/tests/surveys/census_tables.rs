//! The shipped ACS tables, as `scripts/fetch-reference-data` fetches them, read into targets
//! that match the Census Bureau's own totals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use crate::support;

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

/// A census table by state in the API's shape (header row first, the state code last), as a
/// census refresh writes it: `value(fips, variable)` for every variable.
fn api_table(variables: &[String], value: impl Fn(&str, &str) -> u64) -> String {
    let states = [("New York", "36"), ("Texas", "48"), ("California", "06")];
    let mut header = vec!["GEO_ID".to_owned(), "NAME".to_owned()];
    header.extend(variables.iter().cloned());
    header.push("state".into());
    let mut table = vec![header];
    for (name, fips) in states {
        let mut row = vec![format!("0400000US{fips}"), name.to_owned()];
        row.extend(variables.iter().map(|v| value(fips, v).to_string()));
        row.push(fips.to_owned());
        table.push(row);
    }
    serde_json::to_string(&table).unwrap()
}

#[tokio::test]
async fn a_refreshed_census_year_is_preferred_and_its_education_offered() {
    use pw_surveys::universe::{AGE_BAND, EDUCATION, REGION};
    use pw_surveys::{RunRequest, Surveys, UniverseChoice};
    use std::sync::Arc;

    let (_dir, db) = support::seeded().await;
    let reference = tempfile::tempdir().unwrap();
    let dir = reference.path().join("census");
    std::fs::create_dir_all(&dir).unwrap();
    let s0101: Vec<String> = ["C03", "C05"]
        .iter()
        .flat_map(|sex| {
            [7, 8, 9, 10, 11, 12, 13, 14, 23, 30].map(|row| format!("S0101_{sex}_{row:03}E"))
        })
        .collect();
    // 2024: the three states alike; 2025 (refreshed): California twice as large.
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    write("acs_S0101_state_2024.json", api_table(&s0101, |_, _| 100));
    write(
        "acs_S0101_state_2025.json",
        api_table(&s0101, |fips, _| if fips == "06" { 200 } else { 100 }),
    );
    write("acs_S0101_state_2026.json.partial", "[[".into());
    // B15003: 10 people in each of the 24 categories, 240 in all.
    let b15003: Vec<String> = (1..=25).map(|v| format!("B15003_{v:03}E")).collect();
    write(
        "acs_B15003_state_2025.json",
        api_table(&b15003, |_, v| if v == "B15003_001E" { 240 } else { 10 }),
    );

    let model = support::Respondents::new();
    let surveys = Surveys::new(
        db.clone(),
        pw_jobs::JobQueue::new(db.clone()),
        Arc::new(support::FixedGateway(support::gateway(model))),
        reference.path().to_owned(),
    );
    let survey = surveys
        .import(support::ws(), support::SURVEY)
        .await
        .unwrap();
    let run = |universe: UniverseChoice| RunRequest {
        survey: survey.summary.id,
        respondents: 40,
        seed: Some(3),
        universe,
        concurrency: Some(2),
    };
    let started = surveys
        .start_run(support::ws(), &run(UniverseChoice::default()))
        .await
        .unwrap();
    let universe = &started.universe;
    assert!(
        universe
            .dimension(AGE_BAND)
            .unwrap()
            .source
            .contains("ACS 2025"),
        "the newest S0101 is read"
    );
    // New York (Northeast) 100 per variable, Texas (South) 100, California (West) 200.
    let regions = &universe.dimension(REGION).unwrap().shares;
    assert_eq!(regions, &vec![0.25, 0.0, 0.25, 0.5]);
    let education = universe.dimension(EDUCATION).unwrap();
    assert!(education.source.contains("B15003"), "{}", education.source);
    let levels: Vec<&str> = census::EDUCATION_LEVELS.iter().map(|(l, _)| *l).collect();
    assert_eq!(education.categories, levels);
    let want: Vec<f64> = [15.0, 2.0, 3.0, 1.0, 3.0]
        .iter()
        .map(|n| n / 24.0)
        .collect();
    for (got, want) in education.shares.iter().zip(&want) {
        assert!((got - want).abs() < 1e-12);
    }

    // Education the user gives stands instead of the table's.
    let mine = surveys
        .start_run(
            support::ws(),
            &run(UniverseChoice {
                education: vec![("college".into(), 0.4), ("no college".into(), 0.6)],
                ..UniverseChoice::default()
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        mine.universe.dimension(EDUCATION).unwrap().source,
        "entered by the user"
    );

    // The tables as the agents' census tool reads them: the same year, files and shares.
    let tables = surveys.census_tables().unwrap();
    assert_eq!(tables.adults_file, "acs_S0101_state_2025.json");
    assert!(tables.adults_source.contains("ACS 2025"));
    assert_eq!(tables.adults.region_shares(), vec![0.25, 0.0, 0.25, 0.5]);
    let education = tables.education.unwrap();
    assert_eq!(education.file, "acs_B15003_state_2025.json");
    for (got, want) in education.shares.iter().zip(&want) {
        assert!((got - want).abs() < 1e-12);
    }

    // A broken education table fails what reads it, but not a run whose education the user
    // gave, which never reads it.
    write("acs_B15003_state_2025.json", "[[\"broken\"".into());
    assert!(surveys.census_tables().is_err());
    surveys
        .start_run(
            support::ws(),
            &run(UniverseChoice {
                education: vec![("college".into(), 0.4), ("no college".into(), 0.6)],
                ..UniverseChoice::default()
            }),
        )
        .await
        .unwrap();
}
