//! JSON text of a value with the keys of every object in another order, for tests that a spec
//! means the same whatever order its JSON keys come in (serde_json itself sorts them).

use serde_json::Value;

/// JSON text with every object's keys in an order given by `seed`.
pub fn shuffled_json(value: &Value, seed: u64) -> String {
    match value {
        Value::Object(members) => {
            let mut keys: Vec<&String> = members.keys().collect();
            keys.sort_by_key(|k| apothic_image::hash::sha256_hex(format!("{seed}{k}").as_bytes()));
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        Value::String((*k).clone()),
                        shuffled_json(&members[*k], seed)
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| shuffled_json(v, seed))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}
