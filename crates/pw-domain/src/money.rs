//! Money as integer micros of a currency. Floats never hold money: sums of floats drift, and a
//! client deck that is off by a cent loses the marketer's trust.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An amount in millionths of a currency unit (the unit ad platforms report: Google Ads'
/// `cost_micros`, Meta's spend converted at ingest).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Micros(pub i64);

impl Micros {
    pub const PER_UNIT: i64 = 1_000_000;

    pub fn from_units(units: i64) -> Self {
        Micros(units * Self::PER_UNIT)
    }

    /// Parses a decimal amount such as `"12.34"` exactly, without going through a float.
    pub fn parse_decimal(text: &str) -> Result<Self, MoneyError> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let valid = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !valid(whole) || !valid(fraction) || fraction.len() > 6 {
            return Err(MoneyError::InvalidAmount(text.to_owned()));
        }
        let whole: i64 = whole
            .parse()
            .map_err(|_| MoneyError::InvalidAmount(text.to_owned()))?;
        let mut fraction_micros: i64 = 0;
        for (position, digit) in fraction.bytes().enumerate() {
            fraction_micros += i64::from(digit - b'0') * 10_i64.pow(5 - position as u32);
        }
        let magnitude = whole
            .checked_mul(Self::PER_UNIT)
            .and_then(|m| m.checked_add(fraction_micros))
            .ok_or_else(|| MoneyError::InvalidAmount(text.to_owned()))?;
        Ok(Micros(if negative { -magnitude } else { magnitude }))
    }

    /// The amount as a float of currency units, for ratios and display only (never stored).
    pub fn as_units_f64(self) -> f64 {
        self.0 as f64 / Self::PER_UNIT as f64
    }
}

impl Micros {
    /// The amount in units with `digits` decimals (at most 6), rounded half away from zero, in
    /// integer arithmetic so it is exact at any size: `Micros(1_234_567).to_decimal(2)` is "1.23".
    pub fn to_decimal(self, digits: u32) -> String {
        let digits = digits.min(6);
        let step = 10_i128.pow(6 - digits);
        let value = i128::from(self.0);
        let half = step / 2;
        let minor = if value >= 0 {
            (value + half) / step
        } else {
            (value - half) / step
        };
        let sign = if minor < 0 { "-" } else { "" };
        let magnitude = minor.unsigned_abs();
        let base = 10_u128.pow(digits);
        let whole = magnitude / base;
        if digits == 0 {
            format!("{sign}{whole}")
        } else {
            let fraction = magnitude % base;
            format!("{sign}{whole}.{fraction:0width$}", width = digits as usize)
        }
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let cents = (magnitude + 5_000) / 10_000;
        write!(f, "{sign}{}.{:02}", cents / 100, cents % 100)
    }
}

/// An ISO 4217 currency code, upper case, three letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Decimals in everyday amounts of this currency: none for a won, a dong or a rupiah, three
    /// for a Kuwaiti dinar's fils, two otherwise. The lists are CLDR's (what Intl uses on the
    /// app's screens), so the CLI and the window write the same amount the same way.
    pub fn minor_digits(&self) -> u32 {
        const NONE: [&str; 33] = [
            "AFN", "ALL", "BIF", "CLP", "COP", "DJF", "GNF", "HUF", "IDR", "IQD", "IRR", "ISK",
            "JPY", "KMF", "KPW", "KRW", "LAK", "LBP", "MGA", "MMK", "PKR", "PYG", "RWF", "SLL",
            "SOS", "SYP", "UGX", "VND", "VUV", "XAF", "XOF", "XPF", "YER",
        ];
        const THREE: [&str; 6] = ["BHD", "JOD", "KWD", "LYD", "OMR", "TND"];
        if NONE.contains(&self.as_str()) {
            0
        } else if THREE.contains(&self.as_str()) {
            3
        } else {
            2
        }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let code = code.trim();
        if code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()) {
            Ok(Currency(code.to_ascii_uppercase()))
        } else {
            Err(MoneyError::InvalidCurrency(code.to_owned()))
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(code: String) -> Result<Self, Self::Error> {
        code.parse()
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> String {
        currency.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error(
        "'{0}' is not an amount of money (expected digits with at most 6 decimals, like 12.50)"
    )]
    InvalidAmount(String),
    #[error("'{0}' is not a currency code (expected three letters, like USD)")]
    InvalidCurrency(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_exactly() {
        assert_eq!(Micros::parse_decimal("12.34").unwrap(), Micros(12_340_000));
        assert_eq!(Micros::parse_decimal("-0.000001").unwrap(), Micros(-1));
        assert_eq!(Micros::parse_decimal("7").unwrap(), Micros(7_000_000));
        assert!(Micros::parse_decimal("1.2345678").is_err());
        assert!(Micros::parse_decimal("abc").is_err());
        assert!(Micros::parse_decimal(".5").is_err());
    }

    #[test]
    fn displays_rounded_to_cents() {
        assert_eq!(Micros(12_345_000).to_string(), "12.35");
        assert_eq!(Micros(-1_004_999).to_string(), "-1.00");
    }

    #[test]
    fn amounts_round_to_the_currency_s_own_decimals() {
        let amount = Micros(123_456_789_012_345_675);
        assert_eq!(amount.to_decimal(2), "123456789012.35");
        assert_eq!(amount.to_decimal(0), "123456789012");
        assert_eq!(Micros(1_234_567).to_decimal(3), "1.235");
        assert_eq!(Micros(-500_000).to_decimal(0), "-1");
        assert_eq!(Micros(-4_000).to_decimal(2), "0.00");
        assert_eq!(Micros(i64::MAX).to_decimal(6), "9223372036854.775807");
        assert_eq!("KRW".parse::<Currency>().unwrap().minor_digits(), 0);
        assert_eq!("KWD".parse::<Currency>().unwrap().minor_digits(), 3);
        assert_eq!("EUR".parse::<Currency>().unwrap().minor_digits(), 2);
    }

    #[test]
    fn currency_codes_are_normalised_and_checked() {
        assert_eq!("usd".parse::<Currency>().unwrap().as_str(), "USD");
        assert!("US".parse::<Currency>().is_err());
        assert!("U$D".parse::<Currency>().is_err());
    }
}
