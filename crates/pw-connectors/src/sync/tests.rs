//! The sync's bookkeeping with a scripted connector on a real SQLite file: what a page left
//! out keeps the cursor where it was and keeps the stored days it could not read, a day the
//! platform stops reporting is removed, and a backfill stopped part-way is continued.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use pw_domain::{Currency, EntityStatus, MetricLevel, Micros, Objective, Platform, WorkspaceId};
use pw_workspaces::{AdWorkspaces, CreateWorkspace};
use tokio_util::sync::CancellationToken;

use super::{SyncObserver, SyncPlan, run};
use crate::connector::{Connector, ReportRules};
use crate::error::Result;
use crate::normalise::Unmappable;
use crate::records::{
    DayWindow, EntityStream, Page, RemoteAccount, RemoteAdGroup, RemoteAudience, RemoteCampaign,
    RemoteEntity, RemoteMetric,
};
use crate::repository::{
    AuthKind, Connection, ConnectionStatus, ConnectionStore, EntityCursor, ReportCursor,
};
use crate::runs::{RunStatus, SyncRun};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
}

/// 1 June, noon UTC: yesterday is 31 May.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

/// What the scripted platform answers: campaign days by date (`None`: a row it sends but the
/// connector could not read), and whether an ad group of an unlisted campaign is sent.
#[derive(Default)]
struct Script {
    days: Vec<(NaiveDate, Option<i64>)>,
    orphan_ad_group: bool,
    /// Windows asked for, in order.
    asked: Vec<DayWindow>,
}

struct Scripted(Mutex<Script>);

fn account() -> RemoteAccount {
    RemoteAccount {
        external_id: "acct".into(),
        name: "Scripted".into(),
        currency: "USD".parse::<Currency>().unwrap(),
        time_zone: "UTC".into(),
        via_manager: None,
    }
}

impl Connector for Scripted {
    fn platform(&self) -> Platform {
        Platform::Meta
    }

    fn report_rules(&self) -> ReportRules {
        ReportRules {
            restatement_days: 3,
            window_days: 5,
            history_days: 400,
        }
    }

    fn report_levels(&self) -> &'static [MetricLevel] {
        &[MetricLevel::Campaign]
    }

    async fn accounts(&self) -> Result<Vec<RemoteAccount>> {
        Ok(vec![account()])
    }

    async fn entity_page(
        &self,
        _account: &RemoteAccount,
        stream: EntityStream,
        _changed_since: Option<DateTime<Utc>>,
        _page: Option<String>,
    ) -> Result<Page<RemoteEntity>> {
        let updated = Some(Utc.with_ymd_and_hms(2026, 5, 20, 0, 0, 0).unwrap());
        Ok(Page::last(match stream {
            EntityStream::Campaigns => vec![RemoteEntity::Campaign(RemoteCampaign {
                external_id: "c1".into(),
                name: "Campaign".into(),
                objective: Objective::Sales,
                status: EntityStatus::Active,
                daily_budget: None,
                start_date: None,
                end_date: None,
                updated_at: updated,
            })],
            EntityStream::AdGroups => {
                // Under a campaign the platform did not list, while the script says so.
                let orphan = self.0.lock().unwrap().orphan_ad_group;
                vec![RemoteEntity::AdGroup(RemoteAdGroup {
                    external_id: "g9".into(),
                    campaign_external_id: if orphan { "not-listed" } else { "c1" }.into(),
                    name: "Ad group".into(),
                    status: EntityStatus::Active,
                    targeting: serde_json::json!({}),
                    updated_at: updated,
                })]
            }
            _ => Vec::new(),
        }))
    }

    async fn report_page(
        &self,
        _account: &RemoteAccount,
        level: MetricLevel,
        window: DayWindow,
        _page: Option<String>,
    ) -> Result<Page<RemoteMetric>> {
        let mut script = self.0.lock().unwrap();
        script.asked.push(window);
        let mut page = Page::last(Vec::new());
        for (date, impressions) in script
            .days
            .iter()
            .filter(|(d, _)| *d >= window.from && *d <= window.until)
        {
            match impressions {
                Some(impressions) => page.records.push(RemoteMetric {
                    level,
                    entity_external_id: "c1".into(),
                    date: *date,
                    impressions: *impressions,
                    clicks: 1,
                    spend: Micros(1_000_000),
                    conversions: 0.0,
                    conversion_value: Some(Micros(0)),
                    reach: None,
                    video_views: None,
                }),
                None => page.issues.push(Unmappable {
                    field: "insights.impressions".into(),
                    value: "\"n/a\"".into(),
                    reason: "not a number".into(),
                }),
            }
        }
        Ok(page)
    }

    async fn audience_page(
        &self,
        _account: &RemoteAccount,
        _page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        Ok(Page::last(Vec::new()))
    }
}

struct Quiet;

impl SyncObserver for Quiet {
    async fn progress(&self, _fraction: f64, _message: String) {}
}

/// Cancels after the first report window is stored.
struct StopAfterFirstWindow(CancellationToken);

impl SyncObserver for StopAfterFirstWindow {
    async fn progress(&self, _fraction: f64, message: String) {
        if message.contains("through") {
            self.0.cancel();
        }
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    store: ConnectionStore,
    connection: Connection,
}

async fn harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let db = pw_store::Database::open(&dir.path().join("db.sqlite3"))
        .await
        .unwrap();
    let workspace: WorkspaceId = AdWorkspaces::new(db.clone(), dir.path().join("exports"))
        .create(CreateWorkspace {
            name: "Scripted".into(),
            brand: "Scripted".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
        })
        .await
        .unwrap()
        .workspace
        .id;
    let store = ConnectionStore::new(db);
    let connection = Connection {
        id: pw_domain::new_id(),
        workspace_id: workspace,
        platform: Platform::Meta,
        label: "Scripted".into(),
        status: ConnectionStatus::Connected,
        status_reason: None,
        auth_kind: AuthKind::Token,
        api_root: None,
        paused_until: None,
        sync_cron: None,
        last_synced_at: None,
        created_at: now(),
    };
    store.insert(&connection).await.unwrap();
    Harness {
        _dir: dir,
        store,
        connection,
    }
}

impl Harness {
    async fn sync(
        &self,
        connector: &Scripted,
        from: Option<NaiveDate>,
        cancel: CancellationToken,
        observer: &impl SyncObserver,
    ) -> RunStatus {
        let run = SyncRun {
            id: pw_domain::new_id(),
            workspace_id: self.connection.workspace_id,
            connection_id: self.connection.id.clone(),
            job_id: None,
            requested_from: from,
            status: RunStatus::Running,
            streams: Vec::new(),
            report: None,
            started_at: now(),
            finished_at: None,
        };
        self.store.create_run(&run).await.unwrap();
        let plan = SyncPlan {
            store: &self.store,
            connection: &self.connection,
            run_id: &run.id,
            requested_from: from,
            streams: Vec::new(),
            cancel,
            now: now(),
        };
        run_outcome(connector, plan, observer).await
    }

    async fn stored_days(&self) -> Vec<(String, i64)> {
        sqlx::query_as(
            "SELECT date, impressions FROM daily_metrics WHERE level = 'campaign' ORDER BY date",
        )
        .fetch_all(self.store.database().reader())
        .await
        .unwrap()
    }

    async fn cursor<T: serde::de::DeserializeOwned>(&self, stream: &str) -> Option<T> {
        self.store
            .cursor(&self.connection.id, "acct", stream)
            .await
            .unwrap()
            .map(|text| serde_json::from_str(&text).unwrap())
    }
}

async fn run_outcome(
    connector: &Scripted,
    plan: SyncPlan<'_>,
    observer: &impl SyncObserver,
) -> RunStatus {
    run(connector, plan, observer).await.unwrap().report.status
}

#[tokio::test]
async fn a_child_whose_parent_is_not_stored_keeps_its_streams_cursor_where_it_was() {
    let h = harness().await;
    let connector = Scripted(Mutex::new(Script {
        orphan_ad_group: true,
        ..Script::default()
    }));
    let status = h
        .sync(&connector, Some(day(28)), CancellationToken::new(), &Quiet)
        .await;
    assert_eq!(status, RunStatus::Succeeded);
    assert!(
        h.cursor::<EntityCursor>("campaigns").await.is_some(),
        "campaigns were all written"
    );
    assert!(
        h.cursor::<EntityCursor>("ad_groups").await.is_none(),
        "the ad group left out is read again next time, not skipped for good"
    );
    connector.0.lock().unwrap().orphan_ad_group = false;
    h.sync(&connector, None, CancellationToken::new(), &Quiet)
        .await;
    assert!(h.cursor::<EntityCursor>("ad_groups").await.is_some());
}

#[tokio::test]
async fn a_day_left_out_as_unreadable_keeps_its_stored_figures_and_a_day_no_longer_reported_goes() {
    let h = harness().await;
    let connector = Scripted(Mutex::new(Script {
        days: vec![
            (day(29), Some(10)),
            (day(30), Some(20)),
            (day(31), Some(30)),
        ],
        ..Script::default()
    }));
    h.sync(&connector, Some(day(29)), CancellationToken::new(), &Quiet)
        .await;
    assert_eq!(
        h.stored_days().await,
        vec![
            ("2026-05-29".into(), 10),
            ("2026-05-30".into(), 20),
            ("2026-05-31".into(), 30)
        ]
    );
    // The restated window: the 30th arrives unreadable. It is left out, not deleted.
    connector.0.lock().unwrap().days =
        vec![(day(29), Some(11)), (day(30), None), (day(31), Some(31))];
    h.sync(&connector, None, CancellationToken::new(), &Quiet)
        .await;
    assert_eq!(
        h.stored_days().await,
        vec![
            ("2026-05-29".into(), 11),
            ("2026-05-30".into(), 20),
            ("2026-05-31".into(), 31)
        ]
    );
    // Later the platform reports no delivery on the 30th at all: the day goes.
    connector.0.lock().unwrap().days = vec![(day(29), Some(11)), (day(31), Some(31))];
    h.sync(&connector, None, CancellationToken::new(), &Quiet)
        .await;
    assert_eq!(
        h.stored_days().await,
        vec![("2026-05-29".into(), 11), ("2026-05-31".into(), 31)]
    );
}

#[tokio::test]
async fn a_backfill_stopped_part_way_is_continued_by_the_next_sync() {
    let h = harness().await;
    let connector = Scripted(Mutex::new(Script {
        days: (1..=31).map(|d| (day(d), Some(i64::from(d)))).collect(),
        ..Script::default()
    }));
    // Everything up to yesterday first, then a backfill from 1 May, stopped after its first
    // five-day window.
    h.sync(&connector, Some(day(25)), CancellationToken::new(), &Quiet)
        .await;
    let cancel = CancellationToken::new();
    let stopped = h
        .sync(
            &connector,
            Some(day(1)),
            cancel.clone(),
            &StopAfterFirstWindow(cancel),
        )
        .await;
    assert_eq!(stopped, RunStatus::Cancelled);
    let cursor: ReportCursor = h.cursor("metrics:campaign").await.unwrap();
    assert_eq!(cursor.synced_through, day(31));
    assert_eq!(
        cursor.pending_from,
        Some(day(6)),
        "the backfill's next day is remembered"
    );
    connector.0.lock().unwrap().asked.clear();
    let status = h
        .sync(&connector, None, CancellationToken::new(), &Quiet)
        .await;
    assert_eq!(status, RunStatus::Succeeded);
    let first_asked = connector.0.lock().unwrap().asked.first().copied().unwrap();
    assert_eq!(
        first_asked.from,
        day(6),
        "the next sync starts where the backfill stopped"
    );
    assert_eq!(h.stored_days().await.len(), 31);
    let cursor: ReportCursor = h.cursor("metrics:campaign").await.unwrap();
    assert_eq!(cursor.pending_from, None);
}
