//! The demo workspace is deterministic, believable and writes idempotently.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test should fail loudly at the line that broke"
)]

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, Weekday};
use pw_demo::{DAYS_OF_DATA, DemoSpec, generate, write};
use pw_domain::{BreakdownDimension, KpiKey, Platform, SearchIntent, Totals};
use pw_store::Database;
use pw_workspaces::{MetricEntity, MetricLevel, WorkspaceStore};

fn spec(seed: u64) -> DemoSpec {
    DemoSpec {
        workspace_id: "0196b7a0-0000-7000-8000-000000000001".parse().unwrap(),
        workspace_name: "Halcyon Roasters (demo)".into(),
        seed,
        end_date: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
    }
}

fn campaign_totals_by_platform(data: &pw_demo::DemoData) -> HashMap<Platform, Totals> {
    let mut totals: HashMap<Platform, Totals> = HashMap::new();
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Campaign)
    {
        totals.entry(m.platform).or_default().add(&Totals {
            spend: m.spend,
            impressions: m.impressions,
            clicks: m.clicks,
            conversions: m.conversions,
            conversion_value: m.conversion_value.unwrap(),
            valued_spend: m.spend,
        });
    }
    totals
}

#[test]
fn the_same_seed_gives_the_same_workspace_and_another_seed_does_not() {
    let a = generate(&spec(7)).unwrap();
    let b = generate(&spec(7)).unwrap();
    let c = generate(&spec(8)).unwrap();
    let spend = |d: &pw_demo::DemoData| d.metrics.iter().map(|m| m.spend.0).collect::<Vec<_>>();
    assert_eq!(spend(&a), spend(&b));
    assert_eq!(
        a.campaigns.iter().map(|c| &c.id).collect::<Vec<_>>(),
        b.campaigns.iter().map(|c| &c.id).collect::<Vec<_>>()
    );
    assert_eq!(
        a.signals.iter().map(|s| &s.text).collect::<Vec<_>>(),
        b.signals.iter().map(|s| &s.text).collect::<Vec<_>>()
    );
    assert_ne!(spend(&a), spend(&c));
}

#[test]
fn it_has_the_breadth_a_real_account_has() {
    let data = generate(&spec(7)).unwrap();
    let platforms: HashSet<_> = data.campaigns.iter().map(|c| c.platform).collect();
    assert!(platforms.len() >= 3, "{platforms:?}");
    assert!(data.campaigns.len() >= 30);
    let objectives: HashSet<_> = data.campaigns.iter().map(|c| c.objective).collect();
    assert!(objectives.len() >= 5, "{objectives:?}");
    let days: HashSet<_> = data.metrics.iter().map(|m| m.date).collect();
    assert_eq!(days.len() as u32, DAYS_OF_DATA);
    assert!(
        data.audiences
            .iter()
            .all(|a| a.size_lower.unwrap() < a.size_upper.unwrap())
    );
    assert!(
        data.audiences
            .iter()
            .all(|a| a.interests.as_array().is_some_and(|i| !i.is_empty()))
    );

    let mentions: Vec<_> = data
        .signals
        .iter()
        .filter(|s| s.kind == pw_domain::SignalKind::Mention)
        .collect();
    assert!(mentions.len() >= 200);
    let distinct: HashSet<_> = mentions.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(distinct.len(), mentions.len(), "every mention is distinct");
    let topics: HashSet<_> = mentions.iter().filter_map(|m| m.topic.as_deref()).collect();
    assert!(topics.len() >= 8, "{topics:?}");
    let negative = mentions
        .iter()
        .filter(|m| m.sentiment.unwrap() < -0.3)
        .count();
    let positive = mentions
        .iter()
        .filter(|m| m.sentiment.unwrap() > 0.3)
        .count();
    assert!(
        negative > 30 && positive > 80,
        "positive {positive}, negative {negative}"
    );
    let sources: HashSet<_> = mentions.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(sources, HashSet::from(["review", "comment", "social_post"]));

    let search_terms: Vec<_> = data
        .signals
        .iter()
        .filter(|s| s.source == "search_term")
        .collect();
    assert!(search_terms.len() >= 30);
    let intents: HashSet<_> = search_terms.iter().filter_map(|s| s.intent).collect();
    assert_eq!(intents.len(), 4, "{intents:?}");

    let all_text: String = data
        .signals
        .iter()
        .map(|s| s.text.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!all_text.contains("lorem") && !all_text.contains("ipsum"));
}

#[test]
fn platform_economics_are_plausible() {
    let data = generate(&spec(7)).unwrap();
    let totals = campaign_totals_by_platform(&data);
    for (platform, t) in &totals {
        let ctr = t.kpi(KpiKey::Ctr).unwrap();
        let cpc = t.kpi(KpiKey::Cpc).unwrap() / 1e6;
        let roas = t.kpi(KpiKey::Roas).unwrap();
        let cpa = t.kpi(KpiKey::Cpa).unwrap() / 1e6;
        let (ctr_range, cpc_range, roas_range) = match platform {
            Platform::GoogleAds => (0.008..0.06, 0.5..2.5, 2.0..6.0),
            Platform::Meta => (0.006..0.02, 0.6..2.5, 1.2..4.5),
            Platform::Tiktok => (0.004..0.015, 0.4..1.5, 0.5..2.5),
            _ => (0.003..0.012, 0.4..1.6, 0.5..3.0),
        };
        assert!(ctr_range.contains(&ctr), "{platform} CTR {ctr}");
        assert!(cpc_range.contains(&cpc), "{platform} CPC {cpc}");
        assert!(roas_range.contains(&roas), "{platform} ROAS {roas}");
        assert!((8.0..150.0).contains(&cpa), "{platform} CPA {cpa}");
    }
    // Branded search converts far better than generic search.
    let campaign_totals = |name: &str| {
        let id = data.campaigns.iter().find(|c| c.name == name).unwrap().id;
        let mut t = Totals::default();
        for m in data
            .metrics
            .iter()
            .filter(|m| m.entity == MetricEntity::Campaign(id))
        {
            t.add(&Totals {
                spend: m.spend,
                impressions: m.impressions,
                clicks: m.clicks,
                conversions: m.conversions,
                conversion_value: m.conversion_value.unwrap(),
                valued_spend: m.spend,
            });
        }
        t
    };
    let brand = campaign_totals("Search | Brand | Exact")
        .kpi(KpiKey::Roas)
        .unwrap();
    let generic = campaign_totals("Search | Generic | Coffee Beans")
        .kpi(KpiKey::Roas)
        .unwrap();
    assert!(brand > 2.0 * generic, "brand {brand} vs generic {generic}");
}

#[test]
fn spend_follows_the_week_and_ads_add_up_to_their_campaign() {
    let data = generate(&spec(7)).unwrap();
    let mut google_by_weekday: HashMap<Weekday, i64> = HashMap::new();
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Campaign && m.platform == Platform::GoogleAds)
    {
        *google_by_weekday.entry(m.date.weekday()).or_default() += m.spend.0;
    }
    assert!(
        google_by_weekday[&Weekday::Tue] > google_by_weekday[&Weekday::Sat] * 11 / 10,
        "search spends more on weekdays"
    );

    let mut by_day: HashMap<(uuid::Uuid, NaiveDate), (i64, i64, i64)> = HashMap::new();
    let ad_campaign: HashMap<uuid::Uuid, uuid::Uuid> = data
        .ads
        .iter()
        .map(|ad| {
            let group = data
                .ad_groups
                .iter()
                .find(|g| g.id == ad.ad_group_id)
                .unwrap();
            (ad.id.as_uuid(), group.campaign_id.as_uuid())
        })
        .collect();
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Ad)
    {
        let entry = by_day
            .entry((ad_campaign[&m.entity.id()], m.date))
            .or_default();
        entry.0 += m.spend.0;
        entry.1 += m.impressions;
        entry.2 += m.clicks;
    }
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Campaign)
    {
        assert_eq!(
            by_day[&(m.entity.id(), m.date)],
            (m.spend.0, m.impressions, m.clicks)
        );
    }
}

#[tokio::test]
async fn writing_twice_completes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("pw.sqlite3"))
        .await
        .unwrap();
    let spec = spec(7);
    let data = generate(&spec).unwrap();
    let mut fractions = Vec::new();
    write(&db, &spec, &data, |f, _| fractions.push(f))
        .await
        .unwrap();
    assert_eq!(fractions.last(), Some(&1.0));
    assert!(fractions.windows(2).all(|w| w[0] <= w[1]));
    let count = |table: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table}"
            )))
            .fetch_one(db.reader())
            .await
            .unwrap()
        }
    };
    let before = (
        count("campaigns").await,
        count("daily_metrics").await,
        count("audience_signals").await,
        count("ads").await,
    );
    let breakdowns_before = count("metric_breakdowns").await;
    write(&db, &spec, &data, |_, _| {}).await.unwrap();
    assert_eq!(count("metric_breakdowns").await, breakdowns_before);
    let after = (
        count("campaigns").await,
        count("daily_metrics").await,
        count("audience_signals").await,
        count("ads").await,
    );
    assert_eq!(before, after);
    assert_eq!(before.1 as usize, data.metrics.len());
    assert_eq!(breakdowns_before as usize, data.breakdowns.len());
    // Every generated signal has its own natural key, so none is merged into another.
    assert_eq!(before.2 as usize, data.signals.len());
    let overview = WorkspaceStore::new(&db).list_workspaces().await.unwrap();
    assert_eq!(overview.len(), 1);
    assert!(overview[0].workspace.is_demo);
    assert_eq!(overview[0].data_range.unwrap().end, spec.end_date);
}

/// Prints the per-platform economics; run with `--nocapture` when tuning the catalogue.
#[test]
fn print_platform_economics() {
    let data = generate(&spec(7)).unwrap();
    for (platform, t) in campaign_totals_by_platform(&data) {
        println!(
            "{platform}: spend {:.0} CTR {:.4} CPC {:.2} CPA {:.2} ROAS {:.2}",
            t.spend.as_units_f64(),
            t.kpi(KpiKey::Ctr).unwrap(),
            t.kpi(KpiKey::Cpc).unwrap() / 1e6,
            t.kpi(KpiKey::Cpa).unwrap() / 1e6,
            t.kpi(KpiKey::Roas).unwrap()
        );
    }
}

/// A sync stored the brand's Meta account before the demo was written, under an id of its own:
/// the demo's campaigns must hang from that stored account, not from the id the demo derived.
#[tokio::test]
async fn the_demo_attaches_to_an_account_already_stored_under_another_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("pw.sqlite3"))
        .await
        .unwrap();
    let spec = spec(7);
    let data = generate(&spec).unwrap();
    WorkspaceStore::new(&db)
        .create_workspace_with_id(
            spec.workspace_id,
            &pw_workspaces::NewWorkspace {
                name: spec.workspace_name.clone(),
                brand: pw_demo::BRAND.into(),
                currency: pw_demo::CURRENCY.parse().unwrap(),
                time_zone: pw_demo::TIME_ZONE.into(),
                is_demo: true,
            },
        )
        .await
        .unwrap();
    let meta = data
        .accounts
        .iter()
        .find(|a| a.platform == Platform::Meta)
        .unwrap();
    let synced = pw_workspaces::AdAccountRow {
        id: pw_domain::AdAccountId::new(),
        ..meta.clone()
    };
    let mut tx = db.begin_write().await.unwrap();
    pw_workspaces::AdDataWriter::new(&mut tx)
        .ad_accounts(std::slice::from_ref(&synced))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    write(&db, &spec, &data, |_, _| {}).await.unwrap();

    let meta_campaigns: i64 =
        sqlx::query_scalar("SELECT count(*) FROM campaigns WHERE ad_account_id = ?")
            .bind(synced.id.to_string())
            .fetch_one(db.reader())
            .await
            .unwrap();
    let expected = data
        .campaigns
        .iter()
        .filter(|c| c.platform == Platform::Meta)
        .count() as i64;
    assert!(expected > 0);
    assert_eq!(meta_campaigns, expected);
    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM ad_accounts")
        .fetch_one(db.reader())
        .await
        .unwrap();
    assert_eq!(accounts as usize, data.accounts.len());
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(db.reader())
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
}

/// Totals of one day: impressions, clicks, spend (micros) and conversions (hundredths).
type DayTotals = (i64, i64, i64, i64);

fn add(to: &mut DayTotals, impressions: i64, clicks: i64, spend: i64, conversions: f64) {
    to.0 += impressions;
    to.1 += clicks;
    to.2 += spend;
    to.3 += (conversions * 100.0).round() as i64;
}

#[test]
fn each_breakdown_dimension_adds_up_to_its_ad_groups_day() {
    let data = generate(&spec(7)).unwrap();
    let group_of_ad: HashMap<uuid::Uuid, uuid::Uuid> = data
        .ads
        .iter()
        .map(|ad| (ad.id.as_uuid(), ad.ad_group_id.as_uuid()))
        .collect();
    let mut groups: HashMap<(uuid::Uuid, NaiveDate), DayTotals> = HashMap::new();
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Ad)
    {
        let totals = groups
            .entry((group_of_ad[&m.entity.id()], m.date))
            .or_default();
        add(totals, m.impressions, m.clicks, m.spend.0, m.conversions);
    }
    let mut by_dimension: HashMap<(uuid::Uuid, NaiveDate, BreakdownDimension), DayTotals> =
        HashMap::new();
    for b in &data.breakdowns {
        assert_eq!(b.entity.level(), MetricLevel::AdGroup);
        let totals = by_dimension
            .entry((b.entity.id(), b.date, b.dimension))
            .or_default();
        add(totals, b.impressions, b.clicks, b.spend.0, b.conversions);
    }
    assert_eq!(by_dimension.len(), groups.len() * 3, "every delivering day");
    for ((group, date, dimension), totals) in &by_dimension {
        assert_eq!(
            groups[&(*group, *date)],
            *totals,
            "{dimension} on {date} of {group}"
        );
    }
    let values: HashSet<(BreakdownDimension, &str)> = data
        .breakdowns
        .iter()
        .map(|b| (b.dimension, b.value.as_str()))
        .collect();
    for expected in [
        (BreakdownDimension::Placement, "instagram_reels"),
        (BreakdownDimension::Placement, "tiktok_feed"),
        (BreakdownDimension::Placement, "pinterest_search"),
        (BreakdownDimension::Placement, "youtube"),
        (BreakdownDimension::Device, "desktop"),
        (BreakdownDimension::Daypart, "night"),
    ] {
        assert!(values.contains(&expected), "{expected:?}");
    }
}

/// Click and conversion rates of the breakdown rows matching `keep`, by value.
fn rates_by_value(
    data: &pw_demo::DemoData,
    keep: impl Fn(&pw_workspaces::BreakdownRow) -> bool,
) -> HashMap<String, (f64, f64)> {
    let mut sums: HashMap<String, (i64, i64, f64)> = HashMap::new();
    for b in data.breakdowns.iter().filter(|b| keep(b)) {
        let sum = sums.entry(b.value.clone()).or_default();
        sum.0 += b.impressions;
        sum.1 += b.clicks;
        sum.2 += b.conversions;
    }
    sums.into_iter()
        .map(|(value, (i, c, v))| (value, (c as f64 / i as f64, v / c as f64)))
        .collect()
}

#[test]
fn segments_differ_the_way_they_do_in_real_accounts() {
    let data = generate(&spec(7)).unwrap();
    let meta = rates_by_value(&data, |b| {
        b.platform == Platform::Meta && b.dimension == BreakdownDimension::Placement
    });
    for other in ["facebook_feed", "instagram_feed", "instagram_stories"] {
        assert!(
            meta["instagram_reels"].0 > 1.15 * meta[other].0,
            "Reels' CTR against {other}: {meta:?}"
        );
    }
    // Within one platform: across platforms, Google's high click rates and desktop share mix in.
    let devices = rates_by_value(&data, |b| {
        b.platform == Platform::Meta && b.dimension == BreakdownDimension::Device
    });
    assert!(
        devices["desktop"].1 > 1.3 * devices["mobile"].1,
        "{devices:?}"
    );
    assert!(devices["desktop"].0 < devices["mobile"].0, "{devices:?}");
    let dayparts = rates_by_value(&data, |b| b.dimension == BreakdownDimension::Daypart);
    assert!(
        dayparts["evening"].0 > 1.5 * dayparts["night"].0,
        "{dayparts:?}"
    );
    assert!(
        dayparts["evening"].1 > dayparts["morning"].1,
        "{dayparts:?}"
    );
}

#[test]
fn the_copy_people_click_most_beats_its_ad_groups_other_ads() {
    let data = generate(&spec(7)).unwrap();
    // The catalogue's most clicked copy (1.35x), and its most converting one (1.25x).
    let best_ctr = "Roasted Monday, at your door Thursday";
    let best_cvr = "Coffee that fits your schedule";
    let headline: HashMap<_, _> = data
        .creatives
        .iter()
        .map(|c| (c.id, c.headline.clone().unwrap()))
        .collect();
    let mut totals: HashMap<uuid::Uuid, (i64, i64, f64)> = HashMap::new();
    for m in data
        .metrics
        .iter()
        .filter(|m| m.entity.level() == MetricLevel::Ad)
    {
        let t = totals.entry(m.entity.id()).or_default();
        t.0 += m.impressions;
        t.1 += m.clicks;
        t.2 += m.conversions;
    }
    let ctr = |t: (i64, i64, f64)| t.1 as f64 / t.0 as f64;
    let cvr = |t: (i64, i64, f64)| t.2 / t.1 as f64;
    let (mut ctr_groups, mut cvr_groups) = (0, 0);
    for group in &data.ad_groups {
        let ads: Vec<(&str, (i64, i64, f64))> = data
            .ads
            .iter()
            .filter(|ad| ad.ad_group_id == group.id)
            .map(|ad| {
                (
                    headline[&ad.creative_id.unwrap()].as_str(),
                    totals[&ad.id.as_uuid()],
                )
            })
            .collect();
        if let Some((_, best)) = ads.iter().find(|(h, _)| *h == best_ctr) {
            for (other, t) in ads.iter().filter(|(h, _)| *h != best_ctr) {
                assert!(
                    ctr(*best) > 1.15 * ctr(*t),
                    "{}: {best_ctr} {} vs {other} {}",
                    group.name,
                    ctr(*best),
                    ctr(*t)
                );
            }
            ctr_groups += 1;
        }
        // Conversions are few per ad and day, so only where there are enough to tell.
        if let Some((_, best)) = ads.iter().find(|(h, _)| *h == best_cvr)
            && ads.iter().all(|(_, t)| t.2 >= 200.0)
        {
            for (other, t) in ads.iter().filter(|(h, _)| *h != best_cvr) {
                assert!(
                    cvr(*best) > cvr(*t),
                    "{}: {best_cvr} {} vs {other} {}",
                    group.name,
                    cvr(*best),
                    cvr(*t)
                );
            }
            cvr_groups += 1;
        }
    }
    assert!(ctr_groups >= 3, "{ctr_groups}");
    assert!(cvr_groups >= 1, "{cvr_groups}");
}

#[test]
fn search_intent_moves_toward_buying_and_gifting_into_the_holidays() {
    let data = generate(&spec(7)).unwrap();
    let terms: Vec<_> = data
        .signals
        .iter()
        .filter(|s| s.source == "search_term")
        .collect();
    let mut days: Vec<NaiveDate> = terms.iter().map(|s| s.occurred_on).collect();
    days.sort();
    days.dedup();
    assert_eq!(days.len(), 3, "{days:?}");
    assert_eq!(days[2], spec(7).end_date);
    let distinct: HashSet<_> = terms.iter().map(|s| (&s.text, s.occurred_on)).collect();
    assert_eq!(distinct.len(), terms.len(), "one row per term and period");
    let periods: HashSet<String> = terms
        .iter()
        .map(|s| s.metadata["period"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        periods,
        HashSet::from(["2026-09".to_owned(), "2026-10".into(), "2026-11".into()])
    );

    let volume = |day: NaiveDate, keep: &dyn Fn(&pw_workspaces::SignalRow) -> bool| -> f64 {
        terms
            .iter()
            .filter(|s| s.occurred_on == day && keep(s))
            .map(|s| s.volume.unwrap() as f64)
            .sum()
    };
    let share = |day: NaiveDate, keep: &dyn Fn(&pw_workspaces::SignalRow) -> bool| {
        volume(day, keep) / volume(day, &|_| true)
    };
    let (first, last) = (days[0], days[2]);
    for buying in [SearchIntent::Transactional, SearchIntent::Commercial] {
        let of = |s: &pw_workspaces::SignalRow| s.intent == Some(buying);
        assert!(share(last, &of) > share(first, &of) + 0.02, "{buying}");
    }
    let gifting = |s: &pw_workspaces::SignalRow| s.topic.as_deref() == Some("gifting");
    assert!(share(last, &gifting) > 2.0 * share(first, &gifting));
    let informational =
        |s: &pw_workspaces::SignalRow| s.intent == Some(SearchIntent::Informational);
    let flat = volume(last, &informational) / volume(first, &informational);
    assert!((0.95..1.05).contains(&flat), "{flat}");
    assert!(share(last, &informational) < share(first, &informational));

    // Google Ads reports conversions per term: buying terms have them, how-to terms do not.
    let converting = terms
        .iter()
        .filter(|s| s.metadata["conversions"].as_f64().is_some_and(|c| c > 0.0))
        .count();
    assert!(converting >= terms.len() / 2, "{converting}");
    assert!(
        terms
            .iter()
            .filter(|s| s.intent == Some(SearchIntent::Informational))
            .all(|s| s.metadata.get("conversions").is_none())
    );
}

#[test]
fn every_meta_and_tiktok_audience_has_enough_mentions_to_group() {
    for seed in [7, 8, 9] {
        let data = generate(&spec(seed)).unwrap();
        let mut per_audience: HashMap<_, usize> = HashMap::new();
        for s in data
            .signals
            .iter()
            .filter(|s| s.kind == pw_domain::SignalKind::Mention)
        {
            if let Some(audience) = s.audience_id {
                *per_audience.entry(audience).or_default() += 1;
            }
        }
        let mut audiences = 0;
        for audience in data
            .audiences
            .iter()
            .filter(|a| matches!(a.platform, Platform::Meta | Platform::Tiktok))
        {
            let mentions = per_audience.get(&audience.id).copied().unwrap_or(0);
            assert!(
                mentions >= 40,
                "seed {seed}: {} has {mentions}",
                audience.name
            );
            audiences += 1;
        }
        assert!(audiences >= 6);
    }
    // Each audience talks about its own things: gift shoppers about gifting more than others.
    let data = generate(&spec(7)).unwrap();
    let gift_shoppers = data
        .audiences
        .iter()
        .find(|a| a.name == "Holiday gift shoppers")
        .unwrap()
        .id;
    let gifting_share = |theirs: bool| {
        let mentions: Vec<_> = data
            .signals
            .iter()
            .filter(|s| {
                s.kind == pw_domain::SignalKind::Mention
                    && s.audience_id.is_some()
                    && (s.audience_id == Some(gift_shoppers)) == theirs
            })
            .collect();
        let gifting = mentions
            .iter()
            .filter(|s| s.topic.as_deref() == Some("gifting"))
            .count();
        gifting as f64 / mentions.len() as f64
    };
    let (theirs, others) = (gifting_share(true), gifting_share(false));
    assert!(theirs > 1.5 * others, "{theirs} vs {others}");
}
