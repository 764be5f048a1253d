//! The tables behind a deck, as files: XLSX (one sheet per table, numbers as numbers with their
//! format) and CSV (guarded against formula injection, since a quote a model wrote can start
//! with `=`).

use rust_xlsxwriter::{Format, Workbook};
use serde::{Deserialize, Serialize};

use crate::{DeckError, NumberFormat, Value};

/// Excel's limit on one cell's text.
const MAX_CELL_CHARS: usize = 32_767;
/// Excel's limit on rows in a sheet, the header included.
const MAX_ROWS: usize = 1_048_576;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// What the table holds ("Spend by platform, 1–30 Nov"); the sheet's name comes from it.
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// How the column's numbers read; `None` for text columns.
    pub format: Option<NumberFormat>,
}

impl Table {
    /// At least one column, every row as wide as the header, and only finite numbers.
    pub fn validate(&self) -> Result<(), DeckError> {
        if self.columns.is_empty() {
            return Err(DeckError::Invalid(format!(
                "\"{}\" has no columns",
                self.name
            )));
        }
        if let Some((r, c)) = self.rows.iter().enumerate().find_map(|(r, row)| {
            row.iter()
                .position(|v| matches!(v, Value::Number(n) if !n.is_finite()))
                .map(|c| (r, c))
        }) {
            return Err(DeckError::Invalid(format!(
                "row {} of \"{}\" holds a value that is not a number in \"{}\"",
                r + 1,
                self.name,
                self.columns.get(c).map_or("", |col| col.name.as_str())
            )));
        }
        if let Some((i, row)) = self
            .rows
            .iter()
            .enumerate()
            .find(|(_, row)| row.len() != self.columns.len())
        {
            return Err(DeckError::Invalid(format!(
                "row {} of \"{}\" has {} cells for {} columns",
                i + 1,
                self.name,
                row.len(),
                self.columns.len()
            )));
        }
        Ok(())
    }

    /// A cell as the slide shows it (the table has been validated).
    pub(crate) fn display(&self, row: usize, column: usize) -> String {
        let value = &self.rows[row][column];
        match &self.columns[column].format {
            Some(format) => format.display(value),
            None => NumberFormat::Decimal { places: 2 }.display(value),
        }
    }
}

/// The tables as one workbook, a sheet per table in order.
pub fn to_xlsx(tables: &[Table]) -> Result<Vec<u8>, DeckError> {
    let mut workbook = Workbook::new();
    let header = Format::new().set_bold();
    let mut used_names: Vec<String> = Vec::new();
    for table in tables {
        table.validate()?;
        if table.rows.len() + 1 > MAX_ROWS {
            return Err(DeckError::Invalid(format!(
                "\"{}\" has {} rows, more than a spreadsheet holds ({}): export it as CSV",
                table.name,
                table.rows.len(),
                MAX_ROWS - 1
            )));
        }
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(&table.name, &used_names))?;
        used_names.push(sheet.name());
        let formats: Vec<Option<Format>> = table
            .columns
            .iter()
            .map(|c| {
                c.format
                    .as_ref()
                    .map(|f| Format::new().set_num_format(f.excel_code()))
            })
            .collect();
        for (c, column) in table.columns.iter().enumerate() {
            let c = c as u16;
            sheet.write_string_with_format(0, c, cell_text(&column.name), &header)?;
            let widest = table
                .rows
                .iter()
                .map(|row| match &row[c as usize] {
                    Value::Text(t) => t.chars().count().min(60),
                    _ => 12,
                })
                .chain([column.name.chars().count()])
                .max()
                .unwrap_or(10);
            sheet.set_column_width(c, widest as f64 + 2.0)?;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, value) in row.iter().enumerate() {
                match (value, &formats[c]) {
                    (Value::Number(n), Some(format)) => {
                        sheet.write_number_with_format(r, c as u16, *n, format)?;
                    }
                    (Value::Number(n), None) => {
                        sheet.write_number(r, c as u16, *n)?;
                    }
                    // Strings are always stored as text, never read as a formula.
                    (Value::Text(t), _) => {
                        sheet.write_string(r, c as u16, cell_text(t))?;
                    }
                    (Value::Empty, _) => {}
                }
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

/// One table as CSV: a header row, then the rows; numbers unformatted (a spreadsheet formats
/// them), nothing measured as an empty cell.
pub fn to_csv(table: &Table) -> Result<String, DeckError> {
    table.validate()?;
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        let mut line = cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",");
        line.push_str("\r\n");
        line
    };
    out.push_str(&line(
        table.columns.iter().map(|c| c.name.clone()).collect(),
    ));
    for row in &table.rows {
        out.push_str(&line(
            row.iter()
                .map(|v| match v {
                    Value::Number(n) => n.to_string(),
                    Value::Text(t) => t.clone(),
                    Value::Empty => String::new(),
                })
                .collect(),
        ));
    }
    Ok(out)
}

/// A CSV field: a leading `=`, `+`, `-`, `@`, tab or carriage return would make a spreadsheet
/// run it as a formula (OWASP's CSV injection), so such text gets a leading `'`; numbers are
/// written by us and stay as they are.
fn csv_field(text: &str) -> String {
    // Only plain numerals count as numbers ("-inf" parses as a float but is text to a reader).
    let looks_like_number = text.parse::<f64>().is_ok()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
    let guarded = if !looks_like_number && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Text cut to what one cell holds, saying so.
fn cell_text(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text.to_owned();
    }
    let marker = " … (cut: longer than a spreadsheet cell holds)";
    let kept: String = text
        .chars()
        .take(MAX_CELL_CHARS - marker.chars().count())
        .collect();
    format!("{kept}{marker}")
}

/// A sheet name Excel accepts: at most 31 UTF-16 units (how Excel counts), none of `[]:*?/\\`
/// nor control characters, not starting or ending with `'`, not blank, and unique in the
/// workbook (Excel compares names case-insensitively).
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let cleaned: String = wanted
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .collect();
    let base = match cleaned.trim().trim_matches('\'') {
        "" => "Table",
        base => base,
    };
    let taken_lower: Vec<String> = taken.iter().map(|t| t.to_lowercase()).collect();
    let mut attempt = 1;
    loop {
        let suffix = if attempt == 1 {
            String::new()
        } else {
            format!(" ({attempt})")
        };
        let room = 31 - suffix.len();
        let mut name = String::new();
        for c in base.chars() {
            if name.encode_utf16().count() + c.len_utf16() > room {
                break;
            }
            name.push(c);
        }
        let name = format!("{}{suffix}", name.trim_end().trim_end_matches('\''));
        if !taken_lower.contains(&name.to_lowercase()) {
            return name;
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn spend() -> Table {
        Table {
            name: "Spend by platform: 1/11–30/11".into(),
            columns: vec![
                Column {
                    name: "Platform".into(),
                    format: None,
                },
                Column {
                    name: "Spend".into(),
                    format: Some(NumberFormat::Money {
                        currency: "USD".into(),
                    }),
                },
                Column {
                    name: "CTR".into(),
                    format: Some(NumberFormat::Percent { places: 2 }),
                },
            ],
            rows: vec![
                vec!["Meta".into(), Value::Number(1234.5), Value::Number(0.0123)],
                vec![
                    "=HYPERLINK(\"x\")".into(),
                    Value::Number(99.0),
                    Value::Empty,
                ],
            ],
        }
    }

    #[test]
    fn a_workbook_reads_back_with_numbers_as_numbers() {
        let bytes = to_xlsx(&[spend(), spend()]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        assert_eq!(
            names,
            vec![
                "Spend by platform  1 11–30 11",
                "Spend by platform  1 11–30 (2)"
            ]
        );
        let range = book.worksheet_range(&names[0]).unwrap();
        assert_eq!(range.get((0, 1)), Some(&Data::String("Spend".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(1234.5)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(0.0123)));
        // A formula-looking text stays text.
        assert_eq!(
            range.get((2, 0)),
            Some(&Data::String("=HYPERLINK(\"x\")".into()))
        );
        assert!(
            matches!(range.get((2, 2)), None | Some(Data::Empty)),
            "nothing measured stays empty, not zero"
        );
    }

    #[test]
    fn csv_guards_formulas_and_quotes_what_needs_it() {
        let csv = to_csv(&spend()).unwrap();
        assert_eq!(
            csv,
            "Platform,Spend,CTR\r\nMeta,1234.5,0.0123\r\n\"'=HYPERLINK(\"\"x\"\")\",99,\r\n"
        );
        assert_eq!(csv_field("-12.5"), "-12.5");
        assert_eq!(csv_field("-cheap"), "'-cheap");
        assert_eq!(csv_field("@me"), "'@me");
        assert_eq!(csv_field("-inf"), "'-inf");
        assert_eq!(csv_field("1e-3"), "1e-3");
    }

    #[test]
    fn a_ragged_table_is_refused_with_its_row() {
        let mut table = spend();
        table.rows.push(vec![Value::Empty]);
        let error = to_csv(&table).unwrap_err().to_string();
        assert!(error.contains("row 3"), "{error}");
    }

    #[test]
    fn sheet_names_fit_excel_and_never_repeat() {
        assert_eq!(sheet_name("a/b: c?", &[]), "a b  c");
        assert_eq!(sheet_name("'quoted'", &[]), "quoted");
        assert_eq!(sheet_name("  ", &[]), "Table");
        assert_eq!(sheet_name("Tab\u{7}le", &[]), "Table");
        assert_eq!(sheet_name("table", &["Table".into()]), "table (2)");
        // An emoji is two UTF-16 units: 15 of them fill the 31 units Excel allows to 30.
        let emoji = "📈".repeat(20);
        let name = sheet_name(&emoji, &[]);
        assert_eq!(name.encode_utf16().count(), 30);
        let long = format!("{}'tail", "x".repeat(30));
        assert_eq!(sheet_name(&long, &[]), "x".repeat(30));
    }

    #[test]
    fn a_table_without_columns_or_with_a_non_number_is_refused() {
        let mut table = spend();
        table.rows[0][1] = Value::Number(f64::NAN);
        let error = to_xlsx(&[table]).unwrap_err().to_string();
        assert!(
            error.contains("row 1") && error.contains("\"Spend\""),
            "{error}"
        );
        let empty = Table {
            name: "Nothing".into(),
            columns: Vec::new(),
            rows: Vec::new(),
        };
        assert!(
            to_csv(&empty)
                .unwrap_err()
                .to_string()
                .contains("no columns")
        );
    }

    #[test]
    fn long_text_is_cut_to_a_cell_and_says_so() {
        let text = "a".repeat(MAX_CELL_CHARS + 10);
        let cut = cell_text(&text);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("holds)"));
    }
}
