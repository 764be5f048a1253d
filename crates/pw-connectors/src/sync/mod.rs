//! A sync of one connection, the same for every platform: list the accounts, then for each
//! selected account its entity streams (parents first), its daily reports at each level and its
//! audiences. Every page is written in one transaction with the stream's checkpoint (a report
//! window's last page with the cursor), so a sync killed mid-way resumes after the last rows it
//! stored and never writes a row twice (upserts keyed by the platform's ids and the day).
//!
//! Report streams re-read the platform's restatement window on every sync (Meta's 28 days,
//! Google's conversion window), read long ranges in chunks, and split a range the platform
//! cannot produce at once. A stream that fails (a malformed page, a server that keeps failing)
//! is reported and the others go on; an expired connection or a long rate-limit wait stops the
//! sync, because every other stream would meet it too.

use std::collections::HashMap;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use pw_domain::{AdAccountId, MetricLevel};
use pw_workspaces::{AdAccountRow, AdDataWriter, AudienceRow};
use tokio_util::sync::CancellationToken;

mod rows;
mod signals;
#[cfg(test)]
mod tests;

use rows::{metric_rows, write_entities};

use crate::connector::Connector;
use crate::error::{ConnectorError, Result};
use crate::normalise::yesterday_in;
use crate::records::{DayWindow, EntityStream, Page, RemoteAccount, RemoteEntity, RemoteMetric};
use crate::repository::{
    Connection, ConnectionStore, EntityCursor, ReportCursor, link_account, put_cursor,
};
use crate::runs::{StreamProblem, StreamProgress, StreamState, SyncReport};

/// How far back a first sync reads when the person names no start.
pub const FIRST_SYNC_DAYS: u32 = 90;

/// Where a sync reports its progress.
pub trait SyncObserver: Send + Sync {
    /// `fraction` of the whole sync, and what it is doing, in words.
    fn progress(&self, fraction: f64, message: String) -> impl Future<Output = ()> + Send;
}

/// One run of a sync.
pub struct SyncPlan<'a> {
    pub store: &'a ConnectionStore,
    pub connection: &'a Connection,
    pub run_id: &'a str,
    /// The first day to read when a stream has no cursor (and the earliest day re-read).
    pub requested_from: Option<NaiveDate>,
    /// Progress from an earlier attempt of this run (resumed), or empty.
    pub streams: Vec<StreamProgress>,
    pub cancel: CancellationToken,
    pub now: DateTime<Utc>,
}

/// How a sync ended.
pub struct SyncOutcome {
    pub report: SyncReport,
    /// The error that stopped the whole sync (an expired connection, a long wait).
    pub stopped_by: Option<ConnectorError>,
}

fn stream_key_for_level(level: MetricLevel) -> String {
    format!("metrics:{}", level.as_str())
}

fn level_of(stream: &str) -> Option<MetricLevel> {
    stream.strip_prefix("metrics:").and_then(|l| l.parse().ok())
}

fn entity_stream_of(stream: &str) -> Option<EntityStream> {
    EntityStream::ALL.into_iter().find(|s| s.as_str() == stream)
}

/// Runs the sync with `connector`.
pub async fn run<C: Connector>(
    connector: &C,
    plan: SyncPlan<'_>,
    observer: &impl SyncObserver,
) -> Result<SyncOutcome> {
    let SyncPlan {
        store,
        connection,
        run_id,
        requested_from,
        mut streams,
        cancel,
        now,
    } = plan;
    let platform = connector.platform();
    let known: Vec<RemoteAccount> = store
        .accounts(&connection.id)
        .await?
        .into_iter()
        .map(|a| a.account)
        .collect();
    let mut accounts_problem = None;
    let listed = match connector.accounts().await {
        Ok(accounts) => {
            store.save_accounts(connection, &accounts).await?;
            accounts
        }
        // The list of accounts could not be read, but the accounts it held last time can
        // still be synced: the report says new accounts may be missing.
        Err(error)
            if !known.is_empty()
                && !matches!(
                    error,
                    ConnectorError::Reconnect { .. } | ConnectorError::RateLimited { .. }
                ) =>
        {
            tracing::warn!(platform = platform.as_str(), %error, "the account list could not be read; syncing the known accounts");
            accounts_problem = Some(StreamProblem::of(&error));
            known
        }
        Err(error) => {
            let problem = StreamProblem::of(&error);
            let report = SyncReport::of(platform, &streams, false, Some(&problem));
            return Ok(SyncOutcome {
                report,
                stopped_by: Some(error),
            });
        }
    };
    let selected: Vec<RemoteAccount> = store
        .accounts(&connection.id)
        .await?
        .into_iter()
        .filter(|a| {
            a.selected
                && listed
                    .iter()
                    .any(|l| l.external_id == a.account.external_id)
        })
        .map(|a| a.account)
        .collect();
    if streams.is_empty() {
        for account in &selected {
            let mut names: Vec<String> = EntityStream::ALL
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect();
            names.extend(
                connector
                    .report_levels()
                    .iter()
                    .map(|l| stream_key_for_level(*l)),
            );
            if connector.has_signals() {
                names.push("signals".to_owned());
            }
            names.push("audiences".to_owned());
            streams.extend(
                names
                    .into_iter()
                    .map(|n| StreamProgress::new(&account.external_id, &account.name, n)),
            );
        }
    }
    store.save_streams(run_id, &streams).await?;
    let total = streams.len().max(1);
    let mut stopped_by: Option<ConnectorError> = None;
    let mut cancelled = false;
    for account in &selected {
        let ad_account_id = match store_account(store, connection, account).await {
            Ok(id) => id,
            Err(error) => return Err(error),
        };
        let indices: Vec<usize> = (0..streams.len())
            .filter(|i| streams[*i].account == account.external_id)
            .collect();
        for index in indices {
            if matches!(streams[index].state, StreamState::Done) {
                continue;
            }
            if stopped_by.is_some() || cancelled {
                streams[index].state = StreamState::Skipped;
                continue;
            }
            if cancel.is_cancelled() {
                cancelled = true;
                continue;
            }
            streams[index].state = StreamState::Running;
            streams[index].problem = None;
            let done_before = streams
                .iter()
                .filter(|s| s.state == StreamState::Done)
                .count();
            let fraction = done_before as f64 / total as f64;
            observer
                .progress(
                    fraction,
                    format!("{} · {}", account.name, streams[index].words()),
                )
                .await;
            let stream_name = streams[index].stream.clone();
            let mut step = StreamStep {
                store,
                connection,
                account,
                ad_account_id,
                progress: &mut streams[index],
                cancel: &cancel,
                now,
                requested_from,
                run_id,
            };
            let outcome = if let Some(stream) = entity_stream_of(&stream_name) {
                step.entities(connector, stream).await
            } else if let Some(level) = level_of(&stream_name) {
                step.reports(connector, level, observer, fraction, 1.0 / total as f64)
                    .await
            } else if stream_name == "signals" {
                step.signals(connector).await
            } else {
                step.audiences(connector).await
            };
            let progress = &mut streams[index];
            match outcome {
                Ok(()) => progress.state = StreamState::Done,
                Err(ConnectorError::Cancelled) => {
                    progress.state = StreamState::Pending;
                    cancelled = true;
                }
                Err(error) => {
                    tracing::warn!(platform = platform.as_str(), stream = %progress.stream, %error, "a stream did not finish");
                    progress.state = StreamState::Failed;
                    progress.problem = Some(StreamProblem::of(&error));
                    if matches!(
                        error,
                        ConnectorError::Reconnect { .. } | ConnectorError::RateLimited { .. }
                    ) {
                        stopped_by = Some(error);
                    } else if matches!(error, ConnectorError::Store(_) | ConnectorError::Secrets(_))
                    {
                        // The machine's own failure: retrying the job is the right answer.
                        store.save_streams(run_id, &streams).await?;
                        return Err(error);
                    }
                }
            }
            store.save_streams(run_id, &streams).await?;
        }
    }
    let fatal = stopped_by.as_ref().map(StreamProblem::of);
    let mut report = SyncReport::of(platform, &streams, cancelled, fatal.as_ref());
    if let Some(problem) = accounts_problem {
        report.note_accounts_problem(problem);
    }
    Ok(SyncOutcome { report, stopped_by })
}

/// Stores the account's row and names the connection on it; its stored id.
async fn store_account(
    store: &ConnectionStore,
    connection: &Connection,
    account: &RemoteAccount,
) -> Result<AdAccountId> {
    let mut tx = store.database().begin_write().await?;
    let ids = AdDataWriter::new(&mut tx)
        .ad_accounts(&[AdAccountRow {
            id: AdAccountId::new(),
            workspace_id: connection.workspace_id,
            platform: connection.platform,
            external_id: account.external_id.clone(),
            name: account.name.clone(),
            currency: account.currency.clone(),
            time_zone: account.time_zone.clone(),
        }])
        .await?;
    let id = ids
        .into_iter()
        .next()
        .ok_or_else(|| ConnectorError::Invalid("the account was not stored".into()))?;
    link_account(&mut tx, id, &connection.id).await?;
    tx.commit().await?;
    Ok(id)
}

struct StreamStep<'a> {
    store: &'a ConnectionStore,
    connection: &'a Connection,
    account: &'a RemoteAccount,
    ad_account_id: AdAccountId,
    progress: &'a mut StreamProgress,
    cancel: &'a CancellationToken,
    now: DateTime<Utc>,
    requested_from: Option<NaiveDate>,
    run_id: &'a str,
}

impl StreamStep<'_> {
    fn check_cancelled(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            Err(ConnectorError::Cancelled)
        } else {
            Ok(())
        }
    }

    async fn entities<C: Connector>(&mut self, connector: &C, stream: EntityStream) -> Result<()> {
        let key = stream.as_str();
        let since: Option<DateTime<Utc>> = match self
            .store
            .cursor(&self.connection.id, &self.account.external_id, key)
            .await?
        {
            Some(text) => serde_json::from_str::<EntityCursor>(&text)
                .ok()
                .map(|c| c.changed_since),
            None => None,
        };
        // Parents' stored ids, for the children's rows.
        let parents = match stream {
            EntityStream::AdGroups => {
                self.store
                    .entity_ids(self.ad_account_id, MetricLevel::Campaign)
                    .await?
            }
            EntityStream::Ads => {
                self.store
                    .entity_ids(self.ad_account_id, MetricLevel::AdGroup)
                    .await?
            }
            _ => HashMap::new(),
        };
        let creatives = match stream {
            EntityStream::Ads => self.store.creative_ids(self.ad_account_id).await?,
            _ => HashMap::new(),
        };
        let mut newest = since;
        // A record left out (a value that could not be mapped, a parent not stored) is not
        // written; the cursor then stays where it was, so the next sync reads it again instead
        // of moving past it for good.
        let mut left_out = false;
        let mut token = None;
        loop {
            self.check_cancelled()?;
            let page = connector
                .entity_page(self.account, stream, since, token.take())
                .await?;
            self.progress.pages += 1;
            left_out |= !page.issues.is_empty();
            self.progress.note_issues(page.issues);
            let changed: Vec<RemoteEntity> = page
                .records
                .into_iter()
                .filter(|r| match (since, r.updated_at()) {
                    (Some(since), Some(at)) => at >= since,
                    _ => true,
                })
                .collect();
            for record in &changed {
                if let Some(at) = record.updated_at() {
                    newest = Some(newest.map_or(at, |n| n.max(at)));
                }
            }
            let mut issues = Vec::new();
            let mut tx = self.store.database().begin_write().await?;
            let written = {
                let mut writer = AdDataWriter::new(&mut tx);
                write_entities(
                    &mut writer,
                    self.connection,
                    self.ad_account_id,
                    &changed,
                    &parents,
                    &creatives,
                    &mut issues,
                )
                .await?
            };
            left_out |= !issues.is_empty();
            let last = page.next.is_none();
            if last
                && !left_out
                && let Some(newest) = newest
            {
                let cursor = serde_json::to_string(&EntityCursor {
                    changed_since: newest,
                })
                .unwrap_or_default();
                put_cursor(
                    &mut tx,
                    self.connection,
                    &self.account.external_id,
                    key,
                    &cursor,
                )
                .await?;
            }
            tx.commit().await?;
            self.progress.records += written;
            self.progress.note_issues(issues);
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(()),
            }
        }
    }

    /// The days this run reads for a report stream: from after what an earlier attempt of
    /// this run stored, or from the restatement window before the cursor, or (first sync) from
    /// the requested day, up to yesterday in the account's zone.
    fn report_window<C: Connector>(
        &self,
        connector: &C,
        cursor: Option<ReportCursor>,
    ) -> Option<DayWindow> {
        let rules = connector.report_rules();
        let until = yesterday_in(&self.account.time_zone, self.now);
        let oldest = until - chrono::Days::new(u64::from(rules.history_days));
        let from = match (self.progress.window, self.progress.done_through) {
            (Some(window), Some(done)) => done.succ_opt()?.max(window.from),
            (Some(window), None) => window.from,
            (None, _) => {
                let first = self
                    .requested_from
                    .unwrap_or_else(|| until - chrono::Days::new(u64::from(FIRST_SYNC_DAYS - 1)));
                match cursor {
                    Some(cursor) => {
                        let restated = cursor.synced_through
                            - chrono::Days::new(u64::from(
                                rules.restatement_days.saturating_sub(1),
                            ));
                        let from = match self.requested_from {
                            Some(requested) => restated.min(requested),
                            None => restated,
                        };
                        // A backfill an earlier sync did not finish is continued.
                        cursor
                            .pending_from
                            .map_or(from, |pending| from.min(pending))
                    }
                    None => first,
                }
            }
        }
        .max(oldest);
        (from <= until).then_some(DayWindow { from, until })
    }

    async fn reports<C: Connector>(
        &mut self,
        connector: &C,
        level: MetricLevel,
        observer: &impl SyncObserver,
        fraction_before: f64,
        fraction_span: f64,
    ) -> Result<()> {
        let key = stream_key_for_level(level);
        let cursor = self
            .store
            .cursor(&self.connection.id, &self.account.external_id, &key)
            .await?
            .and_then(|text| serde_json::from_str::<ReportCursor>(&text).ok());
        let Some(window) = self.report_window(connector, cursor) else {
            return Ok(());
        };
        if self.progress.window.is_none() {
            self.progress.window = Some(window);
            self.store
                .save_streams_of_one(self.run_id, self.progress)
                .await?;
        }
        let entity_ids = self.store.entity_ids(self.ad_account_id, level).await?;
        let whole = self.progress.window.unwrap_or(window);
        let mut pending: Vec<DayWindow> = window.chunks(connector.report_rules().window_days);
        pending.reverse();
        while let Some(chunk) = pending.pop() {
            self.check_cancelled()?;
            match self
                .report_chunk(connector, level, chunk, whole.until, &entity_ids, cursor)
                .await
            {
                Ok(()) => {}
                Err(ConnectorError::TooMuchData { platform }) => match chunk.halves() {
                    Some((first, second)) => {
                        tracing::info!(
                            platform = platform.as_str(),
                            days = chunk.days(),
                            "report too large; splitting the range"
                        );
                        pending.push(second);
                        pending.push(first);
                        continue;
                    }
                    None => {
                        return Err(ConnectorError::Unavailable {
                            platform,
                            attempts: 1,
                            detail: format!("it could not produce the report of {}", chunk.from),
                        });
                    }
                },
                Err(error) => return Err(error),
            }
            let done = (chunk.until - whole.from).num_days() as f64 + 1.0;
            let share = (done / whole.days().max(1) as f64).clamp(0.0, 1.0);
            observer
                .progress(
                    fraction_before + fraction_span * share,
                    format!(
                        "{} · {} · through {}",
                        self.account.name,
                        self.progress.words(),
                        chunk.until
                    ),
                )
                .await;
        }
        Ok(())
    }

    /// One window of a report: its pages written as they come (the next page fetched while the
    /// current one is written), the cursor and the run's checkpoint with the last page.
    async fn report_chunk<C: Connector>(
        &mut self,
        connector: &C,
        level: MetricLevel,
        chunk: DayWindow,
        window_until: NaiveDate,
        entity_ids: &HashMap<String, uuid::Uuid>,
        cursor: Option<ReportCursor>,
    ) -> Result<()> {
        let key = stream_key_for_level(level);
        // The entity-days this window holds now: a stored day the platform no longer reports
        // (a restated day without delivery) is removed when the window is complete, but only
        // when every row of the window was read (a row left out as unreadable must not take
        // its stored day with it). Platforms are asked for every entity whatever its status
        // (Meta's insights filter), so an archived ad's days are not taken for vanished.
        let mut seen: Vec<String> = Vec::new();
        let mut complete = true;
        let known: String = serde_json::to_string(&match level {
            MetricLevel::Account => vec![self.ad_account_id.to_string()],
            _ => entity_ids
                .values()
                .map(|id| id.hyphenated().to_string())
                .collect(),
        })
        .unwrap_or_default();
        let mut page: Page<RemoteMetric> = connector
            .report_page(self.account, level, chunk, None)
            .await?;
        loop {
            self.check_cancelled()?;
            self.progress.pages += 1;
            let next_token = page.next.take();
            let mut issues = std::mem::take(&mut page.issues);
            let rows = metric_rows(
                self.connection,
                self.account,
                self.ad_account_id,
                level,
                page.records,
                entity_ids,
                &mut issues,
            );
            let last = next_token.is_none();
            let synced_through = cursor.map_or(chunk.until, |c| c.synced_through.max(chunk.until));
            // Where a later sync starts when this one stops before the window's end (a backfill
            // cancelled mid-way is continued, not abandoned below the cursor).
            let pending_from = (chunk.until < window_until)
                .then(|| chunk.until.succ_opt())
                .flatten();
            complete &= issues.is_empty();
            seen.extend(
                rows.iter()
                    .map(|r| format!("{}|{}", r.entity.id().hyphenated(), r.date)),
            );
            let seen_now = &seen;
            let known = &known;
            let remove_vanished = last && complete;
            let write = async {
                let mut tx = self.store.database().begin_write().await?;
                AdDataWriter::new(&mut tx)
                    .account_metrics(self.ad_account_id, &rows)
                    .await?;
                if remove_vanished {
                    let removed = sqlx::query(
                        "DELETE FROM daily_metrics WHERE level = ?1 AND date BETWEEN ?2 AND ?3
                         AND entity_id IN (SELECT value FROM json_each(?4))
                         AND (entity_id || '|' || date) NOT IN (SELECT value FROM json_each(?5))",
                    )
                    .bind(level.as_str())
                    .bind(chunk.from.to_string())
                    .bind(chunk.until.to_string())
                    .bind(known)
                    .bind(serde_json::to_string(seen_now).unwrap_or_default())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if removed > 0 {
                        tracing::info!(
                            level = level.as_str(),
                            removed,
                            "days the platform no longer reports were removed"
                        );
                    }
                }
                if last {
                    let text = serde_json::to_string(&ReportCursor {
                        synced_through,
                        pending_from,
                    })
                    .unwrap_or_default();
                    put_cursor(
                        &mut tx,
                        self.connection,
                        &self.account.external_id,
                        &key,
                        &text,
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok::<u64, ConnectorError>(rows.len() as u64)
            };
            let fetch = async {
                match &next_token {
                    Some(token) => Some(
                        connector
                            .report_page(self.account, level, chunk, Some(token.clone()))
                            .await,
                    ),
                    None => None,
                }
            };
            let (written, next) = tokio::join!(write, fetch);
            self.progress.records += written?;
            self.progress.note_issues(issues);
            match next {
                Some(next) => page = next?,
                None => {
                    self.progress.done_through = Some(chunk.until);
                    self.store
                        .save_streams_of_one(self.run_id, self.progress)
                        .await?;
                    return Ok(());
                }
            }
        }
    }

    async fn audiences<C: Connector>(&mut self, connector: &C) -> Result<()> {
        let mut token = None;
        loop {
            self.check_cancelled()?;
            let page = connector.audience_page(self.account, token.take()).await?;
            self.progress.pages += 1;
            self.progress.note_issues(page.issues);
            let rows: Vec<AudienceRow> = page
                .records
                .iter()
                .map(|a| AudienceRow {
                    id: pw_domain::AudienceId::new(),
                    workspace_id: self.connection.workspace_id,
                    ad_account_id: Some(self.ad_account_id),
                    platform: self.connection.platform,
                    external_id: Some(a.external_id.clone()),
                    name: a.name.clone(),
                    kind: a.kind,
                    size_lower: a.size_lower,
                    size_upper: a
                        .size_upper
                        .filter(|upper| a.size_lower.is_none_or(|lower| *upper >= lower)),
                    interests: a.interests.clone(),
                    demographics: a.demographics.clone(),
                })
                .collect();
            let mut tx = self.store.database().begin_write().await?;
            AdDataWriter::new(&mut tx).audiences(&rows).await?;
            tx.commit().await?;
            self.progress.records += rows.len() as u64;
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(()),
            }
        }
    }
}

impl ConnectionStore {
    /// Saves one stream's progress into its run's list (a checkpoint mid-stream).
    async fn save_streams_of_one(&self, run_id: &str, progress: &StreamProgress) -> Result<()> {
        let mut run = self.run(run_id).await?;
        if let Some(stored) = run
            .streams
            .iter_mut()
            .find(|s| s.account == progress.account && s.stream == progress.stream)
        {
            *stored = progress.clone();
        }
        self.save_streams(run_id, &run.streams).await
    }
}
