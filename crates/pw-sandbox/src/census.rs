//! The US Census Bureau's data API (api.census.gov) under `/census/data/{year}/acs/acs1…`:
//! subject table S0101 "Age and Sex" (`/acs/acs1/subject?get=group(S0101)`) and detailed table
//! B15003 "Educational Attainment for the Population 25 Years and Over"
//! (`/acs/acs1?get=NAME,group(B15003)`), for every state, DC and Puerto Rico (`for=state:*`) or
//! the nation (`for=us:1`, the 50 states and DC). Answers are the API's own shape: an array of
//! arrays of strings, the header row first, geography columns last; estimates it cannot make
//! are "jam" values (`-888888888`, annotated `(X)`).
//!
//! The numbers are made up but hold together as the real tables do: each state's people are
//! split by sex and five-year age band, the selected categories (18 to 24, 65 and over) are
//! sums of those bands, the nation is the sum of the states, and B15003's total is S0101's
//! population 25 and over. A year other than 2024 scales every state a little, so a refresh
//! for another year is visibly different.
//!
//! Errors are the API's: a missing or invalid `key` is a 302 to `missing_key.html` or
//! `invalid_key.html` with `X-DataWebAPI-KeyError: 1`; an unknown variable is a 400 whose
//! plain-text body reads `error: unknown variable 'X'`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::FaultKind;
use crate::SandboxPlatform;
use crate::call::Call;
use crate::state::{Shared, TokenState};

/// State name, FIPS code and population (thousands, 2024), Puerto Rico last.
const STATES: &[(&str, &str, u32)] = &[
    ("Alabama", "01", 5158),
    ("Alaska", "02", 740),
    ("Arizona", "04", 7582),
    ("Arkansas", "05", 3088),
    ("California", "06", 39431),
    ("Colorado", "08", 5957),
    ("Connecticut", "09", 3675),
    ("Delaware", "10", 1051),
    ("District of Columbia", "11", 702),
    ("Florida", "12", 23372),
    ("Georgia", "13", 11180),
    ("Hawaii", "15", 1446),
    ("Idaho", "16", 2001),
    ("Illinois", "17", 12710),
    ("Indiana", "18", 6924),
    ("Iowa", "19", 3241),
    ("Kansas", "20", 2970),
    ("Kentucky", "21", 4588),
    ("Louisiana", "22", 4597),
    ("Maine", "23", 1405),
    ("Maryland", "24", 6263),
    ("Massachusetts", "25", 7136),
    ("Michigan", "26", 10140),
    ("Minnesota", "27", 5793),
    ("Mississippi", "28", 2943),
    ("Missouri", "29", 6245),
    ("Montana", "30", 1137),
    ("Nebraska", "31", 2005),
    ("Nevada", "32", 3267),
    ("New Hampshire", "33", 1409),
    ("New Jersey", "34", 9500),
    ("New Mexico", "35", 2130),
    ("New York", "36", 19867),
    ("North Carolina", "37", 11046),
    ("North Dakota", "38", 796),
    ("Ohio", "39", 11883),
    ("Oklahoma", "40", 4095),
    ("Oregon", "41", 4272),
    ("Pennsylvania", "42", 13078),
    ("Rhode Island", "44", 1112),
    ("South Carolina", "45", 5479),
    ("South Dakota", "46", 925),
    ("Tennessee", "47", 7227),
    ("Texas", "48", 31290),
    ("Utah", "49", 3503),
    ("Vermont", "50", 648),
    ("Virginia", "51", 8811),
    ("Washington", "53", 7958),
    ("West Virginia", "54", 1769),
    ("Wisconsin", "55", 5961),
    ("Wyoming", "56", 587),
    ("Puerto Rico", "72", 3204),
];

/// Per thousand of each sex, the nation's five-year bands (S0101 rows 002 to 019): under 5,
/// 5 to 9, … 80 to 84, 85 and over (male, then female).
const MALE_BANDS: [u32; 18] = [
    56, 60, 65, 68, 68, 67, 72, 70, 68, 60, 61, 58, 63, 55, 45, 32, 19, 13,
];
const FEMALE_BANDS: [u32; 18] = [
    52, 56, 60, 64, 63, 64, 69, 67, 66, 59, 60, 59, 65, 59, 51, 38, 24, 24,
];

/// Per thousand adults 25 and over, B15003's categories 002 to 025.
const EDUCATION: [u32; 24] = [
    13, 1, 1, 2, 2, 3, 4, 4, 5, 4, 10, 10, 13, 12, 9, 225, 35, 48, 105, 90, 220, 100, 16, 18,
];

/// A jam value: the API's "no estimate here".
const JAM: &str = "-888888888";

fn plain(status: StatusCode, text: &str) -> Response {
    let mut response = (status, text.to_owned()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain;charset=utf-8"),
    );
    response
}

/// The redirect the API answers a request with no key, or a key it does not know, with.
fn key_error(call: &Call, page: &str) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let location = format!("{}/census/data/{page}", call.origin());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert("X-DataWebAPI-KeyError", HeaderValue::from_static("1"));
    response
}

pub(crate) fn fault(kind: FaultKind, call: &Call) -> Response {
    match kind {
        FaultKind::RateLimit => plain(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"),
        FaultKind::ExpiredToken | FaultKind::RevokedToken => key_error(call, "invalid_key.html"),
        // Server errors and anything else: the API's own apology.
        _ => plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "There was an error while running your query.  We've logged the error and we'll \
             correct it ASAP.  Sorry for the inconvenience.",
        ),
    }
}

pub(crate) fn handle(shared: &Shared, call: &Call) -> Response {
    match call.param("key") {
        None => return key_error(call, "missing_key.html"),
        Some(key) if shared.token_state(SandboxPlatform::Census, key) != TokenState::Valid => {
            return key_error(call, "invalid_key.html");
        }
        Some(_) => {}
    }
    let segments = call.segments("/census/data");
    let (year, table_kind) = match segments.as_slice() {
        [year, "acs", "acs1", "subject"] => (*year, Table::S0101),
        [year, "acs", "acs1"] => (*year, Table::B15003),
        _ => return plain(StatusCode::NOT_FOUND, "error: unknown dataset"),
    };
    let Ok(year) = year.parse::<u16>() else {
        return plain(StatusCode::NOT_FOUND, "error: unknown dataset");
    };
    let Some(get) = call.param("get") else {
        return plain(StatusCode::BAD_REQUEST, "error: missing 'get' parameter");
    };
    // `get` lists variables and groups; this fake knows its table's group and NAME/GEO_ID.
    let mut plain_variables = Vec::new();
    let mut group = false;
    for item in get.split(',') {
        let item = item.trim();
        if item == format!("group({})", table_kind.name()) {
            group = true;
        } else if item == "NAME" || item == "GEO_ID" {
            plain_variables.push(item.to_owned());
        } else {
            return plain(
                StatusCode::BAD_REQUEST,
                &format!("error: unknown variable '{item}'"),
            );
        }
    }
    let nation = match call.param("for").map(String::as_str) {
        Some("state:*") => false,
        Some("us:1") => true,
        Some(other) => {
            return plain(
                StatusCode::BAD_REQUEST,
                &format!("error: unknown/unsupported geography hierarchy: {other}"),
            );
        }
        None => return plain(StatusCode::BAD_REQUEST, "error: missing 'for' parameter"),
    };
    let geographies = geographies(shared.config.seed, year, nation);
    let table = match table_kind {
        Table::S0101 => s0101(&geographies, nation),
        Table::B15003 => b15003(&geographies, nation),
    };
    let table = select(table, &plain_variables, group);
    let mut response = (StatusCode::OK, Value::from(table).to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    response
}

#[derive(Clone, Copy)]
enum Table {
    S0101,
    B15003,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::S0101 => "S0101",
            Table::B15003 => "B15003",
        }
    }
}

/// One geography's people: name, FIPS (empty for the nation), and per sex the 18 five-year
/// bands followed by the parts of bands the selected categories cut through: aged 15, aged 15
/// to 17, aged 20, aged 60 and 61. Every S0101 row is a sum of these, so the nation's rows
/// (sums of the states') agree with the states' to the person.
struct Geography {
    name: String,
    fips: String,
    male: [u64; PARTS],
    female: [u64; PARTS],
}

const PARTS: usize = 22;

impl Geography {
    fn band(&self, index: usize) -> u64 {
        self.male[index] + self.female[index]
    }
}

/// A number in 0..1000 fixed by its parts.
fn jitter(parts: &[u64]) -> u64 {
    let mut key: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        key = (key ^ part).wrapping_mul(0x0100_0000_01b3);
        key ^= key >> 29;
    }
    key % 1000
}

fn geographies(seed: u64, year: u16, nation: bool) -> Vec<Geography> {
    let years = i64::from(year) - 2024;
    let states: Vec<Geography> = STATES
        .iter()
        .map(|(name, fips, thousands)| {
            let code: u64 = fips.parse().unwrap_or(0);
            // Half a percent a year, and up to ±2% of the state's own.
            let growth = 1.0 + 0.005 * years as f64;
            let own = 1.0 + (jitter(&[seed, code, u64::from(year)]) as f64 - 500.0) / 25_000.0;
            let people = f64::from(*thousands) * 1000.0 * growth * own;
            let split = |bands: &[u32; 18], share: f64, salt: u64| {
                let total: u32 = bands.iter().sum();
                let mut out = [0_u64; PARTS];
                for (i, per) in bands.iter().enumerate() {
                    let tilt = 1.0
                        + (jitter(&[seed, code, u64::from(year), salt, i as u64]) as f64 - 500.0)
                            / 10_000.0;
                    out[i] =
                        (people * share * f64::from(*per) / f64::from(total) * tilt).round() as u64;
                }
                out[18] = out[3] / 5;
                out[19] = out[3] * 3 / 5;
                out[20] = out[4] / 5;
                out[21] = out[12] * 2 / 5;
                out
            };
            Geography {
                name: (*name).to_owned(),
                fips: (*fips).to_owned(),
                male: split(&MALE_BANDS, 0.494, 1),
                female: split(&FEMALE_BANDS, 0.506, 2),
            }
        })
        .collect();
    if !nation {
        return states;
    }
    // The nation is the 50 states and DC: Puerto Rico is not part of it.
    let mut us = Geography {
        name: "United States".into(),
        fips: String::new(),
        male: [0; PARTS],
        female: [0; PARTS],
    };
    for state in states.iter().filter(|s| s.fips != "72") {
        for i in 0..PARTS {
            us.male[i] += state.male[i];
            us.female[i] += state.female[i];
        }
    }
    vec![us]
}

/// The S0101 rows 001 to 031 (counts) of one sex's parts, and rows 032 to 038 as jam.
fn s0101_counts(bands: &[u64; PARTS]) -> Vec<Option<u64>> {
    let sum = |range: std::ops::Range<usize>| bands[range].iter().sum::<u64>();
    let total = sum(0..18);
    let fifteen_to_seventeen = bands[19];
    let under_eighteen = sum(0..3) + fifteen_to_seventeen;
    let eighteen_to_twenty = (bands[3] - fifteen_to_seventeen) + bands[20];
    let mut rows: Vec<Option<u64>> = vec![Some(total)];
    rows.extend(bands[..18].iter().map(|b| Some(*b)));
    rows.extend([
        Some(sum(1..3)),                                   // 020: 5 to 14
        Some(fifteen_to_seventeen),                        // 021: 15 to 17
        Some(under_eighteen),                              // 022: under 18
        Some(bands[3] - fifteen_to_seventeen + bands[4]),  // 023: 18 to 24
        Some(sum(3..9)),                                   // 024: 15 to 44
        Some(total - sum(0..3) - bands[18]),               // 025: 16 and over
        Some(total - under_eighteen),                      // 026: 18 and over
        Some(total - under_eighteen - eighteen_to_twenty), // 027: 21 and over
        Some(sum(12..18)),                                 // 028: 60 and over
        Some(bands[12] - bands[21] + sum(13..18)),         // 029: 62 and over
        Some(sum(13..18)),                                 // 030: 65 and over
        Some(sum(15..18)),                                 // 031: 75 and over
    ]);
    rows.extend(std::iter::repeat_n(None, 7));
    rows
}

fn s0101(geographies: &[Geography], nation: bool) -> Vec<Vec<Value>> {
    let mut header = vec!["GEO_ID".to_owned(), "NAME".to_owned()];
    for column in 1..=6 {
        for row in 1..=38 {
            for suffix in ["E", "EA", "M", "MA"] {
                header.push(format!("S0101_C{column:02}_{row:03}{suffix}"));
            }
        }
    }
    header.push(if nation { "us" } else { "state" }.to_owned());
    let mut table = vec![header.into_iter().map(Value::from).collect()];
    for geography in geographies {
        let both: [u64; PARTS] = std::array::from_fn(|i| geography.band(i));
        let counts = [
            s0101_counts(&both),
            s0101_counts(&geography.male),
            s0101_counts(&geography.female),
        ];
        let mut row = vec![
            geo_id(geography, nation),
            Value::from(geography.name.clone()),
        ];
        for (sex, rows) in counts.iter().enumerate() {
            let total = rows[0].unwrap_or(1).max(1) as f64;
            // Counts, then the same rows as percentages of the sex's total.
            for percent in [false, true] {
                for (index, value) in rows.iter().enumerate() {
                    let estimate = match (value, percent, index) {
                        (None, _, _) | (_, true, 0) => None,
                        (Some(n), false, _) => Some(n.to_string()),
                        (Some(n), true, _) => Some(format!("{:.1}", *n as f64 * 100.0 / total)),
                    };
                    row.extend(cells(estimate, index == 0 && !percent, sex));
                }
            }
        }
        row.push(Value::from(if nation {
            "1".to_owned()
        } else {
            geography.fips.clone()
        }));
        table.push(row);
    }
    table
}

/// An estimate's four cells (E, EA, M, MA): a count with its margin of error, the total with
/// the "controlled, no margin" jam the API gives it, or a jam where there is no estimate.
fn cells(estimate: Option<String>, controlled: bool, salt: usize) -> [Value; 4] {
    match estimate {
        None => [JAM.into(), "(X)".into(), JAM.into(), "(X)".into()],
        Some(text) if controlled => [
            text.into(),
            Value::Null,
            "-555555555".into(),
            "*****".into(),
        ],
        Some(text) => {
            let margin = text
                .parse::<f64>()
                .map(|n| format!("{:.0}", (n.abs().sqrt() * 2.0 + salt as f64).max(1.0)))
                .unwrap_or_else(|_| "0.1".into());
            [text.into(), Value::Null, margin.into(), Value::Null]
        }
    }
}

fn geo_id(geography: &Geography, nation: bool) -> Value {
    Value::from(match nation {
        true => "0100000US".to_owned(),
        false => format!("0400000US{}", geography.fips),
    })
}

fn b15003(geographies: &[Geography], nation: bool) -> Vec<Vec<Value>> {
    let mut header = vec!["GEO_ID".to_owned(), "NAME".to_owned()];
    for row in 1..=25 {
        for suffix in ["E", "EA", "M", "MA"] {
            header.push(format!("B15003_{row:03}{suffix}"));
        }
    }
    header.push(if nation { "us" } else { "state" }.to_owned());
    let mut table = vec![header.into_iter().map(Value::from).collect()];
    for geography in geographies {
        // B15003 counts the people 25 and over that S0101 counts: bands 25-29 onwards.
        let adults: u64 = (5..18).map(|i| geography.band(i)).sum();
        let code: u64 = geography.fips.parse().unwrap_or(0);
        let weights: Vec<f64> = EDUCATION
            .iter()
            .enumerate()
            .map(|(i, per)| {
                f64::from(*per)
                    * (1.0 + (jitter(&[code, 15_003, i as u64]) as f64 - 500.0) / 5000.0)
            })
            .collect();
        let total_weight: f64 = weights.iter().sum();
        let mut counts: Vec<u64> = weights
            .iter()
            .map(|w| (adults as f64 * w / total_weight).floor() as u64)
            .collect();
        // What flooring left over goes to the largest category, so the parts sum to the total.
        let rest = adults - counts.iter().sum::<u64>();
        if let Some(high_school) = counts.get_mut(15) {
            *high_school += rest;
        }
        let mut row = vec![
            geo_id(geography, nation),
            Value::from(geography.name.clone()),
        ];
        row.extend(cells(Some(adults.to_string()), false, 0));
        for count in counts {
            row.extend(cells(Some(count.to_string()), false, 1));
        }
        row.push(Value::from(if nation {
            "1".to_owned()
        } else {
            geography.fips.clone()
        }));
        table.push(row);
    }
    table
}

/// The columns the request asked for: its plain variables first, then the group's (without
/// repeating one), then the geography column, which the API always appends.
fn select(table: Vec<Vec<Value>>, plain_variables: &[String], group: bool) -> Vec<Vec<Value>> {
    let Some(header) = table.first() else {
        return table;
    };
    let last = header.len().saturating_sub(1);
    let mut keep: Vec<usize> = plain_variables
        .iter()
        .filter_map(|v| header.iter().position(|h| h.as_str() == Some(v.as_str())))
        .collect();
    if group {
        let named = keep.clone();
        keep.extend((0..last).filter(|i| !named.contains(i)));
    }
    keep.push(last);
    table
        .into_iter()
        .map(|row| {
            keep.iter()
                .map(|i| row.get(*i).cloned().unwrap_or(Value::Null))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_categories_are_sums_of_the_bands_and_the_nation_sums_the_states() {
        let states = geographies(7, 2024, false);
        let nation = geographies(7, 2024, true);
        let without_pr: u64 = states
            .iter()
            .filter(|s| s.fips != "72")
            .map(|s| s.male.iter().sum::<u64>())
            .sum();
        assert_eq!(nation[0].male.iter().sum::<u64>(), without_pr);
        let rows = s0101_counts(&states[0].male);
        assert_eq!(rows.len(), 38);
        // 18 and over is the total less under 18; 65 and over the last five bands.
        assert_eq!(rows[25], Some(rows[0].unwrap() - rows[21].unwrap()));
        assert_eq!(rows[29], Some(states[0].male[13..18].iter().sum()));
        assert_ne!(
            geographies(7, 2023, false)[4].male,
            states[4].male,
            "another year differs"
        );
    }
}
