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
    /// The value as text on a slide.
    pub fn display(&self, value: &Value) -> String {
        match value {
            Value::Text(text) => text.clone(),
            Value::Empty => "–".into(),
            Value::Number(n) => match self {
                Self::Count => group_thousands(&format!("{:.0}", n)),
                Self::Decimal { places } => group_thousands(&format!("{:.*}", *places as usize, n)),
                Self::Percent { places } => format!("{:.*}%", *places as usize, n * 100.0),
                Self::Money { currency } => {
                    let places = if n.abs() >= 1000.0 { 0 } else { 2 };
                    let amount = group_thousands(&format!("{:.*}", places, n.abs()));
                    let sign = if *n < 0.0 { "-" } else { "" };
                    match currency_symbol(currency) {
                        Some(symbol) => format!("{sign}{symbol}{amount}"),
                        None => format!("{sign}{amount} {currency}"),
                    }
                }
            },
        }
    }

    /// Excel's number format code for the same reading.
    pub fn excel_code(&self) -> String {
        match self {
            Self::Count => "#,##0".into(),
            Self::Decimal { places } => decimals("#,##0", *places),
            Self::Percent { places } => format!("{}%", decimals("0", *places)),
            Self::Money { currency } => match currency_symbol(currency) {
                Some(symbol) => format!("\"{symbol}\"#,##0.00"),
                None => format!("#,##0.00 \"{currency}\""),
            },
        }
    }
}

fn decimals(base: &str, places: u8) -> String {
    if places == 0 {
        base.into()
    } else {
        format!("{base}.{}", "0".repeat(places as usize))
    }
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
        assert_eq!(money.display(&Value::Number(1234567.891)), "$1,234,568");
        assert_eq!(money.display(&Value::Number(12.5)), "$12.50");
        assert_eq!(money.display(&Value::Number(-12.5)), "-$12.50");
        let francs = NumberFormat::Money {
            currency: "CHF".into(),
        };
        assert_eq!(francs.display(&Value::Number(99.0)), "99.00 CHF");
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
        assert_eq!(Value::from(f64::NAN), Value::Empty);
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
    }
}
