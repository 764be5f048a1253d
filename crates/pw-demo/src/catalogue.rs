//! The fictional brand's media plan: Halcyon Roasters, a direct-to-consumer specialty coffee
//! roaster selling whole beans, a subscription and gift sets. Economics per platform and
//! objective follow published industry ranges (CPM, CTR, conversion rate, order value), so the
//! dashboard reads like a real account: branded search converts best, prospecting on TikTok and
//! Pinterest is cheap reach with thin ROAS, retargeting is small and efficient.

use pw_domain::{AudienceKind, CreativeFormat, Objective, Platform};

pub const BRAND: &str = "Halcyon Roasters";
pub const CURRENCY: &str = "USD";
pub const TIME_ZONE: &str = "America/Chicago";

/// How one campaign buys and converts.
#[derive(Debug, Clone, Copy)]
pub struct Economics {
    /// Cost per thousand impressions, USD.
    pub cpm: f64,
    /// Clicks per impression.
    pub ctr: f64,
    /// Conversions per click.
    pub cvr: f64,
    /// Average order value, USD.
    pub aov: f64,
    /// Share of impressions that are video views (0 for non-video).
    pub view_rate: f64,
    /// Average impressions per reached person per day.
    pub frequency: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct CampaignPlan {
    pub platform: Platform,
    pub name: &'static str,
    pub objective: Objective,
    /// Average daily budget, USD.
    pub daily_budget: f64,
    pub economics: Economics,
    /// Active window as day offsets from the first day of data (0..days); `None` is open-ended.
    pub starts_on_day: u32,
    pub ends_on_day: Option<u32>,
    /// Paused by the advertiser (still has history).
    pub paused: bool,
    pub ad_groups: &'static [&'static str],
    /// Which interest audience the prospecting ad groups target (index into `AUDIENCES`).
    pub audience: Option<usize>,
}

const fn econ(cpm: f64, ctr: f64, cvr: f64, aov: f64, view_rate: f64, frequency: f64) -> Economics {
    Economics {
        cpm,
        ctr,
        cvr,
        aov,
        view_rate,
        frequency,
    }
}

use Objective::*;
use Platform::*;

macro_rules! plan {
    ($platform:expr, $name:expr, $objective:expr, $budget:expr, $econ:expr, $start:expr, $end:expr, $paused:expr, $groups:expr, $audience:expr) => {
        CampaignPlan {
            platform: $platform,
            name: $name,
            objective: $objective,
            daily_budget: $budget,
            economics: $econ,
            starts_on_day: $start,
            ends_on_day: $end,
            paused: $paused,
            ad_groups: $groups,
            audience: $audience,
        }
    };
}

/// Thirty campaigns across four platforms and six objectives over a 180-day window that ends in
/// the holiday season: summer cold-brew flights end, gift campaigns ramp in the last six weeks.
pub const CAMPAIGNS: &[CampaignPlan] = &[
    // Meta
    plan!(
        Meta,
        "Meta | Prospecting | Advantage+ Shopping",
        Sales,
        420.0,
        econ(12.5, 0.0115, 0.039, 44.0, 0.0, 1.45),
        0,
        None,
        false,
        &[
            "Broad US 25-54",
            "Coffee enthusiasts",
            "Advantage+ audience"
        ],
        Some(0)
    ),
    plan!(
        Meta,
        "Meta | Retargeting | Site visitors 30d",
        Sales,
        110.0,
        econ(16.0, 0.021, 0.081, 47.0, 0.0, 2.4),
        0,
        None,
        false,
        &["Viewed product 30d", "Added to cart 14d"],
        None
    ),
    plan!(
        Meta,
        "Meta | Lookalike 1% | Subscribers",
        Sales,
        180.0,
        econ(13.8, 0.0125, 0.043, 52.0, 0.0, 1.5),
        20,
        None,
        false,
        &["LAL 1% subscribers", "LAL 1-3% purchasers"],
        Some(1)
    ),
    plan!(
        Meta,
        "Meta | Holiday Gift Sets | Sales",
        Sales,
        360.0,
        econ(15.2, 0.0138, 0.047, 68.0, 0.0, 1.6),
        138,
        None,
        false,
        &["Gift shoppers", "Past purchasers"],
        Some(2)
    ),
    plan!(
        Meta,
        "Meta | Subscription Launch | Leads",
        Leads,
        140.0,
        econ(10.4, 0.0105, 0.085, 0.0, 0.0, 1.4),
        30,
        Some(110),
        false,
        &["Lead form - 15% off", "Lead form - free grinder"],
        Some(0)
    ),
    plan!(
        Meta,
        "Meta | Brand Awareness | Reach",
        Awareness,
        95.0,
        econ(4.2, 0.0035, 0.004, 40.0, 0.0, 1.9),
        0,
        None,
        false,
        &["US broad reach"],
        None
    ),
    plan!(
        Meta,
        "Meta | Origin Stories | Video Views",
        VideoViews,
        75.0,
        econ(5.6, 0.0042, 0.005, 42.0, 0.31, 1.7),
        10,
        None,
        false,
        &["ThruPlay - Ethiopia", "ThruPlay - Colombia"],
        Some(3)
    ),
    plan!(
        Meta,
        "Meta | UGC Reels | Engagement",
        Engagement,
        60.0,
        econ(6.8, 0.0088, 0.007, 41.0, 0.12, 1.6),
        45,
        None,
        true,
        &["Reels engagers"],
        Some(3)
    ),
    // Google Ads
    plan!(
        GoogleAds,
        "Search | Brand | Exact",
        Sales,
        85.0,
        econ(38.0, 0.105, 0.12, 46.0, 0.0, 1.0),
        0,
        None,
        false,
        &["Halcyon brand terms", "Brand + product"],
        None
    ),
    plan!(
        GoogleAds,
        "Search | Generic | Coffee Beans",
        Sales,
        260.0,
        econ(62.0, 0.041, 0.046, 43.0, 0.0, 1.0),
        0,
        None,
        false,
        &[
            "Whole bean coffee",
            "Single origin coffee",
            "Espresso beans"
        ],
        None
    ),
    plan!(
        GoogleAds,
        "Search | Generic | Coffee Subscription",
        Sales,
        190.0,
        econ(71.0, 0.046, 0.055, 54.0, 0.0, 1.0),
        0,
        None,
        false,
        &["Coffee subscription", "Coffee of the month club"],
        None
    ),
    plan!(
        GoogleAds,
        "Search | Competitor | Conquest",
        Traffic,
        70.0,
        econ(55.0, 0.028, 0.014, 45.0, 0.0, 1.0),
        60,
        None,
        true,
        &["Competitor names"],
        None
    ),
    plan!(
        GoogleAds,
        "Shopping | All Products",
        Sales,
        240.0,
        econ(9.5, 0.0125, 0.041, 39.0, 0.0, 1.0),
        0,
        None,
        false,
        &["All products", "Best sellers"],
        None
    ),
    plan!(
        GoogleAds,
        "Performance Max | Sales | Core",
        Sales,
        330.0,
        econ(11.2, 0.0118, 0.043, 45.0, 0.0, 1.0),
        0,
        None,
        false,
        &["Asset group - Beans", "Asset group - Subscription"],
        None
    ),
    plan!(
        GoogleAds,
        "Display | Remarketing | 30d",
        Sales,
        55.0,
        econ(4.1, 0.0042, 0.032, 44.0, 0.0, 2.2),
        0,
        None,
        false,
        &["All visitors 30d"],
        None
    ),
    plan!(
        GoogleAds,
        "YouTube | Brewing Guides | Views",
        VideoViews,
        80.0,
        econ(7.4, 0.0048, 0.004, 40.0, 0.27, 1.3),
        15,
        None,
        false,
        &["In-stream - Pour over", "In-stream - Cold brew"],
        Some(3)
    ),
    plan!(
        GoogleAds,
        "Demand Gen | Holiday Gifting",
        Sales,
        150.0,
        econ(8.9, 0.0102, 0.029, 63.0, 0.05, 1.4),
        140,
        None,
        false,
        &["Gift shoppers", "Lookalike - purchasers"],
        Some(2)
    ),
    plan!(
        GoogleAds,
        "Search | Cold Brew | Seasonal",
        Sales,
        110.0,
        econ(58.0, 0.044, 0.041, 36.0, 0.0, 1.0),
        0,
        Some(95),
        false,
        &["Cold brew concentrate", "Cold brew kit"],
        None
    ),
    // TikTok
    plan!(
        Tiktok,
        "TikTok | Spark Ads | Barista Creators",
        Sales,
        210.0,
        econ(7.1, 0.0098, 0.027, 41.0, 0.22, 1.35),
        5,
        None,
        false,
        &["Creator - @pourovermaya", "Creator - @latteleo"],
        Some(4)
    ),
    plan!(
        Tiktok,
        "TikTok | Cold Brew Summer | In-Feed",
        Sales,
        150.0,
        econ(6.4, 0.0091, 0.024, 34.0, 0.24, 1.3),
        0,
        Some(92),
        false,
        &["Cold brew 18-34", "Iced coffee interest"],
        Some(4)
    ),
    plan!(
        Tiktok,
        "TikTok | Latte Art | Video Views",
        VideoViews,
        65.0,
        econ(3.9, 0.0061, 0.002, 38.0, 0.36, 1.5),
        25,
        None,
        false,
        &["Broad 18-44"],
        Some(4)
    ),
    plan!(
        Tiktok,
        "TikTok | Website Traffic | Guides",
        Traffic,
        55.0,
        econ(5.2, 0.0112, 0.006, 40.0, 0.18, 1.4),
        40,
        Some(150),
        false,
        &["Brewing curious"],
        Some(4)
    ),
    plan!(
        Tiktok,
        "TikTok | Catalog | Video Shopping",
        Sales,
        170.0,
        econ(7.9, 0.0104, 0.029, 43.0, 0.2, 1.4),
        70,
        None,
        false,
        &["Catalog - all products"],
        Some(4)
    ),
    plan!(
        Tiktok,
        "TikTok | Holiday TopView | Awareness",
        Awareness,
        240.0,
        econ(9.8, 0.0047, 0.002, 58.0, 0.4, 1.2),
        150,
        None,
        false,
        &["TopView - gifting"],
        None
    ),
    // Pinterest
    plan!(
        Pinterest,
        "Pinterest | Shopping | Catalog",
        Sales,
        120.0,
        econ(5.3, 0.0061, 0.029, 46.0, 0.0, 1.6),
        0,
        None,
        false,
        &["Catalog - beans", "Catalog - gear"],
        Some(5)
    ),
    plan!(
        Pinterest,
        "Pinterest | Gift Guides | Awareness",
        Awareness,
        85.0,
        econ(3.4, 0.0029, 0.003, 62.0, 0.0, 1.8),
        125,
        None,
        false,
        &["Holiday gift guides"],
        Some(5)
    ),
    plan!(
        Pinterest,
        "Pinterest | Cold Brew Recipes | Traffic",
        Traffic,
        60.0,
        econ(4.6, 0.0074, 0.005, 33.0, 0.0, 1.5),
        0,
        Some(100),
        false,
        &["Iced coffee recipes", "Summer drinks"],
        Some(5)
    ),
    plan!(
        Pinterest,
        "Pinterest | Home Barista | Consideration",
        Engagement,
        55.0,
        econ(4.1, 0.0066, 0.006, 44.0, 0.08, 1.6),
        35,
        None,
        false,
        &["Home barista setups"],
        Some(5)
    ),
    plan!(
        Pinterest,
        "Pinterest | Holiday Sales | Conversions",
        Sales,
        130.0,
        econ(6.2, 0.0071, 0.033, 64.0, 0.0, 1.5),
        138,
        None,
        false,
        &["Gift shoppers", "Engaged pinners"],
        Some(2)
    ),
    plan!(
        Pinterest,
        "Pinterest | Subscription | Leads",
        Leads,
        45.0,
        econ(4.8, 0.0058, 0.052, 0.0, 0.0, 1.5),
        60,
        Some(160),
        true,
        &["Subscription curious"],
        Some(5)
    ),
];

/// Interest audiences as the platforms describe them, with size bounds.
pub struct AudiencePlan {
    pub platform: Platform,
    pub name: &'static str,
    pub kind: AudienceKind,
    pub size: (i64, i64),
    pub interests: &'static [&'static str],
    pub age: (u8, u8),
    pub genders: &'static [&'static str],
    /// The mention topics (`voices::TOPICS`) its people bring up more than others do.
    pub talks_about: &'static [&'static str],
}

pub const AUDIENCES: &[AudiencePlan] = &[
    AudiencePlan {
        platform: Meta,
        name: "Specialty coffee enthusiasts",
        kind: AudienceKind::Interest,
        size: (8_400_000, 9_900_000),
        interests: &[
            "Specialty coffee",
            "Coffeehouses",
            "Espresso",
            "Third-wave coffee",
            "Barista",
        ],
        age: (25, 54),
        genders: &["all"],
        talks_about: &["taste", "freshness", "sustainability"],
    },
    AudiencePlan {
        platform: Meta,
        name: "Lookalike 1% - subscribers",
        kind: AudienceKind::Lookalike,
        size: (2_100_000, 2_500_000),
        interests: &["Seed: active subscribers (last 180 days)"],
        age: (21, 65),
        genders: &["all"],
        talks_about: &["subscription", "price", "shipping"],
    },
    AudiencePlan {
        platform: Meta,
        name: "Holiday gift shoppers",
        kind: AudienceKind::Interest,
        size: (21_000_000, 24_700_000),
        interests: &[
            "Gifts",
            "Online shopping",
            "Gourmet food",
            "Christmas shopping",
        ],
        age: (28, 60),
        genders: &["all"],
        talks_about: &["gifting", "packaging", "shipping"],
    },
    AudiencePlan {
        platform: Meta,
        name: "Home brewing & gear",
        kind: AudienceKind::Interest,
        size: (3_300_000, 3_900_000),
        interests: &[
            "Pour-over coffee",
            "French press",
            "AeroPress",
            "Coffee grinders",
            "Chemex",
        ],
        age: (24, 50),
        genders: &["all"],
        talks_about: &["brewing guides", "cold brew", "decaf"],
    },
    AudiencePlan {
        platform: Tiktok,
        name: "Coffee culture 18-34",
        kind: AudienceKind::Interest,
        size: (12_000_000, 15_500_000),
        interests: &[
            "Coffee",
            "Latte art",
            "Iced coffee",
            "Morning routine",
            "Café vlogs",
        ],
        age: (18, 34),
        genders: &["all"],
        talks_about: &["cold brew", "taste", "price"],
    },
    AudiencePlan {
        platform: Pinterest,
        name: "Coffee recipes & home cafés",
        kind: AudienceKind::Interest,
        size: (6_800_000, 8_200_000),
        interests: &[
            "Coffee recipes",
            "Iced coffee",
            "Home café decor",
            "Kitchen organisation",
        ],
        age: (25, 54),
        genders: &["female", "male"],
        talks_about: &["cold brew", "brewing guides", "packaging"],
    },
    AudiencePlan {
        platform: GoogleAds,
        name: "In-market: coffee & tea",
        kind: AudienceKind::Interest,
        size: (5_000_000, 10_000_000),
        interests: &[
            "In-market: Coffee & Tea",
            "Affinity: Foodies",
            "Custom segment: 'best coffee beans'",
        ],
        age: (25, 64),
        genders: &["all"],
        talks_about: &["taste", "price"],
    },
    AudiencePlan {
        platform: Meta,
        name: "Past purchasers (custom list)",
        kind: AudienceKind::Custom,
        size: (38_000, 46_000),
        interests: &["Customer list upload: purchasers since 2024"],
        age: (18, 65),
        genders: &["all"],
        talks_about: &["customer service", "subscription", "shipping"],
    },
];

/// One ad's copy and how it performs against the other ads of its ad group: a concrete delivery
/// promise gets clicked, a subscription offer converts, a packaging claim is scrolled past.
#[derive(Debug, Clone, Copy)]
pub struct AdCopy {
    pub headline: &'static str,
    pub body: &'static str,
    pub call_to_action: &'static str,
    pub format: CreativeFormat,
    /// Click rate relative to an average ad of the same ad group.
    pub ctr: f64,
    /// Conversion rate (per click) relative to an average ad of the same ad group.
    pub cvr: f64,
}

pub const AD_COPY: &[AdCopy] = &[
    AdCopy {
        headline: "Roasted Monday, at your door Thursday",
        body: "Small-batch beans roasted to order. Free shipping over $35.",
        call_to_action: "SHOP_NOW",
        format: CreativeFormat::Image,
        ctr: 1.35,
        cvr: 1.05,
    },
    AdCopy {
        headline: "Your new favourite morning",
        body: "Ethiopia Guji: blueberry, jasmine, honey. Try a 12 oz bag.",
        call_to_action: "SHOP_NOW",
        format: CreativeFormat::Image,
        ctr: 1.0,
        cvr: 0.95,
    },
    AdCopy {
        headline: "Coffee that fits your schedule",
        body: "Subscribe, skip or pause anytime. 15% off every bag.",
        call_to_action: "SUBSCRIBE",
        format: CreativeFormat::Video,
        ctr: 1.0,
        cvr: 1.25,
    },
    AdCopy {
        headline: "Cold brew, without the guesswork",
        body: "Our cold brew kit makes 8 cups in 12 hours. Just add water.",
        call_to_action: "LEARN_MORE",
        format: CreativeFormat::Video,
        ctr: 0.95,
        cvr: 0.9,
    },
    AdCopy {
        headline: "The gift for people who have everything",
        body: "Holiday tasting set: four origins, one beautiful box.",
        call_to_action: "SHOP_NOW",
        format: CreativeFormat::Carousel,
        ctr: 1.1,
        cvr: 1.1,
    },
    AdCopy {
        headline: "Meet the farmers behind your cup",
        body: "We pay 2.5x Fair Trade minimums. Watch the Huila story.",
        call_to_action: "WATCH_MORE",
        format: CreativeFormat::Video,
        ctr: 0.9,
        cvr: 0.85,
    },
    AdCopy {
        headline: "Decaf that tastes like coffee",
        body: "Swiss Water decaf from Colombia: chocolate and red apple.",
        call_to_action: "SHOP_NOW",
        format: CreativeFormat::Image,
        ctr: 1.0,
        cvr: 1.0,
    },
    AdCopy {
        headline: "Barista-level lattes at home",
        body: "The Halcyon Espresso Blend, dialled in for home machines.",
        call_to_action: "SHOP_NOW",
        format: CreativeFormat::Video,
        ctr: 1.05,
        cvr: 1.0,
    },
    AdCopy {
        headline: "Brew better pour-over in 4 steps",
        body: "Our free guide: grind, bloom, pour, wait. Gear not required.",
        call_to_action: "LEARN_MORE",
        format: CreativeFormat::Carousel,
        ctr: 1.05,
        cvr: 0.8,
    },
    AdCopy {
        headline: "Compostable bags, zero compromise",
        body: "Every bag is home-compostable. Freshness valve included.",
        call_to_action: "LEARN_MORE",
        format: CreativeFormat::Image,
        ctr: 0.75,
        cvr: 1.0,
    },
];
