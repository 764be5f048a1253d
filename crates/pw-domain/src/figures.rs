//! Figures as a text writes them: each number with its sign, precision and unit (percent or
//! percentage points), and whether it opens a range. Every check that holds generated text to
//! stored numbers (survey reports, agents' answers) reads figures the same way.

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
    /// What the figure is written in units of: 1, or 1e3, 1e6, 1e9 when followed by k,
    /// thousand, M, m, million, bn, billion ("1.2M" is 1.2 in millions).
    pub scale: f64,
    /// Written as an amount of money ("$12", "€ 3", "USD 40") or a multiple ("3.1x", "×2"):
    /// never a bare count.
    pub money_or_multiple: bool,
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
        let word = unit
            .split(|c: char| !c.is_alphabetic())
            .next()
            .unwrap_or_default();
        let scale = match (suffix.as_str(), word) {
            ("k", _) | (_, "thousand") => 1e3,
            ("m", _) | (_, "million") => 1e6,
            ("bn", _) | (_, "billion") => 1e9,
            _ => 1.0,
        };
        let before: String = chars[..start]
            .iter()
            .rev()
            .take(5)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let before = before.trim_end_matches([' ', '\u{a0}']);
        let money_or_multiple = before.ends_with(['$', '€', '£', '¥', '×'])
            || before
                .rsplit(' ')
                .next()
                .is_some_and(|w| w.len() == 3 && w.chars().all(|c| c.is_ascii_uppercase()))
            || matches!(suffix.as_str(), "x")
            || after.starts_with(" x ")
            || after.starts_with('×');
        found.push((
            StatedFigure {
                value,
                decimals: decimals.unwrap_or(0),
                percent,
                points,
                joined_to_next: false,
                scale,
                money_or_multiple,
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_scale_and_a_mark_of_money_or_multiple_are_read_with_the_figure() {
        let read = stated_figures("$1.2M, 18k clicks, 3 million people, 2bn, USD 40, 3.1x, 7 ads");
        let seen: Vec<(f64, f64, bool)> = read
            .iter()
            .map(|f| (f.value, f.scale, f.money_or_multiple))
            .collect();
        assert_eq!(
            seen,
            [
                (1.2, 1e6, true),
                (18.0, 1e3, false),
                (3.0, 1e6, false),
                (2.0, 1e9, false),
                (40.0, 1.0, true),
                (3.1, 1.0, true),
                (7.0, 1.0, false),
            ]
        );
    }
}
