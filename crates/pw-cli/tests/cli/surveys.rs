//! Surveys from the command line: the documented file format imported, exported and refused
//! when malformed, naming the question.

use crate::{profitwheel, stderr, stdout};

#[test]
fn a_survey_file_imports_exports_and_a_malformed_one_is_refused_naming_the_question() {
    let dir = tempfile::tempdir().unwrap();
    let created = profitwheel(dir.path(), &["workspace", "create", "--name", "Acme"]);
    assert!(created.status.success(), "{}", stderr(&created));
    // The documented example, as a user would copy it.
    let doc = include_str!("../../../../docs/survey-format.md");
    let example = doc
        .split("```json\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let file = dir.path().join("gift-box.json");
    std::fs::write(&file, example).unwrap();
    let imported = profitwheel(
        dir.path(),
        &["--json", "survey", "import", "Acme", file.to_str().unwrap()],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let summary: serde_json::Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(summary["questions"], 10);
    let id = summary["id"].as_str().unwrap();

    let copy = dir.path().join("copy.json");
    let exported = profitwheel(
        dir.path(),
        &["survey", "export", id, "--out", copy.to_str().unwrap()],
    );
    assert!(exported.status.success(), "{}", stderr(&exported));
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&copy).unwrap()).unwrap();
    assert_eq!(again["questions"].as_array().unwrap().len(), 10);
    assert!(!dir.path().join("copy.partial").exists());
    let shown = stdout(&profitwheel(dir.path(), &["survey", "show", id]));
    assert!(shown.contains("may skip to intent"), "{shown}");

    // A malformed file: a clear error naming the question and field, and nothing imported.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        example.replacen("\"points\": 5", "\"points\": 6", 1),
    )
    .unwrap();
    let refused = profitwheel(
        dir.path(),
        &["survey", "import", "Acme", broken.to_str().unwrap()],
    );
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(
            "question 2 (\"liking\"), field \"points\": a scale has 5 or 7 points, not 6"
        ),
        "{}",
        stderr(&refused)
    );
    let listed = profitwheel(dir.path(), &["--json", "survey", "list", "Acme"]);
    let surveys: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(surveys.as_array().unwrap().len(), 1);
}
