//! Kinds of answer beyond numbers and times: the kind a question asks for (a person, an
//! organisation, a place, a model or version) and the kinds a transcript line holds, read from
//! jieba's proper-noun tags and from how Latin names are written.

use crate::text::find_name;

/// The kind of thing a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// 谁 / who: a person.
    Person,
    /// 哪家公司 / which company: an organisation.
    Organisation,
    /// 哪里 / where: a place.
    Place,
    /// 哪个版本 / which model: a model or a version.
    Version,
}

/// Markers of each kind in a normalised question (lower case, Simplified), in the order tried:
/// the narrower kinds first, so that "哪家公司" is an organisation and not a person.
const MARKERS: &[(AnswerKind, &[&str])] = &[
    (
        AnswerKind::Organisation,
        &[
            "哪家",
            "哪个公司",
            "什么公司",
            "哪些公司",
            "哪个机构",
            "什么机构",
        ],
    ),
    (
        AnswerKind::Version,
        &[
            "哪个版本",
            "什么版本",
            "哪一版",
            "哪个模型",
            "什么模型",
            "哪款模型",
            "哪些模型",
        ],
    ),
    (
        AnswerKind::Place,
        &[
            "哪里",
            "哪儿",
            "在哪",
            "什么地方",
            "哪个国家",
            "哪个城市",
            "哪国",
        ],
    ),
    (
        AnswerKind::Person,
        &["谁", "哪位", "哪个人", "哪些人", "什么人"],
    ),
];

/// English markers, matched as whole words, in the same order.
const ENGLISH_MARKERS: &[(AnswerKind, &[&str])] = &[
    (
        AnswerKind::Organisation,
        &[
            "which company",
            "what company",
            "which companies",
            "which firm",
            "which lab",
        ],
    ),
    (
        AnswerKind::Version,
        &[
            "which model",
            "what model",
            "which version",
            "what version",
            "which models",
        ],
    ),
    (AnswerKind::Place, &["where"]),
    (AnswerKind::Person, &["who", "whom", "whose"]),
];

/// The kind of answer a normalised question asks for, if it asks for one of these kinds.
pub fn asked_kind(normalized: &str) -> Option<AnswerKind> {
    let chinese = MARKERS
        .iter()
        .find(|(_, markers)| markers.iter().any(|m| normalized.contains(m)));
    let english = ENGLISH_MARKERS
        .iter()
        .find(|(_, markers)| markers.iter().any(|m| find_name(normalized, m).is_some()));
    chinese.or(english).map(|(kind, _)| *kind)
}

/// The kinds a line holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldKinds {
    /// A person's name.
    pub person: bool,
    /// An organisation's name.
    pub organisation: bool,
    /// A place's name.
    pub place: bool,
    /// A model, a product or a version (a Latin name with a digit, or written with capitals).
    pub version: bool,
}

impl HeldKinds {
    /// Whether the line holds something of `kind`.
    pub fn holds(&self, kind: AnswerKind) -> bool {
        match kind {
            AnswerKind::Person => self.person,
            AnswerKind::Organisation => self.organisation,
            AnswerKind::Place => self.place,
            AnswerKind::Version => self.version,
        }
    }

    /// The kinds of either.
    pub fn or(self, other: HeldKinds) -> HeldKinds {
        HeldKinds {
            person: self.person || other.person,
            organisation: self.organisation || other.organisation,
            place: self.place || other.place,
            version: self.version || other.version,
        }
    }
}

/// The kinds held by a line, from its Latin names as written and its Chinese words with jieba's
/// tags: a person by a person tag or a Latin name written like one (Nick, Reddit), an
/// organisation by its tag, a word for a company or a Latin name, a place by its tag, a model or
/// version by a Latin name with a digit or an inner capital (GPT-4, ChatGPT).
pub fn held_kinds<'a>(
    line: &str,
    tagged: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> HeldKinds {
    let mut held = HeldKinds::default();
    let latin_names = line
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '-' | '.' | '+')))
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()));
    for word in latin_names {
        let digit = word.chars().any(|c| c.is_ascii_digit());
        let capital = word.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let inner_capital = word.chars().skip(1).any(|c| c.is_ascii_uppercase());
        let lower = word.chars().any(|c| c.is_ascii_lowercase());
        let written_as_name = capital && lower && !inner_capital && !digit;
        held.person |= written_as_name;
        held.organisation |= written_as_name || (inner_capital && lower);
        held.version |= digit || (inner_capital && lower);
    }
    for (word, tag) in tagged {
        match tag {
            "nr" | "nrt" | "nrfg" => held.person = true,
            "nt" => held.organisation = true,
            "ns" => held.place = true,
            _ => {}
        }
        held.organisation |= word.ends_with("公司") || word.ends_with("实验室");
        held.version |= word == "版本";
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_asks_for_the_kind_its_marker_names() {
        let cases = [
            ("谄媚那事最先是谁发现的", Some(AnswerKind::Person)),
            ("who noticed it first?", Some(AnswerKind::Person)),
            ("是哪家公司的服务", Some(AnswerKind::Organisation)),
            ("which company made it", Some(AnswerKind::Organisation)),
            ("派对在哪开的", Some(AnswerKind::Place)),
            ("where was the party", Some(AnswerKind::Place)),
            ("用的哪个版本", Some(AnswerKind::Version)),
            ("which model did they ship", Some(AnswerKind::Version)),
            ("chatgpt最初叫什么", None),
            ("somewhere in the middle", None),
            ("what did whoever say", None),
        ];
        for (question, kind) in cases {
            assert_eq!(asked_kind(question), kind, "{question}");
        }
    }

    #[test]
    fn a_line_holds_the_kinds_of_its_tagged_words() {
        let held = held_kinds("Ilya出题", [("出", "v"), ("题", "n")]);
        assert!(held.person && !held.place && !held.version);
        let held = held_kinds("日本的用户", [("日本", "ns"), ("的", "uj"), ("用户", "n")]);
        assert!(held.place && !held.person);
        let held = held_kinds("GPT-3.5发布", [("发布", "v")]);
        assert!(held.version && !held.person);
        let held = held_kinds("ChatGPT。", []);
        assert!(held.version && held.organisation && !held.person);
        let held = held_kinds(
            "他觉得AI很好",
            [("他", "r"), ("觉得", "v"), ("很", "d"), ("好", "a")],
        );
        assert_eq!(held, HeldKinds::default());
    }

    #[test]
    fn kinds_of_two_lines_combine() {
        let person = HeldKinds {
            person: true,
            ..HeldKinds::default()
        };
        let place = HeldKinds {
            place: true,
            ..HeldKinds::default()
        };
        let both = person.or(place);
        assert!(both.holds(AnswerKind::Person) && both.holds(AnswerKind::Place));
        assert!(!both.holds(AnswerKind::Version));
    }
}
