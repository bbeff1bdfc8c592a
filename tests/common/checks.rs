//! What a user would check in a reply the bot sent: where things are in an embed, and that the
//! message is safe (pings nobody, fits Discord's limits, is never empty, hides no bidi trick).

use serde_json::{json, Value};

pub fn embed(reply: &Value) -> &Value {
    &reply["data"]["embeds"][0]
}

pub fn field<'a>(reply: &'a Value, name: &str) -> &'a str {
    embed(reply)["fields"]
        .as_array()
        .and_then(|fields| fields.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {reply}"))
}

/// The line range in a "第 a–b 行" field.
pub fn line_range(text: &str) -> (usize, usize) {
    let numbers: Vec<usize> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("number"))
        .collect();
    match numbers.as_slice() {
        [one] => (*one, *one),
        [start, end] => (*start, *end),
        _ => panic!("not a line range: {text}"),
    }
}

/// Every button of a message body.
pub fn buttons_of(data: &Value) -> Vec<Value> {
    data["components"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .collect()
        })
        .unwrap_or_default()
}

pub fn buttons(reply: &Value) -> Vec<Value> {
    buttons_of(&reply["data"])
}

pub fn button_id(reply: &Value, label: &str) -> String {
    buttons(reply)
        .iter()
        .find(|b| b["label"] == label)
        .and_then(|b| b["custom_id"].as_str())
        .unwrap_or_else(|| panic!("no {label} button in {reply}"))
        .to_string()
}

pub fn content(reply: &Value) -> &str {
    reply["data"]["content"].as_str().unwrap_or("")
}

/// Mentions Discord would resolve in sent text.
pub fn live_mentions(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for (i, window) in chars.windows(3).enumerate() {
        let live = match window {
            ['<', '@', c] => c.is_ascii_digit() || *c == '&' || *c == '!',
            ['<', '#', c] => c.is_ascii_digit(),
            _ => false,
        };
        if live {
            found.push(chars[i..].iter().take(10).collect());
        }
    }
    for needle in ["@everyone", "@here"] {
        if text.contains(needle) {
            found.push(needle.to_string());
        }
    }
    found
}

/// Every text Discord would render from a message body.
pub fn rendered_texts(data: &Value) -> Vec<String> {
    let mut texts = vec![data["content"].as_str().unwrap_or("").to_string()];
    for embed in data["embeds"].as_array().into_iter().flatten() {
        for key in ["title", "description"] {
            texts.push(embed[key].as_str().unwrap_or("").to_string());
        }
        texts.push(embed["footer"]["text"].as_str().unwrap_or("").to_string());
        for field in embed["fields"].as_array().into_iter().flatten() {
            texts.push(field["name"].as_str().unwrap_or("").to_string());
            texts.push(field["value"].as_str().unwrap_or("").to_string());
        }
    }
    for button in buttons_of(data) {
        texts.push(button["label"].as_str().unwrap_or("").to_string());
    }
    texts
}

/// Bidirectional controls that must never reach a reply.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// No ping, nothing over Discord's limits, never empty, no bidi control.
pub fn assert_safe(data: &Value, what: &str) {
    let allowed = &data["allowed_mentions"];
    for key in ["parse", "users", "roles"] {
        assert_eq!(
            allowed[key],
            json!([]),
            "{what}: allowed_mentions {allowed}"
        );
    }
    let count = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let content_chars = count(&data["content"]);
    assert!(
        content_chars <= 2_000,
        "{what}: content of {content_chars} characters"
    );
    let embeds = data["embeds"].as_array().cloned().unwrap_or_default();
    assert!(
        content_chars > 0 || !embeds.is_empty(),
        "{what}: empty message {data}"
    );
    assert!(embeds.len() <= 10, "{what}: {} embeds", embeds.len());
    for embed in &embeds {
        assert!(count(&embed["title"]) <= 256, "{what}: embed title");
        assert!(
            count(&embed["description"]) <= 4_096,
            "{what}: embed description"
        );
        assert!(count(&embed["footer"]["text"]) <= 2_048, "{what}: footer");
        let fields = embed["fields"].as_array().cloned().unwrap_or_default();
        assert!(fields.len() <= 25, "{what}: {} fields", fields.len());
        let mut total = count(&embed["title"]) + count(&embed["description"]);
        total += count(&embed["footer"]["text"]);
        for field in &fields {
            assert!(count(&field["name"]) <= 256, "{what}: field name");
            assert!(count(&field["value"]) <= 1_024, "{what}: field value");
            assert!(
                count(&field["name"]) > 0 && count(&field["value"]) > 0,
                "{what}: empty field {field}"
            );
            total += count(&field["name"]) + count(&field["value"]);
        }
        assert!(total <= 6_000, "{what}: embed of {total} characters");
    }
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() <= 5, "{what}: {} rows", rows.len());
    for row in &rows {
        let row_buttons = row["components"].as_array().cloned().unwrap_or_default();
        assert!(
            row_buttons.len() <= 5,
            "{what}: row of {}",
            row_buttons.len()
        );
    }
    for button in buttons_of(data) {
        assert!(count(&button["label"]) <= 80, "{what}: label {button}");
        assert!(
            count(&button["custom_id"]) <= 100,
            "{what}: custom_id {button}"
        );
    }
    for text in rendered_texts(data) {
        let mentions = live_mentions(&text);
        assert!(
            mentions.is_empty(),
            "{what}: live mentions {mentions:?} in {text:?}"
        );
        assert!(
            !text.chars().any(is_bidi_control),
            "{what}: bidi control in {text:?}"
        );
    }
}
