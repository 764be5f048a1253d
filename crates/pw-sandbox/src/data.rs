//! The deterministic catalogue: accounts, campaigns, ad groups (ad sets) and ads of each
//! platform, as pure functions of the config, the platform, the entity's index and the
//! revisions. Entities are addressed by index inside their account; ids encode (account, index)
//! so any id a client sends back can be decoded without a lookup table.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::{Level, SandboxConfig, SandboxPlatform};

/// The config plus the revision instants, as one request sees them.
#[derive(Debug, Clone)]
pub(crate) struct World {
    pub config: SandboxConfig,
    pub revisions: Vec<DateTime<Utc>>,
}

pub(crate) struct Account {
    pub id: u64,
    pub name: String,
    pub currency: &'static str,
    pub time_zone: &'static str,
    /// TikTok's own spelling of the zone: a fixed `Etc/GMT±N` at standard time.
    pub tiktok_zone: &'static str,
    pub country: &'static str,
}

pub(crate) struct Campaign {
    pub name: String,
    pub paused: bool,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Daily budget in the currency's minor unit (cents).
    pub daily_budget_cents: i64,
}

pub(crate) struct AdGroup {
    pub campaign: u64,
    pub name: String,
    pub audience: &'static Audience,
    pub daily_budget_cents: i64,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

pub(crate) struct Ad {
    pub ad_group: u64,
    pub campaign: u64,
    pub name: String,
    pub headline: &'static str,
    pub body: &'static str,
    pub call_to_action: &'static str,
    pub landing_url: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
}

pub(crate) struct Audience {
    pub name: &'static str,
    pub age_min: u32,
    pub age_max: u32,
    /// Indexes into `INTERESTS`.
    pub interests: &'static [usize],
}

pub(crate) struct Interest {
    pub id: &'static str,
    pub name: &'static str,
    pub topic: &'static str,
    pub lower: u64,
    pub upper: u64,
    /// TikTok's interest category id for the same interest.
    pub tiktok_category: &'static str,
}

pub(crate) const INTERESTS: &[Interest] = &[
    Interest {
        id: "6003107902433",
        name: "Coffee",
        topic: "Food and drink",
        lower: 412_300_000,
        upper: 484_900_000,
        tiktok_category: "15010001",
    },
    Interest {
        id: "6003350209351",
        name: "Espresso",
        topic: "Food and drink",
        lower: 38_100_000,
        upper: 44_800_000,
        tiktok_category: "15010002",
    },
    Interest {
        id: "6003296349817",
        name: "Specialty coffee",
        topic: "Food and drink",
        lower: 9_400_000,
        upper: 11_100_000,
        tiktok_category: "15010003",
    },
    Interest {
        id: "6003436950549",
        name: "Coffeehouse",
        topic: "Food and drink",
        lower: 120_600_000,
        upper: 141_800_000,
        tiktok_category: "15010004",
    },
    Interest {
        id: "6003012317397",
        name: "Baking",
        topic: "Food and drink",
        lower: 176_200_000,
        upper: 207_300_000,
        tiktok_category: "15020001",
    },
    Interest {
        id: "6003659420716",
        name: "Cooking",
        topic: "Food and drink",
        lower: 512_000_000,
        upper: 602_100_000,
        tiktok_category: "15020002",
    },
    Interest {
        id: "6003306084421",
        name: "Yoga",
        topic: "Fitness and wellness",
        lower: 282_210_000,
        upper: 331_879_000,
        tiktok_category: "16010001",
    },
    Interest {
        id: "6003384248805",
        name: "Physical fitness",
        topic: "Fitness and wellness",
        lower: 398_500_000,
        upper: 468_700_000,
        tiktok_category: "16010002",
    },
    Interest {
        id: "6003430600057",
        name: "Gifts",
        topic: "Shopping and fashion",
        lower: 211_700_000,
        upper: 249_000_000,
        tiktok_category: "17010001",
    },
    Interest {
        id: "6003346592981",
        name: "Online shopping",
        topic: "Shopping and fashion",
        lower: 803_000_000,
        upper: 944_300_000,
        tiktok_category: "17010002",
    },
    Interest {
        id: "6003020834693",
        name: "Tea",
        topic: "Food and drink",
        lower: 96_400_000,
        upper: 113_400_000,
        tiktok_category: "15010005",
    },
    Interest {
        id: "6003139266461",
        name: "Travel",
        topic: "Hobbies and activities",
        lower: 911_000_000,
        upper: 1_071_600_000,
        tiktok_category: "18010001",
    },
];

pub(crate) const AUDIENCES: &[Audience] = &[
    Audience {
        name: "Coffee lovers",
        age_min: 25,
        age_max: 44,
        interests: &[0, 3],
    },
    Audience {
        name: "Home baristas",
        age_min: 25,
        age_max: 54,
        interests: &[1, 2],
    },
    Audience {
        name: "Gift shoppers",
        age_min: 30,
        age_max: 65,
        interests: &[8, 9],
    },
    Audience {
        name: "Wellness mornings",
        age_min: 18,
        age_max: 34,
        interests: &[6, 7, 10],
    },
    Audience {
        name: "Bakers and cooks",
        age_min: 25,
        age_max: 54,
        interests: &[4, 5],
    },
];

const CAMPAIGN_THEMES: &[&str] = &[
    "Spring Espresso Launch",
    "Always-On Prospecting",
    "Cart Abandoner Retargeting",
    "Holiday Gift Sets",
    "Cold Brew Summer",
    "Subscription Push",
    "Brand Awareness",
    "Decaf Discovery",
];

const CREATIVES: &[(&str, &str)] = &[
    (
        "Fresh-roasted, at your door",
        "Small-batch beans roasted the day they ship. Taste the difference in your first cup.",
    ),
    (
        "Your morning, upgraded",
        "Single-origin espresso with notes of cocoa and cherry. Free shipping over $30.",
    ),
    (
        "Never run out of coffee",
        "Subscribe and save 15% on every bag. Skip or cancel any time.",
    ),
    (
        "The gift every coffee lover wants",
        "Three roasts, one beautiful box. Order by Friday for weekend delivery.",
    ),
    (
        "Cold brew, done right",
        "Coarse-ground for cold brew and smooth all summer. Brew overnight, pour all week.",
    ),
];

const FORMATS: &[&str] = &["Video", "Carousel", "Single image"];

/// Spreads an integer over 64 bits (splitmix64's finaliser): cheap and well mixed, so every
/// (seed, entity, date) cell gets independent-looking draws without any table.
pub(crate) fn mix(mut value: u64) -> u64 {
    value = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    value = (value ^ (value >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    value ^ (value >> 31)
}

pub(crate) fn hash(parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(0x51_7CC1_B727_220A, |acc, part| mix(acc ^ mix(*part)))
}

/// A draw in [0, 1) from a hash.
pub(crate) fn unit(value: u64) -> f64 {
    (value >> 11) as f64 / (1u64 << 53) as f64
}

/// Ids are `base + account × 10⁹ + index`.
const ACCOUNT_STRIDE: u64 = 1_000_000_000;

/// Which kind of entity an id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Campaign,
    AdGroup,
    Ad,
    Creative,
    Budget,
}

fn id_base(platform: SandboxPlatform, kind: Kind) -> u64 {
    match (platform, kind) {
        (SandboxPlatform::Meta, Kind::Campaign) => 23_850_000_000_000_000,
        (SandboxPlatform::Meta, Kind::AdGroup) => 23_851_000_000_000_000,
        (SandboxPlatform::Meta, Kind::Ad) => 23_852_000_000_000_000,
        (SandboxPlatform::Meta, Kind::Creative) => 23_853_000_000_000_000,
        (SandboxPlatform::Meta, Kind::Budget) => 23_854_000_000_000_000,
        (SandboxPlatform::GoogleAds, Kind::Campaign) => 20_000_000_000,
        (SandboxPlatform::GoogleAds, Kind::AdGroup) => 150_000_000_000,
        (SandboxPlatform::GoogleAds, Kind::Ad) => 700_000_000_000,
        (SandboxPlatform::GoogleAds, Kind::Creative) => 800_000_000_000,
        (SandboxPlatform::GoogleAds, Kind::Budget) => 13_000_000_000,
        (SandboxPlatform::Tiktok, Kind::Campaign) => 1_800_000_000_000_000_000,
        (SandboxPlatform::Tiktok, Kind::AdGroup) => 1_810_000_000_000_000_000,
        (SandboxPlatform::Tiktok, Kind::Ad) => 1_820_000_000_000_000_000,
        (SandboxPlatform::Tiktok, Kind::Creative) => 1_830_000_000_000_000_000,
        (SandboxPlatform::Tiktok, Kind::Budget) => 1_840_000_000_000_000_000,
        (SandboxPlatform::Pinterest, Kind::Campaign) => 626_700_000_000_000,
        (SandboxPlatform::Pinterest, Kind::AdGroup) => 2_680_000_000_000_000,
        (SandboxPlatform::Pinterest, Kind::Ad) => 687_200_000_000_000,
        // Pins: the creative of a Pinterest ad.
        (SandboxPlatform::Pinterest, Kind::Creative) => 1_130_000_000_000_000_000,
        (SandboxPlatform::Pinterest, Kind::Budget) => 1_140_000_000_000_000_000,
        // LinkedIn: campaign groups (our campaigns), campaigns (our ad groups), creatives.
        (SandboxPlatform::Linkedin, Kind::Campaign) => 600_000_000_000,
        (SandboxPlatform::Linkedin, Kind::AdGroup) => 300_000_000_000_000,
        (SandboxPlatform::Linkedin, Kind::Ad) => 900_000_000_000_000,
        (SandboxPlatform::Linkedin, Kind::Creative) => 900_000_000_000_000,
        (SandboxPlatform::Linkedin, Kind::Budget) => 910_000_000_000_000,
        (SandboxPlatform::Snapchat, Kind::Campaign) => 0x1100_0000_0000_0000,
        (SandboxPlatform::Snapchat, Kind::AdGroup) => 0x1200_0000_0000_0000,
        (SandboxPlatform::Snapchat, Kind::Ad) => 0x1300_0000_0000_0000,
        (SandboxPlatform::Snapchat, Kind::Creative) => 0x1400_0000_0000_0000,
        (SandboxPlatform::Snapchat, Kind::Budget) => 0x1500_0000_0000_0000,
        // DV360: campaigns, line items (our ad groups), creatives; insertion orders (one per
        // campaign) take the budget's range.
        (SandboxPlatform::Dv360, Kind::Campaign) => 51_000_000,
        (SandboxPlatform::Dv360, Kind::AdGroup) => 61_000_000_000,
        (SandboxPlatform::Dv360, Kind::Ad | Kind::Creative) => 71_000_000_000,
        (SandboxPlatform::Dv360, Kind::Budget) => 81_000_000_000,
        // The enrichment services and the behaviour platforms hold no ad entities.
        (
            SandboxPlatform::Census
            | SandboxPlatform::Serper
            | SandboxPlatform::Ga4
            | SandboxPlatform::Youtube,
            _,
        ) => 0,
    }
}

/// The number an id names: Snapchat spells it as a UUID, the others as digits.
fn id_number(platform: SandboxPlatform, id: &str) -> Option<u64> {
    match platform {
        SandboxPlatform::Snapchat => snap_id(id),
        _ => id.trim().parse().ok(),
    }
}

impl World {
    pub fn new(config: SandboxConfig, revisions: Vec<DateTime<Utc>>) -> Self {
        Self { config, revisions }
    }

    pub fn revision(&self) -> u64 {
        self.revisions.len() as u64
    }

    pub fn account_count(&self) -> u32 {
        self.config.accounts_per_platform
    }

    pub fn account_id(&self, platform: SandboxPlatform, account: u32) -> u64 {
        let account = u64::from(account);
        match platform {
            SandboxPlatform::Meta => 148_200_000_000_000 + account * 7_919,
            SandboxPlatform::GoogleAds => 5_210_000_000 + account * 1_000_003,
            SandboxPlatform::Tiktok => 7_000_000_000_000_000_000 + account * 104_729,
            SandboxPlatform::Pinterest => 549_755_885_175 + account * 7_001,
            SandboxPlatform::Linkedin => 508_000_000 + account * 1_013,
            SandboxPlatform::Snapchat => 0x0a00_0000_0000_0000 + account * 4_099,
            // The enrichment services have no ad accounts.
            SandboxPlatform::Census | SandboxPlatform::Serper => account,
            // GA4 property ids; YouTube spells its channel ids itself (`youtube.rs`).
            SandboxPlatform::Ga4 => 312_400_000 + account * 1_117,
            SandboxPlatform::Youtube => account,
            SandboxPlatform::Dv360 => 4_300_000 + account * 1_009,
        }
    }

    /// The account index an account id names, if it is one of ours.
    pub fn account_of(&self, platform: SandboxPlatform, id: &str) -> Option<u32> {
        let id = id_number(platform, id)?;
        (0..self.account_count()).find(|account| self.account_id(platform, *account) == id)
    }

    pub fn account(&self, platform: SandboxPlatform, index: u32) -> Account {
        let (market, currency, time_zone, tiktok_zone, country) = match index % 4 {
            0 => ("US", "USD", "America/Los_Angeles", "Etc/GMT+8", "US"),
            1 => ("EU", "EUR", "Europe/Berlin", "Etc/GMT-1", "DE"),
            2 => ("UK", "GBP", "Europe/London", "Etc/GMT", "GB"),
            _ => ("CA", "USD", "America/Toronto", "Etc/GMT+5", "CA"),
        };
        let round = index / 4;
        let name = if round == 0 {
            format!("Halcyon Roasters {market}")
        } else {
            format!("Halcyon Roasters {market} {}", round + 1)
        };
        Account {
            id: self.account_id(platform, index),
            name,
            currency,
            time_zone,
            tiktok_zone,
            country,
        }
    }

    pub fn entity_id(
        &self,
        platform: SandboxPlatform,
        kind: Kind,
        account: u32,
        index: u64,
    ) -> u64 {
        id_base(platform, kind) + u64::from(account) * ACCOUNT_STRIDE + index
    }

    /// (account, index) of an entity id of the given kind, if it names one of ours.
    pub fn decode_id(&self, platform: SandboxPlatform, kind: Kind, id: &str) -> Option<(u32, u64)> {
        let rest = id_number(platform, id)?.checked_sub(id_base(platform, kind))?;
        let account = u32::try_from(rest / ACCOUNT_STRIDE).ok()?;
        let index = rest % ACCOUNT_STRIDE;
        let count = match kind {
            Kind::Campaign | Kind::Budget => self.count(Level::Campaign),
            Kind::AdGroup => self.count(Level::AdGroup),
            Kind::Ad | Kind::Creative => self.count(Level::Ad),
        };
        (account < self.account_count() && index < count).then_some((account, index))
    }

    /// Entities of a level inside one account.
    pub fn count(&self, level: Level) -> u64 {
        let config = &self.config;
        match level {
            Level::Account => 1,
            Level::Campaign => u64::from(config.campaigns_per_account),
            Level::AdGroup => {
                u64::from(config.campaigns_per_account) * u64::from(config.ad_groups_per_campaign)
            }
            Level::Ad => config.ads_per_account(),
        }
    }

    /// Ads under one entity of a level; an entity's ads are a contiguous index range.
    pub fn ads_per(&self, level: Level) -> u64 {
        self.config.ads_per_account() / self.count(level).max(1)
    }

    fn epoch(&self) -> DateTime<Utc> {
        let day = self.config.first_day() - Duration::days(45);
        Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 12, 0).unwrap_or_default()))
    }

    /// The latest revision that renamed this campaign, if any: revision r renames campaign
    /// (r − 1) mod count in every account.
    fn campaign_revision(&self, index: u64) -> Option<(usize, DateTime<Utc>)> {
        let count = self.count(Level::Campaign).max(1);
        self.revisions
            .iter()
            .enumerate()
            .rev()
            .find(|(position, _)| (*position as u64) % count == index)
            .map(|(position, at)| (position + 1, *at))
    }

    pub fn campaign(&self, platform: SandboxPlatform, account: u32, index: u64) -> Campaign {
        let count = self.count(Level::Campaign);
        let theme = CAMPAIGN_THEMES[(index as usize) % CAMPAIGN_THEMES.len()];
        let round = index as usize / CAMPAIGN_THEMES.len();
        let market = self.account(platform, account).country;
        let mut name = if round == 0 {
            format!("{market} | {theme}")
        } else {
            format!("{market} | {theme} {}", round + 1)
        };
        let created = self.epoch() + Duration::minutes(37 * index as i64 + i64::from(account) * 11);
        let mut updated = created + Duration::days(3) + Duration::minutes(17);
        if let Some((revision, at)) = self.campaign_revision(index) {
            name = format!("{name} (edit {revision})");
            updated = at;
        }
        let draw = hash(&[
            self.config.seed,
            platform.tag(),
            u64::from(account),
            index,
            11,
        ]);
        Campaign {
            name,
            // One paused campaign per account, the last, when there are several.
            paused: count >= 2 && index == count - 1,
            created,
            updated,
            daily_budget_cents: 5_000 + (draw % 20) as i64 * 2_500,
        }
    }

    pub fn ad_group(&self, platform: SandboxPlatform, account: u32, index: u64) -> AdGroup {
        let per = u64::from(self.config.ad_groups_per_campaign).max(1);
        let campaign = index / per;
        let audience = &AUDIENCES[(index as usize) % AUDIENCES.len()];
        let round = index as usize / AUDIENCES.len();
        let name = if round == 0 {
            format!(
                "{} {}-{}",
                audience.name, audience.age_min, audience.age_max
            )
        } else {
            format!(
                "{} {}-{} #{}",
                audience.name,
                audience.age_min,
                audience.age_max,
                round + 1
            )
        };
        let created = self.epoch() + Duration::hours(2) + Duration::minutes(13 * index as i64);
        let draw = hash(&[
            self.config.seed,
            platform.tag(),
            u64::from(account),
            index,
            12,
        ]);
        AdGroup {
            campaign,
            name,
            audience,
            daily_budget_cents: 2_000 + (draw % 16) as i64 * 1_000,
            created,
            updated: created + Duration::days(1),
        }
    }

    pub fn ad(&self, platform: SandboxPlatform, account: u32, index: u64) -> Ad {
        let per = u64::from(self.config.ads_per_ad_group).max(1);
        let ad_group = index / per;
        let campaign = ad_group / u64::from(self.config.ad_groups_per_campaign).max(1);
        let (headline, body) = CREATIVES[(index as usize) % CREATIVES.len()];
        let format = FORMATS[(index as usize / CREATIVES.len()) % FORMATS.len()];
        let call_to_action = match (platform, index % 2) {
            (SandboxPlatform::GoogleAds, _) => "SHOP_NOW",
            (_, 0) => "SHOP_NOW",
            _ => "LEARN_MORE",
        };
        let created = self.epoch()
            + Duration::hours(4)
            + Duration::minutes(7 * index as i64 + 5 * i64::from(account));
        let slug = ["espresso", "subscribe", "gifts", "cold-brew", "origins"][(index as usize) % 5];
        Ad {
            ad_group,
            campaign,
            name: format!("{headline} - {format} {}", index + 1),
            headline,
            body,
            call_to_action,
            landing_url: format!(
                "https://halcyonroasters.example/{slug}?utm_source={}&utm_content=ad{}",
                match platform {
                    SandboxPlatform::Meta => "facebook",
                    SandboxPlatform::GoogleAds => "google",
                    SandboxPlatform::Tiktok => "tiktok",
                    SandboxPlatform::Pinterest => "pinterest",
                    SandboxPlatform::Linkedin => "linkedin",
                    SandboxPlatform::Snapchat => "snapchat",
                    SandboxPlatform::Dv360 => "dv360",
                    SandboxPlatform::Census
                    | SandboxPlatform::Serper
                    | SandboxPlatform::Ga4
                    | SandboxPlatform::Youtube => "web",
                },
                index + 1
            ),
            created,
            updated: created + Duration::hours(6),
        }
    }

    /// The account's offset from UTC in hours on `today` (Meta's `timezone_offset_hours_utc`).
    pub fn offset_hours(&self, zone: &str) -> f64 {
        let Ok(tz) = zone.parse::<Tz>() else {
            return 0.0;
        };
        let noon = self
            .config
            .today
            .and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
        let local = tz.from_utc_datetime(&noon);
        f64::from(chrono::Offset::fix(local.offset()).local_minus_utc()) / 3600.0
    }

    /// The days with data: [first_day, today).
    pub fn clamp(&self, from: NaiveDate, until: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let from = from.max(self.config.first_day());
        let until = until.min(self.config.today - Duration::days(1));
        (from <= until).then_some((from, until))
    }
}

/// Meta's time format: `2024-03-12T15:02:47-0700`, in the account's zone.
pub(crate) fn meta_time(at: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => at
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M:%S%z")
            .to_string(),
        Err(_) => at.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
    }
}

/// TikTok's time format: `2024-01-01 08:00:00` (UTC).
pub(crate) fn tiktok_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Snapchat's ids are UUIDs: the sandbox's number in the first and last groups, so it can be
/// read back without a table.
pub(crate) fn snap_uuid(id: u64) -> String {
    format!(
        "{:08x}-{:04x}-4000-8000-{:012x}",
        id >> 48,
        (id >> 32) & 0xffff,
        id & 0xffff_ffff
    )
}

pub(crate) fn snap_id(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    if parts.len() != 5 || parts[2] != "4000" || parts[3] != "8000" {
        return None;
    }
    let high = u64::from_str_radix(parts[0], 16).ok()?;
    let middle = u64::from_str_radix(parts[1], 16).ok()?;
    let low = u64::from_str_radix(parts[4], 16).ok()?;
    (high <= 0xffff && middle <= 0xffff && low <= 0xffff_ffff)
        .then_some((high << 48) | (middle << 32) | low)
}
