//! A validating JSON cursor: reads the few values the policy needs straight
//! from the payload and skips everything else without building anything.
//!
//! Most of an admission request is never read: managed fields, probes,
//! volumes, status. serde_json skips each unread value through visitor calls,
//! key by key, and that walk was half of the policy's time. This reader skips
//! a whole value in one loop, strings eight bytes at a time, with the checks
//! serde_json makes (structure, escapes, control characters, numbers,
//! literals, nesting depth) and in serde_json's words, so a broken payload is
//! refused just as clearly.

use std::borrow::Cow;
use std::fmt;

use crate::bytes::{self, bytes_below, bytes_equal};

/// What went wrong, in serde_json's words (without its line and column).
pub type Error = String;

/// A syntax error. The scanning functions return this one-byte code rather
/// than a `String`: it comes back in a register, and the loops that skip
/// most of the payload call them for every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    EofValue,
    EofObject,
    EofList,
    EofString,
    ExpectedValue,
    ExpectedObjectComma,
    ExpectedListComma,
    ExpectedColon,
    KeyNotString,
    InvalidEscape,
    ControlCharacter,
    InvalidNumber,
    ExpectedIdent,
}

impl From<Syntax> for String {
    fn from(e: Syntax) -> String {
        match e {
            Syntax::EofValue => "EOF while parsing a value",
            Syntax::EofObject => "EOF while parsing an object",
            Syntax::EofList => "EOF while parsing a list",
            Syntax::EofString => "EOF while parsing a string",
            Syntax::ExpectedValue => "expected value",
            Syntax::ExpectedObjectComma => "expected `,` or `}`",
            Syntax::ExpectedListComma => "expected `,` or `]`",
            Syntax::ExpectedColon => "expected `:`",
            Syntax::KeyNotString => "key must be a string",
            Syntax::InvalidEscape => "invalid escape",
            Syntax::ControlCharacter => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Syntax::InvalidNumber => "invalid number",
            Syntax::ExpectedIdent => "expected ident",
        }
        .to_owned()
    }
}

/// A cursor over one JSON text.
#[derive(Clone)]
pub struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

/// The type of the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// The containers a skip is inside, innermost last: a bit each (set for an
/// object) for the first 64 levels, without allocating; deeper ones, which
/// serde_json accepts too, in a list.
#[derive(Default)]
struct Containers {
    bits: u64,
    depth: u32,
    deeper: Vec<bool>,
}

impl Containers {
    #[inline(always)]
    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            self.bits = self.bits & !(1 << self.depth) | u64::from(object) << self.depth;
        } else {
            self.deeper.push(object);
        }
        self.depth += 1;
    }

    /// Whether the innermost container is an object; `None` outside all.
    #[inline(always)]
    fn innermost(&self) -> Option<bool> {
        let top = self.depth.checked_sub(1)?;
        if top < 64 {
            Some(self.bits >> top & 1 == 1)
        } else {
            self.deeper.last().copied()
        }
    }

    #[inline(always)]
    fn pop(&mut self) {
        if self.depth > 64 {
            self.deeper.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }
}

/// The members of an object being read, key by key.
pub struct Members {
    first: bool,
}

/// The elements of an array being read, one by one.
pub struct Elements {
    first: bool,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `b`.
    pub fn new(b: &'a [u8]) -> Self {
        Reader { b, pos: 0 }
    }

    /// The byte offset of the cursor.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The text from `start` to the cursor.
    pub fn since(&self, start: usize) -> &'a [u8] {
        self.b.get(start..self.pos).unwrap_or_default()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.pos) {
            self.pos += 1;
        }
    }

    #[inline(always)]
    fn next_byte(&mut self) -> Option<u8> {
        // Compact JSON has no whitespace: no loop (an epoch check in
        // policy-server's engine) for the common case.
        match self.b.get(self.pos) {
            Some(&c) if c > b' ' => Some(c),
            _ => {
                self.ws();
                self.b.get(self.pos).copied()
            }
        }
    }

    /// The type of the next value, without reading it.
    pub fn kind(&mut self) -> Result<Kind, Error> {
        Ok(self.peek()?)
    }

    /// [`Reader::kind`] with a one-byte error, for the hot paths.
    #[inline(always)]
    fn peek(&mut self) -> Result<Kind, Syntax> {
        match self.next_byte() {
            Some(b'{') => Ok(Kind::Object),
            Some(b'[') => Ok(Kind::Array),
            Some(b'"') => Ok(Kind::String),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'n') => Ok(Kind::Null),
            Some(_) => Err(Syntax::ExpectedValue),
            None => Err(Syntax::EofValue),
        }
    }

    /// Reads a `null` if one comes next, and says so.
    pub fn null(&mut self) -> Result<bool, Error> {
        if self.peek()? != Kind::Null {
            return Ok(false);
        }
        self.literal(b"null")?;
        Ok(true)
    }

    /// Opens an object; any other value is refused as not `expected`.
    pub fn object(&mut self, expected: impl fmt::Display) -> Result<Members, Error> {
        if self.peek()? != Kind::Object {
            return Err(self.invalid_type(expected));
        }
        self.pos += 1;
        Ok(Members { first: true })
    }

    /// Opens an array; any other value is refused as not `expected`.
    pub fn array(&mut self, expected: impl fmt::Display) -> Result<Elements, Error> {
        if self.peek()? != Kind::Array {
            return Err(self.invalid_type(expected));
        }
        self.pos += 1;
        Ok(Elements { first: true })
    }

    /// A string value, escapes decoded; any other value is refused as not `expected`.
    pub fn string(&mut self, expected: &str) -> Result<Cow<'a, str>, Error> {
        if self.peek()? != Kind::String {
            return Err(self.invalid_type(expected));
        }
        match self.string_bytes()? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|e| e.utf8_error()),
        }
        .map_err(|_| "invalid unicode code point".into())
    }

    /// `None` for null, or the value `read` reads.
    pub fn optional<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, Error>,
    ) -> Result<Option<T>, Error> {
        if self.null()? {
            return Ok(None);
        }
        read(self).map(Some)
    }

    /// `true` or `false`; any other value is refused as not `expected`.
    pub fn bool(&mut self, expected: &str) -> Result<bool, Error> {
        match self.next_byte() {
            Some(b't') => Ok(self.literal(b"true").map(|()| true)?),
            Some(b'f') => Ok(self.literal(b"false").map(|()| false)?),
            _ => Err(self.invalid_type(expected)),
        }
    }

    /// Skips one value and returns its text.
    pub fn raw(&mut self) -> Result<&'a [u8], Error> {
        self.ws();
        let start = self.pos;
        self.skip()?;
        Ok(self.since(start))
    }

    /// Lets `scan` read the next value from its first byte: `scan` returns
    /// its length, or `None` to have it skipped the usual way instead. Returns
    /// the value's text, and whether `scan` read it.
    pub fn raw_by(
        &mut self,
        scan: impl FnOnce(&'a [u8]) -> Option<usize>,
    ) -> Result<(&'a [u8], bool), Error> {
        self.ws();
        let rest = self.b.get(self.pos..).unwrap_or_default();
        if let Some(text) = scan(rest).and_then(|n| rest.get(..n)) {
            self.pos += text.len();
            return Ok((text, true));
        }
        self.raw().map(|text| (text, false))
    }

    /// Refuses anything but whitespace after the value read.
    pub fn end(&mut self) -> Result<(), Error> {
        match self.next_byte() {
            None => Ok(()),
            Some(_) => Err("trailing characters".to_owned()),
        }
    }

    /// serde_json's words for a value of the wrong type: `invalid type: map, expected …`.
    pub fn invalid_type(&self, expected: impl fmt::Display) -> Error {
        format!(
            "invalid type: {}, expected {expected}",
            self.clone().describe()
        )
    }

    /// The next value as serde names it in errors: `string "x"`, `integer `5``, `map`.
    fn describe(&mut self) -> String {
        let start = self.pos;
        match self.kind() {
            Ok(Kind::Object) => "map".into(),
            Ok(Kind::Array) => "sequence".into(),
            Ok(Kind::Null) => "null".into(),
            Ok(Kind::Bool) => format!("boolean `{}`", self.b.get(self.pos) == Some(&b't')),
            Ok(Kind::String) => match self.string("") {
                Ok(s) => format!("string {s:?}"),
                Err(_) => "string".into(),
            },
            Ok(Kind::Number) => {
                let at = self.pos;
                if self.skip_number().is_err() {
                    return "number".into();
                }
                let text = String::from_utf8_lossy(self.since(at));
                if text.contains(['.', 'e', 'E']) {
                    format!("floating point `{text}`")
                } else {
                    format!("integer `{text}`")
                }
            }
            Err(_) => {
                self.pos = start;
                "end of input".into()
            }
        }
    }

    /// The raw bytes of the string at the cursor, escapes decoded.
    #[inline(always)]
    fn string_bytes(&mut self) -> Result<Cow<'a, [u8]>, Error> {
        self.pos += 1;
        let start = self.pos;
        let escaped = self.skip_string_body()?;
        let raw = self.b.get(start..self.pos - 1).unwrap_or_default();
        if escaped {
            unescape(raw).map(Cow::Owned)
        } else {
            Ok(Cow::Borrowed(raw))
        }
    }

    /// Skips one value, however deeply nested, without recursion.
    pub fn skip(&mut self) -> Result<(), Error> {
        Ok(self.skip_value()?)
    }

    fn skip_value(&mut self) -> Result<(), Syntax> {
        let mut open = Containers::default();
        'value: loop {
            match self.next_byte() {
                Some(b @ (b'{' | b'[')) => {
                    self.pos += 1;
                    let close = if b == b'{' { b'}' } else { b']' };
                    if self.next_byte() == Some(close) {
                        self.pos += 1;
                    } else {
                        open.push(b == b'{');
                        if b == b'{' {
                            self.member_key()?;
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.pos += 1;
                    self.skip_string_body()?;
                }
                Some(b'-' | b'0'..=b'9') => self.skip_number()?,
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(_) => return Err(Syntax::ExpectedValue),
                None => return Err(Syntax::EofValue),
            }
            // A value ended: close containers until one goes on.
            while let Some(object) = open.innermost() {
                match (self.next_byte(), object) {
                    (Some(b','), true) => {
                        self.pos += 1;
                        self.member_key()?;
                        continue 'value;
                    }
                    (Some(b','), false) => {
                        self.pos += 1;
                        continue 'value;
                    }
                    (Some(b'}'), true) | (Some(b']'), false) => {
                        self.pos += 1;
                        open.pop();
                    }
                    (None, true) => return Err(Syntax::EofObject),
                    (None, false) => return Err(Syntax::EofList),
                    (_, true) => return Err(Syntax::ExpectedObjectComma),
                    (_, false) => return Err(Syntax::ExpectedListComma),
                }
            }
            return Ok(());
        }
    }

    /// Skips a member's key and its colon.
    #[inline(always)]
    fn member_key(&mut self) -> Result<(), Syntax> {
        match self.next_byte() {
            Some(b'"') => self.pos += 1,
            Some(_) => return Err(Syntax::KeyNotString),
            None => return Err(Syntax::EofObject),
        }
        self.skip_string_body()?;
        self.colon()
    }

    #[inline(always)]
    fn colon(&mut self) -> Result<(), Syntax> {
        match self.next_byte() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(Syntax::ExpectedColon),
            None => Err(Syntax::EofObject),
        }
    }

    /// Moves past the closing quote of the string whose body starts at the
    /// cursor; says whether it holds escapes (each checked).
    #[inline(always)]
    fn skip_string_body(&mut self) -> Result<bool, Syntax> {
        let b = self.b;
        let mut i = self.pos;
        let mut escaped = false;
        loop {
            // Eight bytes at a time up to a quote, a backslash or a control
            // character; the lowest flagged byte is exact.
            while let Some(Ok(word)) = b.get(i..i + 8).map(<[u8; 8]>::try_from) {
                let x = u64::from_le_bytes(word);
                let special = bytes_equal(x, b'"') | bytes_equal(x, b'\\') | bytes_below(x, 0x20);
                if special != 0 {
                    i += (special.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            match b.get(i) {
                Some(b'"') => {
                    self.pos = i + 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    i = escape_end(b, i + 1)?;
                }
                Some(0..=0x1f) => return Err(Syntax::ControlCharacter),
                Some(_) => i += 1,
                None => return Err(Syntax::EofString),
            }
        }
    }

    fn skip_number(&mut self) -> Result<(), Syntax> {
        let b = self.b;
        let mut i = self.pos;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        i = match b.get(i) {
            Some(b'0') => i + 1,
            Some(b'1'..=b'9') => digits(i + 1),
            _ => return Err(Syntax::InvalidNumber),
        };
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return Err(Syntax::InvalidNumber);
            }
            i = end;
        }
        if let Some(b'e' | b'E') = b.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = b.get(i) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return Err(Syntax::InvalidNumber);
            }
            i = end;
        }
        self.pos = i;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Syntax> {
        let end = self.pos + word.len();
        match self.b.get(self.pos..end) {
            // A word compare: `==` on slices is a call to `memcmp`, a byte loop in wasm.
            Some(text) if bytes::same(text, word) => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(Syntax::ExpectedIdent),
            None => Err(Syntax::EofValue),
        }
    }
}

impl Members {
    /// The next member's key (escapes decoded), the cursor on its value; `None` after the last.
    pub fn next_key<'a>(&mut self, r: &mut Reader<'a>) -> Result<Option<Cow<'a, [u8]>>, Error> {
        if !self.at_key(r)? {
            return Ok(None);
        }
        let key = r.string_bytes()?;
        r.colon()?;
        Ok(Some(key))
    }

    /// The index in `names` of the next member's key, the cursor on its
    /// value; members with other keys are skipped; `None` after the last.
    ///
    /// One call walks past every member the caller does not want: a call
    /// per member would hand each result back through memory, since a
    /// `Result` with a `String` does not fit a wasm register.
    pub fn next_of(&mut self, r: &mut Reader<'_>, names: &[&str]) -> Result<Option<usize>, Error> {
        loop {
            if !self.at_key(r)? {
                return Ok(None);
            }
            r.pos += 1;
            let start = r.pos;
            let escaped = r.skip_string_body()?;
            let key = r.b.get(start..r.pos - 1).unwrap_or_default();
            // Keys are compared as written; only a key with escapes is decoded.
            let index = if escaped {
                key_index(&unescape(key)?, names)
            } else {
                key_index(key, names)
            };
            r.colon()?;
            match index {
                Some(i) => return Ok(Some(i)),
                None => r.skip_value()?,
            }
        }
    }

    /// Moves to the next member's key (true) or past the closing brace (false).
    #[inline(always)]
    fn at_key(&mut self, r: &mut Reader<'_>) -> Result<bool, Syntax> {
        match (r.next_byte(), std::mem::replace(&mut self.first, false)) {
            (Some(b'}'), _) => {
                r.pos += 1;
                Ok(false)
            }
            (Some(b'"'), true) => Ok(true),
            (Some(b','), false) => {
                r.pos += 1;
                match r.next_byte() {
                    Some(b'"') => Ok(true),
                    Some(_) => Err(Syntax::KeyNotString),
                    None => Err(Syntax::EofObject),
                }
            }
            (Some(_), true) => Err(Syntax::KeyNotString),
            (Some(_), false) => Err(Syntax::ExpectedObjectComma),
            (None, _) => Err(Syntax::EofObject),
        }
    }
}

impl Elements {
    /// True when another element follows, the cursor on it.
    pub fn next(&mut self, r: &mut Reader<'_>) -> Result<bool, Error> {
        match (r.next_byte(), std::mem::replace(&mut self.first, false)) {
            (Some(b']'), _) => {
                r.pos += 1;
                Ok(false)
            }
            (Some(_), true) => Ok(true),
            (Some(b','), false) => {
                r.pos += 1;
                Ok(true)
            }
            (Some(_), false) => Err(Syntax::ExpectedListComma.into()),
            (None, _) => Err(Syntax::EofList.into()),
        }
    }
}

/// True when `key` is `name`: keys that differ in length, most of them,
/// at once, the others in words (see [`bytes::same`]).
#[inline(always)]
pub fn key_is(key: &[u8], name: &str) -> bool {
    bytes::same(key, name.as_bytes())
}

/// Which of `names` a key is, if any.
#[inline]
pub fn key_index(key: &[u8], names: &[&str]) -> Option<usize> {
    names.iter().position(|name| key_is(key, name))
}

/// Which of the expected `names` a key is, or serde_json's words for an unknown field.
pub fn field(key: &[u8], names: &[&str]) -> Result<usize, Error> {
    if let Some(i) = key_index(key, names) {
        return Ok(i);
    }
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let expected = match quoted.as_slice() {
        [] => "there are no fields".to_owned(),
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        all => format!("expected one of {}", all.join(", ")),
    };
    Err(format!(
        "unknown field `{}`, {expected}",
        String::from_utf8_lossy(key)
    ))
}

/// Marks field `i` of `names` seen, or refuses it as given twice.
pub fn once(seen: &mut [bool], i: usize, names: &[&str]) -> Result<(), Error> {
    match seen.get_mut(i).map(|seen| std::mem::replace(seen, true)) {
        Some(true) => Err(format!(
            "duplicate field `{}`",
            names.get(i).copied().unwrap_or_default()
        )),
        _ => Ok(()),
    }
}

/// Where the escape whose letter is at `b[i]` ends, or why it is not one.
fn escape_end(b: &[u8], i: usize) -> Result<usize, Syntax> {
    match b.get(i) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 1),
        Some(b'u') => match b.get(i + 1..i + 5) {
            Some(hex) if hex.iter().all(u8::is_ascii_hexdigit) => Ok(i + 5),
            Some(_) => Err(Syntax::InvalidEscape),
            None => Err(Syntax::EofString),
        },
        Some(_) => Err(Syntax::InvalidEscape),
        None => Err(Syntax::EofString),
    }
}

/// The four hex digits at `b[i..]` (already checked by [`escape_end`]).
fn hex4(b: &[u8], i: usize) -> Option<u32> {
    let text = std::str::from_utf8(b.get(i..i + 4)?).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// A string body with checked escapes, decoded.
fn unescape(raw: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let letter = raw.get(i + 1).copied().unwrap_or_default();
        i += 2;
        let byte = match letter {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = hex4(raw, i).ok_or("invalid escape")?;
                i += 4;
                let code = match unit {
                    0xD800..=0xDBFF => {
                        if raw.get(i..i + 2) != Some(b"\\u") {
                            return Err("unexpected end of hex escape".into());
                        }
                        match hex4(raw, i + 2) {
                            Some(low @ 0xDC00..=0xDFFF) => {
                                i += 6;
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            }
                            _ => return Err("lone leading surrogate in hex escape".into()),
                        }
                    }
                    0xDC00..=0xDFFF => return Err("lone leading surrogate in hex escape".into()),
                    unit => unit,
                };
                let c = char::from_u32(code).ok_or("invalid unicode code point")?;
                out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                continue;
            }
            other => other, // `"`, `\` and `/` stand for themselves
        };
        out.push(byte);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde::de::IgnoredAny;

    /// What skipping the whole text gives, as serde_json words it (no position).
    fn skipped(text: &str) -> Result<(), String> {
        let mut r = Reader::new(text.as_bytes());
        r.skip()?;
        r.end()
    }

    fn serde_skipped(text: &str) -> Result<(), String> {
        serde_json::from_str::<IgnoredAny>(text)
            .map(|_| ())
            .map_err(|e| crate::json::describe_json_error(&e))
    }

    #[rstest]
    #[case::object(r#"{"a": [1, -2.5e3, true, false, null, "x\"y\\z\u00e9"], "b": {}}"#)]
    #[case::nested_empty("[[], {}, [[{}]]]")]
    #[case::spaced(" { \"a\" :\n[ 1 ,\t2 ] } ")]
    #[case::long_strings(r#"["abcdefghijklmnopqrstuvwxyz0123456789", "12345678", "1234567\"8"]"#)]
    #[case::surrogates(r#""\ud83d\ude00 \uDBFF\uDFFF""#)]
    #[case::numbers("[0, -0, 1.0, 1e5, 1E+5, 1e-5, 123456789012345678901234567890]")]
    #[case::non_ascii(r#"{"é": "ü€𝄞"}"#)]
    fn skips_valid_json(#[case] text: &str) {
        assert_eq!(serde_skipped(text), Ok(()), "serde_json agrees it is valid");
        assert_eq!(skipped(text), Ok(()));
    }

    #[rstest]
    #[case::eof_object("{", "EOF while parsing an object")]
    #[case::eof_list("[1", "EOF while parsing a list")]
    #[case::eof_string("\"abc", "EOF while parsing a string")]
    #[case::eof_after_colon(r#"{"a":"#, "EOF while parsing a value")]
    #[case::empty("", "EOF while parsing a value")]
    #[case::missing_comma(r#"{"a": 1 "b": 2}"#, "expected `,` or `}`")]
    #[case::missing_comma_list("[1 2]", "expected `,` or `]`")]
    #[case::missing_colon(r#"{"a" 1}"#, "expected `:`")]
    #[case::bare_key("{a: 1}", "key must be a string")]
    #[case::number_key("{1: 1}", "key must be a string")]
    #[case::mismatched("[1}", "expected `,` or `]`")]
    #[case::mismatched_object(r#"{"a": 1]"#, "expected `,` or `}`")]
    #[case::bad_escape(r#""\x""#, "invalid escape")]
    #[case::short_unicode(r#""\u12G4""#, "invalid escape")]
    #[case::control(concat!("\"a", "\n", "b\""), "control character (\\u0000-\\u001F) found while parsing a string")]
    #[case::leading_zero("01", "trailing characters")]
    #[case::plus("+1", "expected value")]
    #[case::dot("1.", "invalid number")]
    #[case::exponent("1e", "invalid number")]
    #[case::bad_literal("tru", "EOF while parsing a value")]
    #[case::wrong_literal("nul1", "expected ident")]
    #[case::trailing("{} x", "trailing characters")]
    #[case::two_values("1 2", "trailing characters")]
    fn refuses_broken_json(#[case] text: &str, #[case] message: &str) {
        assert!(
            serde_skipped(text).is_err(),
            "serde_json agrees it is broken"
        );
        assert_eq!(skipped(text), Err(message.to_owned()));
    }

    /// serde_json skips values of any depth; so does the reader, past the
    /// 64 levels it tracks without allocating.
    #[rstest]
    #[case::shallow(3)]
    #[case::at_the_bits(64)]
    #[case::past_the_bits(65)]
    #[case::serde_recursion_limit(129)]
    #[case::deep(5000)]
    fn skips_any_depth(#[case] n: usize) {
        let arrays = format!("{}{}", "[".repeat(n), "]".repeat(n));
        let objects = format!("{}[1, {{}}]{}", r#"{"a": ["#.repeat(n), "]}".repeat(n));
        let mixed_broken = format!("{}1{}", r#"{"a": ["#.repeat(n), "}]".repeat(n));
        for (text, valid) in [(arrays, true), (objects, true), (mixed_broken, false)] {
            assert_eq!(
                serde_skipped(&text).is_ok(),
                valid,
                "serde_json on depth {n}"
            );
            assert_eq!(skipped(&text).is_ok(), valid, "depth {n}");
        }
    }

    /// Every byte of real payloads replaced, deleted or doubled in turn: the
    /// reader refuses exactly what serde_json refuses.
    #[test]
    fn agrees_with_serde_on_damaged_payloads() {
        let base = concat!(
            r#"{"kind": {"group": "", "kind": "Pod"}, "object": {"metadata": {"name": "a-b", "labels": {"x": "1"}},"#,
            r#" "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/app:1.0", "ports": [{"containerPort": 8080}],"#,
            r#" "resources": {"limits": {"cpu": 0.5, "memory": -1e3}}, "tty": false, "stdin": true, "args": null}]}},"#,
            r#" "note": "tab\t quote\" uni\u00e9 \ud83d\ude00 slash\/"}"#
        );
        let replacements = b"{}[],:\"\\ 0-.eE+tfnxu\x01\xc3";
        let mut checked = 0;
        for at in 0..base.len() {
            let mut variants: Vec<Vec<u8>> = Vec::new();
            let bytes = base.as_bytes();
            variants.push([&bytes[..at], &bytes[at + 1..]].concat());
            variants.push([&bytes[..at], &bytes[at..at + 1], &bytes[at..]].concat());
            for &c in replacements {
                variants.push([&bytes[..at], &[c][..], &bytes[at + 1..]].concat());
            }
            for text in variants {
                let ours = {
                    let mut r = Reader::new(&text);
                    r.skip().and_then(|()| r.end())
                };
                let theirs = serde_json::from_slice::<IgnoredAny>(&text);
                assert_eq!(
                    ours.is_ok(),
                    theirs.is_ok(),
                    "{:?}: ours {ours:?}, serde {theirs:?}",
                    String::from_utf8_lossy(&text)
                );
                checked += 1;
            }
        }
        assert!(checked > 5000);
    }

    #[rstest]
    #[case::plain(r#""ghcr.io/acme""#, Ok("ghcr.io/acme"))]
    #[case::escaped_slash(r#""ghcr.io\/acme""#, Ok("ghcr.io/acme"))]
    #[case::escapes(r#""a\"b\\c\bd\fe\nf\rg\th""#, Ok("a\"b\\c\u{8}d\u{c}e\nf\rg\th"))]
    #[case::unicode(r#""\u0067hcr.io\u002Facme""#, Ok("ghcr.io/acme"))]
    #[case::surrogate_pair(r#""\ud83d\ude00""#, Ok("😀"))]
    #[case::lone_high(r#""\ud83dx""#, Err("unexpected end of hex escape"))]
    #[case::high_then_other(r#""\ud83d\u0041""#, Err("lone leading surrogate in hex escape"))]
    #[case::lone_low(r#""\ude00""#, Err("lone leading surrogate in hex escape"))]
    #[case::not_a_string("5", Err("invalid type: integer `5`, expected an image"))]
    #[case::null("null", Err("invalid type: null, expected an image"))]
    #[case::object(r#"{"a": 1}"#, Err("invalid type: map, expected an image"))]
    #[case::array("[1]", Err("invalid type: sequence, expected an image"))]
    #[case::bool("true", Err("invalid type: boolean `true`, expected an image"))]
    #[case::float("-1.5", Err("invalid type: floating point `-1.5`, expected an image"))]
    fn reads_strings(#[case] text: &str, #[case] expected: Result<&str, &str>) {
        let got = Reader::new(text.as_bytes()).string("an image");
        assert_eq!(got.as_deref(), expected.map_err(str::to_owned).as_deref());
        if let Ok(s) = expected {
            assert_eq!(
                serde_json::from_str::<String>(text).ok().as_deref(),
                Some(s)
            );
        }
    }

    #[test]
    fn invalid_utf8_in_a_read_string_is_refused() {
        let text = b"\"ab\xffcd\"";
        assert_eq!(
            Reader::new(text).string("a name"),
            Err("invalid unicode code point".to_owned())
        );
    }

    #[test]
    fn walks_members_and_elements() {
        let text = br#" {"a" : [1, {"x": 2}] , "b\u0021": "v", "c": null} "#;
        let mut r = Reader::new(text);
        let mut members = r.object("an object").expect("object");
        let mut seen = Vec::new();
        while let Some(key) = members.next_key(&mut r).expect("key") {
            seen.push(String::from_utf8_lossy(&key).into_owned());
            match &*key {
                b"a" => {
                    let mut elements = r.array("a list").expect("array");
                    let mut n = 0;
                    while elements.next(&mut r).expect("element") {
                        r.skip().expect("skip");
                        n += 1;
                    }
                    assert_eq!(n, 2);
                }
                b"b!" => assert_eq!(r.string("a string").as_deref(), Ok("v")),
                _ => assert_eq!(r.null(), Ok(true)),
            }
        }
        assert_eq!(r.end(), Ok(()));
        assert_eq!(seen, ["a", "b!", "c"]);
    }

    #[rstest]
    #[case::trailing_comma_object(r#"{"a": 1,}"#, "key must be a string")]
    #[case::missing_comma(r#"{"a": 1 "b": 2}"#, "expected `,` or `}`")]
    #[case::eof(r#"{"a": 1"#, "EOF while parsing an object")]
    fn member_errors(#[case] text: &str, #[case] message: &str) {
        let mut r = Reader::new(text.as_bytes());
        let mut members = r.object("an object").expect("object");
        let err = loop {
            match members.next_key(&mut r) {
                Ok(Some(_)) => r.skip().expect("value"),
                Ok(None) => panic!("read to the end"),
                Err(e) => break e,
            }
        };
        assert_eq!(err, message);
    }

    /// `next_of` hands out the wanted keys in order and skips the rest.
    #[rstest]
    #[case::wanted_only(r#"{"image": "a", "name": "b"}"#, vec![1, 0])]
    #[case::others_skipped(r#"{"env": [{"name": "X"}], "image": "a", "ports": {"p": [1, 2]}, "name": "b", "x": null}"#, vec![1, 0])]
    #[case::none_wanted(r#"{"env": [], "args": ["-v"]}"#, vec![])]
    #[case::empty("{}", vec![])]
    #[case::spaced("{ \"x\" : 1 ,\n \"name\" :\t\"b\" }", vec![0])]
    #[case::escaped_key(r#"{"n\u0061me": "b"}"#, vec![0])]
    #[case::escaped_other_key(r#"{"n\u0061mes": "b", "image": "a"}"#, vec![1])]
    #[case::twice(r#"{"name": "a", "name": "b"}"#, vec![0, 0])]
    fn finds_wanted_members(#[case] text: &str, #[case] expected: Vec<usize>) {
        let mut r = Reader::new(text.as_bytes());
        let mut members = r.object("an object").expect("object");
        let mut found = Vec::new();
        while let Some(i) = members.next_of(&mut r, &["name", "image"]).expect("member") {
            found.push(i);
            r.skip().expect("value");
        }
        assert_eq!(r.end(), Ok(()));
        assert_eq!(found, expected);
    }

    #[rstest]
    #[case::trailing_comma(r#"{"a": 1,}"#, "key must be a string")]
    #[case::missing_comma(r#"{"a": 1 "b": 2}"#, "expected `,` or `}`")]
    #[case::eof_in_skipped_value(r#"{"a": [1, 2"#, "EOF while parsing a list")]
    #[case::bad_skipped_value(r#"{"a": tru}"#, "expected ident")]
    #[case::missing_colon(r#"{"a" 1}"#, "expected `:`")]
    #[case::key_not_string(r#"{1: 2}"#, "key must be a string")]
    #[case::lone_surrogate_key(r#"{"\ude00": 1}"#, "lone leading surrogate in hex escape")]
    fn member_search_errors(#[case] text: &str, #[case] message: &str) {
        let mut r = Reader::new(text.as_bytes());
        let mut members = r.object("an object").expect("object");
        let err = loop {
            match members.next_of(&mut r, &["name"]) {
                Ok(Some(_)) => r.skip().expect("value"),
                Ok(None) => panic!("read to the end"),
                Err(e) => break e,
            }
        };
        assert_eq!(err, message);
        // serde_json refuses the same text.
        assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
    }
}
