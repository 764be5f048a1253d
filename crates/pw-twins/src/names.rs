//! Twins' names, drawn in code like their demographics: a small model asked for a name copies
//! whatever the prompt held ("S1", a creative's headline), and a large one gives every twin the
//! same few names. A first name fitting the drawn gender and a last initial, never one the
//! audience's twins already have.

use crate::casting::SplitMix64;

/// Common US given names (Social Security Administration lists, births 1970-2005), a mix of
/// backgrounds, so a panel reads like people rather than one family.
const FEMALE: &[&str] = &[
    "Maya", "Olivia", "Priya", "Sofia", "Aaliyah", "Hannah", "Mei", "Grace", "Lucia", "Nora",
    "Jasmine", "Emily", "Fatima", "Chloe", "Rosa", "Keisha", "Anna", "Leah", "Camila", "Tara",
];
const MALE: &[&str] = &[
    "Marcus", "Ethan", "Diego", "Ravi", "Jamal", "Noah", "Kenji", "Owen", "Luis", "Adam", "Tyler",
    "Omar", "Daniel", "Andre", "Sam", "Hassan", "Ben", "Carlos", "Kevin", "Liam",
];
const ANY: &[&str] = &[
    "Alex", "Jordan", "Taylor", "Riley", "Casey", "Morgan", "Jamie", "Avery", "Quinn", "Robin",
];
const INITIALS: &str = "ABCDEFGHJKLMNPRSTVWY";

/// A name for a twin of `gender`, from `seed`, that is not in `taken` (compared without case).
pub fn drawn(gender: &str, seed: u64, taken: &[String]) -> String {
    let pool: Vec<&str> = match gender.to_ascii_lowercase().as_str() {
        "female" | "woman" | "women" => FEMALE.to_vec(),
        "male" | "man" | "men" => MALE.to_vec(),
        _ => [FEMALE, MALE, ANY].concat(),
    };
    let initials: Vec<char> = INITIALS.chars().collect();
    let mut rng = SplitMix64::new(seed);
    let is_taken = |name: &str| taken.iter().any(|t| t.eq_ignore_ascii_case(name));
    // Random draws first; then every combination in order, so a name is found whenever one is
    // free; past that, numbered.
    for _ in 0..64 {
        let first = pool[rng.below(pool.len() as u64) as usize];
        let initial = initials[rng.below(initials.len() as u64) as usize];
        let name = format!("{first} {initial}.");
        if !is_taken(&name) {
            return name;
        }
    }
    for first in &pool {
        for initial in &initials {
            let name = format!("{first} {initial}.");
            if !is_taken(&name) {
                return name;
            }
        }
    }
    (2..)
        .map(|n| format!("{} {n}", pool[0]))
        .find(|name| !is_taken(name))
        .unwrap_or_else(|| pool[0].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_fits_the_gender_repeats_with_the_seed_and_avoids_taken_ones() {
        let name = drawn("female", 3, &[]);
        let first = name.split(' ').next().unwrap();
        assert!(FEMALE.contains(&first), "{name}");
        assert_eq!(drawn("female", 3, &[]), name);
        assert!(MALE.contains(&drawn("male", 3, &[]).split(' ').next().unwrap()));
        let again = drawn("female", 3, std::slice::from_ref(&name.to_uppercase()));
        assert_ne!(again, name);
        // Every combination taken: numbered rather than repeated.
        let all: Vec<String> = MALE
            .iter()
            .flat_map(|f| INITIALS.chars().map(move |i| format!("{f} {i}.")))
            .collect();
        assert_eq!(drawn("male", 1, &all), "Marcus 2");
    }

    #[test]
    fn twins_of_one_audience_get_different_names() {
        let mut taken = Vec::new();
        for seed in 0..30 {
            let name = drawn("any", seed, &taken);
            assert!(!taken.contains(&name));
            taken.push(name);
        }
    }
}
