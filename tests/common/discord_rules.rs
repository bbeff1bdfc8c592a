//! The rules the fake Discord enforces on what the bot sends, as Discord does, and Discord's
//! error JSON for them: which callback types fit which interaction, and the size limits of
//! messages, embeds, components and autocomplete choices (`shared/guides/discord.md`). A broken
//! rule becomes one entry of Discord's `errors` object (code 50035, "Invalid Form Body").

use serde_json::{json, Map, Value};

/// How long an interaction accepts its initial response.
pub const INITIAL_RESPONSE_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);
/// How long an interaction token accepts follow-ups and edits.
pub const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Unknown interaction: the initial response came too late (or named no interaction).
pub const UNKNOWN_INTERACTION: u64 = 10062;
/// Unknown webhook: a follow-up for an interaction that was never acknowledged.
pub const UNKNOWN_WEBHOOK: u64 = 10015;
/// A second initial response.
pub const ALREADY_ACKNOWLEDGED: u64 = 40060;
/// A follow-up or edit with a token older than [`TOKEN_LIFETIME`].
pub const INVALID_WEBHOOK_TOKEN: u64 = 50027;
/// The body breaks a rule.
pub const INVALID_FORM_BODY: u64 = 50035;
/// A message with nothing to show.
pub const EMPTY_MESSAGE: u64 = 50006;

/// One broken rule: where in the body, Discord's code for it, and its message.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// Dotted path into the body (`data.embeds.0.title`).
    pub path: String,
    /// Discord's rule code (`BASE_TYPE_MAX_LENGTH`).
    pub code: &'static str,
    /// What the rule says.
    pub message: String,
}

/// Discord's error JSON.
pub fn error_body(code: u64, message: &str, broken: &[Broken]) -> Value {
    let mut body = json!({"message": message, "code": code});
    if !broken.is_empty() {
        body["errors"] = errors_object(broken);
    }
    body
}

/// Discord's nested `errors` object: `{"data": {"content": {"_errors": [{code, message}]}}}`.
fn errors_object(broken: &[Broken]) -> Value {
    let mut root = Map::new();
    for rule in broken {
        let mut node = &mut root;
        for part in rule.path.split('.') {
            node = node
                .entry(part.to_string())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object");
        }
        let list = node.entry("_errors").or_insert_with(|| json!([]));
        list.as_array_mut()
            .expect("array")
            .push(json!({"code": rule.code, "message": rule.message}));
    }
    Value::Object(root)
}

/// Callback types Discord accepts for an interaction type: autocomplete (4) only 8; an
/// application command (2) 4, 5 and 9; a component (3) 4, 5, 6, 7 and 9.
pub fn allowed_callback_types(interaction_type: u8) -> &'static [u64] {
    match interaction_type {
        2 => &[4, 5, 9],
        3 => &[4, 5, 6, 7, 9],
        4 => &[8],
        5 => &[4, 5, 6, 7],
        _ => &[1],
    }
}

/// Rules an interaction callback body breaks, for an interaction of `interaction_type`.
pub fn check_callback(interaction_type: u8, body: &Value) -> Vec<Broken> {
    let kind = body["type"].as_u64().unwrap_or(0);
    if !allowed_callback_types(interaction_type).contains(&kind) {
        return vec![Broken {
            path: "type".into(),
            code: "INTERACTION_RESPONSE_TYPE_INVALID",
            message: format!(
                "Callback type {kind} does not fit an interaction of type {interaction_type}"
            ),
        }];
    }
    let data = &body["data"];
    match kind {
        4 | 7 => check_message(data, "data"),
        8 => check_choices(data),
        _ => Vec::new(),
    }
}

/// Whether a message body has nothing Discord could show.
pub fn is_empty_message(data: &Value) -> bool {
    let content = data["content"].as_str().unwrap_or("");
    let embeds = data["embeds"].as_array().map_or(0, Vec::len);
    content.is_empty() && embeds == 0
}

fn chars(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.chars().count())
}

fn max_length(broken: &mut Vec<Broken>, path: String, value: &Value, max: usize) {
    let length = chars(value);
    if length > max {
        broken.push(Broken {
            path,
            code: "BASE_TYPE_MAX_LENGTH",
            message: format!("Must be {max} or fewer in length (is {length})."),
        });
    }
}

fn max_items(broken: &mut Vec<Broken>, path: String, value: &Value, max: usize) -> Vec<Value> {
    let items = value.as_array().cloned().unwrap_or_default();
    if items.len() > max {
        broken.push(Broken {
            path,
            code: "BASE_TYPE_MAX_LENGTH",
            message: format!("Must be {max} or fewer in length (is {}).", items.len()),
        });
    }
    items
}

/// Rules a message body (content, embeds, components) breaks; `at` is its path in the request.
pub fn check_message(data: &Value, at: &str) -> Vec<Broken> {
    let prefix = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    let mut broken = Vec::new();
    max_length(&mut broken, prefix("content"), &data["content"], 2_000);
    let embeds = max_items(&mut broken, prefix("embeds"), &data["embeds"], 10);
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        let here = |key: &str| prefix(&format!("embeds.{i}.{key}"));
        max_length(&mut broken, here("title"), &embed["title"], 256);
        max_length(
            &mut broken,
            here("description"),
            &embed["description"],
            4_096,
        );
        max_length(
            &mut broken,
            here("footer.text"),
            &embed["footer"]["text"],
            2_048,
        );
        max_length(
            &mut broken,
            here("author.name"),
            &embed["author"]["name"],
            256,
        );
        total += chars(&embed["title"])
            + chars(&embed["description"])
            + chars(&embed["footer"]["text"])
            + chars(&embed["author"]["name"]);
        let fields = max_items(&mut broken, here("fields"), &embed["fields"], 25);
        for (j, field) in fields.iter().enumerate() {
            max_length(
                &mut broken,
                here(&format!("fields.{j}.name")),
                &field["name"],
                256,
            );
            max_length(
                &mut broken,
                here(&format!("fields.{j}.value")),
                &field["value"],
                1_024,
            );
            for key in ["name", "value"] {
                if chars(&field[key]) == 0 {
                    broken.push(Broken {
                        path: here(&format!("fields.{j}.{key}")),
                        code: "BASE_TYPE_REQUIRED",
                        message: "This field is required".into(),
                    });
                }
            }
            total += chars(&field["name"]) + chars(&field["value"]);
        }
    }
    if total > 6_000 {
        broken.push(Broken {
            path: prefix("embeds"),
            code: "MAX_EMBED_SIZE_EXCEEDED",
            message: format!("Embed size exceeds maximum size of 6000 (is {total})"),
        });
    }
    let rows = max_items(&mut broken, prefix("components"), &data["components"], 5);
    for (i, row) in rows.iter().enumerate() {
        let path = prefix(&format!("components.{i}.components"));
        let buttons = max_items(&mut broken, path.clone(), &row["components"], 5);
        for (j, button) in buttons.iter().enumerate() {
            max_length(
                &mut broken,
                format!("{path}.{j}.label"),
                &button["label"],
                80,
            );
            max_length(
                &mut broken,
                format!("{path}.{j}.custom_id"),
                &button["custom_id"],
                100,
            );
        }
    }
    broken
}

/// Rules an autocomplete answer breaks: at most 25 choices, names 1–100 characters, string
/// values at most 100.
pub fn check_choices(data: &Value) -> Vec<Broken> {
    let mut broken = Vec::new();
    let choices = max_items(&mut broken, "data.choices".into(), &data["choices"], 25);
    for (i, choice) in choices.iter().enumerate() {
        max_length(
            &mut broken,
            format!("data.choices.{i}.name"),
            &choice["name"],
            100,
        );
        if chars(&choice["name"]) == 0 {
            broken.push(Broken {
                path: format!("data.choices.{i}.name"),
                code: "BASE_TYPE_BAD_LENGTH",
                message: "Must be between 1 and 100 in length.".into(),
            });
        }
        max_length(
            &mut broken,
            format!("data.choices.{i}.value"),
            &choice["value"],
            100,
        );
    }
    broken
}
