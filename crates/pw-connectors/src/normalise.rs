//! Platform values into the workspace's one schema, IO-free and tested on known answers: numbers
//! that arrive as strings or as JSON numbers, money in major units or in micros, each
//! platform's date and time spellings and offsets, and absent metrics told apart from zero.
//!
//! Nothing here guesses. A value that cannot be read is a [`Unmappable`] naming the field and
//! the value, which the sync reports (the row is left out), never a zero. Whether an absent
//! metric means zero is the platform's rule, so callers say it ([`Absent`]): Google's JSON
//! omits fields holding their default (proto3), Meta omits `actions` when nothing happened;
//! an optional figure (reach, video views) a platform does not send stays unknown.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use pw_domain::Micros;
use serde_json::Value;

/// A value the sync could not map, named well enough to find it in the platform's answer.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unmappable {
    pub field: String,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for Unmappable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {} ({})", self.field, self.value, self.reason)
    }
}

fn unmappable(field: &str, value: &Value, reason: &str) -> Unmappable {
    let value = match value {
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    };
    Unmappable {
        field: field.to_owned(),
        value,
        reason: reason.to_owned(),
    }
}

/// What an absent field means on the platform that sent it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// The platform leaves out what is zero (proto3 JSON, Meta's `actions`).
    IsZero,
    /// The platform always sends it: absence is a broken row.
    IsError,
}

/// The text of a number sent as a JSON number or a string; `None` when absent, null or empty
/// (TikTok sends "" and "-" for "no data").
fn numeric_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) => {
            let text = text.trim();
            (!text.is_empty() && text != "-").then(|| text.to_owned())
        }
        _ => Some(String::new()),
    }
}

/// A count (impressions, clicks): a non-negative whole number, as a number or a string. `1e3`
/// and `12.0` are whole; `12.5` and `-3` are not counts.
pub fn count(value: Option<&Value>, field: &str) -> Result<Option<i64>, Unmappable> {
    let Some(text) = numeric_text(value) else {
        return Ok(None);
    };
    let shown = value.unwrap_or(&Value::Null);
    if let Ok(whole) = text.parse::<i64>() {
        return if whole < 0 {
            Err(unmappable(field, shown, "a count cannot be negative"))
        } else {
            Ok(Some(whole))
        };
    }
    match text.parse::<f64>() {
        Ok(number) if number.is_finite() && number.fract() == 0.0 && number >= 0.0 => {
            if number > i64::MAX as f64 {
                Err(unmappable(field, shown, "too large"))
            } else {
                Ok(Some(number as i64))
            }
        }
        Ok(number) if number.is_finite() => Err(unmappable(
            field,
            shown,
            if number < 0.0 {
                "a count cannot be negative"
            } else {
                "a count must be a whole number"
            },
        )),
        _ => Err(unmappable(field, shown, "not a number")),
    }
}

/// A count that must be there unless the platform's rule makes absence zero.
pub fn required_count(
    value: Option<&Value>,
    field: &str,
    absent: Absent,
) -> Result<i64, Unmappable> {
    match count(value, field)? {
        Some(count) => Ok(count),
        None if absent == Absent::IsZero => Ok(0),
        None => Err(unmappable(field, value.unwrap_or(&Value::Null), "missing")),
    }
}

/// A decimal quantity (conversions may be fractional: attributed shares of a sale).
pub fn decimal(value: Option<&Value>, field: &str) -> Result<Option<f64>, Unmappable> {
    let Some(text) = numeric_text(value) else {
        return Ok(None);
    };
    match text.parse::<f64>() {
        Ok(number) if number.is_finite() && number >= 0.0 => Ok(Some(number)),
        Ok(number) if number.is_finite() => Err(unmappable(
            field,
            value.unwrap_or(&Value::Null),
            "cannot be negative",
        )),
        _ => Err(unmappable(
            field,
            value.unwrap_or(&Value::Null),
            "not a number",
        )),
    }
}

/// Money in major units ("14.35", 20.0, "209.449") as exact integer micros. Digits past the
/// sixth decimal are rounded half away from zero; exponents (1e-7) are read through a float.
pub fn money_major(value: Option<&Value>, field: &str) -> Result<Option<Micros>, Unmappable> {
    let Some(text) = numeric_text(value) else {
        return Ok(None);
    };
    let shown = value.unwrap_or(&Value::Null);
    major_units_to_micros(&text)
        .map(Some)
        .ok_or_else(|| unmappable(field, shown, "not an amount of money"))
}

fn major_units_to_micros(text: &str) -> Option<Micros> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.contains(['e', 'E']) {
        let number: f64 = text.parse().ok()?;
        let micros = (number * 1e6).round();
        return (micros.is_finite() && micros.abs() < i64::MAX as f64)
            .then_some(Micros(micros as i64));
    }
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut micros: i64 = 0;
    for (position, digit) in fraction.bytes().take(6).enumerate() {
        micros += i64::from(digit - b'0') * 10_i64.pow(5 - position as u32);
    }
    // Half away from zero on the seventh decimal.
    if fraction.len() > 6 && fraction.as_bytes()[6] >= b'5' {
        micros += 1;
    }
    let magnitude = whole.checked_mul(Micros::PER_UNIT)?.checked_add(micros)?;
    Some(Micros(if negative { -magnitude } else { magnitude }))
}

/// Money already in micros (Google's `costMicros`, Pinterest's `SPEND_IN_MICRO_DOLLAR`,
/// Snapchat's `spend`), as a whole number or a string of one.
pub fn money_micros(value: Option<&Value>, field: &str) -> Result<Option<Micros>, Unmappable> {
    let Some(text) = numeric_text(value) else {
        return Ok(None);
    };
    let shown = value.unwrap_or(&Value::Null);
    if let Ok(micros) = text.parse::<i64>() {
        return Ok(Some(Micros(micros)));
    }
    match text.parse::<f64>() {
        Ok(number)
            if number.is_finite() && number.fract() == 0.0 && number.abs() < i64::MAX as f64 =>
        {
            Ok(Some(Micros(number as i64)))
        }
        _ => Err(unmappable(field, shown, "not a whole number of micros")),
    }
}

/// Money in a currency's minor units (Meta budgets: "5000" is 50.00 USD, 5000 JPY), by the
/// currency's decimals.
pub fn money_minor(
    value: Option<&Value>,
    field: &str,
    minor_digits: u32,
) -> Result<Option<Micros>, Unmappable> {
    let Some(text) = numeric_text(value) else {
        return Ok(None);
    };
    let minor: i64 = text.parse().map_err(|_| {
        unmappable(
            field,
            value.unwrap_or(&Value::Null),
            "not a whole number of minor units",
        )
    })?;
    let per_minor = 10_i64.pow(6_u32.saturating_sub(minor_digits.min(6)));
    minor
        .checked_mul(per_minor)
        .map(|m| Some(Micros(m)))
        .ok_or_else(|| unmappable(field, value.unwrap_or(&Value::Null), "too large"))
}

/// A calendar day as platforms spell a report's day: `2024-06-01` (Meta, Google, Pinterest),
/// `2024-06-01 00:00:00` (TikTok's `stat_time_day`), `20240601` (GA4's `date`). The day is the
/// account's, as the platform reckons it: no time zone is applied.
pub fn day(value: Option<&Value>, field: &str) -> Result<NaiveDate, Unmappable> {
    let shown = value.unwrap_or(&Value::Null);
    let Some(Value::String(text)) = value else {
        return Err(unmappable(field, shown, "missing day"));
    };
    let text = text.trim();
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date_part, "%Y%m%d"))
        .map_err(|_| unmappable(field, shown, "not a date"))
}

/// An instant with an offset, as RFC 3339 (`2024-01-15T10:00:00.000Z`) or as Meta and
/// Snapchat write it, the offset without a colon (`2024-03-12T15:02:47-0700`,
/// `2024-01-15T00:00:00.000-0800`).
pub fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
}

/// The calendar day an instant falls on in its own offset (a Snapchat stats bucket that starts
/// `2024-01-15T00:00:00.000-0800` is the account's 15 January).
pub fn day_of_instant(value: Option<&Value>, field: &str) -> Result<NaiveDate, Unmappable> {
    let shown = value.unwrap_or(&Value::Null);
    match value {
        Some(Value::String(text)) => instant(text.trim())
            .map(|at| at.date_naive())
            .ok_or_else(|| unmappable(field, shown, "not a time")),
        _ => Err(unmappable(field, shown, "missing time")),
    }
}

/// An entity's change time in any platform's spelling, as UTC: an instant with an offset
/// (Meta, Snapchat, Google's `updateTime`), `YYYY-MM-DD HH:MM:SS` (TikTok, which reckons these
/// in UTC), unix seconds (Pinterest) or milliseconds (LinkedIn), as numbers or strings.
pub fn updated_at(value: Option<&Value>) -> Option<DateTime<Utc>> {
    match value? {
        Value::Number(number) => epoch(number.as_i64()?),
        Value::String(text) => {
            let text = text.trim();
            if let Some(at) = instant(text) {
                return Some(at.with_timezone(&Utc));
            }
            if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S") {
                return Some(Utc.from_utc_datetime(&naive));
            }
            epoch(text.parse().ok()?)
        }
        _ => None,
    }
}

/// Unix seconds or, past the year 5138 in seconds, milliseconds (LinkedIn's audit stamps).
fn epoch(number: i64) -> Option<DateTime<Utc>> {
    if number.abs() >= 100_000_000_000 {
        DateTime::from_timestamp_millis(number)
    } else {
        DateTime::from_timestamp(number, 0)
    }
}

/// LinkedIn's `{year, month, day}` date objects.
pub fn date_object(value: Option<&Value>, field: &str) -> Result<NaiveDate, Unmappable> {
    let shown = value.unwrap_or(&Value::Null);
    let part = |name: &str| value.and_then(|v| v.get(name)).and_then(Value::as_u64);
    match (part("year"), part("month"), part("day")) {
        (Some(year), Some(month), Some(day)) => {
            NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)
                .ok_or_else(|| unmappable(field, shown, "not a date"))
        }
        _ => Err(unmappable(field, shown, "not a {year, month, day} date")),
    }
}

/// Yesterday in a time zone: the last day a platform reports whole.
pub fn yesterday_in(zone: &str, now: DateTime<Utc>) -> NaiveDate {
    let today = zone
        .parse::<chrono_tz::Tz>()
        .map(|tz| now.with_timezone(&tz).date_naive())
        .unwrap_or_else(|_| now.date_naive());
    today.pred_opt().unwrap_or(today)
}

/// A field's text: strings as they are, numbers as their digits (platforms send ids as
/// either).
pub fn field_text(row: &Value, name: &str) -> Option<String> {
    match row.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A value read through one of the workspace's closed vocabularies (a status, an objective),
/// or what the sync reports when the platform sent one it does not know.
pub fn known<T>(value: Option<T>, field: &str, raw: &str, what: &str) -> Result<T, Unmappable> {
    value.ok_or_else(|| Unmappable {
        field: field.to_owned(),
        value: format!("\"{raw}\""),
        reason: format!("not a {what} we know"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn counts_arrive_as_numbers_or_strings_and_are_checked() {
        let cases: &[(Value, Result<Option<i64>, &str>)] = &[
            (json!("185"), Ok(Some(185))),
            (json!(185), Ok(Some(185))),
            (json!(" 42 "), Ok(Some(42))),
            (json!("1e3"), Ok(Some(1000))),
            (json!(12.0), Ok(Some(12))),
            (json!(""), Ok(None)),
            (json!("-"), Ok(None)),
            (json!(null), Ok(None)),
            (json!("12.5"), Err("a count must be a whole number")),
            (json!("-3"), Err("a count cannot be negative")),
            (json!("n/a"), Err("not a number")),
            (json!("NaN"), Err("not a number")),
            (json!(true), Err("not a number")),
        ];
        for (value, expected) in cases {
            let got = count(Some(value), "impressions").map_err(|e| e.reason.clone());
            assert_eq!(got, expected.map_err(str::to_owned), "{value}");
        }
        assert_eq!(count(None, "clicks"), Ok(None));
    }

    #[test]
    fn absent_is_zero_only_where_the_platform_says_so() {
        assert_eq!(required_count(None, "clicks", Absent::IsZero), Ok(0));
        let missing = required_count(None, "clicks", Absent::IsError).unwrap_err();
        assert_eq!(
            (missing.field.as_str(), missing.reason.as_str()),
            ("clicks", "missing")
        );
        assert_eq!(
            required_count(Some(&json!("0")), "clicks", Absent::IsError),
            Ok(0)
        );
    }

    #[test]
    fn money_in_major_units_is_exact_micros() {
        let cases: &[(Value, Option<i64>)] = &[
            (json!("14.35"), Some(14_350_000)),
            (json!(20.0), Some(20_000_000)),
            (json!("209.449"), Some(209_449_000)),
            (json!("0.1234565"), Some(123_457)),
            (json!("0.1234564"), Some(123_456)),
            (json!("-1.5"), Some(-1_500_000)),
            (json!(".5"), Some(500_000)),
            (json!("1e-7"), Some(0)),
            (json!("1.5e2"), Some(150_000_000)),
            (json!("12,50"), None),
            (json!("USD 3"), None),
        ];
        for (value, expected) in cases {
            let got = money_major(Some(value), "spend")
                .ok()
                .flatten()
                .map(|m| m.0);
            assert_eq!(got, *expected, "{value}");
        }
        let bad = money_major(Some(&json!("12,50")), "spend").unwrap_err();
        assert_eq!(bad.value, "\"12,50\"");
    }

    #[test]
    fn money_in_micros_and_minor_units() {
        assert_eq!(
            money_micros(Some(&json!("1061083620")), "costMicros"),
            Ok(Some(Micros(1_061_083_620)))
        );
        assert_eq!(
            money_micros(Some(&json!(5_000_000)), "spend"),
            Ok(Some(Micros(5_000_000)))
        );
        assert!(money_micros(Some(&json!("10.5")), "spend").is_err());
        assert_eq!(
            money_minor(Some(&json!("5000")), "daily_budget", 2),
            Ok(Some(Micros(50_000_000)))
        );
        assert_eq!(
            money_minor(Some(&json!("5000")), "daily_budget", 0),
            Ok(Some(Micros(5_000_000_000)))
        );
        assert_eq!(
            money_minor(Some(&json!("5000")), "daily_budget", 3),
            Ok(Some(Micros(5_000_000)))
        );
    }

    #[test]
    fn days_in_every_platform_spelling() {
        let june_first = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        for text in [
            "2024-06-01",
            "2024-06-01 00:00:00",
            "20240601",
            "2024-06-01T00:00:00",
        ] {
            assert_eq!(day(Some(&json!(text)), "date"), Ok(june_first), "{text}");
        }
        assert!(day(Some(&json!("06/01/2024")), "date").is_err());
        assert!(day(None, "date").is_err());
        assert_eq!(
            date_object(
                Some(&json!({"year": 2023, "month": 1, "day": 2})),
                "dateRange.start"
            ),
            Ok(NaiveDate::from_ymd_opt(2023, 1, 2).unwrap())
        );
        assert!(date_object(Some(&json!({"year": 2023, "month": 13, "day": 2})), "d").is_err());
    }

    #[test]
    fn negative_offsets_keep_the_local_day() {
        // Snapchat's day bucket in Los Angeles starts at 08:00 UTC: still the 15th locally.
        let bucket = json!("2024-01-15T00:00:00.000-0800");
        assert_eq!(
            day_of_instant(Some(&bucket), "start_time"),
            Ok(NaiveDate::from_ymd_opt(2024, 1, 15).unwrap())
        );
        // Meta's offset without a colon, read as the right UTC instant.
        let meta = updated_at(Some(&json!("2024-03-12T15:02:47-0700"))).unwrap();
        assert_eq!(meta.to_rfc3339(), "2024-03-12T22:02:47+00:00");
        let tiktok = updated_at(Some(&json!("2024-06-01 09:30:00"))).unwrap();
        assert_eq!(tiktok.to_rfc3339(), "2024-06-01T09:30:00+00:00");
        let pinterest = updated_at(Some(&json!(1_432_744_744))).unwrap();
        assert_eq!(pinterest.to_rfc3339(), "2015-05-27T16:39:04+00:00");
        let linkedin = updated_at(Some(&json!(1_717_200_000_000_i64))).unwrap();
        assert_eq!(linkedin.to_rfc3339(), "2024-06-01T00:00:00+00:00");
        assert_eq!(updated_at(Some(&json!("yesterday"))), None);
    }

    #[test]
    fn yesterday_is_reckoned_in_the_accounts_zone() {
        // 03:00 UTC on 2 June is still 1 June in Los Angeles: yesterday there is 31 May.
        let now = Utc.with_ymd_and_hms(2024, 6, 2, 3, 0, 0).unwrap();
        assert_eq!(
            yesterday_in("America/Los_Angeles", now),
            NaiveDate::from_ymd_opt(2024, 5, 31).unwrap()
        );
        assert_eq!(
            yesterday_in("Europe/Berlin", now),
            NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
        );
    }
}
