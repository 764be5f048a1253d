//! The agents' tools over a workspace: metrics (totals by platform, campaign or day, per
//! currency), evidence search, the audiences' signals and the specialists' analyses, all
//! read-only; and web search, which keeps its results as mentions, so only the competitor
//! specialist has it (running that specialist is the person's go-ahead; the copilot never
//! writes). Each answers text the model reads, the rows behind it, and the source a citation
//! opens.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use pw_agents::{Source, SourceKind, Tool, ToolFailure, ToolOutput};
use pw_domain::{DateRange, KpiKey, Totals, WorkspaceId};
use pw_workspaces::{DailyPlatformTotals, WorkspaceStore};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Engine;

/// How a metrics query groups its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One line per currency.
    Total,
    Platform,
    Campaign,
    Day,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MetricsArgs {
    /// First day, YYYY-MM-DD (default: 7 days before the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
    pub by: Grouping,
    /// Only this platform (meta, google_ads, tiktok, pinterest, linkedin, snapchat, dv360).
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub platform: Option<String>,
}

/// Spend, impressions, clicks, conversions, CPA and ROAS over days of the workspace.
pub struct WorkspaceMetrics {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

fn money(micros: i64) -> String {
    format!("{:.2}", micros as f64 / 1_000_000.0)
}

fn line(name: &str, currency: &str, t: &Totals) -> String {
    let cpa = t
        .money(KpiKey::Cpa)
        .map_or_else(|| "n/a".to_owned(), |m| money(m.0));
    let roas = t
        .kpi(KpiKey::Roas)
        .map_or_else(|| "not reported".to_owned(), |r| format!("{r:.2}"));
    format!(
        "{name}: spend {currency} {}, impressions {}, clicks {}, conversions {:.1}, CPA {currency} {cpa}, ROAS {roas}",
        money(t.spend.0),
        t.impressions,
        t.clicks,
        t.conversions
    )
}

fn day(text: &Option<String>, field: &str) -> Result<Option<NaiveDate>, ToolFailure> {
    text.as_deref()
        .map(|t| {
            t.parse::<NaiveDate>()
                .map_err(|_| ToolFailure(format!("{field} is not a day like 2026-11-23: {t}")))
        })
        .transpose()
}

impl Tool for WorkspaceMetrics {
    type Args = MetricsArgs;

    fn name(&self) -> &'static str {
        "workspace_metrics"
    }

    fn description(&self) -> &'static str {
        "Spend, impressions, clicks, conversions, CPA and ROAS of the workspace's campaigns over days, in total or by platform, campaign or day (amounts per currency)"
    }

    async fn call(&self, args: MetricsArgs) -> Result<ToolOutput, ToolFailure> {
        let store = WorkspaceStore::new(&self.engine.db);
        let failed =
            |e: pw_store::StoreError| ToolFailure(format!("the metrics could not be read: {e}"));
        let Some(data) = store
            .metrics_date_range(self.workspace)
            .await
            .map_err(failed)?
        else {
            return Err(ToolFailure(
                "this workspace has no daily metrics yet".into(),
            ));
        };
        let until = day(&args.until, "until")?.unwrap_or(data.end);
        let from = day(&args.from, "from")?.unwrap_or(until - Duration::days(6));
        if from > until {
            return Err(ToolFailure(format!("{from} is after {until}")));
        }
        let range = DateRange {
            start: from,
            end: until,
        };
        let platform = args.platform.as_deref();
        let mut lines = Vec::new();
        let mut rows = Vec::new();
        match args.by {
            Grouping::Total | Grouping::Platform | Grouping::Day => {
                let daily = store
                    .daily_platform_totals(self.workspace, range)
                    .await
                    .map_err(failed)?;
                let mut groups: std::collections::BTreeMap<(String, String), Totals> =
                    Default::default();
                for d in daily
                    .iter()
                    .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
                {
                    let key = match args.by {
                        Grouping::Platform => d.platform.as_str().to_owned(),
                        Grouping::Day => d.date.to_string(),
                        _ => "all platforms".to_owned(),
                    };
                    groups
                        .entry((key, d.currency.as_str().to_owned()))
                        .or_default()
                        .add(&d.totals);
                }
                for ((name, currency), totals) in &groups {
                    lines.push(line(name, currency, totals));
                    rows.push(json!({"group": name, "currency": currency, "totals": totals}));
                }
            }
            Grouping::Campaign => {
                let campaigns = store
                    .campaign_totals(self.workspace, range)
                    .await
                    .map_err(failed)?;
                for c in campaigns
                    .iter()
                    .filter(|c| platform.is_none_or(|p| c.platform.as_str() == p))
                    .filter(|c| c.totals.impressions > 0 || c.totals.spend.0 > 0)
                {
                    lines.push(line(
                        &format!("{} ({})", c.name, c.platform.as_str()),
                        c.currency.as_str(),
                        &c.totals,
                    ));
                    rows.push(json!({"group": c.name, "campaign_id": c.campaign_id.to_string(), "platform": c.platform.as_str(), "currency": c.currency.as_str(), "totals": c.totals}));
                }
            }
        }
        if lines.is_empty() {
            return Err(ToolFailure(format!(
                "no metrics between {from} and {until}{}",
                platform.map(|p| format!(" on {p}")).unwrap_or_default()
            )));
        }
        let label = format!(
            "Metrics by {}{}, {from} to {until}",
            match args.by {
                Grouping::Total => "total",
                Grouping::Platform => "platform",
                Grouping::Campaign => "campaign",
                Grouping::Day => "day",
            },
            platform.map(|p| format!(" on {p}")).unwrap_or_default()
        );
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"from": from, "until": until, "rows": rows}),
            source: Source {
                kind: SourceKind::MetricsQuery,
                // The days the result covers, not the model's arguments (which may have left
                // them to the defaults): the citation opens the same days.
                reference:
                    json!({"by": args.by, "from": from.to_string(), "until": until.to_string(),
                                  "platform": args.platform})
                    .to_string(),
                label,
            },
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SearchArgs {
    /// Words to look for in mentions, signals, reports and creatives.
    #[schemars(length(min = 1, max = 120))]
    pub query: String,
}

/// Full-text search over the workspace's evidence.
pub struct EvidenceSearch {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for EvidenceSearch {
    type Args = SearchArgs;

    fn name(&self) -> &'static str {
        "search_evidence"
    }

    fn description(&self) -> &'static str {
        "Searches the workspace's mentions, signals, reports and ad creatives for words; answers the best matches with their dates"
    }

    async fn call(&self, args: SearchArgs) -> Result<ToolOutput, ToolFailure> {
        let query = crate::evidence::Query {
            text: args.query.clone(),
            kinds: Vec::new(),
            filters: Vec::new(),
            from: None,
            to: None,
            limit: 10,
            offset: 0,
            histogram: crate::evidence::HistogramInterval::Week,
        };
        let page = self
            .engine
            .evidence()
            .search(self.workspace, &query)
            .await
            .map_err(|e| ToolFailure(format!("the search could not run: {e}")))?;
        // Nothing found is a finding (no mention of it), which an answer may cite.
        if page.hits.is_empty() {
            let label = format!("Search for “{}” (no matches)", args.query);
            return Ok(ToolOutput {
                text: format!("{label}: nothing in this workspace's evidence matches."),
                data: json!({"total": 0, "hits": []}),
                source: Source {
                    kind: SourceKind::Search,
                    reference: args.query,
                    label,
                },
            });
        }
        let lines: Vec<String> = page
            .hits
            .iter()
            .map(|h| {
                format!(
                    "[{}{}] {}{}",
                    h.kind.as_str(),
                    h.day.map(|d| format!(", {d}")).unwrap_or_default(),
                    h.title
                        .as_deref()
                        .map(|t| format!("{t}: "))
                        .unwrap_or_default(),
                    h.snippet
                )
            })
            .collect();
        let label = format!("Search for “{}” ({} matches)", args.query, page.total);
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"total": page.total, "hits": page.hits.iter().map(|h| json!({"kind": h.kind.as_str(), "id": h.id, "day": h.day})).collect::<Vec<_>>()}),
            source: Source {
                kind: SourceKind::Search,
                reference: args.query,
                label,
            },
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SignalArgs {
    /// An audience's name, or nothing for every audience.
    #[serde(default)]
    #[schemars(length(max = 80))]
    pub audience: Option<String>,
}

/// The audiences' live signals: what they do, search for and say, with their support.
pub struct AudienceSignals {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for AudienceSignals {
    type Args = SignalArgs;

    fn name(&self) -> &'static str {
        "audience_signals"
    }

    fn description(&self) -> &'static str {
        "The audiences' signals (behaviour, search intent, what they say), each with its support; optionally of one audience by name"
    }

    async fn call(&self, args: SignalArgs) -> Result<ToolOutput, ToolFailure> {
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the signals could not be read: {e}"));
        let evidence = self.engine.evidence();
        let audience = match args
            .audience
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => None,
            Some(name) => {
                let audiences = evidence.audiences(self.workspace).await.map_err(failed)?;
                let found = audiences
                    .iter()
                    .find(|a| a.name.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        ToolFailure(format!(
                            "no audience is named “{name}”; the audiences are {}",
                            audiences
                                .iter()
                                .map(|a| a.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                Some(found.id)
            }
        };
        let signals = evidence
            .signals(self.workspace, audience)
            .await
            .map_err(failed)?;
        if signals.is_empty() {
            return Err(ToolFailure(
                "no signals have been built for this workspace yet".into(),
            ));
        }
        let lines: Vec<String> = signals
            .iter()
            .take(40)
            .map(|s| {
                format!(
                    "[{}] {} (support: {})",
                    s.kind.as_str(),
                    s.statement,
                    s.support.count
                )
            })
            .collect();
        let label = match &args.audience {
            Some(name) => format!("Signals of {name}"),
            None => "Signals of every audience".to_owned(),
        };
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!(
                signals
                    .iter()
                    .take(40)
                    .map(|s| json!({"id": s.id.to_string(), "statement": s.statement}))
                    .collect::<Vec<_>>()
            ),
            source: Source {
                kind: SourceKind::Signal,
                reference: signals
                    .iter()
                    .take(40)
                    .map(|s| s.id.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                label,
            },
        })
    }
}

// No arguments, and nothing else either: a model that writes some gets `{}` from the schema (a
// small model filled this with `{"type": "object"}`, which made it a call unlike the last). Not
// a doc comment: that would become the schema's description, which the model reads.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// The specialists' analyses, computed from the workspace's rows (`pw_agents`' analysis
/// modules) and handed to the model as one result to cite.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Diminishing-returns curves and the budget split they imply.
    Budget,
    /// Messages, calls to action and formats, per audience, with significance.
    Creative,
    /// The last week against a seasonal baseline, with the likely causes.
    Anomaly,
    /// Audiences' delivery, signals and twins, with a verdict each.
    Audience,
}

/// One specialist analysis as a tool.
pub struct AnalysisTool {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
    pub analysis: Analysis,
}

/// What an analysis answered: its text, its figures, the days it covers and its title.
struct Analysed {
    text: String,
    data: serde_json::Value,
    from: NaiveDate,
    until: NaiveDate,
    label: &'static str,
}

fn analysed<T: Serialize>(
    report: &T,
    text: String,
    from: NaiveDate,
    until: NaiveDate,
    label: &'static str,
) -> Result<Analysed, ToolFailure> {
    Ok(Analysed {
        text,
        data: serde_json::to_value(report)
            .map_err(|e| ToolFailure(format!("the {label} could not be written out: {e}")))?,
        from,
        until,
        label,
    })
}

impl AnalysisTool {
    async fn analyse(&self) -> Result<Analysed, ToolFailure> {
        let db = &self.engine.db;
        let no_metrics = || ToolFailure("this workspace has no daily metrics yet".into());
        let failed = |what: &str, e: pw_agents::AgentError| {
            ToolFailure(format!("the {what} could not be computed: {e}"))
        };
        match self.analysis {
            Analysis::Budget => {
                let plan = pw_agents::budget::plan(db, self.workspace)
                    .await
                    .map_err(|e| failed("budget plan", e))?
                    .ok_or_else(no_metrics)?;
                if plan.campaigns.is_empty() {
                    return Err(ToolFailure(format!(
                        "no campaign has days that show how its returns change with spend{}",
                        plan.left_out
                            .first()
                            .map(|(name, why)| format!(" ({name}: {why})"))
                            .unwrap_or_default()
                    )));
                }
                analysed(&plan, plan.text(), plan.from, plan.until, "Budget plan")
            }
            Analysis::Creative => {
                let report = pw_agents::creative::analyse(db, self.workspace)
                    .await
                    .map_err(|e| failed("creative analysis", e))?
                    .ok_or_else(no_metrics)?;
                if report.results.is_empty() {
                    return Err(ToolFailure(
                        "no ad has daily rows to compare creatives on".into(),
                    ));
                }
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Creative performance",
                )
            }
            Analysis::Anomaly => {
                let report = pw_agents::anomaly::scan(db, self.workspace)
                    .await
                    .map_err(|e| failed("anomaly scan", e))?
                    .ok_or_else(no_metrics)?;
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Anomaly scan",
                )
            }
            Analysis::Audience => {
                let report = pw_agents::audience::analyse(db, self.workspace)
                    .await
                    .map_err(|e| failed("audience analysis", e))?
                    .ok_or_else(no_metrics)?;
                if report.audiences.is_empty() {
                    return Err(ToolFailure("this workspace has no audiences yet".into()));
                }
                analysed(
                    &report,
                    report.text(),
                    report.from,
                    report.until,
                    "Audience report",
                )
            }
        }
    }
}

impl Tool for AnalysisTool {
    type Args = NoArgs;

    fn name(&self) -> &'static str {
        match self.analysis {
            Analysis::Budget => "budget_plan",
            Analysis::Creative => "creative_performance",
            Analysis::Anomaly => "anomaly_scan",
            Analysis::Audience => "audience_report",
        }
    }

    fn description(&self) -> &'static str {
        match self.analysis {
            Analysis::Budget => {
                "Fits each campaign's diminishing-returns curve on its last 90 days and splits the current daily budget so marginal returns meet, within the spend each campaign has been seen at; answers per campaign the spend now and proposed and the expected change in daily conversions with its 95% interval"
            }
            Analysis::Creative => {
                "Click and conversion rates of each creative message, call to action and format over the last 90 days, in every audience and per audience, each with its 95% interval, its lift against the rest and whether the difference is significant"
            }
            Analysis::Anomaly => {
                "Scores the last week's spend, CPA, ROAS and CTR per platform, each day against the same weekday of the 8 weeks before and the week against the 8 weeks before, names the campaigns that caused what is unusual, and checks the mentions' sentiment"
            }
            Analysis::Audience => {
                "Each audience's spend, conversions, CPA and conversion rate against the other audiences (with significance) over the last 90 days, its live signals and twins, and a verdict by fixed rules: expand, review, test or hold"
            }
        }
    }

    async fn call(&self, _: NoArgs) -> Result<ToolOutput, ToolFailure> {
        let analysed = self.analyse().await?;
        let label = format!(
            "{}, {} to {}",
            analysed.label, analysed.from, analysed.until
        );
        Ok(ToolOutput {
            text: analysed.text,
            data: analysed.data,
            source: Source {
                kind: SourceKind::Statistic,
                reference: json!({"analysis": self.name(), "from": analysed.from,
                                  "until": analysed.until})
                .to_string(),
                label,
            },
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct WebSearchArgs {
    /// What to search the web for (a competitor, a product, a market question).
    #[schemars(length(min = 1, max = 120))]
    pub query: String,
    /// Search the news instead of the web.
    #[serde(default)]
    pub news: bool,
}

/// A web or news search through the configured provider; every result is kept as a mention
/// with its address, so what the agent read stays in the workspace's evidence.
pub struct WebSearch {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for WebSearch {
    type Args = WebSearchArgs;

    fn name(&self) -> &'static str {
        "web_search"
    }

    fn description(&self) -> &'static str {
        "Searches the web (or the news) and keeps the results as mentions with their addresses; answers each result's title, site, date, snippet and address"
    }

    async fn call(&self, args: WebSearchArgs) -> Result<ToolOutput, ToolFailure> {
        let kind = if args.news {
            crate::connectors::WebSearchKind::News
        } else {
            crate::connectors::WebSearchKind::Web
        };
        let found = self
            .engine
            .connectors()
            .search_web(self.workspace, &args.query, kind, None, 10)
            .await
            .map_err(|e| ToolFailure(format!("the web search could not run: {e}")))?;
        let label = format!(
            "{} search for “{}” ({} results)",
            if args.news { "News" } else { "Web" },
            args.query,
            found.mentions.len()
        );
        let lines: Vec<String> = found
            .mentions
            .iter()
            .map(|m| {
                format!(
                    "[{}{}] {}: {} ({})",
                    m.publisher.as_deref().unwrap_or("the web"),
                    m.shown_date
                        .as_deref()
                        .map(|d| format!(", {d}"))
                        .unwrap_or_default(),
                    m.title,
                    m.snippet,
                    m.url
                )
            })
            .collect();
        let text = if lines.is_empty() {
            format!("{label}: the search found nothing.")
        } else {
            format!("{label}:\n{}", lines.join("\n"))
        };
        Ok(ToolOutput {
            text,
            data: json!(found
                .mentions
                .iter()
                .map(|m| json!({"signal_id": m.signal_id.to_string(), "url": m.url, "title": m.title, "occurred_on": m.occurred_on}))
                .collect::<Vec<_>>()),
            source: Source {
                kind: SourceKind::Web,
                reference: json!({"query": args.query, "news": args.news}).to_string(),
                label,
            },
        })
    }
}

/// What the statistics tool works out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatisticsTest {
    /// The slope over the days.
    Trend,
    /// The days against as many days just before them.
    Compare,
    /// The next 7 days.
    Forecast,
}

/// A daily figure the statistics tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DailyFigure {
    Spend,
    Clicks,
    Conversions,
    Ctr,
    Cpa,
    Roas,
}

impl DailyFigure {
    fn label(self) -> &'static str {
        match self {
            DailyFigure::Spend => "spend",
            DailyFigure::Clicks => "clicks",
            DailyFigure::Conversions => "conversions",
            DailyFigure::Ctr => "CTR (%)",
            DailyFigure::Cpa => "CPA",
            DailyFigure::Roas => "ROAS",
        }
    }

    /// The day's figure, `None` when the day has nothing to divide by.
    fn of(self, t: &Totals) -> Option<f64> {
        let spend = t.spend.0 as f64 / 1e6;
        match self {
            DailyFigure::Spend => Some(spend),
            DailyFigure::Clicks => Some(t.clicks as f64),
            DailyFigure::Conversions => Some(t.conversions),
            DailyFigure::Ctr => {
                (t.impressions > 0).then(|| 100.0 * t.clicks as f64 / t.impressions as f64)
            }
            DailyFigure::Cpa => (t.conversions > 0.0).then(|| spend / t.conversions),
            DailyFigure::Roas => t.kpi(KpiKey::Roas),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StatisticsArgs {
    pub test: StatisticsTest,
    pub figure: DailyFigure,
    /// First day, YYYY-MM-DD (default: 28 days before the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (default: the last day with data).
    #[serde(default)]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
    /// Only this platform.
    #[serde(default)]
    #[schemars(length(max = 20))]
    pub platform: Option<String>,
}

/// Simple statistics over a daily figure (one currency, the workspace's main one when amounts
/// are involved): its trend, a test of the days against those just before, a forecast.
pub struct MetricStatistics {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

fn signed(value: f64) -> String {
    format!("{value:+.2}")
}

impl DailyFigure {
    /// Whether the figure is an amount of money, which is never added across currencies.
    fn is_money(self) -> bool {
        matches!(
            self,
            DailyFigure::Spend | DailyFigure::Cpa | DailyFigure::Roas
        )
    }
}

/// The currency most days of `rows` (on `platform`) are in.
fn main_currency(rows: &[DailyPlatformTotals], platform: Option<&str>) -> Option<String> {
    let mut days: std::collections::BTreeMap<&str, std::collections::BTreeSet<NaiveDate>> =
        Default::default();
    for d in rows
        .iter()
        .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
    {
        days.entry(d.currency.as_str()).or_default().insert(d.date);
    }
    days.into_iter()
        .max_by_key(|(_, days)| days.len())
        .map(|(currency, _)| currency.to_owned())
}

/// The figure for each day of `rows` on `platform`, in `currency` when given (amounts), else
/// summed over currencies (counts and rates); a day with nothing to divide by is left out.
fn daily_series(
    rows: &[DailyPlatformTotals],
    figure: DailyFigure,
    platform: Option<&str>,
    currency: Option<&str>,
) -> Vec<(NaiveDate, f64)> {
    let mut days: std::collections::BTreeMap<NaiveDate, Totals> = Default::default();
    for d in rows
        .iter()
        .filter(|d| platform.is_none_or(|p| d.platform.as_str() == p))
        .filter(|d| currency.is_none_or(|c| d.currency.as_str() == c))
    {
        days.entry(d.date).or_default().add(&d.totals);
    }
    days.iter()
        .filter_map(|(date, t)| figure.of(t).map(|v| (*date, v)))
        .collect()
}

/// A p-value as a reader reads it: below a thousandth is "p < 0.001", not "p 0.000".
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_owned()
    } else {
        format!("p {p:.3}")
    }
}

impl MetricStatistics {
    async fn rows(&self, range: DateRange) -> Result<Vec<DailyPlatformTotals>, ToolFailure> {
        WorkspaceStore::new(&self.engine.db)
            .daily_platform_totals(self.workspace, range)
            .await
            .map_err(|e| ToolFailure(format!("the metrics could not be read: {e}")))
    }
}

impl Tool for MetricStatistics {
    type Args = StatisticsArgs;

    fn name(&self) -> &'static str {
        "metric_statistics"
    }

    fn description(&self) -> &'static str {
        "Statistics of a daily figure (spend, clicks, conversions, ctr, cpa, roas) over days: its trend with a 95% interval, whether the days differ significantly from as many days just before them, or a 7-day forecast with 95% intervals"
    }

    async fn call(&self, args: StatisticsArgs) -> Result<ToolOutput, ToolFailure> {
        use pw_agents::series::{Trend, forecast, welch};
        let store = WorkspaceStore::new(&self.engine.db);
        let Some(data) = store
            .metrics_date_range(self.workspace)
            .await
            .map_err(|e| ToolFailure(format!("the metrics could not be read: {e}")))?
        else {
            return Err(ToolFailure(
                "this workspace has no daily metrics yet".into(),
            ));
        };
        let until = day(&args.until, "until")?.unwrap_or(data.end);
        let from = day(&args.from, "from")?.unwrap_or(until - Duration::days(27));
        if from > until {
            return Err(ToolFailure(format!("{from} is after {until}")));
        }
        let platform = args.platform.as_deref();
        let rows = self
            .rows(DateRange {
                start: from,
                end: until,
            })
            .await?;
        // Amounts in the currency most of the days are in, chosen once for both periods of a
        // comparison; counts and rates over every currency.
        let currency = if args.figure.is_money() {
            main_currency(&rows, platform)
        } else {
            None
        };
        let days = daily_series(&rows, args.figure, platform, currency.as_deref());
        let values: Vec<f64> = days.iter().map(|(_, v)| *v).collect();
        let scope = format!(
            "{}{} on {}",
            args.figure.label(),
            match (&currency, args.figure) {
                (Some(c), DailyFigure::Spend | DailyFigure::Cpa) => format!(" ({c})"),
                _ => String::new(),
            },
            platform.unwrap_or("all platforms")
        );
        let not_enough = |need: &str| {
            ToolFailure(format!(
                "{scope} has {} days with a value between {from} and {until}; {need}",
                values.len()
            ))
        };
        let (label, text, data) = match args.test {
            StatisticsTest::Trend => {
                // Each day at its own offset: a day without a value leaves a gap, not a shift.
                let points: Vec<(f64, f64)> = days
                    .iter()
                    .map(|(date, v)| ((*date - from).num_days() as f64, *v))
                    .collect();
                let t = Trend::fit_at(&points).ok_or_else(|| not_enough("a trend needs 3"))?;
                let label = format!("Trend of {scope}, {from} to {until}");
                let verdict = if t.p_value >= 0.05 {
                    "no significant trend"
                } else if t.slope > 0.0 {
                    "rising significantly"
                } else {
                    "falling significantly"
                };
                (
                    label.clone(),
                    format!(
                        "{label} ({} days): {} a day (95% interval {} to {}), {}: {verdict}.",
                        t.days,
                        signed(t.slope),
                        signed(t.low),
                        signed(t.high),
                        p_text(t.p_value)
                    ),
                    json!({"slope": t.slope, "low": t.low, "high": t.high, "p_value": t.p_value, "days": t.days}),
                )
            }
            StatisticsTest::Compare => {
                let length = (until - from).num_days() + 1;
                let before_until = from - Duration::days(1);
                let before_from = from - Duration::days(length);
                let before_rows = self
                    .rows(DateRange {
                        start: before_from,
                        end: before_until,
                    })
                    .await?;
                let before = daily_series(&before_rows, args.figure, platform, currency.as_deref());
                let before: Vec<f64> = before.iter().map(|(_, v)| *v).collect();
                let d = welch(&before, &values).ok_or_else(|| {
                    not_enough(&format!(
                        "a comparison needs 2 days with a value on each side, and some variation ({} before)",
                        before.len()
                    ))
                })?;
                let label =
                    format!("{scope}, {from} to {until} against {before_from} to {before_until}");
                (
                    label.clone(),
                    format!(
                        "{label}: a mean of {:.2} a day against {:.2}, a difference of {} (95% interval {} to {}), {}: {}.",
                        d.mean_b,
                        d.mean_a,
                        signed(d.difference),
                        signed(d.low),
                        signed(d.high),
                        p_text(d.p_value),
                        if d.p_value < 0.05 {
                            "significant at 0.05"
                        } else {
                            "not significant at 0.05"
                        }
                    ),
                    json!({"mean": d.mean_b, "mean_before": d.mean_a, "difference": d.difference,
                           "low": d.low, "high": d.high, "p_value": d.p_value, "df": d.df,
                           "before_from": before_from, "before_until": before_until}),
                )
            }
            StatisticsTest::Forecast => {
                // The projection continues the days in order; a gap would shift the weekdays.
                let consecutive = days
                    .windows(2)
                    .all(|w| w[1].0 - w[0].0 == Duration::days(1));
                if !consecutive {
                    return Err(ToolFailure(format!(
                        "{scope} has days without a value between {from} and {until}; a forecast needs every day"
                    )));
                }
                let projected = forecast(&values, 7).ok_or_else(|| {
                    not_enough(&format!(
                        "a forecast needs {}",
                        pw_agents::series::FORECAST_MIN_DAYS
                    ))
                })?;
                let last = days.last().map_or(until, |(d, _)| *d);
                let label = format!("Forecast of {scope} from {from} to {last}");
                let lines: Vec<String> = projected
                    .iter()
                    .map(|p| {
                        format!(
                            "{}: {:.2} (95% interval {:.2} to {:.2})",
                            last + Duration::days(p.ahead as i64),
                            p.value,
                            p.low,
                            p.high
                        )
                    })
                    .collect();
                (
                    label.clone(),
                    format!(
                        "{label} (a linear trend with a weekday pattern):\n{}",
                        lines.join("\n")
                    ),
                    json!(projected
                        .iter()
                        .map(|p| json!({"day": last + Duration::days(p.ahead as i64), "value": p.value, "low": p.low, "high": p.high}))
                        .collect::<Vec<_>>()),
                )
            }
        };
        Ok(ToolOutput {
            text,
            data,
            source: Source {
                kind: SourceKind::Statistic,
                reference:
                    json!({"test": args.test, "figure": args.figure, "from": from.to_string(),
                                  "until": until.to_string(), "platform": args.platform})
                    .to_string(),
                label,
            },
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StudyArgs {
    /// Words of its title (default: the latest).
    #[serde(default)]
    #[schemars(length(max = 80))]
    pub title: Option<String>,
}

/// The one whose title holds `words` (any case), or the first; `None` when there is none.
fn titled<'a, T>(items: &'a [T], title: impl Fn(&T) -> &str, words: Option<&str>) -> Option<&'a T> {
    match words.map(str::trim).filter(|w| !w.is_empty()) {
        None => items.first(),
        Some(words) => {
            let words = words.to_lowercase();
            items
                .iter()
                .find(|item| title(item).to_lowercase().contains(&words))
        }
    }
}

/// A survey's latest completed run, its results as the analysis agent reads them: each
/// question's shares with their intervals, means, the weights and the diagnostics' warnings.
pub struct SurveyResults {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for SurveyResults {
    type Args = StudyArgs;

    fn name(&self) -> &'static str {
        "survey_results"
    }

    fn description(&self) -> &'static str {
        "The results of a survey's latest completed run (by words of its title, or the latest survey): each question's answers with their 95% intervals, means and the reliability warnings"
    }

    async fn call(&self, args: StudyArgs) -> Result<ToolOutput, ToolFailure> {
        let surveys = self.engine.surveys();
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the surveys could not be read: {e}"));
        let mut listed = surveys.list(self.workspace).await.map_err(failed)?;
        listed.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
        let survey =
            titled(&listed, |s| s.title.as_str(), args.title.as_deref()).ok_or_else(|| {
                ToolFailure(if listed.is_empty() {
                    "this workspace has no surveys yet".to_owned()
                } else {
                    format!(
                        "no survey's title holds those words; the surveys are {}",
                        listed
                            .iter()
                            .map(|s| s.title.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
            })?;
        let mut runs = surveys.runs(survey.id).await.map_err(failed)?;
        runs.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        let run = runs
            .iter()
            .find(|r| r.status == crate::surveys::RunStatus::Completed)
            .ok_or_else(|| ToolFailure(format!("“{}” has no completed run yet", survey.title)))?;
        let results = surveys
            .results(run.id, &crate::surveys::ResultOptions::default())
            .await
            .map_err(failed)?;
        let lines = pw_surveys::analysis_tables::table_lines(
            &results.survey,
            &results.results,
            &results.diagnostics,
            &[],
            None,
        );
        let label = format!(
            "Survey “{}”, run of {} ({} respondents)",
            survey.title,
            run.created_at.date_naive(),
            run.answered
        );
        Ok(ToolOutput {
            text: format!(
                "{label}:\n{}",
                lines
                    .iter()
                    .map(|l| format!("{}: {}", l.table, l.line))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            data: json!({"survey_id": survey.id.to_string(), "run_id": run.id.to_string(),
                         "tables": lines.iter().map(|l| json!({"table": l.table, "line": l.line})).collect::<Vec<_>>()}),
            source: Source {
                kind: SourceKind::SurveyResult,
                reference: run.id.to_string(),
                label,
            },
        })
    }
}

/// A focus group's or interview's latest insights: themes, agreements, disagreements, actions
/// and Says/Thinks gaps, each with the turns it quotes.
pub struct StudyInsights {
    pub engine: Arc<Engine>,
    pub workspace: WorkspaceId,
}

impl Tool for StudyInsights {
    type Args = StudyArgs;

    fn name(&self) -> &'static str {
        "study_insights"
    }

    fn description(&self) -> &'static str {
        "The insights of a focus group or interview with the workspace's twins (by words of its title, or the latest with insights): themes, agreements, disagreements, actions and Says/Thinks gaps, each with the words it quotes"
    }

    async fn call(&self, args: StudyArgs) -> Result<ToolOutput, ToolFailure> {
        let twins = self.engine.twins();
        let failed =
            |e: crate::EngineError| ToolFailure(format!("the sessions could not be read: {e}"));
        let sessions = twins.sessions(self.workspace).await.map_err(failed)?;
        let mut with_insights = Vec::new();
        for session in sessions {
            if let Some(insights) = twins.insights(session.id).await.map_err(failed)? {
                with_insights.push((session, insights));
            }
        }
        with_insights.sort_by_key(|(_, insights)| std::cmp::Reverse(insights.created_at));
        let (session, insights) = titled(
            &with_insights,
            |(s, _)| s.title.as_str(),
            args.title.as_deref(),
        )
        .ok_or_else(|| {
            ToolFailure(if with_insights.is_empty() {
                "no focus group or interview of this workspace has insights yet".to_owned()
            } else {
                format!(
                    "no session with insights has those words in its title; they are {}",
                    with_insights
                        .iter()
                        .map(|(s, _)| s.title.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        })?;
        let quoted = |quotes: &[pw_twins::insights::Quote]| {
            quotes
                .iter()
                .map(|q| format!("{}: “{}”", q.speaker, q.says))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let body = &insights.body;
        let mut lines = Vec::new();
        for theme in &body.themes {
            lines.push(format!(
                "Theme: {}: {} {}",
                theme.title,
                theme.summary,
                quoted(&theme.quotes)
            ));
        }
        for (heading, items) in [
            ("Agreement", &body.agreements),
            ("Disagreement", &body.disagreements),
            ("Action", &body.actions),
        ] {
            for item in items {
                lines.push(format!("{heading}: {} {}", item.text, quoted(&item.quotes)));
            }
        }
        for gap in &body.gaps {
            lines.push(format!(
                "Says/Thinks gap: {} says “{}” but thinks “{}”",
                gap.quote.speaker, gap.quote.says, gap.thinks
            ));
        }
        let label = format!("Insights of “{}”", session.title);
        Ok(ToolOutput {
            text: format!("{label}:\n{}", lines.join("\n")),
            data: json!({"session_id": session.id.to_string(), "insights_id": insights.id}),
            source: Source {
                kind: SourceKind::SessionInsight,
                reference: session.id.to_string(),
                label,
            },
        })
    }
}
