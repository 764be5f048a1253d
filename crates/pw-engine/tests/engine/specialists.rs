//! The creative, anomaly, audience and competitor specialists (the audience one asking twins and
//! reading the census) and the copilot's statistics and
//! research tools on the demo workspace, each with a model over loopback that calls the tools
//! in order and then answers with a line of what it read, citing every result that answered.
//! Each analysis is checked against what the demo was built with (its ads' designed click and
//! conversion effects; a spike written into its rows) or against the rows read apart, not
//! against figures copied from a run.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use pw_engine::agents::{Outcome, SourceKind};
use pw_engine::models::{Route, Task};
use pw_engine::workspaces::WorkspaceId;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::agents::{reply, serve_vendor};
use crate::evidence::demo_copy;

/// Plays a specialist: each call in turn, then an answer made of the first result's line that
/// `quote` picks, citing every result.
#[derive(Clone)]
struct Analyst {
    calls: Arc<Vec<(&'static str, Value)>>,
    quote: fn(&str) -> String,
}

/// A tool's result as the runtime tells it ("R2 (tool): …", or "R2 (tool) failed: …").
fn is_result(content: &str) -> bool {
    content.starts_with('R')
        && content[1..].starts_with(|c: char| c.is_ascii_digit())
        && content.contains(" (")
}

async fn analyst(State(analyst): State<Analyst>, Json(body): Json<Value>) -> Json<Value> {
    let messages = body["messages"].as_array().unwrap();
    let results: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["content"].as_str())
        .filter(|c| is_result(c))
        .collect();
    let step = match analyst.calls.get(results.len()) {
        Some((tool, arguments)) => json!({"action": "call", "tool": tool, "arguments": arguments}),
        None => {
            // Only results that answered can be cited.
            let answered: Vec<(usize, &str)> = results
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.split_once("): ").map(|(_, text)| (i + 1, text)))
                .collect();
            let citations: Vec<String> = answered.iter().map(|(i, _)| format!("R{i}")).collect();
            json!({"action": "answer", "text": (analyst.quote)(answered[0].1), "citations": citations})
        }
    };
    reply(&body, &step, 1500, 90)
}

/// The scripted analyst playing `calls` then quoting with `quote`, as a vendor's app.
pub(crate) fn analyst_app(
    calls: Vec<(&'static str, Value)>,
    quote: fn(&str) -> String,
) -> axum::Router {
    axum::Router::new()
        .route("/v1/chat/completions", axum::routing::post(analyst))
        .with_state(Analyst {
            calls: Arc::new(calls),
            quote,
        })
}

/// Routes analysis to the scripted analyst playing `calls` then quoting with `quote`.
async fn route_to_analyst(
    engine: &pw_engine::Engine,
    calls: Vec<(&'static str, Value)>,
    quote: fn(&str) -> String,
) {
    serve_vendor(engine, analyst_app(calls, quote)).await;
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();
}

/// Runs `specialist` with the scripted analyst.
async fn run(
    engine: &Arc<pw_engine::Engine>,
    workspace: WorkspaceId,
    specialist: &str,
    calls: Vec<(&'static str, Value)>,
    quote: fn(&str) -> String,
) -> pw_engine::agents::AgentRun {
    route_to_analyst(engine, calls, quote).await;
    let asked = engine
        .agents()
        .run_specialist(workspace, specialist, &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(asked.run.outcome, Outcome::Answered, "{}", asked.run.answer);
    // The runtime made the opening call, not the model.
    assert!(asked.run.record.opening.is_some());
    let latest = engine
        .agents()
        .runs(workspace, Some(specialist), 1)
        .await
        .unwrap();
    assert_eq!(latest[0].id, asked.id, "the report is kept as the latest");
    asked.run
}

/// The engine's database in `dir`, opened beside it.
async fn database(dir: &std::path::Path) -> sqlx::SqlitePool {
    let path = pw_engine::EngineConfig::new(dir).database_path();
    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

/// The line of a report that starts with `prefix` (after its indent).
fn line_starting<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix}: {text}"))
}

#[tokio::test]
async fn the_creative_agent_finds_the_messages_the_demo_was_built_to_win() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "creative-agent").await;
    let run = run(
        &engine,
        workspace,
        "creative",
        vec![("creative_performance", json!({}))],
        |report| line_starting(report, "message").to_owned(),
    )
    .await;
    let report = &run.citations[0];
    assert_eq!(report.source.kind, SourceKind::Statistic);
    let overall: Vec<&Value> = report.data["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["audience"].is_null() && r["element"] == "message")
        .collect();
    let rate = |r: &Value, which: &str| r[which]["rate"].as_f64().unwrap();
    let best = |which: &str| {
        overall
            .iter()
            .max_by(|a, b| rate(a, which).total_cmp(&rate(b, which)))
            .unwrap()
    };
    // The copy the demo gave the largest click and conversion effects wins on each, and the
    // win is significant; the one it gave the smallest click effect loses.
    let designed = |key: fn(&pw_demo::AdCopy) -> f64, most: bool| {
        let copies = pw_demo::AD_COPY.iter();
        let pick = if most {
            copies.max_by(|a, b| key(a).total_cmp(&key(b)))
        } else {
            copies.min_by(|a, b| key(a).total_cmp(&key(b)))
        };
        pick.unwrap().headline
    };
    let clicked = best("click_rate");
    assert_eq!(clicked["value"], designed(|c| c.ctr, true));
    assert!(clicked["click_rate"]["q_value"].as_f64().unwrap() < 0.05);
    assert!(clicked["click_rate"]["lift"].as_f64().unwrap() > 0.0);
    let converting = best("conversion_rate");
    assert_eq!(converting["value"], designed(|c| c.cvr, true));
    assert!(converting["conversion_rate"]["q_value"].as_f64().unwrap() < 0.05);
    let least_clicked = overall
        .iter()
        .min_by(|a, b| rate(a, "click_rate").total_cmp(&rate(b, "click_rate")))
        .unwrap();
    assert_eq!(least_clicked["value"], designed(|c| c.ctr, false));
    // Per audience too, with every test adjusted together.
    assert!(
        report.data["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["audience"].is_string())
    );
    assert!(report.data["tests"].as_u64().unwrap() > 20);
    assert!(run.answer.starts_with("message “"), "{}", run.answer);
}

#[tokio::test]
async fn the_anomaly_agent_finds_a_spike_written_into_the_rows_and_its_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "anomaly-agent").await;
    // The Meta campaign that spent most on the last day spends four times as much that day,
    // for the same conversions.
    let db = database(dir.path()).await;
    let (campaign, name, day): (String, String, String) = sqlx::query_as(
        "SELECT c.id, c.name, m.date FROM daily_metrics m JOIN campaigns c ON c.id = m.entity_id
         WHERE m.workspace_id = ? AND m.level = 'campaign' AND m.platform = 'meta'
           AND m.date = (SELECT max(date) FROM daily_metrics WHERE workspace_id = ?)
         ORDER BY m.spend_micros DESC LIMIT 1",
    )
    .bind(workspace.to_string())
    .bind(workspace.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE daily_metrics SET spend_micros = spend_micros * 4
         WHERE level = 'campaign' AND entity_id = ? AND date = ?",
    )
    .bind(&campaign)
    .bind(&day)
    .execute(&db)
    .await
    .unwrap();
    db.close().await;

    let run = run(
        &engine,
        workspace,
        "anomaly",
        vec![("anomaly_scan", json!({}))],
        |scan| line_starting(scan, "Unusual:").to_owned(),
    )
    .await;
    let scan = &run.citations[0].data;
    let spike = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["scope"] == "meta" && f["measure"] == "spend" && f["period"]["kind"] == "day")
        .unwrap_or_else(|| panic!("the spike is found: {scan}"));
    assert_eq!(spike["period"]["date"], day.as_str());
    assert!(spike["z"].as_f64().unwrap() >= 3.5);
    assert_eq!(spike["causes"][0]["campaign"], name.as_str());
    assert!(scan["checked"].as_u64().unwrap() > 50);
    assert!(run.answer.starts_with("Unusual: "), "{}", run.answer);
}

#[tokio::test]
async fn the_audience_agent_gives_every_audience_a_verdict_by_its_rules() {
    let dir = tempfile::tempdir().unwrap();
    // The signals the report counts are built after the demo.
    let (engine, workspace) = demo_copy(dir.path(), "audience-agent").await;
    let run = run(
        &engine,
        workspace,
        "audience",
        vec![
            ("audience_report", json!({})),
            ("audience_signals", json!({})),
        ],
        |report| report.lines().nth(1).unwrap().to_owned(),
    )
    .await;
    assert_eq!(run.citations.len(), 2);
    let report = &run.citations[0].data;
    let audiences = report["audiences"].as_array().unwrap();
    let stored = engine.evidence().audiences(workspace).await.unwrap();
    assert_eq!(audiences.len(), stored.len());
    // Each verdict is the one its rules give on the report's own figures.
    let workspace_cpa = report["cpa"].as_f64().unwrap();
    let mut delivered = 0;
    for a in audiences {
        let q = a["q_value"].as_f64();
        let lift = a["lift"].as_f64();
        let spend = a["spend"].as_f64().unwrap();
        let conversions = a["conversions"].as_f64().unwrap();
        let significant = q.is_some_and(|q| q < 0.05);
        let cheap = a["cpa"]
            .as_f64()
            .is_some_and(|cpa| cpa <= workspace_cpa * 0.85 && conversions >= 20.0);
        let expected = if (significant && lift.unwrap() > 0.0) || cheap {
            "expand"
        } else if significant {
            "review"
        } else if spend <= 0.0 && a["signals"].as_u64().unwrap() >= 3 {
            "test"
        } else {
            "hold"
        };
        assert_eq!(a["verdict"], expected, "{a}");
        if spend > 0.0 {
            delivered += 1;
            assert!(a["conversion_rate"].is_array(), "{a}");
        }
    }
    assert!(delivered >= 3, "{report}");
    assert!(
        audiences.iter().any(|a| a["signals"].as_u64().unwrap() > 0),
        "{report}"
    );
    assert_eq!(run.citations[1].source.kind, SourceKind::Signal);
}

#[tokio::test]
async fn the_competitor_agent_searches_the_web_and_keeps_what_it_found_as_mentions() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = pw_sandbox::Sandbox::new(pw_sandbox::SandboxConfig::default())
        .start(0)
        .await
        .unwrap();
    let workspace = crate::evidence::copy_demo_into(dir.path());
    let engine =
        crate::support::engine_with_enrichment(dir.path(), "competitor-agent", &sandbox.base_url)
            .await;
    engine.start_workers().await;
    engine
        .connectors()
        .set_enrichment_key(
            pw_engine::connectors::EnrichmentService::Serper,
            pw_engine::connectors::Secret::new(
                sandbox
                    .sandbox
                    .issue_token(pw_sandbox::SandboxPlatform::Serper),
            ),
        )
        .await
        .unwrap();
    let run = run(
        &engine,
        workspace,
        "competitor",
        vec![
            (
                "web_search",
                json!({"query": "Halcyon Roasters competitors"}),
            ),
            ("search_evidence", json!({"query": "competitor"})),
        ],
        |results| {
            let first = results.lines().nth(1).unwrap();
            format!("The first result: {}", first.split("] ").nth(1).unwrap())
        },
    )
    .await;
    let web = &run.citations[0];
    assert_eq!(web.source.kind, SourceKind::Web);
    let found = web.data.as_array().unwrap();
    assert!(!found.is_empty(), "{}", web.text);
    // Every result read is kept as a mention with its address.
    let db = database(dir.path()).await;
    for result in found {
        let kept: (String, String) =
            sqlx::query_as("SELECT kind, source FROM audience_signals WHERE id = ?")
                .bind(result["signal_id"].as_str().unwrap())
                .fetch_one(&db)
                .await
                .unwrap();
        assert_eq!(kept.0, "mention");
        assert!(result["url"].as_str().unwrap().starts_with("https://"));
    }
    assert!(
        run.answer.starts_with("The first result: "),
        "{}",
        run.answer
    );
    assert_eq!(run.citations[1].source.kind, SourceKind::Search);
}

#[tokio::test]
async fn the_copilot_works_out_a_trend_a_difference_and_a_forecast_from_the_daily_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, workspace) = demo_copy(dir.path(), "copilot-statistics").await;
    // The demo's last day with data, read apart from the engine's reporting.
    let db = database(dir.path()).await;
    let last: String = sqlx::query_scalar(
        "SELECT max(date) FROM daily_metrics WHERE workspace_id = ? AND level = 'campaign'",
    )
    .bind(workspace.to_string())
    .fetch_one(&db)
    .await
    .unwrap();
    let last: chrono::NaiveDate = last.parse().unwrap();
    // Its last week against the week before.
    let from = last - chrono::Duration::days(6);
    route_to_analyst(
        &engine,
        vec![
            (
                "metric_statistics",
                json!({"test": "trend", "figure": "spend"}),
            ),
            (
                "metric_statistics",
                json!({"test": "compare", "figure": "spend", "from": from.to_string()}),
            ),
            (
                "metric_statistics",
                json!({"test": "forecast", "figure": "conversions"}),
            ),
            ("survey_results", json!({})),
            ("study_insights", json!({"title": "brunch"})),
        ],
        |trend| trend.to_owned(),
    )
    .await;
    let asked = engine
        .agents()
        .ask(
            workspace,
            "Is spend rising?",
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    let run = &asked.run;
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);
    assert_eq!(run.citations.len(), 3, "the failed calls cannot be cited");

    // The trend is the least-squares line through the last 28 days' spend as SQL sums it.
    let trend = &run.citations[0];
    assert_eq!(trend.source.kind, SourceKind::Statistic);
    assert_eq!(trend.data["days"], 28, "{}", trend.text);
    let spend_by_day = |from: chrono::NaiveDate, until: chrono::NaiveDate| {
        let db = db.clone();
        let workspace = workspace.to_string();
        async move {
            let per_day: Vec<i64> = sqlx::query_scalar(
                "SELECT sum(spend_micros) FROM daily_metrics
                 WHERE workspace_id = ? AND level = 'campaign' AND date BETWEEN ? AND ?
                 GROUP BY date ORDER BY date",
            )
            .bind(workspace)
            .bind(from.to_string())
            .bind(until.to_string())
            .fetch_all(&db)
            .await
            .unwrap();
            per_day
                .iter()
                .map(|m| *m as f64 / 1e6)
                .collect::<Vec<f64>>()
        }
    };
    let days28 = spend_by_day(last - chrono::Duration::days(27), last).await;
    assert_eq!(days28.len(), 28);
    let n = days28.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = days28.iter().sum::<f64>() / n;
    let (sxy, sxx) = days28
        .iter()
        .enumerate()
        .fold((0.0, 0.0), |(sxy, sxx), (x, y)| {
            let dx = x as f64 - mean_x;
            (sxy + dx * (y - mean_y), sxx + dx * dx)
        });
    let slope = trend.data["slope"].as_f64().unwrap();
    assert!(
        (slope - sxy / sxx).abs() < 1e-6,
        "{slope} against {}",
        sxy / sxx
    );
    assert!(run.answer.starts_with("Trend of spend"), "{}", run.answer);

    // The comparison's means are the days' mean spend, as SQL sums them.
    let compare = &run.citations[1];
    let mean_spend = |from: chrono::NaiveDate, until: chrono::NaiveDate| {
        let days = spend_by_day(from, until);
        async move {
            let days = days.await;
            days.iter().sum::<f64>() / days.len() as f64
        }
    };
    let days = 7;
    assert!(
        (compare.data["mean"].as_f64().unwrap() - mean_spend(from, last).await).abs() < 1e-6,
        "{}",
        compare.text
    );
    let before_until = from - chrono::Duration::days(1);
    let before_from = from - chrono::Duration::days(days);
    assert_eq!(compare.data["before_until"], before_until.to_string());
    assert!(
        (compare.data["mean_before"].as_f64().unwrap()
            - mean_spend(before_from, before_until).await)
            .abs()
            < 1e-6
    );
    let p = compare.data["p_value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&p));

    // Seven days on from the last, each inside its interval.
    let forecast = run.citations[2].data.as_array().unwrap();
    assert_eq!(forecast.len(), 7);
    assert_eq!(
        forecast[0]["day"],
        (last + chrono::Duration::days(1)).to_string()
    );
    // It is the statistics module's forecast of the days' conversions as SQL sums them.
    let conversions: Vec<f64> = sqlx::query_scalar(
        "SELECT sum(conversions) FROM daily_metrics
         WHERE workspace_id = ? AND level = 'campaign' AND date BETWEEN ? AND ?
         GROUP BY date ORDER BY date",
    )
    .bind(workspace.to_string())
    .bind((last - chrono::Duration::days(27)).to_string())
    .bind(last.to_string())
    .fetch_all(&db)
    .await
    .unwrap();
    let expected = pw_agents::series::forecast(&conversions, 7).unwrap();
    for (day, projected) in forecast.iter().zip(&expected) {
        assert!((day["value"].as_f64().unwrap() - projected.value).abs() < 1e-6);
        assert!((day["low"].as_f64().unwrap() - projected.low).abs() < 1e-6);
        assert!(projected.low < projected.value && projected.value < projected.high);
    }

    // The research tools said what they could not find, in words the model passes on.
    let problems: Vec<String> = run
        .record
        .steps
        .iter()
        .filter_map(|s| s.result.as_ref().and_then(|r| r.problem.clone()))
        .collect();
    assert_eq!(
        problems,
        [
            "this workspace has no surveys yet",
            "no focus group or interview of this workspace has insights yet"
        ]
    );
}

#[tokio::test]
async fn the_audience_agent_asks_twins_and_reads_the_census_and_the_copilot_reads_the_interviews_insights()
 {
    let dir = tempfile::tempdir().unwrap();
    // The twins answer from the session server (vendor team-vllm), the agent's steps from the
    // scripted analyst (vendor analyst).
    let (_server, twins_url) = crate::twins::start_server().await;
    let engine = crate::support::engine(dir.path(), "audience-asks-twins").await;
    crate::twins::route_to(&engine, &twins_url).await;
    let workspace = crate::support::workspace(&engine, "Twins client").await;
    crate::twins::two_twins(dir.path(), &workspace.to_string()).await;
    let question = "What would make you order a gift box?";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = analyst_app(
        vec![
            // The opening call (the runtime makes it).
            ("audience_report", json!({})),
            (
                "ask_twins",
                json!({"question": question, "who": "nobody here"}),
            ),
            ("ask_twins", json!({"question": question, "who": "maya r."})),
            ("census_population", json!({})),
            ("census_population", json!({"region": "West"})),
        ],
        |text| text.lines().next().unwrap().to_owned(),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    crate::evidence::route_analysis_to(&engine, &format!("http://{address}/v1")).await;
    // The interviews are jobs.
    engine.start_workers().await;

    let asked = engine
        .agents()
        .run_specialist(workspace, "audience", &|_| {}, &CancellationToken::new())
        .await
        .unwrap();
    let run = &asked.run;
    assert_eq!(run.outcome, Outcome::Answered, "{}", run.answer);

    // A twin that is not there is a failure the agent reads, naming the twins that are.
    let problems: Vec<String> = run
        .record
        .steps
        .iter()
        .filter_map(|s| s.result.as_ref().and_then(|r| r.problem.clone()))
        .collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("“nobody here”") && p.contains("Maya R.") && p.contains("Leo K.")),
        "{problems:?}"
    );

    // Maya was interviewed: her answer is the turn stored in that interview, after the
    // moderator put the question as asked.
    let answers = run
        .citations
        .iter()
        .find(|c| c.source.kind == SourceKind::TwinAnswer)
        .expect("the twin's answer is cited");
    let answer = &answers.data.as_array().unwrap()[0];
    assert_eq!(answer["twin"], "Maya R.");
    let session: pw_engine::twins::SessionId = answer["session"].as_str().unwrap().parse().unwrap();
    let opened: Value = serde_json::from_str(&answers.source.reference).unwrap();
    assert_eq!(
        opened,
        json!([{"session": session.to_string(), "twin": "Maya R."}])
    );
    let view = engine.twins().session(session).await.unwrap();
    assert!(
        view.turns
            .iter()
            .any(|t| t.speaker == pw_engine::twins::Speaker::Moderator && t.says.contains(question)),
        "{:?}",
        view.turns
    );
    let turn = view
        .turns
        .iter()
        .find(|t| t.id.to_string() == answer["turn"].as_str().unwrap())
        .expect("the cited turn is stored");
    assert_eq!(turn.says, answer["says"].as_str().unwrap());
    assert!(!turn.says.is_empty());
    assert!(answers.text.contains(turn.says.trim()), "{}", answers.text);
    // Only the twin asked was interviewed.
    assert_eq!(engine.twins().sessions(workspace).await.unwrap().len(), 1);

    // The interview's insights (written on the session server), read by the copilot's
    // study_insights tool: the theme with the turn it quotes, word for word.
    engine
        .models()
        .set_task_route(Task::Analysis, vec![Route::new("team-vllm", "qwen-7b")])
        .await
        .unwrap();
    let job = engine.twins().start_insights(session).await.unwrap();
    let job = engine.jobs().wait(&job.id, |_| {}).await.unwrap();
    assert_eq!(
        job.state,
        pw_engine::jobs::JobState::Succeeded,
        "{:?}",
        job.last_error
    );
    let insights = engine.twins().insights(session).await.unwrap().unwrap();
    let quote = &insights.body.themes[0].quotes[0];
    assert_eq!(quote.turn_id, turn.id);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = analyst_app(vec![("study_insights", json!({"title": "maya"}))], |text| {
        text.lines().next().unwrap().to_owned()
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    crate::evidence::route_analysis_to(&engine, &format!("http://{address}/v1")).await;
    let asked = engine
        .agents()
        .ask(
            workspace,
            "What did Maya say?",
            &|_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap();
    assert_eq!(asked.run.outcome, Outcome::Answered, "{}", asked.run.answer);
    let cited = &asked.run.citations[0];
    assert_eq!(cited.source.kind, SourceKind::SessionInsight);
    assert_eq!(cited.source.reference, session.to_string());
    assert_eq!(cited.data["insights_id"], insights.id);
    assert!(
        cited.text.contains(&format!(
            "Theme: Gifting: The box reads as a present. Maya R.: “{}”",
            turn.says
        )),
        "{}",
        cited.text
    );

    // The census: the nation's adults and the West's, from the shipped ACS table.
    let census: Vec<_> = run
        .citations
        .iter()
        .filter(|c| c.source.kind == SourceKind::Census)
        .collect();
    assert_eq!(census.len(), 2);
    let (nation, west) = (&census[0].data, &census[1].data);
    assert_eq!(nation["place"], "US");
    assert_eq!(west["place"], "US West");
    assert!(census[0].source.reference.starts_with("acs_S0101_state_"));
    // ACS counts about 260 million adults; the West holds about a quarter of them.
    let adults = nation["adults"].as_f64().unwrap();
    assert!((240e6..290e6).contains(&adults), "{adults}");
    let west_share = west["adults"].as_f64().unwrap() / adults;
    assert!((0.2..0.3).contains(&west_share), "{west_share}");
    let regions = nation["region"].as_array().unwrap();
    let west_in_nation = regions.iter().find(|r| r["region"] == "West").unwrap()["share"]
        .as_f64()
        .unwrap();
    assert!((west_in_nation - west_share).abs() < 1e-9);
    for figures in [nation, west] {
        let sum = |list: &Value| {
            list.as_array()
                .unwrap()
                .iter()
                .map(|x| x["share"].as_f64().unwrap())
                .sum::<f64>()
        };
        assert!((sum(&figures["age"]) - 1.0).abs() < 1e-9, "{figures}");
        let female = figures["sex"][0]["share"].as_f64().unwrap();
        assert_eq!(figures["sex"][0]["sex"], "female");
        // Women are a little over half of US adults.
        assert!((0.5..0.53).contains(&female), "{female}");
    }
    assert!(
        west["region"].is_null(),
        "a region's answer has no split by region"
    );
    // No census refresh wrote an education table here: none is claimed.
    assert!(nation["education"].is_null() && !census[0].text.contains("Education"));
    assert!(
        census[0].text.contains("By region: Northeast"),
        "{}",
        census[0].text
    );
}
