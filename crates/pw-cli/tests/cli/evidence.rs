//! The evidence layer from the command line, on the demo: embeddings, twins, sessions and
//! surveys on the embedded models, theme names and grounding reports from an analyst on loopback.

use std::process::{Command, Output};

use crate::{models_dir, reference_data_dir, start_analyst, stderr, stdout};

/// The evidence layer from the command line, on the demo with the embedded models: signals
/// built and listed with their support, the workspace searched (words, kinds, facets, bad
/// queries in plain words, by meaning), and the index rebuilt and reported.
#[test]
fn signals_search_and_the_index_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let models = models_dir();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_profitwheel"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .env_remove("PROFITWHEEL_DATA_DIR")
            .env("PROFITWHEEL_MODELS_DIR", &models)
            .env("PROFITWHEEL_REFERENCE_DATA_DIR", reference_data_dir())
            .output()
            .expect("the binary runs")
    };
    let json = |output: &Output| -> serde_json::Value {
        assert!(
            output.status.success(),
            "{}\nstdout: {}",
            stderr(output),
            stdout(output)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    };
    assert!(run(&["demo"]).status.success());
    let ws = "Halcyon Roasters (demo)";
    // Theme names (and, below, grounding reports) come from an analyst on loopback that answers
    // as OpenAI does; twins, sessions and surveys are on the embedded model. (The desktop e2e
    // test's signal build asks the embedded model for theme names; nothing asserts it gives
    // any: SmolLM2 mostly answers "Theme 1", which is refused.)
    let analyst = start_analyst();
    let added = run(&[
        "models",
        "add",
        "openai_compatible",
        "--name",
        "analyst",
        "--base-url",
        &analyst,
    ]);
    assert!(added.status.success(), "{}", stderr(&added));
    let routed = run(&["models", "route", "analysis", "analyst/analyst-1"]);
    assert!(routed.status.success(), "{}", stderr(&routed));

    let built = json(&run(&["--json", "signals", "build", ws]));
    assert!(built["behavior"].as_u64().unwrap() > 0, "{built}");
    assert!(built["intent"].as_u64().unwrap() > 0, "{built}");
    assert!(built["mention_themes"].as_u64().unwrap() > 0, "{built}");
    assert!(built["named_by_model"].as_u64().unwrap() > 0, "{built}");
    let local = run(&["models", "route", "analysis"]);
    assert!(local.status.success(), "{}", stderr(&local));

    let signals = json(&run(&["--json", "signals", "list", ws]));
    let signals = signals.as_array().unwrap();
    assert!(!signals.is_empty());
    assert!(
        signals
            .iter()
            .all(|s| s["support_rows"].as_i64().unwrap() > 0)
    );
    // Support in the unit a person counts: a count of a total where the signal is a share.
    let intent_share = signals
        .iter()
        .find(|s| s["key"].as_str().unwrap().starts_with("intent/"))
        .expect("an intent share");
    let support = &intent_share["support"];
    assert_eq!(support["unit"], "searches", "{intent_share}");
    assert!(
        support["count"].as_i64().unwrap() <= support["total"].as_i64().unwrap(),
        "{intent_share}"
    );
    assert!(signals.iter().all(|s| {
        s["support"]["count"].as_i64().is_some()
            && [
                "impressions",
                "clicks",
                "searches",
                "customers",
                "mentions",
                "rows",
            ]
            .contains(&s["support"]["unit"].as_str().unwrap())
    }));
    // Instants are the stored text.
    assert!(
        signals
            .iter()
            .all(|s| s["computed_at"].as_str().unwrap().len() == "2026-11-25T10:00:00.000Z".len())
    );
    let text = stdout(&run(&[
        "signals",
        "list",
        ws,
        "--audience",
        "Specialty coffee enthusiasts",
    ]));
    assert!(text.contains("strength"), "{text}");
    // Support says how many of what, then the rows behind it.
    assert!(text.contains(" searches, "), "{text}");
    let unknown = run(&["signals", "list", ws, "--audience", "Nobody"]);
    assert_eq!(unknown.status.code(), Some(4));
    assert!(
        stderr(&unknown).contains("Specialty coffee enthusiasts"),
        "lists the audiences there are"
    );

    let found = json(&run(&[
        "--json", "search", ws, "coffee", "--kind", "mention",
    ]));
    assert!(found["total"].as_u64().unwrap() > 0, "{found}");
    let hits = found["hits"].as_array().unwrap();
    assert!(hits.iter().all(|h| h["kind"] == "mention"));
    assert!(
        hits.iter()
            .all(|h| !h["highlights"].as_array().unwrap().is_empty())
    );
    assert!(
        found["facets"]["sentiment"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
    assert!(!found["histogram"].as_array().unwrap().is_empty());
    let negative = json(&run(&[
        "--json",
        "search",
        ws,
        "coffee",
        "--facet",
        "sentiment=negative",
    ]));
    assert!(negative["total"].as_u64().unwrap() < found["total"].as_u64().unwrap());

    let broken = run(&["search", ws, "\"free shipping"]);
    assert_eq!(broken.status.code(), Some(4), "{}", stderr(&broken));
    assert!(
        stderr(&broken).to_lowercase().contains("quote"),
        "{}",
        stderr(&broken)
    );

    let meaning = json(&run(&["--json", "search", ws, "slow delivery", "--hybrid"]));
    assert!(!meaning["hits"].as_array().unwrap().is_empty(), "{meaning}");

    // Twins of an audience, written by the embedded model: every memory links to evidence,
    // and the index finds what they remember.
    let created = json(&run(&[
        "--json",
        "twins",
        "create",
        ws,
        "--audience",
        "Coffee culture 18-34",
        "--count",
        "2",
        "--seed",
        "5",
    ]));
    let created = created.as_array().unwrap();
    assert_eq!(created.len(), 2, "{created:?}");
    let listed = json(&run(&["--json", "twins", "list", ws]));
    assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
    let mut castings = Vec::new();
    for twin in created {
        let shown = json(&run(&[
            "--json",
            "twins",
            "show",
            twin["id"].as_str().unwrap(),
        ]));
        let memories = shown["memories"].as_array().unwrap();
        assert!(memories.len() >= 3, "{shown}");
        for memory in memories {
            let evidence = memory["evidence"].as_array().unwrap();
            assert!(
                evidence.iter().any(|e| e["source"] == "signal")
                    && evidence.iter().any(|e| e["source"] == "row"),
                "every first memory rests on a signal and its rows: {memory}"
            );
        }
        castings.push(shown["casting"].clone());
    }
    assert_ne!(
        castings[0], castings[1],
        "twins are cast on different evidence"
    );
    let name = created[0]["name"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let remembered = json(&run(&[
        "--json",
        "search",
        ws,
        name,
        "--kind",
        "twin_memory",
    ]));
    assert!(
        !remembered["hits"].as_array().unwrap().is_empty(),
        "{remembered}"
    );
    let text = stdout(&run(&["twins", "show", created[0]["id"].as_str().unwrap()]));
    assert!(text.contains("      ← signal "), "{text}");

    // A short focus group and a one-question interview of those twins, on the embedded model.
    let guide = dir.path().join("guide.toml");
    std::fs::write(
        &guide,
        "title = \"Mornings\"\n[[sections]]\nname = \"Warm-up\"\ngoals = [\"How each starts the day\"]\nquestions = [\"How does your day start with coffee?\"]\nturn_budget = 2\n",
    )
    .unwrap();
    let seated = format!(
        "{},{}",
        created[0]["id"].as_str().unwrap(),
        created[1]["id"].as_str().unwrap()
    );
    let group = json(&run(&[
        "--json",
        "focus-group",
        "run",
        ws,
        "--guide",
        guide.to_str().unwrap(),
        "--twins",
        &seated,
        "--seed",
        "3",
    ]));
    assert_eq!(group["session"]["status"], "completed", "{group}");
    let turns = group["turns"].as_array().unwrap();
    let answers: Vec<_> = turns.iter().filter(|t| t["speaker"] == "twin").collect();
    assert_eq!(
        answers.len(),
        2,
        "the section's budget of two turns: {group}"
    );
    for answer in &answers {
        assert!(
            answer["act"] == "non_response" || !answer["says"].as_str().unwrap().is_empty(),
            "a turn says something or is a recorded non-response: {answer}"
        );
    }
    assert_eq!(turns.last().unwrap()["act"], "closing");
    assert!(
        group["diagnostics"]["participants"]
            .as_array()
            .unwrap()
            .len()
            == 2
    );
    assert!(
        group["session"]["manifest"]["models"]["twin_dialogue"]
            .as_str()
            .unwrap()
            .starts_with("local/")
    );
    let session = group["session"]["id"].as_str().unwrap();
    let shown = stdout(&run(&["focus-group", "show", session]));
    assert!(shown.contains("Persona checks:"), "{shown}");
    // The finished session replays from the response cache: every call the embedded model
    // answered comes back exactly, and every twin's answer traces to one.
    let replayed = json(&run(&["--json", "focus-group", "replay", session]));
    let calls = replayed["calls"].as_u64().unwrap();
    assert!(calls >= 2, "{replayed}");
    assert_eq!(
        replayed["reproduced"].as_u64().unwrap(),
        calls,
        "{replayed}"
    );
    assert!(
        replayed["missing"].as_array().unwrap().is_empty(),
        "{replayed}"
    );
    assert_eq!(replayed["traced"], replayed["answers"], "{replayed}");
    let questions = dir.path().join("questions.txt");
    std::fs::write(
        &questions,
        "# one question\nWhat do you drink first thing?\n",
    )
    .unwrap();
    let interview = json(&run(&[
        "--json",
        "interview",
        ws,
        "--twin",
        created[0]["id"].as_str().unwrap(),
        "--questions",
        questions.to_str().unwrap(),
    ]));
    assert_eq!(interview["session"]["status"], "completed", "{interview}");
    let turns = interview["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2, "{interview}");
    assert_eq!(turns[0]["says"], "What do you drink first thing?");
    assert_eq!(turns[1]["speaker"], "twin");

    // A short survey of respondents varied from those twins, drawn to the census, answered on
    // the embedded model; its results weighted and crossed by segment.
    let survey = dir.path().join("beans.json");
    std::fs::write(
        &survey,
        r#"{ "format": "profitwheel-survey", "version": 1, "title": "Beans", "questions": [
          { "id": "buy", "type": "single_choice", "text": "Where do you buy coffee beans most often?",
            "options": [ {"id": "shop", "label": "A coffee shop"}, {"id": "store", "label": "A grocery store"} ] },
          { "id": "like", "type": "likert", "points": 5, "labels": ["Strongly disagree", "Strongly agree"],
            "text": "I enjoy trying new roasts." } ] }"#,
    )
    .unwrap();
    let surveyed = json(&run(&[
        "--json",
        "survey",
        "run",
        ws,
        "--survey",
        survey.to_str().unwrap(),
        "--n",
        "6",
        "--seed",
        "4",
    ]));
    assert_eq!(surveyed["run"]["status"], "completed", "{surveyed}");
    assert_eq!(surveyed["run"]["answered"], 6, "{surveyed}");
    let run_id = surveyed["run"]["id"].as_str().unwrap();
    let read = json(&run(&[
        "--json",
        "survey",
        "results",
        run_id,
        "--weighted",
        "--crosstab",
        "segment",
    ]));
    assert_eq!(
        read["results"]["results"]["weighting"]["weighted"], true,
        "{read}"
    );
    let questions = read["results"]["results"]["questions"].as_array().unwrap();
    assert_eq!(questions.len(), 2);
    assert_eq!(questions[0]["asked"], 6);
    assert_eq!(read["crosstabs"].as_array().unwrap().len(), 2, "{read}");
    let text = stdout(&run(&["survey", "results", run_id]));
    assert!(text.contains("[like] I enjoy trying new roasts."), "{text}");
    assert!(text.contains("Reliability: "), "{text}");

    // Grounding reports, written by the analyst on loopback.
    let routed = run(&["models", "route", "analysis", "analyst/analyst-1"]);
    assert!(routed.status.success(), "{}", stderr(&routed));
    let audience = "Coffee recipes & home cafés";
    let ground = run(&[
        "reports",
        "ground",
        ws,
        "--audience",
        audience,
        "--kind",
        "behavior",
    ]);
    assert!(ground.status.success(), "{}", stderr(&ground));
    let reports = json(&run(&[
        "--json",
        "reports",
        "list",
        ws,
        "--audience",
        audience,
    ]));
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0]["kind"], "behavior");
    let report_id = reports[0]["id"].as_str().unwrap();
    let shown = json(&run(&["--json", "reports", "show", report_id]));
    let evidence = shown["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 2, "{shown}");
    for claim in evidence {
        assert_eq!(claim["holds_now"], true, "{claim}");
        let signals = claim["signals"].as_array().unwrap();
        assert!(!signals.is_empty(), "{claim}");
        for signal in signals {
            assert!(
                !signal["rows"].as_array().unwrap().is_empty(),
                "every cited signal shows its rows: {signal}"
            );
        }
    }
    let text = stdout(&run(&["reports", "show", report_id]));
    assert!(
        text.contains("What the evidence says (v1, behavior report"),
        "{text}"
    );
    assert!(text.contains("   ← "), "claims list their signals: {text}");
    assert!(
        text.contains("       · "),
        "and the rows behind them: {text}"
    );
    // Text that is no report id is "not found", as an unknown id is.
    let unknown = run(&["reports", "show", "not-a-report"]);
    assert_eq!(unknown.status.code(), Some(3), "{}", stderr(&unknown));

    let rebuilt = stdout(&run(&["index", "rebuild", ws]));
    assert!(rebuilt.starts_with("Indexed "), "{rebuilt}");
    let status = stdout(&run(&["index", "status", ws]));
    assert!(status.starts_with("Ready"), "{status}");
}
