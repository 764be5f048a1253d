//! A platform request read once up front: its path, its parameters (query string and form body
//! merged, as Graph accepts either), its headers and raw body.

use std::collections::HashMap;

use axum::body::{Bytes, to_bytes};
use axum::extract::{Query, Request};
use axum::http::{HeaderMap, Method, header};

/// Bodies the platforms accept are small; anything larger is not a client we model.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub raw_query: String,
    pub params: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Call {
    pub async fn read(request: Request) -> Self {
        let (parts, body) = request.into_parts();
        let body = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
        let mut params: HashMap<String, String> = Query::try_from_uri(&parts.uri)
            .map(|Query(params)| params)
            .unwrap_or_default();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        if is_form && let Ok(text) = std::str::from_utf8(&body) {
            let uri = format!("/?{text}");
            if let Ok(uri) = uri.parse::<axum::http::Uri>()
                && let Ok(Query(form)) = Query::<HashMap<String, String>>::try_from_uri(&uri)
            {
                params.extend(form);
            }
        }
        Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            raw_query: parts.uri.query().unwrap_or_default().to_owned(),
            params,
            headers: parts.headers,
            body,
        }
    }

    pub fn param(&self, name: &str) -> Option<&String> {
        self.params.get(name).filter(|value| !value.is_empty())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }

    pub fn bearer(&self) -> Option<&str> {
        let value = self.header("authorization")?;
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// `http://host` as the client addressed us, for URLs we hand back (Meta's `paging.next`).
    pub fn origin(&self) -> String {
        let host = self.header("host").unwrap_or("127.0.0.1");
        format!("http://{host}")
    }

    /// Path segments after the platform's mount prefix.
    pub fn segments(&self, prefix: &str) -> Vec<&str> {
        self.path
            .strip_prefix(prefix)
            .unwrap_or(&self.path)
            .split('/')
            .filter(|segment| !segment.is_empty())
            .collect()
    }
}
