//! Pacing a vendor with pw-http: a vendor is one endpoint while its name, kind and address
//! are, and its limits are that endpoint's. What a call costs against the tokens per minute
//! is ours to say ([`crate::ChatRequest::estimated_tokens`]).

use std::sync::Arc;

use pw_http::{Pacer, PacingState};

use crate::vendor::VendorSettings;

/// The limits a person sets for a vendor (or a team's serving cluster).
pub type VendorLimits = pw_http::EndpointLimits;

/// The vendor's pacer, kept in `state` across gateways (see [`PacingState`]).
pub(crate) fn pacer_for(state: &PacingState, settings: &VendorSettings) -> Arc<Pacer> {
    let endpoint = format!(
        "{}\0{}\0{}",
        settings.name,
        settings.kind.as_str(),
        settings.normalised_base_url()
    );
    state.pacer_for(&endpoint, &settings.limits)
}
