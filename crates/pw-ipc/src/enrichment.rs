//! Enrichment: the Census API's keys and tables for the survey universe, and web and news
//! search kept as mentions with their URLs. Keys cross once, inward, on their way to the
//! keychain; only whether one is saved comes back.

use pw_engine::connectors::{CensusRefresh, EnrichmentService, WebSearchKind, WebSearchResult};
use serde::{Deserialize, Serialize};
use specta::Type;

/// An enrichment service and whether its key is in the keychain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EnrichmentKeyView {
    /// `census` or `serper`.
    pub service: String,
    pub name: String,
    /// What the key is for and where to get one, in words.
    pub purpose: String,
    pub saved: bool,
}

impl EnrichmentKeyView {
    pub fn of(service: EnrichmentService, saved: bool) -> Self {
        let purpose = match service {
            EnrichmentService::Census => {
                "Refreshes the US population tables surveys are weighted to (a free key from api.census.gov/data/key_signup.html)."
            }
            EnrichmentService::Serper => {
                "Searches the web and the news for mentions of the brand and its competitors (a key from serper.dev)."
            }
        };
        EnrichmentKeyView {
            service: service.as_str().to_owned(),
            name: service.display_name().to_owned(),
            purpose: purpose.to_owned(),
            saved,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SetEnrichmentKeyRequest {
    pub service: String,
    pub key: String,
}

/// One Census table written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CensusFileView {
    pub table: String,
    pub geography: String,
    pub path: String,
    pub rows: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CensusRefreshView {
    pub year: u16,
    pub files: Vec<CensusFileView>,
}

impl From<CensusRefresh> for CensusRefreshView {
    fn from(refresh: CensusRefresh) -> Self {
        CensusRefreshView {
            year: refresh.year,
            files: refresh
                .files
                .into_iter()
                .map(|f| CensusFileView {
                    table: f.table,
                    geography: f.geography,
                    path: f.path.display().to_string(),
                    rows: u32::try_from(f.rows).unwrap_or(u32::MAX),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebSearchRequest {
    pub workspace_id: String,
    pub query: String,
    /// `web` or `news`.
    pub kind: String,
    /// How many results (1 to 100).
    pub limit: u32,
}

/// One result, as stored: a mention with its source URL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct MentionView {
    pub signal_id: String,
    pub url: String,
    pub title: String,
    pub snippet: String,
    pub publisher: Option<String>,
    pub position: u32,
    /// The day it is dated (the search's day when the provider showed none).
    pub occurred_on: String,
    pub shown_date: Option<String>,
    /// Whether this search stored it for the first time.
    pub new: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WebSearchView {
    pub query: String,
    pub kind: String,
    pub mentions: Vec<MentionView>,
    pub new: u32,
}

impl From<WebSearchResult> for WebSearchView {
    fn from(result: WebSearchResult) -> Self {
        WebSearchView {
            query: result.query,
            kind: match result.kind {
                WebSearchKind::Web => "web",
                WebSearchKind::News => "news",
            }
            .to_owned(),
            new: u32::try_from(result.new).unwrap_or(u32::MAX),
            mentions: result
                .mentions
                .into_iter()
                .map(|m| MentionView {
                    signal_id: m.signal_id.to_string(),
                    url: m.url,
                    title: m.title,
                    snippet: m.snippet,
                    publisher: m.publisher,
                    position: m.position,
                    occurred_on: m.occurred_on.to_string(),
                    shown_date: m.shown_date,
                    new: m.new,
                })
                .collect(),
        }
    }
}
