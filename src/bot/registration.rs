//! Slash-command registration, only when the definitions changed: the canonical JSON of the
//! definitions and their scope is hashed and compared with the hash stored after the last success.

use std::path::Path;

use poise::serenity_prelude as serenity;
use sha2::{Digest, Sha256};

/// Hash of the command definitions and where they are registered (guild or global).
pub fn definitions_hash(
    commands: &[serenity::CreateCommand],
    guild_id: Option<u64>,
) -> anyhow::Result<String> {
    let value = serde_json::to_value(commands)?;
    let scope = match guild_id {
        Some(id) => format!("guild {id}\n"),
        None => "global\n".to_string(),
    };
    let mut hasher = Sha256::new();
    hasher.update(scope.as_bytes());
    hasher.update(canonical_json(&value).as_bytes());
    Ok(format!("{:x}", hasher.finalize()))
}

/// JSON with object keys sorted, so maps serialise the same way every run.
fn canonical_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let fields: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(k.clone()),
                        canonical_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// Registers the commands (in the guild, else globally) unless the stored hash says they are
/// already registered; stores the new hash after success. Returns whether it registered.
pub async fn register_if_changed(
    http: &serenity::Http,
    commands: Vec<serenity::CreateCommand>,
    guild_id: Option<u64>,
    state_path: &Path,
) -> anyhow::Result<bool> {
    let hash = definitions_hash(&commands, guild_id)?;
    let stored = std::fs::read_to_string(state_path).unwrap_or_default();
    if stored.trim() == hash {
        tracing::info!("slash commands unchanged; not registering");
        return Ok(false);
    }
    match guild_id {
        Some(id) => {
            serenity::GuildId::new(id)
                .set_commands(http, commands)
                .await?;
            tracing::info!(guild = id, "slash commands registered in guild");
        }
        None => {
            serenity::Command::set_global_commands(http, commands).await?;
            tracing::info!("slash commands registered globally");
        }
    }
    if let Some(dir) = state_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(state_path, format!("{hash}\n"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(name: &str) -> serenity::CreateCommand {
        serenity::CreateCommand::new(name)
            .description("d")
            .name_localized("zh-CN", "提问")
            .name_localized("zh-TW", "提問")
            .name_localized("ja", "質問")
    }

    #[test]
    fn hash_is_stable_and_tracks_changes() {
        let a = definitions_hash(&[command("ask")], None).unwrap();
        assert_eq!(a, definitions_hash(&[command("ask")], None).unwrap());
        assert_ne!(a, definitions_hash(&[command("asks")], None).unwrap());
        assert_ne!(a, definitions_hash(&[command("ask")], Some(1)).unwrap());
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let value = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": "x"}], "c": null}});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":{"c":null,"d":[1,{"y":"x","z":0}]},"b":1}"#
        );
    }
}
