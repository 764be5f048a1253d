//! Rebuild when a migration is added or changed: `sqlx::migrate!` embeds the folder at compile time.
#![allow(
    clippy::print_stdout,
    reason = "cargo reads build script instructions from stdout"
)]
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
