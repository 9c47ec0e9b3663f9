//! The policy's settings: how they are read, checked and turned into rules.
//!
//! Keys follow Kubewarden's `trusted-repos-policy` (`registries`, `tags`,
//! `images`) so its users can switch by changing only the module, plus
//! `requireDigest` and `allowExistingViolations`. Unknown keys are refused: a typo
//! such as `registry:` must not silently turn the policy off.
//!
//! The lists stay raw JSON ([`EntryList`]) until compiled. `validate_settings`
//! checks every entry. `validate` compiles, per request, only the
//! `registries.allow`/`reject` entries that can match the request's images
//! ([`Candidates`]): an invalid entry among those still fails the request
//! (`BadSettings`), one that names other registries or paths is skipped
//! unread, since `validate_settings` refused it when the policy was loaded.

use crate::candidates::{Candidates, Shape};
use crate::entry_scan::EntryList;
use crate::image_pattern::ImagePattern;
use crate::json::Text as Entry;
use crate::json_reader::{field, once, Reader};
use crate::mirror::{Mirrors, RawMirror};
use crate::pin::OnFailure;
use crate::registry::RegistryPattern;
use crate::tag_pattern::TagPattern;

/// Settings exactly as written, strings borrowed from the payload.
#[derive(Default, Debug)]
pub struct RawSettings<'a> {
    /// Registries an image may (or must not) come from, or is warned about.
    pub registries: Option<Lists<'a>>,
    /// Tags that are refused, or warned about (`allow` is never set).
    pub tags: Option<Lists<'a>>,
    /// Single images (or globs) that are allowed, refused or warned about.
    pub images: Option<Lists<'a>>,
    /// Images (or globs) that skip every rule.
    pub exempt_images: Option<EntryList<'a>>,
    /// `deny` (default) or `warn`: what a broken rule does.
    pub enforcement: Option<Entry<'a>>,
    /// Text appended to every refusal and warning: where to ask.
    pub hint: Option<Entry<'a>>,
    /// Every image must be pinned by digest.
    pub require_digest: Option<bool>,
    /// On UPDATE, images already in `oldObject` are not judged again.
    pub allow_existing_violations: Option<bool>,
    /// Registries to rewrite to trusted mirrors (makes the policy mutating).
    pub mirrors: Option<Vec<RawMirror<'a>>>,
    /// Pin every admitted image to the digest its tag names (makes the policy mutating).
    pub pin_digests: Option<bool>,
    /// What a failed digest lookup does: `reject` (default) or `admit`.
    pub on_pin_failure: Option<Entry<'a>>,
}

/// The `allow`, `reject` and `warn` lists of one key.
#[derive(Default, Debug)]
pub struct Lists<'a> {
    /// Entries that admit.
    pub allow: Option<EntryList<'a>>,
    /// Entries that refuse; they win over `allow`.
    pub reject: Option<EntryList<'a>>,
    /// Entries that admit with a warning.
    pub warn: Option<EntryList<'a>>,
}

/// What a broken rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Enforcement {
    /// Refuse the request (the default).
    #[default]
    Deny,
    /// Admit it, the refusal turned into a warning (unreadable images are still refused).
    Warn,
}

/// The longest `hint`: it is repeated in every refusal and warning.
pub const HINT_MAX: usize = 200;

/// Settings checked and compiled into what the validation compares against.
#[derive(Debug, Default)]
pub struct Rules<'a> {
    /// True when `registries.allow` has entries: an image must match one.
    pub registries_allow_set: bool,
    /// The `registries.allow` entries compiled (all, or those that can match the request).
    pub registries_allow: Vec<RegistryPattern<'a>>,
    /// Registries an image must not come from.
    pub registries_reject: Vec<RegistryPattern<'a>>,
    /// Tags that are refused.
    pub tags_reject: Vec<TagPattern<'a>>,
    /// Images that are admitted (empty: no such rule).
    pub images_allow: Vec<ImagePattern<'a>>,
    /// Images that are refused.
    pub images_reject: Vec<ImagePattern<'a>>,
    /// Registries admitted with a warning.
    pub registries_warn: Vec<RegistryPattern<'a>>,
    /// Tags admitted with a warning.
    pub tags_warn: Vec<TagPattern<'a>>,
    /// Images admitted with a warning.
    pub images_warn: Vec<ImagePattern<'a>>,
    /// Images that skip every rule.
    pub exempt_images: Vec<ImagePattern<'a>>,
    /// What a broken rule does.
    pub enforcement: Enforcement,
    /// Appended to every refusal and warning.
    pub hint: Option<&'a str>,
    /// Every image must have a digest.
    pub require_digest: bool,
    /// On UPDATE, skip images that `oldObject` already had.
    pub allow_existing_violations: bool,
    /// Registry rewrites, applied before every other rule.
    pub mirrors: Mirrors<'a>,
    /// Pin admitted images to their digests.
    pub pin_digests: bool,
    /// What a failed digest lookup does.
    pub on_pin_failure: OnFailure,
}

impl<'a> Rules<'a> {
    /// Checks every entry and compiles the rules, or lists every problem found,
    /// each naming its entry.
    pub fn from_raw(raw: &'a RawSettings<'_>) -> Result<Rules<'a>, String> {
        Self::compile_for(raw, None)
    }

    /// Compiles the rules for one request, whose images' registries are
    /// `first_look` (see [`Candidates`]).
    ///
    /// Settings arrive with every request and each request runs in a fresh
    /// instance, so compiling 1,000 registry entries per request would dominate
    /// its cost. Entries that cannot match these images are skipped unread.
    pub fn for_images(
        raw: &'a RawSettings<'_>,
        first_look: Candidates<'a>,
    ) -> Result<Rules<'a>, String> {
        Self::compile_for(raw, Some(first_look))
    }

    fn compile_for(
        raw: &'a RawSettings<'_>,
        first_look: Option<Candidates<'a>>,
    ) -> Result<Rules<'a>, String> {
        let mut errors = Vec::new();
        // The allow lists' wildcards are checked when the settings are loaded;
        // a request only compiles entries that were.
        let loading = first_look.is_none();
        let mirrors = Mirrors::compile(raw.mirrors.as_deref().unwrap_or_default(), &mut errors);
        // Rewritten images land on a mirror's host: its entries are candidates too.
        let candidates = first_look.map(|mut c| {
            c.add_rewrite_targets(mirrors.target_hosts());
            c
        });
        let registries = raw.registries.as_ref();
        let images = raw.images.as_ref();
        let registries_allow = registries.and_then(|r| r.allow.as_ref());
        let registry_candidate = |entry: &[u8], shape: Shape| {
            candidates
                .as_ref()
                .is_none_or(|c| c.may_match(entry, shape))
        };
        // The lists were sifted by the images' registries as they were read:
        // enough, unless mirrors add the registries they rewrite to.
        let sifted_suffices = candidates.is_some() && mirrors.is_empty();
        let rules = Rules {
            registries_allow_set: registries_allow.is_some_and(|l| !l.is_empty()),
            registries_allow: compile(
                "registries.allow",
                registries_allow,
                registry_candidate,
                sifted_suffices,
                allowing(
                    RegistryPattern::parse_after,
                    RegistryPattern::check_allow,
                    loading,
                ),
                &mut errors,
            ),
            registries_reject: compile(
                "registries.reject",
                registries.and_then(|r| r.reject.as_ref()),
                registry_candidate,
                sifted_suffices,
                RegistryPattern::parse_after,
                &mut errors,
            ),
            tags_reject: compile(
                "tags.reject",
                raw.tags.as_ref().and_then(|t| t.reject.as_ref()),
                |_, _| true,
                false,
                |e, _| TagPattern::parse(e),
                &mut errors,
            ),
            images_allow: compile(
                "images.allow",
                images.and_then(|i| i.allow.as_ref()),
                |_, _| true,
                false,
                allowing(
                    |e, _| ImagePattern::parse(e),
                    ImagePattern::check_allow,
                    loading,
                ),
                &mut errors,
            ),
            images_reject: compile(
                "images.reject",
                images.and_then(|i| i.reject.as_ref()),
                |_, _| true,
                false,
                |e, _| ImagePattern::parse(e),
                &mut errors,
            ),
            registries_warn: compile(
                "registries.warn",
                registries.and_then(|r| r.warn.as_ref()),
                registry_candidate,
                sifted_suffices,
                RegistryPattern::parse_after,
                &mut errors,
            ),
            tags_warn: compile(
                "tags.warn",
                raw.tags.as_ref().and_then(|t| t.warn.as_ref()),
                |_, _| true,
                false,
                |e, _| TagPattern::parse(e),
                &mut errors,
            ),
            images_warn: compile(
                "images.warn",
                images.and_then(|i| i.warn.as_ref()),
                |_, _| true,
                false,
                |e, _| ImagePattern::parse(e),
                &mut errors,
            ),
            exempt_images: compile(
                "exemptImages",
                raw.exempt_images.as_ref(),
                |_, _| true,
                false,
                allowing(
                    |e, _| ImagePattern::parse(e),
                    ImagePattern::check_allow,
                    loading,
                ),
                &mut errors,
            ),
            enforcement: match raw.enforcement.as_deref() {
                None | Some("deny") => Enforcement::Deny,
                Some("warn") => Enforcement::Warn,
                Some(other) => {
                    errors.push(format!(
                        "enforcement \"{}\": expected deny or warn",
                        other.escape_debug()
                    ));
                    Enforcement::Deny
                }
            },
            hint: raw.hint.as_deref().and_then(|hint| match check_hint(hint) {
                Ok(()) => Some(hint),
                Err(why) => {
                    errors.push(why);
                    None
                }
            }),
            require_digest: raw.require_digest.unwrap_or(false),
            allow_existing_violations: raw.allow_existing_violations.unwrap_or(true),
            mirrors,
            pin_digests: raw.pin_digests.unwrap_or(false),
            on_pin_failure: match raw.on_pin_failure.as_deref().map(OnFailure::parse) {
                None => OnFailure::default(),
                Some(Ok(on_failure)) => on_failure,
                Some(Err(why)) => {
                    errors.push(why);
                    OnFailure::default()
                }
            },
        };
        let allow_list = |list: Option<&EntryList>| list.is_some_and(|l| !l.is_empty());
        if rules.pin_digests
            && !allow_list(registries.and_then(|r| r.allow.as_ref()))
            && !allow_list(images.and_then(|i| i.allow.as_ref()))
        {
            // Pinning contacts the image's registry: without an allow list, a Pod
            // could make policy-server send requests to any host it names.
            errors.push(
                "pinDigests: true needs registries.allow or images.allow, so that digest \
                 lookups only ever reach registries you chose"
                    .to_owned(),
            );
        }
        if loading {
            rules.check_warn_lists(&mut errors);
        }
        if errors.is_empty() && !raw.has_any_rule() {
            errors.push(
                "no rule is set, so every image would be admitted: set at least one of \
                 registries.allow, registries.reject, tags.reject, images.allow, \
                 images.reject, a warn list, or requireDigest: true"
                    .to_owned(),
            );
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(errors.join("; "))
        }
    }
}

impl RawSettings<'_> {
    /// True when at least one rule can refuse an image.
    fn has_any_rule(&self) -> bool {
        let set = |list: Option<&EntryList>| list.is_some_and(|l| !l.is_empty());
        let registries = self.registries.as_ref();
        let images = self.images.as_ref();
        set(registries.and_then(|r| r.allow.as_ref()))
            || set(registries.and_then(|r| r.reject.as_ref()))
            || set(self.tags.as_ref().and_then(|t| t.reject.as_ref()))
            || set(images.and_then(|i| i.allow.as_ref()))
            || set(images.and_then(|i| i.reject.as_ref()))
            || set(registries.and_then(|r| r.warn.as_ref()))
            || set(self.tags.as_ref().and_then(|t| t.warn.as_ref()))
            || set(images.and_then(|i| i.warn.as_ref()))
            || self.require_digest == Some(true)
    }
}

/// A hint is one short line: it is appended to every refusal and warning.
fn check_hint(hint: &str) -> Result<(), String> {
    let why = if hint.trim().is_empty() {
        "empty: leave it out, or say where to ask, like a wiki page or a channel"
    } else if hint.chars().count() > HINT_MAX {
        "longer than 200 characters: it is repeated in every refusal and warning, link to a page instead"
    } else if hint.chars().any(char::is_control) {
        "holds a line break or control character: kubectl shows one line"
    } else {
        return Ok(());
    };
    Err(format!("hint \"{}\": {why}", hint.escape_debug()))
}

impl Rules<'_> {
    /// Refuses a warn entry that could never warn, because the allow or
    /// reject lists refuse every image it names.
    fn check_warn_lists(&self, errors: &mut Vec<String>) {
        for (i, warn) in self.registries_warn.iter().enumerate() {
            if !warn.is_exact_host() {
                continue;
            }
            let allowed = !self.registries_allow_set
                || self.registries_allow.iter().any(|a| a.overlaps(warn));
            let rejected = self.registries_reject.iter().any(|r| r.covers(warn));
            if !allowed || rejected {
                errors.push(format!(
                    "registries.warn[{i}] \"{}\": {} refuses every image there, so it could never warn: {}",
                    warn.text().escape_debug(),
                    if rejected { "registries.reject" } else { "registries.allow" },
                    if rejected { "remove it from one of the two lists" } else { "add it to registries.allow too" },
                ));
            }
        }
        for (i, warn) in self.tags_warn.iter().enumerate() {
            if self.tags_reject.iter().any(|r| r.covers(warn)) {
                errors.push(format!(
                    "tags.warn[{i}] \"{}\": tags.reject refuses every tag it names, so it could never warn",
                    warn.text().escape_debug()
                ));
            }
        }
    }
}

/// An allow list's parser: when `loading` the settings, an entry whose
/// wildcard reaches a registry the admin did not write out is refused too.
fn allowing<'a, T>(
    parse: impl Fn(&'a str, Option<&T>) -> Result<T, String>,
    check: fn(&T) -> Result<(), String>,
    loading: bool,
) -> impl Fn(&'a str, Option<&T>) -> Result<T, String> {
    move |entry, last| {
        let pattern = parse(entry, last)?;
        if loading {
            check(&pattern)?;
        }
        Ok(pattern)
    }
}

/// Parses the entries of one list that `keep(entry, shape)` selects,
/// recording `list[i] "entry": why` for each failure, or serde_json's words
/// (as when the whole settings were read at once) when it is not a list of strings.
fn compile<'a, T>(
    list: &str,
    entries: Option<&'a EntryList<'_>>,
    keep: impl Fn(&[u8], Shape) -> bool,
    sifted_suffices: bool,
    parse: impl Fn(&'a str, Option<&T>) -> Result<T, String>,
    errors: &mut Vec<String>,
) -> Vec<T> {
    let Some(entries) = entries else {
        return Vec::new();
    };
    let selected = match entries.select(keep, sifted_suffices) {
        Ok(selected) => selected,
        Err(why) => {
            errors.push(why);
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(selected.len());
    for (i, text) in selected {
        match parse(text, out.last()) {
            Ok(item) => out.push(item),
            Err(why) => errors.push(format!("{list}[{i}] \"{}\": {why}", text.escape_debug())),
        }
    }
    out
}

/// Reads settings JSON and checks them: the message names every bad entry.
pub fn check(json: &[u8]) -> Result<(), String> {
    let raw = RawSettings::from_json(json)?;
    Rules::from_raw(&raw).map(|_| ())
}

/// The keys of the settings, in the order [`RawSettings::read`] matches them.
const SETTINGS_KEYS: [&str; 11] = [
    "registries",
    "tags",
    "images",
    "requireDigest",
    "allowExistingViolations",
    "mirrors",
    "pinDigests",
    "onPinFailure",
    "exemptImages",
    "enforcement",
    "hint",
];

impl<'a> RawSettings<'a> {
    /// Reads a whole JSON text of settings; `null` is no settings, which set no rule.
    pub fn from_json(json: &'a [u8]) -> Result<RawSettings<'a>, String> {
        let mut r = Reader::new(json);
        let settings = Self::read(&mut r, None)?;
        r.end()?;
        Ok(settings.unwrap_or_default())
    }

    /// Reads the settings at the cursor (`None` for null), lists kept raw.
    ///
    /// Unknown keys are refused (a typo such as `registry:` must not turn the
    /// policy off), and so are keys given twice; messages use serde's words.
    /// A `first_look` (the request's registries) sifts the registry lists
    /// while they are read.
    pub fn read(
        r: &mut Reader<'a>,
        first_look: Option<&Candidates<'_>>,
    ) -> Result<Option<RawSettings<'a>>, String> {
        r.optional(|r| {
            let mut settings = RawSettings::default();
            let mut seen = [false; SETTINGS_KEYS.len()];
            let mut members = r.object("a map of settings")?;
            while let Some(key) = members.next_key(r)? {
                let i = field(&key, &SETTINGS_KEYS)?;
                once(&mut seen, i, &SETTINGS_KEYS)?;
                match i {
                    0 => {
                        settings.registries =
                            read_lists(r, &["allow", "reject", "warn"], first_look)?
                    }
                    1 => settings.tags = read_lists(r, &["reject", "warn"], None)?,
                    2 => settings.images = read_lists(r, &["allow", "reject", "warn"], None)?,
                    3 => settings.require_digest = r.optional(|r| r.bool("a boolean"))?,
                    4 => {
                        settings.allow_existing_violations = r.optional(|r| r.bool("a boolean"))?
                    }
                    5 => settings.mirrors = r.optional(RawMirror::read_list)?,
                    6 => settings.pin_digests = r.optional(|r| r.bool("a boolean"))?,
                    7 => {
                        settings.on_pin_failure = r.optional(|r| r.string("a string").map(Entry))?
                    }
                    8 => settings.exempt_images = r.optional(|r| EntryList::read(r, None))?,
                    9 => settings.enforcement = r.optional(|r| r.string("a string").map(Entry))?,
                    _ => settings.hint = r.optional(|r| r.string("a string").map(Entry))?,
                }
            }
            Ok(settings)
        })
    }
}

/// `{"allow": [...], "reject": [...], "warn": [...]}` with the given keys,
/// lists kept raw; or null.
fn read_lists<'a>(
    r: &mut Reader<'a>,
    keys: &[&str],
    first_look: Option<&Candidates<'_>>,
) -> Result<Option<Lists<'a>>, String> {
    r.optional(|r| {
        let mut lists = Lists::default();
        let mut seen = [false; 3];
        let mut members = r.object("a map of lists")?;
        while let Some(key) = members.next_key(r)? {
            let i = field(&key, keys)?;
            once(&mut seen, i, keys)?;
            let list = r.optional(|r| EntryList::read(r, first_look))?;
            match keys.get(i) {
                Some(&"allow") => lists.allow = list,
                Some(&"reject") => lists.reject = list,
                _ => lists.warn = list,
            }
        }
        Ok(lists)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[rstest]
    #[case::registries_allow(json!({"registries": {"allow": ["docker.io", "ghcr.io/acme", "*.mirror.corp.example", "[fd00::1]:5000", "localhost:5000"]}}))]
    #[case::registries_reject(json!({"registries": {"reject": ["docker.io"]}}))]
    #[case::allow_and_reject_together(json!({"registries": {"allow": ["ghcr.io"], "reject": ["ghcr.io/evil"]}}))]
    #[case::tags_only(json!({"tags": {"reject": ["latest"]}}))]
    #[case::images_only(json!({"images": {"allow": ["nginx", "quay.io/coreos/etcd:v3.4.12", "ghcr.io/acme/*"]}}))]
    #[case::digest_only(json!({"requireDigest": true}))]
    #[case::nulls_from_yaml(json!({"registries": {"allow": ["ghcr.io"], "reject": null}, "tags": null}))]
    #[case::mirrors(json!({"registries": {"allow": ["harbor.corp.example"]}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example/dockerhub"}]}))]
    #[case::pin_digests(json!({"registries": {"allow": ["registry.corp.example"]}, "pinDigests": true}))]
    #[case::pin_digests_admit(json!({"images": {"allow": ["registry.corp.example/shop/*"]}, "pinDigests": true, "onPinFailure": "admit"}))]
    #[case::pin_digests_reject(json!({"registries": {"allow": ["registry.corp.example"]}, "pinDigests": true, "onPinFailure": "reject"}))]
    // The rollout keys (issue's example, as written).
    #[case::rollout(json!({"registries": {"allow": ["registry.corp.example", "k8s.gcr.io", "docker.io"], "warn": ["k8s.gcr.io", "docker.io"]}, "tags": {"reject": ["latest"], "warn": ["*-rc*"]}, "images": {"warn": ["ghcr.io/acme/legacy-*"]}, "exemptImages": ["docker.io/library/busybox:1.36"], "enforcement": "warn", "hint": "Registry policy: https://wiki.corp.example/registries, #platform-help"}))]
    #[case::warn_list_alone(json!({"registries": {"warn": ["docker.io"]}}))]
    #[case::warn_under_allowed_path(json!({"registries": {"allow": ["ghcr.io"], "warn": ["ghcr.io/acme/legacy"]}}))]
    #[case::warn_beside_narrower_reject(json!({"registries": {"reject": ["ghcr.io/acme/evil"], "warn": ["ghcr.io"]}}))]
    #[case::exempt_globs(json!({"tags": {"reject": ["latest"]}, "exemptImages": ["docker.io/library/busybox:*", "*.corp.example/debug/*"]}))]
    #[case::enforcement_deny(json!({"tags": {"reject": ["latest"]}, "enforcement": "deny"}))]
    #[case::hint_at_the_limit(json!({"tags": {"reject": ["latest"]}, "hint": "h".repeat(HINT_MAX)}))]
    // trusted-repos' own settings forms.
    #[case::trusted_repos_tag_globs(json!({"tags": {"reject": ["latest", "*-rc*", "*-SNAPSHOT", "v?.0"]}}))]
    #[case::trusted_repos_registry_globs(json!({"registries": {"allow": ["registry-?.corp.example", "registry-*.corp.example"]}}))]
    // Wildcards under a domain the admin names keep loading.
    #[case::allow_subdomains(json!({"registries": {"allow": ["*.corp.example"]}, "images": {"allow": ["*.corp.example/*"]}}))]
    #[case::allow_label_glob(json!({"registries": {"allow": ["registry-?.corp.example"]}}))]
    #[case::allow_tenant_named(json!({"registries": {"allow": ["myorg.azurecr.io", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"]}}))]
    #[case::allow_private_use(json!({"registries": {"allow": ["*.internal", "*.svc.cluster.local", "*.home.arpa", "*.local", "*.localhost"]}}))]
    // Reject lists are not limited: a wildcard there only refuses more.
    #[case::reject_public_suffix(json!({"registries": {"reject": ["*.io", "docker.*", "*.azurecr.io"]}}))]
    #[case::reject_any_registry(json!({"images": {"reject": ["*/evil/*", "*.io/x/*"]}}))]
    #[case::trusted_repos_image_globs(json!({"images": {"allow": ["docker.io/library/ngin?:*", "quay.io/coreos/etcd:v3.4.?"], "reject": ["ghcr.io/acme/*:*-rc?"]}}))]
    fn accepts(#[case] settings: serde_json::Value) {
        let bytes = serde_json::to_vec(&settings).expect("json");
        assert_eq!(check(&bytes), Ok(()));
    }

    #[rstest]
    #[case::empty(json!({}), "no rule is set")]
    #[case::empty_lists(json!({"registries": {"allow": []}, "tags": {"reject": []}}), "no rule is set")]
    #[case::digest_false(json!({"requireDigest": false}), "no rule is set")]
    #[case::typo_key(json!({"registry": {"allow": ["ghcr.io"]}}), "unknown field `registry`")]
    #[case::typo_nested(json!({"registries": {"allowed": ["ghcr.io"]}}), "unknown field `allowed`")]
    #[case::tags_allow(json!({"tags": {"allow": ["v1"]}}), "unknown field `allow`")]
    #[case::wrong_type(json!({"registries": {"allow": "ghcr.io"}}), "invalid type: string \"ghcr.io\", expected a sequence")]
    #[case::wrong_item_type(json!({"registries": {"allow": [5]}}), "invalid type: integer `5`, expected a string")]
    #[case::wrong_bool(json!({"requireDigest": "yes"}), "invalid type: string \"yes\", expected a boolean")]
    #[case::bad_registry(json!({"registries": {"allow": ["ghcr.io", "docker.io/"]}}), "registries.allow[1] \"docker.io/\": empty path component")]
    #[case::empty_string(json!({"registries": {"reject": [""]}}), "registries.reject[0] \"\": empty entry")]
    #[case::wildcard(json!({"registries": {"allow": ["*"]}}), "registries.allow[0] \"*\": wildcards alone would admit every registry")]
    #[case::bad_tag(json!({"tags": {"reject": ["-x"]}}), "tags.reject[0] \"-x\": not a valid tag")]
    #[case::bad_image(json!({"images": {"reject": ["Nginx"]}}), "images.reject[0] \"Nginx\": invalid reference format: the repository name must be lowercase")]
    #[case::bad_image_tag(json!({"images": {"allow": ["x:1.0.0+rc1"]}}), "images.allow[0] \"x:1.0.0+rc1\": invalid reference format: invalid tag \"1.0.0+rc1\"")]
    // Entries that could never match anything are refused, in every list.
    #[case::inert_tag_glob(json!({"tags": {"reject": ["*+build*"]}}), "tags.reject[0] \"*+build*\": '+' never appears in a tag")]
    #[case::inert_image_glob(json!({"images": {"allow": ["ghcr.io/Acme/*"]}}), "images.allow[0] \"ghcr.io/Acme/*\": the repository path must be lowercase")]
    #[case::inert_image_glob_reject(json!({"images": {"reject": ["docker.io/library/ngin!*"]}}), "images.reject[0] \"docker.io/library/ngin!*\": '!' never appears in an image reference")]
    #[case::inert_registry_glob(json!({"registries": {"reject": ["registry_*.corp.example"]}}), "registries.reject[0] \"registry_*.corp.example\": '_' never appears in a host name")]
    #[case::inert_registry_path(json!({"registries": {"allow": ["ghcr.io/Acme"]}}), "registries.allow[0] \"ghcr.io/Acme\": the path must be lowercase")]
    #[case::every_registry(json!({"registries": {"allow": ["*.*"]}}), "registries.allow[0] \"*.*\": wildcards alone would admit every registry")]
    // Allow-list wildcards that reach registries the admin did not write out.
    #[case::glob_crosses_domain(json!({"images": {"allow": ["ghcr.io/acme/*", "ghcr.io*/acme/*"]}}), "images.allow[1] \"ghcr.io*/acme/*\": a wildcard in the last label matches every top-level domain, including ones others register: write the domain out, like docker.io")]
    #[case::glob_any_registry(json!({"images": {"allow": ["*/acme/*"]}}), "images.allow[0] \"*/acme/*\": wildcards alone would admit every registry: name the registry, like ghcr.io/acme/*")]
    #[case::public_suffix(json!({"registries": {"allow": ["*.io"]}}), "registries.allow[0] \"*.io\": \"io\" is a public suffix, under which anyone can register a name: write your own domain out, like *.example.io or registry.example.io")]
    #[case::public_suffix_two_labels(json!({"registries": {"allow": ["*.co.uk"]}}), "registries.allow[0] \"*.co.uk\": \"co.uk\" is a public suffix")]
    #[case::every_tld(json!({"registries": {"allow": ["docker.*"]}}), "registries.allow[0] \"docker.*\": a wildcard in the last label matches every top-level domain")]
    #[case::tenant(json!({"registries": {"allow": ["*.azurecr.io"]}}), "registries.allow[0] \"*.azurecr.io\": admits every Azure customer's registry: name yours, like myorg.azurecr.io")]
    #[case::tenant_ecr(json!({"registries": {"allow": ["*.dkr.ecr.*.amazonaws.com"]}}), "registries.allow[0] \"*.dkr.ecr.*.amazonaws.com\": admits every Amazon ECR customer's registry")]
    // The rollout keys.
    #[case::warn_typo(json!({"registries": {"warned": ["docker.io"]}}), "unknown field `warned`, expected one of `allow`, `reject`, `warn`")]
    #[case::tags_allow_still_unknown(json!({"tags": {"allow": ["v1"]}}), "unknown field `allow`, expected `reject` or `warn`")]
    #[case::warn_entry_checked(json!({"registries": {"warn": ["docker.io/"]}}), "registries.warn[0] \"docker.io/\": empty path component")]
    #[case::warn_never_allowed(json!({"registries": {"allow": ["registry.corp.example"], "warn": ["k8s.gcr.io"]}}), "registries.warn[0] \"k8s.gcr.io\": registries.allow refuses every image there, so it could never warn: add it to registries.allow too")]
    #[case::warn_always_rejected(json!({"registries": {"reject": ["docker.io"], "warn": ["docker.io/library"]}}), "registries.warn[0] \"docker.io/library\": registries.reject refuses every image there, so it could never warn: remove it from one of the two lists")]
    #[case::tag_warn_always_rejected(json!({"tags": {"reject": ["*-rc*"], "warn": ["1.0-rc1"]}}), "tags.warn[0] \"1.0-rc1\": tags.reject refuses every tag it names, so it could never warn")]
    #[case::tag_warn_bad(json!({"tags": {"warn": ["-x"]}}), "tags.warn[0] \"-x\": not a valid tag")]
    #[case::image_warn_inert(json!({"images": {"warn": ["ghcr.io/Acme/*"]}}), "images.warn[0] \"ghcr.io/Acme/*\": the repository path must be lowercase")]
    #[case::exempt_any_registry(json!({"tags": {"reject": ["latest"]}, "exemptImages": ["*/debug/*"]}), "exemptImages[0] \"*/debug/*\": wildcards alone would admit every registry")]
    #[case::exempt_public_suffix(json!({"tags": {"reject": ["latest"]}, "exemptImages": ["*.io/debug/*"]}), "exemptImages[0] \"*.io/debug/*\": \"io\" is a public suffix")]
    #[case::exempt_inert(json!({"tags": {"reject": ["latest"]}, "exemptImages": ["ghcr.io/Acme/*"]}), "exemptImages[0] \"ghcr.io/Acme/*\": the repository path must be lowercase, so this glob matches nothing")]
    #[case::exempt_empty(json!({"tags": {"reject": ["latest"]}, "exemptImages": [""]}), "exemptImages[0] \"\": invalid reference format: the image name is empty")]
    #[case::exempt_alone(json!({"exemptImages": ["busybox:1.36"]}), "no rule is set")]
    #[case::enforcement_typo(json!({"tags": {"reject": ["latest"]}, "enforcement": "audit"}), "enforcement \"audit\": expected deny or warn")]
    #[case::hint_empty(json!({"tags": {"reject": ["latest"]}, "hint": " "}), "hint \" \": empty: leave it out, or say where to ask")]
    #[case::hint_long(json!({"tags": {"reject": ["latest"]}, "hint": "h".repeat(HINT_MAX + 1)}), "longer than 200 characters")]
    #[case::hint_two_lines(json!({"tags": {"reject": ["latest"]}, "hint": "ask\nus"}), "hint \"ask\\nus\": holds a line break or control character")]
    #[case::hint_not_string(json!({"tags": {"reject": ["latest"]}, "hint": 5}), "invalid type: integer `5`, expected a string")]
    #[case::pin_without_allow_list(json!({"registries": {"reject": ["docker.io"]}, "pinDigests": true}), "pinDigests: true needs registries.allow or images.allow")]
    #[case::pin_alone(json!({"pinDigests": true}), "pinDigests: true needs registries.allow or images.allow")]
    #[case::pin_failure_typo(json!({"registries": {"allow": ["ghcr.io"]}, "pinDigests": true, "onPinFailure": "ignore"}), "onPinFailure \"ignore\": expected reject or admit")]
    #[case::pin_digests_not_bool(json!({"registries": {"allow": ["ghcr.io"]}, "pinDigests": "yes"}), "invalid type: string \"yes\", expected a boolean")]
    #[case::mirrors_alone(json!({"mirrors": [{"from": "docker.io", "to": "harbor.corp.example"}]}), "no rule is set")]
    #[case::mirror_typo(json!({"registries": {"allow": ["a.example"]}, "mirrors": [{"from": "docker.io", "into": "harbor.corp.example"}]}), "unknown field `into`, expected `from` or `to`")]
    #[case::mirror_bad_target(json!({"registries": {"allow": ["a.example"]}, "mirrors": [{"from": "docker.io", "to": "harbor.corp.example:x"}]}), "mirrors[0].to \"harbor.corp.example:x\": \"x\" is not a port number")]
    #[case::lists_every_error(json!({"registries": {"allow": ["a_b.com"]}, "images": {"allow": ["nginx:*"]}}), "registries.allow[0] \"a_b.com\": \"a_b.com\" is not a valid host name (letters, digits, inner hyphens, dot-separated labels); images.allow[0] \"nginx:*\": a glob must name its registry")]
    fn refuses(#[case] settings: serde_json::Value, #[case] message: &str) {
        let bytes = serde_json::to_vec(&settings).expect("json");
        let err = check(&bytes).expect_err("invalid settings");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    /// Entries with JSON escapes are decoded before they are read: `\/` is `/`,
    /// `\u002e` is `.`.
    #[test]
    fn escaped_entries_are_decoded() {
        let json = br#"{"registries": {"allow": ["ghcr\u002eio\/acme"]}}"#;
        assert_eq!(check(json), Ok(()));
        let raw = RawSettings::from_json(json).expect("json");
        let rules = Rules::from_raw(&raw).expect("valid");
        let image = crate::reference::parse("ghcr.io/acme/app:1").expect("image");
        assert!(rules.registries_allow.iter().any(|p| p.matches(&image)));
        let other = crate::reference::parse("ghcr.io/other/app:1").expect("image");
        assert!(!rules.registries_allow.iter().any(|p| p.matches(&other)));
    }

    #[test]
    fn not_json_is_refused() {
        let err = check(b"registries: [").expect_err("not json");
        assert!(err.starts_with("expected value"), "{err}");
    }

    #[test]
    fn defaults() {
        let raw = RawSettings::from_json(br#"{"tags": {"reject": ["latest"]}}"#).expect("json");
        let rules = Rules::from_raw(&raw).expect("valid");
        assert!(rules.allow_existing_violations);
        assert!(!rules.require_digest);
        assert!(!rules.pin_digests);
        assert_eq!(rules.on_pin_failure, OnFailure::Reject);
    }
}
