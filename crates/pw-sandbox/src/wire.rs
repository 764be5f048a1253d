//! Small wire-format pieces the platforms share: base64url (PKCE, cursors), percent-encoding
//! (redirects), money as major-unit strings, JSON responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding (RFC 4648 §5), as PKCE's S256 challenge uses.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let symbols = chunk.len() + 1;
        for i in 0..symbols {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

pub(crate) fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for symbol in text.bytes() {
        let value = ALPHABET.iter().position(|c| *c == symbol)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// An opaque cursor for a position (Meta's `after`, Google's `pageToken`).
pub(crate) fn cursor(position: u64) -> String {
    base64url(format!("pos:{position}").as_bytes())
}

pub(crate) fn decode_cursor(text: &str) -> Option<u64> {
    let bytes = base64url_decode(text)?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("pos:")?
        .parse()
        .ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Micros as a major-unit string with two decimals ("14.35").
pub(crate) fn major(micros: i64) -> String {
    let cents = micros / 10_000;
    format!("{}.{:02}", cents / 100, (cents % 100).abs())
}

/// A JSON response with a status.
pub(crate) fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// Google's error envelope (`google.rpc.Status` as JSON), shared by its APIs that have no
/// richer failure detail (GA4, YouTube Analytics, DV360, Bid Manager).
pub(crate) fn google_error(status: StatusCode, code: &str, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({ "error": { "code": status.as_u16(), "message": message, "status": code } }),
    )
}

/// The integer parameter `name`, or `default` when absent or unreadable.
pub(crate) fn int_param(value: Option<&String>, default: u64) -> u64 {
    value
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_7636_example() {
        use sha2::{Digest, Sha256};
        let challenge = base64url(&Sha256::digest(
            b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(decode_cursor(&cursor(12_345)), Some(12_345));
        assert_eq!(major(14_350_000), "14.35");
    }
}
