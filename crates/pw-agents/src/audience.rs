//! The audience agent's analysis: each audience's delivery over the last [`LOOKBACK_DAYS`] days
//! (ad rows in the main currency, through the ad groups that target it), its conversion rate
//! against the other audiences' with a 95% interval and a test (Benjamini–Hochberg adjusted),
//! its CPA against the workspace's, its live signals and its twins; and from these a verdict
//! by fixed rules (expand, test, review or hold) with the reason, which the model explains.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use pw_domain::WorkspaceId;
use pw_statistics::{Rate, benjamini_hochberg, compare_rates};
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::campaign_days::main_currency;
use crate::error::{AgentError, Result};

pub const LOOKBACK_DAYS: i64 = 90;
const SIGNIFICANT_Q: f64 = 0.05;
/// An audience converting this much cheaper than the workspace, on enough conversions, earns
/// more budget even without a significant rate difference.
const CHEAP_CPA_RATIO: f64 = 0.85;
const ENOUGH_CONVERSIONS: f64 = 20.0;
/// Signals an undelivered audience needs before it is worth a test.
const SIGNALS_FOR_A_TEST: usize = 3;

/// What to do with an audience next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Expand,
    Test,
    Review,
    Hold,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Expand => "expand",
            Verdict::Test => "test",
            Verdict::Review => "review",
            Verdict::Hold => "hold",
        }
    }
}

/// One audience in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudienceResult {
    pub id: String,
    pub name: String,
    pub platform: String,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub spend: f64,
    pub clicks: i64,
    pub conversions: f64,
    pub cpa: Option<f64>,
    /// Conversions per click, with its 95% interval.
    pub conversion_rate: Option<(f64, f64, f64)>,
    /// Against the other audiences' clicks.
    pub lift: Option<f64>,
    pub q_value: Option<f64>,
    /// Live signals by kind, and the strongest two statements.
    pub signals: usize,
    pub top_signals: Vec<String>,
    pub twins: usize,
    pub verdict: Verdict,
    pub reason: String,
}

/// The audience analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudienceReport {
    pub currency: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// The workspace's CPA over the audiences' delivery.
    pub cpa: Option<f64>,
    pub audiences: Vec<AudienceResult>,
}

impl AudienceReport {
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "Audiences, {} to {} (ad rows in {}; CPA of every audience together {}). Verdicts by fixed rules: expand when the conversion rate is significantly above the other audiences' (q below {SIGNIFICANT_Q}) or the CPA is at most {:.0}% of the workspace's on {ENOUGH_CONVERSIONS} or more conversions; review when significantly below; test when it had no spend but has {SIGNALS_FOR_A_TEST} or more signals; hold otherwise.",
            self.from,
            self.until,
            self.currency,
            self.cpa
                .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.2}")),
            CHEAP_CPA_RATIO * 100.0
        )];
        for a in &self.audiences {
            let size = match (a.size_lower, a.size_upper) {
                (Some(low), Some(high)) => format!(", size {low} to {high}"),
                _ => String::new(),
            };
            let rate = match (a.conversion_rate, a.lift, a.q_value) {
                (Some((r, low, high)), lift, q) => format!(
                    "; conversion rate {:.2}% (95% interval {:.2}% to {:.2}%){}",
                    r * 100.0,
                    low * 100.0,
                    high * 100.0,
                    match (lift, q) {
                        (Some(lift), Some(q)) => format!(
                            ", {:+.0}% against the other audiences, q {q:.3}",
                            lift * 100.0
                        ),
                        _ => String::new(),
                    }
                ),
                _ => String::new(),
            };
            lines.push(format!(
                "{} ({}{size}): {} — {}. Spend {:.2}, conversions {:.1}, CPA {}{rate}; {} live signals{}; {} twins.",
                a.name,
                a.platform,
                a.verdict.label(),
                a.reason,
                a.spend,
                a.conversions,
                a.cpa.map_or_else(|| "n/a".to_owned(), |c| format!("{c:.2}")),
                a.signals,
                if a.top_signals.is_empty() {
                    String::new()
                } else {
                    format!(" (strongest: {})", a.top_signals.join("; "))
                },
                a.twins
            ));
        }
        lines.join("\n")
    }
}

/// An audience's stored facts, before the verdict.
#[derive(Debug, Clone, Default)]
struct Facts {
    id: String,
    name: String,
    platform: String,
    size_lower: Option<i64>,
    size_upper: Option<i64>,
    spend: f64,
    clicks: f64,
    conversions: f64,
    signals: Vec<String>,
    twins: usize,
}

/// The analysis of the workspace's audiences. `None` without metrics.
pub async fn analyse(db: &Database, workspace: WorkspaceId) -> Result<Option<AudienceReport>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let ws = workspace.to_string();
    let Some((currency, until)) = main_currency(db, workspace).await? else {
        return Ok(None);
    };
    let from = until - Duration::days(LOOKBACK_DAYS - 1);
    let mut facts: BTreeMap<String, Facts> = BTreeMap::new();
    for row in sqlx::query(
        "SELECT id, name, platform, size_lower, size_upper FROM audiences
         WHERE workspace_id = ? ORDER BY name, id",
    )
    .bind(&ws)
    .fetch_all(db.reader())
    .await
    .map_err(stored)?
    {
        let id: String = row.try_get("id").map_err(stored)?;
        facts.insert(
            id.clone(),
            Facts {
                id,
                name: row.try_get("name").map_err(stored)?,
                platform: row.try_get("platform").map_err(stored)?,
                size_lower: row.try_get("size_lower").map_err(stored)?,
                size_upper: row.try_get("size_upper").map_err(stored)?,
                ..Facts::default()
            },
        );
    }
    for row in sqlx::query(
        "SELECT g.audience_id AS audience, sum(m.spend_micros) AS spend,
                sum(m.clicks) AS clicks, sum(m.conversions) AS conversions
         FROM daily_metrics m
         JOIN ads a ON a.id = m.entity_id
         JOIN ad_groups g ON g.id = a.ad_group_id
         WHERE m.workspace_id = ? AND m.level = 'ad' AND m.currency = ?
           AND m.date BETWEEN ? AND ? AND g.audience_id IS NOT NULL
         GROUP BY g.audience_id",
    )
    .bind(&ws)
    .bind(&currency)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?
    {
        let audience: String = row.try_get("audience").map_err(stored)?;
        if let Some(f) = facts.get_mut(&audience) {
            f.spend = row.try_get::<i64, _>("spend").map_err(stored)? as f64 / 1e6;
            f.clicks = row.try_get::<i64, _>("clicks").map_err(stored)? as f64;
            f.conversions = row.try_get("conversions").map_err(stored)?;
        }
    }
    for row in sqlx::query(
        "SELECT audience_id, statement FROM signals
         WHERE workspace_id = ? AND audience_id IS NOT NULL AND retired_at IS NULL
         ORDER BY abs(strength) DESC, signal_key",
    )
    .bind(&ws)
    .fetch_all(db.reader())
    .await
    .map_err(stored)?
    {
        let audience: String = row.try_get("audience_id").map_err(stored)?;
        if let Some(f) = facts.get_mut(&audience) {
            f.signals.push(row.try_get("statement").map_err(stored)?);
        }
    }
    for row in sqlx::query(
        "SELECT audience_id, count(*) AS twins FROM twins
         WHERE workspace_id = ? AND audience_id IS NOT NULL GROUP BY audience_id",
    )
    .bind(&ws)
    .fetch_all(db.reader())
    .await
    .map_err(stored)?
    {
        let audience: String = row.try_get("audience_id").map_err(stored)?;
        if let Some(f) = facts.get_mut(&audience) {
            f.twins = row.try_get::<i64, _>("twins").map_err(stored)? as usize;
        }
    }
    let facts: Vec<Facts> = facts.into_values().collect();
    Ok(Some(report_of(&facts, currency, from, until)))
}

fn report_of(
    facts: &[Facts],
    currency: String,
    from: NaiveDate,
    until: NaiveDate,
) -> AudienceReport {
    let spend: f64 = facts.iter().map(|f| f.spend).sum();
    let clicks: f64 = facts.iter().map(|f| f.clicks).sum();
    let conversions: f64 = facts.iter().map(|f| f.conversions).sum();
    let workspace_cpa = (conversions > 0.0).then(|| spend / conversions);
    let comparisons: Vec<Option<(Rate, Option<pw_statistics::Comparison>)>> = facts
        .iter()
        .map(|f| {
            let rate = Rate::wilson(f.conversions, f.clicks)?;
            let rest = Rate::wilson(conversions - f.conversions, clicks - f.clicks);
            Some((rate, rest.and_then(|rest| compare_rates(rate, rest))))
        })
        .collect();
    let p_values: Vec<f64> = comparisons
        .iter()
        .filter_map(|c| c.and_then(|(_, c)| c).map(|c| c.p_value))
        .collect();
    let mut q_values = benjamini_hochberg(&p_values).into_iter();
    let audiences = facts
        .iter()
        .zip(&comparisons)
        .map(|(f, compared)| {
            let rate = compared.map(|(r, _)| (r.estimate, r.low, r.high));
            let comparison = compared.and_then(|(_, c)| c);
            let q_value = comparison.and_then(|_| q_values.next());
            let cpa = (f.conversions > 0.0).then(|| f.spend / f.conversions);
            let lift = comparison.map(|c| c.lift);
            let significant = q_value.is_some_and(|q| q < SIGNIFICANT_Q);
            let cheap = match (cpa, workspace_cpa) {
                (Some(cpa), Some(all)) => {
                    cpa <= all * CHEAP_CPA_RATIO && f.conversions >= ENOUGH_CONVERSIONS
                }
                _ => false,
            };
            let (verdict, reason) = if significant && lift.is_some_and(|l| l > 0.0) {
                (
                    Verdict::Expand,
                    "its clicks convert significantly better than the other audiences'".to_owned(),
                )
            } else if cheap {
                (
                    Verdict::Expand,
                    "it converts at a CPA well below the workspace's".to_owned(),
                )
            } else if significant {
                (
                    Verdict::Review,
                    "its clicks convert significantly worse than the other audiences'".to_owned(),
                )
            } else if f.spend <= 0.0 && f.signals.len() >= SIGNALS_FOR_A_TEST {
                (
                    Verdict::Test,
                    "it has had no spend, but its signals say enough about it to test".to_owned(),
                )
            } else if f.spend <= 0.0 {
                (
                    Verdict::Hold,
                    "it has had no spend and too few signals to test".to_owned(),
                )
            } else {
                (
                    Verdict::Hold,
                    "it performs like the other audiences".to_owned(),
                )
            };
            AudienceResult {
                id: f.id.clone(),
                name: f.name.clone(),
                platform: f.platform.clone(),
                size_lower: f.size_lower,
                size_upper: f.size_upper,
                spend: f.spend,
                clicks: f.clicks as i64,
                conversions: f.conversions,
                cpa,
                conversion_rate: rate,
                lift,
                q_value,
                signals: f.signals.len(),
                top_signals: f.signals.iter().take(2).cloned().collect(),
                twins: f.twins,
                verdict,
                reason,
            }
        })
        .collect();
    AudienceReport {
        currency,
        from,
        until,
        cpa: workspace_cpa,
        audiences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, spend: f64, clicks: f64, conversions: f64, signals: usize) -> Facts {
        Facts {
            id: name.to_lowercase(),
            name: name.into(),
            platform: "meta".into(),
            spend,
            clicks,
            conversions,
            signals: (0..signals).map(|i| format!("signal {i}")).collect(),
            ..Facts::default()
        }
    }

    fn report() -> AudienceReport {
        let day: NaiveDate = "2026-11-29".parse().expect("a day");
        report_of(
            &[
                facts("Brunch", 5_000.0, 10_000.0, 600.0, 4),
                facts("Gifts", 5_000.0, 10_000.0, 400.0, 2),
                facts("Commuters", 5_000.0, 10_000.0, 410.0, 1),
                facts("Students", 0.0, 0.0, 0.0, 5),
                facts("Retirees", 0.0, 0.0, 0.0, 1),
            ],
            "USD".into(),
            day - Duration::days(89),
            day,
        )
    }

    fn verdict(r: &AudienceReport, name: &str) -> Verdict {
        r.audiences
            .iter()
            .find(|a| a.name == name)
            .expect("reported")
            .verdict
    }

    #[test]
    fn each_rule_gives_its_verdict() {
        let r = report();
        // 6% of clicks against 4.05% for the rest.
        assert_eq!(verdict(&r, "Brunch"), Verdict::Expand);
        // 4% against 5.05%, on 10,000 clicks each: significantly worse.
        assert_eq!(verdict(&r, "Gifts"), Verdict::Review);
        assert_eq!(verdict(&r, "Students"), Verdict::Test);
        assert_eq!(verdict(&r, "Retirees"), Verdict::Hold);
        // 15,000 over 1,410 conversions.
        assert!((r.cpa.expect("conversions") - 15_000.0 / 1_410.0).abs() < 1e-9);
        let brunch = &r.audiences[0];
        assert!((brunch.lift.expect("a rest") - (0.06 / (810.0 / 20_000.0) - 1.0)).abs() < 1e-9);
        assert!(brunch.q_value.expect("tested") < 0.05);
    }

    #[test]
    fn a_cheap_audience_on_enough_conversions_is_expanded_without_a_test() {
        let day: NaiveDate = "2026-11-29".parse().expect("a day");
        // Same conversion rate, far cheaper clicks.
        let r = report_of(
            &[
                facts("Cheap", 1_000.0, 1_000.0, 40.0, 0),
                facts("Dear", 10_000.0, 1_000.0, 40.0, 0),
            ],
            "USD".into(),
            day,
            day,
        );
        assert_eq!(verdict(&r, "Cheap"), Verdict::Expand);
        assert_eq!(verdict(&r, "Dear"), Verdict::Hold);
        assert!(
            r.text()
                .contains("Cheap (meta): expand — it converts at a CPA well below")
        );
    }
}
