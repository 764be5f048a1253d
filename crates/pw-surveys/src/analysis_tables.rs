//! A run's result tables as its analyst reads them, and the checks its report is held to.
//!
//! Each table (`W:weights`, `Q:<question>`, `D:<question>`, `X:<question>×<dimension>`,
//! `F:overall`, `F:<question>`) becomes one line of words, and keeps beside the line each
//! figure it shows, unrounded and with its kind (a share, an interval's end, a difference in
//! points, a count, a score, a statistic), and the names in it (its handle, the question's
//! text, the categories' labels), whose digits are not figures. An item of the report cites the
//! tables it rests on; [`check_item`] keeps it only when every figure it states is a figure of
//! those tables, of a kind that fits how it is written (a "%" is a share or a difference, never
//! a p-value or an interval's end on its own), with its sign, at the precision stated (34%
//! stands for 33.6%; 35% does not). What it cannot check: which category a figure is said of
//! ("34% said No" when 34% said Yes) and figures in words ("half", "twice"). The caveats are not
//! left to a model: [`caveats`] reads them from the weighting, the diagnostics and the fidelity
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

/// Why a drafted item was left out of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dropped {
    Empty,
    NoCitation,
    /// A table it was not shown.
    UnknownTable(String),
    /// A figure none of its cited tables shows, as written.
    Figure(String),
    /// A segment item citing no crosstab: a difference between groups needs one.
    NoCrosstab,
}

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dropped::Empty => write!(f, "it says nothing"),
            Dropped::NoCitation => write!(f, "it cites no table"),
            Dropped::UnknownTable(table) => {
                write!(f, "it cites {table}, a table it was not shown")
            }
            Dropped::Figure(figure) => {
                write!(f, "{figure} is not a figure of the tables it cites")
            }
            Dropped::NoCrosstab => write!(
                f,
                "a difference between groups needs a crosstab (X:) and it cites none"
            ),
        }
    }
}

/// An item the model wrote that did not hold, kept so a reader of the app can see what was left
/// out and why.
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

/// A figure as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatedFigure {
    /// Signed: "-12" and "−12" are negative; "18-24" is two figures, neither negative.
    pub value: f64,
    pub decimals: u32,
    /// Followed by "%" or "percent".
    pub percent: bool,
    /// Followed by "points", "pts", "pp" or "percentage points".
    pub points: bool,
    /// Joined to the next figure as a range ("29–39%", "5 to 9").
    pub joined_to_next: bool,
}

/// The figures a text states, in order. "1,200" is 1200; "3.45" has two decimals; digits that
/// are part of a word ("Q3", "mp3") or an ordinal ("3rd") are not figures.
pub fn stated_figures(text: &str) -> Vec<StatedFigure> {
    let chars: Vec<char> = text.chars().collect();
    let digit_at = |j: usize| chars.get(j).is_some_and(char::is_ascii_digit);
    // Each figure with where it starts and ends, to read ranges ("29–39%") after.
    let mut found: Vec<(StatedFigure, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let mut digits = String::new();
        let mut decimals: Option<u32> = None;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                digits.push(c);
                if let Some(d) = decimals.as_mut() {
                    *d += 1;
                }
            } else if c == ','
                && decimals.is_none()
                && (1..=3).all(|k| digit_at(i + k))
                && !digit_at(i + 4)
            {
                // A thousands separator: "1,200", not "1,2".
            } else if c == '.' && decimals.is_none() && digit_at(i + 1) {
                digits.push('.');
                decimals = Some(0);
            } else {
                break;
            }
            i += 1;
        }
        // Only Latin letters join digits into a word: in "有34%" the figure stands alone.
        if start > 0 && chars[start - 1].is_ascii_alphabetic() {
            continue;
        }
        let suffix: String = chars[i..]
            .iter()
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            .to_lowercase();
        if matches!(suffix.as_str(), "st" | "nd" | "rd" | "th") {
            continue;
        }
        let Ok(mut value) = digits.parse::<f64>() else {
            continue;
        };
        let sign_before = start
            .checked_sub(1)
            .map(|j| chars[j])
            .filter(|c| matches!(c, '-' | '−'));
        // A minus at the start or after a space or an opening mark; "18-24" and "29%-39%" are
        // ranges.
        if sign_before.is_some()
            && (start < 2
                || chars[start - 2].is_whitespace()
                || "([:=,;".contains(chars[start - 2]))
        {
            value = -value;
        }
        let after: String = chars[i..]
            .iter()
            .take(24)
            .collect::<String>()
            .to_lowercase();
        let unit = after.trim_start_matches([' ', '-', '\u{a0}']);
        let percent = after.starts_with('%')
            || after.starts_with(" %")
            || (unit.starts_with("percent") && !unit.starts_with("percentage point"))
            || unit.starts_with("per cent");
        let points = unit.starts_with("point")
            || unit.starts_with("pts")
            || unit.starts_with("pp ")
            || unit == "pp"
            || unit.starts_with("percentage point");
        found.push((
            StatedFigure {
                value,
                decimals: decimals.unwrap_or(0),
                percent,
                points,
                joined_to_next: false,
            },
            start,
            i,
        ));
    }
    // A range's first figure takes the unit written after its second: "29–39%", "5 to 9 points".
    for k in (1..found.len()).rev() {
        let between: String = chars[found[k - 1].2..found[k].1].iter().collect();
        // "29%-39%" writes the unit twice.
        let joiner = between.trim().trim_start_matches('%').trim();
        let joined = matches!(joiner, "–" | "-" | "—" | "to" | "and");
        if joined {
            found[k - 1].0.joined_to_next = true;
            let (unit_percent, unit_points) = (found[k].0.percent, found[k].0.points);
            let first = &mut found[k - 1].0;
            first.percent |= unit_percent;
            first.points |= unit_points;
            // "29-39": the dash joins, it does not make the second figure negative.
            if !matches!(joiner, "to" | "and") && found[k].0.value < 0.0 {
                found[k].0.value = -found[k].0.value;
            }
        }
    }
    found.into_iter().map(|(figure, _, _)| figure).collect()
}

/// Whether `figure`, written with its decimals, is `value` rounded.
fn rounds_to(figure: StatedFigure, value: f64) -> bool {
    let half = 0.5 * 10f64.powi(-(figure.decimals as i32));
    (value - figure.value).abs() <= half + 1e-9
}

/// Whether `figure`, as written, states the table's `shown` figure.
fn states(figure: StatedFigure, shown: Figure) -> bool {
    let kind_fits = if figure.points {
        shown.kind == FigureKind::Points
    } else if figure.percent {
        matches!(shown.kind, FigureKind::Share | FigureKind::Points)
    } else if figure.decimals > 0 {
        matches!(shown.kind, FigureKind::Score | FigureKind::Statistic)
    } else {
        matches!(
            shown.kind,
            FigureKind::Count | FigureKind::Score | FigureKind::Points
        )
    };
    if !kind_fits {
        return false;
    }
    // A difference's direction is said in words ("12 points ahead", "moved by -12 points").
    if shown.kind == FigureKind::Points {
        let unsigned = StatedFigure {
            value: figure.value.abs(),
            ..figure
        };
        rounds_to(unsigned, shown.value.abs())
    } else {
        rounds_to(figure, shown.value)
    }
}

/// `text` with every whole occurrence of `needle` (not part of a longer word) replaced by a
/// space.
fn remove_whole(text: &str, needle: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(needle) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + needle.len()..].chars().next();
        kept.push_str(&rest[..at]);
        let tail = &rest[at + needle.len()..];
        // A plural or possessive ("18-24s", "18-24's") is still the name.
        let plural = ["'s", "’s", "s"]
            .iter()
            .find(|suffix| tail.starts_with(**suffix) && !word(tail[suffix.len()..].chars().next()))
            .map_or(0, |suffix| suffix.len());
        let after = if plural > 0 { None } else { after };
        // Only a boundary that is a letter or digit on the needle's side can join a word.
        let joins_before = needle.chars().next().is_some_and(char::is_alphanumeric) && word(before);
        let joins_after = needle
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            && word(after);
        if joins_before || joins_after {
            kept.push_str(needle);
            rest = tail;
        } else {
            kept.push(' ');
            rest = &tail[plural..];
        }
    }
    kept.push_str(rest);
    kept
}

/// The text, lowercased, with every name removed where it stands as a whole: the handles of the
/// tables shown, the names of the tables cited (question texts, labels) and the question ids
/// that contain a letter. Naming `Q:q7` or "18-24" states no figure; a name or id that is only a
/// number is never removed, since it would hide a figure.
fn without_names(text: &str, handles: &[&str], names: &[&str], question_ids: &[&str]) -> String {
    let mut lowered = text.to_lowercase();
    let mut removable: Vec<String> = handles
        .iter()
        .chain(names)
        .map(|n| n.trim().to_lowercase())
        // A name that is a number, or that states a share or points ("About 50%"), would hide
        // a figure: it is left for the check to read.
        .filter(|n| {
            !n.is_empty()
                && n.parse::<f64>().is_err()
                && !stated_figures(n).iter().any(|f| f.percent || f.points)
        })
        .chain(
            question_ids
                .iter()
                .filter(|id| id.chars().any(char::is_alphabetic))
                .map(|id| id.to_lowercase()),
        )
        .collect();
    removable.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in &removable {
        lowered = remove_whole(&lowered, name);
    }
    lowered
}

/// How a citation is compared when it is not written exactly: case, spaces and the crosstab
/// sign written as "x" or "*" do not matter.
fn citation_key(table: &str) -> String {
    table
        .trim()
        .to_lowercase()
        .replace(['×', '*'], "x")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The table a citation names: as written, or else the one table it names loosely.
fn cited_table<'t>(cite: &str, shown: &'t [TableLine]) -> Option<&'t TableLine> {
    if let Some(exact) = shown.iter().find(|t| t.table == cite.trim()) {
        return Some(exact);
    }
    let key = citation_key(cite);
    let mut loose = shown.iter().filter(|t| citation_key(&t.table) == key);
    match (loose.next(), loose.next()) {
        (Some(table), None) => Some(table),
        _ => None,
    }
}

/// The tables a drafted item cites, as shown, or why it cannot be kept: it must say something,
/// cite at least one table it was shown, and state no figure those tables do not show as
/// written (a segment item must cite a crosstab). `question_ids` name, and state nothing.
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
        let table = cited_table(cite, shown).ok_or_else(|| Dropped::UnknownTable(cite.clone()))?;
        if !cited.iter().any(|t| t.table == table.table) {
            cited.push(table);
        }
    }
    if needs_crosstab && !cited.iter().any(|t| t.table.starts_with("X:")) {
        return Err(Dropped::NoCrosstab);
    }
    let handles: Vec<&str> = shown.iter().map(|t| t.table.as_str()).collect();
    let names: Vec<&str> = cited
        .iter()
        .flat_map(|t| t.names.iter().map(String::as_str))
        .collect();
    let stated = stated_figures(&without_names(text, &handles, &names, question_ids));
    let figures: Vec<Figure> = cited
        .iter()
        .flat_map(|t| t.figures.iter().copied())
        .collect();
    let intervals: Vec<(f64, f64)> = cited
        .iter()
        .flat_map(|t| t.intervals.iter().copied())
        .collect();
    // An interval is stated as a range of shares whose ends are one share's low and high.
    let mut in_interval = vec![false; stated.len()];
    for k in 1..stated.len() {
        let (low, high) = (stated[k - 1], stated[k]);
        if low.joined_to_next
            && low.percent
            && high.percent
            && intervals
                .iter()
                .any(|&(l, h)| rounds_to(low, l) && rounds_to(high, h))
        {
            in_interval[k - 1] = true;
            in_interval[k] = true;
        }
    }
    for (figure, _) in stated
        .into_iter()
        .zip(in_interval)
        .filter(|(_, interval)| !interval)
    {
        if !figures.iter().any(|&shown| states(figure, shown)) {
            let sign = if figure.value < 0.0 { "-" } else { "" };
            return Err(Dropped::Figure(format!(
                "{sign}{:.*}{}",
                figure.decimals as usize,
                figure.value.abs(),
                if figure.percent { "%" } else { "" }
            )));
        }
    }
    Ok(cited)
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

    fn line(table: &str, figures: &[(f64, FigureKind)], names: &[&str]) -> TableLine {
        TableLine {
            table: table.into(),
            line: String::new(),
            figures: figures
                .iter()
                .map(|&(value, kind)| Figure { value, kind })
                .collect(),
            intervals: Vec::new(),
            names: std::iter::once(table)
                .chain(names.iter().copied())
                .map(str::to_owned)
                .collect(),
            priority: 0,
        }
    }

    fn cites(handles: &[&str]) -> Vec<String> {
        handles.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn figures_are_read_with_their_sign_precision_and_unit() {
        let read = stated_figures(
            "NPS -12, 1,200 people, 3.45 of 5, 34%, 12 points, a 31-point gap, 7 percent, 18-24, Q3, the 3rd, (−4), 1,2",
        );
        let seen: Vec<(f64, u32, bool, bool)> = read
            .iter()
            .map(|f| (f.value, f.decimals, f.percent, f.points))
            .collect();
        assert_eq!(
            seen,
            [
                (-12.0, 0, false, false),
                (1200.0, 0, false, false),
                (3.45, 2, false, false),
                (5.0, 0, false, false),
                (34.0, 0, true, false),
                (12.0, 0, false, true),
                (31.0, 0, false, true),
                (7.0, 0, true, false),
                (18.0, 0, false, false),
                (24.0, 0, false, false),
                (-4.0, 0, false, false),
                (1.0, 0, false, false),
                (2.0, 0, false, false),
            ]
        );
    }

    #[test]
    fn an_item_keeps_only_figures_its_tables_show_as_written() {
        use FigureKind::*;
        let shown = vec![
            line(
                "Q:q7",
                &[
                    (33.6, Share),
                    (66.4, Share),
                    (60.0, Count),
                    (3.42, Score),
                    (-12.4, Score),
                    (0.004, Statistic),
                ],
                &[
                    "In the last 12 months, where did you buy?",
                    "18-24",
                    "About 50%",
                ],
            ),
            line(
                "X:q7×segment",
                &[
                    (52.4, Share),
                    (21.0, Share),
                    (31.4, Points),
                    (0.01, Statistic),
                ],
                &["Coffee lovers", "Gift buyers"],
            ),
        ];
        let mut shown = shown;
        shown[0].intervals = vec![(28.9, 38.7), (61.3, 71.1)];
        let ids = ["q7"];
        let check =
            |text: &str, tables: &[&str]| check_item(text, &cites(tables), &shown, &ids, false);
        assert!(check("34% would buy", &["Q:q7"]).is_ok());
        assert!(
            check("A mean of 3.4", &["Q:q7"]).is_ok(),
            "3.42 to one decimal"
        );
        assert!(check("An NPS of -12 in Q:q7 (q7)", &["Q:q7"]).is_ok());
        assert!(check("60 respondents aged 18-24 answered", &["Q:q7"]).is_ok());
        assert!(
            check(
                "34% (29–39%) would buy in the last 12 months, where did you buy?",
                &["Q:q7"]
            )
            .is_ok(),
            "an interval's ends beside its share, and the question's own words"
        );
        assert!(
            check(
                "Coffee lovers lead gift buyers by 31 points (52% vs 21%)",
                &["X:q7 x segment"]
            )
            .is_ok()
        );
        let dropped = |text: &str, tables: &[&str]| check(text, tables).unwrap_err();
        assert_eq!(
            dropped("35% would buy", &["Q:q7"]),
            Dropped::Figure("35%".into())
        );
        assert_eq!(
            dropped("A mean of 3.45", &["Q:q7"]),
            Dropped::Figure("3.45".into()),
            "more precision than the table has"
        );
        assert_eq!(
            dropped("An NPS of 12", &["Q:q7"]),
            Dropped::Figure("12".into()),
            "the sign counts"
        );
        assert_eq!(
            dropped("39% would buy", &["Q:q7"]),
            Dropped::Figure("39%".into()),
            "an interval's end is no estimate on its own"
        );
        assert_eq!(
            dropped("7% would switch", &["Q:q7"]),
            Dropped::Figure("7%".into()),
            "the digit of a handle is no figure"
        );
        assert_eq!(
            dropped("0% care", &["Q:q7"]),
            Dropped::Figure("0%".into()),
            "a p-value is no share"
        );
        assert_eq!(
            dropped("52% of coffee lovers", &["Q:q7"]),
            Dropped::Figure("52%".into())
        );
        assert_eq!(
            dropped("34%", &["Q:other"]),
            Dropped::UnknownTable("Q:other".into())
        );
        assert_eq!(
            dropped("34% would buy and 71% would not", &["Q:q7"]),
            Dropped::Figure("71%".into()),
            "the end of another share's interval is no share"
        );
        assert!(check("34% (29%-39%) would buy", &["Q:q7"]).is_ok());
        assert!(check("Most 18-24s would buy", &["Q:q7"]).is_ok());
        assert_eq!(
            dropped("About 50% would buy", &["Q:q7"]),
            Dropped::Figure("50%".into()),
            "a label that states a share does not hide one"
        );
        assert!(check("有34%的人会购买", &["Q:q7"]).is_ok());
        assert_eq!(
            dropped("有35%的人会购买", &["Q:q7"]),
            Dropped::Figure("35%".into()),
            "a figure beside non-Latin letters is still read"
        );
        assert_eq!(
            check_item("12% agree", &cites(&["Q:q7"]), &shown, &["12"], false).unwrap_err(),
            Dropped::Figure("12%".into()),
            "an id that is only a number does not hide a figure"
        );
        assert_eq!(check("34%", &[]).unwrap_err(), Dropped::NoCitation);
        assert_eq!(dropped("  ", &["Q:q7"]), Dropped::Empty);
        assert_eq!(
            check_item("34% would buy", &cites(&["Q:q7"]), &shown, &ids, true).unwrap_err(),
            Dropped::NoCrosstab
        );
    }

    #[test]
    fn a_loose_citation_names_a_table_only_when_one_fits() {
        let shown = vec![
            line("Q:Buy", &[], &[]),
            line("Q:buy", &[], &[]),
            line("X:buy×age", &[], &[]),
        ];
        assert_eq!(
            cited_table("Q:buy", &shown).map(|t| t.table.as_str()),
            Some("Q:buy")
        );
        assert_eq!(cited_table("q:BUY", &shown), None, "two tables fit");
        assert_eq!(
            cited_table("X:buy x age", &shown).map(|t| t.table.as_str()),
            Some("X:buy×age")
        );
    }

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
                &cites(&["Q:q7"]),
                std::slice::from_ref(&shown),
                &[],
                false
            )
            .is_ok()
        );
    }
}
