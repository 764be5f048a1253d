//! The evidence layer as the Audiences and Search screens show it: audiences with their
//! signals and reports, the rows behind every signal, and search results with marked snippets,
//! facets and a histogram.

use pw_engine::evidence::{
    AudienceOverview, DocKind, EvidenceRow, FacetField, FoundText, GroundingReport,
    HistogramInterval, IndexState, Query, ReportKind, ReportSummary, RowRole, SearchPage, Signal,
    SignalKind, SourceTable, Support, SupportUnit,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use specta::Type;

use crate::IpcError;
use crate::vocabulary::instant_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SignalKindView {
    Behavior,
    Intent,
    MentionTheme,
}

impl From<SignalKind> for SignalKindView {
    fn from(kind: SignalKind) -> Self {
        match kind {
            SignalKind::Behavior => SignalKindView::Behavior,
            SignalKind::Intent => SignalKindView::Intent,
            SignalKind::MentionTheme => SignalKindView::MentionTheme,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum ReportKindView {
    Behavior,
    Intent,
    Mentions,
}

impl From<ReportKind> for ReportKindView {
    fn from(kind: ReportKind) -> Self {
        match kind {
            ReportKind::Behavior => ReportKindView::Behavior,
            ReportKind::Intent => ReportKindView::Intent,
            ReportKind::Mentions => ReportKindView::Mentions,
        }
    }
}

impl From<ReportKindView> for ReportKind {
    fn from(kind: ReportKindView) -> Self {
        match kind {
            ReportKindView::Behavior => ReportKind::Behavior,
            ReportKindView::Intent => ReportKind::Intent,
            ReportKindView::Mentions => ReportKind::Mentions,
        }
    }
}

/// Who an audience is, as its platform describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DemographicsView {
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
    pub genders: Vec<String>,
    pub locations: Vec<String>,
    pub languages: Vec<String>,
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl From<&Value> for DemographicsView {
    fn from(value: &Value) -> Self {
        let age = |key: &str| value.get(key).and_then(Value::as_u64).map(|a| a as u32);
        DemographicsView {
            age_min: age("age_min"),
            age_max: age("age_max"),
            genders: strings(&value["genders"]),
            locations: strings(&value["locations"]),
            languages: strings(&value["languages"]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignalCountsView {
    pub behavior: u32,
    pub intent: u32,
    pub mention_theme: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummaryView {
    pub id: String,
    pub audience_id: String,
    pub kind: ReportKindView,
    pub version: u32,
    pub versions: u32,
    pub title: String,
    pub written_by: String,
    pub claims: u32,
    pub claims_checked: u32,
    pub created_at: String,
}

impl From<ReportSummary> for ReportSummaryView {
    fn from(r: ReportSummary) -> Self {
        ReportSummaryView {
            id: r.id.to_string(),
            audience_id: r.audience_id.to_string(),
            kind: r.kind.into(),
            version: r.version as u32,
            versions: r.versions as u32,
            title: r.title,
            written_by: r.written_by,
            claims: r.claims as u32,
            claims_checked: r.claims_checked as u32,
            created_at: instant_text(r.created_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AudienceView {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub kind: String,
    /// People, as the platform's bounds (Meta's estimate_mau_lower/upper_bound).
    pub size_lower: Option<f64>,
    pub size_upper: Option<f64>,
    pub interests: Vec<String>,
    pub demographics: DemographicsView,
    pub signals: SignalCountsView,
    pub reports: Vec<ReportSummaryView>,
}

impl From<AudienceOverview> for AudienceView {
    fn from(a: AudienceOverview) -> Self {
        let count = |kind| a.signals.get(&kind).copied().unwrap_or(0) as u32;
        AudienceView {
            signals: SignalCountsView {
                behavior: count(SignalKind::Behavior),
                intent: count(SignalKind::Intent),
                mention_theme: count(SignalKind::MentionTheme),
            },
            demographics: DemographicsView::from(&a.demographics),
            reports: a.reports.into_iter().map(Into::into).collect(),
            id: a.id.to_string(),
            name: a.name,
            platform: a.platform,
            kind: a.kind,
            size_lower: a.size_lower.map(|s| s as f64),
            size_upper: a.size_upper.map(|s| s as f64),
            interests: a.interests,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct IntervalView {
    pub estimate: f64,
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WeekCountView {
    /// The Monday the week starts on, YYYY-MM-DD.
    pub week: String,
    pub mentions: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SentimentCountsView {
    pub negative: u32,
    pub neutral: u32,
    pub positive: u32,
    pub unknown: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QuoteView {
    pub id: String,
    pub text: String,
    pub occurred_on: String,
}

/// What a signal's support counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum SupportUnitView {
    Impressions,
    Clicks,
    Searches,
    Customers,
    Mentions,
    Rows,
}

impl From<SupportUnit> for SupportUnitView {
    fn from(unit: SupportUnit) -> Self {
        match unit {
            SupportUnit::Impressions => SupportUnitView::Impressions,
            SupportUnit::Clicks => SupportUnitView::Clicks,
            SupportUnit::Searches => SupportUnitView::Searches,
            SupportUnit::Customers => SupportUnitView::Customers,
            SupportUnit::Mentions => SupportUnitView::Mentions,
            SupportUnit::Rows => SupportUnitView::Rows,
        }
    }
}

/// How much a signal rests on, in the unit a person counts: `count` of `total` (526,976 of
/// 1,116,647 searches), or `count` alone (`total` null) where it is no share of a whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SupportView {
    /// Counts of impressions or searches pass 2^31 but stay far below 2^53: a number is exact.
    pub count: f64,
    pub total: Option<f64>,
    pub unit: SupportUnitView,
}

impl From<Support> for SupportView {
    fn from(support: Support) -> Self {
        SupportView {
            count: support.count as f64,
            total: support.total.map(|total| total as f64),
            unit: support.unit.into(),
        }
    }
}

/// A signal: what it says, how strong and how well supported, and (by kind) the figures a
/// chart shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignalView {
    pub id: String,
    pub audience_id: Option<String>,
    pub kind: SignalKindView,
    /// What it is about, stable across rebuilds ('creative/<id>/ctr', 'intent/commercial').
    pub key: String,
    pub statement: String,
    pub strength: f64,
    /// Stored rows of the segment it describes.
    pub support_rows: u32,
    pub support: SupportView,
    pub support_share: Option<f64>,
    pub interval: Option<IntervalView>,
    /// Benjamini–Hochberg adjusted, where a test was made.
    pub q_value: Option<f64>,
    /// profile | segment | reported | share | shift | theme
    pub finding: String,
    /// The rate the segment is compared with (segments and shifts).
    pub baseline: Option<f64>,
    pub theme_name: Option<String>,
    /// "keywords", or the vendor/model that named the theme.
    pub named_by: Option<String>,
    pub weekly: Vec<WeekCountView>,
    pub sentiment: Option<SentimentCountsView>,
    pub quotes: Vec<QuoteView>,
    pub computed_at: String,
}

impl From<Signal> for SignalView {
    fn from(s: Signal) -> Self {
        let d = &s.detail;
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let count = |v: &Value| v.as_u64().unwrap_or(0) as u32;
        let finding = text(&d["finding"]).unwrap_or_default();
        let baseline = match finding.as_str() {
            "segment" => d["baseline"]["estimate"].as_f64(),
            "shift" => {
                let before = &d["before"];
                match (before["volume"].as_f64(), before["total"].as_f64()) {
                    (Some(v), Some(t)) if t > 0.0 => Some(v / t),
                    _ => None,
                }
            }
            _ => None,
        };
        SignalView {
            id: s.id.to_string(),
            audience_id: s.audience_id.map(|id| id.to_string()),
            kind: s.kind.into(),
            key: s.key,
            statement: s.statement,
            strength: s.strength,
            support_rows: s.support_rows as u32,
            support: s.support.into(),
            support_share: s.support_share,
            interval: s.interval.map(|i| IntervalView {
                estimate: i.estimate,
                low: i.low,
                high: i.high,
            }),
            q_value: s.q_value,
            baseline,
            theme_name: text(&d["name"]),
            named_by: text(&d["named_by"]),
            weekly: d["weekly"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| WeekCountView {
                    week: text(&w["week"]).unwrap_or_default(),
                    mentions: count(&w["mentions"]),
                })
                .collect(),
            sentiment: d
                .get("sentiment")
                .filter(|v| v.is_object())
                .map(|b| SentimentCountsView {
                    negative: count(&b["negative"]),
                    neutral: count(&b["neutral"]),
                    positive: count(&b["positive"]),
                    unknown: count(&b["unknown"]),
                }),
            quotes: d["quotes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|q| QuoteView {
                    id: text(&q["id"]).unwrap_or_default(),
                    text: text(&q["text"]).unwrap_or_default(),
                    occurred_on: text(&q["occurred_on"]).unwrap_or_default(),
                })
                .collect(),
            finding,
            computed_at: instant_text(s.computed_at),
        }
    }
}

/// One figure of a row, ready to show ("clicks", "1,204").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FigureView {
    pub label: String,
    pub value: String,
}

fn figures(value: &Value) -> Vec<FigureView> {
    let mut out = Vec::new();
    let Some(map) = value.as_object() else {
        return out;
    };
    for (key, v) in map {
        match v {
            Value::Null => {}
            Value::Object(inner) => {
                for (inner_key, inner_value) in inner {
                    if !inner_value.is_null() && !inner_value.is_object() {
                        out.push(FigureView {
                            label: inner_key.replace('_', " "),
                            value: plain(inner_value),
                        });
                    }
                }
            }
            other => out.push(FigureView {
                label: key.replace('_', " "),
                value: plain(other),
            }),
        }
    }
    out
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceRowView {
    /// audience_signals | daily_metrics | metric_breakdowns | creatives | audiences
    pub table: String,
    pub key: String,
    /// Part of what the signal describes (`true`) or of the baseline it is compared with.
    pub in_segment: bool,
    pub title: String,
    pub text: Option<String>,
    pub date: Option<String>,
    pub figures: Vec<FigureView>,
}

impl From<EvidenceRow> for EvidenceRowView {
    fn from(r: EvidenceRow) -> Self {
        EvidenceRowView {
            table: match r.table {
                SourceTable::AudienceSignals => "audience_signals",
                SourceTable::DailyMetrics => "daily_metrics",
                SourceTable::MetricBreakdowns => "metric_breakdowns",
                SourceTable::Creatives => "creatives",
                SourceTable::Audiences => "audiences",
            }
            .to_owned(),
            key: r.key,
            in_segment: r.role == RowRole::Segment,
            title: r.title,
            text: r.text,
            date: r.date,
            figures: figures(&r.figures),
        }
    }
}

/// A signal and the stored rows it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SignalEvidenceView {
    pub signal: SignalView,
    pub rows: Vec<EvidenceRowView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    pub text: String,
    pub signals: Vec<SignalView>,
    /// Whether the claim still passes its check against its signals as they are now.
    pub holds_now: bool,
    /// Cited signals that changed (or were retired) since the claim was written.
    pub changed_since: Vec<ChangedCitationView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangedCitationView {
    pub signal_id: String,
    /// What the signal said when the claim was written.
    pub statement_then: String,
    pub retired: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ReportView {
    pub id: String,
    pub audience_id: String,
    pub kind: ReportKindView,
    pub version: u32,
    pub title: String,
    pub written_by: String,
    pub claims_checked: u32,
    pub claims_dropped: u32,
    pub created_at: String,
    pub claims: Vec<ClaimView>,
}

impl From<GroundingReport> for ReportView {
    fn from(r: GroundingReport) -> Self {
        ReportView {
            id: r.id.to_string(),
            audience_id: r.audience_id.to_string(),
            kind: r.kind.into(),
            version: r.version as u32,
            title: r.title,
            written_by: r.written_by,
            claims_checked: r.claims_checked as u32,
            claims_dropped: r.claims_dropped as u32,
            created_at: instant_text(r.created_at),
            claims: r
                .claims
                .into_iter()
                .map(|c| ClaimView {
                    text: c.text,
                    signals: c.signals.into_iter().map(Into::into).collect(),
                    holds_now: c.holds_now,
                    changed_since: c
                        .changed_since
                        .into_iter()
                        .map(|change| ChangedCitationView {
                            signal_id: change.signal_id.to_string(),
                            statement_then: change.statement_then,
                            retired: change.retired,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AudienceSignalsRequest {
    pub workspace_id: String,
    /// `null`: the whole workspace.
    pub audience_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct GroundingReportsRequest {
    pub workspace_id: String,
    /// `null`: every audience.
    pub audience_id: Option<String>,
    /// Empty: all three.
    pub kinds: Vec<ReportKindView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum HistogramIntervalView {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FacetFilterView {
    /// kind | platform | audience | theme | sentiment
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequestView {
    pub workspace_id: String,
    pub text: String,
    /// mention | search_term | behavior | creative | signal | report; empty: all.
    pub kinds: Vec<String>,
    pub filters: Vec<FacetFilterView>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: u32,
    pub offset: u32,
    pub histogram: HistogramIntervalView,
}

impl SearchRequestView {
    pub fn query(&self) -> Result<Query, IpcError> {
        let day = |text: &Option<String>| {
            text.as_deref()
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                        IpcError::new(
                            crate::ErrorKind::InvalidInput,
                            format!("'{d}' is not a day (YYYY-MM-DD)"),
                        )
                    })
                })
                .transpose()
        };
        Ok(Query {
            text: self.text.clone(),
            kinds: self
                .kinds
                .iter()
                .map(|k| doc_kind(k))
                .collect::<Result<_, _>>()?,
            filters: self
                .filters
                .iter()
                .map(|f| {
                    FacetField::parse(&f.field)
                        .map(|field| (field, f.value.clone()))
                        .ok_or_else(|| {
                            IpcError::new(
                                crate::ErrorKind::InvalidInput,
                                format!("'{}' is not a facet", f.field),
                            )
                        })
                })
                .collect::<Result<_, _>>()?,
            from: day(&self.from)?,
            to: day(&self.to)?,
            limit: self.limit.clamp(1, 200) as usize,
            offset: self.offset as usize,
            histogram: match self.histogram {
                HistogramIntervalView::Day => HistogramInterval::Day,
                HistogramIntervalView::Week => HistogramInterval::Week,
                HistogramIntervalView::Month => HistogramInterval::Month,
            },
        })
    }
}

/// A piece of a snippet: matched words are marked, so the screen never slices text itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SnippetPart {
    pub text: String,
    pub matched: bool,
}

/// A kind of searched text as the UI names it (`mention`, `search_term`, …).
pub fn doc_kind(text: &str) -> Result<DocKind, IpcError> {
    DocKind::parse(text).ok_or_else(|| {
        IpcError::new(
            crate::ErrorKind::InvalidInput,
            format!("'{text}' is not a kind of text"),
        )
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitView {
    pub kind: String,
    pub id: String,
    pub title: Option<String>,
    pub snippet: Vec<SnippetPart>,
    pub day: Option<String>,
    pub score: f64,
}

fn snippet_parts(snippet: &str, highlights: &[(usize, usize)]) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut at = 0;
    for &(start, end) in highlights {
        if start < at
            || end > snippet.len()
            || !snippet.is_char_boundary(start)
            || !snippet.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            parts.push(SnippetPart {
                text: snippet[at..start].to_owned(),
                matched: false,
            });
        }
        parts.push(SnippetPart {
            text: snippet[start..end].to_owned(),
            matched: true,
        });
        at = end;
    }
    if at < snippet.len() {
        parts.push(SnippetPart {
            text: snippet[at..].to_owned(),
            matched: false,
        });
    }
    parts
}

impl From<FoundText> for SearchHitView {
    fn from(hit: FoundText) -> Self {
        SearchHitView {
            kind: hit.kind.as_str().to_owned(),
            snippet: snippet_parts(&hit.snippet, &hit.highlights),
            id: hit.id,
            title: hit.title,
            day: hit.day.map(|d| d.to_string()),
            score: f64::from(hit.score),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FacetValueView {
    pub value: String,
    /// What a person reads (an audience's name for its id).
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FacetView {
    pub field: String,
    pub values: Vec<FacetValueView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HistogramBucketView {
    /// The bucket's first day, YYYY-MM-DD.
    pub from: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SearchPageView {
    /// The index is being rebuilt: no results yet, say so instead of failing.
    pub rebuilding: bool,
    pub rebuilding_reason: Option<String>,
    pub total: u32,
    pub hits: Vec<SearchHitView>,
    pub facets: Vec<FacetView>,
    pub histogram: Vec<HistogramBucketView>,
}

impl SearchPageView {
    /// `label` names facet values (audience ids become names).
    pub fn new(page: SearchPage, label: impl Fn(FacetField, &str) -> String) -> Self {
        let (rebuilding, rebuilding_reason) = match page.state {
            IndexState::Ready { .. } => (false, None),
            IndexState::Rebuilding { reason } => (true, Some(reason)),
        };
        SearchPageView {
            rebuilding,
            rebuilding_reason,
            total: page.total.min(u64::from(u32::MAX)) as u32,
            hits: page.hits.into_iter().map(Into::into).collect(),
            facets: page
                .facets
                .into_iter()
                .map(|(field, values)| FacetView {
                    field: field.as_str().to_owned(),
                    values: values
                        .into_iter()
                        .map(|(value, count)| FacetValueView {
                            label: label(field, &value),
                            value,
                            count: count.min(u64::from(u32::MAX)) as u32,
                        })
                        .collect(),
                })
                .collect(),
            histogram: page
                .histogram
                .into_iter()
                .map(|(day, count)| HistogramBucketView {
                    from: day.to_string(),
                    count: count.min(u64::from(u32::MAX)) as u32,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_cut_into_marked_parts_at_character_boundaries() {
        let parts = snippet_parts("Café shipping was slow", &[(6, 14)]);
        assert_eq!(
            parts,
            vec![
                SnippetPart {
                    text: "Café ".into(),
                    matched: false
                },
                SnippetPart {
                    text: "shipping".into(),
                    matched: true
                },
                SnippetPart {
                    text: " was slow".into(),
                    matched: false
                },
            ]
        );
        // A range inside a character or out of order is skipped, never a panic.
        let parts = snippet_parts("Café", &[(4, 5), (0, 2), (1, 2)]);
        assert_eq!(
            parts.iter().map(|p| p.text.as_str()).collect::<String>(),
            "Café"
        );
    }

    #[test]
    fn figures_flatten_one_level_and_skip_nothing_useful() {
        let figures = figures(&serde_json::json!({
            "clicks": 12, "sentiment": null, "metadata": {"site": "Trustpilot", "stars": 4}
        }));
        assert!(figures.contains(&FigureView {
            label: "clicks".into(),
            value: "12".into()
        }));
        assert!(figures.contains(&FigureView {
            label: "site".into(),
            value: "Trustpilot".into()
        }));
        assert!(figures.iter().all(|f| f.label != "sentiment"));
    }
}
