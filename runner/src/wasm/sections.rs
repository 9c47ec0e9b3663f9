//! Reading and writing custom sections of a WebAssembly module.
//!
//! A module is an 8-byte header followed by sections: an id byte, the
//! content size as unsigned LEB128, then the content. A custom section (id 0)
//! starts its content with a name (LEB128 length, UTF-8 bytes). Writing walks
//! the sections, drops those with the given custom name, and appends the new
//! one at the end, where custom sections may appear; every other byte is kept
//! as it was. Modules are checked with wasmparser before and after.

use anyhow::{anyhow, bail, Context, Result};
use wasmparser::{Parser, Payload};

/// Magic number and version 1 of the binary format.
const HEADER: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/// Id of custom sections.
const CUSTOM: u8 = 0;

/// The content of the first custom section called `name`, if any.
pub fn custom_section<'a>(module: &'a [u8], name: &str) -> Result<Option<&'a [u8]>> {
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CustomSection(reader) = payload.context("not a valid WebAssembly module")? {
            if reader.name() == name {
                return Ok(Some(reader.data()));
            }
        }
    }
    Ok(None)
}

/// A copy of `module` whose only custom section called `name` is a new one,
/// at the end, holding `payload`.
pub fn set_custom_section(module: &[u8], name: &str, payload: &[u8]) -> Result<Vec<u8>> {
    check_module(module)?;
    let mut out = Vec::with_capacity(module.len() + name.len() + payload.len() + 16);
    out.extend_from_slice(&HEADER);
    for section in sections(module)? {
        let section = section?;
        if section.id == CUSTOM && custom_name(section.content)? == name.as_bytes() {
            continue;
        }
        out.extend_from_slice(section.bytes);
    }
    let name_len = u32::try_from(name.len()).context("section name too long")?;
    let mut content = Vec::with_capacity(name.len() + payload.len() + 5);
    write_leb128(&mut content, name_len);
    content.extend_from_slice(name.as_bytes());
    content.extend_from_slice(payload);
    let size = u32::try_from(content.len()).context("custom section larger than 4 GiB")?;
    out.push(CUSTOM);
    write_leb128(&mut out, size);
    out.extend_from_slice(&content);
    check_module(&out).context("the rewritten module does not parse")?;
    Ok(out)
}

/// Parses the whole module, so that a truncated or corrupt file is refused
/// before anything is written.
fn check_module(module: &[u8]) -> Result<()> {
    if !module.starts_with(&HEADER) {
        bail!("not a WebAssembly module (binary format version 1): bad header");
    }
    for payload in Parser::new(0).parse_all(module) {
        payload.context("not a valid WebAssembly module")?;
    }
    Ok(())
}

/// One top-level section: its id, its content, and all its bytes.
struct Section<'a> {
    id: u8,
    content: &'a [u8],
    bytes: &'a [u8],
}

/// The module's top-level sections, in order.
fn sections(module: &[u8]) -> Result<impl Iterator<Item = Result<Section<'_>>>> {
    let body = module
        .get(HEADER.len()..)
        .ok_or_else(|| anyhow!("module shorter than its header"))?;
    let mut rest = body;
    Ok(std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let section = (|| {
            let (&id, after_id) = rest.split_first().ok_or_else(|| anyhow!("empty section"))?;
            let (size, after_size) = read_leb128(after_id)?;
            let size = usize::try_from(size).context("section size")?;
            let header_len = rest.len() - after_size.len();
            let content = after_size
                .get(..size)
                .ok_or_else(|| anyhow!("section {id} runs past the end of the module"))?;
            let bytes = &rest[..header_len + size];
            rest = &after_size[size..];
            Ok(Section { id, content, bytes })
        })();
        if section.is_err() {
            rest = &[];
        }
        Some(section)
    }))
}

/// The name at the start of a custom section's content.
fn custom_name(content: &[u8]) -> Result<&[u8]> {
    let (len, rest) = read_leb128(content)?;
    let len = usize::try_from(len).context("custom section name length")?;
    rest.get(..len)
        .ok_or_else(|| anyhow!("custom section name runs past its section"))
}

/// Reads an unsigned LEB128 `u32`; returns it and the bytes after it.
fn read_leb128(bytes: &[u8]) -> Result<(u32, &[u8])> {
    let mut value: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(5) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let value = u32::try_from(value).context("LEB128 value larger than u32")?;
            return Ok((value, &bytes[i + 1..]));
        }
    }
    bail!("malformed LEB128 number")
}

/// Appends `value` as unsigned LEB128 (shortest form).
fn write_leb128(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// `(module (func (export "f")))` plus a custom section "other" = "x".
    fn module() -> Vec<u8> {
        let mut m = HEADER.to_vec();
        // type section: one type () -> ()
        m.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]);
        // function section: one function of type 0
        m.extend_from_slice(&[3, 2, 1, 0]);
        // custom section "other" = "x"
        m.extend_from_slice(&[0, 7, 5, b'o', b't', b'h', b'e', b'r', b'x']);
        // export section: "f" -> func 0
        m.extend_from_slice(&[7, 5, 1, 1, b'f', 0, 0]);
        // code section: one empty body
        m.extend_from_slice(&[10, 4, 1, 2, 0, 0x0b]);
        m
    }

    #[rstest]
    #[case::zero(0, &[0x00])]
    #[case::one_byte(127, &[0x7f])]
    #[case::two_bytes(128, &[0x80, 0x01])]
    #[case::three_bytes(624_485, &[0xe5, 0x8e, 0x26])]
    #[case::max(u32::MAX, &[0xff, 0xff, 0xff, 0xff, 0x0f])]
    fn leb128_round_trip(#[case] value: u32, #[case] encoded: &[u8]) {
        let mut out = Vec::new();
        write_leb128(&mut out, value);
        assert_eq!(out, encoded);
        assert_eq!(read_leb128(encoded).unwrap(), (value, &[][..]));
    }

    #[rstest]
    #[case::empty(&[])]
    #[case::unterminated(&[0x80, 0x80])]
    #[case::too_long(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x01])]
    #[case::too_large(&[0xff, 0xff, 0xff, 0xff, 0x1f])]
    fn leb128_refuses_malformed(#[case] bytes: &[u8]) {
        assert!(read_leb128(bytes).is_err());
    }

    #[rstest]
    #[case::small(b"{}".to_vec())]
    #[case::large(vec![b'a'; 70_000])]
    fn adds_then_replaces_a_section(#[case] payload: Vec<u8>) {
        let original = module();
        assert_eq!(custom_section(&original, "meta").unwrap(), None);
        let once = set_custom_section(&original, "meta", b"first").unwrap();
        assert_eq!(custom_section(&once, "meta").unwrap(), Some(&b"first"[..]));
        assert!(
            once.starts_with(&original),
            "existing sections are kept as they were"
        );
        let twice = set_custom_section(&once, "meta", &payload).unwrap();
        assert_eq!(custom_section(&twice, "meta").unwrap(), Some(&payload[..]));
        assert_eq!(custom_section(&twice, "other").unwrap(), Some(&b"x"[..]));
        let count = Parser::new(0)
            .parse_all(&twice)
            .filter(|p| matches!(p, Ok(Payload::CustomSection(r)) if r.name() == "meta"))
            .count();
        assert_eq!(count, 1);
        assert_eq!(
            twice.len(),
            original.len() + 1 + leb_len(&payload) + 5 + payload.len()
        );
    }

    fn leb_len(payload: &[u8]) -> usize {
        let mut out = Vec::new();
        write_leb128(&mut out, u32::try_from(payload.len() + 5).unwrap());
        out.len()
    }

    #[rstest]
    #[case::empty(Vec::new())]
    #[case::text(b"(module)".to_vec())]
    #[case::truncated(module()[..module().len() - 3].to_vec())]
    #[case::wrong_version(vec![0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00])]
    fn refuses_what_is_not_a_module(#[case] bytes: Vec<u8>) {
        assert!(set_custom_section(&bytes, "meta", b"{}").is_err());
    }
}
