//! The creative agent's analysis: how each message (a creative's headline), call to action and
//! format performs, in every audience together and within each audience, over the last
//! [`LOOKBACK_DAYS`] days of ad rows in the workspace's main currency. Click rate (clicks per
//! impression) and conversion rate (conversions per click) each come with a 95% Wilson interval,
//! and are compared with the other creatives of the same ad groups, pooled over the ad groups
//! (Mantel–Haenszel): a search ad is clicked more than a social one whatever it says, and a
//! message that only ran on search must not win for where it ran. The p-values of every test in
//! the report are adjusted together (Benjamini–Hochberg), so a report that tests forty creatives
//! does not call two of them winners by chance.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use pw_domain::WorkspaceId;
use pw_statistics::{Rate, Stratum, benjamini_hochberg, mantel_haenszel};
use pw_store::Database;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::campaign_days::main_currency;
use crate::error::{AgentError, Result};

/// The days the analysis looks back over.
pub const LOOKBACK_DAYS: i64 = 90;
/// The false discovery rate a difference is called significant at.
pub const SIGNIFICANT_Q: f64 = 0.05;
/// The most lines a scope lists (strongest differences first).
const MOST_PER_SCOPE: usize = 6;

/// What is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Message,
    CallToAction,
    Format,
}

impl Element {
    pub fn label(self) -> &'static str {
        match self {
            Element::Message => "message",
            Element::CallToAction => "call to action",
            Element::Format => "format",
        }
    }
}

/// A rate against the rest of its scope.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tested {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
    /// Against the other creatives of the same ad groups (the Mantel–Haenszel rate ratio,
    /// minus one): 0.25 is 25% higher.
    pub lift: Option<f64>,
    pub p_value: Option<f64>,
    /// Adjusted across every test in the report.
    pub q_value: Option<f64>,
}

impl Tested {
    pub fn significant(&self) -> bool {
        self.q_value.is_some_and(|q| q < SIGNIFICANT_Q)
    }
}

/// One element's figures in one scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementResult {
    /// An audience's name, or `None` for every audience together.
    pub audience: Option<String>,
    pub element: Element,
    pub value: String,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub spend: f64,
    pub click_rate: Option<Tested>,
    pub conversion_rate: Option<Tested>,
}

/// What the creative analysis found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreativeReport {
    pub currency: String,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub results: Vec<ElementResult>,
    /// How many tests were adjusted together.
    pub tests: usize,
}

impl CreativeReport {
    /// The report as the model reads it: every audience together first, then each audience;
    /// within each, the significant differences first.
    pub fn text(&self) -> String {
        let mut lines = vec![format!(
            "Creative performance, {} to {} (ad rows in {}): click rate is clicks per impression, conversion rate conversions per click, each with its 95% interval and its lift against the other creatives of the same ad groups; a difference is significant when its q-value (Benjamini–Hochberg over all {} tests) is below {SIGNIFICANT_Q}.",
            self.from, self.until, self.currency, self.tests
        )];
        let mut scopes: Vec<Option<&str>> = vec![None];
        for r in &self.results {
            if let Some(a) = r.audience.as_deref()
                && !scopes.contains(&Some(a))
            {
                scopes.push(Some(a));
            }
        }
        for scope in scopes {
            let mut results: Vec<&ElementResult> = self
                .results
                .iter()
                .filter(|r| r.audience.as_deref() == scope)
                .collect();
            let strength = |r: &ElementResult| {
                [r.click_rate, r.conversion_rate]
                    .iter()
                    .flatten()
                    .filter_map(|t| t.q_value)
                    .fold(1.0_f64, f64::min)
            };
            results.sort_by(|a, b| strength(a).total_cmp(&strength(b)));
            lines.push(match scope {
                None => "Every audience:".to_owned(),
                Some(a) => format!("Audience {a}:"),
            });
            for r in results.iter().take(MOST_PER_SCOPE) {
                lines.push(format!(
                    "  {} “{}”: {} impressions; click rate {}; conversion rate {}",
                    r.element.label(),
                    r.value,
                    r.impressions,
                    shown(r.click_rate),
                    shown(r.conversion_rate)
                ));
            }
            if results.len() > MOST_PER_SCOPE {
                lines.push(format!(
                    "  {} more, none stronger.",
                    results.len() - MOST_PER_SCOPE
                ));
            }
        }
        lines.join("\n")
    }
}

fn shown(tested: Option<Tested>) -> String {
    let Some(t) = tested else {
        return "n/a".to_owned();
    };
    let against = match (t.lift, t.q_value) {
        (Some(lift), Some(q)) => format!(
            ", {:+.0}% against the rest, q {q:.3}{}",
            lift * 100.0,
            if t.significant() {
                ", significant"
            } else {
                ", not significant"
            }
        ),
        _ => String::new(),
    };
    format!(
        "{:.2}% (95% interval {:.2}% to {:.2}%){against}",
        t.rate * 100.0,
        t.low * 100.0,
        t.high * 100.0
    )
}

/// One creative's delivery to one audience.
#[derive(Debug, Clone)]
struct Delivery {
    audience: String,
    /// The ad group: creatives are compared with the others of their ad groups.
    ad_group: String,
    message: String,
    call_to_action: String,
    format: String,
    impressions: f64,
    clicks: f64,
    conversions: f64,
    spend: f64,
}

/// The analysis of the workspace's ad rows in its main currency over the last
/// [`LOOKBACK_DAYS`] days with data. `None` without metrics; empty results when no ad rows.
pub async fn analyse(db: &Database, workspace: WorkspaceId) -> Result<Option<CreativeReport>> {
    let stored = |e: sqlx::Error| AgentError::Store(e.into());
    let Some((currency, until)) = main_currency(db, workspace).await? else {
        return Ok(None);
    };
    let from = until - Duration::days(LOOKBACK_DAYS - 1);
    let rows = sqlx::query(
        "SELECT coalesce(au.name, 'no audience') AS audience, g.id AS ad_group,
                coalesce(cr.headline, a.name) AS message,
                coalesce(cr.call_to_action, 'none') AS call_to_action,
                coalesce(cr.format, 'unknown') AS format,
                sum(m.impressions) AS impressions, sum(m.clicks) AS clicks,
                sum(m.conversions) AS conversions, sum(m.spend_micros) AS spend
         FROM daily_metrics m
         JOIN ads a ON a.id = m.entity_id
         JOIN ad_groups g ON g.id = a.ad_group_id
         LEFT JOIN audiences au ON au.id = g.audience_id
         LEFT JOIN creatives cr ON cr.id = a.creative_id
         WHERE m.workspace_id = ? AND m.level = 'ad' AND m.currency = ?
           AND m.date BETWEEN ? AND ?
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5",
    )
    .bind(workspace.to_string())
    .bind(&currency)
    .bind(from.to_string())
    .bind(until.to_string())
    .fetch_all(db.reader())
    .await
    .map_err(stored)?;
    let mut deliveries = Vec::with_capacity(rows.len());
    for row in &rows {
        deliveries.push(Delivery {
            audience: row.try_get("audience").map_err(stored)?,
            ad_group: row.try_get("ad_group").map_err(stored)?,
            message: row.try_get("message").map_err(stored)?,
            call_to_action: row.try_get("call_to_action").map_err(stored)?,
            format: row.try_get("format").map_err(stored)?,
            impressions: row.try_get::<i64, _>("impressions").map_err(stored)? as f64,
            clicks: row.try_get::<i64, _>("clicks").map_err(stored)? as f64,
            conversions: row.try_get("conversions").map_err(stored)?,
            spend: row.try_get::<i64, _>("spend").map_err(stored)? as f64 / 1e6,
        });
    }
    Ok(Some(report_of(&deliveries, currency, from, until)))
}

#[derive(Default, Clone, Copy)]
struct Counts {
    impressions: f64,
    clicks: f64,
    conversions: f64,
    spend: f64,
}

impl Counts {
    fn add(&mut self, d: &Delivery) {
        self.impressions += d.impressions;
        self.clicks += d.clicks;
        self.conversions += d.conversions;
        self.spend += d.spend;
    }
}

fn report_of(
    deliveries: &[Delivery],
    currency: String,
    from: NaiveDate,
    until: NaiveDate,
) -> CreativeReport {
    // (audience or None, element, value) -> counts, and the same per ad group; BTreeMap keeps
    // the report's order stable.
    type Cell = (Option<String>, Element, String);
    let mut cells: BTreeMap<Cell, Counts> = BTreeMap::new();
    let mut by_group: BTreeMap<Cell, BTreeMap<&str, Counts>> = BTreeMap::new();
    let mut group_totals: BTreeMap<(Option<String>, Element, &str), Counts> = BTreeMap::new();
    for d in deliveries {
        let elements = [
            (Element::Message, &d.message),
            (Element::CallToAction, &d.call_to_action),
            (Element::Format, &d.format),
        ];
        for (element, value) in elements {
            for audience in [None, Some(d.audience.clone())] {
                // Calls to action and formats are read across audiences; within an audience the
                // question is which message works there.
                if audience.is_some() && element != Element::Message {
                    continue;
                }
                let key = (audience.clone(), element, value.clone());
                cells.entry(key.clone()).or_default().add(d);
                by_group
                    .entry(key)
                    .or_default()
                    .entry(d.ad_group.as_str())
                    .or_default()
                    .add(d);
                group_totals
                    .entry((audience, element, d.ad_group.as_str()))
                    .or_default()
                    .add(d);
            }
        }
    }
    let tested = |rate: Option<Rate>, strata: &[Stratum]| {
        let rate = rate?;
        let comparison = mantel_haenszel(strata);
        Some(Tested {
            rate: rate.estimate,
            low: rate.low,
            high: rate.high,
            lift: comparison.map(|c| c.lift),
            p_value: comparison.map(|c| c.p_value),
            q_value: None,
        })
    };
    let mut results: Vec<ElementResult> = cells
        .iter()
        .map(|(key, c)| {
            let (audience, element, value) = key;
            let groups = by_group.get(key).into_iter().flatten();
            let (mut clicks, mut conversions) = (Vec::new(), Vec::new());
            for (group, own) in groups {
                let total = group_totals
                    .get(&(audience.clone(), *element, *group))
                    .copied()
                    .unwrap_or_default();
                // The rest is a difference of float sums: never below zero by rounding.
                let rest = |all: f64, part: f64| (all - part).max(0.0);
                clicks.push(Stratum {
                    successes: own.clicks,
                    trials: own.impressions,
                    rest_successes: rest(total.clicks, own.clicks),
                    rest_trials: rest(total.impressions, own.impressions),
                });
                conversions.push(Stratum {
                    successes: own.conversions,
                    trials: own.clicks,
                    rest_successes: rest(total.conversions, own.conversions),
                    rest_trials: rest(total.clicks, own.clicks),
                });
            }
            ElementResult {
                audience: audience.clone(),
                element: *element,
                value: value.clone(),
                impressions: c.impressions as i64,
                clicks: c.clicks as i64,
                conversions: c.conversions,
                spend: c.spend,
                click_rate: tested(Rate::wilson(c.clicks, c.impressions), &clicks),
                // Conversions can be fractional (Google's attribution) but never exceed clicks
                // in a sane report; a rate that would is not a rate, and is left out.
                conversion_rate: tested(Rate::wilson(c.conversions, c.clicks), &conversions),
            }
        })
        .collect();
    let mut p_values = Vec::new();
    for r in &results {
        for t in [r.click_rate, r.conversion_rate].iter().flatten() {
            if let Some(p) = t.p_value {
                p_values.push(p);
            }
        }
    }
    let tests = p_values.len();
    let mut q_values = benjamini_hochberg(&p_values).into_iter();
    for r in &mut results {
        for t in [&mut r.click_rate, &mut r.conversion_rate]
            .into_iter()
            .flatten()
        {
            if t.p_value.is_some() {
                t.q_value = q_values.next();
            }
        }
    }
    CreativeReport {
        currency,
        from,
        until,
        results,
        tests,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(
        audience: &str,
        ad_group: &str,
        message: &str,
        impressions: f64,
        ctr: f64,
        cvr: f64,
    ) -> Delivery {
        let clicks = (impressions * ctr).round();
        let call_to_action = if message.starts_with("Subscribe") {
            "SUBSCRIBE"
        } else {
            "SHOP_NOW"
        };
        Delivery {
            audience: audience.into(),
            ad_group: ad_group.into(),
            message: message.into(),
            call_to_action: call_to_action.into(),
            format: "image".into(),
            impressions,
            clicks,
            conversions: (clicks * cvr).round(),
            spend: impressions / 100.0,
        }
    }

    fn report_on(deliveries: &[Delivery]) -> CreativeReport {
        let day: NaiveDate = "2026-11-29".parse().expect("a day");
        report_of(deliveries, "USD".into(), day - Duration::days(89), day)
    }

    fn report() -> CreativeReport {
        report_on(&[
            // Brunch, one ad group: the delivery promise is clicked more; the subscription
            // converts more.
            delivery(
                "Brunch",
                "b1",
                "At your door Thursday",
                200_000.0,
                0.027,
                0.04,
            ),
            delivery("Brunch", "b1", "Subscribe and save", 200_000.0, 0.020, 0.06),
            delivery("Brunch", "b1", "Meet the farmers", 200_000.0, 0.020, 0.04),
            // Gifts: too few impressions to tell two messages apart.
            delivery("Gifts", "g1", "At your door Thursday", 800.0, 0.03, 0.1),
            delivery("Gifts", "g1", "Meet the farmers", 800.0, 0.025, 0.1),
        ])
    }

    fn find<'a>(r: &'a CreativeReport, audience: Option<&str>, value: &str) -> &'a ElementResult {
        r.results
            .iter()
            .find(|e| e.audience.as_deref() == audience && e.value == value)
            .expect("the element is reported")
    }

    #[test]
    fn a_message_clicked_more_is_significant_with_its_lift_against_the_rest() {
        let r = report();
        let door = find(&r, Some("Brunch"), "At your door Thursday");
        let ctr = door.click_rate.expect("impressions");
        assert!((ctr.rate - 0.027).abs() < 1e-9);
        // Against the other two Brunch messages of its ad group (0.020): 35% more.
        assert!((ctr.lift.expect("a rest") - 0.35).abs() < 1e-9);
        assert!(ctr.significant());
        assert!(ctr.low < 0.027 && 0.027 < ctr.high);
        let subscribe = find(&r, Some("Brunch"), "Subscribe and save");
        assert!(subscribe.conversion_rate.expect("clicks").significant());
        assert!(
            subscribe
                .conversion_rate
                .expect("clicks")
                .lift
                .expect("a rest")
                > 0.0
        );
        // Clicked like the subscription, so less than the rest with the delivery promise in it.
        let farmers = find(&r, Some("Brunch"), "Meet the farmers");
        assert!(
            farmers
                .click_rate
                .expect("impressions")
                .lift
                .expect("a rest")
                < 0.0
        );
    }

    #[test]
    fn small_audiences_are_not_called_and_every_test_is_adjusted_together() {
        let r = report();
        let gifts = find(&r, Some("Gifts"), "At your door Thursday");
        assert!(!gifts.click_rate.expect("impressions").significant());
        // Every test that had a rest to compare with was adjusted, and counted.
        let tested: usize = r
            .results
            .iter()
            .map(|e| {
                [e.click_rate, e.conversion_rate]
                    .iter()
                    .flatten()
                    .filter(|t| t.q_value.is_some())
                    .count()
            })
            .sum();
        assert_eq!(tested, r.tests);
        for e in &r.results {
            for t in [e.click_rate, e.conversion_rate].iter().flatten() {
                if let (Some(p), Some(q)) = (t.p_value, t.q_value) {
                    assert!(
                        q >= p - 1e-12,
                        "an adjusted p-value is never below the raw one: {q} < {p}"
                    );
                }
            }
        }
        // One format across the board: nothing to compare it with.
        let image = find(&r, None, "image");
        assert_eq!(image.click_rate.expect("impressions").lift, None);
    }

    #[test]
    fn a_message_that_only_ran_where_every_ad_is_clicked_more_does_not_win_for_it() {
        // Search clicks at 5% and social at 1%, whatever the ad says. "Compostable" ran mostly
        // on search, so pooled it is clicked far more than the rest; within its ad groups it is
        // clicked exactly like the others.
        let r = report_on(&[
            delivery("Brunch", "search", "Compostable bags", 90_000.0, 0.05, 0.04),
            delivery("Brunch", "search", "Meet the farmers", 10_000.0, 0.05, 0.04),
            delivery("Brunch", "social", "Compostable bags", 10_000.0, 0.01, 0.04),
            delivery("Brunch", "social", "Meet the farmers", 90_000.0, 0.01, 0.04),
        ]);
        let compostable = find(&r, Some("Brunch"), "Compostable bags")
            .click_rate
            .expect("impressions");
        assert!(
            (compostable.rate - 0.046).abs() < 1e-9,
            "pooled, it shows 4.6%"
        );
        assert!(compostable.lift.expect("a rest").abs() < 1e-9);
        assert!(!compostable.significant());
    }

    #[test]
    fn the_text_names_each_scope_and_the_significant_differences() {
        let text = report().text();
        assert!(text.contains("Every audience:"), "{text}");
        assert!(text.contains("Audience Brunch:"), "{text}");
        assert!(
            text.contains("message “At your door Thursday”: 200000 impressions; click rate 2.70%"),
            "{text}"
        );
        assert!(text.contains("+35% against the rest"), "{text}");
        assert!(text.contains("significant"), "{text}");
    }
}
