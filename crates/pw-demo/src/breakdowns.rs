//! Each ad group's day broken down by placement, device and daypart, the way Meta's `breakdowns`
//! and Google Ads' segments report it. A dimension's rows add up exactly to the ad group's day
//! (the sum of its ads' rows), and segments differ the way they do in real accounts: Reels and
//! evenings get clicked more, nights and Stories less, desktop clicks less but converts far better.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use pw_domain::{AdGroupId, AdId, BreakdownDimension, CampaignId, Currency, Micros, Platform};
use pw_workspaces::{BreakdownRow, MetricEntity};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::catalogue::{self, CampaignPlan};
use crate::{DemoData, noise, split_exact};

/// One value of a dimension: its typical share of impressions, and its cost per impression, click
/// rate and conversion rate (per click) relative to the entity's other segments.
#[derive(Debug, Clone, Copy)]
pub struct Segment {
    pub value: &'static str,
    pub share: f64,
    pub cpm: f64,
    pub ctr: f64,
    pub cvr: f64,
}

const fn seg(value: &'static str, share: f64, cpm: f64, ctr: f64, cvr: f64) -> Segment {
    Segment {
        value,
        share,
        cpm,
        ctr,
        cvr,
    }
}

// Meta: Reels are cheap and clicked (1.3x), Stories skimmed; the Facebook feed converts best.
const META: &[Segment] = &[
    seg("facebook_feed", 0.36, 1.05, 1.0, 1.1),
    seg("instagram_feed", 0.28, 1.1, 0.95, 1.0),
    seg("instagram_stories", 0.17, 0.9, 0.8, 0.85),
    seg("instagram_reels", 0.19, 0.85, 1.3, 0.9),
];
/// A campaign built for Reels buys mostly Reels.
const META_REELS: &[Segment] = &[
    seg("facebook_feed", 0.15, 1.05, 1.0, 1.1),
    seg("instagram_feed", 0.2, 1.1, 0.95, 1.0),
    seg("instagram_stories", 0.15, 0.9, 0.8, 0.85),
    seg("instagram_reels", 0.5, 0.85, 1.3, 0.9),
];
// TikTok: Pangle (the audience network) is cheap reach that rarely converts.
const TIKTOK: &[Segment] = &[
    seg("tiktok_feed", 0.86, 1.0, 1.0, 1.0),
    seg("pangle", 0.14, 0.45, 0.55, 0.6),
];
// Pinterest: search placements carry intent.
const PINTEREST: &[Segment] = &[
    seg("pinterest_feed", 0.68, 1.0, 0.9, 0.95),
    seg("pinterest_search", 0.32, 1.15, 1.35, 1.3),
];
// Google Ads: search clicks and converts; display and YouTube are reach.
const SEARCH: Segment = seg("search", 1.0, 1.0, 1.0, 1.0);
const DISPLAY: Segment = seg("display", 1.0, 0.3, 0.35, 0.7);
const YOUTUBE: Segment = seg("youtube", 1.0, 0.6, 0.5, 0.6);
const GOOGLE_SEARCH: &[Segment] = &[SEARCH];
const GOOGLE_SHOPPING: &[Segment] = &[
    Segment {
        share: 0.88,
        ..SEARCH
    },
    Segment {
        share: 0.12,
        ..DISPLAY
    },
];
const GOOGLE_PMAX: &[Segment] = &[
    Segment {
        share: 0.42,
        ..SEARCH
    },
    Segment {
        share: 0.33,
        ..DISPLAY
    },
    Segment {
        share: 0.25,
        ..YOUTUBE
    },
];
const GOOGLE_DISPLAY: &[Segment] = &[DISPLAY];
const GOOGLE_YOUTUBE: &[Segment] = &[YOUTUBE];
const GOOGLE_DEMAND_GEN: &[Segment] = &[
    Segment {
        share: 0.55,
        ..YOUTUBE
    },
    Segment {
        share: 0.45,
        ..DISPLAY
    },
];

/// Where a campaign's ads run, by platform and campaign type.
pub fn placements(plan: &CampaignPlan) -> &'static [Segment] {
    match plan.platform {
        Platform::Meta if plan.name.contains("Reels") => META_REELS,
        Platform::Meta => META,
        Platform::Tiktok => TIKTOK,
        Platform::Pinterest => PINTEREST,
        _ if plan.name.starts_with("Search") => GOOGLE_SEARCH,
        _ if plan.name.starts_with("Shopping") => GOOGLE_SHOPPING,
        _ if plan.name.starts_with("Performance Max") => GOOGLE_PMAX,
        _ if plan.name.starts_with("Display") => GOOGLE_DISPLAY,
        _ if plan.name.starts_with("YouTube") => GOOGLE_YOUTUBE,
        _ => GOOGLE_DEMAND_GEN,
    }
}

/// Device shares per platform; desktop clicks less (0.8x) but converts far better (1.4x).
pub fn devices(platform: Platform) -> [Segment; 3] {
    let (mobile, desktop, tablet) = match platform {
        Platform::Tiktok => (0.96, 0.015, 0.025),
        Platform::Pinterest => (0.78, 0.16, 0.06),
        Platform::GoogleAds => (0.6, 0.33, 0.07),
        _ => (0.86, 0.1, 0.04),
    };
    [
        seg("mobile", mobile, 1.0, 1.0, 0.9),
        seg("desktop", desktop, 1.25, 0.8, 1.4),
        seg("tablet", tablet, 0.9, 0.95, 1.0),
    ]
}

/// Dayparts (morning 6-12, afternoon 12-18, evening 18-23, night 23-6) per platform; evenings are
/// clicked (1.2x) and convert (1.15x), nights are scrolled past (0.7x).
pub fn dayparts(platform: Platform) -> [Segment; 4] {
    let (morning, afternoon, evening, night) = match platform {
        Platform::Tiktok => (0.2, 0.28, 0.34, 0.18),
        Platform::GoogleAds => (0.31, 0.33, 0.26, 0.1),
        Platform::Pinterest => (0.25, 0.3, 0.33, 0.12),
        _ => (0.27, 0.31, 0.3, 0.12),
    };
    [
        seg("morning", morning, 1.0, 1.0, 1.0),
        seg("afternoon", afternoon, 1.0, 0.95, 0.95),
        seg("evening", evening, 1.1, 1.2, 1.15),
        seg("night", night, 0.8, 0.7, 0.8),
    ]
}

/// An ad group's day: the sum of its ads' rows. Spend in cents; conversions in hundredths where
/// the platform reports fractional conversions (Google Ads), else whole.
#[derive(Debug, Default, Clone, Copy)]
struct Day {
    impressions: i64,
    clicks: i64,
    spend_cents: i64,
    conversion_units: i64,
}

/// Splits `total` by the first of `weights` that is not all zero, so no unit is lost (a day with
/// conversions but no segment with clicks still places them). The last must be positive.
fn split_first(total: i64, weights: &[&[f64]]) -> Vec<i64> {
    let chosen = weights
        .iter()
        .find(|w| w.iter().sum::<f64>() > 0.0)
        .or(weights.last())
        .copied()
        .unwrap_or_default();
    split_exact(total, chosen)
}

/// The breakdown rows of every ad group's delivering days, from the ad rows already generated.
/// Draws from its own generator (seeded from the spec's seed), so the rest of the demo does not
/// shift when breakdowns change.
pub(crate) fn generate(data: &DemoData, seed: u64, currency: &Currency) -> Vec<BreakdownRow> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6272_6561_6b64_6f77);
    let campaign_index: HashMap<CampaignId, usize> = data
        .campaigns
        .iter()
        .enumerate()
        .map(|(index, c)| (c.id, index))
        .collect();
    let group_index: HashMap<AdGroupId, usize> = data
        .ad_groups
        .iter()
        .enumerate()
        .map(|(index, g)| (g.id, index))
        .collect();
    let group_of_ad: HashMap<AdId, usize> = data
        .ads
        .iter()
        .filter_map(|ad| group_index.get(&ad.ad_group_id).map(|g| (ad.id, *g)))
        .collect();

    let mut days: BTreeMap<(usize, NaiveDate), Day> = BTreeMap::new();
    for m in &data.metrics {
        let MetricEntity::Ad(ad_id) = m.entity else {
            continue;
        };
        let Some(group) = group_of_ad.get(&ad_id) else {
            continue;
        };
        let day = days.entry((*group, m.date)).or_default();
        day.impressions += m.impressions;
        day.clicks += m.clicks;
        day.spend_cents += m.spend.0 / 10_000;
        day.conversion_units += if m.platform == Platform::GoogleAds {
            (m.conversions * 100.0).round() as i64
        } else {
            m.conversions.round() as i64
        };
    }

    let mut rows = Vec::with_capacity(days.len() * 10);
    for ((group, date), day) in days {
        let ad_group = &data.ad_groups[group];
        let Some(plan) = campaign_index
            .get(&ad_group.campaign_id)
            .and_then(|c| catalogue::CAMPAIGNS.get(*c))
        else {
            continue;
        };
        let platform = plan.platform;
        let device = devices(platform);
        let daypart = dayparts(platform);
        let dimensions: [(BreakdownDimension, &[Segment]); 3] = [
            (BreakdownDimension::Placement, placements(plan)),
            (BreakdownDimension::Device, &device),
            (BreakdownDimension::Daypart, &daypart),
        ];
        for (dimension, segments) in dimensions {
            let shares: Vec<f64> = segments
                .iter()
                .map(|s| s.share * noise(&mut rng, 0.1))
                .collect();
            let impressions = split_exact(day.impressions, &shares);
            let weighted = |factor: fn(&Segment) -> f64, base: &[i64]| -> Vec<f64> {
                segments
                    .iter()
                    .zip(base)
                    .map(|(s, n)| *n as f64 * factor(s))
                    .collect()
            };
            let spend = split_first(
                day.spend_cents,
                &[&weighted(|s| s.cpm, &impressions), &shares],
            );
            let clicks = split_first(day.clicks, &[&weighted(|s| s.ctr, &impressions), &shares]);
            let conversions = split_first(
                day.conversion_units,
                &[&weighted(|s| s.cvr, &clicks), &shares],
            );
            for (index, segment) in segments.iter().enumerate() {
                rows.push(BreakdownRow {
                    workspace_id: ad_group.workspace_id,
                    entity: MetricEntity::AdGroup(ad_group.id),
                    date,
                    dimension,
                    value: segment.value.to_owned(),
                    platform,
                    currency: currency.clone(),
                    impressions: impressions[index],
                    clicks: clicks[index],
                    spend: Micros(spend[index] * 10_000),
                    conversions: if platform == Platform::GoogleAds {
                        conversions[index] as f64 / 100.0
                    } else {
                        conversions[index] as f64
                    },
                });
            }
        }
    }
    rows
}
