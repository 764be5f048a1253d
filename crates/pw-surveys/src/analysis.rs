//! The survey analysis agent: a run's strategic report (findings, segment differences,
//! implications, recommended actions) written by a model from the run's result tables, and
//! kept only where it holds.
//!
//! The model reads each table as one line under its handle (`Q:buy`, `X:buy×segment`, …) and
//! may cite only those handles (its answer's schema lists them). Every item is checked after
//! generation against the tables it cites ([`check_item`]): an item that cites nothing, cites a
//! table it was not shown, or states a figure its tables do not state is dropped and counted.
//! The caveats come from the diagnostics, the weighting and the fidelity harness, never from
//! the model. A model whose answer stays broken after one repair leaves a report with its
//! caveats and tables and nothing of the model's, saying so; transient failures (rate limits,
//! dropped connections) fail the job for it to try again.

use chrono::{DateTime, Utc};
use pw_domain::StudyId;
use pw_llm::prompt_budget::{self, Part};
use pw_llm::{CacheMode, CallScope, ChatMessage, ChatRequest, Gateway, Task};
use pw_store::{Database, TypedColumns, format_instant, now_instant};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;

use crate::analysis_tables::{CitedItem, TableLine};
use crate::answering::lasting;
use crate::definition::Survey;
use crate::error::{Result, SurveysError};
use crate::figure_check::{DroppedItem, check_item};
use crate::results::ResultOptions;
use crate::runs::SurveyRun;

pub const REPORT_VERSION: &str = "survey-report/1";
/// Low: the report says what the tables say.
pub const REPORT_TEMPERATURE: f32 = 0.2;
/// What the table lines may take at first. The gateway does not know each model's context, so
/// the first ask is generous (a cloud model reads every table of a large survey) and a model
/// that says the prompt is too long (the embedded one reads 2,048 tokens) is asked again with
/// fewer tables, by how much it overflowed.
const FIRST_LISTING_TOKENS: u32 = 6_000;
const REPLY_TOKENS: u32 = 850;
/// The prompt's tokens besides the tables (instructions, system message, chat template).
const INSTRUCTION_TOKENS: u32 = 260;
/// Asks of a prompt that did not fit, shrinking each time.
const FITTING_ASKS: usize = 3;
/// Figures tokenize a digit at a time on small models: a line of tables is counted at two
/// characters a token, not four.
const CHARACTERS_PER_TOKEN: usize = 2;

/// The report's sections, each item with the tables it cites.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportBody {
    pub findings: Vec<CitedItem>,
    pub segments: Vec<CitedItem>,
    pub implications: Vec<CitedItem>,
    pub actions: Vec<CitedItem>,
    /// From the diagnostics, the weighting and the fidelity harness; not the model's.
    pub caveats: Vec<CitedItem>,
    /// What the model wrote that did not hold against the tables, and why.
    #[serde(default)]
    pub dropped: Vec<DroppedItem>,
}

/// The tables a report rests on: every line made for it, the handles the model read (all of
/// them, unless the model's context could not hold them; none when no ask fit), and how many
/// respondents had answered.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReportTables {
    pub lines: Vec<TableLine>,
    pub shown: Vec<String>,
    pub respondents: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyReport {
    pub id: String,
    pub run_id: StudyId,
    pub version: i64,
    pub written_by: String,
    pub weighted: bool,
    pub temperature: f64,
    pub items_checked: i64,
    pub items_dropped: i64,
    pub created_at: DateTime<Utc>,
    pub tables: ReportTables,
    pub body: ReportBody,
}

impl SurveyReport {
    /// A table's line by its handle.
    pub fn table(&self, handle: &str) -> Option<&TableLine> {
        self.tables.lines.iter().find(|t| t.table == handle)
    }
}

/// An item as the model wrote it; one without its text or citations is not an item.
#[derive(Debug, Default, Deserialize)]
struct ModelItem {
    text: String,
    tables: Vec<String>,
}

/// A section left out is empty (vendors in plain JSON mode often leave empty ones out).
#[derive(Debug, Default, Deserialize)]
struct ModelReport {
    #[serde(default)]
    findings: Vec<ModelItem>,
    #[serde(default)]
    segments: Vec<ModelItem>,
    #[serde(default)]
    implications: Vec<ModelItem>,
    #[serde(default)]
    actions: Vec<ModelItem>,
}

const SECTIONS: [&str; 4] = ["findings", "segments", "implications", "actions"];

/// The model's answer read, tolerating a Markdown fence around it; an object with none of the
/// report's sections is not the answer asked for (a vendor in plain JSON mode may answer any
/// object).
fn read_answer(text: &str) -> std::result::Result<ModelReport, String> {
    let trimmed = text.trim();
    let start = trimmed.find('{').unwrap_or(0);
    let end = trimmed.rfind('}').map_or(trimmed.len(), |end| end + 1);
    let object = trimmed.get(start..end).unwrap_or(trimmed);
    let value: Value = serde_json::from_str(object).map_err(|e| e.to_string())?;
    if !SECTIONS.iter().any(|section| value.get(section).is_some()) {
        return Err(format!("the answer has none of {}", SECTIONS.join(", ")));
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// The no-answer mark a report is written by when the model gave nothing usable.
pub const NO_USABLE_ANSWER: &str = "no usable answer";

/// How long the model's answer may be: items per section and characters per item. The first
/// ask's longest answer (12 items of 200 characters with their citations) fits the reply's
/// tokens; the repair after an unreadable answer (most often one cut short) asks for less.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AnswerSize {
    findings: usize,
    segments: usize,
    implications: usize,
    actions: usize,
    characters: usize,
}

const FIRST_ANSWER: AnswerSize = AnswerSize {
    findings: 4,
    segments: 3,
    implications: 2,
    actions: 3,
    characters: 200,
};

const REPAIR_ANSWER: AnswerSize = AnswerSize {
    findings: 2,
    segments: 2,
    implications: 1,
    actions: 2,
    characters: 150,
};

/// The answer's schema: each section a short list of items whose citations are the handles
/// shown, so a model held to it cannot cite a table it was not shown.
fn report_schema(handles: &[&str], size: AnswerSize) -> Value {
    let item = json!({
        "type": "object",
        "properties": {
            "text": { "type": "string", "minLength": 1, "maxLength": size.characters },
            "tables": {
                "type": "array",
                "items": { "type": "string", "enum": handles },
                "minItems": 1,
                "maxItems": 3
            }
        },
        "required": ["text", "tables"],
        "additionalProperties": false
    });
    let section = |most: usize| json!({ "type": "array", "items": item, "maxItems": most });
    json!({
        "type": "object",
        "properties": {
            "findings": section(size.findings),
            "segments": section(size.segments),
            "implications": section(size.implications),
            "actions": section(size.actions)
        },
        "required": ["findings", "segments", "implications", "actions"],
        "additionalProperties": false
    })
}

fn estimated_tokens(line: &TableLine) -> u32 {
    (line.line.chars().count() / CHARACTERS_PER_TOKEN + 1) as u32
}

/// The lines that fit `budget` estimated tokens, in the order made (weights and questions
/// first, then by priority).
pub fn fitting_lines(lines: &[TableLine], budget: u32) -> Vec<&TableLine> {
    let parts: Vec<Part> = lines
        .iter()
        .map(|line| Part {
            priority: line.priority,
            tokens: estimated_tokens(line),
            required: false,
        })
        .collect();
    // No part is required, so fitting cannot fail.
    prompt_budget::fit(&parts, budget)
        .unwrap_or_default()
        .into_iter()
        .map(|i| &lines[i])
        .collect()
}

/// The next budget after a prompt of `listed` estimated tokens came to `requested` tokens
/// (reply included) where the model reads `limit`: the tables' real tokens are scaled to what
/// is left once the instructions and the reply are counted, with a margin.
pub fn shrunk_budget(listed: u32, requested: u32, limit: u32) -> u32 {
    let fixed = REPLY_TOKENS + INSTRUCTION_TOKENS;
    if limit <= fixed {
        return 0;
    }
    let real = requested.saturating_sub(fixed).max(1) as f64;
    let room = limit.saturating_sub(fixed) as f64 * 0.9;
    let scaled = (listed as f64 * room / real).floor() as u32;
    // Always smaller, so the asks end.
    scaled.min(listed.saturating_sub(1))
}

/// What the model made of the tables.
enum Drafted {
    Written(ModelReport, String),
    /// The prompt did not fit: it came to `requested` tokens with the reply, of `limit`.
    TooLong {
        requested: u32,
        limit: u32,
    },
    /// No usable answer, and why.
    Unusable(String),
}

/// What the writer was given to write from.
pub struct ReportInput<'a> {
    pub run: &'a SurveyRun,
    pub survey: &'a Survey,
    /// Respondents whose answers the tables rest on.
    pub respondents: usize,
    pub lines: Vec<TableLine>,
    pub caveats: Vec<CitedItem>,
    pub options: ResultOptions,
}

pub struct ReportWriter<'a> {
    pub db: &'a Database,
    pub gateway: &'a Gateway,
    pub job_id: Option<&'a str>,
}

impl ReportWriter<'_> {
    /// Writes and stores the run's next report version; returns it.
    pub async fn write(&self, input: ReportInput<'_>) -> Result<SurveyReport> {
        let mut budget = FIRST_LISTING_TOKENS;
        let mut asks = 0;
        let (shown, drafted, written_by) = loop {
            let shown = fitting_lines(&input.lines, budget);
            asks += 1;
            let unusable =
                |why: String| (ModelReport::default(), format!("{NO_USABLE_ANSWER}: {why}"));
            // A model whose context holds no table at all is not asked: an answer could only
            // cite nothing.
            if shown.is_empty() {
                let (report, by) = unusable(format!(
                    "not even one result table fits the model's context ({budget} tokens were left for them)"
                ));
                break (Vec::new(), report, by);
            }
            match self.ask(&input, &shown).await? {
                Drafted::Written(report, by) => break (shown, report, by),
                Drafted::TooLong { requested, limit } if asks < FITTING_ASKS => {
                    let listed: u32 = shown.iter().map(|l| estimated_tokens(l)).sum();
                    budget = shrunk_budget(listed, requested, limit);
                    tracing::info!(
                        requested,
                        limit,
                        budget,
                        "the report's tables did not fit; asking with fewer"
                    );
                }
                Drafted::TooLong { requested, limit } => {
                    let (report, by) = unusable(format!(
                        "the tables did not fit the model's {limit} tokens ({requested} asked)"
                    ));
                    // The model read none of them.
                    break (Vec::new(), report, by);
                }
                Drafted::Unusable(why) => {
                    let (report, by) = unusable(why);
                    break (shown, report, by);
                }
            }
        };
        let question_ids: Vec<&str> = input
            .survey
            .questions
            .iter()
            .map(|q| q.id.as_str())
            .collect();
        let shown_lines: Vec<TableLine> = shown.iter().map(|l| (*l).clone()).collect();
        let mut checked = 0i64;
        let mut dropped: Vec<DroppedItem> = Vec::new();
        let mut keep = |section: &str, drafts: Vec<ModelItem>, needs_crosstab: bool| {
            let mut kept = Vec::new();
            for draft in drafts {
                checked += 1;
                match check_item(
                    &draft.text,
                    &draft.tables,
                    &shown_lines,
                    &question_ids,
                    needs_crosstab,
                ) {
                    Ok(cited) => kept.push(CitedItem {
                        text: draft.text.trim().to_owned(),
                        tables: cited.into_iter().map(|t| t.table.clone()).collect(),
                    }),
                    Err(reason) => {
                        tracing::info!(%reason, "a report item was dropped");
                        dropped.push(DroppedItem {
                            section: section.to_owned(),
                            text: draft.text.trim().to_owned(),
                            tables: draft.tables,
                            reason: reason.to_string(),
                        });
                    }
                }
            }
            kept
        };
        let findings = keep("findings", drafted.findings, false);
        let segments = keep("segments", drafted.segments, true);
        let implications = keep("implications", drafted.implications, false);
        let actions = keep("actions", drafted.actions, false);
        let items_dropped = dropped.len() as i64;
        let body = ReportBody {
            findings,
            segments,
            implications,
            actions,
            caveats: input.caveats.clone(),
            dropped,
        };
        let tables = ReportTables {
            shown: shown.iter().map(|l| l.table.clone()).collect(),
            lines: input.lines,
            respondents: input.respondents,
        };
        self.store(
            input.run,
            &input.options,
            &written_by,
            checked,
            items_dropped,
            &tables,
            &body,
        )
        .await
    }

    /// The model's draft and who wrote it, or why there is none: the prompt did not fit, its
    /// answer stayed broken after a repair, or it refused.
    async fn ask(&self, input: &ReportInput<'_>, shown: &[&TableLine]) -> Result<Drafted> {
        let listing: String = shown.iter().map(|l| format!("{}\n", l.line)).collect();
        let prompt = |size: AnswerSize| {
            format!(
                "Survey: {}\nResult tables, one per line, each starting with its handle:\n{listing}\nWrite the survey's report for a marketer as a JSON object with the keys findings, segments, implications and actions, each a list of items {{\"text\": …, \"tables\": [handles]}}: up to {} findings (what the results show), up to {} differences between segments or groups (only from X: tables), up to {} implications for the brand, and up to {} recommended actions, each under {} characters. Every item cites the handles of the tables it rests on (for example [\"{}\"]). Use only what the tables say; state every figure as the table gives it (shares with their % sign), and no figure it does not give.",
                input.survey.title,
                size.findings,
                size.segments,
                size.implications,
                size.actions,
                size.characters,
                shown.first().map_or("Q:…", |l| l.table.as_str()),
            )
        };
        let handles: Vec<&str> = shown.iter().map(|l| l.table.as_str()).collect();
        let schema = report_schema(&handles, FIRST_ANSWER);
        // Asked anew each time: a report is written on demand, and "write again" must not hand
        // back the cached answer (or a cached broken one) as a new version.
        let mut scope =
            CallScope::study(input.run.workspace_id.to_string(), input.run.id.to_string())
                .with_cache(CacheMode::Refresh);
        if let Some(job) = self.job_id {
            scope = scope.with_job(job);
        }
        let mut request = ChatRequest::new(
            Task::Analysis,
            vec![
                ChatMessage::system(
                    "You are a quantitative market researcher. You report only what the result tables show, and cite them.",
                ),
                ChatMessage::user(prompt(FIRST_ANSWER)),
            ],
        )
        .in_scope(scope);
        request.temperature = Some(REPORT_TEMPERATURE);
        request.max_tokens = Some(REPLY_TOKENS);
        let reply = match self
            .gateway
            .chat_matching(&request, &schema, "survey_report")
            .await
        {
            Ok(reply) => reply,
            Err(pw_llm::LlmError::ContextTooLong {
                requested, limit, ..
            }) => return Ok(Drafted::TooLong { requested, limit }),
            Err(error) if lasting(&error) => {
                tracing::warn!(%error, "the model wrote no usable report");
                return Ok(Drafted::Unusable(error.to_string()));
            }
            Err(error) => return Err(SurveysError::Model(error)),
        };
        let written_by = format!("{}/{}", reply.vendor, reply.model);
        match read_answer(&reply.text) {
            Ok(report) => return Ok(Drafted::Written(report, written_by)),
            Err(error) => {
                // Most often the answer ran past the reply's tokens and was cut: the same
                // tables are asked again for a shorter answer (the broken one is not sent back,
                // which would take the room the tables need).
                tracing::info!(%error, "the report's answer was not readable; asking for a shorter one");
            }
        }
        // The shorter answer is asked for in words as well as by the schema: a vendor that does
        // not enforce the schema reads the words.
        let schema = report_schema(&handles, REPAIR_ANSWER);
        if let Some(last) = request.messages.last_mut() {
            *last = ChatMessage::user(prompt(REPAIR_ANSWER));
        }
        match self
            .gateway
            .chat_matching(&request, &schema, "survey_report")
            .await
        {
            Ok(reply) => Ok(match read_answer(&reply.text) {
                Ok(report) => Drafted::Written(report, format!("{}/{}", reply.vendor, reply.model)),
                Err(e) => Drafted::Unusable(format!(
                    "{written_by} wrote JSON that could not be read twice: {e}"
                )),
            }),
            Err(error) if lasting(&error) => Ok(Drafted::Unusable(error.to_string())),
            Err(error) => Err(SurveysError::Model(error)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn store(
        &self,
        run: &SurveyRun,
        options: &ResultOptions,
        written_by: &str,
        checked: i64,
        dropped: i64,
        tables: &ReportTables,
        body: &ReportBody,
    ) -> Result<SurveyReport> {
        let corrupt = |e: serde_json::Error| SurveysError::Corrupt(format!("report: {e}"));
        let body_json = serde_json::to_string(body).map_err(corrupt)?;
        let tables_json = serde_json::to_string(tables).map_err(corrupt)?;
        let id = uuid::Uuid::now_v7().to_string();
        let mut tx = self.db.begin_write().await?;
        let version: i64 = sqlx::query_scalar(
            "SELECT coalesce(max(version), 0) + 1 FROM survey_reports WHERE run_id = ?",
        )
        .bind(run.id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO survey_reports (id, workspace_id, run_id, version, written_by, weighted,
                                         temperature, tables, body, items_checked,
                                         items_dropped, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(run.workspace_id.to_string())
        .bind(run.id.to_string())
        .bind(version)
        .bind(written_by)
        .bind(options.weighted)
        .bind(options.temperature)
        .bind(&tables_json)
        .bind(&body_json)
        .bind(checked)
        .bind(dropped)
        .bind(format_instant(now_instant()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        by_id(self.db, &id)
            .await?
            .ok_or_else(|| SurveysError::Corrupt("the report just written is missing".into()))
    }
}

/// The run's latest report, if one was written.
pub async fn latest(db: &Database, run: StudyId) -> Result<Option<SurveyReport>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT_COLUMNS} WHERE run_id = ? ORDER BY version DESC LIMIT 1"
    )))
    .bind(run.to_string())
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| report_of(&row)).transpose()
}

/// One report version by its id.
async fn by_id(db: &Database, id: &str) -> Result<Option<SurveyReport>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{REPORT_COLUMNS} WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(db.reader())
    .await?;
    row.map(|row| report_of(&row)).transpose()
}

const REPORT_COLUMNS: &str =
    "SELECT id, run_id, version, written_by, weighted, temperature, tables, body,
        items_checked, items_dropped, created_at
 FROM survey_reports";

fn report_of(row: &sqlx::sqlite::SqliteRow) -> Result<SurveyReport> {
    let corrupt = |e: serde_json::Error| SurveysError::Corrupt(format!("stored report: {e}"));
    let tables: String = row.try_get("tables")?;
    let body: String = row.try_get("body")?;
    Ok(SurveyReport {
        id: row.try_get("id")?,
        run_id: row.parsed("run_id")?,
        version: row.try_get("version")?,
        written_by: row.try_get("written_by")?,
        weighted: row.try_get("weighted")?,
        temperature: row.try_get("temperature")?,
        items_checked: row.try_get("items_checked")?,
        items_dropped: row.try_get("items_dropped")?,
        created_at: row.instant("created_at")?,
        tables: serde_json::from_str(&tables).map_err(corrupt)?,
        body: serde_json::from_str(&body).map_err(corrupt)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(table: &str, characters: usize, priority: u32) -> TableLine {
        TableLine {
            table: table.into(),
            line: "x".repeat(characters),
            figures: Vec::new(),
            intervals: Vec::new(),
            names: Vec::new(),
            priority,
        }
    }

    #[test]
    fn lines_that_do_not_fit_go_by_priority_and_keep_their_order() {
        let lines = vec![
            line("W:weights", 200, 0),
            line("Q:a", 600, 0),
            line("D:a", 1200, 5),
            line("X:a×segment", 400, 2),
            line("Q:b", 600, 0),
        ];
        let kept: Vec<&str> = fitting_lines(&lines, 850)
            .iter()
            .map(|l| l.table.as_str())
            .collect();
        // 101 + 301 + 301 tokens for the weights and questions, 201 for the crosstab: 904 is
        // over 850, so the crosstab (priority 2) waits and the diagnostics never fit.
        assert_eq!(kept, ["W:weights", "Q:a", "Q:b"]);
        assert_eq!(fitting_lines(&lines, 2_000).len(), 5);
    }

    #[test]
    fn a_prompt_that_overflowed_is_shrunk_by_how_much_it_did() {
        // 1,000 estimated tokens of tables came to 2,960 with the 850-token reply and 260 of
        // instructions where 2,048 fit: the tables took 1,850 real tokens and 938 are left for
        // them, so with the margin 456 estimated tokens go in next time.
        assert_eq!(shrunk_budget(1_000, 2_960, 2_048), 456);
        // A model that overflows by a token still gets a smaller prompt.
        assert!(shrunk_budget(1_000, 2_049, 2_048) < 1_000);
        assert_eq!(shrunk_budget(0, 5_000, 2_048), 0);
        // A context that cannot hold the reply and the instructions leaves no room for tables.
        assert_eq!(shrunk_budget(1_000, 1_500, 1_024), 0);
    }

    #[test]
    fn an_answer_is_read_through_a_fence_and_only_with_every_section() {
        let fenced = "```json\n{\"findings\": [{\"text\": \"a\", \"tables\": [\"Q:a\"]}], \"segments\": [], \"implications\": [], \"actions\": []}\n```";
        assert_eq!(read_answer(fenced).unwrap().findings.len(), 1);
        assert!(
            read_answer("{\"summary\": \"all good\"}").is_err(),
            "any other object is not the answer asked for"
        );
        let partial = read_answer("Here it is: {\"findings\": []}").unwrap();
        assert!(partial.findings.is_empty() && partial.actions.is_empty());
    }

    #[test]
    fn the_schema_lets_the_model_cite_only_the_tables_shown() {
        let schema = report_schema(&["Q:a", "X:a×segment"], FIRST_ANSWER);
        assert_eq!(
            schema["properties"]["findings"]["items"]["properties"]["tables"]["items"]["enum"],
            json!(["Q:a", "X:a×segment"])
        );
        assert_eq!(schema["properties"]["actions"]["maxItems"], json!(3));
        let shorter = report_schema(&["Q:a"], REPAIR_ANSWER);
        assert_eq!(shorter["properties"]["findings"]["maxItems"], json!(2));
        assert_eq!(
            shorter["properties"]["findings"]["items"]["properties"]["text"]["maxLength"],
            json!(150)
        );
    }
}
