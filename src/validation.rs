//! Judging the images of an admission request against the rules.

use crate::candidates::Candidates;
use crate::image_pattern::ListKind;
use crate::json::Text;
use crate::json_reader::{Members, Reader};
use crate::mutation::{self, Rewrite};
use crate::pin::{self, Lookup, OnFailure, Pinned};
use crate::reference::{self, ParseError, Reference};
use crate::settings::{Enforcement, RawSettings, Rules};
use crate::workload::{AdmissionRequest, ContainerImage, ContainerKind};

/// The payload fields the policy reads: `request`, then `settings`.
const PAYLOAD_FIELDS: [&str; 2] = ["request", "settings"];

/// Reads the `validate` payload up to the end of the request. The payload is
/// read in one pass: the request first, then, its images known, the settings
/// (see [`Tail::read_settings`]).
fn read_request(json: &[u8]) -> Result<(AdmissionRequest<'_>, Tail<'_>), String> {
    let mut r = Reader::new(json);
    let mut members = r.object("a ValidationRequest object")?;
    let mut early_settings = None;
    loop {
        match members.next_of(&mut r, &PAYLOAD_FIELDS)? {
            None => return Err("missing field `request`".into()),
            Some(0) => {
                let request = AdmissionRequest::read(&mut r)?;
                let tail = Tail {
                    r,
                    members,
                    early_settings,
                };
                return Ok((request, tail));
            }
            Some(_) if early_settings.is_some() => return Err("duplicate field `settings`".into()),
            // Settings before the request (unusual) are read once its images are known.
            Some(_) => early_settings = Some(r.raw()?),
        }
    }
}

/// The payload after the request.
struct Tail<'p> {
    r: Reader<'p>,
    members: Members,
    early_settings: Option<&'p [u8]>,
}

impl<'p> Tail<'p> {
    /// Reads the settings, wherever they are: `first_look` (the request's
    /// registries) lets long registry lists be sifted while they are read.
    fn read_settings(
        mut self,
        first_look: &Candidates<'_>,
    ) -> Result<Option<RawSettings<'p>>, String> {
        let mut settings = match self.early_settings {
            Some(raw) => {
                let mut r = Reader::new(raw);
                Some(RawSettings::read(&mut r, Some(first_look))?)
            }
            None => None,
        };
        while let Some(key) = self.members.next_key(&mut self.r)? {
            match &*key {
                b"request" => return Err("duplicate field `request`".into()),
                b"settings" if settings.is_some() => {
                    return Err("duplicate field `settings`".into())
                }
                b"settings" => settings = Some(RawSettings::read(&mut self.r, Some(first_look))?),
                _ => self.r.skip()?,
            }
        }
        self.r.end()?;
        Ok(settings.flatten())
    }
}

/// The outcome of one `validate` call.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// Every image passes (or the kind has no pod spec), with nothing to add.
    Accept,
    /// Admitted with something to say: a rewritten object, warnings, an audit trail.
    Admit(Admission<'a>),
    /// Containers whose image breaks a rule, at least one.
    Reject(Refusal<'a>),
    /// The payload could not be read.
    BadRequest(String),
    /// The settings are not valid (policy-server normally refuses them earlier).
    BadSettings(String),
}

/// A refused request: every container that breaks a rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal<'a> {
    /// The containers, at least one.
    pub findings: Vec<Finding<'a>>,
    /// Where to ask (the `hint` setting).
    pub hint: Option<String>,
}

/// An admitted request and what comes with it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Admission<'a> {
    /// The object with its images rewritten (mirrors, pins), if any was.
    pub mutated: Option<serde_json::Value>,
    /// Containers the rules refuse, admitted because `enforcement` is `warn`.
    pub would_refuse: Vec<Finding<'a>>,
    /// Other warnings, one per image and rule (`container "app" image "…": …`).
    pub warnings: Vec<String>,
    /// Audit annotations, by key ([`AUDIT_KEYS`]).
    pub annotations: Vec<(&'static str, String)>,
    /// Where to ask (the `hint` setting).
    pub hint: Option<String>,
}

/// The audit annotation keys, as documented: images exempted from the rules,
/// rewritten to a mirror, pinned to a digest, and the warnings given.
pub const AUDIT_KEYS: [&str; 4] = ["exempted", "rewritten", "pinned", "warned"];

/// One container whose image breaks at least one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'a> {
    /// Which list the container is in.
    pub kind: ContainerKind,
    /// Its position in that list.
    pub index: usize,
    /// The container's name.
    pub name: Text<'a>,
    /// The image as written.
    pub image: Text<'a>,
    /// The image a mirror rewrote it to, which is what was judged.
    pub mirrored: Option<String>,
    /// Every rule the image breaks.
    pub problems: Vec<Problem>,
}

/// A rule an image breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The image string cannot be read as the runtime would read it.
    InvalidReference(ParseError),
    /// The registry (as the runtime reads it) is rejected or not allowed.
    RegistryNotAllowed(String),
    /// The tag that would be pulled is rejected.
    TagNotAllowed(String),
    /// The image is rejected, or not in the images allow list.
    ImageNotAllowed,
    /// The image is not pinned by digest.
    DigestRequired,
    /// The digest its tag names could not be looked up: the host's error, condensed.
    PinFailed(String),
}

/// Reads the payload and judges every image in it; `lookup` asks the host for
/// digests when the settings pin them.
pub fn validate<'p>(payload_bytes: &'p [u8], lookup: &mut Lookup<'_>) -> Verdict<'p> {
    let (request, tail) = match read_request(payload_bytes) {
        Ok(read) => read,
        Err(why) => return Verdict::BadRequest(why),
    };
    // Each image is read once; its registry decides which settings entries are compiled.
    let images: Vec<Result<Reference, ParseError>> = request
        .images
        .iter()
        .map(|c| reference::parse(&c.image))
        .collect();
    let first_look = Candidates::new(images.iter().flatten(), []);
    let raw = match tail.read_settings(&first_look) {
        Ok(settings) => settings.unwrap_or_default(),
        Err(why) => return Verdict::BadRequest(why),
    };
    let rules = match Rules::for_images(&raw, first_look) {
        Ok(rules) => rules,
        Err(e) => return Verdict::BadSettings(e),
    };
    let mut judged = judge_request(&request, &images, &rules);
    // Unreadable images are refused whatever `enforcement` says: fail closed.
    let unreadable = |f: &Finding| {
        f.problems
            .iter()
            .any(|p| matches!(p, Problem::InvalidReference(_)))
    };
    if rules.enforcement == Enforcement::Deny || judged.findings.iter().any(unreadable) {
        if rules.enforcement == Enforcement::Warn {
            judged.findings.retain(unreadable);
        }
        if !judged.findings.is_empty() {
            return Verdict::Reject(Refusal {
                findings: judged.findings,
                hint: rules.hint.map(str::to_owned),
            });
        }
    }
    let mut admission = Admission {
        hint: rules.hint.map(str::to_owned),
        ..Admission::default()
    };
    let mut pins = Vec::new();
    // Only now may the host contact registries, and only for admitted images.
    if rules.pin_digests {
        let findings = pin_admitted(&request, &images, &rules, &mut judged, &mut pins, lookup);
        match rules.enforcement {
            Enforcement::Deny if !findings.is_empty() => {
                return Verdict::Reject(Refusal {
                    findings,
                    hint: rules.hint.map(str::to_owned),
                })
            }
            _ => judged.findings.extend(findings),
        }
    }
    admission.mutated = match request.pod_spec_path {
        Some(path) if !judged.rewrites.is_empty() => {
            match mutation::apply(payload_bytes, path, &judged.rewrites) {
                Ok(object) => Some(object),
                Err(e) => return Verdict::BadRequest(e),
            }
        }
        _ => None,
    };
    admission.would_refuse = judged.findings;
    admission.warnings = judged.warnings;
    let mut warned: Vec<String> = admission
        .would_refuse
        .iter()
        .map(|f| format!("{}: would be refused", container(f.kind, &f.name)))
        .collect();
    warned.extend(judged.warned);
    for (key, lines) in AUDIT_KEYS
        .iter()
        .zip([judged.exempted, judged.mirrored, pins, warned])
    {
        if !lines.is_empty() {
            admission.annotations.push((key, lines.join("; ")));
        }
    }
    let nothing_to_say = admission.mutated.is_none()
        && admission.would_refuse.is_empty()
        && admission.warnings.is_empty()
        && admission.annotations.is_empty();
    if nothing_to_say {
        Verdict::Accept
    } else {
        Verdict::Admit(admission)
    }
}

/// `container "app"`: how warnings and the audit trail name a container.
fn container(kind: ContainerKind, name: &str) -> String {
    format!("{kind} \"{}\"", name.escape_debug())
}

/// What judging a request's images found, before pinning.
#[derive(Debug, Default)]
pub struct Judged<'a> {
    /// Containers whose image breaks a rule.
    pub findings: Vec<Finding<'a>>,
    /// Images to write back (mirrors).
    pub rewrites: Vec<Rewrite>,
    /// Warnings for admitted images that a warn list matches.
    pub warnings: Vec<String>,
    /// Audit trail: exempted images, mirror rewrites, warned images.
    pub exempted: Vec<String>,
    /// Audit trail: `container "app": nginx:1 -> harbor…/nginx:1`.
    pub mirrored: Vec<String>,
    /// Audit trail: `container "app": registry k8s.gcr.io is discouraged`.
    pub warned: Vec<String>,
}

/// Pins every admitted image that has no digest, updating the rewrites (one
/// rewrite per container: mirrored and pinned together) and the audit trail.
/// Failed lookups become findings, or warnings when the settings admit
/// unpinned images. Containers with findings are never looked up.
fn pin_admitted<'a>(
    request: &AdmissionRequest<'a>,
    images: &[Result<Reference<'_>, ParseError>],
    rules: &Rules<'_>,
    judged: &mut Judged<'a>,
    pins: &mut Vec<String>,
    lookup: &mut Lookup<'_>,
) -> Vec<Finding<'a>> {
    let mut findings = Vec::new();
    if request.pod_spec_path.is_none() {
        return findings;
    }
    let old = if &*request.operation == "UPDATE" {
        pin::old_images(&request.old_images)
    } else {
        Vec::new()
    };
    let mut cache = Vec::new();
    for (container_image, image) in request.images.iter().zip(images) {
        let Ok(image) = image else { continue };
        let refused = judged
            .findings
            .iter()
            .any(|f| f.kind == container_image.kind && f.index == container_image.index);
        if refused {
            continue;
        }
        let rewrites = &mut judged.rewrites;
        let slot = rewrites
            .iter()
            .position(|r| r.kind == container_image.kind && r.index == container_image.index);
        // A mirrored image is pinned in its mirrored form, which is what is pulled.
        let mirrored = slot.and_then(|i| rewrites.get(i)).map(|r| r.image.clone());
        let pulled = match &mirrored {
            Some(text) => match reference::parse(text) {
                Ok(r) => r,
                Err(_) => continue, // judged already: a mirror target is always valid
            },
            None => image.clone(),
        };
        let text = mirrored.as_deref().unwrap_or(&container_image.image);
        match pin::pin(text, &pulled, &old, &mut cache, lookup) {
            Pinned::Keep => {}
            Pinned::Write(pinned) => {
                pins.push(format!(
                    "{}: {} -> {pinned}",
                    container(container_image.kind, &container_image.name),
                    text.escape_debug()
                ));
                match slot.and_then(|i| rewrites.get_mut(i)) {
                    Some(rewrite) => rewrite.image = pinned,
                    None => rewrites.push(Rewrite {
                        kind: container_image.kind,
                        index: container_image.index,
                        image: pinned,
                    }),
                }
            }
            // requireDigest still wants a digest: a failed lookup cannot be admitted.
            Pinned::Failed(why)
                if rules.on_pin_failure == OnFailure::Admit && !rules.require_digest =>
            {
                pin::log_failure(text, &why);
                let line = format!(
                    "{} image \"{}\": admitted unpinned, digest lookup failed: {}",
                    container(container_image.kind, &container_image.name),
                    text.escape_debug(),
                    pin::condense(&why)
                );
                judged.warned.push(format!(
                    "{}: admitted unpinned",
                    container(container_image.kind, &container_image.name)
                ));
                judged.warnings.push(line);
            }
            Pinned::Failed(why) => {
                pin::log_failure(text, &why);
                findings.push(finding(
                    container_image,
                    mirrored,
                    vec![Problem::PinFailed(pin::condense(&why))],
                ))
            }
        }
    }
    findings
}

/// Judges every container of the request: the ones that break a rule, the
/// images that mirrors rewrite, warnings and the audit trail. `images` holds
/// each container's image, parsed, in order.
pub fn judge_request<'a>(
    request: &AdmissionRequest<'a>,
    images: &[Result<Reference<'_>, ParseError>],
    rules: &Rules<'_>,
) -> Judged<'a> {
    let mut judged = Judged::default();
    if request.pod_spec_path.is_none() {
        return judged;
    }
    // On UPDATE, images the object already ran with are neither judged again nor
    // rewritten, so an old workload can still be scaled, relabelled or finalized.
    let existing: Vec<Reference> =
        if rules.allow_existing_violations && &*request.operation == "UPDATE" {
            request
                .old_images
                .iter()
                .filter_map(|c| reference::parse(&c.image).ok())
                .collect()
        } else {
            Vec::new()
        };
    let is_existing = |image: &Reference| existing.iter().any(|old| old.same_image(image));
    for (container_image, image) in request.images.iter().zip(images) {
        let image = match image {
            Ok(image) => image,
            Err(e) => {
                judged.findings.push(finding(
                    container_image,
                    None,
                    vec![Problem::InvalidReference(e.clone())],
                ));
                continue;
            }
        };
        if is_existing(image) {
            continue;
        }
        let who = || container(container_image.kind, &container_image.name);
        // An exempted image skips every rule; mirrors and pinning still apply.
        let exempt = rules
            .exempt_images
            .iter()
            .any(|p| p.matches(image, ListKind::Allow));
        if exempt {
            judged.exempted.push(format!(
                "{}: {}",
                who(),
                container_image.image.escape_debug()
            ));
        }
        let mirrored = rules.mirrors.rewrite(image);
        // The rewritten string is read like any image: it is what the node pulls.
        let problems = match mirrored.as_deref().map(reference::parse) {
            _ if exempt => Vec::new(),
            None => judge(image, rules),
            Some(Err(e)) => vec![Problem::InvalidReference(e)],
            Some(Ok(pulled)) if is_existing(&pulled) => Vec::new(),
            Some(Ok(pulled)) => {
                let problems = judge(&pulled, rules);
                if problems.is_empty() {
                    discouraged(&pulled, rules, &who, &container_image.image, &mut judged);
                }
                problems
            }
        };
        if !problems.is_empty() {
            judged
                .findings
                .push(finding(container_image, mirrored, problems));
            continue;
        }
        if mirrored.is_none() && !exempt {
            discouraged(image, rules, &who, &container_image.image, &mut judged);
        }
        if let Some(mirrored) = mirrored {
            judged.mirrored.push(format!(
                "{}: {} -> {mirrored}",
                who(),
                container_image.image.escape_debug()
            ));
            judged.rewrites.push(Rewrite {
                kind: container_image.kind,
                index: container_image.index,
                image: mirrored,
            });
        }
    }
    judged
}

/// Adds a warning (and an audit line) for each warn list that matches an
/// admitted image: `container "app" image "k8s.gcr.io/pause:3.9": registry
/// k8s.gcr.io is discouraged`.
fn discouraged(
    image: &Reference<'_>,
    rules: &Rules<'_>,
    who: &dyn Fn() -> String,
    written: &str,
    judged: &mut Judged<'_>,
) {
    let mut say = |what: String| {
        judged.warned.push(format!("{}: {what}", who()));
        judged.warnings.push(format!(
            "{} image \"{}\": {what}",
            who(),
            written.escape_debug()
        ));
    };
    if rules.registries_warn.iter().any(|p| p.matches(image)) {
        say(format!("registry {} is discouraged", image.domain.text));
    }
    if let Some(tag) = image.effective_tag() {
        if rules.tags_warn.iter().any(|p| p.matches(tag)) {
            say(format!("tag {tag} is discouraged"));
        }
    }
    if rules
        .images_warn
        .iter()
        .any(|p| p.matches(image, ListKind::Reject))
    {
        say("image is discouraged".to_owned());
    }
}

fn finding<'a>(
    container: &ContainerImage<'a>,
    mirrored: Option<String>,
    problems: Vec<Problem>,
) -> Finding<'a> {
    Finding {
        kind: container.kind,
        index: container.index,
        name: container.name.clone(),
        image: container.image.clone(),
        mirrored,
        problems,
    }
}

/// Every rule that one image breaks. Each rule stands alone: an image must pass all.
pub fn judge(image: &Reference<'_>, rules: &Rules<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let registry_rejected = rules.registries_reject.iter().any(|p| p.matches(image));
    let registry_allowed =
        !rules.registries_allow_set || rules.registries_allow.iter().any(|p| p.matches(image));
    if registry_rejected || !registry_allowed {
        problems.push(Problem::RegistryNotAllowed(image.domain.text.to_owned()));
    }
    // Only the tag that is pulled counts: `latest` when none is written, none
    // when a digest pins the image.
    if let Some(tag) = image.effective_tag() {
        if rules.tags_reject.iter().any(|p| p.matches(tag)) {
            problems.push(Problem::TagNotAllowed(tag.to_owned()));
        }
    }
    let image_rejected = rules
        .images_reject
        .iter()
        .any(|p| p.matches(image, ListKind::Reject));
    let image_allowed = rules.images_allow.is_empty()
        || rules
            .images_allow
            .iter()
            .any(|p| p.matches(image, ListKind::Allow));
    if image_rejected || !image_allowed {
        problems.push(Problem::ImageNotAllowed);
    }
    // With pinning, an image without a digest gets one, or is refused when it cannot.
    if rules.require_digest && image.digest.is_none() && !rules.pin_digests {
        problems.push(Problem::DigestRequired);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::{json, Value};

    use crate::test_support::D;

    /// Judges one image under the given settings.
    fn problems(settings: Value, image: &str) -> Vec<Problem> {
        let text = settings.to_string();
        let raw = RawSettings::from_json(text.as_bytes()).expect("settings");
        let rules = Rules::from_raw(&raw).expect("valid settings");
        match reference::parse(image) {
            Ok(r) => judge(&r, &rules),
            Err(e) => vec![Problem::InvalidReference(e)],
        }
    }

    fn registry(r: &str) -> Vec<Problem> {
        vec![Problem::RegistryNotAllowed(r.to_owned())]
    }

    #[rstest]
    // The two flaws of prefix matching, fixed.
    #[case::prefix_flaw_lookalike(json!({"registries": {"allow": ["docker.io"]}}), "docker.io.evil.example/x", registry("docker.io.evil.example"))]
    #[case::prefix_flaw_short_name(json!({"registries": {"allow": ["docker.io"]}}), "busybox", vec![])]
    // Bypasses from image-references.md.
    #[case::trap_empty_domain(json!({"registries": {"reject": ["evil.example"]}}), "my_registry.com/x", vec![Problem::InvalidReference(ParseError::InvalidRegistry("my_registry.com".into()))])]
    #[case::trailing_dot(json!({"registries": {"allow": ["docker.io"]}}), "docker.io./x", vec![Problem::InvalidReference(ParseError::InvalidRegistry("docker.io.".into()))])]
    #[case::uppercase_registry(json!({"registries": {"reject": ["evil.example"]}}), "EVIL.example/x", registry("EVIL.example"))]
    #[case::registry_in_path(json!({"registries": {"allow": ["ghcr.io"]}}), "evil.com/ghcr.io/x", registry("evil.com"))]
    #[case::path_lookalike(json!({"registries": {"allow": ["ghcr.io/acme"]}}), "ghcr.io/acme-evil/app", registry("ghcr.io"))]
    #[case::localhost_is_hub(json!({"registries": {"allow": ["localhost:5000"]}}), "localhost:5000", registry("docker.io"))]
    #[case::legacy_hub_allowed(json!({"registries": {"allow": ["docker.io"]}}), "index.docker.io/library/nginx", vec![])]
    #[case::hub_rejected_every_spelling(json!({"registries": {"reject": ["docker.io"]}}), "registry-1.docker.io/library/nginx", registry("registry-1.docker.io"))]
    // Reject wins over allow.
    #[case::reject_wins(json!({"registries": {"allow": ["ghcr.io"], "reject": ["ghcr.io/evil"]}}), "ghcr.io/evil/app", registry("ghcr.io"))]
    #[case::reject_other_path(json!({"registries": {"allow": ["ghcr.io"], "reject": ["ghcr.io/evil"]}}), "ghcr.io/acme/app", vec![])]
    // Tags.
    #[case::implicit_latest(json!({"tags": {"reject": ["latest"]}}), "busybox", vec![Problem::TagNotAllowed("latest".into())])]
    #[case::explicit_latest(json!({"tags": {"reject": ["latest"]}}), "nginx:latest", vec![Problem::TagNotAllowed("latest".into())])]
    #[case::digest_has_no_tag(json!({"tags": {"reject": ["latest"]}}), &format!("nginx@{D}"), vec![])]
    #[case::digest_hides_written_tag(json!({"tags": {"reject": ["latest"]}}), &format!("nginx:latest@{D}"), vec![])]
    #[case::tag_case_sensitive(json!({"tags": {"reject": ["latest"]}}), "nginx:LATEST", vec![])]
    // Images.
    #[case::image_allowed(json!({"images": {"allow": ["nginx"]}}), "docker.io/library/nginx:1.27", vec![])]
    #[case::image_not_allowed(json!({"images": {"allow": ["nginx"]}}), "ghcr.io/nginx", vec![Problem::ImageNotAllowed])]
    #[case::image_rejected(json!({"images": {"reject": ["quay.io/coreos/etcd:v3.4.12"]}}), "quay.io/coreos/etcd:v3.4.12", vec![Problem::ImageNotAllowed])]
    #[case::image_reject_sees_written_tag(json!({"images": {"reject": ["quay.io/coreos/etcd:v3.4.12"]}}), &format!("quay.io/coreos/etcd:v3.4.12@{D}"), vec![Problem::ImageNotAllowed])]
    // Digests.
    #[case::digest_required(json!({"requireDigest": true}), "nginx:1.27", vec![Problem::DigestRequired])]
    #[case::digest_present(json!({"requireDigest": true}), &format!("nginx@{D}"), vec![])]
    // Every broken rule is reported.
    #[case::all_rules(json!({"registries": {"allow": ["ghcr.io"]}, "tags": {"reject": ["latest"]}, "images": {"allow": ["ghcr.io/acme/*"]}, "requireDigest": true}), "busybox", vec![Problem::RegistryNotAllowed("docker.io".into()), Problem::TagNotAllowed("latest".into()), Problem::ImageNotAllowed, Problem::DigestRequired])]
    fn judges(#[case] settings: Value, #[case] image: &str, #[case] expected: Vec<Problem>) {
        assert_eq!(problems(settings, image), expected);
    }

    fn pod_request(operation: &str, images: &[&str], old_images: Option<&[&str]>) -> Value {
        let spec = |list: &[&str]| json!({"containers": list.iter().enumerate().map(|(i, img)| json!({"name": format!("c{i}"), "image": img})).collect::<Vec<_>>()});
        json!({
            "uid": "1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "operation": operation,
            "object": {"spec": spec(images)},
            "oldObject": old_images.map(|o| json!({"spec": spec(o)})),
        })
    }

    /// The names of the containers that were judged and found wanting.
    fn rejected(request: Value, settings: Value) -> Vec<String> {
        let payload =
            serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json");
        match validate(&payload, &mut pin::host_lookup) {
            Verdict::Accept => vec![],
            Verdict::Reject(refusal) => refusal
                .findings
                .iter()
                .map(|f| f.name.0.to_string())
                .collect(),
            Verdict::Admit(_) => vec!["<admitted with more>".to_owned()],
            other => panic!("unexpected verdict {other:?}"),
        }
    }

    #[rstest]
    #[case::create_judges_all(pod_request("CREATE", &["quay.io/legacy/app:1.0"], None), json!({"registries": {"allow": ["ghcr.io"]}}), vec!["c0"])]
    #[case::update_keeps_existing(pod_request("UPDATE", &["quay.io/legacy/app:1.0"], Some(&["quay.io/legacy/app:1.0"])), json!({"registries": {"allow": ["ghcr.io"]}}), vec![])]
    #[case::update_existing_after_normalization(pod_request("UPDATE", &["docker.io/library/nginx:latest"], Some(&["nginx"])), json!({"tags": {"reject": ["latest"]}}), vec![])]
    #[case::update_judges_new_image(pod_request("UPDATE", &["quay.io/legacy/app:1.0", "quay.io/legacy/app:2.0"], Some(&["quay.io/legacy/app:1.0"])), json!({"registries": {"allow": ["ghcr.io"]}}), vec!["c1"])]
    #[case::update_changed_tag(pod_request("UPDATE", &["quay.io/legacy/app:2.0"], Some(&["quay.io/legacy/app:1.0"])), json!({"registries": {"allow": ["ghcr.io"]}}), vec!["c0"])]
    #[case::update_without_exemption(pod_request("UPDATE", &["quay.io/legacy/app:1.0"], Some(&["quay.io/legacy/app:1.0"])), json!({"registries": {"allow": ["ghcr.io"]}, "allowExistingViolations": false}), vec!["c0"])]
    #[case::create_ignores_old_object(pod_request("CREATE", &["quay.io/legacy/app:1.0"], Some(&["quay.io/legacy/app:1.0"])), json!({"registries": {"allow": ["ghcr.io"]}}), vec!["c0"])]
    #[case::invalid_old_image_does_not_exempt(pod_request("UPDATE", &["Bad"], Some(&["Bad"])), json!({"registries": {"allow": ["ghcr.io"]}}), vec!["c0"])]
    // Only entries that can match the request's hosts are compiled; the rule
    // still holds when none of them can.
    #[case::allow_list_of_other_hosts(pod_request("CREATE", &["ghcr.io/x:1"], None), json!({"registries": {"allow": ["quay.io", "*.corp.example", "[fd00::1]"]}}), vec!["c0"])]
    #[case::allow_by_hub_alias(pod_request("CREATE", &["busybox:1"], None), json!({"registries": {"allow": ["quay.io", "index.docker.io"]}}), vec![])]
    #[case::allow_by_wildcard(pod_request("CREATE", &["eu.corp.example/x:1"], None), json!({"registries": {"allow": ["quay.io", "*.corp.example"]}}), vec![])]
    #[case::reject_list_of_other_hosts(pod_request("CREATE", &["ghcr.io/x:1"], None), json!({"registries": {"reject": ["quay.io"]}}), vec![])]
    #[case::reject_by_case(pod_request("CREATE", &["ghcr.io/x:1"], None), json!({"registries": {"reject": ["GHCR.IO"]}}), vec!["c0"])]
    fn updates(#[case] request: Value, #[case] settings: Value, #[case] expected: Vec<&str>) {
        assert_eq!(rejected(request, settings), expected);
    }

    const HUB_MIRROR: &str = "harbor.corp.example/dockerhub";

    fn mirrored_settings(allow: &[&str]) -> Value {
        json!({"registries": {"allow": allow}, "mirrors": [{"from": "docker.io", "to": HUB_MIRROR}]})
    }

    /// "accept", "reject: <names>", or "mutate: <images of the mutated object>".
    fn outcome(request: Value, settings: Value) -> String {
        let payload =
            serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json");
        match validate(&payload, &mut pin::host_lookup) {
            Verdict::Accept => "accept".to_owned(),
            Verdict::Reject(refusal) => {
                let names: Vec<String> = refusal
                    .findings
                    .iter()
                    .map(|f| f.name.0.to_string())
                    .collect();
                format!("reject: {}", names.join(", "))
            }
            Verdict::Admit(Admission {
                mutated: Some(object),
                ..
            }) => {
                let images: Vec<&str> = object["spec"]["containers"]
                    .as_array()
                    .expect("containers")
                    .iter()
                    .map(|c| c["image"].as_str().expect("image"))
                    .collect();
                format!("mutate: {}", images.join(", "))
            }
            other => panic!("unexpected verdict {other:?}"),
        }
    }

    #[rstest]
    #[case::rewritten_then_allowed(pod_request("CREATE", &["nginx:1.27", "ghcr.io/acme/app:1"], None), mirrored_settings(&["harbor.corp.example", "ghcr.io"]), "mutate: harbor.corp.example/dockerhub/library/nginx:1.27, ghcr.io/acme/app:1")]
    #[case::nothing_to_rewrite(pod_request("CREATE", &["ghcr.io/acme/app:1"], None), mirrored_settings(&["ghcr.io"]), "accept")]
    #[case::not_covered(pod_request("CREATE", &["quay.io/x:1"], None), mirrored_settings(&["harbor.corp.example"]), "reject: c0")]
    #[case::rewritten_yet_not_allowed(pod_request("CREATE", &["nginx:1.27"], None), mirrored_settings(&["ghcr.io"]), "reject: c0")]
    #[case::update_keeps_rewrite(pod_request("UPDATE", &["nginx:1.27"], Some(&["harbor.corp.example/dockerhub/library/nginx:1.27"])), mirrored_settings(&["ghcr.io"]), "mutate: harbor.corp.example/dockerhub/library/nginx:1.27")]
    #[case::update_leaves_old_image_alone(pod_request("UPDATE", &["nginx:1.27"], Some(&["nginx:1.27"])), mirrored_settings(&["harbor.corp.example"]), "accept")]
    #[case::update_already_rewritten(pod_request("UPDATE", &["harbor.corp.example/dockerhub/library/nginx:1.27"], Some(&["harbor.corp.example/dockerhub/library/nginx:1.27"])), mirrored_settings(&["ghcr.io"]), "accept")]
    #[case::other_kind(json!({"kind": {"group": "", "kind": "Service"}, "operation": "CREATE", "object": {"spec": {}}}), mirrored_settings(&["ghcr.io"]), "accept")]
    fn mirrors(#[case] request: Value, #[case] settings: Value, #[case] expected: &str) {
        assert_eq!(outcome(request, settings), expected);
    }

    const PINNED: &str = "sha256:9999999999999999999999999999999999999999999999999999999999999999";

    /// A fake registry: `app:missing` is unknown, every other tag names PINNED.
    fn fake_registry(asked: &mut Vec<String>) -> impl FnMut(&[u8]) -> Result<Vec<u8>, String> + '_ {
        move |payload: &[u8]| {
            let payload = String::from_utf8_lossy(payload).into_owned();
            asked.push(payload.clone());
            if payload.contains(":missing") {
                Err("manifest unknown".to_owned())
            } else {
                Ok(format!("{{\"digest\":\"{PINNED}\"}}").into_bytes())
            }
        }
    }

    /// The outcome ("accept", "reject: <message>", "mutate: <images>", with
    /// "; warn: <warnings>"), and the images the registry was asked about.
    fn pinned(request: Value, settings: Value) -> (String, Vec<String>) {
        let payload =
            serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json");
        let mut asked = Vec::new();
        let verdict = validate(&payload, &mut fake_registry(&mut asked));
        let images = |object: &Value| {
            let list: Vec<&str> = object["spec"]["containers"]
                .as_array()
                .expect("containers")
                .iter()
                .map(|c| c["image"].as_str().expect("image"))
                .collect();
            format!("mutate: {}", list.join(", "))
        };
        let outcome = match verdict {
            Verdict::Accept => "accept".to_owned(),
            Verdict::Admit(admission) if admission.warnings.is_empty() => admission
                .mutated
                .as_ref()
                .map_or("accept".to_owned(), images),
            Verdict::Admit(admission) => format!(
                "{}; warn: {}",
                admission
                    .mutated
                    .as_ref()
                    .map_or("accept".to_owned(), images),
                admission.warnings.join("; ")
            ),
            Verdict::Reject(refusal) => {
                format!("reject: {}", crate::response::message(refusal.findings))
            }
            other => panic!("unexpected verdict {other:?}"),
        };
        (outcome, asked)
    }

    fn pin_settings(extra: Value) -> Value {
        let mut settings = json!({"registries": {"allow": ["registry.corp.example", "harbor.corp.example"]}, "pinDigests": true});
        if let (Some(s), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
            s.extend(e.clone());
        }
        settings
    }

    #[rstest]
    #[case::pins_tag(pod_request("CREATE", &["registry.corp.example/shop/api:1.4.2"], None), pin_settings(json!({})), &format!("mutate: registry.corp.example/shop/api:1.4.2@{PINNED}"), &["\"registry.corp.example/shop/api:1.4.2\""])]
    #[case::one_lookup_per_image(pod_request("CREATE", &["registry.corp.example/a:1", "registry.corp.example/a:1"], None), pin_settings(json!({})), &format!("mutate: registry.corp.example/a:1@{PINNED}, registry.corp.example/a:1@{PINNED}"), &["\"registry.corp.example/a:1\""])]
    #[case::digest_untouched(pod_request("CREATE", &[&*format!("registry.corp.example/a:1@{D}")], None), pin_settings(json!({})), "accept", &[])]
    // A refused image never reaches the registry, nor do the others of its request.
    #[case::refused_not_looked_up(pod_request("CREATE", &["registry.corp.example/a:1", "evil.example/x:1"], None), pin_settings(json!({})), "reject: container \"c1\" image \"evil.example/x:1\": registries not allowed: evil.example", &[])]
    #[case::refused_by_tag_not_looked_up(pod_request("CREATE", &["registry.corp.example/a:latest"], None), pin_settings(json!({"tags": {"reject": ["latest"]}})), "reject: container \"c0\" image \"registry.corp.example/a:latest\": tags not allowed: latest", &[])]
    // Failed lookups.
    #[case::missing_tag_refused(pod_request("CREATE", &["registry.corp.example/app:missing"], None), pin_settings(json!({})), "reject: container \"c0\" image \"registry.corp.example/app:missing\": digest lookup failed: manifest unknown", &["\"registry.corp.example/app:missing\""])]
    #[case::missing_tag_admitted(pod_request("CREATE", &["registry.corp.example/app:missing", "registry.corp.example/b:1"], None), pin_settings(json!({"onPinFailure": "admit"})), &format!("mutate: registry.corp.example/app:missing, registry.corp.example/b:1@{PINNED}; warn: container \"c0\" image \"registry.corp.example/app:missing\": admitted unpinned, digest lookup failed: manifest unknown"), &["\"registry.corp.example/app:missing\"", "\"registry.corp.example/b:1\""])]
    #[case::missing_tag_admitted_alone(pod_request("CREATE", &["registry.corp.example/app:missing"], None), pin_settings(json!({"onPinFailure": "admit"})), "accept; warn: container \"c0\" image \"registry.corp.example/app:missing\": admitted unpinned, digest lookup failed: manifest unknown", &["\"registry.corp.example/app:missing\""])]
    // requireDigest: pinning satisfies it; an image that cannot be pinned is refused.
    #[case::require_digest_satisfied(pod_request("CREATE", &["registry.corp.example/a:1"], None), pin_settings(json!({"requireDigest": true})), &format!("mutate: registry.corp.example/a:1@{PINNED}"), &["\"registry.corp.example/a:1\""])]
    #[case::require_digest_wins_over_admit(pod_request("CREATE", &["registry.corp.example/app:missing"], None), pin_settings(json!({"requireDigest": true, "onPinFailure": "admit"})), "reject: container \"c0\" image \"registry.corp.example/app:missing\": digest lookup failed: manifest unknown", &["\"registry.corp.example/app:missing\""])]
    // Mirrors: one patch, the mirrored and pinned image; the mirror is asked.
    #[case::mirrored_and_pinned(pod_request("CREATE", &["nginx:1.27"], None), pin_settings(json!({"mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}]})), &format!("mutate: harbor.corp.example/hub/library/nginx:1.27@{PINNED}"), &["\"harbor.corp.example/hub/library/nginx:1.27\""])]
    // UPDATE: unchanged images are neither looked up nor changed; a dropped pin comes back.
    #[case::update_unchanged(pod_request("UPDATE", &["registry.corp.example/a:1"], Some(&["registry.corp.example/a:1"])), pin_settings(json!({})), "accept", &[])]
    #[case::update_unchanged_judged_again(pod_request("UPDATE", &["registry.corp.example/a:1"], Some(&["registry.corp.example/a:1"])), pin_settings(json!({"allowExistingViolations": false})), "accept", &[])]
    #[case::update_pin_written_back(pod_request("UPDATE", &["registry.corp.example/a:1"], Some(&[&*format!("registry.corp.example/a:1@{D}")])), pin_settings(json!({})), &format!("mutate: registry.corp.example/a:1@{D}"), &[])]
    #[case::update_new_tag_pinned(pod_request("UPDATE", &["registry.corp.example/a:2"], Some(&[&*format!("registry.corp.example/a:1@{D}")])), pin_settings(json!({})), &format!("mutate: registry.corp.example/a:2@{PINNED}"), &["\"registry.corp.example/a:2\""])]
    #[case::update_mirrored_pin_written_back(pod_request("UPDATE", &["nginx:1.27"], Some(&[&*format!("harbor.corp.example/hub/library/nginx:1.27@{D}")])), pin_settings(json!({"mirrors": [{"from": "docker.io", "to": "harbor.corp.example/hub"}]})), &format!("mutate: harbor.corp.example/hub/library/nginx:1.27@{D}"), &[])]
    // Without pinDigests nothing is looked up.
    #[case::off(pod_request("CREATE", &["registry.corp.example/a:1"], None), json!({"registries": {"allow": ["registry.corp.example"]}}), "accept", &[])]
    fn pins(
        #[case] request: Value,
        #[case] settings: Value,
        #[case] expected: &str,
        #[case] asked: &[&str],
    ) {
        let (outcome, got_asked) = pinned(request, settings);
        assert_eq!(outcome, expected);
        assert_eq!(got_asked, asked);
    }

    #[rstest]
    #[case::not_json(b"{".to_vec(), Verdict::BadRequest("EOF while parsing an object".into()))]
    #[case::no_request(br#"{"settings": {}}"#.to_vec(), Verdict::BadRequest("missing field `request`".into()))]
    // Entries that name the request's registry are checked on every call.
    #[case::bad_settings(br#"{"request": {"kind": {"kind": "Pod"}, "object": {"spec": {"containers": [{"name": "a", "image": "ghcr.io/x"}]}}}, "settings": {"registries": {"allow": ["ghcr.io/"]}}}"#.to_vec(), Verdict::BadSettings("registries.allow[0] \"ghcr.io/\": empty path component".into()))]
    #[case::no_settings(br#"{"request": {"kind": {"kind": "Pod"}}}"#.to_vec(), Verdict::BadSettings("no rule is set, so every image would be admitted: set at least one of registries.allow, registries.reject, tags.reject, images.allow, images.reject, a warn list, or requireDigest: true".into()))]
    #[case::other_kind(br#"{"request": {"kind": {"kind": "Service"}, "object": {}}, "settings": {"requireDigest": true}}"#.to_vec(), Verdict::Accept)]
    fn payloads(#[case] payload: Vec<u8>, #[case] expected: Verdict<'static>) {
        assert_eq!(validate(&payload, &mut pin::host_lookup), expected);
    }

    /// What the API client is told, a line each: `allowed` or `refused:
    /// <message>`, then `patched: <images>`, `warning: <text>` and
    /// `audit <key>: <value>`; and the images the registry was asked about.
    fn told(request: Value, settings: Value) -> (Vec<String>, Vec<String>) {
        let payload =
            serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json");
        let mut asked = Vec::new();
        let verdict = validate(&payload, &mut fake_registry(&mut asked));
        let answer: Value =
            serde_json::from_slice(&crate::response::answer(verdict).expect("answer"))
                .expect("json");
        let mut lines = vec![match answer["accepted"].as_bool() {
            Some(true) => "allowed".to_owned(),
            _ => format!(
                "refused: {}",
                answer["message"].as_str().unwrap_or_default()
            ),
        }];
        if let Some(containers) = answer["mutated_object"]["spec"]["containers"].as_array() {
            let images: Vec<&str> = containers
                .iter()
                .filter_map(|c| c["image"].as_str())
                .collect();
            lines.push(format!("patched: {}", images.join(", ")));
        }
        for warning in answer["warnings"].as_array().into_iter().flatten() {
            lines.push(format!("warning: {}", warning.as_str().unwrap_or_default()));
        }
        if let Some(annotations) = answer["audit_annotations"].as_object() {
            for (key, value) in annotations {
                lines.push(format!(
                    "audit {key}: {}",
                    value.as_str().unwrap_or_default()
                ));
            }
        }
        (lines, asked)
    }

    const HINT: &str = "Registry policy: https://wiki.corp.example/registries";

    fn rollout(extra: Value) -> Value {
        let mut settings = json!({"registries": {"allow": ["registry.corp.example", "k8s.gcr.io", "ghcr.io/acme"]}});
        if let (Some(s), Some(e)) = (settings.as_object_mut(), extra.as_object()) {
            for (key, value) in e {
                match (
                    s.get_mut(key).and_then(Value::as_object_mut),
                    value.as_object(),
                ) {
                    (Some(inner), Some(more)) => inner.extend(more.clone()),
                    _ => {
                        s.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        settings
    }

    fn pod(images: &[&str]) -> Value {
        pod_request("CREATE", images, None)
    }

    #[rstest]
    // Warn lists: admitted, one warning per image and rule.
    #[case::registry_warned(pod(&["k8s.gcr.io/pause:3.9"]), rollout(json!({"registries": {"warn": ["k8s.gcr.io"]}})), &[
        "allowed",
        r#"warning: container "c0" image "k8s.gcr.io/pause:3.9": registry k8s.gcr.io is discouraged"#,
        r#"audit warned: container "c0": registry k8s.gcr.io is discouraged"#,
    ])]
    #[case::registry_warn_near_miss(pod(&["registry.corp.example/app:1"]), rollout(json!({"registries": {"warn": ["k8s.gcr.io"]}})), &["allowed"])]
    #[case::tag_warned(pod(&["ghcr.io/acme/app:1.0-rc1"]), rollout(json!({"tags": {"warn": ["*-rc*"]}})), &[
        "allowed",
        r#"warning: container "c0" image "ghcr.io/acme/app:1.0-rc1": tag 1.0-rc1 is discouraged"#,
        r#"audit warned: container "c0": tag 1.0-rc1 is discouraged"#,
    ])]
    #[case::tag_warn_near_miss(pod(&["ghcr.io/acme/app:1.0"]), rollout(json!({"tags": {"warn": ["*-rc*"]}})), &["allowed"])]
    #[case::image_warned(pod(&["ghcr.io/acme/legacy-api:2"]), rollout(json!({"images": {"warn": ["ghcr.io/acme/legacy-*"]}})), &[
        "allowed",
        r#"warning: container "c0" image "ghcr.io/acme/legacy-api:2": image is discouraged"#,
        r#"audit warned: container "c0": image is discouraged"#,
    ])]
    #[case::image_warn_near_miss(pod(&["ghcr.io/acme/api:2"]), rollout(json!({"images": {"warn": ["ghcr.io/acme/legacy-*"]}})), &["allowed"])]
    #[case::two_rules_two_lines(pod(&["k8s.gcr.io/pause:3.9-rc1"]), rollout(json!({"registries": {"warn": ["k8s.gcr.io"]}, "tags": {"warn": ["*-rc*"]}})), &[
        "allowed",
        r#"warning: container "c0" image "k8s.gcr.io/pause:3.9-rc1": registry k8s.gcr.io is discouraged"#,
        r#"warning: container "c0" image "k8s.gcr.io/pause:3.9-rc1": tag 3.9-rc1 is discouraged"#,
        r#"audit warned: container "c0": registry k8s.gcr.io is discouraged; container "c0": tag 3.9-rc1 is discouraged"#,
    ])]
    #[case::warn_does_not_admit(pod(&["quay.io/x/app:1"]), rollout(json!({"registries": {"warn": ["k8s.gcr.io"]}, "images": {"warn": ["quay.io/*"]}})), &[
        r#"refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io"#,
    ])]
    // Exemptions skip every rule, and say so in the audit trail.
    #[case::exempt_exact(pod(&["docker.io/library/busybox:1.36", "registry.corp.example/app:1"]), rollout(json!({"exemptImages": ["docker.io/library/busybox:1.36"]})), &[
        "allowed",
        r#"audit exempted: container "c0": docker.io/library/busybox:1.36"#,
    ])]
    #[case::exempt_short_name(pod(&["busybox:1.36"]), rollout(json!({"exemptImages": ["docker.io/library/busybox:1.36"]})), &[
        "allowed",
        r#"audit exempted: container "c0": busybox:1.36"#,
    ])]
    #[case::exempt_other_tag(pod(&["busybox:1.37"]), rollout(json!({"exemptImages": ["docker.io/library/busybox:1.36"]})), &[
        r#"refused: container "c0" image "busybox:1.37": registries not allowed: docker.io"#,
    ])]
    #[case::exempt_glob_every_rule(pod(&["busybox"]), rollout(json!({"tags": {"reject": ["latest"]}, "requireDigest": true, "exemptImages": ["docker.io/library/busybox:*"]})), &[
        "allowed",
        r#"audit exempted: container "c0": busybox"#,
    ])]
    #[case::exempt_glob_stays_home(pod(&["docker.io.evil.example/library/busybox:1"]), rollout(json!({"exemptImages": ["docker.*/library/busybox:*", "*.docker.io/library/busybox:*"]})), &[
        r#"refused: container "c0" image "docker.io.evil.example/library/busybox:1": registries not allowed: docker.io.evil.example"#,
    ])]
    // enforcement: warn turns every refusal into a warning...
    #[case::warn_registry(pod(&["quay.io/x/app:1"]), rollout(json!({"enforcement": "warn"})), &[
        "allowed",
        r#"warning: would be refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io"#,
        r#"audit warned: container "c0": would be refused"#,
    ])]
    #[case::warn_tag(pod(&["ghcr.io/acme/app"]), rollout(json!({"enforcement": "warn", "tags": {"reject": ["latest"]}})), &[
        "allowed",
        r#"warning: would be refused: container "c0" image "ghcr.io/acme/app": tags not allowed: latest"#,
        r#"audit warned: container "c0": would be refused"#,
    ])]
    #[case::warn_image(pod(&["ghcr.io/acme/bad:1"]), rollout(json!({"enforcement": "warn", "images": {"reject": ["ghcr.io/acme/bad"]}})), &[
        "allowed",
        r#"warning: would be refused: container "c0" image "ghcr.io/acme/bad:1": images not allowed: ghcr.io/acme/bad:1"#,
        r#"audit warned: container "c0": would be refused"#,
    ])]
    #[case::warn_digest(pod(&["ghcr.io/acme/app:1"]), rollout(json!({"enforcement": "warn", "requireDigest": true})), &[
        "allowed",
        r#"warning: would be refused: container "c0" image "ghcr.io/acme/app:1": digest required"#,
        r#"audit warned: container "c0": would be refused"#,
    ])]
    // ...except an unreadable image, which is refused alone.
    #[case::warn_unreadable(pod(&["Bad:1", "quay.io/x/app:1"]), rollout(json!({"enforcement": "warn"})), &[
        r#"refused: container "c0" image "Bad:1": invalid reference format: the repository name must be lowercase"#,
    ])]
    #[case::deny_is_the_default(pod(&["quay.io/x/app:1"]), rollout(json!({"enforcement": "deny"})), &[
        r#"refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io"#,
    ])]
    // The hint, once after every refusal and every warning.
    #[case::hint_refusal(pod(&["quay.io/x/app:1", "quay.io/y/app:1"]), rollout(json!({"hint": HINT})), &[
        &*format!(r#"refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io; container "c1" image "quay.io/y/app:1": registries not allowed: quay.io ({HINT})"#),
    ])]
    #[case::hint_warnings(pod(&["quay.io/x/app:1", "k8s.gcr.io/pause:3.9"]), rollout(json!({"hint": HINT, "enforcement": "warn", "registries": {"warn": ["k8s.gcr.io"]}})), &[
        "allowed",
        &*format!(r#"warning: would be refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io ({HINT})"#),
        &*format!(r#"warning: container "c1" image "k8s.gcr.io/pause:3.9": registry k8s.gcr.io is discouraged ({HINT})"#),
        r#"audit warned: container "c0": would be refused; container "c1": registry k8s.gcr.io is discouraged"#,
    ])]
    #[case::hint_not_on_accept(pod(&["ghcr.io/acme/app:1"]), rollout(json!({"hint": HINT})), &["allowed"])]
    // Mirrors: the rewrite is recorded; a warn list sees the mirrored image.
    #[case::mirror_recorded(pod(&["nginx:1.27"]), rollout(json!({"mirrors": [{"from": "docker.io", "to": "registry.corp.example/hub"}]})), &[
        "allowed",
        "patched: registry.corp.example/hub/library/nginx:1.27",
        r#"audit rewritten: container "c0": nginx:1.27 -> registry.corp.example/hub/library/nginx:1.27"#,
    ])]
    #[case::mirror_then_warned(pod(&["nginx:1.27"]), rollout(json!({"mirrors": [{"from": "docker.io", "to": "registry.corp.example/hub"}], "registries": {"warn": ["registry.corp.example/hub"]}})), &[
        "allowed",
        "patched: registry.corp.example/hub/library/nginx:1.27",
        r#"warning: container "c0" image "nginx:1.27": registry registry.corp.example is discouraged"#,
        r#"audit rewritten: container "c0": nginx:1.27 -> registry.corp.example/hub/library/nginx:1.27"#,
        r#"audit warned: container "c0": registry registry.corp.example is discouraged"#,
    ])]
    fn rollouts(#[case] request: Value, #[case] settings: Value, #[case] expected: &[&str]) {
        let (lines, asked) = told(request, settings);
        assert_eq!(lines, expected);
        assert!(asked.is_empty(), "no digest lookups: {asked:?}");
    }

    #[rstest]
    // Pins are recorded with their digest, exempted images pinned too.
    #[case::pinned(pod(&["registry.corp.example/app:1"]), pin_settings(json!({})), &[
        "allowed",
        &*format!("patched: registry.corp.example/app:1@{PINNED}"),
        &*format!(r#"audit pinned: container "c0": registry.corp.example/app:1 -> registry.corp.example/app:1@{PINNED}"#),
    ], &["\"registry.corp.example/app:1\""])]
    #[case::exempted_and_pinned(pod(&["busybox:1.36"]), pin_settings(json!({"exemptImages": ["docker.io/library/busybox:1.36"]})), &[
        "allowed",
        &*format!("patched: busybox:1.36@{PINNED}"),
        r#"audit exempted: container "c0": busybox:1.36"#,
        &*format!(r#"audit pinned: container "c0": busybox:1.36 -> busybox:1.36@{PINNED}"#),
    ], &["\"docker.io/library/busybox:1.36\""])]
    // A would-be-refused image is never looked up, nor patched.
    #[case::warn_refused_not_looked_up(pod(&["quay.io/x/app:1", "registry.corp.example/app:1"]), pin_settings(json!({"enforcement": "warn"})), &[
        "allowed",
        &*format!("patched: quay.io/x/app:1, registry.corp.example/app:1@{PINNED}"),
        r#"warning: would be refused: container "c0" image "quay.io/x/app:1": registries not allowed: quay.io"#,
        &*format!(r#"audit pinned: container "c1": registry.corp.example/app:1 -> registry.corp.example/app:1@{PINNED}"#),
        r#"audit warned: container "c0": would be refused"#,
    ], &["\"registry.corp.example/app:1\""])]
    // A failed lookup under enforcement: warn is a warning, the image unpinned.
    #[case::warn_pin_failure(pod(&["registry.corp.example/app:missing"]), pin_settings(json!({"enforcement": "warn"})), &[
        "allowed",
        r#"warning: would be refused: container "c0" image "registry.corp.example/app:missing": digest lookup failed: manifest unknown"#,
        r#"audit warned: container "c0": would be refused"#,
    ], &["\"registry.corp.example/app:missing\""])]
    #[case::admit_pin_failure_recorded(pod(&["registry.corp.example/app:missing"]), pin_settings(json!({"onPinFailure": "admit"})), &[
        "allowed",
        r#"warning: container "c0" image "registry.corp.example/app:missing": admitted unpinned, digest lookup failed: manifest unknown"#,
        r#"audit warned: container "c0": admitted unpinned"#,
    ], &["\"registry.corp.example/app:missing\""])]
    fn rollout_pins(
        #[case] request: Value,
        #[case] settings: Value,
        #[case] expected: &[&str],
        #[case] asked: &[&str],
    ) {
        let (lines, got_asked) = told(request, settings);
        assert_eq!(lines, expected);
        assert_eq!(got_asked, asked);
    }
}
