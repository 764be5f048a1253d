//! Writes `ui/src/ipc/bindings.ts` from the shell's command and event list (`cargo run -p xtask -- bindings`).

fn main() -> anyhow::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/bindings.ts");
    pw_desktop::ipc::export_bindings(&path)
}
