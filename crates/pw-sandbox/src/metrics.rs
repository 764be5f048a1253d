//! Daily delivery per ad, computed on demand from (seed, platform, account, ad, date, revision),
//! and the sums at the levels above. Higher levels are sums of their ads' cells, so totals agree
//! across levels exactly; money is whole cents so major-unit strings add up too.

use chrono::{Datelike, Duration, NaiveDate};

use crate::data::{World, hash, unit};
use crate::{Level, SandboxPlatform, Truth};

/// One entity's delivery over one day (or a sum of such).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cell {
    pub impressions: i64,
    pub clicks: i64,
    pub spend_micros: i64,
    /// Conversions in quarters: Google reports fractional (attributed) conversions, the other
    /// platforms whole ones (multiples of four here).
    pub conversions_x4: i64,
    pub value_micros: i64,
    pub reach: i64,
}

impl Cell {
    pub fn add(&mut self, other: &Cell) {
        self.impressions += other.impressions;
        self.clicks += other.clicks;
        self.spend_micros += other.spend_micros;
        self.conversions_x4 += other.conversions_x4;
        self.value_micros += other.value_micros;
        self.reach += other.reach;
    }

    pub fn conversions(&self) -> f64 {
        self.conversions_x4 as f64 / 4.0
    }

    pub fn has_delivery(&self) -> bool {
        self.impressions > 0
    }
}

/// Days before `today` that a revision restates.
const RESTATED_DAYS: i64 = 7;

/// One ad's day. Zero when the day is outside the data, the ad did not deliver that day, or its
/// campaign was paused by then.
pub(crate) fn ad_day(
    world: &World,
    platform: SandboxPlatform,
    account: u32,
    ad: u64,
    date: NaiveDate,
) -> Cell {
    let config = &world.config;
    if date < config.first_day() || date >= config.today {
        return Cell::default();
    }
    let campaign_count = world.count(Level::Campaign);
    let campaign = ad / world.ads_per(Level::Campaign).max(1);
    // The paused campaign stopped delivering two weeks ago.
    if campaign_count >= 2
        && campaign == campaign_count - 1
        && date >= config.today - Duration::days(14)
    {
        return Cell::default();
    }
    let restated = date >= config.today - Duration::days(RESTATED_DAYS);
    let revision = if restated { world.revision() } else { 0 };
    let day = u64::try_from(date.num_days_from_ce()).unwrap_or_default();
    let entity = [config.seed, platform.tag(), u64::from(account), ad];
    let profile = hash(&[entity[0], entity[1], entity[2], entity[3], 1]);
    let draw = hash(&[entity[0], entity[1], entity[2], entity[3], day, revision]);
    // About one ad-day in twelve has no delivery: the platforms omit those rows.
    if draw.is_multiple_of(12) {
        return Cell::default();
    }
    let base = 250.0 + unit(profile) * 2_750.0;
    let weekday = match date.weekday().num_days_from_monday() {
        5 | 6 => 0.8,
        _ => 1.05,
    };
    let noise = 0.6 + unit(hash(&[draw, 1])) * 0.8;
    let impressions = (base * weekday * noise).round().max(1.0) as i64;
    let ctr = 0.005 + unit(hash(&[profile, 2])) * 0.02;
    let clicks = ((impressions as f64) * ctr * (0.7 + unit(hash(&[draw, 2])) * 0.6)).round() as i64;
    let clicks = clicks.min(impressions);
    let cpc_cents = 35 + (hash(&[profile, 3]) % 140) as i64;
    let cpm_cents = 150 + (hash(&[profile, 4]) % 250) as i64;
    let spend_cents = clicks * cpc_cents + impressions * cpm_cents / 1_000;
    let cvr = 0.02 + unit(hash(&[profile, 5])) * 0.05;
    let expected = clicks as f64 * cvr * (0.5 + unit(hash(&[draw, 3])));
    let conversions_x4 = match platform {
        SandboxPlatform::GoogleAds => (expected * 4.0).round() as i64,
        _ => expected.round() as i64 * 4,
    };
    let order_cents = 2_800 + (hash(&[profile, 6]) % 3_400) as i64;
    Cell {
        impressions,
        clicks,
        spend_micros: spend_cents * 10_000,
        conversions_x4,
        value_micros: conversions_x4 * order_cents * 10_000 / 4,
        reach: (impressions as f64 * 0.82).round() as i64,
    }
}

/// One entity's day at any level: the sum of its ads' days.
pub(crate) fn entity_day(
    world: &World,
    platform: SandboxPlatform,
    account: u32,
    level: Level,
    entity: u64,
    date: NaiveDate,
) -> Cell {
    let per = world.ads_per(level);
    let mut total = Cell::default();
    for ad in entity * per..(entity + 1) * per {
        total.add(&ad_day(world, platform, account, ad, date));
    }
    total
}

/// One entity's sum over a range of days.
pub(crate) fn entity_range(
    world: &World,
    platform: SandboxPlatform,
    account: u32,
    level: Level,
    entity: u64,
    (from, until): (NaiveDate, NaiveDate),
) -> Cell {
    let mut total = Cell::default();
    let Some((from, until)) = world.clamp(from, until) else {
        return total;
    };
    for date in from.iter_days().take_while(|date| *date <= until) {
        total.add(&entity_day(world, platform, account, level, entity, date));
    }
    total
}

/// What a complete daily sync over [from, until] at `level` stores, across all accounts.
pub(crate) fn truth(
    world: &World,
    platform: SandboxPlatform,
    level: Level,
    from: NaiveDate,
    until: NaiveDate,
) -> Truth {
    let mut truth = Truth::default();
    let Some((from, until)) = world.clamp(from, until) else {
        return truth;
    };
    let per = world.ads_per(level);
    for account in 0..world.account_count() {
        for date in from.iter_days().take_while(|date| *date <= until) {
            for entity in 0..world.count(level) {
                let mut cell = Cell::default();
                for ad in entity * per..(entity + 1) * per {
                    cell.add(&ad_day(world, platform, account, ad, date));
                }
                if cell.has_delivery() {
                    truth.rows += 1;
                    truth.impressions += cell.impressions;
                    truth.clicks += cell.clicks;
                    truth.spend_micros += cell.spend_micros;
                    truth.conversions += cell.conversions();
                }
            }
        }
    }
    truth
}
