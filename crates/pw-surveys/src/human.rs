//! Real people's answers to a survey, read from a CSV file for the fidelity harness: the file
//! as it comes (comma, tab or semicolon separated; fields in double quotes, or every field in
//! single quotes as statsmodels writes ANES), a column picked for each question and for each
//! demographic, and every row that cannot be read reported with the reason instead of guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::definition::{Answer, Question, QuestionType, Survey, check_answer};
use crate::universe::Dimension;

/// What is wrong with a file or a mapping, in words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HumanDataError {
    #[error("the file is empty")]
    Empty,
    #[error("the file has a header but no rows")]
    NoRows,
    #[error("there is no column \"{column}\" in the file; it has {columns}")]
    UnknownColumn { column: String, columns: String },
    #[error("there is no question \"{0}\" in the survey")]
    UnknownQuestion(String),
    #[error("there is no dimension \"{0}\" in the run's universe")]
    UnknownDimension(String),
    #[error("\"{0}\" is not question=column")]
    BadMapping(String),
    #[error("no row could be read: {0}")]
    NothingRead(String),
}

/// A CSV file: its header and its rows, each with the line it started on.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A field wrapped whole in single quotes loses them ('PID' is PID).
fn unquote(field: &str) -> String {
    match field.strip_prefix('\'').and_then(|f| f.strip_suffix('\'')) {
        Some(inner) if field.len() >= 2 => inner.to_owned(),
        _ => field.to_owned(),
    }
}

/// The records of a CSV text, each with the line it starts on. A field that starts with a
/// double quote runs to the closing one, across delimiters and line breaks (`""` inside is a
/// quote); a quote inside an unquoted field is just a character. Records end at `\n`, `\r\n`
/// or a lone `\r`.
fn records(text: &str, delimiter: char) -> Vec<(usize, Vec<String>)> {
    let mut records = Vec::new();
    let mut fields: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut field_was_quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    let finish_field = |field: &mut String, was_quoted: bool, fields: &mut Vec<String>| {
        let value = std::mem::take(field);
        fields.push(if was_quoted {
            value
        } else {
            unquote(value.trim())
        });
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.trim().is_empty() && !field_was_quoted => {
                field.clear();
                quoted = true;
                field_was_quoted = true;
            }
            c if c == delimiter => {
                finish_field(&mut field, field_was_quoted, &mut fields);
                field_was_quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                finish_field(&mut field, field_was_quoted, &mut fields);
                field_was_quoted = false;
                let record = std::mem::take(&mut fields);
                if !(record.len() == 1 && record[0].is_empty()) {
                    records.push((start, record));
                }
                line += 1;
                start = line;
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || field_was_quoted || !fields.is_empty() {
        finish_field(&mut field, field_was_quoted, &mut fields);
        if !(fields.len() == 1 && fields[0].is_empty()) {
            records.push((start, fields));
        }
    }
    records
}

/// Reads a CSV file, finding its delimiter from the header line (the one of comma, tab and
/// semicolon that splits it most).
pub fn parse_csv(text: &str) -> Result<Table, HumanDataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text
        .split(['\n', '\r'])
        .find(|l| !l.trim().is_empty())
        .ok_or(HumanDataError::Empty)?;
    let delimiter = [',', '\t', ';']
        .into_iter()
        .max_by_key(|d| header_line.matches(*d).count())
        .unwrap_or(',');
    let mut all = records(text, delimiter).into_iter();
    let (_, headers) = all.next().ok_or(HumanDataError::Empty)?;
    let rows: Vec<(usize, Vec<String>)> = all.collect();
    if rows.is_empty() {
        return Err(HumanDataError::NoRows);
    }
    Ok(Table { headers, rows })
}

/// "q1=col,q2=col" as pairs.
pub fn parse_mapping(text: &str) -> Result<Vec<(String, String)>, HumanDataError> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let (key, column) = part
                .split_once('=')
                .ok_or_else(|| HumanDataError::BadMapping(part.trim().to_owned()))?;
            Ok((key.trim().to_owned(), column.trim().to_owned()))
        })
        .collect()
}

/// One person's answers and demographics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanRow {
    /// Question id → answer; a question whose cell was empty is missing.
    pub answers: BTreeMap<String, Answer>,
    /// Dimension → category key, for subgroup comparisons and the universe.
    pub groups: BTreeMap<String, String>,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedRow {
    pub line: usize,
    pub reason: String,
}

/// What a file gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HumanAnswers {
    pub rows: Vec<HumanRow>,
    pub skipped: Vec<SkippedRow>,
    /// The question → column and dimension → column mappings used.
    pub questions: Vec<(String, String)>,
    pub dimensions: Vec<(String, String)>,
}

/// One cell read as the question's answer.
fn read_cell(question: &Question, cell: &str) -> Result<Answer, String> {
    let number = || {
        cell.parse::<f64>()
            .map_err(|_| format!("\"{cell}\" is not a number"))
    };
    let whole = |low: f64, high: f64| -> Result<u8, String> {
        let n = number()?;
        if n.fract() != 0.0 || n < low || n > high {
            return Err(format!(
                "\"{cell}\" is not a whole number from {low} to {high}"
            ));
        }
        Ok(n as u8)
    };
    let option = |text: &str| {
        question
            .options
            .iter()
            .find(|o| o.id == text || o.label.eq_ignore_ascii_case(text))
            .map(|o| o.id.clone())
            .ok_or_else(|| format!("\"{text}\" is not an option"))
    };
    let answer = match question.kind {
        QuestionType::SingleChoice => Answer::Choice(option(cell)?),
        QuestionType::MultipleChoice => Answer::Choices(
            cell.split(['|', ';'])
                .map(|p| option(p.trim()))
                .collect::<Result<_, _>>()?,
        ),
        QuestionType::Ranking => Answer::Ranking(
            cell.split(['|', ';', '>'])
                .map(|p| option(p.trim()))
                .collect::<Result<_, _>>()?,
        ),
        QuestionType::Likert => Answer::Point(whole(1.0, f64::from(question.points.unwrap_or(5)))?),
        QuestionType::Nps => Answer::Score(whole(0.0, 10.0)?),
        QuestionType::Numeric => Answer::Number(number()?),
        QuestionType::Matrix => Answer::Points(
            cell.split(['|', ';'])
                .map(|p| {
                    p.trim()
                        .parse::<u8>()
                        .map_err(|_| format!("\"{p}\" is not a point"))
                })
                .collect::<Result<_, _>>()?,
        ),
        QuestionType::Open => Answer::Text(cell.to_owned()),
    };
    check_answer(question, &answer)?;
    Ok(answer)
}

/// The category of `dimension` a cell falls in: its key or label, or, for age bands, the band
/// a number of years falls in.
pub fn category_of(dimension: &Dimension, cell: &str) -> Option<String> {
    if let Some(index) = dimension
        .categories
        .iter()
        .position(|c| c == cell)
        .or_else(|| {
            dimension
                .labels
                .iter()
                .position(|l| l.eq_ignore_ascii_case(cell))
        })
    {
        return Some(dimension.categories[index].clone());
    }
    let years: f64 = cell.parse().ok()?;
    dimension.categories.iter().find_map(|band| {
        let fits = match band.strip_suffix('+') {
            Some(low) => low.trim().parse::<f64>().is_ok_and(|low| years >= low),
            None => band.split_once('-').is_some_and(|(low, high)| {
                matches!((low.trim().parse::<f64>(), high.trim().parse::<f64>()), (Ok(l), Ok(h)) if years >= l && years < h + 1.0)
            }),
        };
        fits.then(|| band.clone())
    })
}

/// Reads people's answers: `questions` maps question ids to columns, `dimensions` maps the
/// universe's dimensions (given here) to columns. A row with a value that does not fit is left
/// out whole and reported with its line and reason; an empty cell is a question not answered.
pub fn read_answers(
    survey: &Survey,
    table: &Table,
    questions: &[(String, String)],
    dimensions: &[(Dimension, String)],
) -> Result<HumanAnswers, HumanDataError> {
    let column = |name: &str| {
        table
            .headers
            .iter()
            .position(|h| h == name || h.eq_ignore_ascii_case(name))
            .ok_or_else(|| HumanDataError::UnknownColumn {
                column: name.to_owned(),
                columns: table.headers.join(", "),
            })
    };
    let mut asked = Vec::new();
    for (id, name) in questions {
        let question = survey
            .questions
            .iter()
            .find(|q| &q.id == id)
            .ok_or_else(|| HumanDataError::UnknownQuestion(id.clone()))?;
        asked.push((question, name.clone(), column(name)?));
    }
    let mut grouped = Vec::new();
    for (dimension, name) in dimensions {
        grouped.push((dimension, name.clone(), column(name)?));
    }
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    'rows: for (line, cells) in &table.rows {
        if cells.len() != table.headers.len() {
            skipped.push(SkippedRow {
                line: *line,
                reason: format!(
                    "{} fields where the header has {}",
                    cells.len(),
                    table.headers.len()
                ),
            });
            continue;
        }
        let mut row = HumanRow {
            answers: BTreeMap::new(),
            groups: BTreeMap::new(),
        };
        for (question, name, index) in &asked {
            let cell = cells[*index].trim();
            if cell.is_empty() {
                continue;
            }
            match read_cell(question, cell) {
                Ok(answer) => {
                    row.answers.insert(question.id.clone(), answer);
                }
                Err(reason) => {
                    skipped.push(SkippedRow {
                        line: *line,
                        reason: format!("column \"{name}\" ({}): {reason}", question.id),
                    });
                    continue 'rows;
                }
            }
        }
        for (dimension, name, index) in &grouped {
            let cell = cells[*index].trim();
            if cell.is_empty() {
                continue;
            }
            match category_of(dimension, cell) {
                Some(category) => {
                    row.groups.insert(dimension.name.clone(), category);
                }
                None => {
                    skipped.push(SkippedRow {
                        line: *line,
                        reason: format!(
                            "column \"{name}\": \"{cell}\" is no {} of {}",
                            dimension.name,
                            dimension.labels.join(", ")
                        ),
                    });
                    continue 'rows;
                }
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        let reason = skipped.first().map_or_else(
            || "the file has no rows".to_owned(),
            |s| format!("line {}: {}", s.line, s.reason),
        );
        return Err(HumanDataError::NothingRead(reason));
    }
    Ok(HumanAnswers {
        rows,
        skipped,
        questions: questions.to_vec(),
        dimensions: dimensions
            .iter()
            .map(|(d, c)| (d.name.clone(), c.clone()))
            .collect(),
    })
}

/// The universe's dimensions as the people in the file fall in them: each dimension's shares
/// among the rows that have it, for drawing synthetic respondents like them.
pub fn dimensions_of(
    answers: &HumanAnswers,
    dimensions: &[Dimension],
    source: &str,
) -> Vec<Dimension> {
    dimensions
        .iter()
        .filter_map(|dimension| {
            let mut counts = vec![0.0; dimension.categories.len()];
            for row in &answers.rows {
                if let Some(index) = row
                    .groups
                    .get(&dimension.name)
                    .and_then(|c| dimension.categories.iter().position(|k| k == c))
                {
                    counts[index] += 1.0;
                }
            }
            Dimension {
                shares: counts,
                source: source.to_owned(),
                ..dimension.clone()
            }
            .normalised()
            .ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::parse;

    fn survey() -> Survey {
        parse(
            r#"{ "format": "profitwheel-survey", "version": 1, "title": "T", "questions": [
              { "id": "pid", "type": "single_choice", "text": "Party?", "options": [ {"id": "0", "label": "Strong Democrat"}, {"id": "6", "label": "Strong Republican"} ] },
              { "id": "lr", "type": "likert", "points": 7, "labels": ["Extremely liberal", "Extremely conservative"], "text": "Left or right?" },
              { "id": "tv", "type": "numeric", "text": "Days of TV news?", "min": 0, "max": 7 } ] }"#,
        )
        .unwrap()
    }

    fn ages() -> Dimension {
        Dimension::new(
            "age_band",
            &[("18-24", 1.0), ("25-34", 1.0), ("65+", 1.0)],
            "t",
        )
        .unwrap()
    }

    #[test]
    fn the_anes_file_as_statsmodels_ships_it_reads_with_its_tabs_and_single_quotes() {
        let text = "'popul'\t'TVnews'\t'selfLR'\t'PID'\t'age'\n0\t7\t7\t6\t36\n190\t1\t3\t0\t20\n";
        let table = parse_csv(text).unwrap();
        assert_eq!(
            table.headers,
            vec!["popul", "TVnews", "selfLR", "PID", "age"]
        );
        assert_eq!(table.rows.len(), 2);
        assert_eq!(
            table.rows[1],
            (
                3,
                vec![
                    "190".into(),
                    "1".into(),
                    "3".into(),
                    "0".into(),
                    "20".into()
                ]
            )
        );
    }

    #[test]
    fn commas_and_double_quotes_read_as_a_spreadsheet_writes_them() {
        let table = parse_csv("id,comment\n1,\"Fresh, and \"\"cheap\"\"\"\n").unwrap();
        assert_eq!(table.rows[0].1, vec!["1", "Fresh, and \"cheap\""]);
        // An answer across lines stays one field of one record, and the next record's line is
        // counted after it; a lone carriage return ends a record too.
        let table =
            parse_csv("id,comment\r\n1,\"Fresh,\nand cheap\"\r\n2,plain\r3,5\" tall\n").unwrap();
        assert_eq!(
            table.rows[0],
            (2, vec!["1".into(), "Fresh,\nand cheap".into()])
        );
        assert_eq!(table.rows[1], (4, vec!["2".into(), "plain".into()]));
        assert_eq!(table.rows[2], (5, vec!["3".into(), "5\" tall".into()]));
        assert_eq!(parse_csv(""), Err(HumanDataError::Empty));
        assert_eq!(parse_csv("a,b\n"), Err(HumanDataError::NoRows));
    }

    #[test]
    fn rows_that_do_not_fit_are_reported_with_their_line_and_reason() {
        let text =
            "PID,selfLR,TVnews,age\n0,1,3,20\n6,7,,70\n3,4,2,40\n6,9,1,30\n0,2,1\n0,2,1,abc\n";
        let table = parse_csv(text).unwrap();
        let mapping = parse_mapping("pid=PID, lr=selfLR, tv=TVnews").unwrap();
        let read = read_answers(&survey(), &table, &mapping, &[(ages(), "age".into())]).unwrap();
        assert_eq!(read.rows.len(), 2);
        assert_eq!(read.rows[0].answers["pid"], Answer::Choice("0".into()));
        assert_eq!(read.rows[0].groups["age_band"], "18-24");
        // An empty cell is a question not answered, not a bad row.
        assert!(!read.rows[1].answers.contains_key("tv"));
        assert_eq!(read.rows[1].groups["age_band"], "65+");
        let reasons: Vec<(usize, &str)> = read
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (4, "column \"PID\" (pid): \"3\" is not an option"),
                (
                    5,
                    "column \"selfLR\" (lr): \"9\" is not a whole number from 1 to 7"
                ),
                (6, "3 fields where the header has 4"),
                (
                    7,
                    "column \"age\": \"abc\" is no age_band of 18-24, 25-34, 65+"
                ),
            ]
        );
        assert!(matches!(
            read_answers(&survey(), &table, &parse_mapping("pid=Party").unwrap(), &[]),
            Err(HumanDataError::UnknownColumn { .. })
        ));
        assert!(matches!(
            parse_mapping("pid"),
            Err(HumanDataError::BadMapping(_))
        ));
        // The file's demographics as a universe: 18-24 and 65+ half each.
        let universe = dimensions_of(&read, &[ages()], "the file");
        assert_eq!(universe[0].shares, vec![0.5, 0.0, 0.5]);
    }
}
