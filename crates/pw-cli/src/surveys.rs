//! `profitwheel survey …`: importing a survey file into a workspace, exporting it, listing a
//! workspace's surveys and showing one with its logic.

use std::path::Path;
use std::sync::Arc;

use pw_engine::surveys::{QuestionType, StoredSurvey, SurveyId};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::SurveyCommand;
use crate::evidence::workspace;
use crate::output::Output;
use crate::sessions::read;

pub async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &SurveyCommand,
) -> Result<(), EngineError> {
    match command {
        SurveyCommand::Import {
            workspace: text,
            file,
        } => {
            let id = workspace(engine, text).await?;
            let stored = engine.surveys().import(id, &read(file)?).await?;
            if out.json {
                out.value(&json!(stored.summary));
            } else {
                out.line(&format!(
                    "Imported “{}” ({} questions) as {}.",
                    stored.summary.title, stored.summary.questions, stored.summary.id
                ));
            }
        }
        SurveyCommand::Export { id, out: file } => {
            let json = engine.surveys().export(id.parse::<SurveyId>()?).await?;
            match file {
                Some(path) => {
                    write_whole(path, &json)?;
                    out.line(&format!("Wrote {}", path.display()));
                }
                None => out.line(&json),
            }
        }
        SurveyCommand::List { workspace: text } => {
            let id = workspace(engine, text).await?;
            let surveys = engine.surveys().list(id).await?;
            if out.json {
                out.value(&json!(surveys));
            } else if surveys.is_empty() {
                out.line("No surveys yet: write one (docs/survey-format.md) and run `profitwheel survey import WORKSPACE FILE`.");
            } else {
                for s in surveys {
                    out.line(&format!(
                        "{}  v{:<3} {:>3} questions  {}",
                        s.id, s.version, s.questions, s.title
                    ));
                }
            }
        }
        SurveyCommand::Show { id } => {
            let stored = engine.surveys().survey(id.parse::<SurveyId>()?).await?;
            if out.json {
                out.value(&json!({ "summary": stored.summary, "definition": stored.definition }));
            } else {
                print_survey(out, &stored);
            }
        }
    }
    Ok(())
}

/// Writes a file whole or not at all: a full disk or a read-only folder leaves no half file.
fn write_whole(path: &Path, text: &str) -> Result<(), EngineError> {
    let partial = path.with_extension("partial");
    let io = |source| EngineError::Io {
        path: path.to_owned(),
        source,
    };
    std::fs::write(&partial, text).map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        io(e)
    })?;
    std::fs::rename(&partial, path).map_err(io)
}

fn print_survey(out: &Output, stored: &StoredSurvey) {
    let survey = &stored.definition;
    out.line(&format!(
        "{} (version {}, {} questions)",
        survey.title, stored.summary.version, stored.summary.questions
    ));
    for (n, q) in survey.questions.iter().enumerate() {
        let mut line = format!("{:>3}. [{}] {} ({})", n + 1, q.id, q.text, q.kind.as_str());
        if q.display_if.is_some() {
            line.push_str(" · shown only if its condition holds");
        }
        if !q.skip.is_empty() {
            let targets: Vec<&str> = q.skip.iter().map(|s| s.to.as_str()).collect();
            line.push_str(&format!(" · may skip to {}", targets.join(", ")));
        }
        out.line(&line);
        if matches!(
            q.kind,
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking
        ) {
            for option in &q.options {
                out.line(&format!("       - {} ({})", option.label, option.id));
            }
        }
    }
}
