//! Writes the survey format's JSON Schema to standard output:
//! `cargo run -p pw-surveys --example survey-schema > docs/survey-format.schema.json`.

use std::io::Write;

fn main() -> std::io::Result<()> {
    let schema = serde_json::to_string_pretty(&pw_surveys::definition::json_schema())
        .map_err(std::io::Error::other)?;
    let mut out = std::io::stdout().lock();
    out.write_all(schema.as_bytes())?;
    out.write_all(b"\n")
}
