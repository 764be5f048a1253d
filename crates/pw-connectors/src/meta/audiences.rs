//! Meta's audiences beyond custom audiences: the interests the ad sets target, each with the
//! size Meta's targeting search gives it, and each ad set's whole targeting with the reach
//! Meta estimates for it. These are the audiences twins are built from: who the brand is
//! already trying to reach, and how many people that is.

use std::collections::BTreeMap;

use pw_domain::AudienceKind;
use serde_json::{Value, json};

use super::{MetaConnector, text};
use crate::error::Result;
use crate::normalise::Unmappable;
use crate::records::{Page, RemoteAccount, RemoteAudience};

/// The page token of the audiences stream's second part (after the custom audiences).
pub(super) const TARGETING_PART: &str = "targeting";

/// Interests looked up per sync: each is one targeting search.
const INTERESTS_LOOKED_UP: usize = 100;

/// The interests a targeting spec names (`interests` and `flexible_spec[].interests`), by id.
fn interests_of(targeting: &Value) -> Vec<(String, String)> {
    let lists = std::iter::once(targeting.get("interests")).chain(
        targeting
            .get("flexible_spec")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|spec| spec.get("interests")),
    );
    lists
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|i| Some((text(i, "id")?, text(i, "name").unwrap_or_default())))
        .collect()
}

/// Meta answers -1 (or nothing) when it will not estimate a size.
fn bound(row: &Value, field: &str) -> Option<i64> {
    row.get(field).and_then(Value::as_i64).filter(|n| *n >= 0)
}

impl MetaConnector {
    pub(super) async fn targeting_audiences(
        &self,
        account: &RemoteAccount,
    ) -> Result<Page<RemoteAudience>> {
        let mut ad_sets: Vec<Value> = Vec::new();
        let mut url = self.url(&format!("act_{}/adsets", account.external_id));
        let mut query = vec![
            ("fields", "id,name,targeting".to_owned()),
            ("limit", "200".to_owned()),
        ];
        loop {
            let list = self.list(&url, &query, "the ad sets' targeting").await?;
            ad_sets.extend(list.data);
            match list.paging.and_then(|p| p.next) {
                Some(next) => {
                    url = next;
                    query.clear();
                }
                None => break,
            }
        }
        let mut page = Page::last(Vec::new());
        let mut interests: BTreeMap<String, String> = BTreeMap::new();
        for ad_set in &ad_sets {
            if let Some(targeting) = ad_set.get("targeting") {
                interests.extend(interests_of(targeting));
            }
        }
        for (id, name) in interests.iter().take(INTERESTS_LOOKED_UP) {
            let found = self
                .list(
                    &self.url("search"),
                    &[
                        ("type", "adinterest".to_owned()),
                        ("q", name.clone()),
                        ("limit", "25".to_owned()),
                    ],
                    "a targeting search",
                )
                .await?;
            match found.data.iter().find(|row| text(row, "id").as_deref() == Some(id.as_str())) {
                Some(row) => page.records.push(RemoteAudience {
                    external_id: format!("interest:{id}"),
                    name: text(row, "name").unwrap_or_else(|| name.clone()),
                    kind: AudienceKind::Interest,
                    size_lower: bound(row, "audience_size_lower_bound"),
                    size_upper: bound(row, "audience_size_upper_bound"),
                    interests: json!([{"id": id, "name": name, "path": row.get("path"), "topic": row.get("topic")}]),
                    demographics: json!({}),
                }),
                None => page.issues.push(Unmappable {
                    field: "search.adinterest".into(),
                    value: format!("\"{name}\""),
                    reason: "the targeting search no longer knows this interest".into(),
                }),
            }
        }
        for ad_set in &ad_sets {
            let (Some(id), Some(targeting)) = (text(ad_set, "id"), ad_set.get("targeting")) else {
                continue;
            };
            let estimate: std::result::Result<Value, _> = self
                .transport
                .json(
                    |client, token| {
                        client
                            .get(self.url(&format!("act_{}/reachestimate", account.external_id)))
                            .query(&[("targeting_spec", targeting.to_string())])
                            .bearer_auth(token)
                    },
                    super::judge,
                    "a reach estimate",
                )
                .await;
            // One ad set Meta will not estimate (an interest it retired) does not take the
            // others' audiences with it; a dead token or a long wait still stops the stream.
            let estimate = match estimate {
                Ok(estimate) => estimate,
                Err(
                    error @ (crate::error::ConnectorError::Reconnect { .. }
                    | crate::error::ConnectorError::RateLimited { .. }
                    | crate::error::ConnectorError::Cancelled),
                ) => return Err(error),
                Err(error) => {
                    page.issues.push(Unmappable {
                        field: "reachestimate".into(),
                        value: format!("\"{id}\""),
                        reason: error.to_string(),
                    });
                    continue;
                }
            };
            // `data` is one object (or, in some versions, a list of one).
            let data = match estimate.get("data") {
                Some(Value::Array(list)) => list.first().cloned().unwrap_or(Value::Null),
                Some(other) => other.clone(),
                None => Value::Null,
            };
            let ad_set_name = text(ad_set, "name").unwrap_or_else(|| format!("ad set {id}"));
            page.records.push(RemoteAudience {
                external_id: format!("adset:{id}"),
                name: format!("People “{ad_set_name}” reaches"),
                kind: AudienceKind::Saved,
                size_lower: bound(&data, "users_lower_bound"),
                size_upper: bound(&data, "users_upper_bound"),
                interests: Value::Array(
                    interests_of(targeting)
                        .into_iter()
                        .map(|(id, name)| json!({"id": id, "name": name}))
                        .collect(),
                ),
                demographics: json!({
                    "age_min": targeting.get("age_min"),
                    "age_max": targeting.get("age_max"),
                    "genders": targeting.get("genders"),
                    "geo_locations": targeting.get("geo_locations"),
                }),
            });
        }
        Ok(page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interests_are_read_from_both_places_a_spec_names_them() {
        let targeting = json!({
            "interests": [{"id": "1", "name": "Coffee"}],
            "flexible_spec": [{"interests": [{"id": "2", "name": "Espresso"}]}, {"behaviors": []}],
        });
        assert_eq!(
            interests_of(&targeting),
            vec![
                ("1".to_owned(), "Coffee".to_owned()),
                ("2".to_owned(), "Espresso".to_owned())
            ]
        );
        assert!(interests_of(&json!({"age_min": 18})).is_empty());
    }
}
