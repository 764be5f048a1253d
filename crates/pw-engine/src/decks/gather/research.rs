//! The research written from the data: a session's insights, a grounding report's claims that
//! still hold, and a specialist agent's latest report.

use std::sync::Arc;

use pw_decks::{Quote, SlideBody, Source};
use pw_domain::WorkspaceId;

use super::{BULLETS_PER_SLIDE, Gathered, QUOTES_PER_SLIDE, slide};
use crate::Engine;
use crate::error::Result;

pub(super) async fn insights(
    engine: &Engine,
    workspace: WorkspaceId,
    session_id: pw_domain::SessionId,
) -> Result<Gathered> {
    let session = engine.twins().session(session_id).await?.session;
    if session.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the session {session_id} belongs to another workspace"
        )));
    }
    let Some(insights) = engine.twins().insights(session_id).await? else {
        return Err(crate::EngineError::InvalidInput(format!(
            "\"{}\" has no insights yet: write them first",
            session.title
        )));
    };
    let source = Source {
        table: "session_insights".into(),
        reference: format!("{} version {}", insights.id, insights.version),
        description: format!(
            "Insights of \"{}\" (version {}), each quote a stored turn",
            session.title, insights.version
        ),
    };
    let title = &session.title;
    let mut gathered = Gathered::default();
    gathered.method.push(format!(
        "\"{title}\": {} AI twins{}; insights written by {}, {} of {} items kept after checking their quotes.",
        session.participants.len(),
        session
            .finished_at
            .map(|at| format!(", held {}", at.date_naive()))
            .unwrap_or_default(),
        insights.written_by,
        insights.items_checked - insights.items_dropped,
        insights.items_checked,
    ));
    gathered.method_sources.push(source.clone());
    let body = &insights.body;
    if !body.themes.is_empty() {
        for chunk in body.themes.chunks(BULLETS_PER_SLIDE) {
            gathered.findings.push(slide(
                format!("What came up in \"{title}\""),
                SlideBody::Bullets {
                    items: chunk
                        .iter()
                        .map(|theme| format!("{}: {}", theme.title, theme.summary))
                        .collect(),
                },
                vec![source.clone()],
            ));
        }
        let quotes: Vec<Quote> = body
            .themes
            .iter()
            .flat_map(|theme| {
                theme.quotes.iter().take(2).map(|quote| Quote {
                    text: quote.says.clone(),
                    attribution: format!("{} (turn {})", quote.speaker, quote.seq),
                })
            })
            .collect();
        for chunk in quotes.chunks(QUOTES_PER_SLIDE) {
            gathered.verbatims.push(slide(
                format!("In their words: \"{title}\""),
                SlideBody::Quotes {
                    quotes: chunk.to_vec(),
                },
                vec![source.clone()],
            ));
        }
    }
    for (label, items) in [
        ("Where they agreed", &body.agreements),
        ("Where they differed", &body.disagreements),
    ] {
        for chunk in items.chunks(BULLETS_PER_SLIDE) {
            gathered.findings.push(slide(
                format!("{label}: \"{title}\""),
                SlideBody::Bullets {
                    items: chunk.iter().map(|item| item.text.clone()).collect(),
                },
                vec![source.clone()],
            ));
        }
    }
    for chunk in body.gaps.chunks(BULLETS_PER_SLIDE / 2) {
        gathered.findings.push(slide(
            format!("Says and thinks: \"{title}\""),
            SlideBody::Bullets {
                items: chunk
                    .iter()
                    .flat_map(|gap| {
                        [
                            format!("Says: \"{}\" ({})", gap.quote.says, gap.quote.speaker),
                            format!("Thinks: {}", gap.thinks),
                        ]
                    })
                    .collect(),
            },
            vec![source.clone()],
        ));
    }
    for chunk in body.actions.chunks(BULLETS_PER_SLIDE) {
        gathered.recommendations.push(slide(
            format!("What the participants point to: \"{title}\""),
            SlideBody::Bullets {
                items: chunk.iter().map(|item| item.text.clone()).collect(),
            },
            vec![source.clone()],
        ));
    }
    gathered.caveats.push(format!(
        "\"{title}\": the participants are AI twins grounded in the workspace's data, not people."
    ));
    Ok(gathered)
}

pub(super) async fn grounding_report(
    engine: &Engine,
    workspace: WorkspaceId,
    id: pw_domain::GroundingReportId,
) -> Result<Gathered> {
    let report = engine.evidence().report(id).await?;
    if report.workspace_id != workspace {
        return Err(crate::EngineError::InvalidInput(format!(
            "the report {id} belongs to another workspace"
        )));
    }
    let holding: Vec<_> = report.claims.iter().filter(|c| c.holds_now).collect();
    let mut gathered = Gathered::default();
    let dropped = report.claims.len() - holding.len();
    if dropped > 0 {
        gathered.caveats.push(format!(
            "\"{}\": {dropped} claim(s) no longer match their signals since the data changed and are left out.",
            report.title
        ));
    }
    for chunk in holding.chunks(BULLETS_PER_SLIDE) {
        let sources = chunk
            .iter()
            .flat_map(|claim| claim.signals.iter())
            .map(|signal| Source {
                table: "signals".into(),
                reference: signal.id.to_string(),
                description: signal.statement.clone(),
            })
            .collect();
        gathered.findings.push(slide(
            report.title.clone(),
            SlideBody::Bullets {
                items: chunk.iter().map(|claim| claim.text.clone()).collect(),
            },
            sources,
        ));
    }
    gathered.method.push(format!(
        "Grounding report \"{}\" (version {}), written by {}: every claim checked against the signals it cites.",
        report.title, report.version, report.written_by
    ));
    gathered.method_sources.push(Source {
        table: "grounding_reports".into(),
        reference: format!("{id} version {}", report.version),
        description: report.title.clone(),
    });
    Ok(gathered)
}

/// How many of an agent's newest runs are looked through for one that answered.
const RUNS_LOOKED_AT: u32 = 20;

/// The agent's newest run that ended with an answer: a run stopped by a budget, a
/// cancellation or unsupported figures holds what was found so far, not a report to show a
/// client.
pub(crate) async fn latest_answered(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    agent: &str,
) -> Result<Option<crate::agents::KeptRun>> {
    Ok(engine
        .agents()
        .runs(workspace, Some(agent), RUNS_LOOKED_AT)
        .await?
        .into_iter()
        .find(|run| run.outcome == crate::agents::Outcome::Answered))
}

pub(super) async fn agent_report(
    engine: &Arc<Engine>,
    workspace: WorkspaceId,
    agent: &str,
) -> Result<Gathered> {
    let Some(specialist) = crate::agents::SPECIALISTS.iter().find(|s| s.name == agent) else {
        return Err(crate::EngineError::InvalidInput(format!(
            "there is no agent \"{agent}\"; the specialists are {}",
            crate::agents::SPECIALISTS
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let Some(run) = latest_answered(engine, workspace, agent).await? else {
        return Err(crate::EngineError::InvalidInput(format!(
            "the {} agent has no finished report in this workspace yet: run it first",
            specialist.title
        )));
    };
    let items: Vec<String> = run
        .answer
        .lines()
        .map(|line| line.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect();
    let sources: Vec<Source> = run
        .citations
        .iter()
        .map(|cited| Source {
            table: format!("agent tool {}", cited.tool),
            reference: format!("run {} {}", run.id, cited.id),
            description: cited.text.clone(),
        })
        .collect();
    let mut gathered = Gathered::default();
    for chunk in items.chunks(BULLETS_PER_SLIDE) {
        let mut recommendation = slide(
            specialist.title,
            SlideBody::Bullets {
                items: chunk.to_vec(),
            },
            sources.clone(),
        );
        recommendation.footnote = format!(
            "Written by the {} agent on {}; every figure checked against the tool results it cites.",
            specialist.title.to_lowercase(),
            run.finished_at.get(..10).unwrap_or(&run.finished_at)
        );
        gathered.recommendations.push(recommendation);
    }
    gathered.method_sources.push(Source {
        table: "agent_runs".into(),
        reference: run.id.clone(),
        description: format!("The {} agent's latest report", specialist.title),
    });
    Ok(gathered)
}
