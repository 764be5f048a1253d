//! A run's result tables as its analyst reads them, and the checks its report is held to.
//!
//! Each table (`W:weights`, `Q:<question>`, `D:<question>`, `X:<question>×<dimension>`,
//! `F:overall`, `F:<question>`) becomes one line of words, and keeps beside the line each
//! figure it shows, unrounded and with its kind (a share, a difference in points, a count, a
//! score, a statistic), its shares' intervals, and the names in it (its handle, the question's
//! text, the categories' labels), whose digits are not figures. An item of the report cites the
//! tables it rests on, and [`crate::figure_check::check_item`] holds it to them. The caveats
//! are not left to a model: [`caveats`] reads them from the weighting, the diagnostics and the
//! fidelity harness.

use serde::{Deserialize, Serialize};

use crate::comparison::FidelityReport;
use crate::crosstab::Crosstab;
use crate::definition::{QuestionType, Survey};
use crate::diagnostics::{QuestionDiagnostics, Reliability, SpreadReference};
use crate::results::{QuestionResult, Results, Share};
use pw_domain::stated_figures;

/// A crosstab is listed when its χ² test, after the design-effect correction, is under this.
const SIGNIFICANT: f64 = 0.05;
/// The most categories of one question a line lists (the largest, for unordered answers).
const CATEGORIES_LISTED: usize = 6;
/// The most column differences of one crosstab a line lists.
const DIFFERENCES_LISTED: usize = 3;
/// The most characters of a question's text a line quotes.
const QUESTION_CHARACTERS: usize = 90;

/// What a figure of a table is, which decides how a stated figure may match it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// A share in percent: an estimate.
    Share,
    /// A difference between shares, in percentage points (its direction is said in words).
    Points,
    /// People or answers counted (an effective base too).
    Count,
    /// A mean, a net promoter score or a rank, on the question's own scale.
    Score,
    /// A test or a ratio: p, q, KS similarity, Jensen-Shannon bits, R², a design effect, a
    /// spread ratio, a correlation.
    Statistic,
}

/// A figure a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Unrounded, signed, in the units shown (shares in percent).
    pub value: f64,
    pub kind: FigureKind,
}

/// One result table as the analyst is shown it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableLine {
    /// `Q:buy`, `X:buy×segment`, …
    pub table: String,
    /// The table in words, its figures rounded as a reader reads them.
    pub line: String,
    /// Every figure the line shows, but the ends of intervals of shares.
    pub figures: Vec<Figure>,
    /// The 95% intervals of its shares, (low, high) in percent: stated only as a range
    /// ("29–39%"), never one end alone as if it were a share.
    pub intervals: Vec<(f64, f64)>,
    /// The names in the line (the handle, the question's text, labels): repeating one states
    /// no figure.
    pub names: Vec<String>,
    /// Lower goes to the model first when not every line fits its context.
    pub priority: u32,
}

/// An item of the report: words and the tables they rest on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CitedItem {
    pub text: String,
    pub tables: Vec<String>,
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

/// A line, its figures and its names, written together so every figure shown is a figure kept
/// and nothing else is.
#[derive(Default)]
struct Writer {
    line: String,
    figures: Vec<Figure>,
    intervals: Vec<(f64, f64)>,
    names: Vec<String>,
}

impl Writer {
    /// Words that state nothing.
    fn words(&mut self, words: &str) -> &mut Self {
        self.line.push_str(words);
        self
    }

    /// A name (a handle, a question's text, a label): its digits are not figures.
    fn name(&mut self, name: &str) -> &mut Self {
        self.line.push_str(name);
        if !name.trim().is_empty() {
            self.names.push(name.trim().to_owned());
        }
        self
    }

    /// A category's label: a name, and when it is or starts with a number (a scale's point,
    /// "4", "1 - Strongly disagree", a year), that number is a figure a reader may state.
    fn label(&mut self, label: &str) -> &mut Self {
        let leading: String = label
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        if let Ok(point) = leading.trim_end_matches('.').parse::<f64>() {
            self.figures.push(Figure {
                value: point,
                kind: FigureKind::Score,
            });
        }
        if label.trim().parse::<f64>().is_ok() {
            self.line.push_str(label);
            self
        } else {
            self.name(label)
        }
    }

    /// Words this module's own code wrote from the results (a diagnostic's reason): each
    /// figure in them is kept, a share when written with "%", else a count.
    fn stated(&mut self, words: &str) -> &mut Self {
        self.line.push_str(words);
        for figure in stated_figures(words) {
            self.figures.push(Figure {
                value: figure.value,
                kind: if figure.percent {
                    FigureKind::Share
                } else {
                    FigureKind::Count
                },
            });
        }
        self
    }

    /// A figure shown with `decimals`, kept unrounded.
    fn figure(&mut self, value: f64, decimals: usize, kind: FigureKind) -> &mut Self {
        self.line.push_str(&format!("{value:.decimals$}"));
        self.figures.push(Figure { value, kind });
        self
    }

    fn count(&mut self, count: f64) -> &mut Self {
        self.figure(count, 0, FigureKind::Count)
    }

    fn share(&mut self, share: f64) -> &mut Self {
        self.figure(percent(share), 0, FigureKind::Share).words("%")
    }

    /// "34% (29–39%)"
    fn share_with_interval(&mut self, share: &Share) -> &mut Self {
        let (low, high) = (percent(share.low), percent(share.high));
        self.intervals.push((low, high));
        self.share(share.share)
            .words(&format!(" ({low:.0}–{high:.0}%)"))
    }

    fn done(self, table: String, priority: u32) -> TableLine {
        TableLine {
            table,
            line: self.line,
            figures: self.figures,
            intervals: self.intervals,
            names: self.names,
            priority,
        }
    }
}

fn weights_line(results: &Results) -> TableLine {
    let w = &results.weighting;
    let mut out = Writer::default();
    out.name(&w.table)
        .words(": ")
        .count(results.respondents as f64)
        .words(" respondents");
    if w.weighted {
        let mut dimensions: Vec<&str> = Vec::new();
        for margin in &w.margins {
            if !dimensions.contains(&margin.dimension.as_str()) {
                dimensions.push(&margin.dimension);
            }
        }
        out.words(", weighted to ")
            .name(&dimensions.join(", ").replace('_', " "))
            .words("; design effect ")
            .figure(w.design_effect, 2, FigureKind::Statistic)
            .words(", effective base ")
            .count(w.effective_sample_size);
        if w.trimmed_weights > 0 {
            out.words("; ")
                .count(w.trimmed_weights as f64)
                .words(" weights trimmed");
        }
        if !w.unfilled.is_empty() {
            out.words("; nobody drawn in ").name(&w.unfilled.join(", "));
        }
    } else {
        out.words(", unweighted");
    }
    out.done(w.table.clone(), 0)
}

fn question_line(question: &QuestionResult) -> TableLine {
    let mut out = Writer::default();
    out.name(&question.table)
        .words(" “")
        .name(&short(&question.text))
        .words("” (")
        .name(kind_words(question.kind))
        .words("; ")
        .count(question.answered as f64)
        .words(" of ")
        .count(question.asked as f64)
        .words(" answered, effective base ")
        .count(question.effective_base)
        .words("): ");
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
            out.words("; ");
        }
        parts += 1;
    };
    if question.kind == QuestionType::Nps {
        if let Some(nps) = &question.net_promoter {
            separator(&mut out);
            out.words("NPS ")
                .figure(nps.score, 0, FigureKind::Score)
                .words(" (")
                .figure(nps.low, 0, FigureKind::Score)
                .words(" to ")
                .figure(nps.high, 0, FigureKind::Score)
                .words("), promoters ")
                .share(nps.promoters)
                .words(", detractors ")
                .share(nps.detractors);
        }
    } else {
        for share in shares {
            separator(&mut out);
            out.label(&share.label)
                .words(" ")
                .share_with_interval(share);
        }
    }
    if let Some(mean) = &question.mean {
        separator(&mut out);
        out.words("mean ")
            .figure(mean.value, 1, FigureKind::Score)
            .words(" (")
            .figure(mean.low, 1, FigureKind::Score)
            .words("–")
            .figure(mean.high, 1, FigureKind::Score)
            .words("), SD ")
            .figure(mean.standard_deviation, 1, FigureKind::Statistic);
    }
    for (option, rank) in &question.ranks {
        separator(&mut out);
        out.name(option)
            .words(" mean rank ")
            .figure(rank.value, 1, FigureKind::Score);
    }
    for row in &question.rows {
        if let Some(mean) = &row.mean {
            separator(&mut out);
            out.name(&row.label)
                .words(" mean ")
                .figure(mean.value, 1, FigureKind::Score)
                .words(" (")
                .figure(mean.low, 1, FigureKind::Score)
                .words("–")
                .figure(mean.high, 1, FigureKind::Score)
                .words(")");
        }
    }
    for theme in question.themes.iter().flatten() {
        separator(&mut out);
        out.words("theme “")
            .name(&theme.name)
            .words("” ")
            .share_with_interval(&theme.share);
    }
    let missing: usize = question.non_responses.iter().map(|(_, n)| n).sum();
    if missing > 0 {
        separator(&mut out);
        out.count(missing as f64).words(" gave no usable answer");
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
    out.name(&d.table).words(": ").words(match d.reliability {
        Reliability::NoWarning => "no warning sign",
        Reliability::Caution => "read with care",
        Reliability::ConfirmWithPeople => "confirm with real respondents before acting",
    });
    if let Some(spread) = &d.spread {
        out.words("; spread ")
            .figure(spread.ratio, 2, FigureKind::Statistic)
            .words(match spread.reference {
                SpreadReference::Human => " of people's",
                SpreadReference::Expected => " of what people's answers usually show",
            });
    }
    if let Some(over) = &d.over_determination {
        out.words("; demographics explain R² ").figure(
            over.adjusted_r_squared,
            2,
            FigureKind::Statistic,
        );
    }
    if let Some(order) = &d.order {
        out.words("; reversing the options moved “")
            .name(&order.option)
            .words("” by ")
            .figure(percent(order.difference), 0, FigureKind::Points)
            .words(" points (q ")
            .figure(order.q_value, 2, FigureKind::Statistic)
            .words(")");
    }
    for reason in &d.reasons {
        out.words("; ").stated(reason.trim().trim_end_matches('.'));
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
    out.name(&table)
        .words(" “")
        .name(&short(question_text))
        .words("” by ")
        .name(&crosstab.grouping.replace('_', " "))
        .words(" (chi-square p ")
        .figure(test.p_value, 3, FigureKind::Statistic)
        .words(")");
    for comparison in significant.into_iter().take(DIFFERENCES_LISTED) {
        let (high, low) = if comparison.z >= 0.0 {
            (comparison.first, comparison.second)
        } else {
            (comparison.second, comparison.first)
        };
        out.words("; “")
            .label(&crosstab.rows[comparison.row])
            .words("”: ")
            .label(&crosstab.columns[high])
            .words(" ")
            .share(share(comparison.row, high))
            .words(" vs ")
            .label(&crosstab.columns[low])
            .words(" ")
            .share(share(comparison.row, low))
            .words(" (")
            .figure(
                percent(share(comparison.row, high) - share(comparison.row, low)),
                0,
                FigureKind::Points,
            )
            .words(" points, q ")
            .figure(comparison.q_value, 3, FigureKind::Statistic)
            .words(")");
    }
    Some(out.done(table, 2))
}

fn fidelity_lines(report: &FidelityReport, people: &str) -> Vec<TableLine> {
    let mut lines = Vec::new();
    let overall = &report.overall;
    let mut out = Writer::default();
    out.name(&report.table)
        .words(": held to ")
        .name(people)
        .words(": ")
        .count(report.human_rows as f64)
        .words(" people, ")
        .count(overall.questions as f64)
        .words(" questions compared");
    if let Some(ks) = overall.mean_ks_similarity {
        out.words("; mean KS similarity ")
            .figure(ks, 2, FigureKind::Statistic);
    }
    if let Some(js) = overall.mean_jensen_shannon_bits {
        out.words("; mean Jensen-Shannon divergence ")
            .figure(js, 3, FigureKind::Statistic)
            .words(" bits");
    }
    if let Some(ratio) = overall.mean_standard_deviation_ratio {
        out.words("; synthetic spread ")
            .figure(ratio, 2, FigureKind::Statistic)
            .words(" of people's");
    }
    if let Some(r) = overall.mean_subgroup_correlation {
        out.words("; subgroup means correlate with people's");
        if let Some(by) = &report.by {
            out.words(" by ").name(&by.replace('_', " "));
        }
        out.words(", r ").figure(r, 2, FigureKind::Statistic);
    }
    lines.push(out.done(report.table.clone(), 1));
    for question in &report.questions {
        let mut out = Writer::default();
        out.name(&question.table)
            .words(": “")
            .name(&short(&question.text))
            .words("” against ")
            .count(question.human_answers as f64)
            .words(" people");
        if let Some(ks) = question.ks_similarity {
            out.words("; KS similarity ")
                .figure(ks, 2, FigureKind::Statistic);
        }
        if let Some(js) = question.jensen_shannon_bits {
            out.words("; Jensen-Shannon ")
                .figure(js, 3, FigureKind::Statistic)
                .words(" bits");
        }
        if let (Some(synthetic), Some(human)) = (question.synthetic_mean, question.human_mean) {
            out.words("; mean ")
                .figure(synthetic, 2, FigureKind::Score)
                .words(" synthetic vs ")
                .figure(human, 2, FigureKind::Score)
                .words(" people");
        }
        if let Some(ratio) = question.standard_deviation_ratio {
            out.words("; spread ratio ")
                .figure(ratio, 2, FigureKind::Statistic);
        }
        if let Some(subgroups) = &question.subgroup_correlation {
            out.words("; subgroup correlation ").figure(
                subgroups.correlation,
                2,
                FigureKind::Statistic,
            );
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

/// What a reader must know before acting on the results, from the weighting, the diagnostics
/// and the fidelity harness, each citing its table. Not written by a model.
/// `drawn`: the respondents the run drew, of whom `results.respondents` answered.
pub fn caveats(
    results: &Results,
    drawn: usize,
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
    if results.respondents < drawn {
        items.push(CitedItem {
            text: format!(
                "The run stopped short: {} of the {drawn} respondents drawn answered, so the results are of those who did (resume the run to ask the rest, then write the report again).",
                results.respondents
            ),
            tables: vec![w.table.clone()],
        });
    }
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
    use crate::figure_check::check_item;

    #[test]
    fn a_written_line_keeps_its_figures_and_not_the_digits_of_its_names() {
        let mut out = Writer::default();
        out.name("Q:q7")
            .words(" ")
            .name("Age 18-24")
            .words(" ")
            .share(0.336)
            .words(", mean ")
            .figure(-3.42, 1, FigureKind::Score);
        let shown = out.done("Q:q7".into(), 0);
        assert_eq!(shown.line, "Q:q7 Age 18-24 34%, mean -3.4");
        let values: Vec<f64> = shown.figures.iter().map(|f| f.value).collect();
        assert_eq!(values.len(), 2);
        assert!((values[0] - 33.6).abs() < 1e-9 && (values[1] + 3.42).abs() < 1e-9);
        assert_eq!(shown.names, ["Q:q7", "Age 18-24"]);
        // The line's own words hold against it.
        assert!(
            check_item(
                &shown.line,
                &["Q:q7".to_owned()],
                std::slice::from_ref(&shown),
                &[],
                false
            )
            .is_ok()
        );
    }
}
