//! The benchmark's inputs: the requests in `test_data/bench/`, the two
//! settings, and the Deployments of the scaling series.

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use kwrunner::{AdmissionRequest, Settings, ValidateRequest};
use serde_json::{json, Value};

/// The three registries every benchmark image comes from.
pub const SMALL_ALLOW: [&str; 3] = ["docker.io/library", "ghcr.io/acme", "registry.corp.example"];

/// Container counts of the scaling series.
pub const SCALING: [usize; 5] = [1, 10, 25, 50, 100];

/// `registries.allow` lengths of the entries series.
pub const ENTRIES: [usize; 4] = [3, 100, 1000, 10_000];

/// The one registry every image of the one-host series lives on.
pub const ONE_HOST: &str = "registry.corp.example";

/// Counts of per-team path prefixes on [`ONE_HOST`] in the one-host series.
pub const ONE_HOST_PREFIXES: [usize; 4] = [100, 300, 1000, 3000];

/// Containers of the one-host Deployment.
pub const ONE_HOST_CONTAINERS: usize = 45;

/// One request, read and serialized once.
pub struct Request {
    /// Short name for the tables.
    pub name: String,
    /// The AdmissionReview as kwctl reads it.
    pub review: Value,
    /// Size of the review serialized compactly (what kwctl sends, before settings).
    pub compact_bytes: usize,
    /// Number of containers (all lists) in the object's pod spec.
    pub containers: usize,
}

impl Request {
    /// Reads a (pretty-printed) AdmissionReview file.
    pub fn load(dir: &Path, file: &str, name: &str) -> Result<Self> {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let review: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        Self::from_review(name.to_owned(), review)
    }

    /// Wraps an AdmissionReview value.
    pub fn from_review(name: String, review: Value) -> Result<Self> {
        let compact_bytes = serde_json::to_vec(&review)?.len();
        let containers = pod_spec(&review)
            .map(|spec| {
                ["containers", "initContainers", "ephemeralContainers"]
                    .iter()
                    .map(|list| spec[list].as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0);
        Ok(Self {
            name,
            review,
            compact_bytes,
            containers,
        })
    }

    /// The `validate` payload for these settings, serialized compactly as kwctl does.
    pub fn prepare(&self, settings: &Settings) -> Result<ValidateRequest> {
        let request = AdmissionRequest::from_value(&self.review)?;
        ValidateRequest::new(&request, settings)
    }
}

/// The pod spec of a Pod or of a workload's template.
fn pod_spec(review: &Value) -> Option<&Value> {
    let object = &review["request"]["object"];
    [&object["spec"]["template"]["spec"], &object["spec"]]
        .into_iter()
        .find(|spec| spec.get("containers").is_some())
}

/// One of the two settings the requests are evaluated with.
pub struct NamedSettings {
    /// Short name for the tables (`3` or `1,250`).
    pub name: String,
    /// Number of `registries.allow` entries.
    pub entries: usize,
    /// The settings.
    pub settings: Settings,
    /// Size of the settings serialized compactly.
    pub bytes: usize,
}

impl NamedSettings {
    fn new(allow: Vec<String>) -> Result<Self> {
        let entries = allow.len();
        let value = json!({ "registries": { "allow": allow } });
        let settings = kwrunner::kube::settings::from_value(value)?;
        let bytes = serde_json::to_vec(&settings)?.len();
        Ok(Self {
            name: if entries < 1000 {
                entries.to_string()
            } else {
                format!("{},{:03}", entries / 1000, entries % 1000)
            },
            entries,
            settings,
            bytes,
        })
    }

    /// The three registries of the benchmark requests.
    pub fn small() -> Result<Self> {
        Self::new(SMALL_ALLOW.iter().map(|s| (*s).to_owned()).collect())
    }

    /// 1,000 exact hosts, 200 path prefixes and 50 wildcards, generated
    /// deterministically, followed by the three real registries. None of the
    /// generated entries covers a benchmark image, and the real ones come
    /// last, so a linear matcher walks the whole list for every image.
    pub fn large() -> Result<Self> {
        Self::new(generated(1000, 200, 50))
    }

    /// `n` entries made as [`NamedSettings::large`] makes its 1,253 (the same
    /// mix: 80% hosts, 16% path prefixes, 4% wildcards, then the three real
    /// registries, last); `n` = 3 is [`NamedSettings::small`].
    pub fn with_entries(n: usize) -> Result<Self> {
        let generated_count = n.saturating_sub(SMALL_ALLOW.len());
        let hosts = generated_count * 1000 / 1250;
        let prefixes = generated_count * 200 / 1250;
        Self::new(generated(
            hosts,
            prefixes,
            generated_count - hosts - prefixes,
        ))
    }
}

/// `hosts` exact hosts, `prefixes` path prefixes and `wildcards` wildcards,
/// generated deterministically, followed by the three real registries.
fn generated(hosts: usize, prefixes: usize, wildcards: usize) -> Vec<String> {
    let mut allow = Vec::with_capacity(hosts + prefixes + wildcards + SMALL_ALLOW.len());
    allow.extend((0..hosts).map(|i| EntryKind::HostsSharingFirstBytes.entry(i)));
    allow.extend((0..prefixes).map(|i| EntryKind::PathPrefixes.entry(i)));
    allow.extend((0..wildcards).map(|i| EntryKind::Wildcards.entry(i)));
    allow.extend(SMALL_ALLOW.iter().map(|s| (*s).to_owned()));
    allow
}

/// The kinds of generated `registries.allow` entries, each of which costs
/// the first look differently (the by-kind series times them apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// Hosts that start with no request host's first byte (`harbor-0017...`).
    OtherHosts,
    /// Hosts that start like request hosts (`registry-0017...`, beside
    /// `registry.corp.example` and Docker Hub's `registry-1.docker.io`).
    HostsSharingFirstBytes,
    /// Path prefixes, three in four on the hosts the images use: entries
    /// that can match, up to their path.
    PathPrefixes,
    /// Wildcards (`*.mirror-17.corp.example`).
    Wildcards,
}

impl EntryKind {
    /// Every kind, in table order.
    pub const ALL: [EntryKind; 4] = [
        EntryKind::OtherHosts,
        EntryKind::HostsSharingFirstBytes,
        EntryKind::PathPrefixes,
        EntryKind::Wildcards,
    ];

    /// Short name for the tables.
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::OtherHosts => "other hosts",
            EntryKind::HostsSharingFirstBytes => "hosts sharing first bytes",
            EntryKind::PathPrefixes => "path prefixes",
            EntryKind::Wildcards => "wildcards",
        }
    }

    /// The `i`th entry of this kind.
    pub fn entry(self, i: usize) -> String {
        match self {
            EntryKind::OtherHosts => format!("harbor-{i:04}.team{}.corp.example", i % 37),
            // Some with a port, as real lists have.
            EntryKind::HostsSharingFirstBytes if i % 10 == 7 => {
                format!("registry-{i:04}.team{}.corp.example:5000", i % 37)
            }
            EntryKind::HostsSharingFirstBytes => {
                format!("registry-{i:04}.team{}.corp.example", i % 37)
            }
            EntryKind::PathPrefixes => {
                // Three in four on the hosts the images really use, so the
                // path comparison runs too.
                let host = match i % 4 {
                    0 => "ghcr.io",
                    1 => "docker.io",
                    2 => "registry.corp.example",
                    _ => "quay.io",
                };
                format!("{host}/team-{i:03}/apps")
            }
            EntryKind::Wildcards => format!("*.mirror-{i:02}.corp.example"),
        }
    }
}

impl NamedSettings {
    /// `n` per-team path prefixes on [`ONE_HOST`] (`registry.corp.example/team-000`
    /// on): the per-team allowlist of one shared registry.
    pub fn one_host_prefixes(n: usize) -> Result<Self> {
        Self::new((0..n).map(team_prefix).collect())
    }

    /// About 1,200 entries of which 300 are per-team prefixes on
    /// [`ONE_HOST`], one in four, among entries generated as for
    /// [`NamedSettings::large`] (hosts, prefixes on several hosts, wildcards).
    pub fn one_host_mixed() -> Result<Self> {
        let (hosts, prefixes, wildcards) = (720, 144, 36);
        let mut others = (0..hosts)
            .map(|i| EntryKind::HostsSharingFirstBytes.entry(i))
            .chain((0..prefixes).map(|i| EntryKind::PathPrefixes.entry(i)))
            .chain((0..wildcards).map(|i| EntryKind::Wildcards.entry(i)));
        let mut allow = Vec::with_capacity(1200);
        for team in 0..300 {
            allow.extend(others.by_ref().take(3));
            allow.push(team_prefix(team));
        }
        let mut named = Self::new(allow)?;
        named.name = format!("mixed {}", named.name);
        Ok(named)
    }

    /// `n` entries of one kind, the last three of them the real registries.
    pub fn of_kind(kind: EntryKind, n: usize) -> Result<Self> {
        let generated_count = n.saturating_sub(SMALL_ALLOW.len());
        let mut allow: Vec<String> = (0..generated_count).map(|i| kind.entry(i)).collect();
        allow.extend(SMALL_ALLOW.iter().map(|s| (*s).to_owned()));
        Self::new(allow)
    }
}

/// `registry.corp.example/team-NNN`: the prefix of team `i`.
fn team_prefix(i: usize) -> String {
    format!("{ONE_HOST}/team-{i:03}")
}

/// The Deployment of the one-host series: [`ONE_HOST_CONTAINERS`] containers
/// (made as [`deployment_with`] makes them), every image on [`ONE_HOST`],
/// each under its own team's prefix (teams 0 to 99, so every list of the
/// series admits it), a third of them one component deeper.
pub fn one_host_deployment(template: &Request) -> Result<Request> {
    let mut request = deployment_with(template, ONE_HOST_CONTAINERS)?;
    let containers = request.review["request"]["object"]["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .ok_or_else(|| anyhow!("fixture has no containers"))?;
    for (i, c) in containers.iter_mut().enumerate() {
        // 7 and 100 are coprime: 45 different teams, spread over the first 100.
        let team = team_prefix(i * 7 % 100);
        let image = match i % 3 {
            2 => format!("{team}/backend/svc-{i}:1.{i}"),
            _ => format!("{team}/svc-{i}:1.{i}"),
        };
        c["image"] = Value::String(image);
    }
    Request::from_review(format!("one_host_{ONE_HOST_CONTAINERS}"), request.review)
}

/// A Deployment with `n` containers, made from the 50-container fixture:
/// its 45 containers and 5 init containers are taken in turn (each renamed
/// to stay unique) and all placed in `containers`. The server-side-apply
/// `managedFields` entry, which lists every container, is rewritten to
/// match, so the whole request grows with the count as a real one does.
pub fn deployment_with(template: &Request, n: usize) -> Result<Request> {
    let spec = pod_spec(&template.review).ok_or_else(|| anyhow!("fixture has no pod spec"))?;
    let mut pool: Vec<Value> = Vec::new();
    for list in ["containers", "initContainers"] {
        pool.extend(spec[list].as_array().cloned().unwrap_or_default());
    }
    if pool.is_empty() {
        return Err(anyhow!("fixture has no containers"));
    }
    let mut review = template.review.clone();
    let mut renamed: Vec<(String, String)> = Vec::with_capacity(n);
    let containers: Vec<Value> = (0..n)
        .map(|i| {
            let mut c = pool[i % pool.len()].clone();
            let name = c["name"].as_str().unwrap_or("c").to_owned();
            let new_name = format!("{name}-{i}");
            c["name"] = Value::String(new_name.clone());
            renamed.push((name, new_name));
            c
        })
        .collect();
    let object = &mut review["request"]["object"];
    let spec = object["spec"]["template"]["spec"]
        .as_object_mut()
        .ok_or_else(|| anyhow!("fixture is not a Deployment"))?;
    spec.remove("initContainers");
    spec.insert("containers".to_owned(), Value::Array(containers));
    if let Some(entries) = object["metadata"]["managedFields"].as_array_mut() {
        for entry in entries {
            rewrite_managed_fields(
                &mut entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"],
                &renamed,
            );
        }
    }
    Request::from_review(format!("deployment_{n}"), review)
}

/// Rewrites the per-container entries of a managedFields `f:spec` for the renamed containers.
fn rewrite_managed_fields(spec: &mut Value, renamed: &[(String, String)]) {
    let Some(spec) = spec.as_object_mut() else {
        return;
    };
    let key = |name: &str| format!("k:{}", json!({ "name": name }));
    let mut known = serde_json::Map::new();
    for list in ["f:containers", "f:initContainers"] {
        if let Some(Value::Object(entries)) = spec.remove(list) {
            known.extend(entries);
        }
    }
    if known.is_empty() {
        return;
    }
    let mut containers = serde_json::Map::new();
    for (old, new) in renamed {
        if let Some(fields) = known.get(&key(old)) {
            containers.insert(key(new), fields.clone());
        }
    }
    spec.insert("f:containers".to_owned(), Value::Object(containers));
}
