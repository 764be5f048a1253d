//! A run's results as files: CSV (every table in one long sheet a spreadsheet or a script reads)
//! and XLSX (a summary sheet, one sheet per question with its distribution, intervals and
//! diagnostics, one per crosstab, and the respondents' answers). IO-free: bytes in memory.

use std::fmt::Write as _;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use crate::crosstab::Crosstab;
use crate::definition::{Survey, answer_words};
use crate::diagnostics::{QuestionDiagnostics, Reliability};
use crate::results::{QuestionResult, Results};
use crate::runs::{Respondent, StoredAnswer, SurveyRun};

/// What an export holds.
pub struct ExportInput<'a> {
    pub run: &'a SurveyRun,
    pub survey: &'a Survey,
    pub results: &'a Results,
    pub diagnostics: &'a [QuestionDiagnostics],
    pub crosstabs: &'a [Crosstab],
    pub respondents: &'a [Respondent],
    pub answers: &'a [StoredAnswer],
}

/// A CSV field, quoted when it needs to be. Text a spreadsheet would run as a formula (a label
/// starting with `=`, `+`, `-` or `@`) is kept as text with a leading apostrophe.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn reliability_words(reliability: Reliability) -> &'static str {
    match reliability {
        Reliability::NoWarning => "no warning sign",
        Reliability::Caution => "read with care",
        Reliability::ConfirmWithPeople => "confirm with real respondents",
    }
}

/// Every table in one long CSV: `table,question,category,value,low,high,count,base`.
pub fn results_csv(input: &ExportInput<'_>) -> String {
    let mut out = String::from("table,question,category,measure,value,low,high,count,base\n");
    let mut row = |table: &str,
                   question: &str,
                   category: &str,
                   measure: &str,
                   value: f64,
                   low: Option<f64>,
                   high: Option<f64>,
                   count: Option<f64>,
                   base: Option<f64>| {
        let number = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{},{},{},{:.6},{},{},{},{}",
            field(table),
            field(question),
            field(category),
            measure,
            value,
            number(low),
            number(high),
            number(count),
            number(base)
        );
    };
    let weighting = &input.results.weighting;
    row(
        &weighting.table,
        "",
        "",
        "design_effect",
        weighting.design_effect,
        None,
        None,
        None,
        None,
    );
    row(
        &weighting.table,
        "",
        "",
        "effective_sample_size",
        weighting.effective_sample_size,
        None,
        None,
        None,
        None,
    );
    for margin in &weighting.margins {
        let category = format!("{} {}", margin.dimension, margin.category);
        row(
            &weighting.table,
            "",
            &category,
            "target",
            margin.target,
            None,
            None,
            None,
            None,
        );
        row(
            &weighting.table,
            "",
            &category,
            "sample",
            margin.sample,
            None,
            None,
            None,
            None,
        );
        row(
            &weighting.table,
            "",
            &category,
            "weighted",
            margin.weighted,
            None,
            None,
            None,
            None,
        );
    }
    for question in &input.results.questions {
        let base = Some(question.effective_base);
        for share in &question.shares {
            row(
                &question.table,
                &question.question,
                &share.label,
                "share",
                share.share,
                Some(share.low),
                Some(share.high),
                Some(share.count),
                base,
            );
        }
        if let Some(mean) = question.mean {
            row(
                &question.table,
                &question.question,
                "",
                "mean",
                mean.value,
                Some(mean.low),
                Some(mean.high),
                None,
                base,
            );
            row(
                &question.table,
                &question.question,
                "",
                "standard_deviation",
                mean.standard_deviation,
                None,
                None,
                None,
                base,
            );
        }
        if let Some(nps) = question.net_promoter {
            row(
                &question.table,
                &question.question,
                "",
                "net_promoter_score",
                nps.score,
                Some(nps.low),
                Some(nps.high),
                None,
                base,
            );
        }
        for (option, mean) in &question.ranks {
            row(
                &question.table,
                &question.question,
                option,
                "mean_rank",
                mean.value,
                Some(mean.low),
                Some(mean.high),
                None,
                base,
            );
        }
        for matrix_row in &question.rows {
            if let Some(mean) = matrix_row.mean {
                row(
                    &question.table,
                    &question.question,
                    &matrix_row.label,
                    "mean",
                    mean.value,
                    Some(mean.low),
                    Some(mean.high),
                    None,
                    None,
                );
            }
        }
        for (reason, count) in &question.non_responses {
            row(
                &question.table,
                &question.question,
                reason,
                "non_responses",
                *count as f64,
                None,
                None,
                None,
                None,
            );
        }
    }
    for table in input.crosstabs {
        let name = format!("X:{}×{}", table.answer, table.grouping);
        for (r, label) in table.rows.iter().enumerate() {
            for (c, column) in table.columns.iter().enumerate() {
                let share = table
                    .column_shares
                    .get(r)
                    .and_then(|v| v.get(c))
                    .copied()
                    .unwrap_or(0.0);
                let count = table.weighted_counts.get(r).and_then(|v| v.get(c)).copied();
                let base = table.effective_column_sizes.get(c).copied();
                row(
                    &name,
                    &table.answer,
                    &format!("{label} | {column}"),
                    "column_share",
                    share,
                    None,
                    None,
                    count,
                    base,
                );
            }
        }
        if let Some(test) = &table.chi_square {
            row(
                &name,
                &table.answer,
                "",
                "chi_square_p",
                test.p_value,
                None,
                None,
                None,
                None,
            );
        }
    }
    for diagnostics in input.diagnostics {
        let table = &diagnostics.table;
        if let Some(spread) = &diagnostics.spread {
            row(
                table,
                &diagnostics.question,
                "",
                "spread_ratio",
                spread.ratio,
                None,
                None,
                None,
                None,
            );
        }
        if let Some(fit) = &diagnostics.over_determination {
            row(
                table,
                &diagnostics.question,
                "",
                "demographics_r_squared",
                fit.r_squared,
                None,
                None,
                None,
                None,
            );
        }
        if let Some(order) = &diagnostics.order {
            row(
                table,
                &diagnostics.question,
                &order.option,
                "order_difference",
                order.difference,
                Some(order.low),
                Some(order.high),
                None,
                None,
            );
        }
        row(
            table,
            &diagnostics.question,
            reliability_words(diagnostics.reliability),
            "reliability",
            0.0,
            None,
            None,
            None,
            None,
        );
    }
    out
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique in the book.
fn sheet_name(wanted: &str, taken: &mut Vec<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut name: String = clean.chars().take(31).collect();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" ({n})");
        name = clean.chars().take(31 - suffix.len()).collect::<String>() + &suffix;
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn question_sheet(
    sheet: &mut Worksheet,
    question: &QuestionResult,
    diagnostics: Option<&QuestionDiagnostics>,
    bold: &Format,
    percent: &Format,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, &question.text, bold)?;
    sheet.write_string(
        1,
        0,
        format!(
            "{} · asked {} · answered {} · effective base {:.0}",
            question.table, question.asked, question.answered, question.effective_base
        ),
    )?;
    let mut r = 3;
    if !question.shares.is_empty() {
        for (c, header) in ["Answer", "Share", "95% low", "95% high", "Weighted count"]
            .iter()
            .enumerate()
        {
            sheet.write_string_with_format(r, c as u16, *header, bold)?;
        }
        r += 1;
        for share in &question.shares {
            sheet.write_string(r, 0, &share.label)?;
            sheet.write_number_with_format(r, 1, share.share, percent)?;
            sheet.write_number_with_format(r, 2, share.low, percent)?;
            sheet.write_number_with_format(r, 3, share.high, percent)?;
            sheet.write_number(r, 4, share.count)?;
            r += 1;
        }
        r += 1;
    }
    if let Some(mean) = question.mean {
        sheet.write_string_with_format(r, 0, "Mean", bold)?;
        sheet.write_number(r, 1, mean.value)?;
        sheet.write_number(r, 2, mean.low)?;
        sheet.write_number(r, 3, mean.high)?;
        r += 1;
        sheet.write_string_with_format(r, 0, "Standard deviation", bold)?;
        sheet.write_number(r, 1, mean.standard_deviation)?;
        r += 1;
    }
    if let Some(nps) = question.net_promoter {
        sheet.write_string_with_format(r, 0, "Net Promoter Score", bold)?;
        sheet.write_number(r, 1, nps.score)?;
        sheet.write_number(r, 2, nps.low)?;
        sheet.write_number(r, 3, nps.high)?;
        r += 1;
    }
    for (option, mean) in &question.ranks {
        sheet.write_string(r, 0, format!("{option}: mean rank"))?;
        sheet.write_number(r, 1, mean.value)?;
        r += 1;
    }
    for row in &question.rows {
        if let Some(mean) = row.mean {
            sheet.write_string(r, 0, format!("{}: mean", row.label))?;
            sheet.write_number(r, 1, mean.value)?;
            r += 1;
        }
    }
    for (reason, count) in &question.non_responses {
        sheet.write_string(r, 0, format!("No answer ({reason})"))?;
        sheet.write_number(r, 1, *count as f64)?;
        r += 1;
    }
    if let Some(d) = diagnostics {
        r += 1;
        sheet.write_string_with_format(
            r,
            0,
            format!("Reliability: {}", reliability_words(d.reliability)),
            bold,
        )?;
        for reason in &d.reasons {
            r += 1;
            sheet.write_string(r, 0, reason)?;
        }
    }
    sheet.set_column_width(0, 36)?;
    Ok(())
}

/// The workbook: Summary, a sheet per question, a sheet per crosstab, and Respondents.
pub fn results_xlsx(input: &ExportInput<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let mut taken = Vec::new();
    let summary = workbook.add_worksheet();
    summary.set_name(sheet_name("Summary", &mut taken))?;
    summary.write_string_with_format(0, 0, &input.survey.title, &bold)?;
    let w = &input.results.weighting;
    let lines = [
        format!(
            "Run {} · {} of {} respondents answered · seed {}",
            input.run.id, input.run.answered, input.run.respondents, input.run.seed
        ),
        format!(
            "Weighted: {} · design effect {:.2} · effective base {:.0}",
            if w.weighted { "yes" } else { "no" },
            w.design_effect,
            w.effective_sample_size
        ),
    ];
    for (i, line) in lines.iter().enumerate() {
        summary.write_string(1 + i as u32, 0, line)?;
    }
    let mut r = 4;
    for (c, header) in ["Dimension", "Category", "Target", "Sample", "Weighted"]
        .iter()
        .enumerate()
    {
        summary.write_string_with_format(r, c as u16, *header, &bold)?;
    }
    for margin in &w.margins {
        r += 1;
        summary.write_string(r, 0, &margin.dimension)?;
        summary.write_string(r, 1, &margin.category)?;
        summary.write_number_with_format(r, 2, margin.target, &percent)?;
        summary.write_number_with_format(r, 3, margin.sample, &percent)?;
        summary.write_number_with_format(r, 4, margin.weighted, &percent)?;
    }
    summary.set_column_width(0, 18)?;
    summary.set_column_width(1, 28)?;
    for (n, question) in input.results.questions.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(
            &format!("Q{} {}", n + 1, question.question),
            &mut taken,
        ))?;
        let diagnostics = input
            .diagnostics
            .iter()
            .find(|d| d.question == question.question);
        question_sheet(sheet, question, diagnostics, &bold, &percent)?;
    }
    for table in input.crosstabs {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(
            &format!("{} by {}", table.answer, table.grouping),
            &mut taken,
        ))?;
        sheet.write_string_with_format(
            0,
            0,
            format!(
                "{} by {} (column shares; letters mark columns this one is higher than)",
                table.answer, table.grouping
            ),
            &bold,
        )?;
        for (c, column) in table.columns.iter().enumerate() {
            let letter = table.column_letters.get(c).cloned().unwrap_or_default();
            sheet.write_string_with_format(
                2,
                1 + c as u16,
                format!("{column} ({letter})"),
                &bold,
            )?;
        }
        for (row, label) in table.rows.iter().enumerate() {
            sheet.write_string(3 + row as u32, 0, label)?;
            for c in 0..table.columns.len() {
                let share = table
                    .column_shares
                    .get(row)
                    .and_then(|v| v.get(c))
                    .copied()
                    .unwrap_or(0.0);
                let letters: String = table
                    .higher_than
                    .get(row)
                    .and_then(|v| v.get(c))
                    .map(|others| {
                        others
                            .iter()
                            .filter_map(|o| table.column_letters.get(*o).cloned())
                            .collect()
                    })
                    .unwrap_or_default();
                sheet.write_string(
                    3 + row as u32,
                    1 + c as u16,
                    format!("{:.0}% {letters}", share * 100.0).trim(),
                )?;
            }
        }
        if let Some(test) = &table.chi_square {
            sheet.write_string(
                5 + table.rows.len() as u32,
                0,
                format!(
                    "χ² {:.2} adjusted for the design effect {:.2}, {} df, p = {:.4}",
                    test.corrected_statistic,
                    test.design_effect,
                    test.degrees_of_freedom,
                    test.p_value
                ),
            )?;
        }
        sheet.set_column_width(0, 28)?;
    }
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name("Respondents", &mut taken))?;
    let mut dimensions: Vec<String> = input
        .respondents
        .iter()
        .flat_map(|r| r.draw.categories.keys().cloned())
        .collect();
    dimensions.sort();
    dimensions.dedup();
    let headers = ["respondent", "weight", "age"]
        .iter()
        .map(|s| (*s).to_owned())
        .chain(dimensions.iter().cloned())
        .chain(input.survey.questions.iter().map(|q| q.id.clone()));
    for (c, header) in headers.enumerate() {
        sheet.write_string_with_format(0, c as u16, header, &bold)?;
    }
    // Looked up once, not searched for every cell: 10,000 respondents × 10 questions.
    let by_respondent: std::collections::HashMap<(usize, &str), &StoredAnswer> = input
        .answers
        .iter()
        .map(|a| ((a.respondent, a.question.as_str()), a))
        .collect();
    for (i, respondent) in input.respondents.iter().enumerate() {
        let r = 1 + i as u32;
        sheet.write_number(r, 0, respondent.index as f64)?;
        sheet.write_number(
            r,
            1,
            input
                .results
                .weighting
                .weights
                .get(i)
                .copied()
                .unwrap_or(1.0),
        )?;
        if let Some(age) = respondent.draw.age {
            sheet.write_number(r, 2, f64::from(age))?;
        }
        let mut c = 3u16;
        for dimension in &dimensions {
            sheet.write_string(
                r,
                c,
                respondent
                    .draw
                    .categories
                    .get(dimension)
                    .map(String::as_str)
                    .unwrap_or(""),
            )?;
            c += 1;
        }
        for question in &input.survey.questions {
            let answer = by_respondent
                .get(&(respondent.index, question.id.as_str()))
                .copied();
            let text = match answer {
                Some(a) => match &a.value {
                    Some(value) => match (a.text.is_empty(), value) {
                        (false, crate::definition::Answer::Point(p)) => format!("{p}: {}", a.text),
                        _ => answer_words(question, value),
                    },
                    None => format!("(no answer: {})", a.non_response.as_deref().unwrap_or("")),
                },
                None => String::new(),
            };
            sheet.write_string(r, c, text)?;
            c += 1;
        }
    }
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }

    #[test]
    fn sheet_names_fit_excel_and_never_repeat() {
        let mut taken = Vec::new();
        assert_eq!(sheet_name("Q1 what/why?", &mut taken), "Q1 what_why_");
        let long = "x".repeat(40);
        assert_eq!(sheet_name(&long, &mut taken).len(), 31);
        let again = sheet_name(&long, &mut taken);
        assert!(again.ends_with(" (2)") && again.len() == 31);
    }
}
