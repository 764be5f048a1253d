//! Reading figures out of a statement or a claim: numbers with their unit (percent,
//! percentage points, multiplier, count, money, date), their rounding and their direction, and
//! the figures a statement implies. The checking rules that use them are in the parent module.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
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
pub(super) struct Amount {
    pub(super) unit: Unit,
    pub(super) value: f64,
    pub(super) tolerance: f64,
}

impl Amount {
    /// Whether the claim's figure (`self`) and the signal's (`evidence`) may be the same value:
    /// the ranges their roundings allow meet.
    pub(super) fn given_by(&self, evidence: &Amount) -> bool {
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
pub(super) struct Rounded {
    pub(super) value: f64,
    pub(super) tolerance: f64,
}

impl Rounded {
    pub(super) fn of(amount: Amount) -> Rounded {
        Rounded {
            value: amount.value,
            tolerance: amount.tolerance,
        }
    }

    pub(super) fn as_amount(self, unit: Unit) -> Amount {
        Amount {
            unit,
            value: self.value,
            tolerance: self.tolerance,
        }
    }

    pub(super) fn scaled(self, factor: f64) -> Rounded {
        Rounded {
            value: self.value * factor,
            tolerance: self.tolerance * factor.abs(),
        }
    }

    pub(super) fn shifted(self, offset: f64) -> Rounded {
        Rounded {
            value: self.value + offset,
            ..self
        }
    }

    /// The size of the value: a range around zero keeps its width, which still covers it.
    pub(super) fn magnitude(self) -> Rounded {
        Rounded {
            value: self.value.abs(),
            ..self
        }
    }

    pub(super) fn minus(self, other: Rounded) -> Rounded {
        Rounded {
            value: self.value - other.value,
            tolerance: self.tolerance + other.tolerance,
        }
    }

    pub(super) fn times(self, other: Rounded) -> Rounded {
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
    pub(super) fn divided_by(self, divisor: Rounded) -> Option<Rounded> {
        (divisor.value > 0.0).then(|| Rounded {
            value: self.value / divisor.value,
            tolerance: 0.0,
        })
    }

    pub(super) fn meets(self, other: Rounded) -> bool {
        let slack = 1e-9 * self.value.abs().max(1.0);
        (self.value - other.value).abs() <= self.tolerance + other.tolerance + slack
    }
}

/// A date as precise as it was written: a year, a month of a year, or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CalendarDate {
    pub(super) year: Option<i64>,
    pub(super) month: Option<u32>,
    pub(super) day: Option<u32>,
}

impl CalendarDate {
    /// Whether `evidence` names this date: every part written here is a part it states.
    pub(super) fn is_within(&self, evidence: &CalendarDate) -> bool {
        let part_agrees =
            |claimed: Option<i64>, stated: Option<i64>| claimed.is_none() || claimed == stated;
        part_agrees(self.year, evidence.year)
            && part_agrees(self.month.map(i64::from), evidence.month.map(i64::from))
            && part_agrees(self.day.map(i64::from), evidence.day.map(i64::from))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Quantity {
    /// One or more readings of the same words: "half" is 50% of a whole or ×0.5 of a rate, and
    /// either being stated supports it.
    Amounts(Vec<Amount>),
    Date(CalendarDate),
}

impl Quantity {
    pub(super) fn is_given_by(&self, evidence: &Quantity) -> bool {
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
pub(super) enum Direction {
    Up,
    Down,
}

impl Direction {
    pub(super) fn opposite(self) -> Direction {
        match self {
            Direction::Up => Direction::Down,
            Direction::Down => Direction::Up,
        }
    }

    pub(super) fn in_words(self) -> &'static str {
        match self {
            Direction::Up => "a rise or lead",
            Direction::Down => "a fall or shortfall",
        }
    }
}

/// A figure a text states, as read from it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Figure {
    pub(super) quantity: Quantity,
    pub(super) direction: Option<Direction>,
    /// The words it was read from, for a reason a person (or the model) can act on.
    pub(super) written: String,
    /// The tokens it was read from.
    pub(super) tokens: Range<usize>,
}

impl Figure {
    /// What the claim stated, with its unit where the words alone hide it.
    pub(super) fn described(&self) -> String {
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

    pub(super) fn single_amount(&self) -> Option<Amount> {
        match &self.quantity {
            Quantity::Amounts(readings) if readings.len() == 1 => readings.first().copied(),
            _ => None,
        }
    }

    /// The figure as a signal's reader sees it: exactly what is printed. A claim may round it,
    /// but not add digits the signal does not show ("2.53%" on "2.5%"), so a figure the
    /// statement shows brings no rounding of its own to the comparison.
    pub(super) fn into_shown(mut self) -> Figure {
        if let Quantity::Amounts(readings) = &mut self.quantity {
            for reading in readings {
                reading.tolerance = 0.0;
            }
        }
        self
    }

    pub(super) fn derived(amount: Amount, direction: Option<Direction>, from: &Figure) -> Figure {
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
pub(super) struct Numeral {
    pub(super) value: f64,
    /// Half a unit in the last written place: 0.05 for "2.5", 50,000 for "1.2M".
    pub(super) tolerance: f64,
    /// Spelled out ("three"): read as exact at the precision a reader assumes.
    pub(super) spelled: bool,
    /// "30th": a rank or a day, never an amount.
    pub(super) ordinal: bool,
    /// Digits only: no decimals, separators or scale, so it may be a day of a month.
    pub(super) plain_integer: bool,
    /// Four plain digits, so it may be a year.
    pub(super) year_shaped: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokenKind {
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
pub(super) struct Token {
    pub(super) kind: TokenKind,
    /// Byte offsets into the text.
    pub(super) span: Range<usize>,
}

impl Token {
    pub(super) fn word(&self) -> Option<&str> {
        match &self.kind {
            TokenKind::Word { lower, .. } => Some(lower),
            _ => None,
        }
    }

    pub(super) fn numeral(&self) -> Option<Numeral> {
        match self.kind {
            TokenKind::Number(numeral) => Some(numeral),
            _ => None,
        }
    }
}

pub(super) const SPELLED_NUMBERS: [&str; 20] = [
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

pub(super) const MONTHS: [&str; 12] = [
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
pub(super) const CLAUSE_CONJUNCTIONS: [&str; 5] = ["but", "while", "whereas", "although", "though"];

/// The fixed direction words: few, so what a claim may say is predictable.
pub(super) const UP_WORDS: [&str; 30] = [
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
pub(super) const DOWN_WORDS: [&str; 30] = [
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
pub(super) const LIFT_UP: [&str; 4] = ["above", "higher", "more", "greater"];
pub(super) const LIFT_DOWN: [&str; 4] = ["below", "lower", "less", "fewer"];

/// Words before a figure that make it the thing compared against ("above the 2.0%", "than 2%",
/// "from 15%"), which the comparison's direction does not describe.
pub(super) const REFERENCE_MARKERS: [&str; 6] = ["the", "than", "from", "vs", "versus", "against"];

/// Words before a four-digit number that make it a year.
pub(super) const YEAR_CONTEXT: [&str; 10] = [
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
pub(super) const PERIODS: [&str; 12] = [
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
pub(super) const CONFIDENCE_WORDS: [&str; 3] = ["ci", "confidence", "credible"];

pub(super) fn direction_of(word: &str) -> Option<Direction> {
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
pub(super) fn month_number(word: &str) -> Option<u32> {
    let full = MONTHS.iter().position(|m| *m == word);
    let short = || {
        MONTHS
            .iter()
            .position(|m| word.len() >= 3 && m.starts_with(word))
    };
    full.or_else(short).and_then(|i| u32::try_from(i + 1).ok())
}

/// Splits `text` into numbers, words, ISO dates, currency symbols and clause boundaries.
pub(super) fn tokens(text: &str) -> Vec<Token> {
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

pub(super) fn digits_at(chars: &[(usize, char)], from: usize) -> usize {
    chars[from.min(chars.len())..]
        .iter()
        .take_while(|(_, c)| c.is_ascii_digit())
        .count()
}

pub(super) fn number_from(chars: &[(usize, char)], range: Range<usize>) -> Option<i64> {
    chars
        .get(range)?
        .iter()
        .map(|(_, c)| *c)
        .collect::<String>()
        .parse()
        .ok()
}

/// "2026-09-30" or "2026-09" at `start`, and where it ends.
pub(super) fn iso_date(chars: &[(usize, char)], start: usize) -> Option<(CalendarDate, usize)> {
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
pub(super) fn numeral(chars: &[(usize, char)], start: usize) -> (Numeral, usize) {
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
pub(super) fn figures(text: &str) -> Vec<Figure> {
    let tokens = tokens(text);
    let mut found = stated_figures(text, &tokens);
    let changes = share_change_points(text, &tokens, &found);
    found.extend(changes);
    found
}

/// The figures a signal's statement gives: what it shows, exactly as printed, and what that
/// implies (a lift as a multiplier and points, a change between two shares as points, a
/// multiplier and a relative change), within the rounding of what it was worked out from.
pub(super) fn evidence_figures(text: &str) -> Vec<Figure> {
    let tokens = tokens(text);
    let stated = stated_figures(text, &tokens);
    let mut all = implied_by_evidence(text, &tokens, &stated);
    all.extend(stated.into_iter().map(Figure::into_shown));
    all
}

pub(super) fn stated_figures(text: &str, tokens: &[Token]) -> Vec<Figure> {
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
pub(super) fn share_change_points(text: &str, tokens: &[Token], stated: &[Figure]) -> Vec<Figure> {
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
pub(super) enum Read {
    Figure(Figure),
    /// Not a figure (a confidence level, a rank, a pronoun); reading resumes at this token.
    Skip(usize),
}

pub(super) fn word_at(tokens: &[Token], at: Option<usize>) -> Option<&str> {
    tokens.get(at?)?.word()
}

pub(super) fn figure_from(
    text: &str,
    tokens: &[Token],
    range: Range<usize>,
    readings: Vec<Amount>,
) -> Read {
    Read::Figure(Figure {
        quantity: Quantity::Amounts(readings),
        direction: None,
        written: written(text, tokens, &range),
        tokens: range,
    })
}

pub(super) fn written(text: &str, tokens: &[Token], range: &Range<usize>) -> String {
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
pub(super) fn fraction_readings(fraction: f64) -> Vec<Amount> {
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
pub(super) fn multiplier_word(word: &str) -> Option<f64> {
    match word {
        "twice" | "double" | "doubled" | "doubles" | "doubling" => Some(2.0),
        "triple" | "tripled" | "triples" | "tripling" | "treble" | "trebled" => Some(3.0),
        "quadruple" | "quadrupled" | "quadruples" => Some(4.0),
        "halve" | "halved" | "halves" | "halving" => Some(0.5),
        _ => None,
    }
}

pub(super) fn fraction_denominator(word: &str) -> Option<f64> {
    match word {
        "half" | "halves" => Some(2.0),
        "third" | "thirds" => Some(3.0),
        "quarter" | "quarters" => Some(4.0),
        "fifth" | "fifths" => Some(5.0),
        _ => None,
    }
}

pub(super) fn read_figure(text: &str, tokens: &[Token], at: usize) -> Read {
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

pub(super) fn read_number(text: &str, tokens: &[Token], at: usize, numeral: Numeral) -> Read {
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
pub(super) fn month_date(text: &str, tokens: &[Token], at: usize) -> Option<Figure> {
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
pub(super) fn movement_at(tokens: &[Token], at: usize) -> Option<Direction> {
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
pub(super) fn agreed(mut directions: impl Iterator<Item = Direction>) -> Option<Direction> {
    let first = directions.next()?;
    directions.all(|d| d == first).then_some(first)
}

/// Whether the figure starting at `figure_start` is what the movement word at `word` is
/// measured against: a marker ("than", "the", "from") lies between them and belongs to this
/// figure, not to another one in between ("grew from 15% to 30%": 15% is, 30% is not).
pub(super) fn is_compared_against(tokens: &[Token], word: usize, figure_start: usize) -> bool {
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
pub(super) fn clause_direction(
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
pub(super) struct ShareChange {
    pub(super) from: Amount,
    pub(super) to: Amount,
    pub(super) tokens: Range<usize>,
}

impl ShareChange {
    pub(super) fn direction(&self) -> Option<Direction> {
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
pub(super) fn share_changes(tokens: &[Token], figures: &[Figure]) -> Vec<ShareChange> {
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

pub(super) fn change_figure(
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
pub(super) fn implied_by_evidence(text: &str, tokens: &[Token], stated: &[Figure]) -> Vec<Figure> {
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
pub(super) fn implied_by_lift(
    text: &str,
    tokens: &[Token],
    stated: &[Figure],
    index: usize,
) -> Vec<Figure> {
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
pub(super) fn rate_of_lift(
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
pub(super) fn ends_a_sentence(text: &str, tokens: &[Token], range: Range<usize>) -> bool {
    tokens.get(range).unwrap_or_default().iter().any(|token| {
        token.kind == TokenKind::Boundary
            && matches!(text.get(token.span.clone()), Some("." | "!" | "?" | ";"))
    })
}

/// Whether `figure` is a bound of a confidence interval: its clause names the interval before
/// it ("(95% CI 2.3%–2.7%)"), so it is not the rate itself.
pub(super) fn is_interval_bound(tokens: &[Token], figure: &Figure) -> bool {
    tokens
        .get(..figure.tokens.start)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|token| token.kind != TokenKind::Boundary)
        .any(|token| token.word().is_some_and(|w| CONFIDENCE_WORDS.contains(&w)))
}
