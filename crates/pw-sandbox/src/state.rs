//! The fake's mutable state: faults waiting to fire, the request log, issued tokens, OAuth
//! codes, Meta's async report runs and the revisions. Everything else is computed.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::data::World;
use crate::{Fault, FaultKind, SandboxConfig, SandboxPlatform};

pub(crate) struct Shared {
    pub config: SandboxConfig,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    faults: Vec<Fault>,
    requests: HashMap<String, u64>,
    tokens: HashMap<String, Token>,
    refresh_tokens: HashMap<String, RefreshToken>,
    codes: HashMap<String, AuthCode>,
    jobs: HashMap<String, ReportRun>,
    /// Pinterest, LinkedIn and Snapchat refresh tokens: platform, and whether retired.
    platform_refresh: HashMap<String, (SandboxPlatform, bool)>,
    /// Pinterest's asynchronous reports, by token.
    pin_reports: HashMap<String, PinReport>,
    /// Bid Manager's queries and reports, by id: the JSON the platform holds and how often
    /// it was read.
    documents: HashMap<String, (serde_json::Value, u32)>,
    revisions: Vec<DateTime<Utc>>,
    counter: u64,
}

#[derive(Clone)]
struct Token {
    platform: SandboxPlatform,
    revoked: bool,
    refresh_token: Option<String>,
}

#[derive(Clone)]
pub(crate) struct RefreshToken {
    pub client_id: String,
    pub scope: String,
    pub revoked: bool,
}

#[derive(Clone)]
pub(crate) struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    pub scope: String,
}

/// A Meta async insights job: the parameters it was created with and how often it was polled.
#[derive(Clone)]
pub(crate) struct ReportRun {
    pub account: u32,
    pub params: HashMap<String, String>,
    pub polls: u32,
    pub failed: bool,
}

/// A Pinterest asynchronous report: what it covers and how often its status was read.
#[derive(Clone)]
pub(crate) struct PinReport {
    pub account: u32,
    pub level: crate::Level,
    pub from: chrono::NaiveDate,
    pub until: chrono::NaiveDate,
    pub columns: Vec<String>,
    pub polls: u32,
}

/// What a token check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenState {
    Valid,
    Revoked,
    Unknown,
}

impl Shared {
    pub fn new(config: SandboxConfig) -> Self {
        Self {
            config,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind, still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The data as of the current revision.
    pub fn world(&self) -> World {
        World::new(self.config.clone(), self.lock().revisions.clone())
    }

    pub fn add_fault(&self, fault: Fault) {
        tracing::debug!(?fault, "fault added");
        self.lock().faults.push(fault);
    }

    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Takes one use of the first fault matching this request, if any.
    pub fn take_fault(&self, platform: SandboxPlatform, path: &str) -> Option<FaultKind> {
        let mut inner = self.lock();
        let index = inner.faults.iter().position(|fault| {
            fault.platform == platform
                && fault.times > 0
                && fault
                    .path_contains
                    .as_deref()
                    .is_none_or(|part| path.contains(part))
        })?;
        let fault = &mut inner.faults[index];
        fault.times -= 1;
        let kind = fault.kind;
        if fault.times == 0 {
            inner.faults.remove(index);
        }
        Some(kind)
    }

    pub fn log_request(&self, path: &str) {
        *self.lock().requests.entry(path.to_owned()).or_default() += 1;
    }

    pub fn request_count(&self, path_contains: &str) -> u64 {
        self.lock()
            .requests
            .iter()
            .filter(|(path, _)| path.contains(path_contains))
            .map(|(_, count)| count)
            .sum()
    }

    pub fn revise(&self) {
        self.lock().revisions.push(Utc::now());
    }

    /// A fresh opaque string, distinct for every call (the seed keeps runs reproducible).
    pub fn mint(&self, kind: &str) -> String {
        let counter = {
            let mut inner = self.lock();
            inner.counter += 1;
            inner.counter
        };
        let digest = Sha256::digest(format!("{}:{kind}:{counter}", self.config.seed));
        digest.iter().map(|byte| format!("{byte:02x}")).collect()
    }

    /// A run of digits of the given length, distinct for every call.
    pub fn mint_digits(&self, length: usize) -> String {
        let hex = self.mint("digits");
        let mut digits: String = hex
            .bytes()
            .map(|byte| char::from(b'0' + byte % 10))
            .take(length)
            .collect();
        // Ids never start with a zero.
        digits.replace_range(0..1, "1");
        digits
    }

    pub fn issue_token(&self, platform: SandboxPlatform) -> String {
        self.issue_token_with_refresh(platform, None)
    }

    pub fn issue_token_with_refresh(
        &self,
        platform: SandboxPlatform,
        refresh_token: Option<String>,
    ) -> String {
        let raw = self.mint("token");
        let token = match platform {
            SandboxPlatform::Meta => format!("EAAB{}", &raw[..48]),
            SandboxPlatform::GoogleAds
            | SandboxPlatform::Ga4
            | SandboxPlatform::Youtube
            | SandboxPlatform::Dv360 => format!("ya29.a0{}", &raw[..56]),
            SandboxPlatform::Tiktok => raw[..40].to_owned(),
            SandboxPlatform::Pinterest => format!("pina_{}", &raw[..56]),
            SandboxPlatform::Linkedin => format!("AQV{}", &raw[..60]),
            SandboxPlatform::Snapchat => format!("eyJhbGciOiJIUzI1NiJ9.{}", &raw[..48]),
            // API keys: Census keys are 40 hex digits, Serper's 40 too.
            SandboxPlatform::Census | SandboxPlatform::Serper => raw[..40].to_owned(),
        };
        self.lock().tokens.insert(
            token.clone(),
            Token {
                platform,
                revoked: false,
                refresh_token,
            },
        );
        token
    }

    pub fn token_state(&self, platform: SandboxPlatform, token: &str) -> TokenState {
        match self.lock().tokens.get(token) {
            Some(found) if found.platform == platform && found.revoked => TokenState::Revoked,
            Some(found) if found.platform == platform => TokenState::Valid,
            _ => TokenState::Unknown,
        }
    }

    /// A Google access token works on every Google API its scopes allow (the sandbox does not
    /// model scopes): one issued for Google Ads or by the Google OAuth routes is good for GA4,
    /// YouTube and DV360 too.
    pub fn google_token_state(&self, token: &str) -> TokenState {
        match self.lock().tokens.get(token) {
            Some(found) if found.platform.is_google() && found.revoked => TokenState::Revoked,
            Some(found) if found.platform.is_google() => TokenState::Valid,
            _ => TokenState::Unknown,
        }
    }

    /// Revokes an access token and, for Google, the refresh token it was issued from.
    pub fn revoke_token(&self, token: &str) {
        let mut inner = self.lock();
        let refresh = inner.tokens.get_mut(token).and_then(|found| {
            found.revoked = true;
            found.refresh_token.clone()
        });
        if let Some(refresh) = refresh.and_then(|refresh| inner.refresh_tokens.get_mut(&refresh)) {
            refresh.revoked = true;
        }
    }

    pub fn add_code(&self, code: String, grant: AuthCode) {
        self.lock().codes.insert(code, grant);
    }

    /// Codes are single-use: taking one removes it whatever the exchange's outcome, as Google does.
    pub fn take_code(&self, code: &str) -> Option<AuthCode> {
        self.lock().codes.remove(code)
    }

    pub fn add_refresh_token(&self, token: String, grant: RefreshToken) {
        self.lock().refresh_tokens.insert(token, grant);
    }

    pub fn refresh_token(&self, token: &str) -> Option<RefreshToken> {
        self.lock().refresh_tokens.get(token).cloned()
    }

    pub fn add_job(&self, id: String, run: ReportRun) {
        self.lock().jobs.insert(id, run);
    }

    /// Counts a status poll and returns the job as it stood before it.
    pub fn poll_job(&self, id: &str) -> Option<ReportRun> {
        let mut inner = self.lock();
        let run = inner.jobs.get_mut(id)?;
        let before = run.clone();
        run.polls += 1;
        Some(before)
    }

    pub fn job(&self, id: &str) -> Option<ReportRun> {
        self.lock().jobs.get(id).cloned()
    }
}

impl Shared {
    /// An access token with a refresh token (see `Sandbox::issue_refreshable`).
    pub fn issue_refreshable(&self, platform: SandboxPlatform) -> (String, String) {
        match platform {
            SandboxPlatform::Meta
            | SandboxPlatform::Tiktok
            | SandboxPlatform::Census
            | SandboxPlatform::Serper => (self.issue_token(platform), String::new()),
            SandboxPlatform::GoogleAds
            | SandboxPlatform::Ga4
            | SandboxPlatform::Youtube
            | SandboxPlatform::Dv360 => {
                let refresh = format!("1//0{}", &self.mint("refresh")[..60]);
                self.add_refresh_token(
                    refresh.clone(),
                    RefreshToken {
                        client_id: "sandbox-app".into(),
                        scope: "https://www.googleapis.com/auth/adwords".into(),
                        revoked: false,
                    },
                );
                let access = self.issue_token_with_refresh(platform, Some(refresh.clone()));
                (access, refresh)
            }
            _ => {
                let refresh = self.mint_refresh(platform);
                (self.issue_token(platform), refresh)
            }
        }
    }

    /// A new refresh token of a non-Google platform.
    pub fn mint_refresh(&self, platform: SandboxPlatform) -> String {
        let raw = self.mint("refresh");
        let token = match platform {
            SandboxPlatform::Pinterest => format!("pinr_{}", &raw[..56]),
            SandboxPlatform::Linkedin => format!("AQW{}", &raw[..60]),
            _ => format!("snr_{}", &raw[..48]),
        };
        self.lock()
            .platform_refresh
            .insert(token.clone(), (platform, false));
        token
    }

    /// Uses a refresh token: `None` when it is unknown, another platform's or retired; else
    /// the refresh token to hand back, a new one (the old one retired) when `rotate`.
    pub fn use_refresh(
        &self,
        platform: SandboxPlatform,
        token: &str,
        rotate: bool,
    ) -> Option<String> {
        let successor = rotate.then(|| self.mint_refresh(platform));
        let mut inner = self.lock();
        let usable =
            matches!(inner.platform_refresh.get(token), Some((p, false)) if *p == platform);
        if !usable {
            if let Some(successor) = &successor {
                inner.platform_refresh.remove(successor);
            }
            return None;
        }
        match successor {
            Some(successor) => {
                if let Some(entry) = inner.platform_refresh.get_mut(token) {
                    entry.1 = true;
                }
                Some(successor)
            }
            None => Some(token.to_owned()),
        }
    }

    pub fn add_pin_report(&self, token: String, report: PinReport) {
        self.lock().pin_reports.insert(token, report);
    }

    /// Counts a status read and returns the report as it stood before it.
    pub fn poll_pin_report(&self, token: &str) -> Option<PinReport> {
        let mut inner = self.lock();
        let report = inner.pin_reports.get_mut(token)?;
        let before = report.clone();
        report.polls += 1;
        Some(before)
    }

    pub fn pin_report(&self, token: &str) -> Option<PinReport> {
        self.lock().pin_reports.get(token).cloned()
    }
}

impl Shared {
    pub fn put_document(&self, id: String, document: serde_json::Value) {
        self.lock().documents.insert(id, (document, 0));
    }

    /// Removes a document; whether it was there.
    pub fn remove_document(&self, id: &str) -> bool {
        self.lock().documents.remove(id).is_some()
    }

    /// How many documents' ids start with `prefix`.
    pub fn document_count(&self, prefix: &str) -> usize {
        self.lock()
            .documents
            .keys()
            .filter(|id| id.starts_with(prefix))
            .count()
    }

    /// Counts a read and returns the document with the reads before this one.
    pub fn read_document(&self, id: &str) -> Option<(serde_json::Value, u32)> {
        let mut inner = self.lock();
        let entry = inner.documents.get_mut(id)?;
        let before = (entry.0.clone(), entry.1);
        entry.1 += 1;
        Some(before)
    }
}
