//! From stored rows to signal drafts, IO-free: each function takes the rows it reads and returns
//! drafts that name those rows. The build (`build.rs`) reads the rows and stores the drafts.

use std::collections::{BTreeMap, BTreeSet};

use pw_domain::AudienceId;
use serde_json::{Value, json};

use crate::behavior::{self, Dimension, Finding, Metric, Segment, Thresholds};
use crate::intent::{self, Intent};
use crate::signals::{
    Interval, RowRef, SignalDraft, SignalKind, SourceTable, Support, SupportUnit,
};
use crate::statistics::{Rate, benjamini_hochberg};

/// An audience as the platform describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceProfile {
    pub id: AudienceId,
    pub name: String,
    pub platform: String,
    pub kind: String,
    pub size_lower: Option<i64>,
    pub size_upper: Option<i64>,
    pub interests: Vec<String>,
    pub demographics: Value,
}

/// One ad's delivery on one day, in an ad group that targets an audience.
#[derive(Debug, Clone, PartialEq)]
pub struct AdDay {
    pub audience_id: AudienceId,
    pub ad_id: String,
    pub creative_id: Option<String>,
    pub headline: Option<String>,
    pub format: Option<String>,
    pub date: String,
    pub impressions: f64,
    pub clicks: f64,
    pub conversions: f64,
    /// Whether its campaign reports conversions at all (an awareness or video-views campaign
    /// often tracks none: its zero is "not measured", not "never converts").
    pub measures_conversions: bool,
}

impl AdDay {
    /// Its key in `daily_metrics`.
    pub fn row_key(&self) -> String {
        format!("ad/{}/{}", self.ad_id, self.date)
    }
}

/// One ad group's delivery on one day, in one value of one breakdown dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct BreakdownDay {
    pub audience_id: AudienceId,
    pub ad_group_id: String,
    pub date: String,
    pub dimension: Dimension,
    pub value: String,
    pub impressions: f64,
    pub clicks: f64,
    pub conversions: f64,
    /// Whether its campaign reports conversions at all (see [`AdDay::measures_conversions`]).
    pub measures_conversions: bool,
}

impl BreakdownDay {
    /// Its key in `metric_breakdowns`.
    pub fn row_key(&self) -> String {
        format!(
            "ad_group/{}/{}/{}/{}",
            self.ad_group_id,
            self.date,
            self.dimension.as_str(),
            self.value
        )
    }
}

/// A raw evidence row (`audience_signals`): a mention, a search term or a reported behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub id: String,
    pub audience_id: Option<AudienceId>,
    pub source: String,
    pub text: String,
    pub sentiment: Option<f64>,
    pub intent: Option<String>,
    pub volume: Option<i64>,
    pub occurred_on: String,
    pub metadata: Value,
}

/// "with Specialty coffee enthusiasts", or "" for the workspace's whole public.
fn with_audience(audience: Option<&str>) -> String {
    audience.map_or_else(String::new, |name| format!(" with {name}"))
}

pub(crate) fn percent(share: f64) -> String {
    let value = share * 100.0;
    if value.abs() >= 10.0 {
        format!("{value:.0}%")
    } else if value != 0.0 && value.abs() < 0.1 {
        // A rate below a tenth of a percent is not "0.0%": one conversion in 2,500 clicks
        // happened.
        format!("{value:.2}%")
    } else {
        format!("{value:.1}%")
    }
}

pub(crate) fn count(value: f64) -> String {
    let whole = value.round() as i64;
    let digits = whole.abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if whole < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn people(value: i64) -> String {
    let value = value as f64;
    if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.0}K", value / 1e3)
    } else {
        count(value)
    }
}

fn interval(rate: &Rate) -> Interval {
    Interval {
        estimate: rate.estimate,
        low: rate.low,
        high: rate.high,
    }
}

/// "instagram_stories" → "Instagram stories".
fn readable(value: &str) -> String {
    let spaced = value.replace(['_', '-'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Who the audience is, as its platform reports it: size bounds, interests, demographics.
pub fn profile_signal(audience: &AudienceProfile) -> SignalDraft {
    let size = match (audience.size_lower, audience.size_upper) {
        (Some(low), Some(high)) => format!("{}–{} people", people(low), people(high)),
        (Some(low), None) => format!("at least {} people", people(low)),
        (None, Some(high)) => format!("up to {} people", people(high)),
        (None, None) => "an unreported number of people".to_owned(),
    };
    let ages = match (
        audience.demographics.get("age_min").and_then(Value::as_i64),
        audience.demographics.get("age_max").and_then(Value::as_i64),
    ) {
        (Some(low), Some(high)) => format!(", aged {low}–{high}"),
        _ => String::new(),
    };
    let interests = if audience.interests.is_empty() {
        String::new()
    } else {
        format!(
            ", interested in {}",
            audience
                .interests
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    SignalDraft {
        audience_id: Some(audience.id),
        kind: SignalKind::Behavior,
        key: "profile".to_owned(),
        statement: format!(
            "{} is a {} audience on {} of {size}{ages}{interests}.",
            audience.name,
            audience.kind,
            readable(&audience.platform)
        ),
        // Reported by the platform, not estimated here.
        strength: 1.0,
        // The audience's own row, and nothing counted in it.
        support: Support::counted(1.0, SupportUnit::Rows),
        support_share: None,
        interval: None,
        q_value: None,
        detail: json!({
            "finding": "profile",
            "size_lower": audience.size_lower,
            "size_upper": audience.size_upper,
            "interests": audience.interests,
            "demographics": audience.demographics,
        }),
        rows: vec![RowRef::segment(
            SourceTable::Audiences,
            audience.id.to_string(),
        )],
    }
}

struct SegmentRows {
    label: String,
    rows: Vec<RowRef>,
    totals: [f64; 3],
}

/// Each segment of each dimension, with its rows and totals.
type Segments = BTreeMap<(Dimension, String), SegmentRows>;

/// Which creatives, messages, placements, devices and dayparts win or trail with `audience`,
/// against the rest of its own delivery.
pub fn behavior_signals(
    audience: &AudienceProfile,
    ad_days: &[AdDay],
    breakdowns: &[BreakdownDay],
    thresholds: Thresholds,
) -> Vec<SignalDraft> {
    let ad_days: Vec<&AdDay> = ad_days
        .iter()
        .filter(|d| d.audience_id == audience.id)
        .collect();
    let breakdowns: Vec<&BreakdownDay> = breakdowns
        .iter()
        .filter(|d| d.audience_id == audience.id)
        .collect();

    // Each segment of each dimension: its label, its rows, and impressions, clicks and
    // conversions summed over them; once over every row (for click rates), once over the rows
    // of campaigns that report conversions (for conversion rates: clicks of a campaign that
    // tracks none are no trials of a conversion).
    let mut members: Segments = BTreeMap::new();
    let mut measured: Segments = BTreeMap::new();
    let mut add = |dimension: Dimension,
                   key: String,
                   label: String,
                   row: RowRef,
                   n: [f64; 3],
                   measures_conversions: bool| {
        let into = |map: &mut Segments| {
            let entry = map
                .entry((dimension, key.clone()))
                .or_insert_with(|| SegmentRows {
                    label: label.clone(),
                    rows: Vec::new(),
                    totals: [0.0; 3],
                });
            entry.rows.push(row.clone());
            for (total, value) in entry.totals.iter_mut().zip(n) {
                *total += value;
            }
        };
        into(&mut members);
        if measures_conversions {
            into(&mut measured);
        }
    };
    // The creatives carrying each message. A message carried by one creative only is that
    // creative under another name: its finding would repeat the creative's.
    let mut carriers: BTreeMap<String, BTreeSet<Option<&str>>> = BTreeMap::new();
    for day in &ad_days {
        if let Some(headline) = &day.headline {
            carriers
                .entry(headline.trim().to_lowercase())
                .or_default()
                .insert(day.creative_id.as_deref());
        }
    }
    for day in &ad_days {
        let numbers = [day.impressions, day.clicks, day.conversions];
        let row = || RowRef::segment(SourceTable::DailyMetrics, day.row_key());
        if let Some(creative) = &day.creative_id {
            let label = match (&day.headline, &day.format) {
                (Some(headline), Some(format)) => format!("“{headline}” ({format})"),
                (Some(headline), None) => format!("“{headline}”"),
                _ => format!("creative {creative}"),
            };
            add(
                Dimension::Creative,
                creative.clone(),
                label,
                row(),
                numbers,
                day.measures_conversions,
            );
        }
        if let Some(headline) = &day.headline {
            let key = headline.trim().to_lowercase();
            add(
                Dimension::Message,
                key,
                format!("the message “{}”", headline.trim()),
                row(),
                numbers,
                day.measures_conversions,
            );
        }
    }
    for day in &breakdowns {
        add(
            day.dimension,
            day.value.clone(),
            readable(&day.value),
            RowRef::segment(SourceTable::MetricBreakdowns, day.row_key()),
            [day.impressions, day.clicks, day.conversions],
            day.measures_conversions,
        );
    }
    let segments = |map: &Segments| -> Vec<Segment> {
        map.iter()
            .map(|((dimension, key), segment)| Segment {
                dimension: *dimension,
                key: key.clone(),
                label: segment.label.clone(),
                impressions: segment.totals[0],
                clicks: segment.totals[1],
                conversions: segment.totals[2],
            })
            .collect()
    };
    // Two families, each adjusted for its own comparisons: click rates over all delivery,
    // conversion rates over the delivery that measures conversions.
    let click_findings = behavior::findings(&segments(&members), thresholds)
        .into_iter()
        .filter(|f| f.metric == Metric::ClickRate)
        .map(|f| (f, &members));
    let conversion_findings = behavior::findings(&segments(&measured), thresholds)
        .into_iter()
        .filter(|f| f.metric == Metric::ConversionRate)
        .map(|f| (f, &measured));
    let mut found: Vec<(Finding, &Segments)> = click_findings.chain(conversion_findings).collect();
    found.sort_by(|(a, _), (b, _)| {
        a.q_value
            .total_cmp(&b.q_value)
            .then(b.comparison.lift.abs().total_cmp(&a.comparison.lift.abs()))
            .then(a.key.cmp(&b.key))
    });
    found
        .into_iter()
        .filter(|(finding, _)| {
            finding.dimension != Dimension::Message
                || carriers
                    .get(&finding.key)
                    .is_some_and(|c| c.len() > 1 || c.contains(&None))
        })
        .map(|(finding, members)| {
            let chosen = finding.key.as_str();
            let rows: Vec<RowRef> = members
                .iter()
                .filter(|((dimension, _), _)| *dimension == finding.dimension)
                .flat_map(|((_, key), segment)| {
                    segment.rows.iter().map(move |row| {
                        if key == chosen {
                            row.clone()
                        } else {
                            RowRef::baseline(row.table, row.key.clone())
                        }
                    })
                })
                .collect();
            finding_signal(audience, &finding, rows)
        })
        .collect()
}

fn finding_signal(audience: &AudienceProfile, finding: &Finding, rows: Vec<RowRef>) -> SignalDraft {
    let (verb, relation) = if finding.wins() {
        ("wins", "above")
    } else {
        ("trails", "below")
    };
    let dimension = match finding.dimension {
        Dimension::Creative => "The creative",
        Dimension::Message => "Ads with",
        Dimension::Placement => "The placement",
        Dimension::Device => "The device",
        Dimension::Daypart => "The daypart",
    };
    let unit = match finding.metric {
        Metric::ClickRate => SupportUnit::Impressions,
        Metric::ConversionRate => SupportUnit::Clicks,
    };
    let base = unit.as_str();
    let statement = format!(
        "{dimension} {label} {verb}{audience}: a {metric} of {rate} (95% CI {low}–{high}) on {trials} {base}, {lift} {relation} the {baseline} of the rest of the audience's delivery.",
        label = finding.label,
        audience = with_audience(Some(&audience.name)),
        metric = finding.metric.label(),
        rate = percent(finding.rate.estimate),
        low = percent(finding.rate.low),
        high = percent(finding.rate.high),
        trials = count(finding.rate.trials),
        lift = percent(finding.comparison.lift.abs()),
        baseline = percent(finding.baseline.estimate),
    );
    let all_trials = finding.rate.trials + finding.baseline.trials;
    let support_share = finding.rate.trials / all_trials;
    SignalDraft {
        audience_id: Some(audience.id),
        kind: SignalKind::Behavior,
        key: format!(
            "{}/{}/{}",
            finding.dimension.as_str(),
            finding.key,
            finding.metric.as_str()
        ),
        statement,
        strength: finding.comparison.lift,
        // The segment's trials, of all the audience's in this dimension.
        support: Support::of(finding.rate.trials, all_trials, unit),
        support_share: Some(support_share),
        interval: Some(interval(&finding.rate)),
        q_value: Some(finding.q_value),
        detail: json!({
            "finding": "segment",
            "dimension": finding.dimension.as_str(),
            "segment": finding.key,
            "label": finding.label,
            "metric": finding.metric.as_str(),
            "successes": finding.rate.successes,
            "trials": finding.rate.trials,
            "baseline": {
                "successes": finding.baseline.successes,
                "trials": finding.baseline.trials,
                "estimate": finding.baseline.estimate,
            },
            "lift": finding.comparison.lift,
            "z": finding.comparison.z,
            "p_value": finding.comparison.p_value,
        }),
        rows,
    }
}

/// Behaviours a platform or site analytics reported as shares of customers.
pub fn reported_behavior_signals(rows: &[RawRow]) -> Vec<SignalDraft> {
    rows.iter()
        .filter_map(|row| {
            let share = row
                .metadata
                .get("share_of_customers")
                .and_then(Value::as_f64)
                .filter(|s| *s > 0.0 && *s <= 1.0)?;
            let window = row
                .metadata
                .get("window_days")
                .and_then(Value::as_i64)
                .map(|days| format!(", last {days} days"))
                .unwrap_or_default();
            // The customers counted: the row's volume is the share of this base.
            let rate = row
                .volume
                .filter(|v| *v > 0)
                .and_then(|v| Rate::wilson(v as f64, (v as f64 / share).round()));
            let text = row.text.trim().trim_end_matches('.');
            let mut first = text.chars();
            let lowered = match first.next() {
                Some(c) => c.to_lowercase().collect::<String>() + first.as_str(),
                None => return None,
            };
            let ci = rate
                .as_ref()
                .map(|r| {
                    format!(
                        " (95% CI {}–{} of {} customers)",
                        percent(r.low),
                        percent(r.high),
                        count(r.trials)
                    )
                })
                .unwrap_or_default();
            // The customers who did it, of those counted; without a count, the reported row.
            let support = match &rate {
                Some(rate) => Support::of(rate.successes, rate.trials, SupportUnit::Customers),
                None => Support::counted(1.0, SupportUnit::Rows),
            };
            Some(SignalDraft {
                audience_id: row.audience_id,
                kind: SignalKind::Behavior,
                key: format!("reported/{}", row.id),
                statement: format!(
                    "{} of customers {lowered}{ci}, as reported by {}{window}.",
                    percent(share),
                    readable(&row.source).to_lowercase()
                ),
                strength: share,
                support,
                support_share: Some(share),
                interval: rate.as_ref().map(interval),
                q_value: None,
                detail: json!({
                    "finding": "reported",
                    "share": share,
                    "source": row.source,
                    "volume": row.volume,
                }),
                rows: vec![RowRef::segment(
                    SourceTable::AudienceSignals,
                    row.id.clone(),
                )],
            })
        })
        .collect()
}

/// Search intent in `terms` (all about one scope: an audience, or none): each intent's share of
/// search volume with its leading terms, and shifts between the first and last period reported.
pub fn intent_signals(
    audience: Option<(AudienceId, &str)>,
    terms: &[RawRow],
    brand: &[&str],
) -> Vec<SignalDraft> {
    let classified: Vec<(&RawRow, Intent, f64)> = terms
        .iter()
        .filter_map(|row| {
            let volume = row.volume.filter(|v| *v > 0)? as f64;
            let intent = row
                .intent
                .as_deref()
                .and_then(Intent::parse)
                .unwrap_or_else(|| intent::classify(&row.text, brand));
            Some((row, intent, volume))
        })
        .collect();
    let total: f64 = classified.iter().map(|(_, _, v)| v).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let audience_id = audience.map(|(id, _)| id);
    let scope = with_audience(audience.map(|(_, name)| name));
    let mut drafts = Vec::new();

    for intent in Intent::ALL {
        let members: Vec<&(&RawRow, Intent, f64)> =
            classified.iter().filter(|(_, i, _)| *i == intent).collect();
        let volume: f64 = members.iter().map(|(_, _, v)| v).sum();
        let Some(rate) = Rate::wilson(volume, total) else {
            continue;
        };
        if members.is_empty() {
            continue;
        }
        let mut leading: Vec<(&str, f64)> = members
            .iter()
            .map(|(row, _, v)| (row.text.as_str(), *v))
            .collect();
        leading.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = leading
            .iter()
            .take(3)
            .map(|(text, _)| format!("“{text}”"))
            .collect();
        let conversions: f64 = members
            .iter()
            .filter_map(|(row, _, _)| row.metadata.get("conversions").and_then(Value::as_f64))
            .sum();
        let rows = classified
            .iter()
            .map(|(row, i, _)| {
                if *i == intent {
                    RowRef::segment(SourceTable::AudienceSignals, row.id.clone())
                } else {
                    RowRef::baseline(SourceTable::AudienceSignals, row.id.clone())
                }
            })
            .collect();
        // Where the platform reports what the searches brought (Google Ads, per term), the
        // statement says it: a share of searches that buys matters more than its size.
        let converted = if conversions > 0.0 {
            format!(
                " Our ads converted {} of them ({} conversions).",
                percent(conversions / volume),
                count(conversions)
            )
        } else {
            String::new()
        };
        drafts.push(SignalDraft {
            audience_id,
            kind: SignalKind::Intent,
            key: format!("intent/{}", intent.as_str()),
            statement: format!(
                "{} searches are {} of search volume{scope} ({} of {} searches, 95% CI {}–{}), led by {}.{converted}",
                readable(intent.as_str()),
                percent(rate.estimate),
                count(volume),
                count(total),
                percent(rate.low),
                percent(rate.high),
                top.join(", ")
            ),
            strength: rate.estimate,
            support: Support::of(volume, total, SupportUnit::Searches),
            support_share: Some(rate.estimate),
            interval: Some(interval(&rate)),
            q_value: None,
            detail: json!({
                "finding": "share",
                "intent": intent.as_str(),
                "volume": volume,
                "total_volume": total,
                "terms": leading.iter().map(|(t, v)| json!({"term": t, "volume": v})).collect::<Vec<_>>(),
                "conversions": (conversions > 0.0).then_some(conversions),
            }),
            rows,
        });
    }
    drafts.extend(intent_shifts(audience, &classified));
    drafts
}

fn intent_shifts(
    audience: Option<(AudienceId, &str)>,
    classified: &[(&RawRow, Intent, f64)],
) -> Vec<SignalDraft> {
    let periods: BTreeSet<&str> = classified
        .iter()
        .map(|(row, _, _)| row.occurred_on.as_str())
        .collect();
    let (Some(first), Some(last)) = (periods.first(), periods.last()) else {
        return Vec::new();
    };
    if first == last {
        return Vec::new();
    }
    let totals = |period: &str, intent: Intent| {
        classified
            .iter()
            .filter(|(row, _, _)| row.occurred_on == period)
            .fold((0.0, 0.0), |(of, all), (_, i, v)| {
                (if *i == intent { of + v } else { of }, all + v)
            })
    };
    let shifts: Vec<intent::IntentShift> = Intent::ALL
        .into_iter()
        .filter_map(|i| intent::shift(i, totals(first, i), totals(last, i)))
        .collect();
    let q_values = benjamini_hochberg(&shifts.iter().map(|s| s.p_value).collect::<Vec<_>>());
    let scope = with_audience(audience.map(|(_, name)| name));
    shifts
        .into_iter()
        .zip(q_values)
        .filter(|(_, q)| *q <= 0.05)
        .map(|(shift, q)| {
            // The intent's searches in both periods are what moved; every other search of the
            // two periods is the denominator. (Only the last period's would leave a share that
            // fell to nothing resting on no rows.)
            let rows = classified
                .iter()
                .filter(|(row, _, _)| row.occurred_on == *first || row.occurred_on == *last)
                .map(|(row, i, _)| {
                    if *i == shift.intent {
                        RowRef::segment(SourceTable::AudienceSignals, row.id.clone())
                    } else {
                        RowRef::baseline(SourceTable::AudienceSignals, row.id.clone())
                    }
                })
                .collect();
            SignalDraft {
                audience_id: audience.map(|(id, _)| id),
                kind: SignalKind::Intent,
                key: format!("intent-shift/{}", shift.intent.as_str()),
                statement: format!(
                    "{} searches {} from {} to {} of search volume{scope} between {first} and {last} (95% CI now {}–{}).",
                    readable(shift.intent.as_str()),
                    if shift.change > 0.0 { "grew" } else { "fell" },
                    percent(shift.before.estimate),
                    percent(shift.after.estimate),
                    percent(shift.after.low),
                    percent(shift.after.high),
                ),
                // The change in share (0.15 is fifteen points): finite when a share rises from
                // or falls to nothing.
                strength: shift.change,
                // The intent's searches in the last period, of all searches then.
                support: Support::of(
                    shift.after.successes,
                    shift.after.trials,
                    SupportUnit::Searches,
                ),
                support_share: Some(shift.after.estimate),
                interval: Some(interval(&shift.after)),
                q_value: Some(q),
                detail: json!({
                    "finding": "shift",
                    "intent": shift.intent.as_str(),
                    "from_period": first,
                    "to_period": last,
                    "before": {"volume": shift.before.successes, "total": shift.before.trials},
                    "after": {"volume": shift.after.successes, "total": shift.after.trials},
                    "p_value": shift.p_value,
                }),
                rows,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUDIENCE: &str = "0193a0c4-0000-7000-8000-0000000000a1";

    fn audience_id() -> AudienceId {
        AUDIENCE.parse().unwrap()
    }

    fn audience() -> AudienceProfile {
        AudienceProfile {
            id: audience_id(),
            name: "Coffee lovers".into(),
            platform: "meta".into(),
            kind: "interest".into(),
            size_lower: Some(8_400_000),
            size_upper: Some(9_900_000),
            interests: vec!["Espresso".into(), "Barista".into()],
            demographics: json!({"age_min": 25, "age_max": 54}),
        }
    }

    fn ad_day(ad: &str, creative: &str, headline: &str, date: &str, n: [f64; 3]) -> AdDay {
        AdDay {
            audience_id: audience_id(),
            ad_id: ad.into(),
            creative_id: Some(creative.into()),
            headline: Some(headline.into()),
            format: Some("image".into()),
            date: date.into(),
            impressions: n[0],
            clicks: n[1],
            conversions: n[2],
            measures_conversions: true,
        }
    }

    fn term(id: &str, text: &str, intent: &str, volume: i64, period: &str) -> RawRow {
        RawRow {
            id: id.into(),
            audience_id: None,
            source: "search_term".into(),
            text: text.into(),
            sentiment: None,
            intent: Some(intent.into()),
            volume: Some(volume),
            occurred_on: period.into(),
            metadata: json!({}),
        }
    }

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(percent(0.0193), "1.9%");
        assert_eq!(percent(0.32), "32%");
        assert_eq!(percent(0.0004), "0.04%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(count(48_210.0), "48,210");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(people(8_400_000), "8.4M");
    }

    #[test]
    fn the_profile_names_size_interests_and_ages() {
        let profile = profile_signal(&audience());
        assert_eq!(
            profile.statement,
            "Coffee lovers is a interest audience on Meta of 8.4M–9.9M people, aged 25–54, interested in Espresso, Barista."
        );
        assert_eq!(profile.rows.len(), 1);
        assert_eq!(profile.rows[0].key, AUDIENCE);
        assert_eq!(profile.support, Support::counted(1.0, SupportUnit::Rows));
    }

    #[test]
    fn a_winning_creative_lists_its_rows_and_its_baseline() {
        let days = vec![
            ad_day("ad1", "c1", "Fresh", "2026-11-01", [20_000.0, 500.0, 0.0]),
            ad_day("ad1", "c1", "Fresh", "2026-11-02", [20_000.0, 500.0, 0.0]),
            ad_day("ad2", "c2", "Cheap", "2026-11-01", [20_000.0, 200.0, 0.0]),
            ad_day("ad2", "c2", "Cheap", "2026-11-02", [20_000.0, 200.0, 0.0]),
        ];
        let signals = behavior_signals(&audience(), &days, &[], Thresholds::default());
        let winner = signals
            .iter()
            .find(|s| s.key == "creative/c1/ctr")
            .expect("c1 wins");
        assert!(winner.strength > 1.0, "{}", winner.strength);
        assert_eq!(winner.support_rows(), 2);
        assert_eq!(winner.rows.len(), 4);
        // Its impressions, of the audience's impressions over every creative.
        assert_eq!(
            winner.support,
            Support::of(40_000.0, 80_000.0, SupportUnit::Impressions)
        );
        assert!(winner.statement.contains("2.5%"), "{}", winner.statement);
        assert!(winner.statement.contains("wins with Coffee lovers"));
        let loser = signals
            .iter()
            .find(|s| s.key == "creative/c2/ctr")
            .expect("c2 trails");
        assert!(loser.statement.contains("trails"));
        // Each message here is carried by one creative: its finding would repeat the
        // creative's, so there is none.
        assert!(!signals.iter().any(|s| s.key.starts_with("message/")));
    }

    #[test]
    fn a_campaign_that_reports_no_conversions_is_not_read_as_never_converting() {
        // c1 runs in a video-views campaign that tracks no conversions: its clicks are no
        // trials of a conversion, so it is no conversion "loser"; its click rate still counts.
        let mut video = ad_day("ad1", "c1", "Watch", "2026-11-01", [60_000.0, 1_200.0, 0.0]);
        video.measures_conversions = false;
        let days = vec![
            video,
            ad_day("ad2", "c2", "Buy", "2026-11-01", [40_000.0, 600.0, 30.0]),
            ad_day("ad3", "c3", "Shop", "2026-11-01", [40_000.0, 600.0, 12.0]),
        ];
        let signals = behavior_signals(&audience(), &days, &[], Thresholds::default());
        assert!(
            !signals.iter().any(|s| s.key == "creative/c1/cvr"),
            "{:#?}",
            signals.iter().map(|s| &s.statement).collect::<Vec<_>>()
        );
        assert!(signals.iter().any(|s| s.key == "creative/c1/ctr"));
        // The conversion comparison is between the creatives that measure conversions, and
        // its rows are theirs alone.
        let buy = signals
            .iter()
            .find(|s| s.key == "creative/c2/cvr")
            .expect("c2 converts better than c3");
        assert_eq!(buy.rows.len(), 2);
        assert_eq!(
            buy.support,
            Support::of(600.0, 1_200.0, SupportUnit::Clicks)
        );
    }

    #[test]
    fn a_message_carried_by_several_creatives_is_a_finding_of_its_own() {
        let days = vec![
            ad_day("ad1", "c1", "Fresh", "2026-11-01", [20_000.0, 500.0, 0.0]),
            ad_day("ad3", "c3", "Fresh", "2026-11-01", [20_000.0, 480.0, 0.0]),
            ad_day("ad2", "c2", "Cheap", "2026-11-01", [20_000.0, 200.0, 0.0]),
            ad_day("ad4", "c4", "Cheap", "2026-11-01", [20_000.0, 210.0, 0.0]),
        ];
        let signals = behavior_signals(&audience(), &days, &[], Thresholds::default());
        let fresh = signals
            .iter()
            .find(|s| s.key == "message/fresh/ctr")
            .expect("the message wins across its two creatives");
        assert_eq!(fresh.support_rows(), 2);
        assert!(
            fresh.statement.contains("the message “Fresh”"),
            "{}",
            fresh.statement
        );
    }

    #[test]
    fn intent_shares_add_up_and_name_their_terms() {
        let terms = vec![
            term("t1", "buy beans", "transactional", 300, "2026-11-30"),
            term("t2", "how to brew", "informational", 600, "2026-11-30"),
            term("t3", "best grinder", "commercial", 100, "2026-11-30"),
        ];
        let signals = intent_signals(None, &terms, &[]);
        let shares: f64 = signals.iter().map(|s| s.strength).sum();
        assert!((shares - 1.0).abs() < 1e-12);
        let buy = signals
            .iter()
            .find(|s| s.key == "intent/transactional")
            .expect("transactional");
        assert!(
            buy.statement.starts_with(
                "Transactional searches are 30% of search volume (300 of 1,000 searches"
            ),
            "{}",
            buy.statement
        );
        assert_eq!(buy.support_rows(), 1);
        assert_eq!(buy.rows.len(), 3);
        assert_eq!(
            buy.support,
            Support::of(300.0, 1_000.0, SupportUnit::Searches)
        );
        // One period: no shift to speak of.
        assert!(signals.iter().all(|s| !s.key.starts_with("intent-shift")));
    }

    #[test]
    fn an_intent_that_vanished_or_appeared_is_a_shift_resting_on_its_rows() {
        let terms = vec![
            term("a1", "halcyon login", "navigational", 600, "2026-09-30"),
            term("a2", "how to brew", "informational", 1_400, "2026-09-30"),
            term("b1", "how to brew", "informational", 1_700, "2026-11-30"),
            term("b2", "best grinder", "commercial", 300, "2026-11-30"),
        ];
        let signals = intent_signals(None, &terms, &[]);
        assert!(
            signals.iter().all(|s| s.support_rows() > 0),
            "every signal rests on rows"
        );
        let gone = signals
            .iter()
            .find(|s| s.key == "intent-shift/navigational")
            .expect("navigational searches vanished");
        assert!(
            gone.statement.contains("fell from 30% to 0.0%"),
            "{}",
            gone.statement
        );
        assert!((gone.strength + 0.3).abs() < 1e-12);
        let appeared = signals
            .iter()
            .find(|s| s.key == "intent-shift/commercial")
            .expect("commercial searches appeared");
        assert!(
            appeared.statement.contains("grew from 0.0% to 15%"),
            "{}",
            appeared.statement
        );
    }

    #[test]
    fn an_intent_says_what_its_searches_converted_where_that_is_known() {
        let mut buy = term("t1", "buy beans", "transactional", 300, "2026-11-30");
        buy.metadata = json!({"conversions": 2.7});
        let mut gift = term("t2", "coffee gift box", "transactional", 100, "2026-11-30");
        gift.metadata = json!({"conversions": 1.3});
        let learn = term("t3", "how to brew", "informational", 600, "2026-11-30");
        let signals = intent_signals(None, &[buy, gift, learn], &[]);
        let buying = signals
            .iter()
            .find(|s| s.key == "intent/transactional")
            .expect("transactional");
        assert!(
            buying
                .statement
                .ends_with("Our ads converted 1.0% of them (4 conversions)."),
            "{}",
            buying.statement
        );
        let learning = signals
            .iter()
            .find(|s| s.key == "intent/informational")
            .expect("informational");
        assert!(
            !learning.statement.contains("converted"),
            "{}",
            learning.statement
        );
    }

    #[test]
    fn a_shift_between_periods_is_found() {
        let terms = vec![
            term("a1", "buy beans", "transactional", 300, "2026-09-30"),
            term("a2", "how to brew", "informational", 1_700, "2026-09-30"),
            term("b1", "buy beans", "transactional", 600, "2026-11-30"),
            term("b2", "how to brew", "informational", 1_400, "2026-11-30"),
        ];
        let signals = intent_signals(Some((audience_id(), "Coffee lovers")), &terms, &[]);
        let shift = signals
            .iter()
            .find(|s| s.key == "intent-shift/transactional")
            .expect("a shift");
        assert!(
            shift.statement.contains("grew from 15% to 30%"),
            "{}",
            shift.statement
        );
        // The buying searches of both periods moved; the rest are the denominator.
        assert_eq!(shift.support_rows(), 2);
        assert_eq!(shift.audience_id, Some(audience_id()));
        // The last period's buying searches, of all its searches.
        assert_eq!(
            shift.support,
            Support::of(600.0, 2_000.0, SupportUnit::Searches)
        );
    }
}
