//! The character-level grammar of image references, as `distribution/reference`
//! states it. Each rule is a small hand-written matcher over ASCII bytes: no regex,
//! so nothing is compiled when a fresh policy instance starts.
//!
//! ```text
//! domain-name := label ( "." label )*     label: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
//! ipv6-host   := "[" [a-fA-F0-9:]+ "]"
//! port        := [0-9]+
//! component   := [a-z0-9]+ ( separator [a-z0-9]+ )*     separator: "." | "_" | "__" | "-"+
//! tag         := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest      := algorithm ":" hex{32,}
//! algorithm   := [A-Za-z][A-Za-z0-9]* ( [-_+.] [A-Za-z][A-Za-z0-9]* )*
//! ```

/// Longest repository path (after `library/` is added), in bytes.
pub const PATH_MAX: usize = 255;
/// Longest tag, in bytes.
pub const TAG_MAX: usize = 128;

/// One DNS-style label: alphanumerics, with inner hyphens only.
pub fn is_label(label: &str) -> bool {
    let b = label.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        }
        _ => false,
    }
}

/// Dot-separated labels; no empty label, so no leading, trailing or double dot.
/// Each [`is_label`], read in one pass: every image's host is read here.
pub fn is_domain_name(name: &str) -> bool {
    // The byte before, a dot at the start: a label starts and ends alphanumeric.
    let mut prev = b'.';
    for &c in name.as_bytes() {
        let fits = match c {
            b'.' => prev.is_ascii_alphanumeric(),
            b'-' => prev != b'.',
            _ => c.is_ascii_alphanumeric(),
        };
        if !fits {
            return false;
        }
        prev = c;
    }
    prev.is_ascii_alphanumeric()
}

/// The parts of `s` between ASCII `sep` bytes, as `str::split` gives them,
/// found by a plain byte loop: `split`'s searcher costs more than the few
/// bytes of a host name or path.
pub fn parts(s: &str, sep: u8) -> impl Iterator<Item = &str> + Clone {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == sep) {
            Some(i) => {
                rest = text.get(i + 1..);
                text.get(..i)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// The inside of a bracketed IPv6 host, as the reference grammar allows it
/// (hex digits and colons; whether it is a real address is checked elsewhere).
pub fn is_ipv6_text(inner: &str) -> bool {
    !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_hexdigit() || c == b':')
}

/// Digits only; the range is not part of the grammar.
pub fn is_port(port: &str) -> bool {
    !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit())
}

/// Why a path component is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentError {
    /// Two slashes in a row, or a slash at either end.
    Empty,
    /// Upper-case letters are never valid in a repository path.
    Uppercase,
    /// Anything else that the grammar refuses.
    Invalid,
}

/// One repository path component: lowercase alphanumerics joined by separators.
pub fn check_component(component: &str) -> Result<(), ComponentError> {
    let b = component.as_bytes();
    if b.is_empty() {
        return Err(ComponentError::Empty);
    }
    // One pass; only a refused component is looked at again, for upper case,
    // which is named before any other fault.
    component_shape(b).map_err(|e| match b.iter().any(u8::is_ascii_uppercase) {
        true => ComponentError::Uppercase,
        false => e,
    })
}

/// A non-empty component's runs and separators, read once.
fn component_shape(b: &[u8]) -> Result<(), ComponentError> {
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut i = 0;
    loop {
        // A run of alphanumerics...
        let start = i;
        while b.get(i).is_some_and(|&c| alnum(c)) {
            i += 1;
        }
        if i == start {
            return Err(ComponentError::Invalid);
        }
        let Some(&sep) = b.get(i) else {
            return Ok(());
        };
        // ...then one separator: ".", "_", "__" or one or more "-".
        match sep {
            b'.' => i += 1,
            b'_' => i += if b.get(i + 1) == Some(&b'_') { 2 } else { 1 },
            b'-' => {
                while b.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return Err(ComponentError::Invalid),
        }
        if i == b.len() {
            return Err(ComponentError::Invalid);
        }
    }
}

/// A tag: word characters, dots and dashes, not starting with a dot or dash.
pub fn is_tag(tag: &str) -> bool {
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_';
    let b = tag.as_bytes();
    match b.first() {
        Some(first) if word(first) && b.len() <= TAG_MAX => {
            b[1..].iter().all(|c| word(c) || *c == b'.' || *c == b'-')
        }
        _ => false,
    }
}

/// Why a digest is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestError {
    /// Not `algorithm:hex` with at least 32 hex characters.
    Format,
    /// Well-formed, but not sha256, sha384 or sha512.
    UnsupportedAlgorithm,
    /// A known algorithm whose encoded part has the wrong length or case.
    Length,
}

/// A digest, checked both against the grammar and against its algorithm.
pub fn check_digest(digest: &str) -> Result<(), DigestError> {
    let (algorithm, hex) = digest.split_once(':').ok_or(DigestError::Format)?;
    if !is_algorithm(algorithm) || hex.len() < 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(DigestError::Format);
    }
    let want = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(DigestError::UnsupportedAlgorithm),
    };
    if hex.len() != want || hex.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(DigestError::Length);
    }
    Ok(())
}

/// `[A-Za-z][A-Za-z0-9]*` parts joined by one of `-_+.`.
fn is_algorithm(algorithm: &str) -> bool {
    algorithm.split(['-', '_', '+', '.']).all(|part| {
        let b = part.as_bytes();
        matches!(b.first(), Some(c) if c.is_ascii_alphabetic())
            && b.iter().all(u8::is_ascii_alphanumeric)
    })
}

/// 64 lowercase hex characters: an image ID, which is refused as a name.
pub fn is_image_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    /// `parts` gives exactly what `str::split` gives.
    #[rstest]
    #[case::empty("")]
    #[case::one("ghcr")]
    #[case::labels("registry.corp.example")]
    #[case::leading(".corp")]
    #[case::trailing("corp.")]
    #[case::double("a..b")]
    #[case::only_separators("...")]
    #[case::non_ascii("é.ü.x")]
    fn parts_split_like_str_split(#[case] text: &str) {
        for sep in [b'.', b'/'] {
            let ours: Vec<&str> = parts(text, sep).collect();
            let std: Vec<&str> = text.split(char::from(sep)).collect();
            assert_eq!(ours, std);
        }
    }

    #[rstest]
    #[case::single_char("a", true)]
    #[case::inner_hyphens("my-registry", true)]
    #[case::digits("0", true)]
    #[case::uppercase("GHCR", true)]
    #[case::leading_hyphen("-a", false)]
    #[case::trailing_hyphen("a-", false)]
    #[case::underscore("a_b", false)]
    #[case::empty("", false)]
    #[case::non_ascii("dоcker", false)]
    fn label(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_label(input), valid);
    }

    #[rstest]
    #[case::plain("ghcr.io", true)]
    #[case::single_label("localhost", true)]
    #[case::ipv4("10.0.0.1", true)]
    #[case::trailing_dot("docker.io.", false)]
    #[case::leading_dot(".ghcr.io", false)]
    #[case::double_dot("ghcr..io", false)]
    fn domain_name(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_domain_name(input), valid);
    }

    /// The one-pass reading agrees with the grammar's words (labels joined by
    /// dots) on every string of up to five bytes from letters of both cases,
    /// a digit, the two separators and two bytes no host has.
    #[test]
    fn domain_name_is_labels_joined_by_dots() {
        let alphabet = ["a", "Z", "0", "-", ".", "_", "é"];
        let mut texts = vec![String::new()];
        let mut last = texts.clone();
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|t| alphabet.iter().map(move |c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        for text in &texts {
            let by_labels = text.split('.').all(is_label);
            assert_eq!(is_domain_name(text), by_labels, "{text:?}");
        }
    }

    #[rstest]
    #[case::simple("nginx", Ok(()))]
    #[case::dot("a.b", Ok(()))]
    #[case::double_underscore("a__b", Ok(()))]
    #[case::many_dashes("a---b", Ok(()))]
    #[case::triple_underscore("a___b", Err(ComponentError::Invalid))]
    #[case::dot_underscore("a._b", Err(ComponentError::Invalid))]
    #[case::leading_separator("_a", Err(ComponentError::Invalid))]
    #[case::trailing_separator("a-", Err(ComponentError::Invalid))]
    #[case::double_dot("a..b", Err(ComponentError::Invalid))]
    #[case::dot_dot("..", Err(ComponentError::Invalid))]
    #[case::percent("a%2e", Err(ComponentError::Invalid))]
    #[case::empty("", Err(ComponentError::Empty))]
    #[case::uppercase("Nginx", Err(ComponentError::Uppercase))]
    fn component(#[case] input: &str, #[case] expected: Result<(), ComponentError>) {
        assert_eq!(check_component(input), expected);
    }

    #[rstest]
    #[case::word("v1.2.3", true)]
    #[case::underscore_first("_x", true)]
    #[case::max_len(&"t".repeat(128), true)]
    #[case::too_long(&"t".repeat(129), false)]
    #[case::dot_first(".x", false)]
    #[case::dash_first("-x", false)]
    #[case::plus("v1+build", false)]
    #[case::empty("", false)]
    fn tag(#[case] input: &str, #[case] valid: bool) {
        assert_eq!(is_tag(input), valid);
    }

    const HEX64: &str = "7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

    #[rstest]
    #[case::sha256(&format!("sha256:{HEX64}"), Ok(()))]
    #[case::sha384(&format!("sha384:{HEX64}{}", &HEX64[..32]), Ok(()))]
    #[case::sha512(&format!("sha512:{HEX64}{HEX64}"), Ok(()))]
    #[case::short(&format!("sha256:{}", &HEX64[..63]), Err(DigestError::Length))]
    #[case::uppercase_hex(&format!("sha256:{}", HEX64.to_uppercase()), Err(DigestError::Length))]
    #[case::unknown_algorithm(&format!("md5:{HEX64}"), Err(DigestError::UnsupportedAlgorithm))]
    #[case::under_32_hex("sha256:abc", Err(DigestError::Format))]
    #[case::not_hex(&format!("sha256:{}", "g".repeat(64)), Err(DigestError::Format))]
    #[case::no_algorithm(&format!(":{HEX64}"), Err(DigestError::Format))]
    #[case::no_colon(HEX64, Err(DigestError::Format))]
    fn digest(#[case] input: &str, #[case] expected: Result<(), DigestError>) {
        assert_eq!(check_digest(input), expected);
    }
}
