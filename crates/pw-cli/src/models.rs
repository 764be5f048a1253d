//! `profitwheel models …`: the language-model settings, key checks, questions and spend, for
//! scripts and for people without the window.

use std::io::BufRead;
use std::sync::Arc;

use pw_engine::jobs::JobState;
use pw_engine::models::{
    CallScope, ChatMessage, ChatRequest, Route, TASKS, Task, VendorInput, VendorKind,
};
use pw_engine::{Engine, EngineError, Secret};
use serde_json::json;

use crate::ModelsCommand;
use crate::output::{Output, grouped};

fn task(text: &str) -> Result<Task, EngineError> {
    TASKS
        .into_iter()
        .find(|t| t.as_str() == text)
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "'{text}' is not a task; use one of: {}",
                TASKS.map(|t| t.as_str()).join(", ")
            ))
        })
}

/// `vendor/model`; the model part may itself contain slashes (`groq/openai/gpt-oss-20b`).
pub(crate) fn route(text: &str) -> Result<Route, EngineError> {
    text.split_once('/')
        .filter(|(vendor, model)| !vendor.is_empty() && !model.is_empty())
        .map(|(vendor, model)| Route::new(vendor, model))
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "'{text}' should be vendor/model, e.g. openai/gpt-4o-mini"
            ))
        })
}

fn dollars(micros: i64) -> String {
    match micros.abs() < 10_000 {
        true => format!("${:.4}", micros as f64 / 1e6),
        false => format!("${}", grouped(micros as f64 / 1e6, 2)),
    }
}

pub(crate) async fn run(
    engine: &Arc<Engine>,
    out: &Output,
    command: &ModelsCommand,
) -> Result<(), EngineError> {
    match command {
        ModelsCommand::Status => {
            let settings = engine.models().settings().await?;
            if out.json {
                out.value(&json!({
                    "offline": settings.offline,
                    "vendors": settings.vendors.iter().map(|v| json!({
                        "name": v.name, "kind": v.kind.as_str(), "baseUrl": v.base_url,
                        "keyConfigured": v.key_configured, "needsKey": v.needs_key,
                    })).collect::<Vec<_>>(),
                    "routes": settings.routes.iter().map(|r| json!({
                        "task": r.task.as_str(),
                        "chain": r.chain.iter().map(|c| format!("{}/{}", c.vendor, c.model)).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                    "localChatModel": settings.local_chat_model.present,
                    "localEmbeddingModel": settings.local_embedding_model.present,
                }));
                return Ok(());
            }
            out.line(&format!(
                "Offline mode: {}",
                if settings.offline { "on" } else { "off" }
            ));
            out.line("Vendors:");
            if settings.vendors.is_empty() {
                out.line("  (none: every task uses the local model)");
            }
            for vendor in &settings.vendors {
                let key = match (vendor.key_configured, vendor.needs_key) {
                    (true, _) => "key configured",
                    (false, true) => "no key",
                    (false, false) => "no key needed",
                };
                out.line(&format!(
                    "  {:<16} {:<26} {key:<16} {}",
                    vendor.name,
                    vendor.kind.display_name(),
                    vendor.base_url
                ));
            }
            out.line("Models per task:");
            for route in &settings.routes {
                let chain = match route.chain.is_empty() {
                    true => "local model".to_owned(),
                    false => route
                        .chain
                        .iter()
                        .map(|r| format!("{}/{}", r.vendor, r.model))
                        .collect::<Vec<_>>()
                        .join(" → "),
                };
                out.line(&format!("  {:<14} {chain}", route.task.as_str()));
            }
            for model in [&settings.local_chat_model, &settings.local_embedding_model] {
                out.line(&format!(
                    "Local: {} ({})",
                    model.name,
                    if model.present {
                        "ready"
                    } else {
                        "missing: run scripts/fetch-models"
                    }
                ));
            }
        }
        ModelsCommand::Add {
            kind,
            name,
            base_url,
            rpm,
            tpm,
            concurrency,
            azure_api_version,
        } => {
            let kind = VendorKind::parse(kind).ok_or_else(|| {
                EngineError::InvalidInput(format!(
                    "'{kind}' is not a vendor; use one of: {}",
                    VendorKind::ALL.map(|k| k.as_str()).join(", ")
                ))
            })?;
            let saved = engine
                .models()
                .save_vendor(VendorInput {
                    name: name.clone(),
                    kind,
                    base_url: base_url.clone(),
                    requests_per_minute: *rpm,
                    tokens_per_minute: *tpm,
                    max_concurrency: *concurrency,
                    azure_api_version: azure_api_version.clone(),
                })
                .await?;
            let next = match (saved.needs_key, saved.key_configured) {
                (true, false) => {
                    format!("; now store its key: profitwheel models key {}", saved.name)
                }
                _ => String::new(),
            };
            out.line(&format!(
                "Saved {} ({}) at {}{next}",
                saved.name,
                saved.kind.display_name(),
                saved.base_url
            ));
        }
        ModelsCommand::Key { vendor } => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| EngineError::InvalidInput(format!("could not read the key: {e}")))?;
            let key = Secret::new(line.trim().to_owned());
            line.clear();
            engine.models().set_vendor_key(vendor, key).await?;
            out.line(&format!(
                "Stored the key for {vendor} in the system keychain"
            ));
        }
        ModelsCommand::Remove { vendor } => {
            engine.models().remove_vendor(vendor).await?;
            out.line(&format!("Removed {vendor} and its key"));
        }
        ModelsCommand::Test { vendor, model } => {
            let check = engine.models().test_vendor(vendor, model.clone()).await?;
            if out.json {
                out.value(
                    &json!({ "ok": true, "model": check.model, "latencyMs": check.latency_ms }),
                );
            } else {
                out.line(&format!(
                    "OK: {vendor} answered with {} in {} ms",
                    check.model, check.latency_ms
                ));
            }
        }
        ModelsCommand::Download { url, sha256 } => {
            engine.start_workers().await;
            let job = engine.models().start_download(url, sha256.clone()).await?;
            let done = engine.jobs().wait(&job.id, |j| out.progress(j)).await?;
            if done.state != JobState::Succeeded {
                return Err(EngineError::InvalidInput(format!(
                    "the download failed: {}",
                    done.last_error.as_deref().unwrap_or("unknown error")
                )));
            }
            let path = done
                .result
                .as_ref()
                .and_then(|r| r["path"].as_str())
                .unwrap_or_default()
                .to_owned();
            out.line(&format!(
                "Downloaded {path}; use it with: profitwheel models local {path}"
            ));
        }
        ModelsCommand::Local { file } => {
            engine.models().set_local_chat_model(file.clone()).await?;
            out.line(&match file {
                Some(file) => format!("The local chat model is now {}", file.display()),
                None => "The local chat model is the bundled SmolLM2 again".to_owned(),
            });
        }
        ModelsCommand::Traces {
            endpoint,
            sample_rate,
            headers_from_stdin,
            off,
        } => {
            let headers = match headers_from_stdin {
                true => {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(
                        |e| EngineError::InvalidInput(format!("could not read the headers: {e}")),
                    )?;
                    Some(Secret::new(text))
                }
                false => None,
            };
            let endpoint = match off {
                true => None,
                false => match endpoint {
                    Some(endpoint) => Some(endpoint.clone()),
                    None => engine.models().trace_export().await?.endpoint,
                },
            };
            engine
                .models()
                .set_trace_export(endpoint.clone(), *sample_rate, headers)
                .await?;
            let settings = engine.models().trace_export().await?;
            out.line(&match endpoint {
                Some(endpoint) => format!(
                    "Model-call traces go to {endpoint}, {:.0}% sampled{}",
                    settings.sample_rate * 100.0,
                    if settings.headers_configured {
                        ", with the stored headers"
                    } else {
                        ""
                    }
                ),
                None => "Model-call traces stay on this computer".to_owned(),
            });
        }
        ModelsCommand::Workspace { workspace, model } => {
            let overview = engine.workspaces().find(workspace).await?;
            let route = model.as_deref().map(route).transpose()?;
            engine
                .models()
                .set_workspace_model(overview.workspace.id, route)
                .await?;
            out.line(&format!(
                "“{}” now answers with {}",
                overview.workspace.name,
                model.as_deref().unwrap_or("the models per task")
            ));
        }
        ModelsCommand::Route { task: name, models } => {
            let task = task(name)?;
            let chain = models
                .iter()
                .map(|text| route(text))
                .collect::<Result<Vec<_>, _>>()?;
            engine.models().set_task_route(task, chain).await?;
            out.line(&format!(
                "{} now uses: {}",
                task.as_str(),
                match models.is_empty() {
                    true => "the local model".to_owned(),
                    false => models.join(" → "),
                }
            ));
        }
        ModelsCommand::Offline { state } => {
            let offline = match state.as_str() {
                "on" => true,
                "off" => false,
                other => {
                    return Err(EngineError::InvalidInput(format!(
                        "say 'on' or 'off', not '{other}'"
                    )));
                }
            };
            engine.models().set_offline(offline).await?;
            out.line(&format!(
                "Offline mode is {}",
                if offline {
                    "on: only local models answer"
                } else {
                    "off"
                }
            ));
        }
        ModelsCommand::Ask {
            question,
            task: name,
            workspace,
            max_tokens,
            seed,
        } => {
            let scope = match workspace {
                Some(w) => CallScope::workspace(
                    engine.workspaces().find(w).await?.workspace.id.to_string(),
                ),
                None => CallScope::default(),
            };
            let mut request =
                ChatRequest::new(task(name)?, vec![ChatMessage::user(question.clone())])
                    .in_scope(scope);
            request.max_tokens = *max_tokens;
            request.seed = *seed;
            let reply = engine.models().chat(&request).await?;
            if out.json {
                out.value(&json!({
                    "text": reply.text, "vendor": reply.vendor, "model": reply.model,
                    "inputTokens": reply.usage.input_tokens, "outputTokens": reply.usage.output_tokens,
                }));
            } else {
                out.line(&reply.text);
            }
        }
        ModelsCommand::Spend { workspace, days } => {
            let overview = engine.workspaces().find(workspace).await?;
            let spend = engine
                .models()
                .workspace_spend(overview.workspace.id, *days)
                .await?;
            if out.json {
                out.value(&json!({
                    "totalMicros": spend.total_micros, "calls": spend.calls, "unpricedCalls": spend.unpriced_calls, "cacheHits": spend.cache_hits,
                    "failedCalls": spend.failed_calls, "inputTokens": spend.input_tokens, "outputTokens": spend.output_tokens,
                    "byModel": spend.by_model.iter().map(|m| json!({
                        "vendor": m.vendor, "model": m.model, "costMicros": m.cost_micros, "calls": m.calls,
                        "unpricedCalls": m.unpriced_calls,
                    })).collect::<Vec<_>>(),
                    "byStudy": spend.by_study.iter().map(|s| json!({
                        "studyId": s.study_id, "title": s.title, "spentMicros": s.spent_micros,
                        "budgetMicros": s.budget_micros, "calls": s.calls,
                    })).collect::<Vec<_>>(),
                }));
                return Ok(());
            }
            out.line(&format!(
                "{}: {} on {} calls ({} from the cache, {} failed), {} tokens in, {} out",
                overview.workspace.name,
                dollars(spend.total_micros),
                spend.calls,
                spend.cache_hits,
                spend.failed_calls,
                grouped(spend.input_tokens as f64, 0),
                grouped(spend.output_tokens as f64, 0)
            ));
            if spend.unpriced_calls > 0 {
                out.line(&format!(
                    "  and {} calls to models without a price, whose cost is unknown",
                    spend.unpriced_calls
                ));
            }
            for model in &spend.by_model {
                out.line(&format!(
                    "  {:<40} {:>10} {:>6} calls",
                    format!("{}/{}", model.vendor, model.model),
                    dollars(model.cost_micros),
                    model.calls
                ));
            }
            for study in &spend.by_study {
                let budget = study
                    .budget_micros
                    .map(|b| format!(" of {}", dollars(b)))
                    .unwrap_or_default();
                out.line(&format!(
                    "  study “{}”: {}{budget}",
                    study.title,
                    dollars(study.spent_micros)
                ));
            }
        }
        ModelsCommand::Prices => {
            let models = engine.models().catalogue().await?;
            let unpriced = engine.models().unpriced().await?;
            if out.json {
                let unknown = unpriced.iter().map(|r| {
                    json!({
                        "vendor": r.vendor, "model": r.model, "contextWindow": null,
                        "inputMicrosPerMtok": null, "outputMicrosPerMtok": null,
                        "embedding": false, "source": "no price set",
                    })
                });
                out.value(&json!(unknown.chain(models.iter().map(|m| json!({
                    "vendor": m.vendor, "model": m.model, "contextWindow": m.context_window,
                    "inputMicrosPerMtok": m.input_micros_per_mtok, "outputMicrosPerMtok": m.output_micros_per_mtok,
                    "embedding": m.embedding, "source": m.source,
                }))).collect::<Vec<_>>()));
                return Ok(());
            }
            for route in &unpriced {
                out.line(&format!(
                    "{:<12} {:<28} price unknown: set one to use it in a study with a budget",
                    route.vendor, route.model
                ));
            }
            for m in &models {
                out.line(&format!(
                    "{:<12} {:<28} {:>9} tokens  in ${:>7.3}/M  out ${:>7.3}/M",
                    m.vendor,
                    m.model,
                    grouped(f64::from(m.context_window), 0),
                    m.input_micros_per_mtok as f64 / 1e6,
                    m.output_micros_per_mtok as f64 / 1e6
                ));
            }
        }
    }
    Ok(())
}
