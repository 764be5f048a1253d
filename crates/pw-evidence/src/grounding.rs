//! Checking a model's grounding report against the signals it was given, IO-free: a claim is
//! kept only when it cites at least one of the listed signals and every figure it states is a
//! figure those signals state, in the same unit and, where both give one, the same direction.
//! What the model wrote is never trusted as it came.
//!
//! Figures are read with their unit (percent, percentage points, multiplier, count, money,
//! date), because a bag of digit strings let "95% of buyers" pass on "(95% CI …)", "30 new
//! searches" pass on the date 2026-11-30 and "30%" pass on "30 clicks". The confidence level of
//! an interval is wording, not evidence; the interval's bounds are figures. A claim may round as
//! a writer does: its figure stands when the signal's figure, rounded to the claim's decimals,
//! gives it (2.47% may be written 2.5% or 2%, not 2.53%). Figures a signal implies are derived
//! from what it states ("104% above" is ×2.04, "from 15% to 30%" is ×2 and 15 points, "4.1%, 56%
//! above the 2.7%" is 1.4 points and ×1.52 as well as ×1.56), so "doubled" can be checked like a
//! digit. A derived figure is only as exact as the rounded figures it is worked out from, so it
//! carries their rounding ("2.7%" is 2.65% to 2.75%, "56%" is 55.5% to 56.5%), and a claim's
//! figure stands on it when the two ranges meet. A ratio of two printed figures is the one
//! exception: it is taken as a reader divides them, since a small rounded divisor would let it
//! swing far.

use std::collections::BTreeSet;
use std::ops::Range;

/// A claim as the model wrote it: its text and the handles ("S1") of the signals it cites.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftClaim {
    pub text: String,
    pub cites: Vec<String>,
}

/// A claim that passed: its text and the indices of the signals it cites (into the list the
/// model was given).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedClaim {
    pub text: String,
    pub signals: Vec<usize>,
}

/// Why a claim was dropped.
#[derive(Debug, Clone, PartialEq)]
pub enum Dropped {
    Empty,
    CitesNothing {
        text: String,
    },
    CitesUnknown {
        text: String,
        handle: String,
    },
    /// `number` is the figure as the claim wrote it, with its unit ("95%", "30 (a count)",
    /// "doubled (×2)").
    NumberNotInEvidence {
        text: String,
        number: String,
    },
    /// The cited signals state `number`, but moving the other way: `stated` is the claim's
    /// direction, `cited` the signals'.
    DirectionNotInEvidence {
        text: String,
        number: String,
        stated: String,
        cited: String,
    },
}

impl Dropped {
    /// In words, for the regeneration prompt and the logs.
    pub fn reason(&self) -> String {
        match self {
            Dropped::Empty => "an empty claim".to_owned(),
            Dropped::CitesNothing { text } => format!("“{text}” cites no signal"),
            Dropped::CitesUnknown { text, handle } => {
                format!("“{text}” cites {handle}, which is not in the list")
            }
            Dropped::NumberNotInEvidence { text, number } => {
                format!("“{text}” states {number}, which none of the signals it cites says")
            }
            Dropped::DirectionNotInEvidence {
                text,
                number,
                stated,
                cited,
            } => format!(
                "“{text}” states {number} as {stated}, but the signals it cites give it as {cited}"
            ),
        }
    }
}

/// The handle a signal is listed under in the prompt: short, so small models copy it exactly.
pub fn handle(index: usize) -> String {
    format!("S{}", index + 1)
}

fn index_of(handle: &str) -> Option<usize> {
    let trimmed = handle.trim().trim_matches(|c| c == '[' || c == ']');
    let digits = trimmed
        .strip_prefix('S')
        .or_else(|| trimmed.strip_prefix('s'))?;
    digits.parse::<usize>().ok()?.checked_sub(1)
}

/// Checks `claims` against the `evidence` texts the model was given (each signal's statement,
/// by index). Returns the kept claims and why the others were dropped.
pub fn check_claims(
    claims: &[DraftClaim],
    evidence: &[String],
) -> (Vec<CheckedClaim>, Vec<Dropped>) {
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    'claims: for claim in claims {
        let text = claim.text.trim();
        if text.is_empty() {
            dropped.push(Dropped::Empty);
            continue;
        }
        if claim.cites.is_empty() {
            dropped.push(Dropped::CitesNothing {
                text: text.to_owned(),
            });
            continue;
        }
        let mut signals = BTreeSet::new();
        for cite in &claim.cites {
            match index_of(cite).filter(|i| *i < evidence.len()) {
                Some(index) => {
                    signals.insert(index);
                }
                None => {
                    dropped.push(Dropped::CitesUnknown {
                        text: text.to_owned(),
                        handle: cite.clone(),
                    });
                    continue 'claims;
                }
            }
        }
        let stated: Vec<Figure> = signals
            .iter()
            .flat_map(|&i| evidence_figures(&evidence[i]))
            .collect();
        if let Some(problem) = figures(text)
            .iter()
            .find_map(|figure| unsupported(text, figure, &stated))
        {
            dropped.push(problem);
            continue;
        }
        kept.push(CheckedClaim {
            text: text.to_owned(),
            signals: signals.into_iter().collect(),
        });
    }
    (kept, dropped)
}

/// Why `figure` (from the claim `text`) is not supported by the `stated` figures, if it is not.
fn unsupported(text: &str, figure: &Figure, stated: &[Figure]) -> Option<Dropped> {
    let matching: Vec<&Figure> = stated
        .iter()
        .filter(|evidence| figure.quantity.is_given_by(&evidence.quantity))
        .collect();
    if matching.is_empty() {
        return Some(Dropped::NumberNotInEvidence {
            text: text.to_owned(),
            number: figure.described(),
        });
    }
    let claimed = figure.direction?;
    // A figure the signals state without a direction, or in both, cannot be contradicted.
    let contradicted = matching
        .iter()
        .all(|evidence| evidence.direction == Some(claimed.opposite()));
    contradicted.then(|| Dropped::DirectionNotInEvidence {
        text: text.to_owned(),
        number: figure.written.clone(),
        stated: claimed.in_words().to_owned(),
        cited: claimed.opposite().in_words().to_owned(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Percent,
    PercentagePoints,
    Multiplier,
    Count,
    /// Keyed by the currency symbol, so dollars never support euros.
    Money(char),
}

/// A figure's value in one unit, and how far off it may be and still be what was written: half
/// a unit in the last place written ("2.5%" covers 2.45% to 2.55%). For a figure derived from a
/// signal's statement it is the rounding carried over from the figures it was worked out from;
/// for one the statement shows it is zero (see `Figure::into_shown`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Amount {
    unit: Unit,
    value: f64,
    tolerance: f64,
}

impl Amount {
    /// Whether the claim's figure (`self`) and the signal's (`evidence`) may be the same value:
    /// the ranges their roundings allow meet.
    fn given_by(&self, evidence: &Amount) -> bool {
        // A little slack for binary fractions, so a tie rounds either way as writers do.
        let slack = 1e-9 * self.value.abs().max(1.0);
        self.unit == evidence.unit
            && (self.value - evidence.value).abs() <= self.tolerance + evidence.tolerance + slack
    }
}

/// A value known to within ± `tolerance`, for working out what a signal's rounded figures imply
/// without claiming more precision than they have. Each operation but division gives a range
/// that holds every result of values within its inputs' ranges.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rounded {
    value: f64,
    tolerance: f64,
}

impl Rounded {
    fn of(amount: Amount) -> Rounded {
        Rounded {
            value: amount.value,
            tolerance: amount.tolerance,
        }
    }

    fn as_amount(self, unit: Unit) -> Amount {
        Amount {
            unit,
            value: self.value,
            tolerance: self.tolerance,
        }
    }

    fn scaled(self, factor: f64) -> Rounded {
        Rounded {
            value: self.value * factor,
            tolerance: self.tolerance * factor.abs(),
        }
    }

    fn shifted(self, offset: f64) -> Rounded {
        Rounded {
            value: self.value + offset,
            ..self
        }
    }

    /// The size of the value: a range around zero keeps its width, which still covers it.
    fn magnitude(self) -> Rounded {
        Rounded {
            value: self.value.abs(),
            ..self
        }
    }

    fn minus(self, other: Rounded) -> Rounded {
        Rounded {
            value: self.value - other.value,
            tolerance: self.tolerance + other.tolerance,
        }
    }

    fn times(self, other: Rounded) -> Rounded {
        Rounded {
            value: self.value * other.value,
            tolerance: self.value.abs() * other.tolerance
                + other.value.abs() * self.tolerance
                + self.tolerance * other.tolerance,
        }
    }

    /// The quotient as a reader works it out from the printed figures, which a claim may round
    /// but not stretch: it does not carry the inputs' rounding, since dividing by a small
    /// rounded share swings far ("from 15% to 30%" could be ×1.90 to ×2.10, so "95%" would
    /// stand on what the signal prints as a doubling). None when the divisor is not positive.
    fn divided_by(self, divisor: Rounded) -> Option<Rounded> {
        (divisor.value > 0.0).then(|| Rounded {
            value: self.value / divisor.value,
            tolerance: 0.0,
        })
    }

    fn meets(self, other: Rounded) -> bool {
        let slack = 1e-9 * self.value.abs().max(1.0);
        (self.value - other.value).abs() <= self.tolerance + other.tolerance + slack
    }
}

/// A date as precise as it was written: a year, a month of a year, or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CalendarDate {
    year: Option<i64>,
    month: Option<u32>,
    day: Option<u32>,
}

impl CalendarDate {
    /// Whether `evidence` names this date: every part written here is a part it states.
    fn is_within(&self, evidence: &CalendarDate) -> bool {
        let part_agrees =
            |claimed: Option<i64>, stated: Option<i64>| claimed.is_none() || claimed == stated;
        part_agrees(self.year, evidence.year)
            && part_agrees(self.month.map(i64::from), evidence.month.map(i64::from))
            && part_agrees(self.day.map(i64::from), evidence.day.map(i64::from))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Quantity {
    /// One or more readings of the same words: "half" is 50% of a whole or ×0.5 of a rate, and
    /// either being stated supports it.
    Amounts(Vec<Amount>),
    Date(CalendarDate),
}

impl Quantity {
    fn is_given_by(&self, evidence: &Quantity) -> bool {
        match (self, evidence) {
            (Quantity::Amounts(readings), Quantity::Amounts(stated)) => readings
                .iter()
                .any(|reading| stated.iter().any(|amount| reading.given_by(amount))),
            (Quantity::Date(date), Quantity::Date(stated)) => date.is_within(stated),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Up,
    Down,
}

impl Direction {
    fn opposite(self) -> Direction {
        match self {
            Direction::Up => Direction::Down,
            Direction::Down => Direction::Up,
        }
    }

    fn in_words(self) -> &'static str {
        match self {
            Direction::Up => "a rise or lead",
            Direction::Down => "a fall or shortfall",
        }
    }
}

/// A figure a text states, as read from it.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    quantity: Quantity,
    direction: Option<Direction>,
    /// The words it was read from, for a reason a person (or the model) can act on.
    written: String,
    /// The tokens it was read from.
    tokens: Range<usize>,
}

impl Figure {
    /// What the claim stated, with its unit where the words alone hide it.
    fn described(&self) -> String {
        match &self.quantity {
            Quantity::Date(_) => format!("{} (a date)", self.written),
            Quantity::Amounts(readings) => match readings.as_slice() {
                [only] if only.unit == Unit::Count => format!("{} (a count)", self.written),
                [only]
                    if only.unit == Unit::PercentagePoints
                        && !self.written.contains("point")
                        && !self.written.contains("pp") =>
                {
                    format!("{} (a change of {} points)", self.written, only.value)
                }
                [only]
                    if only.unit == Unit::Multiplier
                        && !self.written.chars().any(|c| c.is_ascii_digit()) =>
                {
                    format!("{} (×{})", self.written, only.value)
                }
                _ => self.written.clone(),
            },
        }
    }

    fn single_amount(&self) -> Option<Amount> {
        match &self.quantity {
            Quantity::Amounts(readings) if readings.len() == 1 => readings.first().copied(),
            _ => None,
        }
    }

    /// The figure as a signal's reader sees it: exactly what is printed. A claim may round it,
    /// but not add digits the signal does not show ("2.53%" on "2.5%"), so a figure the
    /// statement shows brings no rounding of its own to the comparison.
    fn into_shown(mut self) -> Figure {
        if let Quantity::Amounts(readings) = &mut self.quantity {
            for reading in readings {
                reading.tolerance = 0.0;
            }
        }
        self
    }

    fn derived(amount: Amount, direction: Option<Direction>, from: &Figure) -> Figure {
        Figure {
            quantity: Quantity::Amounts(vec![amount]),
            direction,
            written: from.written.clone(),
            tokens: from.tokens.clone(),
        }
    }
}

/// A number as written: its value, and the place of its last written digit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Numeral {
    value: f64,
    /// Half a unit in the last written place: 0.05 for "2.5", 50,000 for "1.2M".
    tolerance: f64,
    /// Spelled out ("three"): read as exact at the precision a reader assumes.
    spelled: bool,
    /// "30th": a rank or a day, never an amount.
    ordinal: bool,
    /// Digits only: no decimals, separators or scale, so it may be a day of a month.
    plain_integer: bool,
    /// Four plain digits, so it may be a year.
    year_shaped: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Number(Numeral),
    /// Lowercased; `capitalised` keeps whether it began with a capital, for month names.
    Word {
        lower: String,
        capitalised: bool,
    },
    IsoDate(CalendarDate),
    Currency(char),
    /// Punctuation or a conjunction that ends a clause.
    Boundary,
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    /// Byte offsets into the text.
    span: Range<usize>,
}

impl Token {
    fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word { lower, .. } => Some(lower),
            _ => None,
        }
    }

    fn numeral(&self) -> Option<Numeral> {
        match self.kind {
            TokenKind::Number(numeral) => Some(numeral),
            _ => None,
        }
    }
}

const SPELLED_NUMBERS: [&str; 20] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Conjunctions that start a new clause, so "A grew 30% while B fell" keeps the directions apart.
const CLAUSE_CONJUNCTIONS: [&str; 5] = ["but", "while", "whereas", "although", "though"];

/// The fixed direction words: few, so what a claim may say is predictable.
const UP_WORDS: [&str; 30] = [
    "above",
    "higher",
    "more",
    "greater",
    "larger",
    "bigger",
    "wins",
    "win",
    "won",
    "winning",
    "outperforms",
    "outperformed",
    "beats",
    "ahead",
    "exceeds",
    "rose",
    "rises",
    "risen",
    "rising",
    "grew",
    "grows",
    "grown",
    "growing",
    "increased",
    "increases",
    "increase",
    "gained",
    "gains",
    "up",
    "climbed",
];
const DOWN_WORDS: [&str; 30] = [
    "below",
    "lower",
    "less",
    "fewer",
    "smaller",
    "trails",
    "trail",
    "trailed",
    "trailing",
    "underperforms",
    "underperformed",
    "lags",
    "lagged",
    "behind",
    "fell",
    "falls",
    "fallen",
    "falling",
    "declined",
    "declines",
    "decline",
    "dropped",
    "drops",
    "decreased",
    "decreases",
    "decrease",
    "shrank",
    "shrunk",
    "down",
    "lost",
];

/// Words a relative difference is stated with: "25% above the 2.0%" is ×1.25 of it.
const LIFT_UP: [&str; 4] = ["above", "higher", "more", "greater"];
const LIFT_DOWN: [&str; 4] = ["below", "lower", "less", "fewer"];

/// Words before a figure that make it the thing compared against ("above the 2.0%", "than 2%",
/// "from 15%"), which the comparison's direction does not describe.
const REFERENCE_MARKERS: [&str; 6] = ["the", "than", "from", "vs", "versus", "against"];

/// Words before a four-digit number that make it a year.
const YEAR_CONTEXT: [&str; 10] = [
    "in",
    "since",
    "during",
    "until",
    "till",
    "through",
    "throughout",
    "before",
    "after",
    "between",
];

/// Parts of a year: "of" after them makes a four-digit number a year ("half of 2026").
const PERIODS: [&str; 12] = [
    "half",
    "quarter",
    "start",
    "beginning",
    "middle",
    "end",
    "spring",
    "summer",
    "autumn",
    "fall",
    "winter",
    "rest",
];

/// Words that say a percentage is a confidence level ("95% CI"), not a figure.
const CONFIDENCE_WORDS: [&str; 3] = ["ci", "confidence", "credible"];

fn direction_of(word: &str) -> Option<Direction> {
    if UP_WORDS.contains(&word) {
        Some(Direction::Up)
    } else if DOWN_WORDS.contains(&word) {
        Some(Direction::Down)
    } else {
        None
    }
}

/// A month's number from its name or a short form ("Sep", "Sept"); `month_date` accepts short
/// forms only beside a day or a year, where they cannot be other words.
fn month_number(word: &str) -> Option<u32> {
    let full = MONTHS.iter().position(|m| *m == word);
    let short = || {
        MONTHS
            .iter()
            .position(|m| word.len() >= 3 && m.starts_with(word))
    };
    full.or_else(short).and_then(|i| u32::try_from(i + 1).ok())
}

/// Splits `text` into numbers, words, ISO dates, currency symbols and clause boundaries.
fn tokens(text: &str) -> Vec<Token> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let offset = |i: usize| chars.get(i).map_or(text.len(), |(at, _)| *at);
    let char_at = |i: usize| chars.get(i).map(|(_, c)| *c);
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(c) = char_at(i) {
        let start = i;
        if c.is_ascii_digit() {
            if let Some((date, end)) = iso_date(&chars, i) {
                found.push(Token {
                    kind: TokenKind::IsoDate(date),
                    span: offset(start)..offset(end),
                });
                i = end;
                continue;
            }
            let (numeral, end) = numeral(&chars, i);
            i = end;
            // Letters straight after the digits: a suffix, or the number is part of a name.
            let mut letters_end = i;
            while char_at(letters_end).is_some_and(char::is_alphanumeric) {
                letters_end += 1;
            }
            let letters: String = chars[i..letters_end].iter().map(|(_, c)| *c).collect();
            let scaled = |scale: f64| Numeral {
                value: numeral.value * scale,
                tolerance: numeral.tolerance * scale,
                plain_integer: false,
                year_shaped: false,
                ..numeral
            };
            let (kept, suffix) = match letters.as_str() {
                "" => (Some(numeral), None),
                "k" | "K" => (Some(scaled(1e3)), None),
                "M" | "m" | "mn" => (Some(scaled(1e6)), None),
                "bn" | "B" => (Some(scaled(1e9)), None),
                "x" | "X" => (Some(numeral), Some("×")),
                "pp" | "pts" => (Some(numeral), Some("pp")),
                "st" | "nd" | "rd" | "th" => (
                    Some(Numeral {
                        ordinal: true,
                        ..numeral
                    }),
                    None,
                ),
                _ => (None, None),
            };
            match kept {
                Some(numeral) => {
                    found.push(Token {
                        kind: TokenKind::Number(numeral),
                        span: offset(start)..offset(i),
                    });
                    if let Some(suffix) = suffix {
                        found.push(Token {
                            kind: TokenKind::Word {
                                lower: suffix.to_owned(),
                                capitalised: false,
                            },
                            span: offset(i)..offset(letters_end),
                        });
                    }
                }
                // "24h", "4K" screens: an identifier, not a figure.
                None => found.push(Token {
                    kind: TokenKind::Word {
                        lower: text[offset(start)..offset(letters_end)].to_lowercase(),
                        capitalised: false,
                    },
                    span: offset(start)..offset(letters_end),
                }),
            }
            i = letters_end;
        } else if c.is_alphabetic() {
            // Letters, digits inside a word ("S1", "Q3") and apostrophes; a hyphen splits
            // "two-thirds" into the words it is read as.
            while char_at(i).is_some_and(|c| c.is_alphanumeric() || c == '\'' || c == '’') {
                i += 1;
            }
            let written = &text[offset(start)..offset(i)];
            let lower = written.to_lowercase();
            let kind = if let Some(position) = SPELLED_NUMBERS.iter().position(|n| *n == lower) {
                TokenKind::Number(Numeral {
                    value: (position + 1) as f64,
                    tolerance: 0.5,
                    spelled: true,
                    ordinal: false,
                    plain_integer: false,
                    year_shaped: false,
                })
            } else if CLAUSE_CONJUNCTIONS.contains(&lower.as_str()) {
                TokenKind::Boundary
            } else {
                TokenKind::Word {
                    capitalised: written.chars().next().is_some_and(char::is_uppercase),
                    lower,
                }
            };
            found.push(Token {
                kind,
                span: offset(start)..offset(i),
            });
        } else {
            i += 1;
            let kind = match c {
                '%' => Some(TokenKind::Word {
                    lower: "%".to_owned(),
                    capitalised: false,
                }),
                '×' => Some(TokenKind::Word {
                    lower: "×".to_owned(),
                    capitalised: false,
                }),
                '$' | '€' | '£' | '¥' => Some(TokenKind::Currency(c)),
                ',' | ';' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '.' | '!' | '?' | '\n' => {
                    Some(TokenKind::Boundary)
                }
                _ => None,
            };
            if let Some(kind) = kind {
                found.push(Token {
                    kind,
                    span: offset(start)..offset(i),
                });
            }
        }
    }
    found
}

fn digits_at(chars: &[(usize, char)], from: usize) -> usize {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|(_, c)| c.is_ascii_digit())
        .count()
}

fn number_from(chars: &[(usize, char)], range: Range<usize>) -> Option<i64> {
    chars
        .get(range)?
        .iter()
        .map(|(_, c)| *c)
        .collect::<String>()
        .parse()
        .ok()
}

/// "2026-09-30" or "2026-09" at `start`, and where it ends.
fn iso_date(chars: &[(usize, char)], start: usize) -> Option<(CalendarDate, usize)> {
    let is = |i: usize, wanted: char| chars.get(i).is_some_and(|(_, c)| *c == wanted);
    if digits_at(chars, start) != 4 || !is(start + 4, '-') || digits_at(chars, start + 5) != 2 {
        return None;
    }
    let year = number_from(chars, start..start + 4)?;
    let month = u32::try_from(number_from(chars, start + 5..start + 7)?).ok()?;
    let (day, end) = if is(start + 7, '-') && digits_at(chars, start + 8) == 2 {
        let day = u32::try_from(number_from(chars, start + 8..start + 10)?).ok()?;
        (Some(day), start + 10)
    } else {
        (None, start + 7)
    };
    let valid = (1..=12).contains(&month) && day.is_none_or(|d| (1..=31).contains(&d));
    let ends_cleanly = !chars.get(end).is_some_and(|(_, c)| c.is_ascii_digit());
    (valid && ends_cleanly).then_some((
        CalendarDate {
            year: Some(year),
            month: Some(month),
            day,
        },
        end,
    ))
}

/// The number at `start` ("48,210", "2.50"), normalised, and where it ends. A comma groups
/// thousands only before exactly three digits; a full stop is a decimal point only before a
/// digit, so a sentence's full stop is not read as one.
fn numeral(chars: &[(usize, char)], start: usize) -> (Numeral, usize) {
    let mut digits = String::new();
    let mut decimals: Option<i32> = None;
    let mut grouped = false;
    let mut i = start;
    while let Some((_, c)) = chars.get(i) {
        let c = *c;
        if c.is_ascii_digit() {
            digits.push(c);
            if let Some(places) = decimals.as_mut() {
                *places += 1;
            }
            i += 1;
        } else if c == ',' && decimals.is_none() && digits_at(chars, i + 1) == 3 {
            grouped = true;
            i += 1;
        } else if c == '.' && decimals.is_none() && digits_at(chars, i + 1) > 0 {
            digits.push('.');
            decimals = Some(0);
            i += 1;
        } else {
            break;
        }
    }
    let places = decimals.unwrap_or(0);
    let value = digits.parse::<f64>().unwrap_or(0.0);
    let plain_integer = !grouped && decimals.is_none();
    (
        Numeral {
            value,
            tolerance: 0.5 * 10f64.powi(-places),
            spelled: false,
            ordinal: false,
            plain_integer,
            year_shaped: plain_integer && digits.len() == 4,
        },
        i,
    )
}

/// The figures a claim states, each with the direction its clause gives it, and the change of
/// points any "from A% to B%" in it states.
fn figures(text: &str) -> Vec<Figure> {
    let tokens = tokens(text);
    let mut found = stated_figures(text, &tokens);
    let changes = share_change_points(text, &tokens, &found);
    found.extend(changes);
    found
}

/// The figures a signal's statement gives: what it shows, exactly as printed, and what that
/// implies (a lift as a multiplier and points, a change between two shares as points, a
/// multiplier and a relative change), within the rounding of what it was worked out from.
fn evidence_figures(text: &str) -> Vec<Figure> {
    let tokens = tokens(text);
    let stated = stated_figures(text, &tokens);
    let mut all = implied_by_evidence(text, &tokens, &stated);
    all.extend(stated.into_iter().map(Figure::into_shown));
    all
}

fn stated_figures(text: &str, tokens: &[Token]) -> Vec<Figure> {
    let mut consumed = vec![false; tokens.len()];
    let mut found = Vec::new();
    // Month-name dates first, so their day and year are not read as counts.
    for at in 0..tokens.len() {
        if let Some(figure) = month_date(text, tokens, at) {
            for index in figure.tokens.clone() {
                if let Some(used) = consumed.get_mut(index) {
                    *used = true;
                }
            }
            found.push(figure);
        }
    }
    let mut at = 0;
    while at < tokens.len() {
        if consumed.get(at).copied().unwrap_or(true) {
            at += 1;
            continue;
        }
        match read_figure(text, tokens, at) {
            Read::Figure(figure) => {
                at = figure.tokens.end.max(at + 1);
                found.push(figure);
            }
            Read::Skip(end) => at = end.max(at + 1),
        }
    }
    let sentence = agreed((0..tokens.len()).filter_map(|at| movement_at(tokens, at)));
    for figure in &mut found {
        figure.direction = clause_direction(tokens, figure, sentence);
    }
    found.sort_by_key(|figure| figure.tokens.start);
    found
}

/// "From A% to B%" states a change of points, which must be the signals' too, so "fell from 30%
/// to 15%" does not stand on "grew from 15% to 30%". Each share may be rounded, so the points
/// may be off by both roundings.
fn share_change_points(text: &str, tokens: &[Token], stated: &[Figure]) -> Vec<Figure> {
    share_changes(tokens, stated)
        .into_iter()
        .map(|change| {
            let points = Rounded::of(change.to)
                .minus(Rounded::of(change.from))
                .magnitude()
                .as_amount(Unit::PercentagePoints);
            let direction = change.direction();
            change_figure(text, tokens, points, direction, change.tokens)
        })
        .collect()
}

/// What reading the tokens at one position gave.
enum Read {
    Figure(Figure),
    /// Not a figure (a confidence level, a rank, a pronoun); reading resumes at this token.
    Skip(usize),
}

fn word_at(tokens: &[Token], at: Option<usize>) -> Option<&str> {
    tokens.get(at?)?.word()
}

fn figure_from(text: &str, tokens: &[Token], range: Range<usize>, readings: Vec<Amount>) -> Read {
    Read::Figure(Figure {
        quantity: Quantity::Amounts(readings),
        direction: None,
        written: written(text, tokens, &range),
        tokens: range,
    })
}

fn written(text: &str, tokens: &[Token], range: &Range<usize>) -> String {
    let start = tokens.get(range.start).map_or(0, |t| t.span.start);
    let end = range
        .end
        .checked_sub(1)
        .and_then(|last| tokens.get(last))
        .map_or(start, |t| t.span.end);
    text.get(start..end).unwrap_or_default().to_owned()
}

/// "half" read as a share of a whole (50%) or as a multiplier of a rate (×0.5); either being
/// stated supports it. Spelled fractions are read to a whole percent and one decimal of ×.
fn fraction_readings(fraction: f64) -> Vec<Amount> {
    vec![
        Amount {
            unit: Unit::Percent,
            value: fraction * 100.0,
            tolerance: 0.5,
        },
        Amount {
            unit: Unit::Multiplier,
            value: fraction,
            tolerance: 0.05,
        },
    ]
}

/// A multiplier in words ("twice", "tripled") is read as exact to one decimal (×2.0), as a
/// reader takes it: "doubled" is not ×1.6.
fn multiplier_word(word: &str) -> Option<f64> {
    match word {
        "twice" | "double" | "doubled" | "doubles" | "doubling" => Some(2.0),
        "triple" | "tripled" | "triples" | "tripling" | "treble" | "trebled" => Some(3.0),
        "quadruple" | "quadrupled" | "quadruples" => Some(4.0),
        "halve" | "halved" | "halves" | "halving" => Some(0.5),
        _ => None,
    }
}

fn fraction_denominator(word: &str) -> Option<f64> {
    match word {
        "half" | "halves" => Some(2.0),
        "third" | "thirds" => Some(3.0),
        "quarter" | "quarters" => Some(4.0),
        "fifth" | "fifths" => Some(5.0),
        _ => None,
    }
}

fn read_figure(text: &str, tokens: &[Token], at: usize) -> Read {
    let Some(token) = tokens.get(at) else {
        return Read::Skip(at + 1);
    };
    let previous = at.checked_sub(1);
    match &token.kind {
        TokenKind::IsoDate(date) => Read::Figure(Figure {
            quantity: Quantity::Date(*date),
            direction: None,
            written: written(text, tokens, &(at..at + 1)),
            tokens: at..at + 1,
        }),
        TokenKind::Word { lower, .. } => {
            if let Some(multiplier) = multiplier_word(lower) {
                return figure_from(
                    text,
                    tokens,
                    at..at + 1,
                    vec![Amount {
                        unit: Unit::Multiplier,
                        value: multiplier,
                        tolerance: 0.05,
                    }],
                );
            }
            let next = word_at(tokens, Some(at + 1));
            let before = word_at(tokens, previous);
            if lower == "half" {
                // "half of", "half the", "half as", "by half", "in half"; not "the second half".
                let ordinal_before = matches!(before, Some("first" | "second" | "last" | "latter"));
                let as_amount = matches!(next, Some("of" | "the" | "as"))
                    || matches!(before, Some("by" | "in"));
                if as_amount && !ordinal_before {
                    return figure_from(text, tokens, at..at + 1, fraction_readings(0.5));
                }
                return Read::Skip(at + 1);
            }
            // "a third of", "by a quarter": otherwise "a quarter" is a span of time.
            if let Some(denominator) = fraction_denominator(lower)
                && before == Some("a")
                && (next == Some("of") || word_at(tokens, at.checked_sub(2)) == Some("by"))
            {
                let start = previous.unwrap_or(at);
                return figure_from(
                    text,
                    tokens,
                    start..at + 1,
                    fraction_readings(1.0 / denominator),
                );
            }
            Read::Skip(at + 1)
        }
        TokenKind::Number(numeral) => read_number(text, tokens, at, *numeral),
        TokenKind::Currency(_) | TokenKind::Boundary => Read::Skip(at + 1),
    }
}

fn read_number(text: &str, tokens: &[Token], at: usize, numeral: Numeral) -> Read {
    if numeral.ordinal {
        return Read::Skip(at + 1);
    }
    let mut end = at + 1;
    let mut value = numeral.value;
    let mut tolerance = numeral.tolerance;
    let scale = match word_at(tokens, Some(end)) {
        Some("thousand") => Some(1e3),
        Some("million") => Some(1e6),
        Some("billion") => Some(1e9),
        _ => None,
    };
    if let Some(scale) = scale {
        value *= scale;
        tolerance *= scale;
        end += 1;
    }
    let next = word_at(tokens, Some(end));
    let after_next = word_at(tokens, Some(end + 1));
    let (unit, unit_words) = match (next, after_next) {
        (Some("%" | "percent"), _) => (Some(Unit::Percent), 1),
        (Some("per"), Some("cent")) => (Some(Unit::Percent), 2),
        (Some("percentage"), Some("point" | "points")) => (Some(Unit::PercentagePoints), 2),
        (Some("pp" | "pts" | "points"), _) => (Some(Unit::PercentagePoints), 1),
        (Some("×" | "times" | "fold"), _) => (Some(Unit::Multiplier), 1),
        (Some("dollars" | "usd"), _) => (Some(Unit::Money('$')), 1),
        (Some("euros" | "eur"), _) => (Some(Unit::Money('€')), 1),
        (Some("pounds" | "gbp"), _) => (Some(Unit::Money('£')), 1),
        _ => (None, 0),
    };
    // "two-thirds", "three quarters of": a share of a whole or a multiplier.
    if unit.is_none()
        && (numeral.plain_integer || numeral.spelled)
        && let Some(denominator) = next.and_then(fraction_denominator)
        && (!matches!(next, Some("quarter" | "quarters")) || after_next == Some("of"))
    {
        return figure_from(
            text,
            tokens,
            at..end + 1,
            fraction_readings(value / denominator),
        );
    }
    end += unit_words;
    // "95% CI", "95% confidence": the interval's level, which no claim may borrow.
    if unit == Some(Unit::Percent)
        && word_at(tokens, Some(end)).is_some_and(|w| CONFIDENCE_WORDS.contains(&w))
    {
        return Read::Skip(end + 1);
    }
    let currency = at.checked_sub(1).and_then(|i| match tokens.get(i)?.kind {
        TokenKind::Currency(symbol) => Some(symbol),
        _ => None,
    });
    let start = if currency.is_some() { at - 1 } else { at };
    let unit = match (unit, currency) {
        (Some(unit), _) => unit,
        (None, Some(symbol)) => Unit::Money(symbol),
        (None, None) => {
            // "one" is mostly a pronoun ("one of the creatives"); it counts only with a unit.
            if numeral.spelled && value == 1.0 {
                return Read::Skip(end);
            }
            let before = word_at(tokens, at.checked_sub(1));
            // "in 2026", "Q3 2026", "the second half of 2026".
            let year_context = before.is_some_and(|w| {
                YEAR_CONTEXT.contains(&w) || matches!(w, "q1" | "q2" | "q3" | "q4" | "h1" | "h2")
            }) || (before == Some("of")
                && word_at(tokens, at.checked_sub(2)).is_some_and(|w| PERIODS.contains(&w)));
            if numeral.year_shaped && (1900.0..=2100.0).contains(&value) && year_context {
                return Read::Figure(Figure {
                    quantity: Quantity::Date(CalendarDate {
                        year: Some(value as i64),
                        month: None,
                        day: None,
                    }),
                    direction: None,
                    written: written(text, tokens, &(start..end)),
                    tokens: start..end,
                });
            }
            Unit::Count
        }
    };
    // A multiplier without decimals ("three times", "2x", "2 times") is exact to one decimal, like
    // "twice": a reader takes "2x" as double, not ×1.52, so half a unit would let it stand on a
    // 52% lift.
    if unit == Unit::Multiplier && (numeral.spelled || numeral.plain_integer) {
        tolerance = 0.05;
    }
    figure_from(
        text,
        tokens,
        start..end,
        vec![Amount {
            unit,
            value,
            tolerance,
        }],
    )
}

/// A date written with a month's name: "30 September 2026", "September 30, 2026",
/// "30th of September", "September 2026", "September". Abbreviations and "May" count only
/// beside a day or a year, since alone they are usually other words.
fn month_date(text: &str, tokens: &[Token], at: usize) -> Option<Figure> {
    let TokenKind::Word {
        lower,
        capitalised: true,
    } = &tokens.get(at)?.kind
    else {
        return None;
    };
    let month = month_number(lower)?;
    let is_day = |index: Option<usize>| {
        index
            .and_then(|i| tokens.get(i)?.numeral())
            .filter(|n| n.plain_integer && (1.0..=31.0).contains(&n.value))
            .map(|n| n.value as u32)
    };
    let is_year = |index: usize| {
        tokens
            .get(index)?
            .numeral()
            .filter(|n| n.year_shaped && (1900.0..=2100.0).contains(&n.value))
            .map(|n| n.value as i64)
    };
    let mut start = at;
    let mut day = None;
    if let Some(found) = is_day(at.checked_sub(1)) {
        day = Some(found);
        start = at - 1;
    } else if word_at(tokens, at.checked_sub(1)) == Some("of")
        && let Some(found) = is_day(at.checked_sub(2))
    {
        day = Some(found);
        start = at - 2;
    }
    let mut end = at + 1;
    if day.is_none()
        && let Some(found) = is_day(Some(end))
    {
        day = Some(found);
        end += 1;
    }
    let comma = tokens
        .get(end)
        .is_some_and(|t| t.kind == TokenKind::Boundary && text.get(t.span.clone()) == Some(","));
    let year_at = if comma { end + 1 } else { end };
    let year = is_year(year_at);
    if year.is_some() {
        end = year_at + 1;
    }
    let is_full_name = MONTHS.contains(&lower.as_str()) && lower != "may";
    if day.is_none() && year.is_none() && !is_full_name {
        return None;
    }
    Some(Figure {
        quantity: Quantity::Date(CalendarDate {
            year,
            month: Some(month),
            day,
        }),
        direction: None,
        written: written(text, tokens, &(start..end)),
        tokens: start..end,
    })
}

/// The direction a movement word at token `at` gives, unless it names a bound or a limit:
/// "up to 3.5M" and "lower bound" are not movements.
fn movement_at(tokens: &[Token], at: usize) -> Option<Direction> {
    let word = word_at(tokens, Some(at))?;
    let next = word_at(tokens, Some(at + 1));
    let names_a_bound = (word == "up" && next == Some("to"))
        || matches!(next, Some("bound" | "bounds" | "limit" | "end"));
    if names_a_bound {
        None
    } else {
        direction_of(word)
    }
}

/// The one direction `directions` agree on; none when there are none or they disagree.
fn agreed(mut directions: impl Iterator<Item = Direction>) -> Option<Direction> {
    let first = directions.next()?;
    directions.all(|d| d == first).then_some(first)
}

/// Whether the figure starting at `figure_start` is what the movement word at `word` is
/// measured against: a marker ("than", "the", "from") lies between them and belongs to this
/// figure, not to another one in between ("grew from 15% to 30%": 15% is, 30% is not).
fn is_compared_against(tokens: &[Token], word: usize, figure_start: usize) -> bool {
    for token in tokens
        .get(word + 1..figure_start)
        .unwrap_or_default()
        .iter()
        .rev()
    {
        match &token.kind {
            TokenKind::Number(_) | TokenKind::IsoDate(_) => return false,
            TokenKind::Word { lower, .. } if REFERENCE_MARKERS.contains(&lower.as_str()) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// The direction the clause around `figure` gives it: the fixed up and down words in that
/// clause, when they agree, leaving out those the figure is measured against ("above the
/// 2.0%"). A share or rate in a clause without such words takes the sentence's direction
/// (`sentence`), as in "wins …: a click rate of 2.5%". Dates never have one.
fn clause_direction(
    tokens: &[Token],
    figure: &Figure,
    sentence: Option<Direction>,
) -> Option<Direction> {
    if matches!(figure.quantity, Quantity::Date(_)) {
        return None;
    }
    if word_at(tokens, figure.tokens.start.checked_sub(1))
        .is_some_and(|w| REFERENCE_MARKERS.contains(&w))
    {
        return None;
    }
    let is_boundary = |t: &Token| t.kind == TokenKind::Boundary;
    let clause_start = tokens
        .get(..figure.tokens.start)
        .unwrap_or_default()
        .iter()
        .rposition(is_boundary)
        .map_or(0, |i| i + 1);
    let clause_end = tokens
        .iter()
        .enumerate()
        .skip(figure.tokens.end)
        .find(|(_, t)| is_boundary(t))
        .map_or(tokens.len(), |(i, _)| i);
    let movements: Vec<(usize, Direction)> = (clause_start..clause_end)
        .filter(|i| !figure.tokens.contains(i))
        .filter_map(|i| movement_at(tokens, i).map(|d| (i, d)))
        .collect();
    if movements.is_empty() {
        let is_share = figure
            .single_amount()
            .is_some_and(|a| a.unit == Unit::Percent);
        return if is_share { sentence } else { None };
    }
    agreed(
        movements
            .into_iter()
            .filter(|(at, _)| {
                *at >= figure.tokens.end || !is_compared_against(tokens, *at, figure.tokens.start)
            })
            .map(|(_, direction)| direction),
    )
}

/// A change "from A% to B%" in one clause: the two shares and the tokens they span.
struct ShareChange {
    from: Amount,
    to: Amount,
    tokens: Range<usize>,
}

impl ShareChange {
    fn direction(&self) -> Option<Direction> {
        if self.to.value > self.from.value {
            Some(Direction::Up)
        } else if self.to.value < self.from.value {
            Some(Direction::Down)
        } else {
            None
        }
    }
}

/// The changes "from A% to B%" among `figures` (in reading order).
fn share_changes(tokens: &[Token], figures: &[Figure]) -> Vec<ShareChange> {
    figures
        .windows(2)
        .filter_map(|pair| {
            let [from, to] = pair else { return None };
            let from_amount = from.single_amount().filter(|a| a.unit == Unit::Percent)?;
            let to_amount = to.single_amount().filter(|a| a.unit == Unit::Percent)?;
            let reads_as_change = word_at(tokens, from.tokens.start.checked_sub(1)) == Some("from")
                && word_at(tokens, Some(from.tokens.end)) == Some("to")
                && to.tokens.start == from.tokens.end + 1;
            reads_as_change.then_some(ShareChange {
                from: from_amount,
                to: to_amount,
                tokens: from.tokens.start..to.tokens.end,
            })
        })
        .collect()
}

fn change_figure(
    text: &str,
    tokens: &[Token],
    amount: Amount,
    direction: Option<Direction>,
    range: Range<usize>,
) -> Figure {
    Figure {
        quantity: Quantity::Amounts(vec![amount]),
        direction,
        written: written(text, tokens, &range),
        tokens: range,
    }
}

/// What a signal's stated figures imply, so a claim may put them another way: a lift "25%
/// above" is ×1.25 and, against "the 2.0%" it is measured from, 0.5 points; with the rate it
/// describes ("2.5% … 25% above the 2.0%") it is also the rate minus the base and the rate over
/// the base, which is how a reader works them out from what is shown; a change "from 15% to
/// 30%" is 15 points, ×2 and +100%; a stated multiplier ×2.0 is +100%. Each but a ratio of two
/// printed shares carries the rounding of the figures it is worked out from (see `Rounded`), so
/// "1.4 points" stands on "4.1% … the 2.7%" though 56% of 2.7 is 1.51.
fn implied_by_evidence(text: &str, tokens: &[Token], stated: &[Figure]) -> Vec<Figure> {
    let mut implied = Vec::new();
    for (index, figure) in stated.iter().enumerate() {
        let Some(amount) = figure.single_amount() else {
            continue;
        };
        match amount.unit {
            Unit::Percent => implied.extend(implied_by_lift(text, tokens, stated, index)),
            Unit::Multiplier => {
                let direction = if amount.value >= 1.0 {
                    Direction::Up
                } else {
                    Direction::Down
                };
                let change = Rounded::of(amount).shifted(-1.0).magnitude().scaled(100.0);
                implied.push(Figure::derived(
                    change.as_amount(Unit::Percent),
                    Some(direction),
                    figure,
                ));
            }
            _ => {}
        }
    }
    implied.extend(share_change_points(text, tokens, stated));
    for change in share_changes(tokens, stated) {
        let Some(ratio) = Rounded::of(change.to).divided_by(Rounded::of(change.from)) else {
            continue;
        };
        let direction = change.direction();
        implied.push(change_figure(
            text,
            tokens,
            ratio.as_amount(Unit::Multiplier),
            None,
            change.tokens.clone(),
        ));
        implied.push(change_figure(
            text,
            tokens,
            ratio
                .shifted(-1.0)
                .magnitude()
                .scaled(100.0)
                .as_amount(Unit::Percent),
            direction,
            change.tokens,
        ));
    }
    implied
}

/// What the share at `index` implies when it is a lift ("25% above the 2.0%"): the multiplier
/// and, when the share it is measured from is stated, the points between them, both from the
/// lift and from the rate the lift describes.
fn implied_by_lift(text: &str, tokens: &[Token], stated: &[Figure], index: usize) -> Vec<Figure> {
    let Some(figure) = stated.get(index) else {
        return Vec::new();
    };
    let Some(amount) = figure.single_amount() else {
        return Vec::new();
    };
    let sign = match word_at(tokens, Some(figure.tokens.end)) {
        Some(w) if LIFT_UP.contains(&w) => 1.0,
        Some(w) if LIFT_DOWN.contains(&w) => -1.0,
        _ => return Vec::new(),
    };
    let direction = figure.direction;
    // The relative difference as a signed fraction: "30% below" is −0.30.
    let lift = Rounded::of(amount).scaled(sign / 100.0);
    let multiplier = lift.shifted(1.0);
    let mut implied = vec![Figure::derived(
        multiplier.as_amount(Unit::Multiplier),
        direction,
        figure,
    )];
    // The share the lift is measured from: the next figure, in the same clause.
    let measured_from = stated.get(index + 1).filter(|next| {
        let between = figure.tokens.end..next.tokens.start;
        !tokens
            .get(between)
            .is_some_and(|t| t.iter().any(|t| t.kind == TokenKind::Boundary))
            && word_at(tokens, next.tokens.start.checked_sub(1))
                .is_some_and(|w| w == "the" || w == "than")
    });
    let Some(base) = measured_from
        .and_then(Figure::single_amount)
        .filter(|base| base.unit == Unit::Percent)
        .map(Rounded::of)
    else {
        return implied;
    };
    let points = |value: Rounded| {
        Figure::derived(
            value.magnitude().as_amount(Unit::PercentagePoints),
            direction,
            figure,
        )
    };
    implied.push(points(base.times(lift)));
    if let Some(rate) = rate_of_lift(text, tokens, stated, index, base, multiplier) {
        implied.push(points(rate.minus(base)));
        if let Some(ratio) = rate.divided_by(base) {
            implied.push(Figure::derived(
                ratio.as_amount(Unit::Multiplier),
                direction,
                figure,
            ));
        }
    }
    implied
}

/// The rate the lift at `index` describes: the nearest share before it in the same sentence
/// that is not an interval's bound ("a click rate of 2.5% (95% CI 2.3%–2.7%) …, 25% above the
/// 2.0%"). It is found by position, so it is taken only when the lift applied to the `base`
/// gives it within their roundings; otherwise nothing is derived from it.
fn rate_of_lift(
    text: &str,
    tokens: &[Token],
    stated: &[Figure],
    index: usize,
    base: Rounded,
    multiplier: Rounded,
) -> Option<Rounded> {
    let lift_start = stated.get(index)?.tokens.start;
    let rate = stated
        .get(..index)?
        .iter()
        .rev()
        .take_while(|earlier| !ends_a_sentence(text, tokens, earlier.tokens.end..lift_start))
        .filter(|earlier| !is_interval_bound(tokens, earlier))
        .find_map(|earlier| earlier.single_amount().filter(|a| a.unit == Unit::Percent))
        .map(Rounded::of)?;
    rate.meets(base.times(multiplier)).then_some(rate)
}

/// Whether a sentence (or an independent clause after a semicolon) ends among `range`'s tokens.
fn ends_a_sentence(text: &str, tokens: &[Token], range: Range<usize>) -> bool {
    tokens.get(range).unwrap_or_default().iter().any(|token| {
        token.kind == TokenKind::Boundary
            && matches!(text.get(token.span.clone()), Some("." | "!" | "?" | ";"))
    })
}

/// Whether `figure` is a bound of a confidence interval: its clause names the interval before
/// it ("(95% CI 2.3%–2.7%)"), so it is not the rate itself.
fn is_interval_bound(tokens: &[Token], figure: &Figure) -> bool {
    tokens
        .get(..figure.tokens.start)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|token| token.kind != TokenKind::Boundary)
        .any(|token| token.word().is_some_and(|w| CONFIDENCE_WORDS.contains(&w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(text: &str, cites: &[&str]) -> DraftClaim {
        DraftClaim {
            text: text.into(),
            cites: cites.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn evidence() -> Vec<String> {
        vec![
            "Transactional searches are 30% of search volume (300 of 1,000 searches).".into(),
            "The creative “Roasted Monday” wins: a click rate of 2.5% on 48,210 impressions."
                .into(),
        ]
    }

    /// Signals worded as `derive` and `mention_themes` word them.
    fn statements() -> Vec<String> {
        vec![
            // S1: a winning creative, 25% above its baseline.
            "The creative “Roasted Monday” wins with Coffee lovers: a click rate of 2.5% (95% CI 2.3%–2.7%) on 48,210 impressions, 25% above the 2.0% of the rest of the audience's delivery.".into(),
            // S2: an intent shift between two periods.
            "Transactional searches grew from 15% to 30% of search volume with Coffee lovers between 2026-09 and 2026-11-30 (95% CI now 27%–33%).".into(),
            // S3: a plain count.
            "Ads with “Free shipping” drew 30 clicks on 1,200 impressions.".into(),
            // S4: a rate with more precision, and a lift over 100%.
            "The creative “Cold Brew” wins with Coffee lovers: a click rate of 2.47% (95% CI 2.1%–2.9%) on 9,120 impressions, 104% above the 1.2% of the rest of the audience's delivery.".into(),
            // S5: a theme of mentions.
            "The theme “Bitter aftertaste” covers 12% of mentions with Coffee lovers (36 of 300, 95% CI 8.8%–16%); 67% of them are negative.".into(),
            // S6: a stated multiplier.
            "Searches for “cold brew” grew 2.0× with Coffee lovers between 2026-09 and 2026-11.".into(),
            // S7: a trailing creative.
            "The creative “Decaf Friday” trails with Coffee lovers: a click rate of 1.5% (95% CI 1.2%–1.8%) on 7,599 impressions, 30% below the 2.1% of the rest of the audience's delivery.".into(),
            // S8: a lift worked out from unrounded rates (4.14% and 2.66%), so 56% of the printed
            // 2.7% is not the printed 4.1% minus 2.7%.
            "The device “Desktop” wins with Coffee lovers: a conversion rate of 4.1% (95% CI 3.8%–4.5%) on 8,485 clicks, 56% above the 2.7% of the rest of the audience's delivery.".into(),
            // S9: a lift of ×1.52.
            "The device “Mobile” wins with Coffee lovers: a conversion rate of 3.8% (95% CI 3.5%–4.1%) on 6,210 clicks, 52% above the 2.5% of the rest of the audience's delivery.".into(),
            // S10: a stated multiplier of 1.5.
            "Searches for “iced latte” grew 1.5× with Coffee lovers between 2026-09 and 2026-11.".into(),
        ]
    }

    /// Checks one claim against `statements()`: `Ok(())` when kept, else why it was dropped.
    fn check(text: &str, cites: &[&str]) -> Result<(), Dropped> {
        let (kept, dropped) = check_claims(&[claim(text, cites)], &statements());
        match dropped.into_iter().next() {
            Some(reason) => Err(reason),
            None => {
                assert_eq!(kept.len(), 1);
                Ok(())
            }
        }
    }

    fn assert_kept(text: &str, cites: &[&str]) {
        if let Err(reason) = check(text, cites) {
            panic!("expected “{text}” kept, dropped: {}", reason.reason());
        }
    }

    /// Asserts the claim is dropped and its reason names `figure`; returns the reason.
    fn assert_dropped(text: &str, cites: &[&str], figure: &str) -> Dropped {
        match check(text, cites) {
            Ok(()) => panic!("expected “{text}” dropped, it was kept"),
            Err(reason) => {
                let said = reason.reason();
                let named = match &reason {
                    Dropped::NumberNotInEvidence { number, .. }
                    | Dropped::DirectionNotInEvidence { number, .. } => number.contains(figure),
                    _ => false,
                };
                assert!(named, "“{text}”: reason should name {figure}: {said}");
                reason
            }
        }
    }

    fn amounts(text: &str) -> Vec<(Unit, f64)> {
        figures(text)
            .iter()
            .filter_map(|figure| match &figure.quantity {
                Quantity::Amounts(readings) => readings.first().map(|a| (a.unit, a.value)),
                Quantity::Date(_) => None,
            })
            .collect()
    }

    fn has(found: &[(Unit, f64)], unit: Unit, value: f64) -> bool {
        found
            .iter()
            .any(|(u, v)| *u == unit && (v - value).abs() < 1e-9)
    }

    #[test]
    fn figures_are_read_with_their_units_as_people_write_them() {
        let found = amounts(
            "30% of 1,000 searches, 2.50 and 1.2M people, 2.0×, 3 pp, $1,200, 15 percentage points.",
        );
        assert!(has(&found, Unit::Percent, 30.0), "{found:?}");
        assert!(has(&found, Unit::Count, 1000.0), "{found:?}");
        assert!(has(&found, Unit::Count, 2.5), "{found:?}");
        assert!(has(&found, Unit::Count, 1.2e6), "{found:?}");
        assert!(has(&found, Unit::Multiplier, 2.0), "{found:?}");
        assert!(has(&found, Unit::PercentagePoints, 3.0), "{found:?}");
        assert!(has(&found, Unit::PercentagePoints, 15.0), "{found:?}");
        assert!(has(&found, Unit::Money('$'), 1200.0), "{found:?}");
        assert_eq!(found.len(), 8, "{found:?}");
        assert!(figures("no numbers here.").is_empty());
        // A sentence's full stop is not a decimal point.
        assert_eq!(amounts("It grew 12."), vec![(Unit::Count, 12.0)]);
        // The interval's level is not a figure; its bounds are.
        assert_eq!(
            amounts("(95% CI 2.3%–2.7%)"),
            vec![(Unit::Percent, 2.3), (Unit::Percent, 2.7)]
        );
        // ISO dates are dates, not counts; handles and names with digits are not figures.
        assert!(amounts("between 2026-09 and 2026-11-30 [S1], in Q3").is_empty());
        let dates: Vec<Quantity> = figures("on 2026-11-30 and 30 September 2026")
            .into_iter()
            .map(|f| f.quantity)
            .collect();
        assert_eq!(
            dates,
            vec![
                Quantity::Date(CalendarDate {
                    year: Some(2026),
                    month: Some(11),
                    day: Some(30)
                }),
                Quantity::Date(CalendarDate {
                    year: Some(2026),
                    month: Some(9),
                    day: Some(30)
                }),
            ]
        );
    }

    #[test]
    fn a_claim_with_valid_citations_and_numbers_is_kept() {
        let (kept, dropped) = check_claims(
            &[claim(
                "Transactional searches, 30% of volume (300 of 1,000), are ready to buy [S1].",
                &["S1"],
            )],
            &evidence(),
        );
        assert!(dropped.is_empty(), "{dropped:?}");
        assert_eq!(kept[0].signals, vec![0]);
    }

    #[test]
    fn a_claim_with_no_figures_and_valid_citations_is_kept() {
        assert_kept("“Roasted Monday” wins with Coffee lovers [S1].", &["S1"]);
        assert_kept("Ready-to-buy searches are growing (S2).", &["S2"]);
    }

    #[test]
    fn a_claim_citing_nothing_or_a_missing_signal_is_dropped() {
        let (kept, dropped) = check_claims(
            &[
                claim("People love the brand.", &[]),
                claim("Searches are growing.", &["S9"]),
                claim("Searches are growing.", &["banana"]),
                claim("   ", &["S1"]),
            ],
            &evidence(),
        );
        assert!(kept.is_empty());
        assert_eq!(dropped.len(), 4);
        assert!(matches!(dropped[0], Dropped::CitesNothing { .. }));
        assert!(matches!(&dropped[1], Dropped::CitesUnknown { handle, .. } if handle == "S9"));
        assert!(matches!(dropped[3], Dropped::Empty));
    }

    #[test]
    fn a_number_the_cited_signals_do_not_state_is_dropped() {
        let (kept, dropped) = check_claims(
            &[
                claim("Transactional searches are 45% of volume.", &["S1"]),
                // 2.5% is in S2, not in S1, which is all this claim cites.
                claim("Ready-to-buy searches click at 2.5%.", &["S1"]),
                claim("“Roasted Monday” clicks at 2.5% (S2).", &["S2"]),
            ],
            &evidence(),
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].signals, vec![1]);
        assert!(
            matches!(&dropped[0], Dropped::NumberNotInEvidence { number, .. } if number == "45%")
        );
        assert!(dropped[1].reason().contains("2.5%"));
    }

    #[test]
    fn the_confidence_level_is_not_a_figure_a_claim_may_use() {
        assert_dropped(
            "95% of Coffee lovers prefer Roasted Monday [S1].",
            &["S1"],
            "95%",
        );
        assert_dropped(
            "95 percent of searches are transactional [S2].",
            &["S2"],
            "95",
        );
        // The interval's bounds are figures, and a claim may quote the interval whole.
        assert_kept(
            "Roasted Monday's click rate is between 2.3% and 2.7% (95% CI) [S1].",
            &["S1"],
        );
        assert_kept(
            "With 95% confidence, its click rate is at least 2.3% [S1].",
            &["S1"],
        );
    }

    #[test]
    fn parts_of_a_date_are_not_figures_but_a_stated_date_may_be_repeated() {
        assert_dropped(
            "Transactional searches reached 2026 searches [S2].",
            &["S2"],
            "2026",
        );
        assert_dropped(
            "Transactional searches came from 30 new searches [S2].",
            &["S2"],
            "30 (a count)",
        );
        assert_dropped(
            "Transactional searches rose for 11 weeks [S2].",
            &["S2"],
            "11",
        );
        assert_kept(
            "In 2026, transactional searches grew to 30% of volume [S2].",
            &["S2"],
        );
        assert_kept(
            "Between September 2026 and 30 November 2026 transactional searches grew [S2].",
            &["S2"],
        );
        assert_kept(
            "From Sep 2026 to November 30, 2026, searches grew [S2].",
            &["S2"],
        );
        assert_kept(
            "Transactional searches grew between 2026-09 and 2026-11-30 [S2].",
            &["S2"],
        );
        assert_dropped(
            "Transactional searches grew in October 2026 [S2].",
            &["S2"],
            "October",
        );
        assert_dropped("Transactional searches grew in 2025 [S2].", &["S2"], "2025");
        assert_kept(
            "In the second half of 2026, transactional searches grew [S2].",
            &["S2"],
        );
        assert_dropped(
            "Transactional searches peaked on 2026-10-15 [S2].",
            &["S2"],
            "2026-10-15",
        );
    }

    #[test]
    fn a_percentage_is_not_a_count() {
        assert_dropped(
            "“Free shipping” converts 30% of its clicks [S3].",
            &["S3"],
            "30%",
        );
        assert_kept(
            "“Free shipping” drew 30 clicks on 1,200 impressions [S3].",
            &["S3"],
        );
        assert_dropped(
            "Transactional searches drew 30 clicks [S2].",
            &["S2"],
            "30 (a count)",
        );
        assert_dropped(
            "Free shipping drew 30 pp more clicks [S3].",
            &["S3"],
            "30 pp",
        );
    }

    #[test]
    fn a_figure_stated_moving_the_other_way_is_dropped() {
        let reason = assert_dropped(
            "Roasted Monday's click rate is 25% below the rest [S1].",
            &["S1"],
            "25%",
        );
        assert!(
            matches!(reason, Dropped::DirectionNotInEvidence { .. }),
            "{reason:?}"
        );
        assert_dropped(
            "Decaf Friday clicks 30% more than the rest [S7].",
            &["S7"],
            "30%",
        );
        assert_dropped(
            "Transactional searches fell to 30% of volume [S2].",
            &["S2"],
            "30%",
        );
        assert_dropped(
            "Transactional searches fell from 30% to 15% of volume [S2].",
            &["S2"],
            "30% to 15%",
        );
        assert_kept(
            "Roasted Monday's click rate of 2.5% is 25% higher than the 2.0% of the rest [S1].",
            &["S1"],
        );
        assert_kept(
            "Roasted Monday draws 25% more clicks than the rest [S1].",
            &["S1"],
        );
        assert_kept(
            "Decaf Friday's click rate is 30% lower than the rest [S7].",
            &["S7"],
        );
        assert_kept(
            "Transactional searches rose from 15% to 30% of volume, 15 percentage points [S2].",
            &["S2"],
        );
        // A rate in a clause of its own takes the sentence's direction.
        assert_dropped(
            "Roasted Monday trails with a click rate of 2.5% [S1].",
            &["S1"],
            "2.5%",
        );
        assert_kept(
            "Decaf Friday's 1.5% click rate is lower than Roasted Monday's 2.5% [S1] [S7].",
            &["S1", "S7"],
        );
        assert_kept(
            "Roasted Monday wins (2.5%) while Decaf Friday trails (1.5%) [S1] [S7].",
            &["S1", "S7"],
        );
        // A share named as what is compared against takes no direction.
        assert_kept(
            "The rest of the audience clicks at 2.0%, lower than Roasted Monday's 2.5% [S1].",
            &["S1"],
        );
        assert_kept(
            "More than 30% of searches are transactional, up from 15% [S2].",
            &["S2"],
        );
    }

    #[test]
    fn number_words_need_support_like_digits() {
        assert_dropped(
            "Roasted Monday doubled the click rate of the rest [S1].",
            &["S1"],
            "doubled (×2)",
        );
        assert_kept(
            "Cold Brew doubled the click rate of the rest [S4].",
            &["S4"],
        );
        assert_kept(
            "Cold Brew clicks at twice the rate of the rest (2×) [S4].",
            &["S4"],
        );
        assert_kept("Transactional searches doubled their share [S2].", &["S2"]);
        assert_kept("Cold brew searches doubled [S6].", &["S6"]);
        assert_kept("Cold brew searches grew 100% [S6].", &["S6"]);
        assert_dropped(
            "Roasted Monday draws three times the clicks [S1].",
            &["S1"],
            "three times",
        );
        assert_dropped("Roasted Monday beat five rivals [S1].", &["S1"], "five");
        assert_kept(
            "Two-thirds of the mentions about bitter aftertaste are negative [S5].",
            &["S5"],
        );
        assert_dropped(
            "Half of the mentions about bitter aftertaste are negative [S5].",
            &["S5"],
            "Half",
        );
        assert_dropped(
            "Nearly a third of the mentions are about bitter aftertaste [S5].",
            &["S5"],
            "a third",
        );
        assert_dropped(
            "Transactional searches grew by a quarter [S2].",
            &["S2"],
            "a quarter",
        );
        // "One" is a pronoun far more often than a figure.
        assert_kept(
            "Roasted Monday is the one creative that wins [S1].",
            &["S1"],
        );
    }

    #[test]
    fn a_claim_may_round_as_a_writer_does_and_no_further() {
        assert_kept("Cold Brew clicks at 2.5% [S4].", &["S4"]);
        assert_kept("Cold Brew clicks at about 2% [S4].", &["S4"]);
        assert_kept("Cold Brew clicks at 2.47% [S4].", &["S4"]);
        assert_dropped("Cold Brew clicks at 2.4% [S4].", &["S4"], "2.4%");
        assert_dropped("Cold Brew clicks at 2.53% [S4].", &["S4"], "2.53%");
        assert_kept("Cold Brew had 9,120 impressions [S4].", &["S4"]);
        assert_kept("Cold Brew had 9.1K impressions [S4].", &["S4"]);
        assert_kept("Roasted Monday had 48.2K impressions [S1].", &["S1"]);
        // A number written out in full claims every digit.
        assert_dropped("Cold Brew had 9,000 impressions [S4].", &["S4"], "9,000");
        // A lift implies the points it is measured in: 25% of 2.0% is 0.5 points.
        assert_kept(
            "Roasted Monday's click rate is 0.5 percentage points above the rest [S1].",
            &["S1"],
        );
    }

    #[test]
    fn figures_a_reader_works_out_from_the_shown_rates_are_kept() {
        // 4.1% − 2.7%, though 56% of 2.7% is 1.51 points.
        assert_kept(
            "Desktop converts at 4.1%, 1.4 points above the rest [S8].",
            &["S8"],
        );
        assert_kept("Conversion rate rose from 2.7% to 4.1% [S8].", &["S8"]);
        // 4.1 / 2.7 is 1.52, though 56% above is ×1.56.
        assert_kept(
            "Desktop converts about 1.5 times as often as the rest [S8].",
            &["S8"],
        );
        // What the lift gives stands as before.
        assert_kept(
            "Desktop converts 56% more often than the rest, 1.5 points more [S8].",
            &["S8"],
        );
        assert_kept(
            "Decaf Friday clicks at 1.5%, 0.6 points below the rest [S7].",
            &["S7"],
        );
    }

    #[test]
    fn derived_figures_stay_within_the_rounding_of_what_is_shown() {
        assert_dropped(
            "Desktop converts at 4.1%, 1.0 points above the rest [S8].",
            &["S8"],
            "1.0 points",
        );
        assert_dropped(
            "Desktop converts at 3x the rest's rate [S8].",
            &["S8"],
            "3x",
        );
        // The interval's upper bound is not the rate: 4.5% − 2.7% is no figure of the signal.
        assert_dropped(
            "Desktop converts 1.8 points above the rest [S8].",
            &["S8"],
            "1.8 points",
        );
        let reason = assert_dropped(
            "Decaf Friday clicks 0.6 points above the rest [S7].",
            &["S7"],
            "0.6 points",
        );
        assert!(
            matches!(reason, Dropped::DirectionNotInEvidence { .. }),
            "{reason:?}"
        );
        assert_dropped(
            "Conversion rate fell from 4.1% to 2.7% [S8].",
            &["S8"],
            "4.1% to 2.7%",
        );
        // A shown figure may be rounded, not given digits the signal does not show.
        assert_dropped("Roasted Monday clicks at 2.53% [S1].", &["S1"], "2.53%");
    }

    #[test]
    fn a_multiplier_in_digits_without_decimals_is_exact_to_one_decimal() {
        assert_dropped("Mobile converts at 2x the rest's rate [S9].", &["S9"], "2x");
        assert_dropped(
            "Mobile converts 2 times as often as the rest [S9].",
            &["S9"],
            "2 times",
        );
        assert_kept(
            "Mobile converts 1.5 times as often as the rest [S9].",
            &["S9"],
        );
        assert_dropped("Iced latte searches grew 2x [S10].", &["S10"], "2x");
        assert_dropped(
            "Iced latte searches grew 2 times over [S10].",
            &["S10"],
            "2 times",
        );
        assert_kept("Iced latte searches grew 1.5x [S10].", &["S10"]);
        // ×2.04 is 2x as a writer rounds it.
        assert_kept("Cold Brew clicks at 2x the rate of the rest [S4].", &["S4"]);
        assert_kept(
            "Cold Brew clicks at 2 times the rate of the rest [S4].",
            &["S4"],
        );
        // A lift in percent keeps its own rounding.
        assert_kept(
            "Cold Brew's click rate is 104% above the rest [S4].",
            &["S4"],
        );
        assert_dropped(
            "Cold Brew's click rate is 106% above the rest [S4].",
            &["S4"],
            "106%",
        );
    }

    #[test]
    fn rounded_values_carry_their_inputs_rounding() {
        let rate = Rounded {
            value: 4.1,
            tolerance: 0.05,
        };
        let base = Rounded {
            value: 2.7,
            tolerance: 0.05,
        };
        let points = rate.minus(base);
        assert!((points.value - 1.4).abs() < 1e-9 && (points.tolerance - 0.1).abs() < 1e-9);
        let lift = Rounded {
            value: 0.56,
            tolerance: 0.005,
        };
        let product = base.times(lift);
        // It reaches 2.75 × 0.565 and covers 2.65 × 0.555, the range being symmetric.
        assert!((product.value - 1.512).abs() < 1e-9);
        assert!((product.value + product.tolerance - 2.75 * 0.565).abs() < 1e-9);
        assert!(product.value - product.tolerance <= 2.65 * 0.555);
        assert_eq!(
            rate.divided_by(Rounded {
                value: 0.0,
                tolerance: 0.05
            }),
            None
        );
    }

    #[test]
    fn handles_are_read_loosely_but_exactly() {
        assert_eq!(index_of("S1"), Some(0));
        assert_eq!(index_of("[S12]"), Some(11));
        assert_eq!(index_of("s3"), Some(2));
        assert_eq!(index_of("S0"), None);
        assert_eq!(index_of("signal"), None);
        assert_eq!(handle(0), "S1");
    }
}
