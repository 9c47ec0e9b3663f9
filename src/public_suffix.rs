//! Which domains are public suffixes: names under which anyone can register
//! a domain of their own (`io`, `co.uk`, `com.au`), after the ICANN section of
//! the Public Suffix List.
//!
//! The whole section (about 7,400 rules, 74 KB) does not fit the module's size
//! budget, so it is kept in a form that errs on the side of "public":
//!
//! - every single label is a public suffix (the list's own default rule, so
//!   every TLD, including ones delegated after the data was made), except the
//!   names reserved for private use (`internal`, `local`, `home.arpa`...);
//! - a second-level label that the list uses under three TLDs or more (`co`,
//!   `com`, `net`, `gov`, `ac`...) makes a public suffix under every TLD;
//! - under a TLD with a wildcard rule (`*.ck`) every second-level name is one;
//! - the other two-label rules (`aichi.jp`, `oslo.no`) are kept as 16-bit hashes
//!   of their first label, grouped by TLD: a name that only shares a hash with
//!   a rule of its own TLD is taken as public too (for `.no`, the TLD with the
//!   most rules, about one second-level name in 120);
//! - a three-label name whose last two labels have three-label rules below them
//!   (`*.aichi.jp`, `k12.ca.us`) is taken as public, whatever its first label.
//!
//! Internationalized rules (written in Unicode) and the four four-label rules
//! are left out. `data.rs` is generated: `make public-suffixes` (see the test
//! `public_suffix_data.rs`).

mod data;

/// Names reserved for private use (RFC 6761, RFC 6762, RFC 8375, ICANN's
/// `.internal`): no one registers under them, so they are no public suffix.
const PRIVATE_USE: [&str; 6] = [
    "localhost",
    "local",
    "internal",
    "test",
    "example",
    "invalid",
];

/// True when `domain` (lower case, dot-separated labels) is a name reserved for
/// private use or under one.
pub fn is_private_use(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let last = labels.next().unwrap_or_default();
    PRIVATE_USE.contains(&last) || (last == "arpa" && labels.next() == Some("home"))
}

/// True when `domain` (lower case, dot-separated labels) is, or may be, a
/// public suffix (see the module comment for what "may" covers).
pub fn is_public_suffix(domain: &str) -> bool {
    if is_private_use(domain) {
        return false;
    }
    let labels: Vec<&str> = domain.rsplit('.').collect();
    match labels.as_slice() {
        [_] => true,
        [tld, second] => {
            data::GENERIC.binary_search(second).is_ok()
                || data::WILDCARD_TLDS.binary_search(tld).is_ok()
                || bucket(tld)
                    .is_some_and(|(two, _)| two.binary_search(&label_hash(second)).is_ok())
        }
        [tld, second, _] => {
            bucket(tld).is_some_and(|(_, zones)| zones.binary_search(&label_hash(second)).is_ok())
        }
        _ => false,
    }
}

/// The sorted hashes of a TLD's other two-label rules and of its zones with
/// three-label rules.
fn bucket(tld: &str) -> Option<(&'static [u16], &'static [u16])> {
    let i = data::TLDS.split(' ').position(|t| t == tld)?;
    let start = |ends: &[u16]| i.checked_sub(1).and_then(|j| ends.get(j)).copied();
    let range = |ends: &[u16], all: &'static [u16]| {
        let from = usize::from(start(ends).unwrap_or(0));
        let to = usize::from(*ends.get(i)?);
        all.get(from..to)
    };
    Some((
        range(&data::TWO_ENDS, &data::TWO)?,
        range(&data::ZONE_ENDS, &data::ZONES)?,
    ))
}

/// FNV-1a of a label, folded to 16 bits: the form the generated rules keep.
pub fn label_hash(label: &str) -> u16 {
    let mut h: u32 = 0x811c_9dc5;
    for b in label.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    (h ^ (h >> 16)) as u16
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    // Every TLD, listed or not.
    #[case::gtld("io", true)]
    #[case::com("com", true)]
    #[case::cctld("de", true)]
    #[case::unlisted_tld("zzzz", true)]
    // Generic second levels, under any TLD.
    #[case::co_uk("co.uk", true)]
    #[case::com_au("com.au", true)]
    #[case::co_jp("co.jp", true)]
    #[case::com_br("com.br", true)]
    #[case::gov_pl("gov.pl", true)]
    // Named second levels, from the hashed rules.
    #[case::prefecture("aichi.jp", true)]
    #[case::municipality("oslo.no", true)]
    #[case::province("milano.it", true)]
    #[case::wildcard_tld("anything.ck", true)]
    // Zones with three-label rules below them.
    #[case::city_of_prefecture("aisai.aichi.jp", true)]
    #[case::school_district("k12.ca.us", true)]
    // Registrable domains.
    #[case::company("corp.example.io", false)]
    #[case::docker("docker.io", false)]
    #[case::ghcr("ghcr.io", false)]
    #[case::azure("azurecr.io", false)]
    #[case::amazon("amazonaws.com", false)]
    #[case::under_co_uk("acme.co.uk", false)]
    #[case::german("acme.de", false)]
    // Private use.
    #[case::internal("internal", false)]
    #[case::local("local", false)]
    #[case::cluster_local("cluster.local", false)]
    #[case::home_arpa("home.arpa", false)]
    #[case::localhost("localhost", false)]
    #[case::arpa_alone("arpa", true)]
    fn public(#[case] domain: &str, #[case] expected: bool) {
        assert_eq!(is_public_suffix(domain), expected);
    }

    #[test]
    fn generated_lists_are_sorted_and_bucketed() {
        assert!(data::GENERIC.windows(2).all(|w| w[0] < w[1]));
        assert!(data::WILDCARD_TLDS.windows(2).all(|w| w[0] < w[1]));
        let tlds = data::TLDS.split(' ').count();
        assert_eq!(data::TWO_ENDS.len(), tlds);
        assert_eq!(data::ZONE_ENDS.len(), tlds);
        assert_eq!(
            data::TWO_ENDS.last().map(|&e| usize::from(e)),
            Some(data::TWO.len())
        );
        assert_eq!(
            data::ZONE_ENDS.last().map(|&e| usize::from(e)),
            Some(data::ZONES.len())
        );
    }
}
