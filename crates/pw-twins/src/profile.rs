//! A twin's profile: who it is, what it wants and fears, where it spends its attention, what it
//! thinks of the brand, and how it talks. Demographics are drawn in code from the audience's
//! targeting (so a model cannot drift a twin out of its audience); the rest is written by a
//! model from the evidence the twin was cast on, and the user may edit any of it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::casting::SplitMix64;
use crate::vocabulary::Register;

/// Items per list, and characters per item or line: enough for a person, not an essay.
pub const MAX_ITEMS: usize = 8;
pub const MAX_CHARS: usize = 300;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demographics {
    pub age: u8,
    /// As the platform targets it ("female", "male"), or "any" when the audience is not
    /// split by gender.
    pub gender: String,
    /// Country or region, from the audience's locations.
    pub location: String,
    pub occupation: String,
}

/// One name from a list of `{name, share}` (or Pinterest's `ratio`) drawn by its share; `None`
/// when the list is not one of shares (plain targeting values, or nothing).
fn weighted(list: Option<&Value>, rng: &mut SplitMix64) -> Option<String> {
    let entries: Vec<(&str, f64)> = list?
        .as_array()?
        .iter()
        .filter_map(|entry| {
            let name = entry.get("name")?.as_str()?;
            let share = entry
                .get("share")
                .or_else(|| entry.get("ratio"))
                .and_then(Value::as_f64)?;
            (share > 0.0).then_some((name, share))
        })
        .collect();
    let total: f64 = entries.iter().map(|(_, share)| share).sum();
    if entries.is_empty() || total <= 0.0 {
        return None;
    }
    let mut point = rng.below(1_000_000) as f64 / 1_000_000.0 * total;
    for (name, share) in &entries {
        if point < *share {
            return Some((*name).to_owned());
        }
        point -= share;
    }
    entries.last().map(|(name, _)| (*name).to_owned())
}

/// An age bracket's bounds: "25-34", "65+" (read as 65 to 80).
fn age_bracket(name: &str) -> Option<(u64, u64)> {
    let name = name.trim();
    if let Some(low) = name.strip_suffix('+') {
        let low: u64 = low.trim().parse().ok()?;
        return Some((low.clamp(13, 100), 80_u64.max(low).min(100)));
    }
    let (low, high) = name.split_once('-')?;
    let (low, high): (u64, u64) = (low.trim().parse().ok()?, high.trim().parse().ok()?);
    (low <= high).then_some((low.clamp(13, 100), high.clamp(13, 100)))
}

impl Demographics {
    /// Age, gender and location drawn from a platform's targeting (`age_min`, `age_max`,
    /// `genders`, `locations`), deterministically from `seed`: uniform within the age range
    /// (18-65 where the platform gives none), one of the targeted genders ("any" when the
    /// audience is not split by gender), one of the targeted locations. The occupation is the
    /// model's to write.
    pub fn drawn(targeting: &Value, seed: u64) -> Demographics {
        let mut rng = SplitMix64::new(seed);
        let bound = |key: &str, default: u64| {
            targeting
                .get(key)
                .and_then(Value::as_u64)
                .map_or(default, |age| age.clamp(13, 100))
        };
        // An audience described by its mix of ages (Google's and Pinterest's insights: a share
        // per bracket) draws a bracket by its share; targeting draws within its range.
        let bracket = match (
            targeting.get("age_min"),
            weighted(targeting.get("ages"), &mut rng),
        ) {
            (None, Some(name)) => age_bracket(&name),
            _ => None,
        };
        let (low, high) = bracket.unwrap_or_else(|| {
            let low = bound("age_min", 18);
            (low, bound("age_max", 65).max(low))
        });
        let age = (low + rng.below(high - low + 1)) as u8;
        let drawn_gender = weighted(targeting.get("genders"), &mut rng);
        let mut pick = |key: &str, default: &str| {
            let options: Vec<&str> = targeting
                .get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|s| !s.trim().is_empty() && *s != "all")
                        .collect()
                })
                .unwrap_or_default();
            if options.is_empty() {
                default.to_owned()
            } else {
                options[rng.below(options.len() as u64) as usize].to_owned()
            }
        };
        let gender = match drawn_gender {
            Some(name) if matches!(name.to_lowercase().as_str(), "female" | "male") => {
                name.to_lowercase()
            }
            Some(_) => "any".to_owned(),
            None => pick("genders", "any"),
        };
        let location = pick("locations", "unknown");
        Demographics {
            age,
            gender,
            location,
            occupation: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voice {
    /// Words and phrases the twin uses.
    pub vocabulary: Vec<String>,
    /// A typical turn's length in words; a focus-group turn is capped from it (20-80).
    pub typical_words: u32,
    pub register: Register,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// One line a marketer reads first.
    pub summary: String,
    pub demographics: Demographics,
    pub psychographics: Vec<String>,
    pub goals: Vec<String>,
    pub pain_points: Vec<String>,
    pub media_habits: Vec<String>,
    pub brand_relationship: String,
    pub objections: Vec<String>,
    pub voice: Voice,
}

impl Profile {
    /// What is wrong with an edited profile, in words naming the field; `None` when it is fine.
    pub fn problem(&self, name: &str) -> Option<String> {
        if name.trim().is_empty() {
            return Some("a twin needs a name".into());
        }
        if name.chars().count() > 80 {
            return Some("the name is longer than 80 characters".into());
        }
        if !(13..=100).contains(&self.demographics.age) {
            return Some(format!(
                "age {} is outside 13-100 (ad platforms target people 13 and over)",
                self.demographics.age
            ));
        }
        if !(5..=200).contains(&self.voice.typical_words) {
            return Some(format!(
                "voice.typical_words {} is outside 5-200",
                self.voice.typical_words
            ));
        }
        let lines = [
            ("summary", &self.summary),
            ("brand_relationship", &self.brand_relationship),
            ("demographics.gender", &self.demographics.gender),
            ("demographics.location", &self.demographics.location),
            ("demographics.occupation", &self.demographics.occupation),
        ];
        for (field, text) in lines {
            if text.chars().count() > MAX_CHARS {
                return Some(format!("{field} is longer than {MAX_CHARS} characters"));
            }
        }
        let lists = [
            ("psychographics", &self.psychographics),
            ("goals", &self.goals),
            ("pain_points", &self.pain_points),
            ("media_habits", &self.media_habits),
            ("objections", &self.objections),
            ("voice.vocabulary", &self.voice.vocabulary),
        ];
        for (field, items) in lists {
            if items.len() > MAX_ITEMS {
                return Some(format!(
                    "{field} has {} items; at most {MAX_ITEMS}",
                    items.len()
                ));
            }
            if let Some(position) = items.iter().position(|i| i.chars().count() > MAX_CHARS) {
                return Some(format!(
                    "{field} item {} is longer than {MAX_CHARS} characters",
                    position + 1
                ));
            }
            if let Some(position) = items.iter().position(|i| i.trim().is_empty()) {
                return Some(format!("{field} item {} is empty", position + 1));
            }
        }
        None
    }

    /// The profile as a card for a prompt: short lines, the voice last.
    pub fn card(&self, name: &str) -> String {
        let d = &self.demographics;
        let mut card = format!(
            "You are {name}, {age}, {gender}, {occupation}, in {location}. {summary}\n",
            age = d.age,
            gender = d.gender,
            occupation = d.occupation,
            location = d.location,
            summary = self.summary
        );
        let lists = [
            ("What you care about", &self.psychographics),
            ("Your goals", &self.goals),
            ("What frustrates you", &self.pain_points),
            ("Where you spend your attention", &self.media_habits),
            ("Your objections", &self.objections),
        ];
        for (label, items) in lists {
            if !items.is_empty() {
                card.push_str(&format!("{label}: {}.\n", items.join("; ")));
            }
        }
        if !self.brand_relationship.is_empty() {
            card.push_str(&format!("You and the brand: {}\n", self.brand_relationship));
        }
        card.push_str(&format!(
            "You speak in a {} way, about {} words at a time",
            self.voice.register, self.voice.typical_words
        ));
        if !self.voice.vocabulary.is_empty() {
            card.push_str(&format!(
                ", with words like {}",
                self.voice.vocabulary.join(", ")
            ));
        }
        card.push('.');
        card
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> Profile {
        Profile {
            summary: "Makes pour-over before work and buys beans online.".into(),
            demographics: Demographics {
                age: 29,
                gender: "female".into(),
                location: "US".into(),
                occupation: "nurse".into(),
            },
            psychographics: vec!["values craft".into()],
            goals: vec!["a better morning cup".into()],
            pain_points: vec!["slow shipping".into()],
            media_habits: vec!["TikTok in the evening".into()],
            brand_relationship: "Bought twice.".into(),
            objections: vec!["price per bag".into()],
            voice: Voice {
                vocabulary: vec!["honestly".into()],
                typical_words: 40,
                register: Register::Casual,
            },
        }
    }

    #[test]
    fn an_edit_is_refused_naming_the_field_that_is_wrong() {
        assert_eq!(sample().problem("Maya"), None);
        assert_eq!(sample().problem("  ").unwrap(), "a twin needs a name");
        let mut young = sample();
        young.demographics.age = 9;
        assert!(young.problem("Maya").unwrap().starts_with("age 9"));
        let mut long = sample();
        long.goals = vec!["x".into(); 9];
        assert_eq!(
            long.problem("Maya").unwrap(),
            "goals has 9 items; at most 8"
        );
        let mut blank = sample();
        blank.objections.push(" ".into());
        assert_eq!(blank.problem("Maya").unwrap(), "objections item 2 is empty");
        let mut chatty = sample();
        chatty.voice.typical_words = 500;
        assert!(
            chatty
                .problem("Maya")
                .unwrap()
                .starts_with("voice.typical_words")
        );
    }

    #[test]
    fn demographics_are_drawn_inside_the_targeting_and_repeat_with_the_seed() {
        let targeting = serde_json::json!({
            "age_min": 25, "age_max": 34, "genders": ["female", "male"], "locations": ["US"]
        });
        let mut genders = std::collections::BTreeSet::new();
        for seed in 0..200 {
            let drawn = Demographics::drawn(&targeting, seed);
            assert!((25..=34).contains(&drawn.age), "{drawn:?}");
            assert_eq!(drawn.location, "US");
            genders.insert(drawn.gender.clone());
            assert_eq!(drawn, Demographics::drawn(&targeting, seed));
        }
        assert_eq!(genders.into_iter().collect::<Vec<_>>(), ["female", "male"]);
        let ages: std::collections::BTreeSet<u8> = (0..200)
            .map(|seed| Demographics::drawn(&targeting, seed).age)
            .collect();
        assert_eq!(ages.len(), 10, "every age of the range is drawn: {ages:?}");
        // Nothing targeted: adults of any gender, location unknown.
        let open = Demographics::drawn(&serde_json::json!({"genders": ["all"]}), 7);
        assert!((18..=65).contains(&open.age));
        assert_eq!(
            (open.gender.as_str(), open.location.as_str()),
            ("any", "unknown")
        );
    }

    #[test]
    fn an_audience_described_by_shares_draws_its_brackets_and_genders_by_share() {
        let composition = serde_json::json!({
            "ages": [{"name": "25-34", "share": 0.9}, {"name": "65+", "share": 0.1}],
            "genders": [{"name": "Female", "share": 0.8}, {"name": "Male", "share": 0.2}],
        });
        let drawn: Vec<Demographics> = (0..400)
            .map(|seed| Demographics::drawn(&composition, seed))
            .collect();
        let young = drawn.iter().filter(|d| (25..=34).contains(&d.age)).count();
        let old = drawn.iter().filter(|d| (65..=80).contains(&d.age)).count();
        assert_eq!(young + old, 400, "every age is inside a bracket");
        assert!((320..=390).contains(&young), "about 90% are 25-34: {young}");
        let female = drawn.iter().filter(|d| d.gender == "female").count();
        assert!((280..=360).contains(&female), "about 80% female: {female}");
        assert!(
            drawn
                .iter()
                .all(|d| d.gender == "female" || d.gender == "male")
        );
        assert_eq!(age_bracket("65+"), Some((65, 80)));
        assert_eq!(age_bracket("34-25"), None);
    }

    #[test]
    fn the_card_names_the_twin_and_its_voice() {
        let card = sample().card("Maya");
        assert!(card.starts_with("You are Maya, 29, female, nurse, in US."));
        assert!(card.contains("What frustrates you: slow shipping."));
        assert!(card.ends_with("about 40 words at a time, with words like honestly."));
    }
}
