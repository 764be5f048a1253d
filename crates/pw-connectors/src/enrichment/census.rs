//! Refreshing the ACS tables the survey universe reads: subject table S0101 "Age and Sex" by
//! state and for the nation, and detailed table B15003 "Educational Attainment" by state, each
//! for one ACS 1-year release. The answers are checked for the shape the surveys context reads
//! (the variables it sums, one cell per header column, counts that are counts) and only then
//! written, all three or none, each first to a `.partial` file and renamed into place, so a
//! reader never sees half a table and a bad answer never replaces a good file.
//!
//! The files are the API's answers byte for byte, named as the setup names the shipped ones:
//! `census/acs_S0101_state_{year}.json`, `census/acs_S0101_national_{year}.json`,
//! `census/acs_B15003_state_{year}.json`.

use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use serde_json::Value;

use super::{Enrichment, EnrichmentService, judge_common};
use crate::error::{ConnectorError, Result};
use crate::transport::{Answer, Verdict};

/// What a refresh wrote.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CensusRefresh {
    pub year: u16,
    pub files: Vec<CensusFile>,
}

/// One table written.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CensusFile {
    /// `S0101` or `B15003`.
    pub table: String,
    /// `state` or `national`.
    pub geography: String,
    pub path: PathBuf,
    /// Geographies in it (states, DC and Puerto Rico; or the nation).
    pub rows: usize,
}

/// The first ACS 1-year release.
const FIRST_YEAR: u16 = 2005;

/// One table to fetch.
struct Request {
    table: &'static str,
    geography: &'static str,
    /// Path after `/data/{year}/acs/acs1`.
    dataset: &'static str,
    get: &'static str,
    for_: &'static str,
}

// B15003 first: a table that fails after another has arrived must still leave nothing written,
// and the tests cut the S0101 answers (their path, `/subject`, is the one a fault can tell).
const REQUESTS: [Request; 3] = [
    Request {
        table: "B15003",
        geography: "state",
        dataset: "",
        get: "NAME,group(B15003)",
        for_: "state:*",
    },
    Request {
        table: "S0101",
        geography: "state",
        dataset: "/subject",
        get: "group(S0101)",
        for_: "state:*",
    },
    Request {
        table: "S0101",
        geography: "national",
        dataset: "/subject",
        get: "group(S0101)",
        for_: "us:1",
    },
];

impl Request {
    fn file_name(&self, year: u16) -> String {
        format!("acs_{}_{}_{year}.json", self.table, self.geography)
    }

    fn describe(&self) -> String {
        let by = match self.geography {
            "national" => "for the nation",
            _ => "by state",
        };
        format!("table {} {by}", self.table)
    }

    /// The columns the surveys context reads, each of which must be a count in every row.
    fn counts(&self) -> Vec<String> {
        match self.table {
            "S0101" => ["C03", "C05"]
                .iter()
                .flat_map(|sex| {
                    [7, 8, 9, 10, 11, 12, 13, 14, 23, 30]
                        .map(|row| format!("S0101_{sex}_{row:03}E"))
                })
                .collect(),
            _ => (1..=25).map(|v| format!("B15003_{v:03}E")).collect(),
        }
    }
}

impl Enrichment {
    /// Fetches S0101 by state and for the nation and B15003 by state for the ACS 1-year
    /// release of `year`, checks each, and writes all three into `reference_data_dir/census`
    /// (or nothing, saying which table was wrong and why).
    pub async fn refresh_census(
        &self,
        year: u16,
        reference_data_dir: &Path,
    ) -> Result<CensusRefresh> {
        let this_year = chrono::Datelike::year(&chrono::Utc::now().date_naive());
        if year < FIRST_YEAR || i32::from(year) > this_year {
            return Err(ConnectorError::Invalid(format!(
                "the ACS 1-year releases run from {FIRST_YEAR} to last year, not {year}"
            )));
        }
        let key = self.key(EnrichmentService::Census).await?;
        let http = self.client(EnrichmentService::Census);
        let mut fetched = Vec::with_capacity(REQUESTS.len());
        for request in &REQUESTS {
            let url = format!("{}/data/{year}/acs/acs1{}", http.root, request.dataset);
            let body = http
                .send(
                    |client| {
                        client.get(&url).query(&[
                            ("get", request.get),
                            ("for", request.for_),
                            ("key", key.expose()),
                        ])
                    },
                    judge,
                    |answer| {
                        check(request, &answer.body)
                            .map(|rows| (answer.body.clone(), rows))
                            .map_err(|why| format!("{}: {why}", request.describe()))
                    },
                )
                .await?;
            tracing::debug!(
                table = request.table,
                geography = request.geography,
                year,
                "census table fetched"
            );
            fetched.push((request, body));
        }
        let dir = reference_data_dir.join("census");
        let files = write_all(&dir, year, &fetched).await?;
        tracing::info!(year, dir = %dir.display(), "census tables refreshed");
        Ok(CensusRefresh { year, files })
    }
}

/// Writes every table to `.partial`, then renames them all; a failure removes the partials.
async fn write_all(
    dir: &Path,
    year: u16,
    fetched: &[(&Request, (bytes::Bytes, usize))],
) -> Result<Vec<CensusFile>> {
    let io = |what: &str, path: &Path, e: std::io::Error| {
        ConnectorError::Invalid(format!("{what} {} failed: {e}", path.display()))
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| io("creating", dir, e))?;
    let mut partials = Vec::with_capacity(fetched.len());
    for (request, (body, _)) in fetched {
        let partial = dir.join(format!("{}.partial", request.file_name(year)));
        let written = tokio::fs::write(&partial, body).await;
        partials.push(partial.clone());
        if let Err(e) = written {
            remove(&partials).await;
            return Err(io("writing", &partial, e));
        }
    }
    // The three files go in together or not at all: a file of that year already there is set
    // aside first and put back if a later rename fails, so the survey universe never reads one
    // table of the new year beside another of the old.
    let mut files = Vec::with_capacity(fetched.len());
    let mut set_aside: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut placed: Vec<PathBuf> = Vec::new();
    for ((request, (_, rows)), partial) in fetched.iter().zip(&partials) {
        let path = dir.join(request.file_name(year));
        let step = async {
            if tokio::fs::try_exists(&path).await.unwrap_or(false) {
                let previous = dir.join(format!("{}.previous", request.file_name(year)));
                tokio::fs::rename(&path, &previous).await?;
                set_aside.push((previous, path.clone()));
            }
            tokio::fs::rename(partial, &path).await
        };
        if let Err(e) = step.await {
            remove(&placed).await;
            for (previous, original) in &set_aside {
                let _ = tokio::fs::rename(previous, original).await;
            }
            remove(&partials).await;
            return Err(io("renaming into", &path, e));
        }
        placed.push(path.clone());
        files.push(CensusFile {
            table: request.table.to_owned(),
            geography: request.geography.to_owned(),
            path,
            rows: *rows,
        });
    }
    let previous: Vec<PathBuf> = set_aside
        .into_iter()
        .map(|(previous, _)| previous)
        .collect();
    remove(&previous).await;
    Ok(files)
}

async fn remove(paths: &[PathBuf]) {
    for path in paths {
        // A partial that was never written or was already renamed is not there: fine.
        let _ = tokio::fs::remove_file(path).await;
    }
}

/// The Census API's reading of its own answers: a bad or missing key is a 302 to an HTML page
/// (flagged `X-DataWebAPI-KeyError`), or, from older deployments, a 200 whose body is that
/// page; an unknown variable or geography is a 400 with plain-text words; no data is a 204.
fn judge(answer: &Answer) -> Verdict {
    let location = answer
        .headers
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if answer.headers.contains_key("x-datawebapi-keyerror")
        || location.contains("invalid_key")
        || location.contains("missing_key")
    {
        return Verdict::Expired("it says the key is not valid".into());
    }
    if answer.status.is_redirection() {
        // Without its query: a redirect that keeps it would carry the key into the message.
        let shown = location.split('?').next().unwrap_or_default();
        return Verdict::Refused(format!("it redirected the request to {shown:?}"));
    }
    let text = String::from_utf8_lossy(&answer.body);
    if answer.status.is_success() && text.contains("Invalid Key") {
        return Verdict::Expired("it says the key is not valid".into());
    }
    if answer.status == StatusCode::NO_CONTENT {
        return Verdict::Refused("it has no data for this request".into());
    }
    judge_common(answer, || {
        let words: String = text.trim().chars().take(200).collect();
        (!words.is_empty() && !words.starts_with('<')).then_some(words)
    })
}

/// Checks a table's shape; the number of geographies, or what is wrong.
fn check(request: &Request, body: &[u8]) -> std::result::Result<usize, String> {
    let rows: Vec<Vec<Value>> = serde_json::from_slice(body).map_err(|e| {
        format!(
            "not an array of rows ({})",
            e.to_string().chars().take(120).collect::<String>()
        )
    })?;
    let (header, data) = rows
        .split_first()
        .ok_or_else(|| "no header row".to_owned())?;
    let names: Vec<&str> = header.iter().filter_map(Value::as_str).collect();
    if names.len() != header.len() {
        return Err("a header cell is not a name".into());
    }
    let geography_column = match request.geography {
        "national" => "us",
        _ => "state",
    };
    let column = |name: &str| {
        names
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("no column {name}"))
    };
    column("NAME")?;
    column(geography_column)?;
    let counts: Vec<(String, usize)> = request
        .counts()
        .into_iter()
        .map(|name| column(&name).map(|i| (name, i)))
        .collect::<std::result::Result<_, _>>()?;
    let wanted = match request.geography {
        "national" => 1,
        // 50 states and DC; Puerto Rico makes 52.
        _ => 51,
    };
    if data.len() < wanted {
        return Err(format!(
            "{} rows where there should be at least {wanted}",
            data.len()
        ));
    }
    for (index, row) in data.iter().enumerate() {
        if row.len() != header.len() {
            return Err(format!(
                "row {} has {} cells for {} columns",
                index + 1,
                row.len(),
                header.len()
            ));
        }
        for (name, at) in &counts {
            let cell = &row[*at];
            let count = cell.as_str().and_then(|t| t.parse::<f64>().ok());
            if !count.is_some_and(|n| n.is_finite() && n >= 0.0) {
                let place = row
                    .get(column("NAME")?)
                    .and_then(Value::as_str)
                    .unwrap_or("a row")
                    .to_owned();
                return Err(format!("{place}: {name} is not a count ({cell})"));
            }
        }
    }
    Ok(data.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(request: &Request, rows: usize) -> Vec<Vec<Value>> {
        let mut header: Vec<String> = vec!["GEO_ID".into(), "NAME".into()];
        header.extend(request.counts());
        header.push(
            if request.geography == "national" {
                "us"
            } else {
                "state"
            }
            .into(),
        );
        let mut table = vec![header.iter().map(|h| Value::from(h.as_str())).collect()];
        for r in 0..rows {
            let mut row = vec![Value::from("0400000US01"), Value::from(format!("S{r}"))];
            row.extend(request.counts().iter().map(|_| Value::from("10")));
            row.push(Value::from("01"));
            table.push(row);
        }
        table
    }

    fn bytes(table: &[Vec<Value>]) -> Vec<u8> {
        serde_json::to_vec(table).unwrap()
    }

    #[test]
    fn a_table_of_the_right_shape_passes_and_a_wrong_one_says_why() {
        let [education, states, nation] = &REQUESTS;
        assert_eq!(check(states, &bytes(&table(states, 52))), Ok(52));
        assert_eq!(check(nation, &bytes(&table(nation, 1))), Ok(1));
        assert_eq!(check(education, &bytes(&table(education, 52))), Ok(52));

        let mut short = table(states, 52);
        short[3].pop();
        assert!(
            check(states, &bytes(&short))
                .unwrap_err()
                .contains("row 3 has")
        );
        let mut jam = table(states, 52);
        jam[2][5] = Value::from("-888888888");
        let why = check(states, &bytes(&jam)).unwrap_err();
        assert!(
            why.starts_with("S1: S0101_C03_") && why.contains("not a count"),
            "{why}"
        );
        let mut missing = table(states, 52);
        missing[0][2] = Value::from("S0101_C99_007E");
        assert!(
            check(states, &bytes(&missing))
                .unwrap_err()
                .contains("no column S0101_C03_007E")
        );
        assert!(
            check(states, &bytes(&table(states, 20)))
                .unwrap_err()
                .contains("at least 51")
        );
        assert!(
            check(states, b"<html>")
                .unwrap_err()
                .starts_with("not an array")
        );
    }
}
