//! The vendors ProfitWheel can call, and how each is reached through its OpenAI-compatible
//! endpoint: base URL, authentication header, and the extra headers some require.

use serde::{Deserialize, Serialize};

use crate::limits::VendorLimits;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VendorKind {
    OpenAi,
    Anthropic,
    Gemini,
    Groq,
    Cohere,
    Cerebras,
    DeepSeek,
    Perplexity,
    OpenRouter,
    AzureOpenAi,
    /// Any OpenAI-compatible server: Ollama, LM Studio, llama.cpp's server, vLLM.
    OpenAiCompatible,
}

impl VendorKind {
    pub const ALL: [VendorKind; 11] = [
        VendorKind::OpenAi,
        VendorKind::Anthropic,
        VendorKind::Gemini,
        VendorKind::Groq,
        VendorKind::Cohere,
        VendorKind::Cerebras,
        VendorKind::DeepSeek,
        VendorKind::Perplexity,
        VendorKind::OpenRouter,
        VendorKind::AzureOpenAi,
        VendorKind::OpenAiCompatible,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The vendor's name as people write it.
    pub fn display_name(self) -> &'static str {
        match self {
            VendorKind::OpenAi => "OpenAI",
            VendorKind::Anthropic => "Anthropic",
            VendorKind::Gemini => "Google Gemini",
            VendorKind::Groq => "Groq",
            VendorKind::Cohere => "Cohere",
            VendorKind::Cerebras => "Cerebras",
            VendorKind::DeepSeek => "DeepSeek",
            VendorKind::Perplexity => "Perplexity",
            VendorKind::OpenRouter => "OpenRouter",
            VendorKind::AzureOpenAi => "Azure OpenAI",
            VendorKind::OpenAiCompatible => "OpenAI-compatible server",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            VendorKind::OpenAi => "openai",
            VendorKind::Anthropic => "anthropic",
            VendorKind::Gemini => "gemini",
            VendorKind::Groq => "groq",
            VendorKind::Cohere => "cohere",
            VendorKind::Cerebras => "cerebras",
            VendorKind::DeepSeek => "deepseek",
            VendorKind::Perplexity => "perplexity",
            VendorKind::OpenRouter => "openrouter",
            VendorKind::AzureOpenAi => "azure_openai",
            VendorKind::OpenAiCompatible => "openai_compatible",
        }
    }

    /// The `gen_ai.provider.name` of the OpenTelemetry GenAI conventions (their listed values
    /// where one exists).
    pub fn otel_provider_name(self) -> &'static str {
        match self {
            VendorKind::OpenAi => "openai",
            VendorKind::Anthropic => "anthropic",
            VendorKind::Gemini => "gcp.gemini",
            VendorKind::Groq => "groq",
            VendorKind::Cohere => "cohere",
            VendorKind::Cerebras => "cerebras",
            VendorKind::DeepSeek => "deepseek",
            VendorKind::Perplexity => "perplexity",
            VendorKind::OpenRouter => "openrouter",
            VendorKind::AzureOpenAi => "azure.ai.openai",
            VendorKind::OpenAiCompatible => "openai_compatible",
        }
    }

    /// The vendor's OpenAI-compatible API root. Azure's depends on the resource name and a
    /// local server's on where it runs, so those have none.
    pub fn default_base_url(self) -> Option<&'static str> {
        Some(match self {
            VendorKind::OpenAi => "https://api.openai.com/v1",
            VendorKind::Anthropic => "https://api.anthropic.com/v1",
            VendorKind::Gemini => "https://generativelanguage.googleapis.com/v1beta/openai",
            VendorKind::Groq => "https://api.groq.com/openai/v1",
            VendorKind::Cohere => "https://api.cohere.ai/compatibility/v1",
            VendorKind::Cerebras => "https://api.cerebras.ai/v1",
            VendorKind::DeepSeek => "https://api.deepseek.com/v1",
            VendorKind::Perplexity => "https://api.perplexity.ai",
            VendorKind::OpenRouter => "https://openrouter.ai/api/v1",
            VendorKind::AzureOpenAi | VendorKind::OpenAiCompatible => return None,
        })
    }

    /// Headers the vendor needs beyond authentication.
    pub fn default_headers(self) -> Vec<(String, String)> {
        match self {
            // OpenRouter attributes traffic to the calling app with these (optional, polite).
            VendorKind::OpenRouter => vec![
                ("HTTP-Referer".into(), "https://profitwheel.app".into()),
                ("X-Title".into(), "ProfitWheel Desktop".into()),
            ],
            _ => Vec::new(),
        }
    }
}

/// How to reach one configured vendor. The API key is handed over at call time from the OS
/// keychain and lives only in memory here.
#[derive(Clone)]
pub struct VendorSettings {
    /// A name for this configuration ("openai", "team-vllm"), unique in the gateway.
    pub name: String,
    pub kind: VendorKind,
    pub base_url: String,
    pub api_key: Option<String>,
    pub extra_headers: Vec<(String, String)>,
    pub limits: VendorLimits,
    /// Azure OpenAI's `api-version` query parameter.
    pub azure_api_version: Option<String>,
}

impl std::fmt::Debug for VendorSettings {
    // Never print the key, even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorSettings")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<configured>"))
            .field("extra_headers", &self.extra_headers)
            .field("limits", &self.limits)
            .finish()
    }
}

impl VendorSettings {
    /// The base URL as one address however it was typed: scheme and host lower-case, the
    /// default port and a trailing slash dropped.
    pub(crate) fn normalised_base_url(&self) -> String {
        let typed = self.base_url.trim();
        match reqwest::Url::parse(typed) {
            Ok(url) => url.as_str().trim_end_matches('/').to_owned(),
            Err(_) => typed.trim_end_matches('/').to_owned(),
        }
    }

    /// A vendor at its public endpoint with its default headers.
    pub fn hosted(kind: VendorKind, api_key: impl Into<String>) -> Option<Self> {
        Some(VendorSettings {
            name: kind.as_str().to_owned(),
            kind,
            base_url: kind.default_base_url()?.to_owned(),
            api_key: Some(api_key.into()),
            extra_headers: kind.default_headers(),
            limits: VendorLimits::default(),
            azure_api_version: None,
        })
    }

    /// An OpenAI-compatible server at `base_url` (Ollama, vLLM, llama.cpp server, a test server).
    pub fn compatible(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        VendorSettings {
            name: name.into(),
            kind: VendorKind::OpenAiCompatible,
            base_url: base_url.into(),
            api_key: None,
            extra_headers: Vec::new(),
            limits: VendorLimits::default(),
            azure_api_version: None,
        }
    }
}
