//! Which registry entries can match one request's images, from their text alone.
//!
//! A first look, before any entry is parsed: an entry can only match an image
//! on its host, and an entry with a path only an image under that path. So a
//! long `registries.allow` costs, per request, a comparison of each entry's
//! first bytes with the request's few hosts; only the candidates are parsed
//! (and checked: an invalid candidate still makes the request fail) and matched.
//!
//! A wildcard of every subdomain (`*.corp.example`) can only match a host
//! that ends in a dot and its domain, so its domain's length (found by the
//! entry scan) must be the length of one of the hosts' dot-suffixes.
//!
//! Per-team allowlists put hundreds of path prefixes on the host every image
//! uses. A host's first few such entries are compared with each image path;
//! after that, the component prefixes of its image paths are hashed into a
//! table once, so each further entry costs one lookup, whatever the number
//! of images or of entries.
//!
//! The look may keep too much, never too little: wildcards inside labels, IPv6
//! entries, entries with a port and odd paths are always kept, and the
//! matching that follows is the full one.

use std::cell::{Cell, OnceCell};

use crate::bytes::{self, bytes_below, ONES};
use crate::reference::{Host, Reference, DOCKER_HUB_ALIASES};

/// The registries one request's images are on, with the repository paths of
/// the images on each.
#[derive(Debug, Default)]
pub struct Candidates<'r> {
    hosts: Vec<HostImages<'r>>,
    /// Bit `l` is set when a host ends in a dot and `l` more bytes: the
    /// lengths under 64 a wildcard's domain can have to match one
    /// (`*.corp.example` matches `eu.corp.example`, whose dot-suffixes are 12
    /// and 7 long).
    suffix_lengths: u64,
    /// The hosts' first bytes (lower-cased), eight to a word, in `hosts`
    /// order: an entry's first byte is compared with eight hosts at once.
    firsts: Vec<u64>,
}

#[derive(Debug)]
struct HostImages<'r> {
    /// As written in the image (compared case-insensitively).
    name: &'r str,
    /// The images' repository paths.
    paths: Paths<'r>,
    /// Entry paths compared with every image path so far.
    looks: Cell<u32>,
    /// The slots of a [`PrefixSet`] of the images' paths, built once
    /// [`LINEAR_LOOKS`] entry paths were compared one by one.
    prefixes: OnceCell<Vec<u64>>,
}

/// Entry paths on one host compared with each of several image paths before
/// the table is built: a short list never pays for it.
const LINEAR_LOOKS: u32 = 8;

/// The repository paths of the images on one host.
#[derive(Debug)]
enum Paths<'r> {
    /// Any path: images are rewritten to this host (by mirrors).
    Any,
    /// One path, the common case, kept without allocating.
    One(&'r str),
    /// Several paths (a path may be there more than once).
    Many(Vec<&'r str>),
}

impl<'r> Paths<'r> {
    fn add(&mut self, path: Option<&'r str>) {
        *self = match (std::mem::replace(self, Paths::Any), path) {
            (_, None) | (Paths::Any, _) => Paths::Any,
            // Word compares: `==` on strings is a call to `memcmp`, a byte loop in wasm.
            (Paths::One(first), Some(path)) if bytes::same(first.as_bytes(), path.as_bytes()) => {
                Paths::One(first)
            }
            (Paths::One(first), Some(path)) => Paths::Many(vec![first, path]),
            // Only a repeat of the last path is left out: a search of all
            // would cost each request images times images compares, and a
            // path twice only costs the first looks one compare more (the
            // table holds each prefix once).
            (Paths::Many(mut paths), Some(path)) => {
                if !paths
                    .last()
                    .is_some_and(|last| bytes::same(last.as_bytes(), path.as_bytes()))
                {
                    paths.push(path);
                }
                Paths::Many(paths)
            }
        }
    }
}

impl<'r> Candidates<'r> {
    /// The hosts and paths of these images, and the hosts images are
    /// rewritten to (by mirrors), under any path.
    pub fn new<'i: 'r>(
        images: impl IntoIterator<Item = &'r Reference<'i>>,
        rewritten_to: impl IntoIterator<Item = Host<'r>>,
    ) -> Self {
        let mut out = Candidates {
            hosts: Vec::with_capacity(8),
            suffix_lengths: 0,
            firsts: Vec::with_capacity(1),
        };
        for image in images {
            out.add(image.domain.host, Some(&image.path));
        }
        out.add_rewrite_targets(rewritten_to);
        out
    }

    /// Adds the hosts images are rewritten to (by mirrors), under any path.
    pub fn add_rewrite_targets(&mut self, hosts: impl IntoIterator<Item = Host<'r>>) {
        for host in hosts {
            self.add(host, None);
        }
    }

    fn add(&mut self, host: Host<'r>, path: Option<&'r str>) {
        // IPv6 images are matched by IPv6 entries only, which are always kept.
        let Host::Name(name) = host else {
            return;
        };
        // Every spelling of Docker Hub names the same registry.
        let names: &[&'r str] = if host.is_docker_hub() {
            &DOCKER_HUB_ALIASES
        } else {
            &[name]
        };
        for &name in names {
            match self
                .hosts
                .iter_mut()
                .find(|h| bytes::same_ignoring_case(h.name.as_bytes(), name.as_bytes()))
            {
                Some(known) => known.paths.add(path),
                None => {
                    let first = name.as_bytes().first().map_or(0, u8::to_ascii_lowercase);
                    let k = self.hosts.len();
                    if k.is_multiple_of(8) {
                        self.firsts.push(0);
                    }
                    if let Some(word) = self.firsts.last_mut() {
                        *word |= u64::from(first) << (8 * (k % 8));
                    }
                    self.add_suffix_lengths(name.as_bytes());
                    self.hosts.push(HostImages {
                        name,
                        paths: match path {
                            Some(path) => Paths::One(path),
                            None => Paths::Any,
                        },
                        looks: Cell::new(0),
                        prefixes: OnceCell::new(),
                    });
                }
            }
        }
    }

    /// Records the lengths of the dot-suffixes of a host.
    fn add_suffix_lengths(&mut self, name: &[u8]) {
        for (i, &c) in name.iter().enumerate() {
            let l = name.len() - i - 1;
            if c == b'.' && l < 64 {
                self.suffix_lengths |= 1 << l;
            }
        }
    }

    /// False only when the registry entry, of this [`Shape`], cannot match
    /// any of the images.
    #[inline(always)]
    pub fn may_match(&self, entry: &[u8], shape: Shape) -> bool {
        let b = entry;
        let Some(&first) = b.first() else {
            return false;
        };
        if !shape.inner_glob && !matches!(first, b'[' | b'*') {
            // The common case: an exact host, maybe with a port or a path.
            // Most entries differ from every host in their first byte, or in
            // where their host ends; only the rest are compared.
            let first = ONES * u64::from(first.to_ascii_lowercase());
            // The first eight hosts outside any loop: each turn of a loop
            // costs an epoch check in policy-server's engine.
            let Some((&head, more)) = self.firsts.split_first() else {
                return false;
            };
            if self.word_covers(0, head, first, entry) {
                return true;
            }
            for (w, &firsts) in more.iter().enumerate() {
                if self.word_covers(8 * (w + 1), firsts, first, entry) {
                    return true;
                }
            }
            return false;
        }
        // Wildcards of every subdomain (`*.corp.example`) are looked at;
        // other globs and IPv6 addresses are rare, always parsed and matched.
        // (`first == b'*'` and a byte compare: `starts_with` is a call to
        // `memcmp`, a byte loop in wasm.)
        if shape.inner_glob || first != b'*' || b.get(1) != Some(&b'.') {
            return true;
        }
        // The domain of a match is a dot-suffix of the host: most wildcards
        // are refused by their length alone.
        let Some(domain) = b.get(2..shape.host_end) else {
            return true;
        };
        if domain.len() < 64 && self.suffix_lengths & (1 << domain.len()) == 0 {
            return false;
        }
        self.hosts
            .iter()
            .any(|h| is_subdomain(h.name.as_bytes(), domain))
    }
}

/// What the entry scan learns of an entry while it finds its end, for the
/// first look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// The entry holds `*` or `?`, other than a leading `*`.
    pub inner_glob: bool,
    /// For an entry that starts with `*`: where its host ends (at its first
    /// `/` or `:`, or its end); 0 for other entries.
    pub host_end: usize,
}

impl Shape {
    /// The shape of `entry`, read byte by byte (for entries not scanned).
    pub fn of(entry: &[u8]) -> Shape {
        let wildcard = entry.first() == Some(&b'*');
        let rest = entry.get(usize::from(wildcard)..).unwrap_or_default();
        Shape {
            inner_glob: rest.iter().any(|&c| c == b'*' || c == b'?'),
            host_end: match wildcard {
                true => {
                    1 + rest
                        .iter()
                        .position(|&c| c == b'/' || c == b':')
                        .unwrap_or(rest.len())
                }
                false => 0,
            },
        }
    }
}

impl Candidates<'_> {
    /// Whether a host of the eight from `base` on, whose first bytes are
    /// `firsts`, starts with `first` (eight times over) and covers the entry.
    #[inline(always)]
    fn word_covers(&self, base: usize, firsts: u64, first: u64, entry: &[u8]) -> bool {
        // A high bit in each byte equal to the entry's first byte (and
        // perhaps in bytes above one that is): checked below anyway.
        let mut same = bytes_below(firsts ^ first, 1);
        if same == 0 {
            return false;
        }
        // The first such host without a loop (most often the only one).
        if self.host_covers(base, same, entry) {
            return true;
        }
        same &= same - 1;
        while same != 0 {
            if self.host_covers(base, same, entry) {
                return true;
            }
            same &= same - 1;
        }
        false
    }

    /// Whether the host that the lowest flag of `same` stands for (hosts
    /// from `base` on, a byte each) covers the entry.
    #[inline(always)]
    fn host_covers(&self, base: usize, same: u64, entry: &[u8]) -> bool {
        let Some(h) = self.hosts.get(base + (same.trailing_zeros() / 8) as usize) else {
            return false;
        };
        // Where the entry's host would end (cheap, and most often wrong),
        // before the call that compares the rest.
        let n = h.name.len();
        let ends = match entry.get(n) {
            None => entry.len() == n,
            Some(&c) => c == b':' || c == b'/',
        };
        ends && h.covers(entry)
    }
}

impl HostImages<'_> {
    /// True when an entry without wildcards names this host, and either no
    /// path or one that may cover an image on it.
    #[inline(always)]
    fn covers(&self, entry: &[u8]) -> bool {
        let b = entry;
        let n = self.name.len();
        // The entry's host ends where this name would (cheap, and most often false).
        let after = match b.get(n) {
            None if b.len() == n => None,
            Some(&c) if c == b':' || c == b'/' => Some(c),
            _ => return false,
        };
        // The path first: entries on a request's host mostly name other paths.
        if after == Some(b'/') && !self.path_may_match(b.get(n + 1..).unwrap_or_default()) {
            return false;
        }
        // A port is compared by the full match.
        b.get(..n)
            .is_some_and(|host| bytes::same_ignoring_case(host, self.name.as_bytes()))
    }
}

/// True when `host` is a proper subdomain of `domain`, ignoring case.
#[inline(always)]
fn is_subdomain(host: &[u8], domain: &[u8]) -> bool {
    let (Some(dot), Some(tail)) = (
        host.len()
            .checked_sub(domain.len() + 1)
            .and_then(|i| host.get(i)),
        host.get(host.len().saturating_sub(domain.len())..),
    ) else {
        return false;
    };
    *dot == b'.' && bytes::same_ignoring_case(tail, domain)
}

impl HostImages<'_> {
    /// False only when no image path starts with the entry's path, whole
    /// components. Paths the grammar refuses (empty, or ending in `/`) are
    /// kept, so the full parse reports them.
    #[inline(never)]
    fn path_may_match(&self, prefix: &[u8]) -> bool {
        // `last`, not `ends_with`: that is a call to `memcmp`, a byte loop in wasm.
        if prefix.is_empty() || prefix.last() == Some(&b'/') {
            return true;
        }
        // Once built, the table answers alone: this is the step every
        // further entry of a long per-team list takes. One path (the common
        // case) is compared here too.
        match (self.prefixes.get(), &self.paths) {
            (Some(slots), _) => PrefixSet::may_hold(slots, prefix),
            (None, Paths::One(path)) => bytes::is_path_prefix(prefix, path.as_bytes()),
            (None, _) => self.path_may_match_before_table(prefix),
        }
    }

    /// [`Self::path_may_match`] for several paths or any path, while there
    /// is no table: the first [`LINEAR_LOOKS`] entry paths are compared one
    /// by one, then the table is built.
    #[inline(never)]
    fn path_may_match_before_table(&self, prefix: &[u8]) -> bool {
        match &self.paths {
            Paths::Any => true,
            Paths::One(path) => bytes::is_path_prefix(prefix, path.as_bytes()),
            Paths::Many(paths) if self.looks.get() < LINEAR_LOOKS => {
                self.looks.set(self.looks.get() + 1);
                paths
                    .iter()
                    .any(|path| bytes::is_path_prefix(prefix, path.as_bytes()))
            }
            Paths::Many(paths) => {
                PrefixSet::may_hold(self.prefixes.get_or_init(|| PrefixSet::of(paths)), prefix)
            }
        }
    }
}

/// The hashes of every path's component prefixes (`a`, `a/b` and `a/b/c` of
/// `a/b/c`), in an open-addressing table of slots: an entry's path is a
/// prefix of an image path only if its hash is there. Two prefixes may share
/// a hash, so an entry may be kept for nothing, never dropped.
struct PrefixSet;

impl PrefixSet {
    /// The slots for these paths' component prefixes: a power of two of
    /// them, at most a quarter full (so most lookups take one probe), each 0
    /// (free) or a hash with its lowest bit set.
    fn of(paths: &[&str]) -> Vec<u64> {
        // The hashes first, so the table is sized by what it holds.
        let mut hashes = Vec::with_capacity(2 * paths.len());
        for path in paths {
            let b = path.as_bytes();
            // Each prefix ends at a `/` or at the path's end.
            for end in 0..=b.len() {
                if matches!(b.get(end), None | Some(b'/')) {
                    hashes.push(bytes::hash(b.get(..end).unwrap_or_default()) | 1);
                }
            }
        }
        let mut slots: Vec<u64> =
            std::iter::repeat_n(0, (4 * hashes.len()).next_power_of_two().max(4)).collect();
        for h in hashes {
            let i = Self::probe(&slots, Self::start(&slots, h), h);
            if let Some(slot) = slots.get_mut(i) {
                *slot = h;
            }
        }
        slots
    }

    /// False only when no path has `prefix` as its first components.
    #[inline(always)]
    fn may_hold(slots: &[u64], prefix: &[u8]) -> bool {
        let h = bytes::hash(prefix) | 1;
        let i = Self::start(slots, h);
        // The first probe outside the loop: at most a quarter of the slots
        // are used, so it mostly decides, and a loop's turn costs an epoch check.
        match slots.get(i) {
            Some(&slot) if slot == h => true,
            Some(0) => false,
            // Past the slots only if there were none: keep the entry, the full match decides.
            None => true,
            Some(_) => slots.get(Self::probe(slots, i, h)) == Some(&h),
        }
    }

    /// Where the search for hash `h` starts: its high bits, as many as the
    /// slots' count has.
    #[inline(always)]
    fn start(slots: &[u64], h: u64) -> usize {
        (h >> (64 - slots.len().trailing_zeros())) as usize
    }

    /// From slot `i` on, the slot that holds `h` or the first free one.
    fn probe(slots: &[u64], mut i: usize, h: u64) -> usize {
        while slots.get(i).is_some_and(|&slot| slot != 0 && slot != h) {
            i = (i + 1) & (slots.len() - 1);
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::parse;
    use crate::registry::RegistryPattern;
    use rstest::rstest;

    fn candidates<'r>(images: &'r [Reference<'r>], mirror: Option<&'r str>) -> Candidates<'r> {
        Candidates::new(images, mirror.map(Host::Name))
    }

    #[rstest]
    #[case::same_host("ghcr.io", &["ghcr.io/acme/app"], true)]
    #[case::other_host("quay.io", &["ghcr.io/acme/app"], false)]
    #[case::host_case("GHCR.IO", &["ghcr.io/acme/app"], true)]
    #[case::image_host_case("ghcr.io", &["GHCR.io/acme/app"], true)]
    #[case::longer_host("ghcr.io.evil.example", &["ghcr.io/acme/app"], false)]
    #[case::glued_host("ghcr.iox", &["ghcr.io/acme/app"], false)]
    #[case::shorter_host("ghcr.i", &["ghcr.io/acme/app"], false)]
    #[case::with_port("ghcr.io:443", &["ghcr.io/acme/app"], true)]
    #[case::other_host_with_port("quay.io:443", &["ghcr.io/acme/app"], false)]
    // Paths: whole components.
    #[case::path("ghcr.io/acme", &["ghcr.io/acme/app"], true)]
    #[case::path_is_repo("ghcr.io/acme/app", &["ghcr.io/acme/app"], true)]
    #[case::path_other("ghcr.io/team-001/apps", &["ghcr.io/acme/app"], false)]
    #[case::path_lookalike("ghcr.io/acme", &["ghcr.io/acme-evil/app"], false)]
    #[case::path_longer("ghcr.io/acme/app/x", &["ghcr.io/acme/app"], false)]
    #[case::path_of_second_image("ghcr.io/beta", &["ghcr.io/acme/app", "ghcr.io/beta/app"], true)]
    #[case::path_after_repeats("ghcr.io/beta", &["ghcr.io/acme/app", "ghcr.io/beta/app", "ghcr.io/acme/app", "ghcr.io/beta/app"], true)]
    #[case::path_of_no_repeat("ghcr.io/gamma", &["ghcr.io/acme/app", "ghcr.io/beta/app", "ghcr.io/acme/app"], false)]
    #[case::path_empty_kept("ghcr.io/", &["ghcr.io/acme/app"], true)]
    #[case::path_trailing_slash_kept("ghcr.io/acme/", &["ghcr.io/acme/app"], true)]
    // Docker Hub: every spelling, and the library/ path the runtime adds.
    #[case::hub_short_name("docker.io", &["nginx"], true)]
    #[case::hub_alias_entry("index.docker.io", &["nginx"], true)]
    #[case::hub_alias_image("docker.io", &["registry-1.docker.io/library/nginx"], true)]
    #[case::hub_library("docker.io/library", &["nginx"], true)]
    #[case::hub_user_path("docker.io/bitnami", &["nginx"], false)]
    #[case::hub_alias_path("registry-1.docker.io/library", &["busybox:1"], true)]
    #[case::hub_not_quay("docker.io", &["quay.io/x"], false)]
    // Wildcards.
    #[case::wildcard_sub("*.corp.example", &["eu.corp.example/x"], true)]
    #[case::wildcard_sub_case("*.Corp.Example", &["EU.corp.example/x"], true)]
    #[case::wildcard_bare("*.corp.example", &["corp.example/x"], false)]
    #[case::wildcard_glued("*.corp.example", &["evilcorp.example/x"], false)]
    #[case::wildcard_other("*.corp.example", &["ghcr.io/x"], false)]
    #[case::wildcard_with_port("*.corp.example:5000", &["eu.corp.example:5000/x"], true)]
    #[case::wildcard_then_glob("*.registry-?.corp.example", &["ghcr.io/x"], true)]
    #[case::wildcard_long_port("*.mirror-17.corp.example:5000", &["eu.mirror-17.corp.example:5000/x"], true)]
    #[case::wildcard_long_path("*.mirror-17.corp.example/team", &["eu.mirror-17.corp.example/team/x"], true)]
    #[case::wildcard_long_other("*.mirror-17.corp.example", &["eu.mirror-18.corp.example/x"], false)]
    #[case::wildcard_host_only_suffix("*.corp.example", &["registry.corp.example/x"], true)]
    #[case::wildcard_domain_is_the_host("*.registry.corp.example", &["registry.corp.example/x"], false)]
    #[case::wildcard_domain_longer_than_hosts("*.eu.registry.corp.example", &["registry.corp.example/x"], false)]
    #[case::wildcard_suffix_length_other_name("*.abcd.example", &["registry.corp.example/x"], false)]
    #[case::wildcard_suffix_length_glued("*.orp.example", &["registry.corp.example/x"], false)]
    #[case::wildcard_matching_host_first("*.mirror-17.corp.example", &["eu.mirror-17.corp.example/x", "ghcr.io/x"], true)]
    #[case::wildcard_matching_host_last("*.mirror-17.corp.example", &["ghcr.io/x", "eu.mirror-17.corp.example/x"], true)]
    // Always kept.
    #[case::label_glob("registry-?.corp.example", &["ghcr.io/x"], true)]
    #[case::trailing_glob("docker.*", &["ghcr.io/x"], true)]
    #[case::ipv6("[fd00::1]:5000", &["ghcr.io/x"], true)]
    #[case::ipv6_image("[fd00::1]", &["[fd00::1]/x"], true)]
    #[case::host_entry_ipv6_image("ghcr.io", &["[fd00::1]/x"], false)]
    fn first_look(#[case] entry: &str, #[case] images: &[&str], #[case] expected: bool) {
        let parsed: Vec<Reference> = images.iter().map(|i| parse(i).expect("image")).collect();
        assert_eq!(
            candidates(&parsed, None).may_match(entry.as_bytes(), Shape::of(entry.as_bytes())),
            expected
        );
    }

    /// Hosts past the eighth sit in a second word of first bytes.
    #[rstest]
    #[case::ninth_host("host-8.example", true)]
    #[case::last_host("host-11.example/team", true)]
    #[case::ninth_host_other_path("host-8.example/other", false)]
    #[case::first_byte_of_many_hosts("host-12.example", false)]
    #[case::ninth_host_case("HOST-8.EXAMPLE:5000", true)]
    fn many_hosts(#[case] entry: &str, #[case] expected: bool) {
        let images: Vec<String> = (0..12)
            .map(|i| format!("host-{i}.example/team/app"))
            .collect();
        let parsed: Vec<Reference> = images.iter().map(|i| parse(i).expect("image")).collect();
        assert_eq!(
            candidates(&parsed, None).may_match(entry.as_bytes(), Shape::of(entry.as_bytes())),
            expected
        );
    }

    /// The wildcard look agrees with reading the domain to its end and
    /// comparing it with every host: for every dot-suffix of the hosts and
    /// lookalikes, in either case, bare or with a port or a path.
    #[test]
    fn wildcards_agree_with_a_full_compare() {
        let images = [
            "registry.corp.example/tools/setup",
            "ghcr.io/acme/app",
            "nginx",
            "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd/x",
        ];
        let parsed: Vec<Reference> = images.iter().map(|i| parse(i).expect("image")).collect();
        let c = candidates(&parsed, None);
        let mut domains: Vec<String> = Vec::new();
        for host in [
            "registry.corp.example",
            "registry-1.docker.io",
            "ghcr.io",
            images[3],
        ] {
            let host = host.split('/').next().unwrap_or_default();
            for (i, _) in host.match_indices('.') {
                let suffix = &host[i + 1..];
                domains.extend([
                    suffix.to_owned(),
                    suffix.to_uppercase(),
                    format!("x{suffix}"),
                    format!("{suffix}x"),
                    suffix[1..].to_owned(),
                    host[..host.len() - 1].to_owned(),
                    host.to_owned(),
                ]);
            }
        }
        for domain in &domains {
            for tail in ["", ":5000", "/team", "/team:x", ":5000/team", "x/y", "/"] {
                let rest = format!("{domain}{tail}");
                let host_end = rest.find(['/', ':']).unwrap_or(rest.len());
                // In std's words: some host ends in a dot and the domain, ignoring case.
                let dotted = format!(".{}", rest[..host_end].to_ascii_lowercase());
                let expected = c
                    .hosts
                    .iter()
                    .any(|h| h.name.to_ascii_lowercase().ends_with(&dotted));
                let entry = format!("*.{rest}");
                assert_eq!(
                    c.may_match(entry.as_bytes(), Shape::of(entry.as_bytes())),
                    expected,
                    "{entry}"
                );
            }
        }
    }

    /// Domains of 64 bytes or more, past the lengths kept as bits, are
    /// compared with the hosts.
    #[rstest]
    #[case::long_domain(&format!("*.{}.example", "a".repeat(60)), true)]
    #[case::long_domain_port(&format!("*.{}.example:5000", "a".repeat(60)), true)]
    #[case::long_domain_other(&format!("*.{}.example", "b".repeat(60)), false)]
    #[case::long_domain_glued(&format!("*.x{}.example", "a".repeat(59)), false)]
    #[case::short_domain("*.example", true)]
    #[case::short_domain_other("*.exampl", false)]
    fn long_domains(#[case] entry: &str, #[case] expected: bool) {
        let image = format!("eu.{}.example/x", "a".repeat(60));
        let parsed = [parse(&image).expect("image")];
        let c = candidates(&parsed, None);
        let b = entry.as_bytes();
        assert_eq!(c.may_match(b, Shape::of(b)), expected);
    }

    #[rstest]
    #[case::plain("registry.corp.example", false, 0)]
    #[case::plain_with_path("registry.corp.example/team", false, 0)]
    #[case::wildcard("*.corp.example", false, 14)]
    #[case::wildcard_port("*.corp.example:5000/team", false, 14)]
    #[case::wildcard_path("*.corp.example/team:x", false, 14)]
    #[case::star_alone("*", false, 1)]
    #[case::question_first("?.corp.example", true, 0)]
    #[case::label_glob("registry-?.corp.example", true, 0)]
    #[case::wildcard_then_glob("*.registry-*.corp.example", true, 25)]
    #[case::glob_in_path("corp.example/te*am", true, 0)]
    #[case::empty("", false, 0)]
    fn shapes(#[case] entry: &str, #[case] inner_glob: bool, #[case] host_end: usize) {
        assert_eq!(
            Shape::of(entry.as_bytes()),
            Shape {
                inner_glob,
                host_end
            }
        );
    }

    /// The images of the per-team rows: many paths on one host, lookalike
    /// teams, a deeper path, and two Docker Hub images.
    const TEAM_IMAGES: [&str; 6] = [
        "registry.corp.example/team-1/app:1",
        "registry.corp.example/team-10/backend/api:2",
        "registry.corp.example/team-100/svc",
        "registry.corp.example/team-7/svc@sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa",
        "nginx:1.27",
        "bitnami/redis:7",
    ];

    /// Whether `entry` may match, asked first while the entry's host still
    /// compares paths one by one, then again once its table is built.
    fn before_and_after_the_table(c: &Candidates<'_>, entry: &str) -> (bool, bool) {
        let b = entry.as_bytes();
        let first = c.may_match(b, Shape::of(b));
        let host = entry.split(['/', ':']).next().unwrap_or_default();
        for k in 0..=LINEAR_LOOKS {
            let other = format!("{host}/warm-up-{k}");
            c.may_match(other.as_bytes(), Shape::of(other.as_bytes()));
        }
        if let Some(h) = c.hosts.iter().find(|h| h.name.eq_ignore_ascii_case(host)) {
            assert!(h.prefixes.get().is_some(), "no table for {host}");
        }
        (first, c.may_match(b, Shape::of(b)))
    }

    /// Hundreds of teams on one registry: the table answers as the
    /// one-by-one compare does, whole components only.
    #[rstest]
    #[case::team_1("registry.corp.example/team-1", true)]
    #[case::team_10("registry.corp.example/team-10", true)]
    #[case::team_100("registry.corp.example/team-100", true)]
    #[case::team_with_digest_image("registry.corp.example/team-7", true)]
    #[case::other_team("registry.corp.example/team-2", false)]
    #[case::longer_lookalike("registry.corp.example/team-1000", false)]
    #[case::shorter_lookalike("registry.corp.example/team-", false)]
    #[case::glued_lookalike("registry.corp.example/team-1x", false)]
    #[case::repository_itself("registry.corp.example/team-1/app", true)]
    #[case::deeper("registry.corp.example/team-10/backend", true)]
    #[case::deepest("registry.corp.example/team-10/backend/api", true)]
    #[case::past_the_repository("registry.corp.example/team-10/backend/api/v2", false)]
    #[case::deeper_other("registry.corp.example/team-10/frontend", false)]
    #[case::deeper_under_lookalike("registry.corp.example/team-1/backend", false)]
    #[case::component_cut_short("registry.corp.example/team-10/back", false)]
    #[case::tag_is_not_path("registry.corp.example/team-1/app:1", false)]
    #[case::host_case("REGISTRY.corp.example/team-1", true)]
    #[case::path_case("registry.corp.example/Team-1", false)]
    #[case::empty_path_kept("registry.corp.example/", true)]
    #[case::trailing_slash_kept("registry.corp.example/team-9/", true)]
    #[case::port_kept("registry.corp.example:5000/team-9", true)]
    #[case::other_host("ghcr.io/team-1", false)]
    #[case::hub_library("docker.io/library", true)]
    #[case::hub_repository("docker.io/library/nginx", true)]
    #[case::hub_user("index.docker.io/bitnami", true)]
    #[case::hub_user_repository("registry-1.docker.io/bitnami/redis", true)]
    #[case::hub_host_case("DOCKER.IO/bitnami", true)]
    #[case::hub_lookalike("docker.io/bitnami/redis-x", false)]
    #[case::hub_past_repository("docker.io/library/nginx/x", false)]
    #[case::hub_other_user("docker.io/acme", false)]
    fn many_prefixes_on_one_host(#[case] entry: &str, #[case] expected: bool) {
        let parsed: Vec<Reference> = TEAM_IMAGES
            .iter()
            .map(|i| parse(i).expect("image"))
            .collect();
        let c = candidates(&parsed, None);
        assert_eq!(before_and_after_the_table(&c, entry), (expected, expected));
    }

    /// The table agrees with a plain string compare for every component
    /// prefix of the images' paths and their lookalikes (a byte more or
    /// less, a byte changed, a component more), at every depth.
    #[test]
    fn table_agrees_with_a_string_compare() {
        let paths: Vec<String> = (0..40)
            .map(|i| match i % 3 {
                0 => format!("team-{i}/app"),
                1 => format!("team-{i}/backend/api-{i}"),
                _ => format!("group/team-{i}/a/b/c/d"),
            })
            .collect();
        let images: Vec<String> = paths
            .iter()
            .map(|p| format!("registry.corp.example/{p}"))
            .collect();
        let parsed: Vec<Reference> = images.iter().map(|i| parse(i).expect("image")).collect();
        let c = candidates(&parsed, None);
        let mut prefixes: Vec<String> = Vec::new();
        for path in &paths {
            for (i, _) in path.match_indices('/').chain([(path.len(), "")]) {
                let p = &path[..i];
                prefixes.extend([
                    p.to_owned(),
                    p[..p.len() - 1].to_owned(),
                    format!("{p}0"),
                    format!("{p}/x"),
                    format!("x{}", &p[1..]),
                ]);
            }
        }
        // A path ending in `/` is kept for the full parse to refuse.
        let oracle = |prefix: &str| {
            prefix.ends_with('/')
                || paths
                    .iter()
                    .any(|p| p == prefix || p.starts_with(&format!("{prefix}/")))
        };
        let answers = |c: &Candidates<'_>| -> Vec<bool> {
            prefixes
                .iter()
                .map(|p| {
                    let entry = format!("registry.corp.example/{p}");
                    c.may_match(entry.as_bytes(), Shape::of(entry.as_bytes()))
                })
                .collect()
        };
        let expected: Vec<bool> = prefixes.iter().map(|p| oracle(p)).collect();
        assert!(expected.contains(&true) && expected.contains(&false));
        // The first LINEAR_LOOKS answers are one-by-one compares, the rest the table's.
        assert_eq!(answers(&c), expected);
        assert!(c.hosts[0].prefixes.get().is_some());
        assert_eq!(answers(&c), expected);
    }

    #[rstest]
    #[case::any_path_on_target("harbor.corp.example/dockerhub", true)]
    #[case::target_host("harbor.corp.example", true)]
    #[case::not_target("quay.io", false)]
    fn mirror_targets(#[case] entry: &str, #[case] expected: bool) {
        let parsed = [parse("nginx").expect("image")];
        let c = candidates(&parsed, Some("harbor.corp.example"));
        assert_eq!(
            c.may_match(entry.as_bytes(), Shape::of(entry.as_bytes())),
            expected
        );
    }

    /// The first look never drops an entry that matches: every pair below matches.
    #[rstest]
    #[case("registry.corp.example", "REGISTRY.Corp.Example:5000/app")]
    #[case("docker.io", "busybox")]
    #[case("docker.io/library", "index.docker.io/library/busybox")]
    #[case("index.docker.io/library", "busybox")]
    #[case("localhost:5000", "localhost:5000/app")]
    #[case("[::1]", "[0:0:0:0:0:0:0:1]/x")]
    #[case("ghcr.io/acme", "ghcr.io/acme/team/app:1")]
    #[case("ghcr.io/acme", "ghcr.io/acme")]
    #[case("*.mirror.corp.example", "a.b.mirror.corp.example/x")]
    #[case("registry-*.corp.example", "registry-eu-1.corp.example/app")]
    #[case("docker.*", "busybox")]
    #[case("*.registry-?.corp.example", "eu.registry-1.corp.example/x")]
    #[case(
        "registry-?.corp.example:5000/team",
        "registry-2.corp.example:5000/team/app"
    )]
    fn never_drops_a_match(#[case] entry: &str, #[case] image: &str) {
        let pattern = RegistryPattern::parse(entry).expect("valid entry");
        let image = [parse(image).expect("valid image")];
        assert!(pattern.matches(&image[0]), "the case must match");
        let shape = Shape::of(entry.as_bytes());
        assert!(candidates(&image, None).may_match(entry.as_bytes(), shape));
    }
}
