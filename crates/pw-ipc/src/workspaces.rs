//! Workspaces: one per client brand.

use pw_engine::workspaces::WorkspaceOverview;

use crate::vocabulary::instant_text;
use crate::{DateRange, ModelRoute};
use serde::{Deserialize, Serialize};
use specta::Type;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
    pub is_demo: bool,
    pub created_at: String,
    pub campaign_count: u32,
    pub data_range: Option<DateRange>,
    /// The model this workspace answers with first; `null`: the models per task.
    pub default_model: Option<ModelRoute>,
}

impl From<WorkspaceOverview> for WorkspaceSummary {
    fn from(overview: WorkspaceOverview) -> Self {
        let w = overview.workspace;
        WorkspaceSummary {
            id: w.id.to_string(),
            name: w.name,
            brand: w.brand,
            currency: w.currency.as_str().to_owned(),
            time_zone: w.time_zone,
            is_demo: w.is_demo,
            created_at: instant_text(w.created_at),
            campaign_count: overview.campaign_count,
            data_range: overview.data_range.map(Into::into),
            default_model: w
                .default_model
                .map(|(vendor, model)| ModelRoute { vendor, model }),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct CreateWorkspaceRequest {
    pub name: String,
    pub brand: String,
    pub currency: String,
    pub time_zone: String,
}

impl From<CreateWorkspaceRequest> for pw_engine::workspaces::CreateWorkspace {
    fn from(r: CreateWorkspaceRequest) -> Self {
        pw_engine::workspaces::CreateWorkspace {
            name: r.name,
            brand: r.brand,
            currency: r.currency,
            time_zone: r.time_zone,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceExportRequest {
    pub workspace_id: String,
}
