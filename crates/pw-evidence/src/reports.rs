//! Grounding reports: per audience a behaviour, an intent and a mentions report, written by a
//! model from the audience's signals (never from raw rows), every claim checked against the
//! signals it cites before anything is stored. A report that keeps no claim is not stored, and
//! a model that fails mid-report leaves the previous version as it was.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use pw_domain::{AudienceId, DerivedSignalId, GroundingReportId, WorkspaceId};
use pw_llm::{CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::{EvidenceError, Result};
use crate::grounding::{self, CheckedClaim, DraftClaim, Dropped};
use crate::signals::{Signal, SignalKind, stored_instant, stored_name_text};

/// Signals shown to the model, strongest evidence first: enough for a page, few enough for a
/// small local model's context.
const SIGNALS_PER_REPORT: usize = 12;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Behavior,
    Intent,
    Mentions,
}

impl ReportKind {
    pub const ALL: [ReportKind; 3] = [
        ReportKind::Behavior,
        ReportKind::Intent,
        ReportKind::Mentions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Behavior => "behavior",
            ReportKind::Intent => "intent",
            ReportKind::Mentions => "mentions",
        }
    }

    pub fn signal_kind(self) -> SignalKind {
        match self {
            ReportKind::Behavior => SignalKind::Behavior,
            ReportKind::Intent => SignalKind::Intent,
            ReportKind::Mentions => SignalKind::MentionTheme,
        }
    }

    fn subject(self) -> &'static str {
        match self {
            ReportKind::Behavior => {
                "what this audience does: which creatives, messages, placements, devices and times win or trail with it, and who it is"
            }
            ReportKind::Intent => {
                "what this audience searches for and how close to buying those searches are"
            }
            ReportKind::Mentions => {
                "what people say: the themes of their mentions and how they feel"
            }
        }
    }
}

stored_name_text!(ReportKind("report kind"));

/// A kept claim with the signals it cites, as they are now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportClaim {
    pub text: String,
    pub signals: Vec<Signal>,
    /// Whether the claim still passes its check against the cited signals as they are now
    /// (all live, and stating its figures). Signals are recomputed when data changes, so a
    /// claim of an older version can stop holding; it is shown as such, never silently.
    pub holds_now: bool,
    /// The cited signals whose statement changed (or that were retired) since the claim was
    /// checked, with what they said then.
    pub changed_since: Vec<ChangedCitation>,
}

/// A cited signal that no longer says what it said when the claim was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedCitation {
    pub signal_id: DerivedSignalId,
    /// Its statement when the claim was checked.
    pub statement_then: String,
    pub retired: bool,
}

/// A stored grounding report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundingReport {
    pub id: GroundingReportId,
    pub workspace_id: WorkspaceId,
    pub audience_id: AudienceId,
    pub kind: ReportKind,
    pub version: i64,
    pub title: String,
    pub written_by: String,
    pub claims_checked: i64,
    pub claims_dropped: i64,
    #[serde(serialize_with = "stored_instant")]
    pub created_at: DateTime<Utc>,
    pub claims: Vec<ReportClaim>,
}

/// A report in a list: its latest version and how many there are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    pub id: GroundingReportId,
    pub audience_id: AudienceId,
    pub kind: ReportKind,
    pub version: i64,
    pub versions: i64,
    pub title: String,
    pub written_by: String,
    pub claims: i64,
    pub claims_checked: i64,
    #[serde(serialize_with = "stored_instant")]
    pub created_at: DateTime<Utc>,
}

/// The report as the model writes it. The bounds keep a small local model short enough to
/// finish within its token budget (its grammar holds it to them; vendors read them as
/// guidance). Length bounds on strings make llama.cpp sample more slowly, which one report
/// can afford (theme names, asked for many themes at once, are left unbounded).
#[derive(Debug, Deserialize, JsonSchema)]
struct ModelReport {
    /// A short title for the report.
    #[schemars(length(min = 1, max = 80))]
    title: String,
    #[schemars(length(min = 1, max = 4))]
    claims: Vec<ModelClaim>,
}

#[derive(Debug, Deserialize, JsonSchema)]
struct ModelClaim {
    /// One sentence a marketer can act on.
    #[schemars(length(min = 1, max = 160))]
    text: String,
    /// The handles of the signals the sentence rests on, such as "S1".
    #[schemars(length(min = 1, max = 3))]
    cites: Vec<Handle>,
}

/// A signal's handle as listed in the prompt.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(transparent)]
struct Handle(#[schemars(regex(pattern = r"^S[1-9][0-9]?$"))] String);

pub struct ReportWriter<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub workspace_id: WorkspaceId,
    pub job_id: Option<&'a str>,
}

impl ReportWriter<'_> {
    /// Writes and stores a new version of `kind` for `audience_id`; returns its id.
    pub async fn write(
        &self,
        audience_id: AudienceId,
        kind: ReportKind,
    ) -> Result<GroundingReportId> {
        let audience_name: String =
            sqlx::query_scalar("SELECT name FROM audiences WHERE id = ? AND workspace_id = ?")
                .bind(audience_id.to_string())
                .bind(self.workspace_id.to_string())
                .fetch_optional(self.db.reader())
                .await?
                .ok_or_else(|| EvidenceError::AudienceNotFound(audience_id.to_string()))?;
        let mut signals: Vec<Signal> = crate::repository::EvidenceStore::new(self.db)
            .signals(self.workspace_id, Some(audience_id), false)
            .await?
            .into_iter()
            .filter(|s| s.kind == kind.signal_kind())
            .collect();
        if signals.is_empty() {
            return Err(EvidenceError::Invalid(format!(
                "{audience_name} has no {} signals to ground a report on; build signals first",
                kind.as_str()
            )));
        }
        // The audience's own signals first, then the strongest evidence.
        signals.sort_by(|a, b| {
            b.audience_id
                .is_some()
                .cmp(&a.audience_id.is_some())
                .then(b.q_value.is_some().cmp(&a.q_value.is_some()))
                .then(b.strength.abs().total_cmp(&a.strength.abs()))
        });
        signals.truncate(SIGNALS_PER_REPORT);
        // A small local model's context may not hold every signal: fewer, strongest first.
        let first = loop {
            match self.ask(&audience_name, kind, &listed(&signals), &[]).await {
                Err(EvidenceError::Model(pw_llm::LlmError::ContextTooLong { .. }))
                    if signals.len() > 2 =>
                {
                    signals.truncate(signals.len() / 2);
                }
                other => break other?,
            }
        };
        let evidence: Vec<String> = signals.iter().map(|s| s.statement.clone()).collect();
        let (mut kept, mut dropped) = grounding::check_claims(&first.claims, &evidence);
        let mut checked = first.claims.len();
        let mut title = first.title;
        let mut written_by = first.written_by;
        // Most claims failed: ask once more, saying why, and keep the better answer.
        if kept.is_empty() || dropped.len() > kept.len() {
            match self
                .ask(&audience_name, kind, &listed(&signals), &dropped)
                .await
            {
                Ok(second) => {
                    let (kept_again, dropped_again) =
                        grounding::check_claims(&second.claims, &evidence);
                    checked += second.claims.len();
                    if kept_again.len() > kept.len() {
                        kept = kept_again;
                        title = second.title;
                        written_by = second.written_by;
                    }
                    dropped.extend(dropped_again);
                }
                // The first answer's grounded claims still stand; with none, the model's
                // failure is the answer.
                Err(error) if !kept.is_empty() => {
                    tracing::warn!(%error, "asking again for a better-grounded report failed");
                }
                Err(error) => return Err(error),
            }
        }
        for reason in &dropped {
            tracing::info!(reason = %reason.reason(), "a report claim was dropped");
        }
        if kept.is_empty() {
            return Err(EvidenceError::Ungrounded {
                checked,
                reasons: dropped.iter().take(3).map(Dropped::reason).collect(),
            });
        }
        let title = if title.trim().is_empty() {
            format!("{} report: {audience_name}", capitalised(kind.as_str()))
        } else {
            title.trim().chars().take(120).collect()
        };
        self.store(
            audience_id,
            kind,
            &title,
            &written_by,
            Checked {
                claims: checked,
                failed: dropped.len(),
            },
            &kept,
            &signals,
        )
        .await
    }

    async fn ask(
        &self,
        audience: &str,
        kind: ReportKind,
        evidence: &[String],
        problems: &[Dropped],
    ) -> Result<AskedReport> {
        let listing: String = evidence
            .iter()
            .enumerate()
            .map(|(i, statement)| format!("{}: {statement}\n", grounding::handle(i)))
            .collect();
        let mut prompt = format!(
            "Audience: {audience}\nSignals:\n{listing}\nWrite a short grounding report about {}. Give a title and two to four claims. Each claim is one plain sentence and cites the handles of the signals it rests on (for example [\"S1\"]). Use only what the signals say; copy numbers exactly as they appear in the signals you cite. A signal marked [whole workspace] describes all of the workspace's data, not this audience alone: say so when you use it.",
            kind.subject()
        );
        if !problems.is_empty() {
            prompt.push_str("\nYour previous answer had claims that could not be kept:\n");
            for problem in problems.iter().take(6) {
                prompt.push_str(&format!("- {}\n", problem.reason()));
            }
            prompt.push_str(
                "Cite only the handles listed, and state only numbers the cited signals state.",
            );
        }
        let scope = match self.job_id {
            Some(job) => CallScope::workspace(self.workspace_id.to_string()).with_job(job),
            None => CallScope::workspace(self.workspace_id.to_string()),
        };
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You are a marketing research analyst. You write only what the evidence you are given supports, and you cite it.",
                ),
                ChatMessage::user(prompt),
            ],
        )
        .in_scope(scope);
        request.temperature = Some(0.2);
        // Enough for four bounded claims and a title (about 900 characters of JSON).
        request.max_tokens = Some(360);
        let answer = self
            .gateway
            .chat_json_answered::<ModelReport>(&request)
            .await
            .map_err(EvidenceError::Model)?;
        Ok(AskedReport {
            title: answer.value.title,
            claims: answer
                .value
                .claims
                .into_iter()
                .map(|c| DraftClaim {
                    text: c.text,
                    cites: c.cites.into_iter().map(|h| h.0).collect(),
                })
                .collect(),
            written_by: format!("{}/{}", answer.vendor, answer.model),
        })
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one row's columns, written together"
    )]
    async fn store(
        &self,
        audience_id: AudienceId,
        kind: ReportKind,
        title: &str,
        written_by: &str,
        checked: Checked,
        kept: &[CheckedClaim],
        signals: &[Signal],
    ) -> Result<GroundingReportId> {
        let id = GroundingReportId::new();
        let id_text = id.to_string();
        let workspace_id = self.workspace_id.to_string();
        let mut tx = self.db.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(version), 0) + 1 FROM grounding_reports
             WHERE audience_id = ? AND kind = ?",
        )
        .bind(audience_id.to_string())
        .bind(kind.as_str())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO grounding_reports (id, workspace_id, audience_id, kind, version, title,
                written_by, claims_checked, claims_dropped, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id_text)
        .bind(&workspace_id)
        .bind(audience_id.to_string())
        .bind(kind.as_str())
        .bind(version)
        .bind(title)
        .bind(written_by)
        .bind(checked.claims as i64)
        // Claims that failed their check; a first answer's sound claims set aside for a better
        // second answer did not fail, and are not counted as dropped.
        .bind(checked.failed as i64)
        .bind(format_instant(now_instant()))
        .execute(&mut *tx)
        .await?;
        for (position, claim) in kept.iter().enumerate() {
            sqlx::query(
                "INSERT INTO grounding_claims (report_id, workspace_id, position, text)
                 VALUES (?, ?, ?, ?)",
            )
            .bind(&id_text)
            .bind(&workspace_id)
            .bind(position as i64)
            .bind(&claim.text)
            .execute(&mut *tx)
            .await?;
            for &signal in &claim.signals {
                sqlx::query(
                    "INSERT INTO claim_citations (report_id, workspace_id, position, signal_id,
                        cited_statement)
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&id_text)
                .bind(&workspace_id)
                .bind(position as i64)
                .bind(signals[signal].id.to_string())
                .bind(&signals[signal].statement)
                .execute(&mut *tx)
                .await?;
            }
        }
        // Touch the report once its claims are written: the outbox trigger then indexes it
        // with its whole text.
        sqlx::query("UPDATE grounding_reports SET title = title WHERE id = ?")
            .bind(&id_text)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// How many claims the model's answers held, and how many of them failed their check.
struct Checked {
    claims: usize,
    failed: usize,
}

struct AskedReport {
    title: String,
    claims: Vec<DraftClaim>,
    written_by: String,
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The signals as the model reads them: the workspace-wide ones (all of the workspace's search
/// terms, say, which belong to no audience) are marked, so a report about one audience does not
/// present them as that audience's. Claims are checked against the bare statements.
fn listed(signals: &[Signal]) -> Vec<String> {
    signals
        .iter()
        .map(|signal| match signal.audience_id {
            Some(_) => signal.statement.clone(),
            None => format!(
                "[whole workspace, not only this audience] {}",
                signal.statement
            ),
        })
        .collect()
}

/// Reads a stored report with its claims and the signals they cite.
pub async fn read_report(db: &Database, id: GroundingReportId) -> Result<GroundingReport> {
    let id_text = id.to_string();
    let row = sqlx::query("SELECT * FROM grounding_reports WHERE id = ?")
        .bind(&id_text)
        .fetch_optional(db.reader())
        .await?
        .ok_or_else(|| EvidenceError::ReportNotFound(id_text.clone()))?;
    let claims = sqlx::query(
        "SELECT position, text FROM grounding_claims WHERE report_id = ? ORDER BY position",
    )
    .bind(&id_text)
    .fetch_all(db.reader())
    .await?;
    let citations = sqlx::query(
        "SELECT position, signal_id, cited_statement FROM claim_citations WHERE report_id = ?
         ORDER BY position, signal_id",
    )
    .bind(&id_text)
    .fetch_all(db.reader())
    .await?;
    let store = crate::repository::EvidenceStore::new(db);
    let mut signals: HashMap<DerivedSignalId, Signal> = HashMap::new();
    let mut cited: HashMap<i64, Vec<(DerivedSignalId, Option<String>)>> = HashMap::new();
    for citation in &citations {
        let position: i64 = citation.try_get("position")?;
        let signal_id: DerivedSignalId = citation.parsed("signal_id")?;
        let statement_then: Option<String> = citation.try_get("cited_statement")?;
        if let Entry::Vacant(vacant) = signals.entry(signal_id) {
            vacant.insert(store.signal(signal_id).await?);
        }
        cited
            .entry(position)
            .or_default()
            .push((signal_id, statement_then));
    }
    Ok(GroundingReport {
        id: row.parsed("id")?,
        workspace_id: row.parsed("workspace_id")?,
        audience_id: row.parsed("audience_id")?,
        kind: row.parsed("kind")?,
        version: row.try_get("version")?,
        title: row.try_get("title")?,
        written_by: row.try_get("written_by")?,
        claims_checked: row.try_get("claims_checked")?,
        claims_dropped: row.try_get("claims_dropped")?,
        created_at: row.instant("created_at")?,
        claims: claims
            .iter()
            .map(|claim| {
                let position: i64 = claim.try_get("position")?;
                let text: String = claim.try_get("text")?;
                let citations = cited.get(&position).map(Vec::as_slice).unwrap_or(&[]);
                let now: Vec<Signal> = citations
                    .iter()
                    .filter_map(|(id, _)| signals.get(id).cloned())
                    .collect();
                let changed_since: Vec<ChangedCitation> = citations
                    .iter()
                    .filter_map(|(id, then)| {
                        let signal = signals.get(id)?;
                        let then = then.as_ref()?;
                        let retired = signal.retired_at.is_some();
                        (retired || *then != signal.statement).then(|| ChangedCitation {
                            signal_id: *id,
                            statement_then: then.clone(),
                            retired,
                        })
                    })
                    .collect();
                Ok(ReportClaim {
                    holds_now: holds_now(&text, &now),
                    changed_since,
                    text,
                    signals: now,
                })
            })
            .collect::<Result<Vec<_>>>()?,
    })
}

/// Whether a stored claim passes its check against its cited signals as they are now.
fn holds_now(text: &str, cited: &[Signal]) -> bool {
    if cited.is_empty() || cited.iter().any(|s| s.retired_at.is_some()) {
        return false;
    }
    let statements: Vec<String> = cited.iter().map(|s| s.statement.clone()).collect();
    let claim = DraftClaim {
        text: text.to_owned(),
        cites: (0..cited.len()).map(grounding::handle).collect(),
    };
    let (kept, _) = grounding::check_claims(std::slice::from_ref(&claim), &statements);
    !kept.is_empty()
}

/// The latest version of each report of a workspace (of one audience, when given).
pub async fn list_reports(
    db: &Database,
    workspace_id: WorkspaceId,
    audience_id: Option<AudienceId>,
) -> Result<Vec<ReportSummary>> {
    let audience_id = audience_id.map(|id| id.to_string());
    let rows = sqlx::query(
        "SELECT r.id, r.audience_id, r.kind, r.version, r.title, r.written_by, r.claims_checked,
                r.created_at,
                (SELECT count(*) FROM grounding_reports v
                 WHERE v.audience_id = r.audience_id AND v.kind = r.kind) AS versions,
                (SELECT count(*) FROM grounding_claims c WHERE c.report_id = r.id) AS claims
         FROM grounding_reports r
         WHERE r.workspace_id = ? AND (? IS NULL OR r.audience_id = ?)
           AND r.version = (SELECT max(version) FROM grounding_reports l
                            WHERE l.audience_id = r.audience_id AND l.kind = r.kind)
         ORDER BY r.audience_id, r.kind",
    )
    .bind(workspace_id.to_string())
    .bind(&audience_id)
    .bind(&audience_id)
    .fetch_all(db.reader())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ReportSummary {
                id: row.parsed("id")?,
                audience_id: row.parsed("audience_id")?,
                kind: row.parsed("kind")?,
                version: row.try_get("version")?,
                versions: row.try_get("versions")?,
                title: row.try_get("title")?,
                written_by: row.try_get("written_by")?,
                claims: row.try_get("claims")?,
                claims_checked: row.try_get("claims_checked")?,
                created_at: row.instant("created_at")?,
            })
        })
        .collect()
}
