//! Small helpers for reading JSON straight from the payload, without copies.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error, Visitor};
use serde::Deserialize;

/// A string borrowed from the payload, or owned when it had JSON escapes.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(transparent)]
pub struct Text<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Default for Text<'_> {
    fn default() -> Self {
        Text(Cow::Borrowed(""))
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// Reads a map key and says whether it equals the expected name, without allocating.
pub struct KeyIs<'k>(pub &'k str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        Ok(KeyIn(&[self.0]).deserialize(d)?.is_some())
    }
}

/// Reads a map key and says which of the expected names it is, if any.
///
/// Keys are read as bytes: serde_json then hands out the unescaped key as it
/// stands in the payload, without checking it is UTF-8 (a key compared to
/// ASCII names needs no such check), and decodes escaped keys as usual.
pub struct KeyIn<'k>(pub &'k [&'k str]);

impl<'de> DeserializeSeed<'de> for KeyIn<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl Visitor<'_> for KeyIn<'_> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_bytes<E: Error>(self, key: &[u8]) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|name| name.as_bytes() == key))
    }
    fn visit_str<E: Error>(self, key: &str) -> Result<Option<usize>, E> {
        self.visit_bytes(key.as_bytes())
    }
}

/// serde's message without the "at line 1 column 57" position, which means
/// nothing to someone who wrote YAML.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
