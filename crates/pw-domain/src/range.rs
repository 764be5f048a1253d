//! Inclusive calendar date ranges. Report dates are calendar days in the ad account's time zone,
//! so they are plain dates here, never instants.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, RangeError> {
        if end < start {
            return Err(RangeError::EndBeforeStart { start, end });
        }
        Ok(DateRange { start, end })
    }

    /// Parses two `YYYY-MM-DD` dates.
    pub fn parse(start: &str, end: &str) -> Result<Self, RangeError> {
        let parse = |text: &str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| RangeError::InvalidDate(text.to_owned()))
        };
        DateRange::new(parse(start)?, parse(end)?)
    }

    /// The last `days` days ending on `end`, inclusive.
    pub fn ending(end: NaiveDate, days: u32) -> Self {
        let start = end
            .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
            .unwrap_or(NaiveDate::MIN);
        DateRange { start, end }
    }

    pub fn days(&self) -> u32 {
        (self.end - self.start).num_days() as u32 + 1
    }

    /// The range of equal length that ends the day before this one starts: what "change against
    /// the previous period" compares with.
    pub fn previous(&self) -> Self {
        let end = self.start.pred_opt().unwrap_or(NaiveDate::MIN);
        DateRange::ending(end, self.days())
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("'{0}' is not a date (expected YYYY-MM-DD)")]
    InvalidDate(String),
    #[error("the range ends ({end}) before it starts ({start})")]
    EndBeforeStart { start: NaiveDate, end: NaiveDate },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previous_period_has_the_same_length_and_abuts() {
        let range = DateRange::parse("2026-03-01", "2026-03-31").unwrap();
        let previous = range.previous();
        assert_eq!(previous.days(), 31);
        assert_eq!(previous.end.to_string(), "2026-02-28");
        assert_eq!(previous.start.to_string(), "2026-01-29");
    }

    #[test]
    fn rejects_inverted_and_malformed_ranges() {
        assert!(matches!(
            DateRange::parse("2026-03-02", "2026-03-01"),
            Err(RangeError::EndBeforeStart { .. })
        ));
        assert!(matches!(
            DateRange::parse("2026-13-01", "2026-03-01"),
            Err(RangeError::InvalidDate(_))
        ));
    }
}
