//! Instants are stored as RFC 3339 UTC text with millisecond precision and a `Z`
//! (`2026-11-25T10:00:00.000Z`), which sorts correctly as text and reads well in exported files.
//! Repositories hand them out as `DateTime<Utc>` and write them back in exactly that form.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

/// Now, to the millisecond: what is stored, so a row written and read back is equal to itself.
pub fn now_instant() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// Now as stored text.
pub fn now_rfc3339() -> String {
    format_instant(now_instant())
}

/// The stored text of an instant: RFC 3339 UTC with milliseconds and a `Z`.
pub fn format_instant(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_instant_reads_and_writes_back_as_the_same_text() {
        for text in [
            "2026-11-25T10:00:00.000Z",
            "2026-02-28T23:59:59.999Z",
            "1999-12-31T00:00:00.001Z",
        ] {
            let instant = parse_rfc3339(text).unwrap();
            assert_eq!(format_instant(instant), text);
        }
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-25T10:00:00.000Z".len());
        assert!(now.ends_with('Z'));
        assert_eq!(format_instant(parse_rfc3339(&now).unwrap()), now);
        let instant = now_instant();
        assert_eq!(parse_rfc3339(&format_instant(instant)), Some(instant));
    }
}
