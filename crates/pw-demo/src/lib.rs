//! A deterministic, seeded demo workspace for a fictional consumer brand (Halcyon Roasters, a
//! direct-to-consumer coffee roaster): four platforms, thirty campaigns across objectives, 180
//! days of daily metrics with weekly seasonality, a holiday ramp and plausible CTR, CPC, CPA and
//! ROAS per platform and objective; audiences with interests and size bounds; hundreds of
//! mentions with known topics and sentiment; search terms with their intent; observed behaviours.
//!
//! It carries effects an analysis should find: ad copy that is clicked or converts better than the
//! rest of its ad group (`catalogue::AD_COPY`), placements, devices and dayparts that differ
//! (`breakdowns`), search intent moving toward buying and gifting over three monthly periods, and
//! each Meta and TikTok audience talking about its own topics.
//!
//! [`generate`] is pure: the same spec always gives the same rows (ids included, derived from the
//! workspace id), so writing is idempotent and a demo job that was interrupted simply runs again.

mod breakdowns;
mod catalogue;
mod voices;

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use pw_domain::{
    AdAccountId, AdGroupId, AdId, AudienceId, CampaignId, CreativeId, Currency, EntityStatus,
    Micros, Objective, Platform, SearchIntent, SignalKind, WorkspaceId,
};
use pw_store::{Database, StoreError};
use pw_workspaces::{
    AdAccountRow, AdDataWriter, AdGroupRow, AdRow, AudienceRow, BreakdownRow, CampaignRow,
    CreativeRow, MetricEntity, MetricRow, NewWorkspace, SignalRow, WorkspaceStore,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

/// The ads' copy and the effect each was built with: the known answer a creative analysis of
/// the demo must find.
pub use catalogue::{AD_COPY, AdCopy};
pub use catalogue::{BRAND, CURRENCY, TIME_ZONE};

pub const DAYS_OF_DATA: u32 = 180;
pub const MENTION_COUNT: usize = 400;
/// Search terms are reported for this many consecutive 30-day periods ending on the last day.
pub const SEARCH_PERIODS: u64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database error while writing the demo: {0}")]
    Sql(#[from] sqlx::Error),
}

/// What to generate. `end_date` is the last day with data (normally yesterday in the brand's
/// time zone); fixing it (and the seed) makes the output identical run after run.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    pub workspace_id: WorkspaceId,
    pub workspace_name: String,
    pub seed: u64,
    pub end_date: NaiveDate,
}

/// Everything the demo workspace holds, ready to write.
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub accounts: Vec<AdAccountRow>,
    pub campaigns: Vec<CampaignRow>,
    pub ad_groups: Vec<AdGroupRow>,
    pub creatives: Vec<CreativeRow>,
    pub ads: Vec<AdRow>,
    pub audiences: Vec<AudienceRow>,
    pub metrics: Vec<MetricRow>,
    /// Each ad group's delivering days by placement, device and daypart.
    pub breakdowns: Vec<BreakdownRow>,
    pub signals: Vec<SignalRow>,
}

/// The ids of the demo's rows as a type: each is a UUID like any other.
trait DemoId: Copy {
    fn from_uuid(uuid: uuid::Uuid) -> Self;
    fn uuid(self) -> uuid::Uuid;
}

macro_rules! demo_ids {
    ($($id:ty),+) => {$(
        impl DemoId for $id {
            fn from_uuid(uuid: uuid::Uuid) -> Self {
                <$id>::from_uuid(uuid)
            }
            fn uuid(self) -> uuid::Uuid {
                self.as_uuid()
            }
        }
    )+};
}

demo_ids!(
    AdAccountId,
    CampaignId,
    AdGroupId,
    AdId,
    CreativeId,
    AudienceId
);

struct Ids {
    namespace: uuid::Uuid,
}

impl Ids {
    fn new(workspace_id: WorkspaceId) -> Self {
        Ids {
            namespace: workspace_id.as_uuid(),
        }
    }
    fn of<I: DemoId>(&self, what: &str) -> I {
        I::from_uuid(uuid::Uuid::new_v5(&self.namespace, what.as_bytes()))
    }
}

/// The demo's currency as a value (the catalogue spells it `USD`).
fn demo_currency() -> Result<Currency, StoreError> {
    CURRENCY
        .parse()
        .map_err(|e| StoreError::InvalidInput(format!("{e}")))
}

/// Day-of-week spend multipliers (Monday first): search peaks on weekdays, social on weekends.
fn weekly_factor(platform: Platform, weekday: Weekday) -> f64 {
    let day = weekday.num_days_from_monday() as usize;
    let table: [f64; 7] = match platform {
        Platform::GoogleAds => [1.07, 1.08, 1.05, 1.03, 0.97, 0.88, 0.92],
        Platform::Tiktok => [0.93, 0.94, 0.96, 0.99, 1.05, 1.08, 1.10],
        Platform::Pinterest => [0.95, 0.95, 0.97, 0.98, 1.0, 1.04, 1.11],
        _ => [0.97, 0.98, 0.98, 1.0, 1.02, 1.03, 1.02],
    };
    table[day]
}

/// US Thanksgiving: the fourth Thursday of November.
fn thanksgiving(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, 11, Weekday::Thu, 4)
}

/// Spend and conversion-rate multipliers around the holidays: a ramp from November 1, a peak on
/// Black Friday through Cyber Monday, and high intent in the gifting weeks.
fn holiday_factors(date: NaiveDate, objective: Objective) -> (f64, f64) {
    let Some(thanks) = thanksgiving(date.year()) else {
        return (1.0, 1.0);
    };
    let black_friday = thanks + Days::new(1);
    let cyber_monday = thanks + Days::new(4);
    let selling = matches!(objective, Objective::Sales);
    if date >= black_friday && date <= cyber_monday {
        return if selling { (1.9, 1.45) } else { (1.3, 1.1) };
    }
    if date.month() == 11 || (date.month() == 12 && date.day() <= 20) {
        let ramp = if selling { 1.25 } else { 1.1 };
        return (ramp, if selling { 1.12 } else { 1.0 });
    }
    (1.0, 1.0)
}

fn noise(rng: &mut ChaCha8Rng, spread: f64) -> f64 {
    1.0 + rng.random_range(-spread..=spread)
}

fn cents(amount: f64) -> Micros {
    Micros((amount * 100.0).round() as i64 * 10_000)
}

/// Splits an integer total into parts proportional to `weights`, exactly. Each part gets the
/// whole units of its share; the units left over go to parts with a probability equal to their
/// fractional share (systematic sampling). Largest-remainder rounding would instead give them to
/// the biggest fractions every time, so a 3% segment of a 3-conversion day would always get
/// none, and a month of such days would show it converting at zero. The sampling point is
/// hashed from the inputs, so the demo stays the same from run to run.
fn split_exact(total: i64, weights: &[f64]) -> Vec<i64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        return vec![0; weights.len()];
    }
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<i64> = raw.iter().map(|r| r.floor() as i64).collect();
    let remainder = total - parts.iter().sum::<i64>();
    let fractions: Vec<f64> = raw.iter().map(|r| r - r.floor()).collect();
    let mut given = 0;
    let mut point = sampling_point(total, weights);
    let mut cumulative = 0.0;
    for (index, fraction) in fractions.iter().enumerate() {
        cumulative += fraction;
        while given < remainder && point < cumulative {
            parts[index] += 1;
            given += 1;
            point += 1.0;
        }
    }
    // Floating-point slack can leave the last unit unplaced: the largest fraction takes it.
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| fractions[b].total_cmp(&fractions[a]).then(a.cmp(&b)));
    for index in order.into_iter().cycle() {
        if given >= remainder {
            break;
        }
        parts[index] += 1;
        given += 1;
    }
    parts
}

/// A point in [0, 1) that depends on every input bit (SplitMix64's finaliser over them).
fn sampling_point(total: i64, weights: &[f64]) -> f64 {
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut state = mix(total as u64 ^ 0x9e37_79b9_7f4a_7c15);
    for weight in weights {
        state = mix(state ^ weight.to_bits());
    }
    (state >> 11) as f64 / (1u64 << 53) as f64
}

/// Splits `total` first among groups (`groups[i]` is item `i`'s), in proportion to their items'
/// `basis`, then inside each group in proportion to `within` (or to `basis` where a group's
/// `within` is all zero). Group totals are what a plain split by `basis` would give them, so
/// `within` moves units between a group's items only.
fn split_within_groups(total: i64, groups: &[usize], basis: &[f64], within: &[f64]) -> Vec<i64> {
    let group_count = groups.iter().max().map_or(0, |g| g + 1);
    let mut group_basis = vec![0.0; group_count];
    for (group, weight) in groups.iter().zip(basis) {
        group_basis[*group] += weight;
    }
    let mut parts = vec![0; groups.len()];
    for (group, group_total) in split_exact(total, &group_basis).into_iter().enumerate() {
        let members: Vec<usize> = (0..groups.len()).filter(|i| groups[*i] == group).collect();
        let mut weights: Vec<f64> = members.iter().map(|i| within[*i]).collect();
        if weights.iter().sum::<f64>() <= 0.0 {
            weights = members.iter().map(|i| basis[*i]).collect();
        }
        for (member, part) in members.iter().zip(split_exact(group_total, &weights)) {
            parts[*member] = part;
        }
    }
    parts
}

/// Picks an index with probability proportional to `weights` (one draw).
fn pick_weighted(rng: &mut ChaCha8Rng, weights: impl IntoIterator<Item = f64> + Clone) -> usize {
    let total: f64 = weights.clone().into_iter().sum();
    let mut roll = rng.random::<f64>() * total;
    let mut last = 0;
    for (index, weight) in weights.into_iter().enumerate() {
        if roll < weight {
            return index;
        }
        roll -= weight;
        last = index;
    }
    last
}

/// One ad's fixed share of its campaign's delivery, its ad group (by position in the campaign)
/// and how its copy is clicked and converts against the group's other ads.
struct AdShare {
    id: AdId,
    group: usize,
    weight: f64,
    ctr: f64,
    cvr: f64,
}

/// How a search term's monthly volume moves over the periods (0 is the earliest) toward the
/// holidays: gift searches triple, buying grows a quarter, comparing a sixth, brand searches a
/// little; how-to searches stay flat.
fn search_season(intent: SearchIntent, topic: &str, period: usize) -> f64 {
    let curve: [f64; 3] = if topic == "gifting" {
        [0.5, 0.75, 1.6]
    } else {
        match intent {
            SearchIntent::Transactional => [0.85, 0.95, 1.25],
            SearchIntent::Commercial => [0.9, 0.97, 1.15],
            SearchIntent::Navigational => [0.95, 1.0, 1.1],
            SearchIntent::Informational => [1.0, 1.0, 1.0],
        }
    };
    curve.get(period).copied().unwrap_or(1.0)
}

/// A period's name: the month most of its 30 days fall in (`2026-09`).
fn period_label(last_day: NaiveDate) -> String {
    (last_day - Days::new(14)).format("%Y-%m").to_string()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

pub fn generate(spec: &DemoSpec) -> Result<DemoData, StoreError> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let ids = Ids::new(spec.workspace_id);
    let ws = spec.workspace_id;
    let currency = demo_currency()?;
    let first_day = spec.end_date - Days::new(u64::from(DAYS_OF_DATA - 1));
    let mut data = DemoData::default();

    let platforms = [
        Platform::Meta,
        Platform::GoogleAds,
        Platform::Tiktok,
        Platform::Pinterest,
    ];
    for (index, platform) in platforms.iter().enumerate() {
        data.accounts.push(AdAccountRow {
            id: ids.of(&format!("account/{}", platform.as_str())),
            workspace_id: ws,
            platform: *platform,
            external_id: match platform {
                Platform::Meta => "act_2718281828".to_owned(),
                Platform::GoogleAds => "482-915-3307".to_owned(),
                Platform::Tiktok => "7301459862203".to_owned(),
                _ => format!("5497{index}20831"),
            },
            name: format!("{BRAND} - {} US", platform.display_name()),
            currency: currency.clone(),
            time_zone: TIME_ZONE.to_owned(),
        });
    }
    let account_of =
        |platform: Platform| -> AdAccountId { ids.of(&format!("account/{}", platform.as_str())) };

    for (index, plan) in catalogue::AUDIENCES.iter().enumerate() {
        let (lower, upper) = plan.size;
        data.audiences.push(AudienceRow {
            id: ids.of(&format!("audience/{index}")),
            workspace_id: ws,
            ad_account_id: Some(account_of(plan.platform)),
            platform: plan.platform,
            external_id: Some(format!("{}", 23_850_000_000_000u64 + index as u64 * 7_919)),
            name: plan.name.to_owned(),
            kind: plan.kind,
            size_lower: Some(lower),
            size_upper: Some(upper),
            interests: json!(plan.interests),
            demographics: json!({
                "age_min": plan.age.0, "age_max": plan.age.1, "genders": plan.genders,
                "locations": ["US"], "languages": ["en"]
            }),
        });
    }

    let mut copy_index = 0usize;
    for (campaign_index, plan) in catalogue::CAMPAIGNS.iter().enumerate() {
        let campaign_id: CampaignId = ids.of(&format!("campaign/{campaign_index}"));
        let start = first_day + Days::new(u64::from(plan.starts_on_day));
        let end = plan
            .ends_on_day
            .map(|d| first_day + Days::new(u64::from(d)));
        let status = if plan.paused {
            EntityStatus::Paused
        } else if end.is_some_and(|e| e < spec.end_date) {
            EntityStatus::Ended
        } else {
            EntityStatus::Active
        };
        let delivering = if plan.paused {
            EntityStatus::Paused
        } else {
            EntityStatus::Active
        };
        data.campaigns.push(CampaignRow {
            id: campaign_id,
            workspace_id: ws,
            ad_account_id: account_of(plan.platform),
            platform: plan.platform,
            external_id: format!("{}", 120_208_000_000u64 + campaign_index as u64 * 104_729),
            name: plan.name.to_owned(),
            objective: plan.objective,
            status,
            daily_budget: Some(cents(plan.daily_budget)),
            start_date: Some(start),
            end_date: end,
        });

        // Ad groups and ads, each with a fixed share of the campaign's delivery.
        let mut ad_shares: Vec<AdShare> = Vec::new();
        for (group_index, group_name) in plan.ad_groups.iter().enumerate() {
            let group_id: AdGroupId = ids.of(&format!("ad_group/{campaign_index}/{group_index}"));
            let group_weight = rng.random_range(0.35..1.0);
            data.ad_groups.push(AdGroupRow {
                id: group_id,
                workspace_id: ws,
                campaign_id,
                external_id: format!(
                    "{}",
                    238_000_000u64 + (campaign_index * 10 + group_index) as u64 * 313
                ),
                name: (*group_name).to_owned(),
                status: delivering,
                audience_id: plan.audience.map(|a| ids.of(&format!("audience/{a}"))),
                targeting: json!({"geo": ["US"], "placements": "automatic"}),
            });
            let ads_in_group = 2 + (group_index + campaign_index) % 2;
            let ad_weights: Vec<f64> = (0..ads_in_group)
                .map(|_| rng.random_range(0.2..1.0))
                .collect();
            let ad_weight_sum: f64 = ad_weights.iter().sum();
            for (ad_index, ad_weight) in ad_weights.iter().enumerate() {
                let copy = catalogue::AD_COPY[copy_index % catalogue::AD_COPY.len()];
                let (headline, cta) = (copy.headline, copy.call_to_action);
                copy_index += 1;
                let creative_id: CreativeId = ids.of(&format!(
                    "creative/{campaign_index}/{group_index}/{ad_index}"
                ));
                data.creatives.push(CreativeRow {
                    id: creative_id,
                    workspace_id: ws,
                    ad_account_id: account_of(plan.platform),
                    external_id: format!("cr_{campaign_index}_{group_index}_{ad_index}"),
                    format: copy.format,
                    headline: Some(headline.to_owned()),
                    body: Some(copy.body.to_owned()),
                    call_to_action: Some(cta.to_owned()),
                    landing_url: Some(format!(
                        "https://halcyonroasters.example/{}?utm_source={}&utm_campaign=c{campaign_index}",
                        if cta == "SUBSCRIBE" { "subscribe" } else { "shop" },
                        plan.platform.as_str()
                    )),
                    blob_sha256: None,
                });
                let ad_id: AdId = ids.of(&format!("ad/{campaign_index}/{group_index}/{ad_index}"));
                data.ads.push(AdRow {
                    id: ad_id,
                    workspace_id: ws,
                    ad_group_id: group_id,
                    creative_id: Some(creative_id),
                    external_id: format!("ad_{campaign_index}_{group_index}_{ad_index}"),
                    name: format!("{group_name} - {headline}"),
                    status: delivering,
                });
                ad_shares.push(AdShare {
                    id: ad_id,
                    group: group_index,
                    weight: group_weight * ad_weight / ad_weight_sum,
                    ctr: copy.ctr,
                    cvr: copy.cvr,
                });
            }
        }

        let fractional_conversions = plan.platform == Platform::GoogleAds;
        let last_active = end.unwrap_or(spec.end_date).min(spec.end_date);
        // A paused campaign stopped delivering two weeks before the end of the window.
        let last_active = if plan.paused {
            last_active - Days::new(14)
        } else {
            last_active
        };
        let economics = plan.economics;
        let mut date = start;
        while date <= last_active {
            let day_number = (date - first_day).num_days() as f64;
            let days_live = (date - start).num_days();
            let (holiday_spend, holiday_cvr) = holiday_factors(date, plan.objective);
            // Budgets creep up over the half year as the brand grows; new campaigns spend less in
            // their learning phase and convert worse.
            let growth = 1.0 + 0.0012 * day_number;
            let learning = if days_live < 7 {
                0.6 + 0.057 * days_live as f64
            } else {
                1.0
            };
            let spend_units = plan.daily_budget
                * weekly_factor(plan.platform, date.weekday())
                * holiday_spend
                * growth
                * learning
                * noise(&mut rng, 0.12);
            let spend = cents(spend_units);
            let impressions =
                (spend_units / (economics.cpm * noise(&mut rng, 0.08)) * 1000.0).round() as i64;
            let clicks =
                (impressions as f64 * economics.ctr * noise(&mut rng, 0.15)).round() as i64;
            let raw_conversions = clicks as f64
                * economics.cvr
                * holiday_cvr
                * learning.max(0.7)
                * noise(&mut rng, 0.3);
            let conversions = if fractional_conversions {
                (raw_conversions * 100.0).round() / 100.0
            } else {
                raw_conversions.round()
            };
            let conversion_value = cents(conversions * economics.aov * noise(&mut rng, 0.1));
            let reach =
                (plan.platform != Platform::GoogleAds || economics.view_rate > 0.0).then(|| {
                    (impressions as f64 / (economics.frequency * noise(&mut rng, 0.05))).round()
                        as i64
                });
            let video_views = (economics.view_rate > 0.0).then(|| {
                (impressions as f64 * economics.view_rate * noise(&mut rng, 0.1)).round() as i64
            });
            data.metrics.push(MetricRow {
                workspace_id: ws,
                entity: MetricEntity::Campaign(campaign_id),
                date,
                platform: plan.platform,
                currency: currency.clone(),
                impressions,
                clicks,
                spend,
                conversions,
                conversion_value: Some(conversion_value),
                reach,
                video_views,
            });

            // Ads split the campaign's day exactly, so ad rows add up to the campaign row. Each ad
            // group gets its share of everything; inside it, clicks follow each ad's impressions
            // times its copy's click rate, conversions its clicks times its copy's conversion
            // rate, and order value its conversions.
            let weights: Vec<f64> = ad_shares
                .iter()
                .map(|ad| ad.weight * noise(&mut rng, 0.2))
                .collect();
            let groups: Vec<usize> = ad_shares.iter().map(|ad| ad.group).collect();
            let ad_impressions = split_exact(impressions, &weights);
            let ad_spend = split_exact(spend.0 / 10_000, &weights);
            let click_weights: Vec<f64> = ad_shares
                .iter()
                .zip(&weights)
                .map(|(ad, w)| w * ad.ctr)
                .collect();
            let ad_clicks = split_within_groups(clicks, &groups, &weights, &click_weights);
            let conversion_weights: Vec<f64> = ad_shares
                .iter()
                .zip(&ad_clicks)
                .map(|(ad, c)| *c as f64 * ad.cvr)
                .collect();
            // Whole conversions, or hundredths where the platform reports fractions (Google Ads).
            let conversion_units = if fractional_conversions {
                (conversions * 100.0).round() as i64
            } else {
                conversions as i64
            };
            let ad_conversion_units =
                split_within_groups(conversion_units, &groups, &weights, &conversion_weights);
            let ad_conversions: Vec<f64> = ad_conversion_units
                .iter()
                .map(|c| {
                    if fractional_conversions {
                        *c as f64 / 100.0
                    } else {
                        *c as f64
                    }
                })
                .collect();
            let value_weights: Vec<f64> = ad_conversion_units.iter().map(|c| *c as f64).collect();
            let ad_value = split_within_groups(
                conversion_value.0 / 10_000,
                &groups,
                &weights,
                &value_weights,
            );
            let ad_views = video_views.map(|v| split_exact(v, &weights));
            for (index, ad) in ad_shares.iter().enumerate() {
                data.metrics.push(MetricRow {
                    workspace_id: ws,
                    entity: MetricEntity::Ad(ad.id),
                    date,
                    platform: plan.platform,
                    currency: currency.clone(),
                    impressions: ad_impressions[index],
                    clicks: ad_clicks[index],
                    spend: Micros(ad_spend[index] * 10_000),
                    conversions: ad_conversions[index],
                    conversion_value: Some(Micros(ad_value[index] * 10_000)),
                    reach: reach.map(|_| {
                        (ad_impressions[index] as f64 / economics.frequency).round() as i64
                    }),
                    video_views: ad_views.as_ref().map(|v| v[index]),
                });
            }
            date = date + Days::new(1);
        }
    }

    data.breakdowns = breakdowns::generate(&data, spec.seed, &currency);
    generate_signals(&mut data, &mut rng, &ids, ws, first_day, spec.end_date);
    Ok(data)
}

fn generate_signals(
    data: &mut DemoData,
    rng: &mut ChaCha8Rng,
    ids: &Ids,
    ws: WorkspaceId,
    first_day: NaiveDate,
    end_date: NaiveDate,
) {
    let audience_for = |platform: Platform| {
        catalogue::AUDIENCES
            .iter()
            .position(|a| a.platform == platform)
            .map(|i| -> AudienceId { ids.of(&format!("audience/{i}")) })
    };
    // A comment under a platform's ad or a post on it comes from one of that platform's audiences:
    // each in turn, so every audience has enough to say, about its own topics more than others'.
    let audiences_on = |platform: Platform| -> Vec<usize> {
        (0..catalogue::AUDIENCES.len())
            .filter(|i| catalogue::AUDIENCES[*i].platform == platform)
            .collect()
    };
    let mut next_audience: HashMap<Platform, usize> = HashMap::new();
    let mut seen = HashSet::new();
    let mut attempt = 0u32;
    while data
        .signals
        .iter()
        .filter(|s| s.kind == SignalKind::Mention)
        .count()
        < MENTION_COUNT
        && attempt < 100_000
    {
        attempt += 1;
        let (source, site, _) = voices::MENTION_SOURCES[pick_weighted(
            rng,
            voices::MENTION_SOURCES.iter().map(|(_, _, weight)| *weight),
        )];
        let platform = match site {
            "Meta ad comment" | "Instagram" => Some(Platform::Meta),
            "TikTok ad comment" | "TikTok" => Some(Platform::Tiktok),
            _ => None,
        };
        let audience = platform.and_then(|platform| {
            let on = audiences_on(platform);
            let turn = next_audience.get(&platform).copied().unwrap_or(0);
            on.get(turn % on.len().max(1)).copied()
        });
        let talks_about = audience.map_or(&[][..], |a| catalogue::AUDIENCES[a].talks_about);
        let (topic, positive, neutral, negative) = voices::TOPICS[pick_weighted(
            rng,
            voices::TOPICS.iter().map(|(topic, ..)| {
                if talks_about.contains(topic) {
                    4.0
                } else {
                    1.0
                }
            }),
        )];
        // Most talk is positive, a quarter negative: the mix real review streams show.
        let roll: f64 = rng.random();
        let (pool, sentiment): (&[&str], f64) = if roll < 0.55 {
            (positive, rng.random_range(0.35..0.95))
        } else if roll < 0.75 {
            (neutral, rng.random_range(-0.15..0.15))
        } else {
            (negative, rng.random_range(-0.95..-0.35))
        };
        let statement = pool[rng.random_range(0..pool.len())];
        let opener = voices::OPENERS[rng.random_range(0..voices::OPENERS.len())];
        let closer = voices::CLOSERS[rng.random_range(0..voices::CLOSERS.len())];
        let closer = match (sentiment > 0.3, sentiment < -0.3, closer) {
            // Keep closers consistent with the sentiment ("10/10" on a complaint reads wrong).
            (
                false,
                _,
                ". Would recommend."
                | ". Will order again."
                | ". 10/10."
                | ". My whole office is hooked now.",
            ) => ".",
            (_, false, ". Not impressed." | ". Fix this please.") => "!",
            (_, _, closer) => closer,
        };
        let text = capitalise(&format!("{opener}{statement}{closer}"));
        if !seen.insert(text.clone()) {
            continue;
        }
        if let Some(platform) = platform {
            *next_audience.entry(platform).or_default() += 1;
        }
        let day = first_day + Days::new(rng.random_range(0..u64::from(DAYS_OF_DATA)));
        let stars = ((sentiment + 1.0) * 2.0 + 1.0).round().clamp(1.0, 5.0) as i64;
        let metadata = match source {
            "review" => {
                json!({"site": site, "stars": stars, "verified_buyer": rng.random_bool(0.8)})
            }
            "comment" => json!({"site": site, "likes": rng.random_range(0..40)}),
            _ => {
                json!({"site": site, "likes": rng.random_range(0..900), "shares": rng.random_range(0..60)})
            }
        };
        data.signals.push(SignalRow {
            workspace_id: ws,
            audience_id: audience.map(|a| ids.of(&format!("audience/{a}"))),
            kind: SignalKind::Mention,
            source: source.into(),
            text,
            topic: Some(topic.into()),
            sentiment: Some((sentiment * 100.0_f64).round() / 100.0),
            intent: None,
            volume: None,
            occurred_on: day,
            metadata,
        });
    }

    // Search terms as Google Ads reports them for the last three 30-day periods, each period on
    // its last day: the market moves into the gifting season (gift terms most), buying and
    // comparing grow, how-to searching stays where it was.
    let periods: Vec<NaiveDate> = (0..SEARCH_PERIODS)
        .rev()
        .map(|back| end_date - Days::new(30 * back))
        .collect();
    for (term, intent, volume, topic) in voices::SEARCH_TERMS {
        let cpc = match *intent {
            SearchIntent::Transactional => rng.random_range(1.2..2.6),
            SearchIntent::Commercial => rng.random_range(0.9..2.2),
            SearchIntent::Navigational => rng.random_range(0.3..0.9),
            SearchIntent::Informational => rng.random_range(0.2..0.8),
        };
        for (period, last_day) in periods.iter().enumerate() {
            let season = search_season(*intent, topic, period);
            let searches = (*volume as f64 * season * noise(rng, 0.05)).round() as i64;
            // Conversions our ads got from the term (Google Ads reports them per term, in
            // fractions under data-driven attribution); how-to searches bring none.
            let per_search = match *intent {
                SearchIntent::Navigational => 0.035,
                SearchIntent::Transactional => 0.009,
                SearchIntent::Commercial => 0.003,
                SearchIntent::Informational => 0.0,
            };
            let mut metadata = json!({
                "platform": "google_ads",
                "avg_cpc_micros": cents(cpc).0,
                "period": period_label(*last_day),
                "period_start": (*last_day - Days::new(29)).to_string(),
                "period_end": last_day.to_string(),
            });
            if per_search > 0.0 {
                let conversions = searches as f64 * per_search * noise(rng, 0.2);
                metadata["conversions"] = json!((conversions * 100.0).round() / 100.0);
            }
            data.signals.push(SignalRow {
                workspace_id: ws,
                audience_id: None,
                kind: SignalKind::Intent,
                source: "search_term".into(),
                text: (*term).into(),
                topic: Some((*topic).into()),
                sentiment: None,
                intent: Some(*intent),
                volume: Some(searches),
                occurred_on: *last_day,
                metadata,
            });
        }
    }

    for (index, (text, topic, share)) in voices::BEHAVIORS.iter().enumerate() {
        data.signals.push(SignalRow {
            workspace_id: ws,
            audience_id: audience_for(Platform::Meta),
            kind: SignalKind::Behavior,
            source: if index % 3 == 0 {
                "platform_insights"
            } else {
                "site_analytics"
            }
            .into(),
            text: (*text).into(),
            topic: Some((*topic).into()),
            sentiment: None,
            intent: None,
            volume: Some((share * 46_000.0).round() as i64),
            occurred_on: end_date,
            metadata: json!({"share_of_customers": share, "window_days": 90}),
        });
    }
}

/// The ids rows were stored under, by the id the demo derived for them. They differ when a row with
/// the same natural key was already there (a sync of the same account, an earlier demo), and then
/// children must point at the stored one.
#[derive(Default)]
struct StoredIds(HashMap<uuid::Uuid, uuid::Uuid>);

impl StoredIds {
    fn record<I: DemoId>(&mut self, derived: impl IntoIterator<Item = I>, stored: Vec<I>) {
        for (derived, stored) in derived.into_iter().zip(stored) {
            if derived.uuid() != stored.uuid() {
                self.0.insert(derived.uuid(), stored.uuid());
            }
        }
    }

    fn of<I: DemoId>(&self, derived: I) -> I {
        self.0
            .get(&derived.uuid())
            .map_or(derived, |stored| I::from_uuid(*stored))
    }

    fn entity(&self, derived: MetricEntity) -> MetricEntity {
        match derived {
            MetricEntity::Account(id) => MetricEntity::Account(self.of(id)),
            MetricEntity::Campaign(id) => MetricEntity::Campaign(self.of(id)),
            MetricEntity::AdGroup(id) => MetricEntity::AdGroup(self.of(id)),
            MetricEntity::Ad(id) => MetricEntity::Ad(self.of(id)),
        }
    }
}

/// Writes the demo into `db`, creating its workspace if needed. Every write is an upsert on natural
/// keys, and children are written against the ids their parents were stored under, so running it
/// again (after a crash, or over rows a sync already stored) completes it without duplicates.
/// `on_progress` receives a fraction and a sentence for the jobs panel.
pub async fn write(
    db: &Database,
    spec: &DemoSpec,
    data: &DemoData,
    mut on_progress: impl FnMut(f64, String),
) -> Result<(), DemoError> {
    let new = NewWorkspace {
        name: spec.workspace_name.clone(),
        brand: BRAND.to_owned(),
        currency: demo_currency()?,
        time_zone: TIME_ZONE.to_owned(),
        is_demo: true,
    };
    let workspaces = WorkspaceStore::new(db);
    match workspaces.workspace(spec.workspace_id).await {
        Ok(_) => {}
        Err(StoreError::WorkspaceNotFound(_)) => {
            workspaces
                .create_workspace_with_id(spec.workspace_id, &new)
                .await?;
        }
        Err(e) => return Err(e.into()),
    }
    // The workspace and its campaigns take milliseconds: the first report comes with the first
    // batch of metrics (the job runner drops reports that follow each other closely anyway).

    let mut tx = db.begin_write().await?;
    let mut stored = StoredIds::default();
    {
        let mut writer = AdDataWriter::new(&mut tx);
        let ids = writer.ad_accounts(&data.accounts).await?;
        stored.record(data.accounts.iter().map(|r| r.id), ids);

        let audiences: Vec<AudienceRow> = data
            .audiences
            .iter()
            .map(|r| AudienceRow {
                ad_account_id: r.ad_account_id.map(|id| stored.of(id)),
                ..r.clone()
            })
            .collect();
        let ids = writer.audiences(&audiences).await?;
        stored.record(data.audiences.iter().map(|r| r.id), ids);

        let campaigns: Vec<CampaignRow> = data
            .campaigns
            .iter()
            .map(|r| CampaignRow {
                ad_account_id: stored.of(r.ad_account_id),
                ..r.clone()
            })
            .collect();
        let ids = writer.campaigns(&campaigns).await?;
        stored.record(data.campaigns.iter().map(|r| r.id), ids);

        let ad_groups: Vec<AdGroupRow> = data
            .ad_groups
            .iter()
            .map(|r| AdGroupRow {
                campaign_id: stored.of(r.campaign_id),
                audience_id: r.audience_id.map(|id| stored.of(id)),
                ..r.clone()
            })
            .collect();
        let ids = writer.ad_groups(&ad_groups).await?;
        stored.record(data.ad_groups.iter().map(|r| r.id), ids);

        let creatives: Vec<CreativeRow> = data
            .creatives
            .iter()
            .map(|r| CreativeRow {
                ad_account_id: stored.of(r.ad_account_id),
                ..r.clone()
            })
            .collect();
        let ids = writer.creatives(&creatives).await?;
        stored.record(data.creatives.iter().map(|r| r.id), ids);

        let ads: Vec<AdRow> = data
            .ads
            .iter()
            .map(|r| AdRow {
                ad_group_id: stored.of(r.ad_group_id),
                creative_id: r.creative_id.map(|id| stored.of(id)),
                ..r.clone()
            })
            .collect();
        let ids = writer.ads(&ads).await?;
        stored.record(data.ads.iter().map(|r| r.id), ids);
    }
    tx.commit().await?;

    const METRIC_ROWS_PER_TRANSACTION: usize = 8_000;
    let chunks: Vec<&[MetricRow]> = data.metrics.chunks(METRIC_ROWS_PER_TRANSACTION).collect();
    for (index, chunk) in chunks.iter().enumerate() {
        let chunk: Vec<MetricRow> = chunk
            .iter()
            .map(|r| MetricRow {
                entity: stored.entity(r.entity),
                ..r.clone()
            })
            .collect();
        let mut tx = db.begin_write().await?;
        AdDataWriter::new(&mut tx).metrics(&chunk).await?;
        tx.commit().await?;
        let fraction = 0.15 + 0.5 * (index + 1) as f64 / chunks.len() as f64;
        on_progress(
            fraction,
            format!(
                "Wrote daily metrics ({} of {} batches)",
                index + 1,
                chunks.len()
            ),
        );
    }

    // Breakdowns name their ad group by the id it was stored under, like metric rows.
    let chunks: Vec<&[BreakdownRow]> = data
        .breakdowns
        .chunks(METRIC_ROWS_PER_TRANSACTION)
        .collect();
    for (index, chunk) in chunks.iter().enumerate() {
        let chunk: Vec<BreakdownRow> = chunk
            .iter()
            .map(|r| BreakdownRow {
                entity: stored.entity(r.entity),
                ..r.clone()
            })
            .collect();
        let mut tx = db.begin_write().await?;
        AdDataWriter::new(&mut tx).breakdowns(&chunk).await?;
        tx.commit().await?;
        let fraction = 0.65 + 0.3 * (index + 1) as f64 / chunks.len() as f64;
        on_progress(
            fraction,
            format!(
                "Wrote delivery by placement, device and time of day ({} of {} batches)",
                index + 1,
                chunks.len()
            ),
        );
    }

    let signals: Vec<SignalRow> = data
        .signals
        .iter()
        .map(|r| SignalRow {
            audience_id: r.audience_id.map(|id| stored.of(id)),
            ..r.clone()
        })
        .collect();
    let mut tx = db.begin_write().await?;
    AdDataWriter::new(&mut tx).signals(&signals).await?;
    tx.commit().await?;
    on_progress(
        1.0,
        format!("Added {} audience signals", data.signals.len()),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_splits_add_up() {
        let parts = split_exact(1_001, &[0.2, 0.5, 0.3]);
        assert_eq!(parts.iter().sum::<i64>(), 1_001);
        // Each part is its share rounded down or up, never further off.
        for (part, share) in parts.iter().zip([200.2, 500.5, 300.3]) {
            assert!((*part as f64 - share).abs() < 1.0, "{parts:?}");
        }
        assert_eq!(split_exact(5, &[0.0, 0.0]), vec![0, 0]);
        assert_eq!(split_exact(7, &[1.0]), vec![7]);
    }

    #[test]
    fn small_parts_get_their_share_of_leftover_units_on_average() {
        // A 3-conversion day split 94/3/3, on 2,000 days whose weights vary a little, as the
        // demo's do. Largest-remainder rounding gave the small parts nothing, ever.
        let mut small = 0;
        let mut total = 0;
        for day in 0..2_000 {
            let wobble = 1.0 + f64::from(day) / 100_000.0;
            let parts = split_exact(3, &[0.94 * wobble, 0.03, 0.03]);
            assert_eq!(parts.iter().sum::<i64>(), 3);
            small += parts[1] + parts[2];
            total += 3;
        }
        let share = small as f64 / total as f64;
        assert!((0.045..0.075).contains(&share), "small parts got {share}");
    }

    #[test]
    fn splits_within_groups_keep_each_groups_total() {
        let groups = [0, 0, 1, 1, 1];
        let basis = [1.0, 1.0, 1.0, 1.0, 2.0];
        // Group totals are a plain split's (1_000 by 2:4), whatever `within` says.
        let parts = split_within_groups(1_000, &groups, &basis, &[3.0, 1.0, 0.0, 1.0, 1.0]);
        assert_eq!(parts, vec![250, 83, 0, 334, 333]);
        // A group whose `within` is all zero falls back to `basis`.
        let parts = split_within_groups(600, &groups, &basis, &[1.0, 1.0, 0.0, 0.0, 0.0]);
        assert_eq!(parts, vec![100, 100, 100, 100, 200]);
    }

    #[test]
    fn black_friday_is_the_day_after_thanksgiving() {
        assert_eq!(thanksgiving(2026), NaiveDate::from_ymd_opt(2026, 11, 26));
        let black_friday = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert!(holiday_factors(black_friday, Objective::Sales).0 > 1.5);
        assert_eq!(
            holiday_factors(
                NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
                Objective::Sales
            ),
            (1.0, 1.0)
        );
    }
}
