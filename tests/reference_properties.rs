//! Properties of the reference parser over many generated strings: it never
//! panics (a panic in the guest is a trap), what it accepts obeys the grammar's
//! limits, and reading what it prints gives the same reference back.

#[macro_use]
mod common;

use registry_allowlist::reference::{grammar, parse};

/// A small deterministic generator (xorshift64*), so a failure always reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Pieces that image strings are made of, the tricky ones included.
const PIECES: &[&str] = &[
    "a",
    "b",
    "z",
    "0",
    "9",
    "nginx",
    "library",
    "docker.io",
    "index.docker.io",
    "localhost",
    "ghcr.io",
    "GHCR",
    "Ab",
    ".",
    "..",
    "/",
    "//",
    ":",
    "::",
    "@",
    "_",
    "__",
    "-",
    "--",
    "[",
    "]",
    "[::1]",
    "[fd00::1]",
    "5000",
    ":443",
    "latest",
    "v1.2",
    "sha256:",
    digest_hex!(),
    "sha512:",
    " ",
    "\n",
    "%2e",
    "é",
    "о",
    "\u{200b}",
    "*",
];

fn generate(rng: &mut Rng) -> String {
    let len = 1 + rng.next() % 12;
    (0..len).map(|_| rng.pick(PIECES)).collect()
}

#[test]
fn parser_properties_hold_on_generated_strings() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..200_000 {
        let input = generate(&mut rng);
        let Ok(reference) = parse(&input) else {
            continue;
        };
        accepted += 1;
        assert!(
            input.is_ascii(),
            "{input:?} accepted with non-ASCII characters"
        );
        assert!(
            reference.path.len() <= grammar::PATH_MAX,
            "{input:?}: path too long"
        );
        assert!(
            !reference.path.bytes().any(|c| c.is_ascii_uppercase()),
            "{input:?}: upper-case path"
        );
        if let Some(tag) = reference.tag {
            assert!(grammar::is_tag(tag), "{input:?}: bad tag {tag:?}");
        }
        if let Some(digest) = reference.digest {
            assert_eq!(grammar::check_digest(digest), Ok(()), "{input:?}");
        }
        // What the runtime pulls, read again, is the same image.
        let pulled = reference.to_string();
        let again = parse(&pulled).unwrap_or_else(|e| panic!("{input:?} -> {pulled:?}: {e}"));
        assert!(again.same_image(&reference), "{input:?} -> {pulled:?}");
        assert_eq!(again.to_string(), pulled, "{input:?}: not idempotent");
    }
    // The generator must reach the accepting paths, or the test proves little.
    assert!(
        accepted > 1_000,
        "only {accepted} generated strings were valid"
    );
}
