//! Numbers as a slide shows them and as a spreadsheet stores them: one format per column or
//! series, so the deck, the chart's workbook and the XLSX export agree.

use serde::{Deserialize, Serialize};

/// One cell of a table behind a deck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    Text(String),
    /// Not measured (a metric the platform did not report): shown as a dash, never as zero.
    Empty,
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        if value.is_finite() {
            Self::Number(value)
        } else {
            Self::Empty
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// How a number reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NumberFormat {
    /// Whole numbers with thousands separators.
    Count,
    /// A fixed number of decimals.
    Decimal { places: u8 },
    /// A share stored as a fraction (0.125) and shown as a percentage (12.5%).
    Percent { places: u8 },
    /// Money in major units of an ISO currency.
    Money { currency: String },
}

impl NumberFormat {
    /// The value as text on a slide. Rounding is half away from zero, as Excel rounds, so a
    /// slide and the spreadsheet beside it show the same digits; a value that rounds to zero
    /// shows no minus sign.
    pub fn display(&self, value: &Value) -> String {
        match value {
            Value::Text(text) => text.clone(),
            Value::Empty => "–".into(),
            Value::Number(n) if !n.is_finite() => "–".into(),
            Value::Number(n) => match self {
                Self::Count => fixed(*n, 0),
                Self::Decimal { places } => fixed(*n, places_of(*places)),
                Self::Percent { places } => {
                    format!("{}%", fixed(n * 100.0, places_of(*places)).replace(',', ""))
                }
                Self::Money { currency } => {
                    let amount = fixed(*n, money_places(currency));
                    let (sign, amount) = amount
                        .strip_prefix('-')
                        .map_or(("", amount.as_str()), |rest| ("-", rest));
                    match currency_symbol(currency) {
                        Some(symbol) => format!("{sign}{symbol}{amount}"),
                        None => format!("{sign}{amount} {}", currency_code(currency)),
                    }
                }
            },
        }
    }

    /// Excel's number format code for the same reading.
    pub fn excel_code(&self) -> String {
        match self {
            Self::Count => "#,##0".into(),
            Self::Decimal { places } => decimals("#,##0", places_of(*places)),
            Self::Percent { places } => format!("{}%", decimals("0", places_of(*places))),
            Self::Money { currency } => {
                let number = match money_places(currency) {
                    0 => "#,##0".to_owned(),
                    places => format!("#,##0.{}", "0".repeat(places)),
                };
                match currency_symbol(currency) {
                    Some(symbol) => format!("\"{symbol}\"{number}"),
                    None => format!("{number} \"{}\"", currency_code(currency)),
                }
            }
        }
    }
}

/// The currency's own decimals (none for JPY and KRW, three for KWD); two for a code that is
/// not one.
fn money_places(currency: &str) -> usize {
    currency
        .trim()
        .to_ascii_uppercase()
        .parse::<pw_domain::Currency>()
        .map_or(2, |c| c.minor_digits() as usize)
}

/// Decimals shown: at most 10 (Excel allows 30; no research figure needs more than a few).
fn places_of(places: u8) -> usize {
    places.min(10) as usize
}

/// `n` rounded half away from zero to `places` decimals, with thousands separators, and no
/// minus sign on a zero.
fn fixed(n: f64, places: usize) -> String {
    let scale = 10f64.powi(places as i32);
    let mut rounded = (n * scale).round() / scale;
    if rounded == 0.0 {
        rounded = 0.0;
    }
    group_thousands(&format!("{rounded:.places$}"))
}

fn decimals(base: &str, places: usize) -> String {
    if places == 0 {
        base.into()
    } else {
        format!("{base}.{}", "0".repeat(places))
    }
}

/// A currency code as letters only (it is written inside an Excel format code and on slides).
fn currency_code(currency: &str) -> String {
    currency
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(3)
        .collect::<String>()
        .to_uppercase()
}

fn currency_symbol(currency: &str) -> Option<&'static str> {
    Some(match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        _ => return None,
    })
}

/// `1234567.5` → `1,234,567.5` (the integer part only).
fn group_thousands(number: &str) -> String {
    let (sign, rest) = number
        .strip_prefix('-')
        .map_or(("", number), |rest| ("-", rest));
    let (whole, fraction) = rest
        .split_once('.')
        .map_or((rest, None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_marketer_expects() {
        let money = NumberFormat::Money {
            currency: "USD".into(),
        };
        assert_eq!(money.display(&Value::Number(1234567.891)), "$1,234,567.89");
        assert_eq!(money.display(&Value::Number(12.5)), "$12.50");
        assert_eq!(money.display(&Value::Number(-12.5)), "-$12.50");
        let francs = NumberFormat::Money {
            currency: "chf\"".into(),
        };
        assert_eq!(francs.display(&Value::Number(99.0)), "99.00 CHF");
        // Each currency in its own decimals.
        let yen = NumberFormat::Money {
            currency: "JPY".into(),
        };
        assert_eq!(yen.display(&Value::Number(1234567.4)), "¥1,234,567");
        assert_eq!(yen.excel_code(), "\"¥\"#,##0");
        let dinars = NumberFormat::Money {
            currency: "KWD".into(),
        };
        assert_eq!(dinars.display(&Value::Number(12.5)), "12.500 KWD");
        assert_eq!(dinars.excel_code(), "#,##0.000 \"KWD\"");
        assert_eq!(francs.excel_code(), "#,##0.00 \"CHF\"");
        assert_eq!(
            NumberFormat::Percent { places: 1 }.display(&Value::Number(0.1234)),
            "12.3%"
        );
        assert_eq!(NumberFormat::Count.display(&Value::Number(999.0)), "999");
        assert_eq!(
            NumberFormat::Count.display(&Value::Number(-1000.0)),
            "-1,000"
        );
        assert_eq!(
            NumberFormat::Decimal { places: 2 }.display(&Value::Number(1234.5)),
            "1,234.50"
        );
        assert_eq!(NumberFormat::Count.display(&Value::Empty), "–");
        assert_eq!(
            NumberFormat::Count.display(&Value::Number(f64::INFINITY)),
            "–"
        );
        assert_eq!(Value::from(f64::NAN), Value::Empty);
    }

    #[test]
    fn ties_round_away_from_zero_as_excel_does_and_zero_has_no_sign() {
        assert_eq!(NumberFormat::Count.display(&Value::Number(2.5)), "3");
        assert_eq!(NumberFormat::Count.display(&Value::Number(-2.5)), "-3");
        assert_eq!(
            NumberFormat::Percent { places: 0 }.display(&Value::Number(0.125)),
            "13%"
        );
        assert_eq!(NumberFormat::Count.display(&Value::Number(-0.4)), "0");
        let money = NumberFormat::Money {
            currency: "USD".into(),
        };
        assert_eq!(money.display(&Value::Number(-0.004)), "$0.00");
        assert_eq!(
            NumberFormat::Percent { places: 1 }.display(&Value::Number(123.4567)),
            "12345.7%"
        );
    }

    #[test]
    fn excel_codes_match_the_display() {
        assert_eq!(NumberFormat::Percent { places: 1 }.excel_code(), "0.0%");
        assert_eq!(NumberFormat::Percent { places: 0 }.excel_code(), "0%");
        assert_eq!(
            NumberFormat::Money {
                currency: "EUR".into()
            }
            .excel_code(),
            "\"€\"#,##0.00"
        );
        assert_eq!(
            NumberFormat::Decimal { places: 3 }.excel_code(),
            "#,##0.000"
        );
        assert_eq!(
            NumberFormat::Decimal { places: 200 }.excel_code(),
            format!("#,##0.{}", "0".repeat(10))
        );
    }
}
