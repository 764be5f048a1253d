//! The check a report item is held to against the result tables it cites (see
//! [`crate::analysis_tables`] for how a table keeps its figures, intervals and names): every
//! figure the item writes is read with its sign, precision and unit, the names it repeats state
//! nothing, and each figure must be one of its cited tables', of a kind its unit fits. What it
//! cannot check: which category a figure is said of, and figures in words.

use serde::{Deserialize, Serialize};

use pw_domain::{StatedFigure, stated_figures};

use crate::analysis_tables::{Figure, FigureKind, TableLine};

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
}
