//! What the index holds, read from the tables: each indexed kind's documents (their text,
//! labels and day) by id or page by page, and how many there are.

use chrono::NaiveDate;
use pw_search::{DocKey, DocKind, SearchDocument, SentimentBand};
use pw_store::Database;
use sqlx::Row;

use super::REBUILD_BATCH;
use crate::error::Result;
use crate::mention_themes::NEUTRAL_BAND;

pub(super) const INDEXED_KINDS: [DocKind; 9] = [
    DocKind::Mention,
    DocKind::SearchTerm,
    DocKind::Behavior,
    DocKind::Creative,
    DocKind::Signal,
    DocKind::Report,
    DocKind::TwinMemory,
    DocKind::Transcript,
    DocKind::OpenEnd,
];

/// How many documents the tables hold for the index.
pub async fn document_count(db: &Database, workspace_id: &str) -> Result<u64> {
    let mut conn = db.reader().acquire().await?;
    document_count_in(&mut conn, workspace_id).await
}

pub(super) async fn document_count_in(
    conn: &mut sqlx::SqliteConnection,
    workspace_id: &str,
) -> Result<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM audience_signals WHERE workspace_id = ?1)
              + (SELECT count(*) FROM creatives WHERE workspace_id = ?1)
              + (SELECT count(*) FROM signals WHERE workspace_id = ?1 AND retired_at IS NULL)
              + (SELECT count(*) FROM grounding_reports WHERE workspace_id = ?1)
              + (SELECT count(*) FROM twin_memories WHERE workspace_id = ?1 AND retired_at IS NULL
                   AND fragment NOT IN ('said', 'heard'))
              + (SELECT count(*) FROM transcript_turns WHERE workspace_id = ?1 AND says <> '')
              + (SELECT count(*) FROM survey_answers WHERE workspace_id = ?1 AND text <> '')",
    )
    .bind(workspace_id)
    .fetch_one(conn)
    .await?;
    Ok(count as u64)
}

fn day_of(text: &str) -> Option<NaiveDate> {
    text.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

fn band(sentiment: Option<f64>) -> Option<SentimentBand> {
    sentiment.map(|s| {
        if s < -NEUTRAL_BAND {
            SentimentBand::Negative
        } else if s > NEUTRAL_BAND {
            SentimentBand::Positive
        } else {
            SentimentBand::Neutral
        }
    })
}

/// The theme facet of the raw row `s`: the name of the live mention theme that lists it, the
/// workspace's own before an audience's. Shared by the index and by a signal build, which
/// re-indexes only the mentions whose theme it changed.
macro_rules! mention_theme_sql {
    () => {
        "(SELECT json_extract(t.detail, '$.name') FROM signal_rows r
          JOIN signals t ON t.id = r.signal_id
          WHERE r.row_key = s.id AND r.source_table = 'audience_signals'
            AND t.kind = 'mention_theme' AND t.retired_at IS NULL
          ORDER BY t.audience_id IS NOT NULL, t.id LIMIT 1)"
    };
}

/// Each mention of workspace `?1` with its theme facet.
pub(crate) const MENTION_THEMES_SQL: &str = concat!(
    "SELECT s.id, ",
    mention_theme_sql!(),
    " AS theme FROM audience_signals s WHERE s.workspace_id = ?1 AND s.kind = 'mention'"
);

/// The SQL that reads one kind's documents; `?1` is the workspace, and the caller appends the
/// id condition. Ordered by id, so a rebuild can page.
fn documents_sql(kind: DocKind) -> Option<&'static str> {
    Some(match kind {
        DocKind::Mention | DocKind::SearchTerm | DocKind::Behavior => concat!(
            "SELECT s.id, NULL AS title, s.text AS body, s.audience_id, s.occurred_on AS day,
                    s.sentiment, coalesce(json_extract(s.metadata, '$.platform'), a.platform,
                                          json_extract(s.metadata, '$.site')) AS platform, ",
            mention_theme_sql!(),
            " AS theme
             FROM audience_signals s LEFT JOIN audiences a ON a.id = s.audience_id
             WHERE s.workspace_id = ?1 AND s.kind = ?2"
        ),
        DocKind::Creative => {
            "SELECT c.id, c.headline AS title,
                    trim(coalesce(c.body, '') || ' ' || coalesce(c.call_to_action, '')) AS body,
                    NULL AS audience_id, c.created_at AS day, NULL AS sentiment,
                    acc.platform AS platform, NULL AS theme
             FROM creatives c JOIN ad_accounts acc ON acc.id = c.ad_account_id
             WHERE c.workspace_id = ?1 AND ?2 = 'creative'"
        }
        DocKind::Signal => {
            "SELECT s.id, NULL AS title, s.statement AS body, s.audience_id, s.computed_at AS day,
                    NULL AS sentiment, NULL AS platform,
                    CASE s.kind WHEN 'mention_theme' THEN json_extract(s.detail, '$.name') END AS theme
             FROM signals s
             WHERE s.workspace_id = ?1 AND ?2 = 'signal' AND s.retired_at IS NULL"
        }
        DocKind::Report => {
            "SELECT r.id, r.title, coalesce((SELECT group_concat(c.text, ' ') FROM
                        (SELECT text FROM grounding_claims WHERE report_id = r.id ORDER BY position) c), '') AS body,
                    r.audience_id, r.created_at AS day, NULL AS sentiment, NULL AS platform,
                    NULL AS theme
             FROM grounding_reports r
             WHERE r.workspace_id = ?1 AND ?2 = 'report'"
        }
        // A twin's memory, titled with the twin's name (the twins context owns the table; the
        // index reads it like the others). What a twin said or heard in a session is indexed
        // once, as the transcript's turn, not again as every participant's memory of it.
        DocKind::TwinMemory => {
            "SELECT m.id, t.name AS title, m.content AS body, t.audience_id,
                    m.created_at AS day, NULL AS sentiment, NULL AS platform, NULL AS theme
             FROM twin_memories m JOIN twins t ON t.id = m.twin_id
             WHERE m.workspace_id = ?1 AND ?2 = 'twin_memory' AND m.retired_at IS NULL
               AND m.fragment NOT IN ('said', 'heard')"
        }
        // A transcript turn: what was said and, in interviews, what the twin thought, titled
        // with who said it.
        DocKind::Transcript => {
            "SELECT u.id, coalesce(t.name, CASE u.speaker WHEN 'researcher' THEN 'Researcher'
                                                  ELSE 'Moderator' END) AS title,
                    trim(u.says || ' ' || coalesce(u.thinks, '')) AS body, t.audience_id,
                    u.created_at AS day, NULL AS sentiment, NULL AS platform, NULL AS theme
             FROM transcript_turns u LEFT JOIN twins t ON t.id = u.twin_id
             WHERE u.workspace_id = ?1 AND ?2 = 'transcript' AND u.says <> ''"
        }
        // A survey respondent's own words (an open end, or the words a rating was rated
        // from), titled with the survey and the question, filed under the respondent's segment.
        DocKind::OpenEnd => {
            "SELECT a.id, s.title || ' · ' || a.question AS title, a.text AS body,
                    p.segment AS audience_id, r.created_at AS day, NULL AS sentiment,
                    NULL AS platform, NULL AS theme
             FROM survey_answers a
             JOIN survey_runs r ON r.id = a.run_id
             JOIN surveys s ON s.id = r.survey_id
             JOIN survey_respondents p ON p.run_id = a.run_id AND p.idx = a.respondent
             WHERE a.workspace_id = ?1 AND ?2 = 'open_end' AND a.text <> ''"
        }
    })
}

fn kind_filter(kind: DocKind) -> &'static str {
    match kind {
        DocKind::SearchTerm => "intent",
        other => other.as_str(),
    }
}

fn document_from(kind: DocKind, row: &sqlx::sqlite::SqliteRow) -> Result<SearchDocument> {
    let id: String = row.try_get("id")?;
    let day: String = row.try_get("day")?;
    Ok(SearchDocument {
        key: DocKey::new(kind, id),
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        platform: row.try_get("platform")?,
        audience_id: row.try_get("audience_id")?,
        theme: row.try_get("theme")?,
        sentiment: band(row.try_get("sentiment")?),
        day: day_of(&day),
    })
}

/// The id column of a kind's documents in [`documents_sql`].
fn id_column(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Creative => "c.id",
        DocKind::Report => "r.id",
        DocKind::TwinMemory => "m.id",
        DocKind::Transcript => "u.id",
        DocKind::OpenEnd => "a.id",
        _ => "s.id",
    }
}

/// The documents of `kind` with these ids (all of the workspace's when `None`).
pub(super) async fn documents(
    db: &Database,
    workspace_id: &str,
    kind: DocKind,
    ids: Option<&[String]>,
) -> Result<Vec<SearchDocument>> {
    let Some(base) = documents_sql(kind) else {
        return Ok(Vec::new());
    };
    let id_column = id_column(kind);
    let mut found = Vec::new();
    let all = [String::new()];
    let chunks: Vec<&[String]> = match ids {
        Some(ids) => ids.chunks(500).collect(),
        None => vec![&all[..0]],
    };
    for chunk in chunks {
        // `?1` and `?2` are the workspace and kind; the ids follow as `?3`, `?4`, …, numbered:
        // sqlx does not number a bare `?` after numbered ones as SQLite itself would.
        let sql = if ids.is_some() {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("?{}", i + 3)).collect();
            format!("{base} AND {id_column} IN ({})", placeholders.join(", "))
        } else {
            base.to_owned()
        };
        let mut bound = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(kind_filter(kind));
        for id in chunk {
            bound = bound.bind(id);
        }
        for row in bound.fetch_all(db.reader()).await? {
            found.push(document_from(kind, &row)?);
        }
    }
    Ok(found)
}

/// One page of a kind's documents after id `after`, in id order, for a rebuild.
pub(super) async fn documents_page(
    conn: &mut sqlx::SqliteConnection,
    workspace_id: &str,
    kind: DocKind,
    after: &str,
) -> Result<Vec<SearchDocument>> {
    let Some(base) = documents_sql(kind) else {
        return Ok(Vec::new());
    };
    let id_column = id_column(kind);
    let sql = format!("{base} AND {id_column} > ?3 ORDER BY {id_column} LIMIT {REBUILD_BATCH}");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(workspace_id)
        .bind(kind_filter(kind))
        .bind(after)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|row| document_from(kind, row)).collect()
}
