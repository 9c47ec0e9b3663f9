//! Policy settings, given inline as JSON or in a YAML/JSON file, as kwctl takes them.

use anyhow::{anyhow, Result};
use serde_json::{Map, Value};

/// The settings a policy runs with: a JSON object, `{}` when none are given.
pub type Settings = Map<String, Value>;

/// Turns a parsed settings document into [`Settings`]: an object, or null for none.
pub fn from_value(value: Value) -> Result<Settings> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Settings::new()),
        other => Err(anyhow!(
            "settings must be a JSON object (or null), got: {other}"
        )),
    }
}

/// Parses settings given inline as JSON (`--settings-json`).
pub fn from_json(json: &str) -> Result<Settings> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| anyhow!("Cannot parse settings JSON: {e}"))?;
    from_value(value)
}

/// Parses a settings file (`--settings-path`), YAML or JSON.
pub fn from_path(path: &std::path::Path) -> Result<Settings> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow!("Cannot open settings file {}: {e}", path.display()))?;
    let value: Value = serde_yaml::from_reader(file)
        .map_err(|e| anyhow!("Cannot parse settings file {}: {e}", path.display()))?;
    from_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::object(json!({"a": 1}), Some(json!({"a": 1})))]
    #[case::null(json!(null), Some(json!({})))]
    #[case::list(json!([1]), None)]
    #[case::string(json!("a"), None)]
    fn settings_must_be_an_object_or_null(#[case] input: Value, #[case] expected: Option<Value>) {
        let got = from_value(input).ok().map(Value::Object);
        assert_eq!(got, expected);
    }
}
