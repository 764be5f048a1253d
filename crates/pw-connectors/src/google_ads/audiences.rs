//! Google Ads' audiences: the account's own audience lists (remarketing and customer lists,
//! read by GAQL from `user_list` with the sizes Google gives them) and, for each, Google's
//! audience composition insights (`generateAudienceCompositionInsights`): the affinity and
//! in-market interests that over-index in the list against the country's online population,
//! and its age and gender mix. These are who the brand already reaches, described the way
//! twins are built.
//!
//! Inferred rather than verified against the live API: the insights audience names a list as
//! `userList.userList` (documented from v21 on, the version the connector is written against),
//! and lists too small for insights answer an error — such a list is kept with its size, and
//! its demographics say why it has no composition (`composition_unavailable`).

use serde_json::{Value, json};

use super::{GoogleAdsConnector, VERSION, judge, text_at};
use crate::error::{ConnectorError, Result};
use crate::normalise::Unmappable;
use crate::records::{Page, RemoteAccount, RemoteAudience};
use pw_domain::AudienceKind;

/// The country the composition is measured in: Google asks for one, and the accounts this
/// product serves are US marketers first (the Census enrichment is US too).
const COUNTRY: &str = "geoTargetConstants/2840";

/// The dimensions asked for: interests (the twins' "what they care about") and demographics.
const DIMENSIONS: [&str; 4] = [
    "AFFINITY_USER_INTEREST",
    "IN_MARKET_USER_INTEREST",
    "AGE_RANGE",
    "GENDER",
];

/// Lists described per page of lists (a page holds up to 10,000): each is one insights request,
/// and lists past these keep their sizes, reported as not described.
const LISTS_DESCRIBED: usize = 50;

const LISTS_QUERY: &str = "SELECT user_list.id, user_list.name, user_list.description, user_list.type, user_list.size_for_display, user_list.size_for_search FROM user_list WHERE user_list.membership_status = 'OPEN' ORDER BY user_list.id";

/// A list's size: Google gives an approximate count per network (display, search); the larger
/// is how many people the list can reach, and a list with neither has no size yet.
fn size_of(row: &Value) -> Option<i64> {
    ["/userList/sizeForDisplay", "/userList/sizeForSearch"]
        .iter()
        .filter_map(|path| text_at(row, path)?.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .max()
}

/// The composition's sections as the audience's interests and demographics.
fn composition(answer: &Value) -> (Value, Value) {
    let mut interests = Vec::new();
    let mut ages = Vec::new();
    let mut genders = Vec::new();
    let sections = answer.get("sections").and_then(Value::as_array);
    for section in sections.into_iter().flatten() {
        let dimension = section
            .get("dimension")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let attributes = section.get("topAttributes").and_then(Value::as_array);
        for attribute in attributes.into_iter().flatten() {
            let Some(name) = text_at(attribute, "/attributeMetadata/displayName") else {
                continue;
            };
            let metric = |field: &str| attribute.pointer(&format!("/metrics/{field}")).cloned();
            match dimension {
                "AFFINITY_USER_INTEREST" | "IN_MARKET_USER_INTEREST" => interests.push(json!({
                    "id": text_at(attribute, "/attributeMetadata/attribute/userInterest/userInterestCategory"),
                    "name": name,
                    "kind": if dimension == "AFFINITY_USER_INTEREST" { "affinity" } else { "in-market" },
                    "share": metric("audienceShare"),
                    "baseline_share": metric("baselineAudienceShare"),
                    "index": metric("index"),
                })),
                "AGE_RANGE" => ages.push(json!({"name": name, "share": metric("audienceShare")})),
                "GENDER" => genders.push(json!({"name": name, "share": metric("audienceShare")})),
                _ => {}
            }
        }
    }
    (
        Value::Array(interests),
        json!({"ages": ages, "genders": genders, "country": COUNTRY}),
    )
}

impl GoogleAdsConnector {
    pub(super) async fn audiences(
        &self,
        account: &RemoteAccount,
        page: Option<String>,
    ) -> Result<Page<RemoteAudience>> {
        let manager = account.via_manager.as_deref();
        let answer = self
            .search(&account.external_id, manager, LISTS_QUERY, page)
            .await?;
        let mut out = Page::last(Vec::with_capacity(answer.results.len()));
        out.next = answer.next_page_token.filter(|t| !t.is_empty());
        // Composition is extra: when Google asks to slow down, the remaining lists keep their
        // sizes without it, rather than the wait stopping every other stream of the sync. A
        // list left undescribed says why in its demographics, so nothing is silently bare.
        let mut describing = true;
        for (index, row) in answer.results.iter().enumerate() {
            let (Some(id), Some(name)) =
                (text_at(row, "/userList/id"), text_at(row, "/userList/name"))
            else {
                out.issues.push(Unmappable {
                    field: "user_list".into(),
                    value: row.to_string(),
                    reason: "an audience list without an id or a name".into(),
                });
                continue;
            };
            let size = size_of(row);
            let undescribed = |why: String| (json!([]), json!({ "composition_unavailable": why }));
            let (interests, demographics) = if !describing {
                undescribed("Google asked to slow down; the next sync describes this list".into())
            } else if index >= LISTS_DESCRIBED {
                undescribed(format!(
                    "only the first {LISTS_DESCRIBED} lists of a page are described"
                ))
            } else {
                match self.composition(account, &id).await {
                    Ok(answer) => composition(&answer),
                    // A dead token, a stop or a local failure ends the stream; one list Google
                    // will not describe (too small, too new) keeps its size without composition.
                    Err(
                        error @ (ConnectorError::Reconnect { .. }
                        | ConnectorError::Cancelled
                        | ConnectorError::Store(_)
                        | ConnectorError::Secrets(_)),
                    ) => return Err(error),
                    Err(ConnectorError::RateLimited { .. }) => {
                        describing = false;
                        undescribed(
                            "Google asked to slow down; the next sync describes this list".into(),
                        )
                    }
                    Err(error) => undescribed(error.to_string()),
                }
            };
            out.records.push(RemoteAudience {
                external_id: format!("userlist:{id}"),
                name,
                kind: AudienceKind::Custom,
                size_lower: size,
                size_upper: size,
                interests,
                demographics,
            });
        }
        Ok(out)
    }

    async fn composition(&self, account: &RemoteAccount, list: &str) -> Result<Value> {
        let developer_token = self
            .transport
            .credentials
            .snapshot()
            .await
            .developer_token
            .unwrap_or_default();
        let customer = &account.external_id;
        let url = format!(
            "{}/{VERSION}/customers/{customer}:generateAudienceCompositionInsights",
            self.api
        );
        // Google requires a group name (the client the insights are for); an account without a
        // name goes by its id.
        let group = if account.name.trim().is_empty() {
            account.external_id.clone()
        } else {
            account.name.clone()
        };
        let body = json!({
            "customerInsightsGroup": group,
            "audience": {
                "countryLocations": [{"geoTargetConstant": COUNTRY}],
                "userList": {"userList": format!("customers/{customer}/userLists/{list}")},
            },
            "dimensions": DIMENSIONS,
        });
        self.transport
            .json(
                |client, token| {
                    let request = client
                        .post(&url)
                        .bearer_auth(token)
                        .header("developer-token", &developer_token)
                        .json(&body);
                    match account.via_manager.as_deref() {
                        Some(manager) => request.header("login-customer-id", manager),
                        None => request,
                    }
                },
                judge,
                "audience composition insights",
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composition_sections_become_interests_and_demographics() {
        let answer = json!({"sections": [
            {"dimension": "AFFINITY_USER_INTEREST", "topAttributes": [{
                "attributeMetadata": {"dimension": "AFFINITY_USER_INTEREST", "displayName": "Coffee Lovers",
                    "attribute": {"userInterest": {"userInterestCategory": "customers/1/userInterests/80432"}}},
                "metrics": {"baselineAudienceShare": 0.08, "audienceShare": 0.21, "index": 2.6, "score": 0.74}}]},
            {"dimension": "AGE_RANGE", "topAttributes": [{
                "attributeMetadata": {"dimension": "AGE_RANGE", "displayName": "25-34"},
                "metrics": {"audienceShare": 0.3, "index": 1.4}}]},
            {"dimension": "YOUTUBE_CHANNEL", "topAttributes": [{"attributeMetadata": {"displayName": "x"}}]}
        ]});
        let (interests, demographics) = composition(&answer);
        assert_eq!(interests[0]["name"], "Coffee Lovers");
        assert_eq!(interests[0]["kind"], "affinity");
        assert_eq!(interests[0]["index"], 2.6);
        assert_eq!(interests[0]["id"], "customers/1/userInterests/80432");
        assert_eq!(interests.as_array().unwrap().len(), 1);
        assert_eq!(demographics["ages"][0]["name"], "25-34");
        assert_eq!(demographics["ages"][0]["share"], 0.3);
    }

    #[test]
    fn a_list_is_as_large_as_its_larger_network_and_unsized_without_either() {
        let row = json!({"userList": {"sizeForDisplay": "12000", "sizeForSearch": "9000"}});
        assert_eq!(size_of(&row), Some(12_000));
        assert_eq!(size_of(&json!({"userList": {"sizeForSearch": "0"}})), None);
    }
}
