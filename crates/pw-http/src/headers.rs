//! What an endpoint says about when to come back: `Retry-After` (and `retry-after-ms`),
//! `x-ratelimit-*` counts and resets. Every value is outside input: it is validated and
//! clamped, never trusted to fit our clock arithmetic.

use std::time::Duration;

use http::HeaderMap;

/// The longest wait any header is read as: an endpoint that asks for more than a day means "not
/// today", and no clock arithmetic should overflow on what it wrote.
pub(crate) const LONGEST_HEADER_WAIT: Duration = Duration::from_secs(24 * 3600);

pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(crate) fn count(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_text(headers, name).and_then(|v| v.trim().parse::<u64>().ok())
}

/// A number of seconds an endpoint wrote, as a wait: nothing for negative, infinite or not-a-number
/// values, at most [`LONGEST_HEADER_WAIT`] for huge ones.
fn seconds(value: f64) -> Option<Duration> {
    (value.is_finite() && value >= 0.0)
        .then(|| Duration::from_secs_f64(value.min(LONGEST_HEADER_WAIT.as_secs_f64())))
}

/// How long the endpoint asked us to wait: `retry-after-ms`, `Retry-After` in seconds (integer or
/// fractional) or as an HTTP date; values that are not a usable wait are ignored.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    if let Some(wait) = header_text(headers, "retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|ms| seconds(ms / 1000.0))
    {
        return Some(wait);
    }
    let value = header_text(headers, "retry-after")?;
    if let Ok(number) = value.trim().parse::<f64>() {
        return seconds(number);
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
        .map(|wait| wait.min(LONGEST_HEADER_WAIT))
}

/// OpenAI's reset durations: `1s`, `6m0s`, `12ms`, `1m30.5s`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    let mut parsed_any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * unit;
        number.clear();
        parsed_any = true;
    }
    if !parsed_any || !number.is_empty() {
        return None;
    }
    seconds(total)
}

pub(crate) fn until_rfc3339(text: &str) -> Option<Duration> {
    let when = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    (when.with_timezone(&chrono::Utc) - chrono::Utc::now())
        .to_std()
        .ok()
        .map(|wait| wait.min(LONGEST_HEADER_WAIT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(
            parse_go_duration("1m30.5s"),
            Some(Duration::from_millis(90_500))
        );
        assert_eq!(parse_go_duration("soon"), None);
    }

    #[test]
    fn durations_a_vendor_writes_are_clamped_or_refused_never_a_panic() {
        assert_eq!(
            parse_go_duration("99999999999999999999999999h"),
            Some(LONGEST_HEADER_WAIT)
        );
        assert_eq!(parse_go_duration(&"9".repeat(400)), None, "no unit");
        assert_eq!(parse_go_duration(&format!("{}s", "9".repeat(400))), None);
        assert_eq!(parse_go_duration("-1s"), None);
        assert_eq!(parse_go_duration("1e3s"), None);
        assert_eq!(parse_go_duration("1..5s"), None);
        assert_eq!(parse_go_duration(""), None);
    }

    #[test]
    fn retry_after_accepts_seconds_fractions_milliseconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after", "0.25".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.insert("retry-after-ms", "40".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(40)));
        let mut dated = HeaderMap::new();
        let later = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        dated.insert("retry-after", later.parse().unwrap());
        let wait = retry_after(&dated).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
    }

    #[test]
    fn retry_after_values_that_are_no_wait_are_ignored_and_huge_ones_clamped() {
        let read = |pairs: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, value.parse().unwrap());
            }
            retry_after(&headers)
        };
        for garbage in ["inf", "-inf", "NaN", "-5", "soon", "", "1e400"] {
            assert_eq!(read(&[("retry-after-ms", garbage)]), None, "{garbage}");
            assert_eq!(read(&[("retry-after", garbage)]), None, "{garbage}");
        }
        assert_eq!(read(&[("retry-after", "1e20")]), Some(LONGEST_HEADER_WAIT));
        assert_eq!(
            read(&[("retry-after-ms", "1e300")]),
            Some(LONGEST_HEADER_WAIT)
        );
        let far = (chrono::Utc::now() + chrono::Duration::days(400)).to_rfc2822();
        assert_eq!(read(&[("retry-after", &far)]), Some(LONGEST_HEADER_WAIT));
        // An unusable millisecond value leaves the seconds header to speak.
        assert_eq!(
            read(&[("retry-after-ms", "inf"), ("retry-after", "3")]),
            Some(Duration::from_secs(3))
        );
    }
}
