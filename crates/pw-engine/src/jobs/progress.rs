//! Progress from synchronous callbacks (store exports, demo writes) to a job's
//! async progress reporting.

use pw_jobs::JobContext;

/// Store callbacks are synchronous; this relays their (fraction, sentence) updates to the job's
/// async progress reporting, capped below 1 so only the final transition says "done".
pub(crate) fn forward_progress(
    ctx: &JobContext,
    cap: f64,
) -> (
    tokio::sync::mpsc::UnboundedSender<(f64, String)>,
    tokio::task::JoinHandle<()>,
) {
    let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel::<(f64, String)>();
    let ctx = ctx.clone();
    let reporter = tokio::spawn(async move {
        while let Some((fraction, message)) = updates.recv().await {
            ctx.progress(fraction.min(cap), message).await;
        }
    });
    (sender, reporter)
}
