//! Tauri commands for enrichment (Census tables, web and news search): convert, call the
//! engine, convert.

use pw_engine::connectors::{EnrichmentService, Secret, WebSearchKind};
use pw_ipc::{
    CensusRefreshView, EnrichmentKeyView, IpcError, SetEnrichmentKeyRequest, WebSearchRequest,
    WebSearchView,
};
use tauri::State;

use crate::EngineSlot;

fn service(text: &str) -> Result<EnrichmentService, IpcError> {
    text.parse().map_err(|_| {
        IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            format!("'{text}' is not an enrichment service"),
        )
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_enrichment_keys(
    slot: State<'_, EngineSlot>,
) -> Result<Vec<EnrichmentKeyView>, IpcError> {
    let engine = slot.get()?;
    let mut keys = Vec::new();
    for service in EnrichmentService::ALL {
        let saved = engine.connectors().has_enrichment_key(service).await?;
        keys.push(EnrichmentKeyView::of(service, saved));
    }
    Ok(keys)
}

#[tauri::command]
#[specta::specta]
pub async fn set_enrichment_key(
    slot: State<'_, EngineSlot>,
    request: SetEnrichmentKeyRequest,
) -> Result<EnrichmentKeyView, IpcError> {
    let service = service(&request.service)?;
    let key = request.key.trim();
    if key.is_empty() {
        return Err(IpcError::new(
            pw_ipc::ErrorKind::InvalidInput,
            "paste the key first".to_owned(),
        ));
    }
    slot.get()?
        .connectors()
        .set_enrichment_key(service, Secret::new(key.to_owned()))
        .await?;
    Ok(EnrichmentKeyView::of(service, true))
}

#[tauri::command]
#[specta::specta]
pub async fn remove_enrichment_key(
    slot: State<'_, EngineSlot>,
    service_name: String,
) -> Result<EnrichmentKeyView, IpcError> {
    let service = service(&service_name)?;
    slot.get()?
        .connectors()
        .remove_enrichment_key(service)
        .await?;
    Ok(EnrichmentKeyView::of(service, false))
}

#[tauri::command]
#[specta::specta]
pub async fn refresh_census(
    slot: State<'_, EngineSlot>,
    year: u16,
) -> Result<CensusRefreshView, IpcError> {
    Ok(slot.get()?.connectors().refresh_census(year).await?.into())
}

#[tauri::command]
#[specta::specta]
pub async fn search_web(
    slot: State<'_, EngineSlot>,
    request: WebSearchRequest,
) -> Result<WebSearchView, IpcError> {
    let kind = match request.kind.as_str() {
        "web" => WebSearchKind::Web,
        "news" => WebSearchKind::News,
        other => {
            return Err(IpcError::new(
                pw_ipc::ErrorKind::InvalidInput,
                format!("'{other}' is not a kind of search (web or news)"),
            ));
        }
    };
    Ok(slot
        .get()?
        .connectors()
        .search_web(
            request.workspace_id.parse()?,
            request.query.trim(),
            kind,
            None,
            request.limit,
        )
        .await?
        .into())
}
