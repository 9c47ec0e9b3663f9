//! Property: an allow-list wildcard that loads never admits an image from a
//! domain the admin did not write out.
//!
//! Whenever a generated `registries.allow` entry or `images.allow` glob passes
//! the settings check and admits a generated image, the image's registry host
//! (or, for Docker Hub, one of its spellings) ends with the entry's literal
//! tail: the labels after its last wildcard, which hold its registrable domain.

use registry_allowlist::image_pattern::{ImagePattern, ListKind};
use registry_allowlist::reference::{parse, Host, DOCKER_HUB_ALIASES};
use registry_allowlist::registry::RegistryPattern;
use registry_allowlist::settings;

/// A fixed-seed xorshift generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const LABELS: [&str; 16] = [
    "corp",
    "example",
    "io",
    "co",
    "uk",
    "com",
    "docker",
    "ghcr",
    "azurecr",
    "evil",
    "registry",
    "registry-1",
    "index",
    "internal",
    "local",
    "acme",
];

/// A host label, sometimes with a wildcard in it.
fn entry_label(rng: &mut Rng) -> String {
    let label = rng.pick(&LABELS);
    match rng.below(6) {
        0 => "*".to_owned(),
        1 => format!("{label}*"),
        2 => format!("*{label}"),
        3 => format!("{}?", &label[..label.len() - 1]),
        _ => label.to_owned(),
    }
}

/// `[*.]label(.label)*[:port]`.
fn entry_host(rng: &mut Rng) -> String {
    let n = 1 + rng.below(4);
    let labels: Vec<String> = (0..n).map(|_| entry_label(rng)).collect();
    let mut host = labels.join(".");
    if rng.below(3) == 0 {
        host = format!("*.{host}");
    }
    if rng.below(5) == 0 {
        host.push_str(":5000");
    }
    host
}

/// An image on a host made of the same labels, or of Docker Hub.
fn image(rng: &mut Rng) -> String {
    if rng.below(8) == 0 {
        return rng
            .pick(&["busybox:1", "library/nginx:1", "bitnami/redis:7"])
            .to_owned();
    }
    let n = 1 + rng.below(5);
    let labels: Vec<&str> = (0..n).map(|_| rng.pick(&LABELS)).collect();
    let mut host = labels.join(".");
    if n == 1 && host != "localhost" {
        host.push_str(".io");
    }
    if rng.below(5) == 0 {
        host.push_str(":5000");
    }
    format!("{host}/acme/app:1")
}

/// An image on a host the entry was written for: each wildcard filled in,
/// sometimes with text that crosses into other labels or another domain.
fn image_for(rng: &mut Rng, entry_host: &str) -> String {
    let mut host = String::new();
    for c in entry_host.chars() {
        match c {
            '*' => host.push_str(rng.pick(&["", "x", "eu", "a.b", "evil.example", "io.evil"])),
            '?' => host.push_str(rng.pick(&["1", "x", "."])),
            c => host.push(c),
        }
    }
    let host = host.trim_start_matches('.').replace("..", ".");
    let host = if rng.below(4) == 0 {
        host.to_ascii_uppercase()
    } else {
        host
    };
    format!("{host}/acme/app:1")
}

/// The labels after the entry's last wildcard, lower case.
fn literal_tail(entry_host: &str) -> String {
    let host = entry_host.strip_prefix("*.").unwrap_or(entry_host);
    let host = host.split(':').next().unwrap_or_default();
    let labels: Vec<&str> = host.split('.').collect();
    let literal: Vec<&str> = labels
        .iter()
        .rev()
        .take_while(|l| !l.contains(['*', '?']))
        .copied()
        .collect();
    let mut tail: Vec<&str> = literal.into_iter().rev().collect();
    tail.retain(|l| !l.is_empty());
    tail.join(".").to_ascii_lowercase()
}

/// The image's registry host, every Docker Hub spelling for Hub images.
fn hosts(image: &str) -> Vec<String> {
    let Ok(reference) = parse(image) else {
        return vec![];
    };
    match reference.domain.host {
        host if host.is_docker_hub() => {
            DOCKER_HUB_ALIASES.iter().map(|a| (*a).to_owned()).collect()
        }
        Host::Name(name) => vec![name.to_ascii_lowercase()],
        Host::Ipv6(..) => vec![],
    }
}

fn ends_with_domain(host: &str, domain: &str) -> bool {
    host == domain || host.ends_with(&format!(".{domain}"))
}

fn loads(settings: serde_json::Value) -> bool {
    settings::check(settings.to_string().as_bytes()).is_ok()
}

#[test]
fn admitted_images_stay_under_the_written_domain() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut loaded, mut admitted) = (0, 0);
    for _ in 0..20_000 {
        let host = entry_host(&mut rng);
        let image = match rng.below(2) {
            0 => image(&mut rng),
            _ => image_for(&mut rng, &host),
        };
        let Ok(reference) = parse(&image) else {
            continue;
        };
        let tail = literal_tail(&host);
        let glob = format!("{host}/acme/*");
        let checks = [
            (
                loads(serde_json::json!({"registries": {"allow": [host]}})),
                RegistryPattern::parse(&host).is_ok_and(|p| p.matches(&reference)),
            ),
            (
                loads(serde_json::json!({"images": {"allow": [glob]}})),
                ImagePattern::parse(&glob).is_ok_and(|p| p.matches(&reference, ListKind::Allow)),
            ),
        ];
        for (entry_loads, admits) in checks {
            loaded += usize::from(entry_loads);
            if entry_loads && admits {
                admitted += 1;
                assert!(
                    !tail.is_empty() && hosts(&image).iter().any(|h| ends_with_domain(h, &tail)),
                    "{host:?} admits {image:?}, outside {tail:?}"
                );
            }
        }
    }
    // The generator reaches both outcomes often enough to mean something.
    assert!(loaded > 2_000, "only {loaded} entries loaded");
    assert!(admitted > 200, "only {admitted} images admitted");
}
