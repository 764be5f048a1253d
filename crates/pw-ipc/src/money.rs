//! Money on the wire. Amounts cross as their integer micros written in decimal digits, because a
//! JavaScript number is exact only up to 2^53 micros (about 9 billion currency units), and an
//! agency reporting in IDR, KRW or VND passes that in a quarter. The UI formats the text with
//! BigInt; charts may turn it into a number, where a rounding error is below a pixel.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::{ErrorKind, IpcError};

/// Integer micros of a currency, as decimal text ("-12500000" is -12.50).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(transparent)]
pub struct Micros(pub String);

impl From<pw_engine::Micros> for Micros {
    fn from(amount: pw_engine::Micros) -> Self {
        Micros(amount.0.to_string())
    }
}

impl From<i64> for Micros {
    fn from(micros: i64) -> Self {
        Micros(micros.to_string())
    }
}

impl Micros {
    /// Reads an amount the webview sent; anything but an optionally signed integer that fits in
    /// 64 bits is refused, so no amount is ever guessed.
    pub fn parse(&self) -> Result<i64, IpcError> {
        let text = self.0.trim();
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IpcError::new(
                ErrorKind::InvalidInput,
                format!(
                    "\"{}\" is not an amount in micros (whole digits only)",
                    self.0
                ),
            ));
        }
        text.parse().map_err(|_| {
            IpcError::new(
                ErrorKind::InvalidInput,
                format!("the amount {} is too large", self.0),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_past_two_to_the_53_cross_exactly() {
        let huge = pw_engine::Micros(i64::MAX - 1);
        let wire = serde_json::to_string(&Micros::from(huge)).unwrap();
        assert_eq!(wire, "\"9223372036854775806\"");
        let back: Micros = serde_json::from_str(&wire).unwrap();
        assert_eq!(back.parse().unwrap(), i64::MAX - 1);
    }

    #[test]
    fn anything_but_whole_micros_is_refused() {
        for bad in ["", "-", "12.5", "1e9", "abc", "99999999999999999999"] {
            let error = Micros(bad.into()).parse().unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidInput, "{bad}");
        }
        assert_eq!(Micros("-42".into()).parse().unwrap(), -42);
    }
}
