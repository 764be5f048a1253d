//! Vendors reached over HTTP: their settings, pacer and HTTP client, the async-openai client a
//! call builds for one, the connection a call holds, and how a vendor's failures read as
//! [`LlmError`].

use std::sync::Arc;

use async_openai::Client;
use async_openai::config::{AzureConfig, Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use pw_http::{Attempts, Pacer, backoff};

use super::Gateway;
use super::routing::Route;
use crate::error::{LlmError, Result};
use crate::limits::pacer_for;
use crate::transport::VendorTransport;
use crate::types::ChatRequest;
use crate::vendor::{VendorKind, VendorSettings};

pub(super) struct VendorHandle {
    pub(super) settings: VendorSettings,
    pacer: Arc<Pacer>,
    http: reqwest::Client,
}

/// How a vendor takes "answer in this JSON shape".
pub(super) enum StructuredMode {
    JsonSchema,
    JsonObject,
}

pub(super) fn structured_mode(kind: VendorKind) -> StructuredMode {
    match kind {
        VendorKind::OpenAi
        | VendorKind::AzureOpenAi
        | VendorKind::Gemini
        | VendorKind::Groq
        | VendorKind::Cerebras
        | VendorKind::OpenRouter
        | VendorKind::Perplexity
        | VendorKind::OpenAiCompatible => StructuredMode::JsonSchema,
        // These accept JSON mode but not a schema; the schema travels in the prompt.
        VendorKind::Anthropic | VendorKind::Cohere | VendorKind::DeepSeek => {
            StructuredMode::JsonObject
        }
    }
}

/// One call's way to a vendor: its client, the concurrency slot it holds, and the HTTP
/// requests it has sent so far (shared with the call's bill).
pub(super) struct Connection<'g> {
    vendor: &'g VendorHandle,
    pub(super) client: Client<Box<dyn Config>>,
    attempts: Arc<Attempts>,
    _slot: tokio::sync::OwnedSemaphorePermit,
}

impl Connection<'_> {
    fn attempts_made(&self) -> u32 {
        self.attempts.sent()
    }

    /// The vendor's failure, as the call reports it (with the attempts really made).
    pub(super) fn failure(&self, error: OpenAIError) -> LlmError {
        map_error(self.vendor, error, self.attempts_made())
    }

    /// After an empty answer: waits the backoff and says whether attempts remain, or fails.
    pub(super) async fn after_empty_answer(&self) -> Result<()> {
        let made = self.attempts_made();
        let limits = &self.vendor.settings.limits;
        if made >= limits.max_attempts.max(1) {
            return Err(LlmError::EmptyAnswer {
                vendor: self.vendor.settings.name.clone(),
                attempts: made,
            });
        }
        let delay = backoff(limits.base_backoff, made);
        tracing::warn!(vendor = %self.vendor.settings.name, attempt = made, ?delay, "the vendor answered with nothing; asking again");
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

impl Gateway {
    pub fn add_vendor(&mut self, settings: VendorSettings) -> Result<()> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            // A stream that goes quiet this long has died.
            .read_timeout(settings.limits.request_timeout)
            .user_agent(concat!("ProfitWheel/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmError::Unreachable {
                vendor: settings.name.clone(),
                attempts: 0,
                message: e.to_string(),
            })?;
        let pacer = pacer_for(&self.pacing, &settings);
        self.vendors.insert(
            settings.name.clone(),
            Arc::new(VendorHandle {
                settings,
                pacer,
                http,
            }),
        );
        Ok(())
    }

    pub(super) fn vendor_kind(&self, vendor: &str) -> Option<VendorKind> {
        self.vendors.get(vendor).map(|v| v.settings.kind)
    }

    pub(super) fn vendor(&self, name: &str) -> Result<&Arc<VendorHandle>> {
        self.vendors
            .get(name)
            .ok_or_else(|| LlmError::VendorNotConfigured {
                vendor: name.to_owned(),
            })
    }

    /// Waits for the vendor's turn (requests and tokens per minute, concurrency) and builds
    /// its client, counting its HTTP requests in `attempts` (the call's bill reads them). The
    /// connection holds the concurrency slot until the caller drops it.
    pub(super) async fn connect(
        &self,
        route: &Route,
        request: &ChatRequest,
        attempts: Arc<Attempts>,
    ) -> Result<Connection<'_>> {
        let vendor = self.vendor(&route.vendor)?;
        let slot = vendor
            .pacer
            .admit(request.estimated_tokens())
            .await
            .map_err(|refusal| LlmError::paced(&route.vendor, refusal))?;
        let client = client(vendor, &route.model, attempts.clone())?;
        Ok(Connection {
            vendor,
            client,
            attempts,
            _slot: slot,
        })
    }
}

fn client(
    vendor: &VendorHandle,
    model: &str,
    attempts: Arc<Attempts>,
) -> Result<Client<Box<dyn Config>>> {
    let settings = &vendor.settings;
    let not_configured = || LlmError::VendorNotConfigured {
        vendor: settings.name.clone(),
    };
    let config: Box<dyn Config> = match settings.kind {
        VendorKind::AzureOpenAi => Box::new(
            AzureConfig::new()
                .with_api_base(&settings.base_url)
                .with_api_key(settings.api_key.clone().ok_or_else(not_configured)?)
                .with_deployment_id(model)
                .with_api_version(
                    settings
                        .azure_api_version
                        .clone()
                        .unwrap_or_else(|| "2024-10-21".into()),
                ),
        ),
        kind => {
            let key = match (&settings.api_key, kind) {
                (Some(key), _) => key.clone(),
                // Local servers take any key.
                (None, VendorKind::OpenAiCompatible) => "not-needed".to_owned(),
                (None, _) => return Err(not_configured()),
            };
            let mut config = OpenAIConfig::new()
                .with_api_base(&settings.base_url)
                .with_api_key(key);
            for (name, value) in &settings.extra_headers {
                let header = http::HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                    LlmError::Refused {
                        vendor: settings.name.clone(),
                        status: 0,
                        message: format!("header {name} is not valid: {e}"),
                    }
                })?;
                config =
                    config
                        .with_header(header, value.as_str())
                        .map_err(|e| LlmError::Refused {
                            vendor: settings.name.clone(),
                            status: 0,
                            message: format!("header {name} is not valid: {e}"),
                        })?;
            }
            Box::new(config)
        }
    };
    let transport = VendorTransport::new(
        &settings.name,
        vendor.http.clone(),
        vendor.pacer.clone(),
        attempts,
    );
    Ok(Client::with_config(config).with_http_service(transport))
}

fn map_error(vendor: &VendorHandle, error: OpenAIError, attempts: u32) -> LlmError {
    let mut error = describe_error(vendor, error, attempts);
    // Some vendors echo the key they were sent in a 401's message; it must not travel on
    // into logs, the ledger or the screen.
    if let Some(key) = vendor.settings.api_key.as_deref().filter(|k| k.len() >= 8) {
        error.redact(key);
    }
    error
}

fn describe_error(vendor: &VendorHandle, error: OpenAIError, attempts: u32) -> LlmError {
    let name = vendor.settings.name.clone();
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            let message = response.api_error.message.clone();
            if status == 429 {
                LlmError::RateLimited {
                    vendor: name,
                    attempts,
                }
            } else if status >= 500 || status == 408 {
                LlmError::VendorFailed {
                    vendor: name,
                    status,
                    attempts,
                    message,
                }
            } else {
                LlmError::Refused {
                    vendor: name,
                    status,
                    message,
                }
            }
        }
        OpenAIError::JSONDeserialize(error, _) => LlmError::MalformedResponse {
            vendor: name,
            message: error.to_string(),
        },
        OpenAIError::StreamError(error) => LlmError::StreamInterrupted {
            vendor: name,
            message: error.to_string(),
        },
        // Our transport's own verdicts (a vendor asking for too long a wait) come back
        // through async-openai boxed.
        OpenAIError::Boxed(boxed) => match boxed.downcast::<LlmError>() {
            Ok(ours) => *ours,
            Err(other) => LlmError::Unreachable {
                vendor: name,
                attempts,
                message: other.to_string(),
            },
        },
        other => LlmError::Unreachable {
            vendor: name,
            attempts,
            message: other.to_string(),
        },
    }
}
