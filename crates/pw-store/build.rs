//! Embeds the repository's `migrations/` folder: writes `$OUT_DIR/migrations.rs`, the list of
//! `(version, description, SQL)` the store's migrator is built from, each SQL file included
//! with `include_str!`. (`sqlx::migrate!` does the same, but its macro crate builds a second
//! copy of sqlx and of SQLite for the host: over a minute of every cold build.) Names follow
//! sqlx's rules, so the descriptions and checksums it recorded stay the same.
use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let folder = manifest.join("../../migrations").canonicalize()?;
    let mut files: Vec<(i64, String, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        if stem.ends_with(".up") || stem.ends_with(".down") {
            return Err(format!("{name}: reversible migrations are not used here").into());
        }
        let (version, description) = stem
            .split_once('_')
            .ok_or_else(|| format!("{name}: a migration is named VERSION_DESCRIPTION.sql"))?;
        let version: i64 = version
            .parse()
            .map_err(|_| format!("{name}: the version is not a number"))?;
        files.push((version, description.replace('_', " "), path));
    }
    files.sort();
    let mut list = String::from("&[\n");
    for (version, description, path) in &files {
        let path = path.to_str().ok_or("a migration's path is not UTF-8")?;
        writeln!(
            list,
            "    ({version}, {description:?}, include_str!({path:?})),"
        )?;
    }
    list.push_str("]\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("migrations.rs");
    std::fs::write(out, list)?;
    // Cargo prints nothing else from here: its instructions are read from standard output.
    let mut instructions = format!("cargo:rerun-if-changed={}\n", folder.display());
    for (_, _, path) in &files {
        writeln!(instructions, "cargo:rerun-if-changed={}", path.display())?;
    }
    std::io::Write::write_all(&mut std::io::stdout(), instructions.as_bytes())?;
    Ok(())
}
