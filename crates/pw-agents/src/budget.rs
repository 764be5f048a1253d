//! The budget agent's analysis: each campaign's diminishing-returns curve fitted on its daily
//! spend and conversions (campaign rows, one currency), the current daily budget split again so
//! marginal returns meet, within what each campaign has been seen to spend, and the expected
//! change in conversions with its bootstrap interval. The model writes the recommendation from
//! this; every figure it gives must be one of the plan's (the runtime's check).

use chrono::{Duration, NaiveDate};
use pw_domain::WorkspaceId;
use pw_statistics::response_curves::{Curve, Day, change_interval, split_budget};
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::campaign_days::main_currency;
use crate::error::{AgentError, Result};

/// The days a plan looks back over.
pub const LOOKBACK_DAYS: i64 = 90;
/// Bootstrap draws for the interval.
const DRAWS: usize = 200;
/// The least share of a campaign's daily variance in conversions its curve must explain.
const MIN_R_SQUARED: f64 = 0.2;
/// Increments the budget is split in.
const SPLIT_STEPS: usize = 2_000;

/// One campaign in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignPlan {
    pub campaign_id: String,
    pub name: String,
    pub platform: String,
    /// Mean daily spend over the last 14 days: what it spends now.
    pub daily_spend_now: f64,
    pub daily_spend_proposed: f64,
    /// Conversions one more unit of spend brings, now and at the proposed spend.
    pub marginal_now: f64,
    pub marginal_proposed: f64,
    pub r_squared: f64,
    /// Its returns did not fall over the spend seen: the curve is a floor.
    pub saturation_unseen: bool,
}

/// A budget plan: what to move where, and what the curves expect of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetPlan {
    pub currency: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub campaigns: Vec<CampaignPlan>,
    /// Campaigns left out, with why (too few days, spend that never varied…).
    pub left_out: Vec<(String, String)>,
    pub conversions_now: f64,
    pub conversions_proposed: f64,
    /// 95% bootstrap interval of the daily change; `None` when the curves could not be refitted.
    pub change_low: Option<f64>,
    pub change_high: Option<f64>,
}

impl BudgetPlan {
    /// The plan as the model reads it: the totals first (a long plan is paged, and the
    /// headline must be on its first page), then one line per campaign, largest move first.
    pub fn text(&self) -> String {
        let change = self.conversions_proposed - self.conversions_now;
        let interval = match (self.change_low, self.change_high) {
            (Some(low), Some(high)) => format!(" (95% interval {low:+.1} to {high:+.1})"),
            _ => " (no interval: the curves could not be refitted)".to_owned(),
        };
        let mut lines = vec![
            format!(
                "Budget split from diminishing-returns curves, daily spend in {}, fitted on the last {} days with data ({} to {}).",
                self.currency, LOOKBACK_DAYS, self.from, self.until
            ),
            format!(
                "Expected conversions a day: {:.1} now, {:.1} with the split, a change of {change:+.1}{interval}.",
                self.conversions_now, self.conversions_proposed
            ),
        ];
        for (name, why) in &self.left_out {
            lines.push(format!("Left out: {name}: {why}."));
        }
        let mut campaigns: Vec<&CampaignPlan> = self.campaigns.iter().collect();
        campaigns.sort_by(|a, b| {
            let moved = |c: &CampaignPlan| (c.daily_spend_proposed - c.daily_spend_now).abs();
            moved(b).total_cmp(&moved(a))
        });
        for c in campaigns {
            lines.push(format!(
                "{} ({}): now {:.2} a day, proposed {:.2} ({:+.2}); conversions per 100 spent at the margin {:.2} now, {:.2} proposed; fit R² {:.2}{}",
                c.name,
                c.platform,
                c.daily_spend_now,
                c.daily_spend_proposed,
                c.daily_spend_proposed - c.daily_spend_now,
                c.marginal_now * 100.0,
                c.marginal_proposed * 100.0,
                c.r_squared,
                if c.saturation_unseen {
                    "; no saturation seen, so its curve is a floor"
                } else {
                    ""
                }
            ));
        }
        lines.join("\n")
    }
}

struct Series {
    id: String,
    name: String,
    platform: String,
    days: Vec<(NaiveDate, Day)>,
}

/// The plan for a workspace's campaigns in its main currency, over the last
/// [`LOOKBACK_DAYS`] days with data. `None` when it has no metrics.
pub async fn plan(db: &Database, workspace: WorkspaceId) -> Result<Option<BudgetPlan>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let ws = workspace.to_string();
    let Some((currency, until)) = main_currency(db, workspace).await? else {
        return Ok(None);
    };
    let from = until - Duration::days(LOOKBACK_DAYS - 1);
    let rows = sqlx::query(
        "SELECT c.id AS id, c.name AS name, c.platform AS platform, m.date AS date,
                m.spend_micros AS spend, m.conversions AS conversions
         FROM daily_metrics m JOIN campaigns c ON c.id = m.entity_id
         WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.currency = ?
           AND m.date BETWEEN ? AND ?
         ORDER BY c.name, c.id, m.date",
    )
    .bind(&ws)
    .bind(&currency)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?;
    let mut series: Vec<Series> = Vec::new();
    for row in &rows {
        let id: String = row.try_get("id").map_err(stored)?;
        let date: String = row.try_get("date").map_err(stored)?;
        let date: NaiveDate = date
            .parse()
            .map_err(|e: chrono::ParseError| AgentError::Invalid(format!("a stored day: {e}")))?;
        let day = Day {
            spend: row.try_get::<i64, _>("spend").map_err(stored)? as f64 / 1e6,
            conversions: row.try_get("conversions").map_err(stored)?,
        };
        match series.last_mut() {
            Some(s) if s.id == id => s.days.push((date, day)),
            _ => series.push(Series {
                id,
                name: row.try_get("name").map_err(stored)?,
                platform: row.try_get("platform").map_err(stored)?,
                days: vec![(date, day)],
            }),
        }
    }
    Ok(Some(plan_of(&series, currency, from, until)))
}

fn plan_of(series: &[Series], currency: String, from: NaiveDate, until: NaiveDate) -> BudgetPlan {
    let recent_from = until - Duration::days(13);
    let mut fitted: Vec<(&Series, Curve, f64)> = Vec::new();
    let mut left_out = Vec::new();
    for s in series {
        let days: Vec<Day> = s.days.iter().map(|(_, d)| *d).collect();
        // Spend now: the mean of the last 14 days (a day without a row spent nothing).
        let now = s
            .days
            .iter()
            .filter(|(date, _)| *date >= recent_from)
            .map(|(_, d)| d.spend)
            .sum::<f64>()
            / 14.0;
        if now <= 0.0 {
            left_out.push((
                s.name.clone(),
                "it spent nothing in the last 14 days".to_owned(),
            ));
            continue;
        }
        match Curve::fit(&days) {
            // A curve that explains little of its days would move budget on noise.
            Some(curve) if curve.r_squared < MIN_R_SQUARED => left_out.push((
                s.name.clone(),
                format!(
                    "its curve explains too little of its days (R² {:.2}) to move budget on",
                    curve.r_squared
                ),
            )),
            Some(curve) => fitted.push((s, curve, now)),
            None => left_out.push((
                s.name.clone(),
                "its days cannot show how returns change with spend (too few, or spend that barely varied)"
                    .to_owned(),
            )),
        }
    }
    let curves: Vec<Curve> = fitted.iter().map(|(_, c, _)| *c).collect();
    let current: Vec<f64> = fitted.iter().map(|(_, _, now)| *now).collect();
    let split = split_budget(&curves, &current, SPLIT_STEPS);
    let days: Vec<Vec<Day>> = fitted
        .iter()
        .map(|(s, _, _)| s.days.iter().map(|(_, d)| *d).collect())
        .collect();
    let interval = change_interval(&days, &current, &split.spend, DRAWS, 7);
    BudgetPlan {
        currency,
        from,
        until,
        campaigns: fitted
            .iter()
            .zip(&split.spend)
            .map(|((s, curve, now), &proposed)| CampaignPlan {
                campaign_id: s.id.clone(),
                name: s.name.clone(),
                platform: s.platform.clone(),
                daily_spend_now: *now,
                daily_spend_proposed: proposed,
                marginal_now: curve.marginal(*now),
                marginal_proposed: curve.marginal(proposed),
                r_squared: curve.r_squared,
                saturation_unseen: curve.saturation_unseen,
            })
            .collect(),
        left_out,
        conversions_now: split.conversions_now,
        conversions_proposed: split.conversions_split,
        change_low: interval.map(|(low, _)| low),
        change_high: interval.map(|(_, high)| high),
    }
}
