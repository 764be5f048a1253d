//! The behaviour-signal stream (GA4's sessions, YouTube's views): stored as audience signals
//! over the report days, re-read over the restatement window, with the signals a window no
//! longer holds removed once it was read whole.

use pw_workspaces::AdDataWriter;

use super::StreamStep;
use crate::connector::Connector;
use crate::error::Result;
use crate::repository::{ReportCursor, put_cursor};

impl StreamStep<'_> {
    /// A platform's audience behaviour over the report days (re-read over its restatement
    /// window like its metrics), stored as audience signals: a signal reported again updates
    /// its figures (its natural key is its words, day and `external_id`).
    pub(super) async fn signals<C: Connector>(&mut self, connector: &C) -> Result<()> {
        let cursor = self
            .store
            .cursor(&self.connection.id, &self.account.external_id, "signals")
            .await?
            .and_then(|text| serde_json::from_str::<ReportCursor>(&text).ok());
        let Some(window) = self.report_window(connector, cursor) else {
            return Ok(());
        };
        if self.progress.window.is_none() {
            self.progress.window = Some(window);
        }
        let whole_until = self.progress.window.map_or(window.until, |w| w.until);
        for chunk in window.chunks(connector.report_rules().window_days) {
            let mut token = None;
            // The signals this window holds now: one the platform no longer reports (GA4
            // re-attributes "(not set)" sessions within two days) is removed when the window
            // was read whole, as a vanished day of metrics is.
            let mut seen: Vec<String> = Vec::new();
            let mut complete = true;
            loop {
                self.check_cancelled()?;
                let page = connector
                    .signal_page(self.account, chunk, token.take())
                    .await?;
                self.progress.pages += 1;
                complete &= page.issues.is_empty();
                self.progress.note_issues(page.issues);
                let rows: Vec<pw_workspaces::SignalRow> = page
                    .records
                    .iter()
                    .map(|signal| pw_workspaces::SignalRow {
                        workspace_id: self.connection.workspace_id,
                        audience_id: None,
                        kind: signal.kind,
                        source: self.connection.platform.as_str().to_owned(),
                        text: signal.text.clone(),
                        topic: signal.topic.clone(),
                        sentiment: None,
                        intent: None,
                        volume: signal.volume,
                        occurred_on: signal.occurred_on,
                        // Which account said it: what a later window's clean-up is held to.
                        metadata: {
                            let mut metadata = signal.metadata.clone();
                            if let Some(fields) = metadata.as_object_mut() {
                                fields.insert(
                                    "account".into(),
                                    self.account.external_id.clone().into(),
                                );
                            }
                            metadata
                        },
                    })
                    .collect();
                let mut tx = self.store.database().begin_write().await?;
                let ids = AdDataWriter::new(&mut tx).signals(&rows).await?;
                seen.extend(ids.iter().map(|id| id.to_string()));
                if page.next.is_none() && complete {
                    let removed = sqlx::query(
                        "DELETE FROM audience_signals WHERE workspace_id = ?1 AND source = ?2
                         AND occurred_on BETWEEN ?3 AND ?4 AND json_extract(metadata, '$.account') = ?5
                         AND id NOT IN (SELECT value FROM json_each(?6))",
                    )
                    .bind(self.connection.workspace_id.to_string())
                    .bind(self.connection.platform.as_str())
                    .bind(chunk.from.to_string())
                    .bind(chunk.until.to_string())
                    .bind(&self.account.external_id)
                    .bind(serde_json::to_string(&seen).unwrap_or_default())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if removed > 0 {
                        tracing::info!(
                            removed,
                            "signals the platform no longer reports were removed"
                        );
                    }
                }
                if page.next.is_none() {
                    let text = serde_json::to_string(&ReportCursor {
                        synced_through: cursor
                            .map_or(chunk.until, |c| c.synced_through.max(chunk.until)),
                        pending_from: (chunk.until < whole_until)
                            .then(|| chunk.until.succ_opt())
                            .flatten(),
                    })
                    .unwrap_or_default();
                    put_cursor(
                        &mut tx,
                        self.connection,
                        &self.account.external_id,
                        "signals",
                        &text,
                    )
                    .await?;
                }
                tx.commit().await?;
                self.progress.records += rows.len() as u64;
                match page.next {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
            self.progress.done_through = Some(chunk.until);
            self.store
                .save_streams_of_one(self.run_id, self.progress)
                .await?;
        }
        Ok(())
    }
}
