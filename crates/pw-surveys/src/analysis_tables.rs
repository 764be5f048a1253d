//! A run's result tables as its analyst reads them, and the checks its report is held to.
//!
//! Each table (`W:weights`, `Q:<question>`, `D:<question>`, `X:<question>×<dimension>`,
//! `F:overall`, `F:<question>`) becomes one line of words with the figures in it, and keeps
//! those figures unrounded beside the line. An item of the report cites the tables it rests on;
//! [`check_item`] keeps it only when every figure it states is one of its cited tables' figures
//! at the precision it is stated (34% stands for 33.6%; 35% does not). The caveats are not left
//! to a model: [`caveats`] reads them from the weighting, the diagnostics and the fidelity
//! harness.

use serde::{Deserialize, Serialize};

use crate::comparison::FidelityReport;
use crate::crosstab::Crosstab;
use crate::definition::{QuestionType, Survey};
use crate::diagnostics::{QuestionDiagnostics, Reliability, SpreadReference};
use crate::results::{QuestionResult, Results, Share};

/// A crosstab is listed when its χ² test, after the design-effect correction, is under this.
const SIGNIFICANT: f64 = 0.05;
/// The most categories of one question a line lists (the largest, for unordered answers).
const CATEGORIES_LISTED: usize = 6;
/// The most column differences of one crosstab a line lists.
const DIFFERENCES_LISTED: usize = 3;
/// The most characters of a question's text a line quotes.
const QUESTION_CHARACTERS: usize = 90;

/// One result table as the analyst is shown it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableLine {
    /// `Q:buy`, `X:buy×segment`, …
    pub table: String,
    /// The table in words, its figures rounded as a reader reads them.
    pub line: String,
    /// Every figure the line states, unrounded, in the units it states them (shares in
    /// percent, differences in points).
    pub values: Vec<f64>,
    /// Lower goes to the model first when not every line fits its context.
    pub priority: u32,
}

/// An item of the report: words and the tables they rest on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedItem {
    pub text: String,
    pub tables: Vec<String>,
}

/// Why a drafted item was left out of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    Empty,
    NoCitation,
    /// A table it was not shown.
    UnknownTable(String),
    /// A figure none of its cited tables states.
    Figure(String),
    /// A segment item citing no crosstab: a difference between groups needs one.
    NoCrosstab,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::Empty => write!(f, "it says nothing"),
            Dropped::NoCitation => write!(f, "it cites no table"),
            Dropped::UnknownTable(table) => write!(f, "it cites {table}, a table it was not shown"),
            Dropped::Figure(figure) => write!(f, "{figure} is not a figure of the tables it cites"),
            Dropped::NoCrosstab => {
                write!(
                    f,
                    "a difference between groups needs a crosstab (X:) and it cites none"
                )
            }
        }
    }
}

/// An item the model wrote that did not hold, kept so a reader can see what was left out and
/// why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedItem {
    /// `findings`, `segments`, `implications` or `actions`.
    pub section: String,
    pub text: String,
    pub tables: Vec<String>,
    pub reason: String,
}

fn percent(share: f64) -> f64 {
    share * 100.0
}

/// A reason as a sentence: ending in one full stop.
fn sentence(reason: &str) -> String {
    format!("{}.", reason.trim().trim_end_matches('.'))
}

/// A question's text as a line quotes it: an answer piped in (`{{buy}}`) is shown as "…", and a
/// long text is cut.
fn short(text: &str) -> String {
    let mut text = text.trim().to_owned();
    while let (Some(open), Some(close)) = (text.find("{{"), text.find("}}")) {
        if close < open {
            break;
        }
        text.replace_range(open..close + 2, "…");
    }
    if text.chars().count() <= QUESTION_CHARACTERS {
        return text;
    }
    let cut: String = text.chars().take(QUESTION_CHARACTERS).collect();
    format!("{}…", cut.trim_end())
}

/// A line and its values, written together so every figure shown is a figure kept.
#[derive(Default)]
struct Writer {
    line: String,
    values: Vec<f64>,
}

impl Writer {
    fn text(&mut self, words: &str) -> &mut Self {
        self.line.push_str(words);
        // Figures in words (labels like "18-24", scale ends) are the table's too.
        self.values
            .extend(stated_figures(words).into_iter().map(|f| f.value));
        self
    }

    /// A figure shown with `decimals`, kept unrounded.
    fn number(&mut self, value: f64, decimals: usize) -> &mut Self {
        self.line.push_str(&format!("{value:.decimals$}"));
        self.values.push(value.abs());
        self
    }

    fn share(&mut self, value: f64) -> &mut Self {
        self.number(percent(value), 0).text("%")
    }

    /// "34% (29–39%)"
    fn share_with_interval(&mut self, share: &Share) -> &mut Self {
        self.share(share.share)
            .text(" (")
            .number(percent(share.low), 0)
            .text("–")
            .number(percent(share.high), 0)
            .text("%)")
    }

    fn done(self, table: String, priority: u32) -> TableLine {
        TableLine {
            table,
            line: self.line,
            values: self.values,
            priority,
        }
    }
}

fn weights_line(results: &Results) -> TableLine {
    let w = &results.weighting;
    let mut out = Writer::default();
    out.text(&format!("{}: ", w.table))
        .number(results.respondents as f64, 0)
        .text(" respondents");
    if w.weighted {
        let dimensions: Vec<&str> = {
            let mut seen: Vec<&str> = Vec::new();
            for margin in &w.margins {
                if !seen.contains(&margin.dimension.as_str()) {
                    seen.push(&margin.dimension);
                }
            }
            seen
        };
        out.text(&format!(
            ", weighted to {}",
            dimensions.join(", ").replace('_', " ")
        ))
        .text("; design effect ")
        .number(w.design_effect, 2)
        .text(", effective base ")
        .number(w.effective_sample_size, 0);
        if w.trimmed_weights > 0 {
            out.text("; ")
                .number(w.trimmed_weights as f64, 0)
                .text(" weights trimmed");
        }
        if !w.unfilled.is_empty() {
            out.text(&format!("; nobody drawn in {}", w.unfilled.join(", ")));
        }
    } else {
        out.text(", unweighted");
    }
    out.done(w.table.clone(), 0)
}

fn question_line(question: &QuestionResult) -> TableLine {
    let mut out = Writer::default();
    out.text(&format!(
        "{} “{}” ({}; ",
        question.table,
        short(&question.text),
        kind_words(question.kind)
    ))
    .number(question.answered as f64, 0)
    .text(" of ")
    .number(question.asked as f64, 0)
    .text(" answered, effective base ")
    .number(question.effective_base, 0)
    .text("): ");
    let ordered = matches!(
        question.kind,
        QuestionType::Likert | QuestionType::Nps | QuestionType::Matrix
    );
    let mut shares: Vec<&Share> = question.shares.iter().collect();
    if !ordered {
        shares.sort_by(|a, b| b.share.total_cmp(&a.share));
        shares.truncate(CATEGORIES_LISTED);
    }
    let mut parts = 0;
    let mut separator = |out: &mut Writer| {
        if parts > 0 {
            out.text("; ");
        }
        parts += 1;
    };
    if question.kind == QuestionType::Nps {
        if let Some(nps) = &question.net_promoter {
            separator(&mut out);
            out.text("NPS ")
                .number(nps.score, 0)
                .text(" (")
                .number(nps.low, 0)
                .text(" to ")
                .number(nps.high, 0)
                .text("), promoters ")
                .share(nps.promoters)
                .text(", detractors ")
                .share(nps.detractors);
        }
    } else {
        for share in shares {
            separator(&mut out);
            out.text(&format!("{} ", share.label))
                .share_with_interval(share);
        }
    }
    if let Some(mean) = &question.mean {
        separator(&mut out);
        out.text("mean ")
            .number(mean.value, 1)
            .text(" (")
            .number(mean.low, 1)
            .text("–")
            .number(mean.high, 1)
            .text("), SD ")
            .number(mean.standard_deviation, 1);
    }
    for (option, rank) in &question.ranks {
        separator(&mut out);
        out.text(&format!("{option} mean rank "))
            .number(rank.value, 1);
    }
    for row in &question.rows {
        if let Some(mean) = &row.mean {
            separator(&mut out);
            out.text(&format!("{} mean ", row.label))
                .number(mean.value, 1)
                .text(" (")
                .number(mean.low, 1)
                .text("–")
                .number(mean.high, 1)
                .text(")");
        }
    }
    for theme in question.themes.iter().flatten() {
        separator(&mut out);
        out.text(&format!("theme “{}” ", theme.name))
            .share_with_interval(&theme.share);
    }
    let missing: usize = question.non_responses.iter().map(|(_, n)| n).sum();
    if missing > 0 {
        separator(&mut out);
        out.number(missing as f64, 0).text(" gave no usable answer");
    }
    out.done(question.table.clone(), 0)
}

fn kind_words(kind: QuestionType) -> &'static str {
    match kind {
        QuestionType::SingleChoice => "single choice",
        QuestionType::MultipleChoice => "multiple choice, shares of respondents",
        QuestionType::Likert => "rating",
        QuestionType::Nps => "0-10 recommendation",
        QuestionType::Numeric => "number",
        QuestionType::Ranking => "ranking, share ranking each first",
        QuestionType::Matrix => "rating grid",
        QuestionType::Open => "open answer",
    }
}

fn diagnostics_line(d: &QuestionDiagnostics) -> TableLine {
    let mut out = Writer::default();
    out.text(&format!(
        "{}: {}",
        d.table,
        match d.reliability {
            Reliability::NoWarning => "no warning sign",
            Reliability::Caution => "read with care",
            Reliability::ConfirmWithPeople => "confirm with real respondents before acting",
        }
    ));
    if let Some(spread) = &d.spread {
        out.text("; spread ")
            .number(spread.ratio, 2)
            .text(match spread.reference {
                SpreadReference::Human => " of people's",
                SpreadReference::Expected => " of what people's answers usually show",
            });
    }
    if let Some(over) = &d.over_determination {
        out.text("; demographics explain R² ")
            .number(over.adjusted_r_squared, 2);
    }
    if let Some(order) = &d.order {
        out.text(&format!(
            "; reversing the options moved “{}” by ",
            order.option
        ))
        .number(percent(order.difference), 0)
        .text(" points (q ")
        .number(order.q_value, 2)
        .text(")");
    }
    for reason in &d.reasons {
        out.text(&format!("; {}", reason.trim().trim_end_matches('.')));
    }
    let priority = match d.reliability {
        Reliability::ConfirmWithPeople => 1,
        Reliability::Caution => 2,
        Reliability::NoWarning => 5,
    };
    out.done(d.table.clone(), priority)
}

/// The table's identity as a citation: `X:<question>×<dimension>`.
pub fn crosstab_table(crosstab: &Crosstab) -> String {
    format!("X:{}×{}", crosstab.answer, crosstab.grouping)
}

/// A crosstab whose groups differ after correction, with its largest significant differences;
/// `None` when they do not.
fn crosstab_line(crosstab: &Crosstab, question_text: &str) -> Option<TableLine> {
    let test = crosstab.chi_square?;
    if test.p_value >= SIGNIFICANT {
        return None;
    }
    let mut significant: Vec<_> = crosstab
        .comparisons
        .iter()
        .filter(|c| c.q_value < SIGNIFICANT)
        .collect();
    if significant.is_empty() {
        return None;
    }
    let share = |row: usize, column: usize| crosstab.column_shares[row][column];
    significant.sort_by(|a, b| {
        let gap = |c: &&crate::crosstab::ColumnComparison| {
            (share(c.row, c.first) - share(c.row, c.second)).abs()
        };
        gap(b).total_cmp(&gap(a))
    });
    let table = crosstab_table(crosstab);
    let mut out = Writer::default();
    out.text(&format!(
        "{table} “{}” by {} (chi-square p ",
        short(question_text),
        crosstab.grouping.replace('_', " ")
    ))
    .number(test.p_value, 3)
    .text(")");
    for comparison in significant.into_iter().take(DIFFERENCES_LISTED) {
        let (high, low) = if comparison.z >= 0.0 {
            (comparison.first, comparison.second)
        } else {
            (comparison.second, comparison.first)
        };
        out.text(&format!(
            "; “{}”: {} ",
            crosstab.rows[comparison.row], crosstab.columns[high]
        ))
        .share(share(comparison.row, high))
        .text(&format!(" vs {} ", crosstab.columns[low]))
        .share(share(comparison.row, low))
        .text(" (")
        .number(
            percent(share(comparison.row, high) - share(comparison.row, low)),
            0,
        )
        .text(" points, q ")
        .number(comparison.q_value, 3)
        .text(")");
    }
    Some(out.done(table, 2))
}

fn fidelity_lines(report: &FidelityReport, people: &str) -> Vec<TableLine> {
    let mut lines = Vec::new();
    let overall = &report.overall;
    let mut out = Writer::default();
    out.text(&format!("{}: held to {people}: ", report.table))
        .number(report.human_rows as f64, 0)
        .text(" people, ")
        .number(overall.questions as f64, 0)
        .text(" questions compared");
    if let Some(ks) = overall.mean_ks_similarity {
        out.text("; mean KS similarity ").number(ks, 2);
    }
    if let Some(js) = overall.mean_jensen_shannon_bits {
        out.text("; mean Jensen-Shannon divergence ")
            .number(js, 3)
            .text(" bits");
    }
    if let Some(ratio) = overall.mean_standard_deviation_ratio {
        out.text("; synthetic spread ")
            .number(ratio, 2)
            .text(" of people's");
    }
    if let Some(r) = overall.mean_subgroup_correlation {
        out.text(&format!(
            "; subgroup means correlate {} with people's",
            report
                .by
                .as_deref()
                .map_or(String::new(), |by| format!("by {}", by.replace('_', " ")))
        ))
        .text(" r ")
        .number(r, 2);
    }
    lines.push(out.done(report.table.clone(), 1));
    for question in &report.questions {
        let mut out = Writer::default();
        out.text(&format!(
            "{}: “{}” against ",
            question.table,
            short(&question.text)
        ))
        .number(question.human_answers as f64, 0)
        .text(" people");
        if let Some(ks) = question.ks_similarity {
            out.text("; KS similarity ").number(ks, 2);
        }
        if let Some(js) = question.jensen_shannon_bits {
            out.text("; Jensen-Shannon ").number(js, 3).text(" bits");
        }
        if let (Some(synthetic), Some(human)) = (question.synthetic_mean, question.human_mean) {
            out.text("; mean ")
                .number(synthetic, 2)
                .text(" synthetic vs ")
                .number(human, 2)
                .text(" people");
        }
        if let Some(ratio) = question.standard_deviation_ratio {
            out.text("; spread ratio ").number(ratio, 2);
        }
        if let Some(subgroups) = &question.subgroup_correlation {
            out.text("; subgroup correlation ")
                .number(subgroups.correlation, 2);
        }
        lines.push(out.done(question.table.clone(), 3));
    }
    lines
}

/// Everything the analyst may read of a run: the weights and every question first, then the
/// warnings, the crosstabs whose groups differ, and the fidelity harness.
pub fn table_lines(
    survey: &Survey,
    results: &Results,
    diagnostics: &[QuestionDiagnostics],
    crosstabs: &[Crosstab],
    fidelity: Option<(&FidelityReport, &str)>,
) -> Vec<TableLine> {
    let mut lines = vec![weights_line(results)];
    lines.extend(results.questions.iter().map(question_line));
    lines.extend(diagnostics.iter().map(diagnostics_line));
    for crosstab in crosstabs {
        let text = survey
            .questions
            .iter()
            .find(|q| q.id == crosstab.answer)
            .map_or(crosstab.answer.as_str(), |q| q.text.as_str());
        lines.extend(crosstab_line(crosstab, text));
    }
    if let Some((report, people)) = fidelity {
        lines.extend(fidelity_lines(report, people));
    }
    lines
}

/// A figure as written: its value and how many decimals it was written with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatedFigure {
    pub value: f64,
    pub decimals: u32,
}

/// The figures a text states, in order: "1,200" is 1200, "3.45" is 3.45 with two decimals; a
/// sign is not read ("-12" states 12), so signs need no agreement.
pub fn stated_figures(text: &str) -> Vec<StatedFigure> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        let mut decimals: Option<u32> = None;
        while i < chars.len() {
            let c = chars[i];
            let digit_follows = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() {
                digits.push(c);
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            } else if c == ',' && decimals.is_none() && digit_follows {
                // A thousands separator.
            } else if c == '.' && decimals.is_none() && digit_follows {
                digits.push('.');
                decimals = Some(0);
            } else {
                break;
            }
            i += 1;
        }
        if let Ok(value) = digits.parse::<f64>() {
            found.push(StatedFigure {
                value,
                decimals: decimals.unwrap_or(0),
            });
        }
    }
    found
}

/// Whether a figure stated with its decimals is `value` rounded.
fn rounds_to(figure: StatedFigure, value: f64) -> bool {
    let half = 0.5 * 10f64.powi(-(figure.decimals as i32));
    (value.abs() - figure.value).abs() <= half + 1e-9
}

/// The text without the citations and question ids it names: naming `Q:q2` or `q2` states no
/// figure.
fn without_names(text: &str, names: &[&str]) -> String {
    text.split_whitespace()
        .filter(|word| {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '_' && c != '-');
            let handle = bare.len() > 2
                && bare.as_bytes()[1] == b':'
                && matches!(bare.as_bytes()[0], b'Q' | b'X' | b'D' | b'F' | b'W');
            !handle && !names.iter().any(|n| n.eq_ignore_ascii_case(bare))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a citation is compared: case, spaces and the crosstab sign written as "x" or "*" do not
/// matter.
fn citation_key(table: &str) -> String {
    table
        .trim()
        .to_lowercase()
        .replace(['×', '*'], "x")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The tables a drafted item cites, as shown, or why it cannot be kept: it must say something,
/// cite at least one table it was shown, and state no figure those tables do not state (a
/// segment item must cite a crosstab). `question_ids` are words that name, not state.
pub fn check_item<'t>(
    text: &str,
    cites: &[String],
    shown: &'t [TableLine],
    question_ids: &[&str],
    needs_crosstab: bool,
) -> Result<Vec<&'t TableLine>, Dropped> {
    if text.trim().is_empty() {
        return Err(Dropped::Empty);
    }
    if cites.is_empty() {
        return Err(Dropped::NoCitation);
    }
    let mut cited: Vec<&TableLine> = Vec::new();
    for cite in cites {
        let key = citation_key(cite);
        let table = shown
            .iter()
            .find(|t| citation_key(&t.table) == key)
            .ok_or_else(|| Dropped::UnknownTable(cite.clone()))?;
        if !cited.iter().any(|t| t.table == table.table) {
            cited.push(table);
        }
    }
    if needs_crosstab && !cited.iter().any(|t| t.table.starts_with("X:")) {
        return Err(Dropped::NoCrosstab);
    }
    for figure in stated_figures(&without_names(text, question_ids)) {
        let stated = cited
            .iter()
            .flat_map(|t| t.values.iter())
            .any(|&v| rounds_to(figure, v));
        if !stated {
            return Err(Dropped::Figure(format!(
                "{:.*}",
                figure.decimals as usize, figure.value
            )));
        }
    }
    Ok(cited)
}

/// What a reader must know before acting on the results, from the weighting, the diagnostics
/// and the fidelity harness, each citing its table. Not written by a model.
pub fn caveats(
    results: &Results,
    diagnostics: &[QuestionDiagnostics],
    fidelity: Option<&FidelityReport>,
    survey: &Survey,
) -> Vec<CitedItem> {
    let w = &results.weighting;
    let mut items = vec![CitedItem {
        text: format!(
            "Every answer here is synthetic: {} respondents drawn as variations of the workspace's twins, not people. Read the findings as hypotheses to test with real respondents.",
            results.respondents
        ),
        tables: vec![w.table.clone()],
    }];
    if w.weighted && w.design_effect >= 1.5 {
        items.push(CitedItem {
            text: format!(
                "Weighting to the targets costs precision: a design effect of {:.2}, so the {} answers weigh as {:.0}.",
                w.design_effect, results.respondents, w.effective_sample_size
            ),
            tables: vec![w.table.clone()],
        });
    }
    if w.weighted && !w.unfilled.is_empty() {
        items.push(CitedItem {
            text: format!(
                "Nobody was drawn in {}: others stand for them, and a larger sample would fill them.",
                w.unfilled.join(", ")
            ),
            tables: vec![w.table.clone()],
        });
    }
    for d in diagnostics {
        let text = survey
            .questions
            .iter()
            .find(|q| q.id == d.question)
            .map_or(d.question.clone(), |q| short(&q.text));
        let lead = match d.reliability {
            Reliability::NoWarning => continue,
            Reliability::Caution => "read with care",
            Reliability::ConfirmWithPeople => "confirm with real respondents before acting",
        };
        let why: String = d
            .reasons
            .iter()
            .map(|r| format!(" {}", sentence(r)))
            .collect();
        items.push(CitedItem {
            text: format!("“{text}”: {lead}.{why}"),
            tables: vec![d.table.clone()],
        });
    }
    if let Some(report) = fidelity
        && let Some(ratio) = report.overall.mean_standard_deviation_ratio
    {
        let spread = if ratio < 0.8 {
            "narrower than people's: synthetic respondents agree more than people do"
        } else if ratio > 1.25 {
            "wider than people's"
        } else {
            "close to people's"
        };
        items.push(CitedItem {
            text: format!(
                "Against {} people's answers to the same questions, the synthetic spread is {ratio:.2} of theirs, {spread}.",
                report.human_rows
            ),
            tables: vec![report.table.clone()],
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(table: &str, values: &[f64]) -> TableLine {
        TableLine {
            table: table.into(),
            line: String::new(),
            values: values.to_vec(),
            priority: 0,
        }
    }

    fn cites(handles: &[&str]) -> Vec<String> {
        handles.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn figures_are_read_with_their_precision() {
        let read = stated_figures("NPS -12, 1,200 people, 3.45 of 5, 34%.");
        let pairs: Vec<(f64, u32)> = read.iter().map(|f| (f.value, f.decimals)).collect();
        assert_eq!(
            pairs,
            [(12.0, 0), (1200.0, 0), (3.45, 2), (5.0, 0), (34.0, 0)]
        );
    }

    #[test]
    fn an_item_keeps_only_figures_its_tables_state_at_its_precision() {
        let shown = vec![
            line("Q:buy", &[33.6, 48.0, 3.42]),
            line("X:buy×segment", &[52.4, 21.0, 31.4]),
        ];
        let ids = ["buy"];
        assert_eq!(
            check_item("34% would buy", &cites(&["Q:buy"]), &shown, &ids, false)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            check_item("A mean of 3.4", &cites(&["q:BUY"]), &shown, &ids, false).map(|c| c.len()),
            Ok(1),
            "3.42 stated to one decimal"
        );
        assert_eq!(
            check_item("35% would buy", &cites(&["Q:buy"]), &shown, &ids, false).unwrap_err(),
            Dropped::Figure("35".into())
        );
        assert_eq!(
            check_item("A mean of 3.45", &cites(&["Q:buy"]), &shown, &ids, false).unwrap_err(),
            Dropped::Figure("3.45".into()),
            "more precision than the table has is not stated by it"
        );
        // A figure from a table it does not cite.
        assert_eq!(
            check_item("52% of runners", &cites(&["Q:buy"]), &shown, &ids, false).unwrap_err(),
            Dropped::Figure("52".into())
        );
        assert_eq!(
            check_item(
                "Runners lead by 31 points (52% vs 21%) on Q:buy",
                &cites(&["X:buy x segment", "Q:buy"]),
                &shown,
                &ids,
                true
            )
            .unwrap()
            .len(),
            2
        );
        assert_eq!(
            check_item("34%", &cites(&["Q:other"]), &shown, &ids, false).unwrap_err(),
            Dropped::UnknownTable("Q:other".into())
        );
        assert_eq!(
            check_item("34%", &[], &shown, &ids, false).unwrap_err(),
            Dropped::NoCitation
        );
        assert_eq!(
            check_item("  ", &cites(&["Q:buy"]), &shown, &ids, false).unwrap_err(),
            Dropped::Empty
        );
        assert_eq!(
            check_item("34% would buy", &cites(&["Q:buy"]), &shown, &ids, true).unwrap_err(),
            Dropped::NoCrosstab
        );
    }

    #[test]
    fn the_writer_keeps_every_figure_it_shows() {
        let mut out = Writer::default();
        out.text("Age 18-24 ")
            .share(0.336)
            .text(", mean ")
            .number(-3.42, 1);
        let shown = out.done("Q:a".into(), 0);
        assert_eq!(shown.line, "Age 18-24 34%, mean -3.4");
        let expected = [18.0, 24.0, 33.6, 3.42];
        assert_eq!(shown.values.len(), expected.len());
        for (kept, value) in shown.values.iter().zip(expected) {
            assert!((kept - value).abs() < 1e-9, "{kept} kept for {value}");
        }
        for figure in stated_figures(&shown.line) {
            assert!(
                shown.values.iter().any(|&v| rounds_to(figure, v)),
                "{figure:?} shown but not kept"
            );
        }
    }
}
