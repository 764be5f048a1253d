//! `profitwheel twins …`: creating an audience's twins from its signals, listing them, and
//! reading a twin's profile with every memory's evidence.

use std::sync::Arc;

use pw_engine::twins::{EvidenceSource, Twin, TwinId, TwinSummary};
use pw_engine::{Engine, EngineError};
use serde_json::json;

use crate::TwinsCommand;
use crate::evidence::{audience, run_job, workspace};
use crate::output::Output;

fn twin_lines(out: &Output, twins: &[TwinSummary]) {
    if twins.is_empty() {
        out.line("No twins yet: run `profitwheel twins create WORKSPACE --audience A`.");
        return;
    }
    out.line(&format!(
        "{:<36}  {:<18}  {:<28}  {:>3}  {:<8}  MEMORIES",
        "ID", "NAME", "AUDIENCE", "AGE", "GENDER"
    ));
    for twin in twins {
        out.line(&format!(
            "{:<36}  {:<18}  {:<28}  {:>3}  {:<8}  {}",
            twin.id,
            twin.name,
            twin.audience_name
                .as_deref()
                .unwrap_or("(audience removed)"),
            twin.age,
            twin.gender,
            twin.memories
        ));
    }
}

fn show(out: &Output, twin: &Twin) {
    let s = &twin.summary;
    let p = &twin.profile;
    let d = &p.demographics;
    out.line(&format!(
        "{} — {}, {}, {}, {} (version {})",
        s.name, d.age, d.gender, d.occupation, d.location, s.version
    ));
    out.line(&format!(
        "Audience: {}",
        s.audience_name.as_deref().unwrap_or("(removed)")
    ));
    out.line(&p.summary);
    let lists = [
        ("Psychographics", &p.psychographics),
        ("Goals", &p.goals),
        ("Pain points", &p.pain_points),
        ("Media habits", &p.media_habits),
        ("Objections", &p.objections),
        ("Vocabulary", &p.voice.vocabulary),
    ];
    for (label, items) in lists {
        if !items.is_empty() {
            out.line(&format!("{label}: {}", items.join("; ")));
        }
    }
    out.line(&format!("Brand: {}", p.brand_relationship));
    out.line(&format!(
        "Voice: {}, about {} words a turn",
        p.voice.register, p.voice.typical_words
    ));
    out.line(&format!(
        "\nMemories ({}), each with what it rests on:",
        twin.memories.len()
    ));
    for memory in &twin.memories {
        out.line(&format!(
            "  [{} · importance {} · by {}] {}",
            memory.fragment, memory.importance, memory.written_by, memory.content
        ));
        for link in &memory.evidence {
            let what = match link.source {
                EvidenceSource::Row => {
                    format!("row {}/{}", link.table.as_deref().unwrap_or("?"), link.key)
                }
                other => format!("{other} {}", link.key),
            };
            if link.snapshot.is_empty() {
                out.line(&format!("      ← {what}"));
            } else {
                out.line(&format!("      ← {what}: {}", link.snapshot));
            }
        }
        if memory.evidence.is_empty() {
            out.line("      ← (the user's own note)");
        }
    }
}

pub async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &TwinsCommand,
) -> Result<(), EngineError> {
    match command {
        TwinsCommand::Create {
            workspace: text,
            audience: audience_text,
            count,
            seed,
        } => {
            let id = workspace(engine, text).await?;
            let audience = audience(engine, id, audience_text).await?;
            let job = engine
                .twins()
                .start_create(id, audience, *count, *seed)
                .await?;
            let done = run_job(engine, out, job).await?;
            // Keep the search index in step before this process ends.
            let update = engine.evidence().start_index_update(id).await?;
            run_job(engine, out, update).await?;
            let result = done.result.clone().unwrap_or_default();
            let created: Vec<TwinId> = result["created"]
                .as_array()
                .map(|ids| {
                    ids.iter()
                        .filter_map(|v| v.as_str()?.parse().ok())
                        .collect()
                })
                .unwrap_or_default();
            let twins: Vec<TwinSummary> = engine
                .twins()
                .list(id, Some(audience))
                .await?
                .into_iter()
                .filter(|t| created.contains(&t.id))
                .collect();
            if out.json {
                out.value(&json!(twins));
            } else {
                twin_lines(out, &twins);
            }
        }
        TwinsCommand::List {
            workspace: text,
            audience: audience_text,
        } => {
            let id = workspace(engine, text).await?;
            let audience = match audience_text {
                Some(a) => Some(audience(engine, id, a).await?),
                None => None,
            };
            let twins = engine.twins().list(id, audience).await?;
            if out.json {
                out.value(&json!(twins));
            } else {
                twin_lines(out, &twins);
            }
        }
        TwinsCommand::Show { id } => {
            let twin = engine.twins().twin(id.parse()?).await?;
            if out.json {
                out.value(&json!(twin));
            } else {
                show(out, &twin);
            }
        }
    }
    Ok(())
}
