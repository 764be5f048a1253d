//! The anomaly agent's analysis: the last week's spend, CPA, ROAS and CTR, per platform and in
//! total, each day against the same weekday of the eight weeks before and the week against the
//! eight weeks before, with robust scores (`pw_statistics::anomalies`); for what is unusual,
//! the campaigns that moved it (each campaign put back at its usual level in turn: how much of
//! the change goes away); and the mentions' sentiment, week against weeks, with the topics the
//! week's complaints were about. The model writes the alert from this and cites it.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use pw_domain::WorkspaceId;
use pw_statistics::anomalies::{
    Score, UNUSUAL, same_weekday_history, score, score_with_least_spread,
};
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::campaign_days::main_currency;
use crate::error::{AgentError, Result};

/// Weeks of history a baseline is drawn from.
pub const BASELINE_WEEKS: usize = 8;
/// The most findings a report lists, strongest first.
const MOST_FINDINGS: usize = 8;
/// A day's spread is never below a tenth of its expected value, a week's a twentieth: a budget
/// that never moved has no deviation, and a cent would otherwise be an alarm.
const DAY_FLOOR: f64 = 0.10;
const WEEK_FLOOR: f64 = 0.05;
/// The least a period needs for a rate to be judged on it.
const MIN_CONVERSIONS: f64 = 5.0;
const MIN_IMPRESSIONS: f64 = 1_000.0;
const MIN_MENTIONS: usize = 5;
/// The fewest negative mentions a week's complaint topics are read from.
const MIN_COMPLAINTS: usize = 3;

/// The measures an alert watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Spend,
    Conversions,
    Cpa,
    Roas,
    Ctr,
}

impl Measure {
    const ALL: [Measure; 5] = [
        Measure::Spend,
        Measure::Conversions,
        Measure::Cpa,
        Measure::Roas,
        Measure::Ctr,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Measure::Spend => "spend",
            Measure::Conversions => "conversions",
            Measure::Cpa => "CPA",
            Measure::Roas => "ROAS",
            Measure::Ctr => "CTR",
        }
    }

    fn of(self, s: &Sums) -> Option<f64> {
        match self {
            // A day that spent or converted nothing is a value, not a gap: a platform that stops
            // delivering, syncing or tracking must show.
            Measure::Spend => Some(s.spend),
            Measure::Conversions => Some(s.conversions),
            Measure::Cpa => (s.conversions >= MIN_CONVERSIONS).then(|| s.spend / s.conversions),
            Measure::Roas => (s.valued_spend > 0.0).then(|| s.value / s.valued_spend),
            Measure::Ctr => (s.impressions >= MIN_IMPRESSIONS).then(|| s.clicks / s.impressions),
        }
    }

    /// `value` against `history`. Conversions are counts, and small counts vary by about
    /// their square root (Poisson) even when the history happens not to: their spread is never
    /// below that, so a day of 4 against a usual 2 is not an alarm.
    fn score(self, value: f64, history: &[f64], relative_floor: f64) -> Option<Score> {
        let scored = score(value, history, relative_floor)?;
        match self {
            Measure::Conversions => score_with_least_spread(
                value,
                history,
                scored.spread.max(scored.expected.abs().sqrt()),
            ),
            _ => Some(scored),
        }
    }

    fn show(self, value: f64) -> String {
        match self {
            Measure::Spend | Measure::Cpa | Measure::Roas => format!("{value:.2}"),
            Measure::Conversions => format!("{value:.1}"),
            Measure::Ctr => format!("{:.2}%", value * 100.0),
        }
    }
}

/// A campaign's or a platform's figures over some days, money in major units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Sums {
    pub spend: f64,
    pub impressions: f64,
    pub clicks: f64,
    pub conversions: f64,
    pub value: f64,
    /// The spend of the rows that reported a conversion value (ROAS is over this).
    pub valued_spend: f64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.spend += o.spend;
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.conversions += o.conversions;
        self.value += o.value;
        self.valued_spend += o.valued_spend;
    }

    fn minus(&self, o: &Sums) -> Sums {
        Sums {
            spend: self.spend - o.spend,
            impressions: self.impressions - o.impressions,
            clicks: self.clicks - o.clicks,
            conversions: self.conversions - o.conversions,
            value: self.value - o.value,
            valued_spend: self.valued_spend - o.valued_spend,
        }
    }

    fn scaled(&self, by: f64) -> Sums {
        Sums {
            spend: self.spend * by,
            impressions: self.impressions * by,
            clicks: self.clicks * by,
            conversions: self.conversions * by,
            value: self.value * by,
            valued_spend: self.valued_spend * by,
        }
    }
}

/// When an unusual value happened.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Period {
    Day { date: NaiveDate },
    Week { from: NaiveDate, until: NaiveDate },
}

/// A campaign that moved an unusual value: how much of the change goes away when it is put
/// back at its usual level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cause {
    pub campaign: String,
    pub platform: String,
    /// The measure with this campaign at its usual level, against the measure as it was.
    pub without_change: f64,
    pub then: Sums,
    pub usual: Sums,
}

/// One unusual value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// A platform, or every platform.
    pub scope: String,
    pub measure: Measure,
    pub period: Period,
    pub value: f64,
    pub expected: f64,
    pub z: f64,
    /// Weeks the baseline was drawn from.
    pub history: usize,
    /// Largest first, at most two.
    pub causes: Vec<Cause>,
}

/// The mentions' sentiment, the week against the weeks before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentCheck {
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub mentions: usize,
    pub mean: f64,
    pub expected: f64,
    pub z: f64,
    pub unusual: bool,
    /// The topics most over-represented among the week's negative mentions, with their share
    /// of them and their usual share.
    pub complaint_topics: Vec<(String, f64, f64)>,
}

/// What the anomaly scan found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnomalyReport {
    pub currency: String,
    /// The week checked, the last with data.
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// How many values were scored (each measure of each scope, each day and the week).
    pub checked: usize,
    /// Every unusual value, the strongest first (the text lists the first few).
    pub findings: Vec<Finding>,
    pub sentiment: Option<SentimentCheck>,
}

impl AnomalyReport {
    /// The report as the model reads it.
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "Anomaly scan of {} to {} (amounts in {}): {} values scored against the same weekday of the {} weeks before (days) and the {} weeks before (the week); a value is unusual at a robust score of {UNUSUAL} or more either way.",
            self.from, self.until, self.currency, self.checked, BASELINE_WEEKS, BASELINE_WEEKS
        )];
        if self.findings.is_empty() {
            lines.push("Nothing unusual in spend, conversions, CPA, ROAS or CTR.".to_owned());
        }
        for f in self.findings.iter().take(MOST_FINDINGS) {
            let when = match f.period {
                Period::Day { date } => format!("on {date}"),
                Period::Week { from, until } => format!("in the week {from} to {until}"),
            };
            let change = if f.expected != 0.0 {
                format!(" ({:+.0}%)", (f.value / f.expected - 1.0) * 100.0)
            } else {
                String::new()
            };
            lines.push(format!(
                "Unusual: {} {} {when} was {} against a usual {}{change}, score {:+.1}.",
                f.scope,
                f.measure.label(),
                f.measure.show(f.value),
                f.measure.show(f.expected),
                f.z
            ));
            for c in &f.causes {
                lines.push(format!(
                    "  Likely cause: {} ({}): spend {:.2} against a usual {:.2}, conversions {:.1} against a usual {:.1}; at its usual level the {} would have been {}.",
                    c.campaign,
                    c.platform,
                    c.then.spend,
                    c.usual.spend,
                    c.then.conversions,
                    c.usual.conversions,
                    f.measure.label(),
                    f.measure.show(c.without_change)
                ));
            }
        }
        if self.findings.len() > MOST_FINDINGS {
            lines.push(format!(
                "{} more unusual values, weaker.",
                self.findings.len() - MOST_FINDINGS
            ));
        }
        match &self.sentiment {
            Some(s) => {
                lines.push(format!(
                    "Mention sentiment {} to {}: mean {:+.2} over {} mentions against a usual {:+.2}, score {:+.1}{}.",
                    s.from,
                    s.until,
                    s.mean,
                    s.mentions,
                    s.expected,
                    s.z,
                    if s.unusual { ", unusual" } else { ", ordinary" }
                ));
                for (topic, share, usual) in &s.complaint_topics {
                    lines.push(format!(
                        "  Negative mentions about {topic}: {:.0}% of the week's against a usual {:.0}%.",
                        share * 100.0,
                        usual * 100.0
                    ));
                }
            }
            None => lines
                .push("Mention sentiment: too few mentions with a sentiment to judge.".to_owned()),
        }
        lines.join("\n")
    }
}

/// A campaign's days, oldest first, one per day of the window (zero when it had no row).
struct CampaignDays {
    name: String,
    platform: String,
    days: Vec<Sums>,
}

/// The scan of the week ending on the workspace's last day with data, in its main currency.
/// `None` without metrics.
pub async fn scan(db: &Database, workspace: WorkspaceId) -> Result<Option<AnomalyReport>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let Some((currency, until)) = main_currency(db, workspace).await? else {
        return Ok(None);
    };
    let window = 7 * (BASELINE_WEEKS as i64 + 1);
    let first = until - Duration::days(window - 1);
    let rows = sqlx::query(
        "SELECT c.id AS id, c.name AS name, c.platform AS platform, m.date AS date,
                m.spend_micros AS spend, m.impressions AS impressions, m.clicks AS clicks,
                m.conversions AS conversions, m.conversion_value_micros AS value
         FROM daily_metrics m JOIN campaigns c ON c.id = m.entity_id
         WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.currency = ?
           AND m.date BETWEEN ? AND ?
         ORDER BY c.platform, c.name, c.id",
    )
    .bind(workspace.to_string())
    .bind(&currency)
    .bind(first.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?;
    let mut campaigns: BTreeMap<String, CampaignDays> = BTreeMap::new();
    for row in &rows {
        let date: String = row.try_get("date").map_err(stored)?;
        let date: NaiveDate = date
            .parse()
            .map_err(|e: chrono::ParseError| AgentError::Invalid(format!("a stored day: {e}")))?;
        let index = (date - first).num_days() as usize;
        let id: String = row.try_get("id").map_err(stored)?;
        let entry = match campaigns.get_mut(&id) {
            Some(entry) => entry,
            None => campaigns.entry(id).or_insert(CampaignDays {
                name: row.try_get("name").map_err(stored)?,
                platform: row.try_get("platform").map_err(stored)?,
                days: vec![Sums::default(); window as usize],
            }),
        };
        let spend = row.try_get::<i64, _>("spend").map_err(stored)? as f64 / 1e6;
        let value: Option<i64> = row.try_get("value").map_err(stored)?;
        entry.days[index].add(&Sums {
            spend,
            impressions: row.try_get::<i64, _>("impressions").map_err(stored)? as f64,
            clicks: row.try_get::<i64, _>("clicks").map_err(stored)? as f64,
            conversions: row.try_get("conversions").map_err(stored)?,
            value: value.map_or(0.0, |v| v as f64 / 1e6),
            valued_spend: if value.is_some() { spend } else { 0.0 },
        });
    }
    let campaigns: Vec<CampaignDays> = campaigns.into_values().collect();
    let mut report = report_of(&campaigns, currency, first, until);
    report.sentiment = sentiment(db, workspace, until).await?;
    Ok(Some(report))
}

fn report_of(
    campaigns: &[CampaignDays],
    currency: String,
    first: NaiveDate,
    until: NaiveDate,
) -> AnomalyReport {
    let window = campaigns.first().map_or(0, |c| c.days.len());
    let mut scopes: Vec<(String, Vec<&CampaignDays>)> = vec![(
        "all platforms".to_owned(),
        campaigns.iter().collect::<Vec<_>>(),
    )];
    let mut by_platform: BTreeMap<&str, Vec<&CampaignDays>> = BTreeMap::new();
    for c in campaigns {
        by_platform.entry(c.platform.as_str()).or_default().push(c);
    }
    // One platform is the whole workspace: scoring it twice would list each finding twice.
    if by_platform.len() > 1 {
        scopes.extend(
            by_platform
                .into_iter()
                .map(|(platform, members)| (platform.to_owned(), members)),
        );
    }
    let week_start = window.saturating_sub(7);
    let mut checked = 0;
    let mut findings = Vec::new();
    for (scope, members) in &scopes {
        let daily: Vec<Sums> = (0..window)
            .map(|i| {
                let mut sum = Sums::default();
                for c in members {
                    sum.add(&c.days[i]);
                }
                sum
            })
            .collect();
        for measure in Measure::ALL {
            let values: Vec<Option<f64>> = daily.iter().map(|d| measure.of(d)).collect();
            for index in week_start..window {
                let Some(value) = values[index] else {
                    continue;
                };
                // Nothing on a day that had nothing a week before is a pause going on, not news:
                // the move to zero was flagged when it happened.
                if value == 0.0 && index >= 7 && values[index - 7] == Some(0.0) {
                    continue;
                }
                let history = same_weekday_history(&values, index, BASELINE_WEEKS);
                let Some(s) = measure.score(value, &history, DAY_FLOOR) else {
                    continue;
                };
                checked += 1;
                if s.is_unusual() {
                    let date = first + Duration::days(index as i64);
                    let usual_days: Vec<usize> = (1..=BASELINE_WEEKS)
                        .filter_map(|w| index.checked_sub(7 * w))
                        .collect();
                    findings.push(finding(
                        scope,
                        measure,
                        Period::Day { date },
                        &s,
                        members,
                        &[index],
                        &usual_days,
                    ));
                }
            }
            // The week against each of the weeks before it.
            let week_sum = |end: usize| {
                let mut sum = Sums::default();
                for d in &daily[end + 1 - 7..=end] {
                    sum.add(d);
                }
                sum
            };
            if window < 7 {
                continue;
            }
            let last = window - 1;
            let Some(value) = measure.of(&week_sum(last)) else {
                continue;
            };
            if value == 0.0 && last >= 13 && measure.of(&week_sum(last - 7)) == Some(0.0) {
                continue;
            }
            let history: Vec<f64> = (1..=BASELINE_WEEKS)
                .filter_map(|w| last.checked_sub(7 * w))
                .filter(|&end| end >= 6)
                .filter_map(|end| measure.of(&week_sum(end)))
                .collect();
            if let Some(s) = measure.score(value, &history, WEEK_FLOOR) {
                checked += 1;
                if s.is_unusual() {
                    let usual_days: Vec<usize> = (7..window.min(7 * (BASELINE_WEEKS + 1)))
                        .map(|back| last - back)
                        .collect();
                    findings.push(finding(
                        scope,
                        measure,
                        Period::Week {
                            from: first + Duration::days(week_start as i64),
                            until,
                        },
                        &s,
                        members,
                        &(week_start..window).collect::<Vec<_>>(),
                        &usual_days,
                    ));
                }
            }
        }
    }
    findings.sort_by(|a, b| b.z.abs().total_cmp(&a.z.abs()));
    AnomalyReport {
        currency,
        from: first + Duration::days(week_start as i64),
        until,
        checked,
        findings,
        sentiment: None,
    }
}

/// An unusual value with its likely causes: each campaign of the scope is put back at its usual
/// level (its mean over `usual_days`, scaled to the period's length) and the measure recomputed;
/// the campaigns whose return moves the measure most towards what was expected are the causes.
fn finding(
    scope: &str,
    measure: Measure,
    period: Period,
    s: &Score,
    members: &[&CampaignDays],
    period_days: &[usize],
    usual_days: &[usize],
) -> Finding {
    let sum_over = |c: &CampaignDays, days: &[usize]| {
        let mut sum = Sums::default();
        for &i in days {
            sum.add(&c.days[i]);
        }
        sum
    };
    let mut total = Sums::default();
    for c in members {
        total.add(&sum_over(c, period_days));
    }
    let scale = period_days.len() as f64 / usual_days.len().max(1) as f64;
    let mut causes: Vec<(f64, Cause)> = members
        .iter()
        .filter_map(|c| {
            let then = sum_over(c, period_days);
            let usual = sum_over(c, usual_days).scaled(scale);
            let mut returned = total.minus(&then);
            returned.add(&usual);
            let without = measure.of(&returned)?;
            // How far putting it back moves the value towards the expected one.
            let explained = (s.value - without) * (s.value - s.expected).signum();
            (explained > 0.0).then(|| {
                (
                    explained,
                    Cause {
                        campaign: c.name.clone(),
                        platform: c.platform.clone(),
                        without_change: without,
                        then,
                        usual,
                    },
                )
            })
        })
        .collect();
    causes.sort_by(|a, b| b.0.total_cmp(&a.0));
    Finding {
        scope: scope.to_owned(),
        measure,
        period,
        value: s.value,
        expected: s.expected,
        z: s.z,
        history: s.history,
        causes: causes.into_iter().take(2).map(|(_, c)| c).collect(),
    }
}

/// The week of mentions ending on the scan's last day against the weeks before it (a feed that
/// went quiet has too few mentions this week to judge, and says so).
async fn sentiment(
    db: &Database,
    workspace: WorkspaceId,
    until: NaiveDate,
) -> Result<Option<SentimentCheck>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let rows = sqlx::query(
        "SELECT occurred_on, sentiment, coalesce(topic, 'no topic') AS topic
         FROM audience_signals
         WHERE workspace_id = ? AND kind = 'mention' AND sentiment IS NOT NULL",
    )
    .bind(workspace.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?;
    let mut mentions: Vec<(NaiveDate, f64, String)> = Vec::with_capacity(rows.len());
    for row in &rows {
        let day: String = row.try_get("occurred_on").map_err(stored)?;
        // A mention's day may carry a time; its first ten characters are the day.
        let Some(day) = day.get(..10).and_then(|d| d.parse::<NaiveDate>().ok()) else {
            continue;
        };
        mentions.push((
            day,
            row.try_get("sentiment").map_err(stored)?,
            row.try_get("topic").map_err(stored)?,
        ));
    }
    Ok(sentiment_of(&mentions, until))
}

fn sentiment_of(mentions: &[(NaiveDate, f64, String)], until: NaiveDate) -> Option<SentimentCheck> {
    let mut weeks: Vec<Vec<&(NaiveDate, f64, String)>> = vec![Vec::new(); BASELINE_WEEKS + 1];
    for m in mentions.iter().filter(|m| m.0 <= until) {
        let week = ((until - m.0).num_days() / 7) as usize;
        if let Some(week) = weeks.get_mut(week) {
            week.push(m);
        }
    }
    let mean = |week: &[&(NaiveDate, f64, String)]| {
        (week.len() >= MIN_MENTIONS)
            .then(|| week.iter().map(|m| m.1).sum::<f64>() / week.len() as f64)
    };
    let this_week = &weeks[0];
    let value = mean(this_week)?;
    let history: Vec<f64> = weeks[1..].iter().filter_map(|w| mean(w)).collect();
    // Sentiment lives on −1..1 and may centre on zero, so its floor is absolute.
    let s = score_with_least_spread(value, &history, 0.1)?;
    let negative_shares = |week: &[&&(NaiveDate, f64, String)]| {
        let negative: Vec<&str> = week
            .iter()
            .filter(|m| m.1 < -0.3)
            .map(|m| m.2.as_str())
            .collect();
        let mut shares: BTreeMap<String, f64> = BTreeMap::new();
        // A share of one or two complaints is an anecdote, not a topic.
        if negative.len() < MIN_COMPLAINTS {
            return shares;
        }
        for topic in &negative {
            *shares.entry((*topic).to_owned()).or_default() += 1.0 / negative.len() as f64;
        }
        shares
    };
    let now = negative_shares(&this_week.iter().collect::<Vec<_>>());
    let before = negative_shares(&weeks[1..].iter().flatten().collect::<Vec<_>>());
    let mut topics: Vec<(String, f64, f64)> = now
        .into_iter()
        .map(|(topic, share)| {
            let usual = before.get(&topic).copied().unwrap_or(0.0);
            (topic, share, usual)
        })
        .filter(|(_, share, usual)| share > usual)
        .collect();
    topics.sort_by(|a, b| (b.1 - b.2).total_cmp(&(a.1 - a.2)));
    topics.truncate(3);
    Some(SentimentCheck {
        from: until - Duration::days(6),
        until,
        mentions: this_week.len(),
        mean: value,
        expected: s.expected,
        z: s.z,
        unusual: s.is_unusual(),
        complaint_topics: topics,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(spend: f64, conversions: f64) -> Sums {
        Sums {
            spend,
            impressions: 10_000.0,
            clicks: 200.0,
            conversions,
            value: spend * 3.0,
            valued_spend: spend,
        }
    }

    /// Two campaigns on one platform and one on another, 63 days of steady figures with a
    /// little weekly noise; `spike` changes the last day of the first campaign.
    fn campaigns(spike: Option<Sums>) -> Vec<CampaignDays> {
        let wobble = |i: usize| 1.0 + 0.02 * ((i * 7919) % 5) as f64 / 4.0;
        let mut brunch: Vec<Sums> = (0..63).map(|i| day(100.0 * wobble(i), 10.0)).collect();
        if let Some(spike) = spike {
            brunch[62] = spike;
        }
        vec![
            CampaignDays {
                name: "Brunch".into(),
                platform: "meta".into(),
                days: brunch,
            },
            CampaignDays {
                name: "Gifts".into(),
                platform: "meta".into(),
                days: (0..63).map(|i| day(50.0 * wobble(i + 1), 5.0)).collect(),
            },
            CampaignDays {
                name: "Search".into(),
                platform: "google_ads".into(),
                days: (0..63).map(|i| day(80.0 * wobble(i + 2), 8.0)).collect(),
            },
        ]
    }

    fn report(spike: Option<Sums>) -> AnomalyReport {
        let first: NaiveDate = "2026-09-01".parse().expect("a day");
        report_of(
            &campaigns(spike),
            "USD".into(),
            first,
            first + Duration::days(62),
        )
    }

    #[test]
    fn steady_weeks_have_nothing_unusual() {
        let r = report(None);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        // 3 scopes x 5 measures x (7 days + the week).
        assert_eq!(r.checked, 120);
        assert!(r.text().contains("Nothing unusual"));
    }

    #[test]
    fn a_day_of_tripled_spend_is_found_on_its_platform_with_its_campaign_as_the_cause() {
        let r = report(Some(day(300.0, 10.0)));
        let spend = r
            .findings
            .iter()
            .find(|f| f.scope == "meta" && f.measure == Measure::Spend)
            .expect("meta's spend is unusual");
        assert_eq!(
            spend.period,
            Period::Day {
                date: "2026-11-02".parse().expect("a day")
            }
        );
        assert!(spend.z > 3.5);
        assert_eq!(spend.causes[0].campaign, "Brunch");
        // Put back at its usual level, the platform spends what it usually does.
        assert!((spend.causes[0].without_change - spend.expected).abs() < spend.expected * 0.05);
        // The spend bought no more conversions: CPA rose with it, from the same campaign.
        let cpa = r
            .findings
            .iter()
            .find(|f| f.scope == "meta" && f.measure == Measure::Cpa)
            .expect("meta's CPA is unusual");
        assert!(cpa.value > cpa.expected);
        assert_eq!(cpa.causes[0].campaign, "Brunch");
        // Google Ads did not move.
        assert!(r.findings.iter().all(|f| f.scope != "google_ads"));
        let text = r.text();
        assert!(text.contains("Unusual: meta spend on 2026-11-02"), "{text}");
        assert!(text.contains("Likely cause: Brunch (meta)"), "{text}");
    }

    #[test]
    fn a_day_that_delivered_nothing_is_an_outage_not_a_gap() {
        // Brunch stops: nothing spent, nothing converted on the last day.
        let r = report(Some(Sums::default()));
        let stopped = |measure: Measure| {
            r.findings
                .iter()
                .find(|f| {
                    f.scope == "meta"
                        && f.measure == measure
                        && f.period
                            != Period::Week {
                                from: r.from,
                                until: r.until,
                            }
                })
                .unwrap_or_else(|| panic!("meta's {measure:?} fell: {:?}", r.findings))
        };
        let fell = stopped(Measure::Spend);
        assert!(fell.z < -3.5 && fell.value < fell.expected, "{fell:?}");
        assert_eq!(fell.causes[0].campaign, "Brunch");
        // Meta's conversions fell from 15 to 5 that day: within what counts that small vary
        // by (√15 a day), so not called unusual on one day.
        assert!(
            r.findings
                .iter()
                .all(|f| !(f.scope == "meta" && f.measure == Measure::Conversions))
        );
    }

    #[test]
    fn a_pause_is_news_the_week_it_starts_not_every_day_after() {
        let first: NaiveDate = "2026-09-01".parse().expect("a day");
        let mut all = campaigns(None);
        // Google Ads stops 10 days before the end (days 53 to 62).
        for day in &mut all[2].days[53..] {
            *day = Sums::default();
        }
        let r = report_of(&all, "USD".into(), first, first + Duration::days(62));
        let flagged: Vec<NaiveDate> = r
            .findings
            .iter()
            .filter(|f| f.scope == "google_ads" && f.measure == Measure::Spend)
            .filter_map(|f| match f.period {
                Period::Day { date } => Some(date),
                Period::Week { .. } => None,
            })
            .collect();
        // Days 56 to 59 fell to zero from a week that spent; 60 to 62 follow a week of zeros.
        let expected: Vec<NaiveDate> = (56..=59).map(|i| first + Duration::days(i)).collect();
        let mut flagged = flagged;
        flagged.sort();
        assert_eq!(flagged, expected);
    }

    #[test]
    fn small_counts_vary_by_their_square_root() {
        // A history of 2 conversions a day, exactly: its MAD is zero; 4 is within √2 × 3.5.
        let day = Measure::Conversions
            .score(4.0, &[2.0; 8], DAY_FLOOR)
            .expect("a history");
        assert!((day.spread - 2f64.sqrt()).abs() < 1e-12);
        assert!(!day.is_unusual(), "{day:?}");
        assert!(
            Measure::Conversions
                .score(9.0, &[2.0; 8], DAY_FLOOR)
                .expect("a history")
                .is_unusual()
        );
    }

    #[test]
    fn a_week_of_worse_sentiment_names_the_topics_complained_about() {
        let until: NaiveDate = "2026-11-29".parse().expect("a day");
        let mut mentions = Vec::new();
        for back in 0..63 {
            let date = until - Duration::days(back);
            let bad_week = back < 7;
            for k in 0..3 {
                let (sentiment, topic) = match (bad_week, k) {
                    (true, 0 | 1) => (-0.8, "shipping"),
                    (_, 0) => (-0.6, "price"),
                    _ => (0.6, "taste"),
                };
                mentions.push((date, sentiment, topic.to_owned()));
            }
        }
        let s = sentiment_of(&mentions, until).expect("enough mentions");
        assert!(s.unusual && s.mean < s.expected, "{s:?}");
        assert_eq!(s.mentions, 21);
        assert_eq!(s.complaint_topics[0].0, "shipping");
        assert!((s.complaint_topics[0].1 - 1.0).abs() < 1e-9);
        assert_eq!(s.complaint_topics[0].2, 0.0);
    }
}
