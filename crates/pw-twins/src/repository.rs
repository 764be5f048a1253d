//! The repositories of the twins context's tables (`twins`, `twin_versions`, `twin_memories`,
//! `memory_versions`, `memory_evidence`), and the evidence it reads to build twins (audiences,
//! live signals and the rows behind them) with SQL of its own; it never writes those.

use chrono::{DateTime, Utc};
use pw_domain::{AudienceId, MemoryId, TwinId, WorkspaceId};
use pw_store::{Database, StoreError, TypedColumns, format_instant, now_instant, parse_stored};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::error::{Result, TwinsError};
use crate::grounded_memory::SignalFacts;
use crate::profile::Profile;
use crate::vocabulary::{EditedBy, EvidenceSource, Fragment, MemoryKind, WrittenBy};

/// What a memory rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceLink {
    pub source: EvidenceSource,
    /// For a row: its table (`audience_signals`, `daily_metrics`, `metric_breakdowns`,
    /// `creatives`, `audiences`).
    pub table: Option<String>,
    /// A signal's, memory's or turn's id, or a row's key as `signal_rows` writes it.
    pub key: String,
    /// What the evidence said when the memory was written.
    pub snapshot: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Memory {
    pub id: MemoryId,
    pub twin_id: TwinId,
    pub kind: MemoryKind,
    pub fragment: Fragment,
    pub content: String,
    /// 1-10.
    pub importance: u8,
    /// The order the twin's memories were written in.
    pub seq: i64,
    /// The twin's access clock when this memory was last recalled (0: never).
    pub last_accessed: i64,
    pub version: i64,
    pub written_by: WrittenBy,
    pub evidence: Vec<EvidenceLink>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwinSummary {
    pub id: TwinId,
    pub workspace_id: WorkspaceId,
    pub audience_id: Option<AudienceId>,
    pub audience_name: Option<String>,
    pub name: String,
    pub summary: String,
    pub age: u8,
    pub gender: String,
    pub occupation: String,
    pub version: i64,
    /// Live memories.
    pub memories: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Twin {
    #[serde(flatten)]
    pub summary: TwinSummary,
    pub profile: Profile,
    /// The derived signals it was cast on.
    pub casting: Vec<String>,
    pub seed: u64,
    /// The vendor/model that wrote the first profile.
    pub written_by: String,
    pub memories: Vec<Memory>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwinVersion {
    pub version: i64,
    pub name: String,
    pub profile: Profile,
    pub edited_by: EditedBy,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// A memory to store with a new twin, or to add to one.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMemory {
    pub kind: MemoryKind,
    pub fragment: Fragment,
    pub content: String,
    pub importance: u8,
    pub written_by: WrittenBy,
    pub evidence: Vec<EvidenceLink>,
    /// The embedding model and the vector, when one answered.
    pub embedding: Option<(String, Vec<f32>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTwin {
    pub id: TwinId,
    pub workspace_id: WorkspaceId,
    pub audience_id: AudienceId,
    pub name: String,
    pub profile: Profile,
    pub casting: Vec<String>,
    pub seed: u64,
    pub written_by: String,
    pub memories: Vec<NewMemory>,
}

/// An audience as twin creation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct AudienceFacts {
    pub id: AudienceId,
    pub name: String,
    pub platform: String,
    pub kind: String,
    pub interests: Vec<String>,
    /// The platform's targeting: `age_min`, `age_max`, `genders`, `locations`.
    pub demographics: Value,
}

/// A live signal with what a twin's memory quotes of it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredSignal {
    pub facts: SignalFacts,
    pub statement: String,
    /// About the workspace's whole public, not this audience alone.
    pub workspace_wide: bool,
}

/// A row behind a signal, with its text where it has one (a mention's words).
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub table: String,
    pub key: String,
    pub text: Option<String>,
}

pub struct TwinStore<'a> {
    db: &'a Database,
}

fn corrupt(what: &str, error: impl std::fmt::Display) -> TwinsError {
    TwinsError::Corrupt(format!("{what}: {error}"))
}

fn importance_from(value: f64) -> u8 {
    value.round().clamp(1.0, 10.0) as u8
}

/// The vector as the little-endian f32 BLOB the evidence layer stores too.
fn vector_bytes(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn vector_from(bytes: &[u8]) -> Option<Vec<f32>> {
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

const SUMMARY_SQL: &str = "SELECT t.id, t.workspace_id, t.audience_id, a.name AS audience_name,
        t.name, t.persona, t.version, t.created_at,
        (SELECT count(*) FROM twin_memories m WHERE m.twin_id = t.id AND m.retired_at IS NULL)
            AS memories
     FROM twins t LEFT JOIN audiences a ON a.id = t.audience_id";

impl<'a> TwinStore<'a> {
    pub fn new(db: &'a Database) -> Self {
        TwinStore { db }
    }

    pub async fn workspace_exists(&self, workspace: WorkspaceId) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM workspaces WHERE id = ?")
            .bind(workspace.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .is_some())
    }

    pub async fn audience(
        &self,
        workspace: WorkspaceId,
        audience: AudienceId,
    ) -> Result<AudienceFacts> {
        let row = sqlx::query(
            "SELECT id, name, platform, kind, interests, demographics FROM audiences
             WHERE id = ? AND workspace_id = ?",
        )
        .bind(audience.to_string())
        .bind(workspace.to_string())
        .fetch_optional(self.db.reader())
        .await?
        .ok_or_else(|| TwinsError::AudienceNotFound(audience.to_string()))?;
        let interests: String = row.try_get("interests")?;
        let demographics: String = row.try_get("demographics")?;
        Ok(AudienceFacts {
            id: row.parsed("id")?,
            name: row.try_get("name")?,
            platform: row.try_get("platform")?,
            kind: row.try_get("kind")?,
            // The platform's description as it came: unreadable JSON describes nothing.
            interests: serde_json::from_str::<pw_domain::InterestNames>(&interests)
                .map(|names| names.0)
                .unwrap_or_default(),
            demographics: serde_json::from_str(&demographics).unwrap_or(Value::Null),
        })
    }

    /// The audience's live signals and the workspace-wide ones.
    pub async fn signals(
        &self,
        workspace: WorkspaceId,
        audience: AudienceId,
    ) -> Result<Vec<StoredSignal>> {
        let rows = sqlx::query(
            "SELECT id, kind, signal_key, statement, strength, support_share, q_value,
                    audience_id IS NULL AS workspace_wide
             FROM signals
             WHERE workspace_id = ?1 AND retired_at IS NULL
               AND (audience_id = ?2 OR audience_id IS NULL)
             ORDER BY id",
        )
        .bind(workspace.to_string())
        .bind(audience.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(StoredSignal {
                    facts: SignalFacts {
                        id: row.try_get("id")?,
                        kind: row.try_get("kind")?,
                        key: row.try_get("signal_key")?,
                        strength: row.try_get("strength")?,
                        support_share: row.try_get("support_share")?,
                        q_value: row.try_get("q_value")?,
                    },
                    statement: row.try_get("statement")?,
                    workspace_wide: row.try_get("workspace_wide")?,
                })
            })
            .collect()
    }

    /// Up to `limit` of the rows a signal describes (its segment, not its baseline), with a
    /// mention's text: mentions first, as they are what a person said.
    pub async fn segment_rows(&self, signal_id: &str, limit: u32) -> Result<Vec<SegmentRow>> {
        let rows = sqlx::query(
            "SELECT r.source_table, r.row_key, s.text FROM signal_rows r
             LEFT JOIN audience_signals s
                    ON r.source_table = 'audience_signals' AND s.id = r.row_key
             WHERE r.signal_id = ?1 AND r.role = 'segment'
             ORDER BY s.text IS NULL, r.row_key LIMIT ?2",
        )
        .bind(signal_id)
        .bind(i64::from(limit))
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SegmentRow {
                    table: row.try_get("source_table")?,
                    key: row.try_get("row_key")?,
                    text: row.try_get("text")?,
                })
            })
            .collect()
    }

    pub async fn twin_exists(&self, id: TwinId) -> Result<bool> {
        Ok(sqlx::query("SELECT 1 FROM twins WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .is_some())
    }

    /// The names of the audience's twins, so a new one is not given one of them.
    pub async fn names(&self, audience: AudienceId) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM twins WHERE audience_id = ? ORDER BY name")
                .bind(audience.to_string())
                .fetch_all(self.db.reader())
                .await?,
        )
    }

    /// Stores a new twin with its first version and memories, in one transaction. A twin whose
    /// id is already stored is left as it is (a retried job creates nothing twice).
    pub async fn insert(&self, twin: &NewTwin) -> Result<bool> {
        let now = format_instant(now_instant());
        let persona = serde_json::to_string(&twin.profile).map_err(|e| corrupt("profile", e))?;
        let casting = serde_json::to_string(&twin.casting).map_err(|e| corrupt("casting", e))?;
        let id = twin.id.to_string();
        let workspace = twin.workspace_id.to_string();
        let mut tx = self.db.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO twins (id, workspace_id, audience_id, name, persona, created_at,
                                updated_at, version, casting, seed, written_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1, ?7, ?8, ?9)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&id)
        .bind(&workspace)
        .bind(twin.audience_id.to_string())
        .bind(&twin.name)
        .bind(&persona)
        .bind(&now)
        .bind(&casting)
        // SQLite integers are signed: the seed's bits are kept as they are.
        .bind(twin.seed as i64)
        .bind(&twin.written_by)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO twin_versions (twin_id, workspace_id, version, name, persona, edited_by,
                                        note, created_at)
             VALUES (?, ?, 1, ?, ?, 'model', 'created from the audience''s evidence', ?)",
        )
        .bind(&id)
        .bind(&workspace)
        .bind(&twin.name)
        .bind(&persona)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        // Each memory is an event of the twin's memory clock: the first is tick 1.
        for (seq, memory) in twin.memories.iter().enumerate() {
            let seq = seq as i64;
            insert_memory(&mut tx, twin.id, &workspace, seq, seq + 1, memory, &now).await?;
        }
        sqlx::query("UPDATE twins SET memory_clock = ? WHERE id = ?")
            .bind(twin.memories.len() as i64)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn list(
        &self,
        workspace: WorkspaceId,
        audience: Option<AudienceId>,
    ) -> Result<Vec<TwinSummary>> {
        let sql = format!(
            "{SUMMARY_SQL} WHERE t.workspace_id = ?1 AND t.archived_at IS NULL
               AND (?2 IS NULL OR t.audience_id = ?2)
             ORDER BY a.name, t.created_at, t.name"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace.to_string())
            .bind(audience.map(|a| a.to_string()))
            .fetch_all(self.db.reader())
            .await?;
        let mut twins = Vec::with_capacity(rows.len());
        for row in &rows {
            match summary_from(row) {
                Ok((summary, _)) => twins.push(summary),
                // One twin a newer build wrote is left out, so the others still list.
                Err(error) => tracing::warn!(%error, "a twin could not be read; left out"),
            }
        }
        Ok(twins)
    }

    pub async fn twin(&self, id: TwinId) -> Result<Twin> {
        let sql = format!("{SUMMARY_SQL} WHERE t.id = ?1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(self.db.reader())
            .await?
            .ok_or_else(|| TwinsError::TwinNotFound(id.to_string()))?;
        let (summary, profile) = summary_from(&row)?;
        let extra = sqlx::query("SELECT casting, seed, written_by FROM twins WHERE id = ?")
            .bind(id.to_string())
            .fetch_one(self.db.reader())
            .await?;
        let casting: String = extra.try_get("casting")?;
        let seed: i64 = extra.try_get("seed")?;
        Ok(Twin {
            summary,
            profile,
            casting: serde_json::from_str(&casting).map_err(|e| corrupt("a twin's casting", e))?,
            seed: seed as u64,
            written_by: extra.try_get("written_by")?,
            memories: self.memories(id).await?,
        })
    }

    /// The twin's live memories, in the order they were written, each with its evidence.
    pub async fn memories(&self, twin: TwinId) -> Result<Vec<Memory>> {
        let rows = sqlx::query(
            "SELECT id, twin_id, kind, fragment, content, importance, seq, last_accessed,
                    version, written_by, created_at, updated_at
             FROM twin_memories WHERE twin_id = ? AND retired_at IS NULL ORDER BY seq",
        )
        .bind(twin.to_string())
        .fetch_all(self.db.reader())
        .await?;
        let links = sqlx::query(
            "SELECT e.memory_id, e.source, e.source_table, e.ref_key, e.snapshot
             FROM memory_evidence e JOIN twin_memories m ON m.id = e.memory_id
             WHERE m.twin_id = ? AND m.retired_at IS NULL
             ORDER BY e.memory_id, e.source DESC, e.source_table, e.ref_key",
        )
        .bind(twin.to_string())
        .fetch_all(self.db.reader())
        .await?;
        let mut memories: Vec<Memory> = rows.iter().map(memory_from).collect::<Result<_>>()?;
        for link in &links {
            let memory_id: MemoryId = link.parsed("memory_id")?;
            let table: String = link.try_get("source_table")?;
            if let Some(memory) = memories.iter_mut().find(|m| m.id == memory_id) {
                memory.evidence.push(EvidenceLink {
                    source: link.parsed("source")?,
                    table: (!table.is_empty()).then_some(table),
                    key: link.try_get("ref_key")?,
                    snapshot: link.try_get("snapshot")?,
                });
            }
        }
        Ok(memories)
    }

    /// The twin's live memories' vectors from `model`, by memory id.
    pub async fn memory_vectors(
        &self,
        twin: TwinId,
        model: &str,
    ) -> Result<Vec<(MemoryId, Vec<f32>)>> {
        let rows = sqlx::query(
            "SELECT id, embedding FROM twin_memories
             WHERE twin_id = ? AND retired_at IS NULL AND embedding_model = ?
               AND embedding IS NOT NULL",
        )
        .bind(twin.to_string())
        .bind(model)
        .fetch_all(self.db.reader())
        .await?;
        let mut vectors = Vec::with_capacity(rows.len());
        for row in &rows {
            let bytes: Vec<u8> = row.try_get("embedding")?;
            if let Some(vector) = vector_from(&bytes) {
                vectors.push((row.parsed("id")?, vector));
            }
        }
        Ok(vectors)
    }

    /// Keeps a memory's vector from `model` (written by recall for memories a session added).
    pub async fn set_memory_vector(
        &self,
        memory: MemoryId,
        model: &str,
        vector: &[f32],
    ) -> Result<()> {
        sqlx::query("UPDATE twin_memories SET embedding = ?, embedding_model = ? WHERE id = ?")
            .bind(vector_bytes(vector))
            .bind(model)
            .bind(memory.to_string())
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    pub async fn versions(&self, twin: TwinId) -> Result<Vec<TwinVersion>> {
        if !self.twin_exists(twin).await? {
            return Err(TwinsError::TwinNotFound(twin.to_string()));
        }
        let rows = sqlx::query(
            "SELECT version, name, persona, edited_by, note, created_at FROM twin_versions
             WHERE twin_id = ? ORDER BY version DESC",
        )
        .bind(twin.to_string())
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let persona: String = row.try_get("persona")?;
                Ok(TwinVersion {
                    version: row.try_get("version")?,
                    name: row.try_get("name")?,
                    profile: serde_json::from_str(&persona)
                        .map_err(|e| corrupt("a twin version's profile", e))?,
                    edited_by: row.parsed("edited_by")?,
                    note: row.try_get("note")?,
                    created_at: row.instant("created_at")?,
                })
            })
            .collect()
    }

    /// Saves an edit of the twin's name and profile as a new version, if the twin is still at
    /// `expected_version` (another window's edit is never silently overwritten).
    pub async fn edit_twin(
        &self,
        twin: TwinId,
        expected_version: i64,
        name: &str,
        profile: &Profile,
        note: &str,
    ) -> Result<i64> {
        let persona = serde_json::to_string(profile).map_err(|e| corrupt("profile", e))?;
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        let current: Option<(i64, String)> =
            sqlx::query_as("SELECT version, workspace_id FROM twins WHERE id = ?")
                .bind(twin.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let (current, workspace) =
            current.ok_or_else(|| TwinsError::TwinNotFound(twin.to_string()))?;
        if current != expected_version {
            return Err(TwinsError::EditConflict {
                what: "this twin".into(),
                current,
            });
        }
        let version = current + 1;
        sqlx::query(
            "UPDATE twins SET name = ?, persona = ?, version = ?, updated_at = ? WHERE id = ?",
        )
        .bind(name.trim())
        .bind(&persona)
        .bind(version)
        .bind(&now)
        .bind(twin.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO twin_versions (twin_id, workspace_id, version, name, persona, edited_by,
                                        note, created_at)
             VALUES (?, ?, ?, ?, ?, 'user', ?, ?)",
        )
        .bind(twin.to_string())
        .bind(&workspace)
        .bind(version)
        .bind(name.trim())
        .bind(&persona)
        .bind(note)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Saves an edit of a memory's words and importance as a new version (its evidence stays:
    /// the user's words now stand on it, marked as theirs).
    pub async fn edit_memory(
        &self,
        memory: MemoryId,
        expected_version: i64,
        content: &str,
        importance: u8,
        note: &str,
    ) -> Result<i64> {
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        let current: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, workspace_id FROM twin_memories WHERE id = ? AND retired_at IS NULL",
        )
        .bind(memory.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let (current, workspace) =
            current.ok_or_else(|| TwinsError::MemoryNotFound(memory.to_string()))?;
        if current != expected_version {
            return Err(TwinsError::EditConflict {
                what: "this memory".into(),
                current,
            });
        }
        let version = current + 1;
        // The vector described the old words; it is recomputed when the memory is next used.
        sqlx::query(
            "UPDATE twin_memories SET content = ?, importance = ?, version = ?, written_by = 'user',
                    updated_at = ?, embedding = NULL, embedding_model = NULL
             WHERE id = ?",
        )
        .bind(content.trim())
        .bind(f64::from(importance))
        .bind(version)
        .bind(&now)
        .bind(memory.to_string())
        .execute(&mut *tx)
        .await?;
        insert_memory_version(
            &mut tx,
            memory,
            &workspace,
            version,
            content.trim(),
            importance,
            WrittenBy::User,
            note,
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Adds memories to a twin all together or not at all (a reflection's several insights:
    /// a run killed half way must not leave half of them, which would reset the twin's
    /// reflection clock with the rest unwritten).
    pub async fn add_memories(
        &self,
        twin: TwinId,
        memories: &[NewMemory],
    ) -> Result<Vec<MemoryId>> {
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        let workspace: String = sqlx::query_scalar("SELECT workspace_id FROM twins WHERE id = ?")
            .bind(twin.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| TwinsError::TwinNotFound(twin.to_string()))?;
        let mut ids = Vec::with_capacity(memories.len());
        for memory in memories {
            ids.push(append_memory(&mut tx, twin, &workspace, memory, &now).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Adds a memory to a twin (a user's note, a session's turn, a reflection).
    pub async fn add_memory(&self, twin: TwinId, memory: &NewMemory) -> Result<MemoryId> {
        self.add_memories(twin, std::slice::from_ref(memory))
            .await?
            .pop()
            .ok_or_else(|| TwinsError::Corrupt("a memory just written is missing".into()))
    }

    /// Retires a memory: it is never recalled again, but what cited it still reads.
    pub async fn retire_memory(&self, memory: MemoryId) -> Result<()> {
        let now = format_instant(now_instant());
        let mut tx = self.db.begin_write().await?;
        let current: Option<(i64, String, String, f64)> = sqlx::query_as(
            "SELECT version, workspace_id, content, importance FROM twin_memories
             WHERE id = ? AND retired_at IS NULL",
        )
        .bind(memory.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let (version, workspace, content, importance) =
            current.ok_or_else(|| TwinsError::MemoryNotFound(memory.to_string()))?;
        // The removal is an edit like any other: a version says who removed it and when.
        sqlx::query("UPDATE twin_memories SET retired_at = ?, version = ? WHERE id = ?")
            .bind(&now)
            .bind(version + 1)
            .bind(memory.to_string())
            .execute(&mut *tx)
            .await?;
        insert_memory_version(
            &mut tx,
            memory,
            &workspace,
            version + 1,
            &content,
            importance_from(importance),
            WrittenBy::User,
            "removed by the user",
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn memory(&self, memory: MemoryId) -> Result<Memory> {
        let twin: String = sqlx::query_scalar(
            "SELECT twin_id FROM twin_memories WHERE id = ? AND retired_at IS NULL",
        )
        .bind(memory.to_string())
        .fetch_optional(self.db.reader())
        .await?
        .ok_or_else(|| TwinsError::MemoryNotFound(memory.to_string()))?;
        let twin: TwinId = parse_stored("twin_id", &twin)?;
        self.memories(twin)
            .await?
            .into_iter()
            .find(|m| m.id == memory)
            .ok_or_else(|| TwinsError::MemoryNotFound(memory.to_string()))
    }
}

fn summary_from(row: &SqliteRow) -> Result<(TwinSummary, Profile)> {
    let persona: String = row.try_get("persona")?;
    let profile: Profile =
        serde_json::from_str(&persona).map_err(|e| corrupt("a twin's profile", e))?;
    Ok((
        TwinSummary {
            id: row.parsed("id")?,
            workspace_id: row.parsed("workspace_id")?,
            audience_id: row.parsed_optional("audience_id")?,
            audience_name: row.try_get("audience_name")?,
            name: row.try_get("name")?,
            summary: profile.summary.clone(),
            age: profile.demographics.age,
            gender: profile.demographics.gender.clone(),
            occupation: profile.demographics.occupation.clone(),
            version: row.try_get("version")?,
            memories: row.try_get("memories")?,
            created_at: row.instant("created_at")?,
        },
        profile,
    ))
}

fn memory_from(row: &SqliteRow) -> Result<Memory> {
    let updated_at: Option<String> = row.try_get("updated_at")?;
    Ok(Memory {
        id: row.parsed("id")?,
        twin_id: row.parsed("twin_id")?,
        kind: row.parsed("kind")?,
        fragment: row.parsed("fragment")?,
        content: row.try_get("content")?,
        importance: importance_from(row.try_get("importance")?),
        seq: row.try_get("seq")?,
        last_accessed: row.try_get("last_accessed")?,
        version: row.try_get("version")?,
        written_by: row.parsed("written_by")?,
        evidence: Vec::new(),
        created_at: row.instant("created_at")?,
        updated_at: updated_at
            .map(|text| pw_store::parse_stored_instant("updated_at", &text))
            .transpose()
            .map_err(TwinsError::Store)?,
    })
}

/// Advances the twin's memory clock by one and returns the new tick.
pub(crate) async fn tick_clock(tx: &mut sqlx::SqliteConnection, twin: TwinId) -> Result<i64> {
    sqlx::query_scalar(
        "UPDATE twins SET memory_clock = memory_clock + 1 WHERE id = ? RETURNING memory_clock",
    )
    .bind(twin.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| TwinsError::TwinNotFound(twin.to_string()))
}

/// Stores a memory after the twin's others, as the next event of its memory clock.
pub(crate) async fn append_memory(
    tx: &mut sqlx::SqliteConnection,
    twin: TwinId,
    workspace: &str,
    memory: &NewMemory,
    now: &str,
) -> Result<MemoryId> {
    let seq: i64 =
        sqlx::query_scalar("SELECT coalesce(max(seq) + 1, 0) FROM twin_memories WHERE twin_id = ?")
            .bind(twin.to_string())
            .fetch_one(&mut *tx)
            .await?;
    let tick = tick_clock(&mut *tx, twin).await?;
    insert_memory(tx, twin, workspace, seq, tick, memory, now).await
}

/// Stores a memory as event `accessed` of the twin's memory clock.
pub(crate) async fn insert_memory(
    tx: &mut sqlx::SqliteConnection,
    twin: TwinId,
    workspace: &str,
    seq: i64,
    accessed: i64,
    memory: &NewMemory,
    now: &str,
) -> Result<MemoryId> {
    let id = MemoryId::new();
    let (model, vector) = match &memory.embedding {
        Some((model, vector)) => (Some(model.as_str()), Some(vector_bytes(vector))),
        None => (None, None),
    };
    sqlx::query(
        "INSERT INTO twin_memories (id, workspace_id, twin_id, kind, content, importance,
                                    embedding, created_at, fragment, seq, written_by,
                                    embedding_model, last_accessed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(workspace)
    .bind(twin.to_string())
    .bind(memory.kind.as_str())
    .bind(&memory.content)
    .bind(f64::from(memory.importance))
    .bind(vector)
    .bind(now)
    .bind(memory.fragment.as_str())
    .bind(seq)
    .bind(memory.written_by.as_str())
    .bind(model)
    .bind(accessed)
    .execute(&mut *tx)
    .await?;
    insert_memory_version(
        tx,
        id,
        workspace,
        1,
        &memory.content,
        memory.importance,
        memory.written_by,
        "",
        now,
    )
    .await?;
    for link in &memory.evidence {
        sqlx::query(
            "INSERT OR IGNORE INTO memory_evidence (memory_id, workspace_id, source, source_table,
                                                    ref_key, snapshot)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(workspace)
        .bind(link.source.as_str())
        .bind(link.table.as_deref().unwrap_or(""))
        .bind(&link.key)
        .bind(&link.snapshot)
        .execute(&mut *tx)
        .await?;
    }
    Ok(id)
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row's columns, written together"
)]
async fn insert_memory_version(
    tx: &mut sqlx::SqliteConnection,
    memory: MemoryId,
    workspace: &str,
    version: i64,
    content: &str,
    importance: u8,
    written_by: WrittenBy,
    note: &str,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO memory_versions (memory_id, workspace_id, version, content, importance,
                                      edited_by, note, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(memory.to_string())
    .bind(workspace)
    .bind(version)
    .bind(content)
    .bind(f64::from(importance))
    .bind(written_by.as_str())
    .bind(note)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::from)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_as_little_endian_floats() {
        let vector = vec![0.5f32, -1.25, 3.0];
        assert_eq!(vector_from(&vector_bytes(&vector)).unwrap(), vector);
        assert_eq!(vector_bytes(&[1.0]), vec![0, 0, 0x80, 0x3f]);
        assert_eq!(vector_from(&[1, 2, 3]), None);
    }
}
