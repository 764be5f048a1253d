//! The sandbox over real loopback HTTP, as connectors see it: one test binary, a module per
//! platform.

#![cfg(test)]
mod census;
mod control;
mod dv360;
mod ga4;
mod google_ads;
mod linkedin;
mod meta;
mod pinterest;
mod scale;
mod serper;
mod sign_in;
mod snapchat;
mod tiktok;
mod youtube;

use std::time::Duration;

use chrono::NaiveDate;
use pw_sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use serde_json::Value;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

pub fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Small pages everywhere (7 rows) so every list and report pages.
pub fn config() -> SandboxConfig {
    SandboxConfig {
        seed: 42,
        today: today(),
        days: 40,
        accounts_per_platform: 2,
        campaigns_per_account: 10,
        ad_groups_per_campaign: 2,
        ads_per_ad_group: 2,
        page_size_cap: Some(7),
        slow_response: Duration::from_millis(300),
    }
}

pub async fn start(config: SandboxConfig) -> (RunningSandbox, reqwest::Client) {
    let running = Sandbox::new(config).start(0).await.unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    (running, client)
}

/// Percent-encodes a query value.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn read(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

/// A major-unit money string ("14.35") as micros.
pub fn micros(text: &str) -> i64 {
    let (units, cents) = text.split_once('.').unwrap_or((text, "0"));
    let cents = format!("{cents:0<2}");
    units.parse::<i64>().unwrap() * 1_000_000 + cents[..2].parse::<i64>().unwrap() * 10_000
}

/// Sums a platform's rows as (rows, impressions, clicks, spend micros, conversions).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Sums {
    pub rows: u64,
    pub impressions: i64,
    pub clicks: i64,
    pub spend_micros: i64,
    pub conversions: f64,
}

impl Sums {
    pub fn matches(&self, truth: &pw_sandbox::Truth) {
        assert_eq!(self.rows, truth.rows, "rows");
        assert_eq!(self.impressions, truth.impressions, "impressions");
        assert_eq!(self.clicks, truth.clicks, "clicks");
        assert_eq!(self.spend_micros, truth.spend_micros, "spend");
        assert!(
            (self.conversions - truth.conversions).abs() < 1e-6,
            "conversions"
        );
    }

    pub fn same_totals(&self, other: &Sums) {
        assert_eq!(self.impressions, other.impressions);
        assert_eq!(self.clicks, other.clicks);
        assert_eq!(self.spend_micros, other.spend_micros);
        assert!((self.conversions - other.conversions).abs() < 1e-6);
    }
}
