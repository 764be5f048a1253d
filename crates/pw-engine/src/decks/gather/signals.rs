//! An audience's signals: the strongest of what it does, looks for and says, each with its
//! interval and the support it rests on.

use pw_decks::tables::Column;
use pw_decks::{NumberFormat, SlideBody, Source, Table, Value};
use pw_domain::{AudienceId, WorkspaceId};

use super::{BULLETS_PER_SLIDE, Gathered, slide};
use crate::Engine;
use crate::error::{EngineError, Result};

/// The signals a deck shows of one audience; the appendix table holds these too.
const SIGNALS_SHOWN: usize = 12;

pub(super) async fn audience_signals(
    engine: &Engine,
    workspace: WorkspaceId,
    audience: AudienceId,
) -> Result<Gathered> {
    let audiences = engine.evidence().audiences(workspace).await?;
    let Some(overview) = audiences.iter().find(|a| a.id == audience) else {
        return Err(EngineError::InvalidInput(format!(
            "the workspace has no audience {audience}"
        )));
    };
    let mut signals: Vec<_> = engine
        .evidence()
        .signals(workspace, Some(audience))
        .await?
        .into_iter()
        .filter(|s| s.audience_id == Some(audience))
        .collect();
    if signals.is_empty() {
        return Err(EngineError::InvalidInput(format!(
            "\"{}\" has no signals yet: build the workspace's signals first",
            overview.name
        )));
    }
    // The strongest first; a tie goes to the better supported.
    signals.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then(b.support_rows.cmp(&a.support_rows))
    });
    let own = signals.len();
    signals.truncate(SIGNALS_SHOWN);
    let shown = signals.len();
    let name = &overview.name;
    let sources: Vec<Source> = signals
        .iter()
        .map(|s| Source {
            table: "signals".into(),
            reference: s.id.to_string(),
            description: s.statement.clone(),
        })
        .collect();
    let mut gathered = Gathered::default();
    for (chunk, chunk_sources) in signals
        .chunks(BULLETS_PER_SLIDE)
        .zip(sources.chunks(BULLETS_PER_SLIDE))
    {
        let mut found = slide(
            format!("What sets \"{name}\" apart: its strongest signals"),
            SlideBody::Bullets {
                items: chunk
                    .iter()
                    .map(|s| {
                        format!(
                            "{} ({} {})",
                            s.statement,
                            NumberFormat::Count.display(&Value::from(s.support.count as f64)),
                            s.support.unit.as_str()
                        )
                    })
                    .collect(),
            },
            chunk_sources.to_vec(),
        );
        found.footnote = format!(
            "The strongest {shown} of \"{name}\"'s {own} live signals, strongest first; each rests on the stored rows it names."
        );
        gathered.findings.push(found);
    }
    let percent = Some(NumberFormat::Percent { places: 1 });
    let table = Table {
        name: format!("Signals of {name}"),
        columns: vec![
            Column {
                name: "Signal".into(),
                format: None,
            },
            Column {
                name: "Kind".into(),
                format: None,
            },
            Column {
                name: "Estimate".into(),
                format: percent.clone(),
            },
            Column {
                name: "95% low".into(),
                format: percent.clone(),
            },
            Column {
                name: "95% high".into(),
                format: percent,
            },
            Column {
                name: "Support".into(),
                format: Some(NumberFormat::Count),
            },
            Column {
                name: "Counted in".into(),
                format: None,
            },
        ],
        rows: signals
            .iter()
            .map(|s| {
                let interval = |f: fn(&crate::evidence::Interval) -> f64| {
                    s.interval
                        .as_ref()
                        .map_or(Value::Empty, |i| Value::from(f(i)))
                };
                vec![
                    Value::from(s.statement.as_str()),
                    Value::from(s.kind.as_str()),
                    interval(|i| i.estimate),
                    interval(|i| i.low),
                    interval(|i| i.high),
                    Value::from(s.support.count as f64),
                    Value::from(s.support.unit.as_str()),
                ]
            })
            .collect(),
    };
    gathered.tables.push((table, sources));
    gathered.method.push(format!(
        "Audience \"{name}\" ({}): signals computed from the workspace's stored ad data, searches and mentions, each with a 95% interval where it is a rate or share.",
        overview.platform
    ));
    Ok(gathered)
}
