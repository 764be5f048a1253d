//! The closed vocabularies of twins and their memories, each with a stable stored name:
//! `as_str` writes it, `FromStr` reads it back, and a name this build does not know is an
//! `UnknownName` (which the repositories report as `StoreError::UnreadableValue`).

use std::fmt;
use std::str::FromStr;

use pw_domain::UnknownName;
use serde::{Deserialize, Serialize};

macro_rules! stored_names {
    ($(#[$doc:meta])* $name:ident ($what:literal) { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownName;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == name)
                    .ok_or_else(|| UnknownName { what: $what, name: name.to_owned() })
            }
        }
    };
}

stored_names! {
    /// Where a memory came from, in Generative Agents' terms.
    MemoryKind ("memory kind") {
        /// From the audience's evidence, when the twin was built.
        Grounding => "grounding",
        /// From a session: what the twin said or heard.
        Episodic => "episodic",
        /// From other memories, by reflection.
        Reflection => "reflection",
    }
}

stored_names! {
    /// What a memory fragment is about.
    Fragment ("memory fragment") {
        Demographic => "demographic",
        Behavior => "behavior",
        Intent => "intent",
        Mention => "mention",
        Brand => "brand",
        Objection => "objection",
        Media => "media",
        Said => "said",
        Heard => "heard",
        Reflection => "reflection",
        Note => "note",
    }
}

stored_names! {
    /// Who wrote a memory's words.
    WrittenBy ("memory author") {
        /// A model, from evidence it cited (and the citation was checked).
        Model => "model",
        /// The cited evidence itself, when a model's wording could not be checked.
        Evidence => "evidence",
        /// A session: the words said or heard.
        Session => "session",
        /// The user, editing the twin.
        User => "user",
    }
}

stored_names! {
    /// What a memory rests on.
    EvidenceSource ("evidence source") {
        /// A derived signal of the evidence layer.
        Signal => "signal",
        /// A stored row (a mention, a metric day, a creative, the audience).
        Row => "row",
        /// Another memory (a reflection's grounds).
        Memory => "memory",
        /// A transcript turn.
        Turn => "turn",
    }
}

stored_names! {
    /// How a twin speaks.
    Register ("register") {
        Casual => "casual",
        Neutral => "neutral",
        Formal => "formal",
    }
}

stored_names! {
    /// Who wrote a twin's profile version.
    EditedBy ("editor") {
        Model => "model",
        User => "user",
    }
}

stored_names! {
    /// What a session is.
    SessionKind ("session kind") {
        FocusGroup => "focus_group",
        Interview => "interview",
    }
}

stored_names! {
    /// Where a session stands. A paused session is `Scheduled` with a reason.
    SessionStatus ("session status") {
        Scheduled => "scheduled",
        Running => "running",
        Completed => "completed",
        Cancelled => "cancelled",
        Failed => "failed",
    }
}

stored_names! {
    /// Who took a turn.
    Speaker ("speaker") {
        Moderator => "moderator",
        Twin => "twin",
        /// The user, speaking as the moderator.
        Researcher => "researcher",
    }
}

stored_names! {
    /// What a turn did.
    Act ("turn act") {
        Question => "question",
        Probe => "probe",
        /// The moderator inviting a quiet participant in.
        DrawIn => "draw_in",
        Transition => "transition",
        Answer => "answer",
        /// The user's own words, spoken as the moderator.
        Interjection => "interjection",
        Closing => "closing",
        /// A twin whose model gave nothing usable: recorded, never invented.
        NonResponse => "non_response",
    }
}

stored_names! {
    /// How a twin's reply fared in the persona check.
    Adherence ("adherence") {
        Passed => "passed",
        /// Contradicted the twin's profile or memory, and was regenerated once.
        Caught => "caught",
        /// Not checked: a moderator's turn, or a check that could not be made.
        Unchecked => "unchecked",
    }
}

stored_names! {
    /// What the user asked of a running session.
    CommandKind ("session command") {
        Pause => "pause",
        Resume => "resume",
        Speak => "speak",
        Probe => "probe",
        Skip => "skip",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stored_name_reads_back_and_unknown_names_are_refused() {
        for fragment in Fragment::ALL {
            assert_eq!(fragment.as_str().parse::<Fragment>().unwrap(), *fragment);
            // The serde name is the stored name, so JSON and SQL agree.
            assert_eq!(
                serde_json::to_string(fragment).unwrap(),
                format!("\"{}\"", fragment.as_str())
            );
        }
        for source in EvidenceSource::ALL {
            assert_eq!(source.as_str().parse::<EvidenceSource>().unwrap(), *source);
        }
        let error = "dream".parse::<Fragment>().unwrap_err();
        assert_eq!(error.what, "memory fragment");
    }
}
