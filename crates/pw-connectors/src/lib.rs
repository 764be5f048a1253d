//! The connectors context: connections to ad platforms (Meta, Google Ads, TikTok, Pinterest,
//! LinkedIn, Snapchat, DV360) and to the platforms that measure behaviour rather than ads
//! (GA4, YouTube Analytics: stored as audience signals), one connector per platform behind one
//! trait, and syncs that page, pace, retry, normalise and checkpoint the same way for all of them. Rows
//! are written through `pw-workspaces`' `AdDataWriter`, keyed by the platforms' ids and days,
//! so a sync run twice or resumed after a kill never duplicates a row.

mod connector;
mod connectors;
mod credentials;
mod dv360;
pub mod enrichment;
mod error;
mod ga4;
mod google_ads;
mod handlers;
mod linkedin;
mod meta;
pub mod normalise;
pub mod oauth;
mod pinterest;
mod platforms;
mod records;
mod repository;
mod runs;
mod snapchat;
mod sync;
mod tiktok;
mod transport;
mod youtube;

pub use connector::{Connector, Hosts, ReportRules};
pub use connectors::{
    ConnectionView, Connectors, NIGHTLY, SignInConnect, SignInStarted, TokenConnect,
};
pub use credentials::StoredCredential;
pub use error::{ConnectorError, Result, ServiceFailure};
pub use handlers::{SYNC_JOB_KIND, job_kinds};
pub use platforms::SUPPORTED;
pub use records::{DayWindow, EntityStream, Page, RemoteAccount, RemoteSignal};
pub use repository::{AuthKind, Connection, ConnectionAccount, ConnectionStatus, ConnectionStore};
pub use runs::{RunStatus, StreamProblem, StreamProgress, StreamState, SyncReport, SyncRun};
pub use sync::SyncObserver;
pub use transport::RetryPolicy;
