//! Where images live in each kind, and reading them out of an admission request.
//!
//! One pass over the payload: only the keys on the way to the pod spec are
//! visited, everything else is skipped unread, and strings are borrowed from the
//! payload. Adding a kind is one line in [`POD_SPEC_LOCATIONS`].

use std::fmt;

use crate::json::Text;
use crate::json_reader::{Error, Reader};

/// Where each kind keeps its pod spec: API group, kind, path from the object root.
pub const POD_SPEC_LOCATIONS: &[(&str, &str, &[&str])] = &[
    ("", "Pod", &["spec"]),
    ("", "PodTemplate", &["template", "spec"]),
    ("", "ReplicationController", &["spec", "template", "spec"]),
    ("apps", "Deployment", &["spec", "template", "spec"]),
    ("apps", "ReplicaSet", &["spec", "template", "spec"]),
    ("apps", "StatefulSet", &["spec", "template", "spec"]),
    ("apps", "DaemonSet", &["spec", "template", "spec"]),
    ("batch", "Job", &["spec", "template", "spec"]),
    (
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// The path to the pod spec of a kind, or `None` for kinds without one.
pub fn pod_spec_path(group: &str, kind: &str) -> Option<&'static [&'static str]> {
    POD_SPEC_LOCATIONS
        .iter()
        .find(|(g, k, _)| *g == group && *k == kind)
        .map(|(_, _, path)| *path)
}

/// The three lists of containers in a pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerKind {
    /// `containers`
    Container,
    /// `initContainers`
    InitContainer,
    /// `ephemeralContainers`
    EphemeralContainer,
}

impl ContainerKind {
    /// The pod spec field that holds this list.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::InitContainer => "initContainers",
            ContainerKind::EphemeralContainer => "ephemeralContainers",
        }
    }
}

impl fmt::Display for ContainerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContainerKind::Container => "container",
            ContainerKind::InitContainer => "initContainer",
            ContainerKind::EphemeralContainer => "ephemeralContainer",
        })
    }
}

/// One container's image, with where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerImage<'a> {
    /// Which list the container is in.
    pub kind: ContainerKind,
    /// Its position in that list.
    pub index: usize,
    /// The container's name (empty when missing).
    pub name: Text<'a>,
    /// The image string as written (empty when missing, which no parse accepts).
    pub image: Text<'a>,
}

/// The parts of an AdmissionRequest that the policy reads.
#[derive(Debug, Default)]
pub struct AdmissionRequest<'a> {
    /// `request.kind.group`
    pub group: Text<'a>,
    /// `request.kind.kind`
    pub kind: Text<'a>,
    /// `request.operation`: CREATE, UPDATE...
    pub operation: Text<'a>,
    /// Where this kind keeps its pod spec; `None` for kinds the policy does not judge.
    pub pod_spec_path: Option<&'static [&'static str]>,
    /// Images of `request.object`.
    pub images: Vec<ContainerImage<'a>>,
    /// Images of `request.oldObject` (UPDATE only).
    pub old_images: Vec<ContainerImage<'a>>,
}

/// The request fields the policy reads, in the order [`AdmissionRequest::read`] matches them.
const REQUEST_FIELDS: [&str; 4] = ["kind", "operation", "object", "oldObject"];

impl<'a> AdmissionRequest<'a> {
    /// Reads a whole JSON text holding one AdmissionRequest.
    pub fn from_json(json: &'a [u8]) -> Result<Self, Error> {
        let mut r = Reader::new(json);
        let request = Self::read(&mut r)?;
        r.end()?;
        Ok(request)
    }

    /// Reads the AdmissionRequest object at the cursor, in one pass.
    ///
    /// Each field it reads may appear once: a second `object` or `kind` could
    /// otherwise show the policy other images than the ones that are run.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let mut request = AdmissionRequest::default();
        let mut seen = [false; REQUEST_FIELDS.len()];
        // Objects met before `kind` (keys may come in any order) are kept as raw
        // JSON and walked once the kind is known.
        let mut pending: [Option<&'a [u8]>; 2] = [None, None];
        let mut members = r.object("an AdmissionRequest object")?;
        while let Some(field) = members.next_of(r, &REQUEST_FIELDS)? {
            if std::mem::replace(&mut seen[field], true) {
                return Err(format!("duplicate field `{}`", REQUEST_FIELDS[field]));
            }
            match field {
                0 => {
                    let (group, kind) = read_kind(r)?;
                    request.pod_spec_path = pod_spec_path(&group, &kind);
                    request.group = group;
                    request.kind = kind;
                }
                1 => request.operation = optional_text(r)?.unwrap_or_default(),
                _ => {
                    let slot = field - 2;
                    if !seen[0] {
                        pending[slot] = Some(r.raw()?);
                        continue;
                    }
                    let images = match request.pod_spec_path {
                        Some(path) => pod_spec_images(r, path)?,
                        None => {
                            r.skip()?;
                            Vec::new()
                        }
                    };
                    *images_slot(&mut request, slot) = images;
                }
            }
        }
        if let Some(path) = request.pod_spec_path {
            for (slot, raw) in pending.into_iter().enumerate() {
                if let Some(raw) = raw {
                    *images_slot(&mut request, slot) =
                        pod_spec_images(&mut Reader::new(raw), path)?;
                }
            }
        }
        Ok(request)
    }
}

/// `request.kind`: its group and kind (a null or missing one names no kind).
fn read_kind<'a>(r: &mut Reader<'a>) -> Result<(Text<'a>, Text<'a>), Error> {
    let mut fields = [Text::default(), Text::default()];
    if r.null()? {
        return Ok((fields[0].clone(), fields[1].clone()));
    }
    const NAMES: [&str; 2] = ["group", "kind"];
    let mut seen = [false; 2];
    let mut members = r.object("a GroupVersionKind object")?;
    while let Some(i) = members.next_of(r, &NAMES)? {
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("duplicate field `{}`", NAMES[i]));
        }
        fields[i] = Text(r.string("a string")?);
    }
    let [group, kind] = fields;
    Ok((group, kind))
}

/// A string, or `None` for null.
fn optional_text<'a>(r: &mut Reader<'a>) -> Result<Option<Text<'a>>, Error> {
    if r.null()? {
        return Ok(None);
    }
    r.string("a string").map(|s| Some(Text(s)))
}

/// `images` for slot 0 (`object`), `old_images` for slot 1 (`oldObject`).
fn images_slot<'r, 'a>(
    request: &'r mut AdmissionRequest<'a>,
    slot: usize,
) -> &'r mut Vec<ContainerImage<'a>> {
    if slot == 0 {
        &mut request.images
    } else {
        &mut request.old_images
    }
}

/// Follows `path` down from an object to its pod spec and reads its images;
/// a missing or null object, template or spec has none.
fn pod_spec_images<'a>(
    r: &mut Reader<'a>,
    path: &[&str],
) -> Result<Vec<ContainerImage<'a>>, Error> {
    if r.null()? {
        return Ok(Vec::new());
    }
    let Some((next, rest)) = path.split_first() else {
        return read_pod_spec(r);
    };
    let mut found = None;
    let mut members = r.object(format_args!("an object with `{next}`"))?;
    while members.next_of(r, &[next])?.is_some() {
        if found.is_some() {
            return Err(format!("duplicate field `{next}`"));
        } else {
            found = Some(pod_spec_images(r, rest)?);
        }
    }
    Ok(found.unwrap_or_default())
}

/// The image-bearing fields of a pod spec, in [`ContainerKind`] order.
const CONTAINER_LISTS: [(&str, ContainerKind); 3] = [
    ("containers", ContainerKind::Container),
    ("initContainers", ContainerKind::InitContainer),
    ("ephemeralContainers", ContainerKind::EphemeralContainer),
];

/// The names of [`CONTAINER_LISTS`].
const LIST_NAMES: [&str; 3] = [
    CONTAINER_LISTS[0].0,
    CONTAINER_LISTS[1].0,
    CONTAINER_LISTS[2].0,
];

/// Reads the images of a pod spec; every other field is skipped unread. A
/// list given twice is refused, so a second `containers` cannot hide images
/// from the policy.
fn read_pod_spec<'a>(r: &mut Reader<'a>) -> Result<Vec<ContainerImage<'a>>, Error> {
    let mut images = Vec::new();
    let mut seen = [false; 3];
    let mut members = r.object("a pod spec")?;
    while let Some(i) = members.next_of(r, &LIST_NAMES)? {
        let (name, kind) = CONTAINER_LISTS[i];
        if std::mem::replace(&mut seen[i], true) {
            return Err(format!("duplicate field `{name}`"));
        }
        if r.null()? {
            continue;
        }
        let mut elements = r.array(format_args!("a list of {name}"))?;
        let mut index = 0;
        while elements.next(r)? {
            let (name, image) = read_container(r)?;
            images.push(ContainerImage {
                kind,
                index,
                name,
                image,
            });
            index += 1;
        }
    }
    // Lists may come in any order; findings and rewrites follow ContainerKind.
    images.sort_by_key(|c: &ContainerImage| c.kind);
    Ok(images)
}

/// A container's `name` and `image` (empty when missing or null); every other
/// field is skipped unread.
fn read_container<'a>(r: &mut Reader<'a>) -> Result<(Text<'a>, Text<'a>), Error> {
    const NAMES: [&str; 2] = ["name", "image"];
    let mut fields: [Option<Option<Text<'a>>>; 2] = [None, None];
    let mut members = r.object("a container")?;
    while let Some(i) = members.next_of(r, &NAMES)? {
        if fields[i].is_some() {
            return Err(format!("duplicate field `{}`", NAMES[i]));
        }
        fields[i] = Some(optional_text(r)?);
    }
    let [name, image] = fields;
    Ok((
        name.flatten().unwrap_or_default(),
        image.flatten().unwrap_or_default(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// (list, name, image) triples read from a request.
    fn read(request: serde_json::Value) -> Result<Vec<(String, String, String)>, String> {
        let text = request.to_string();
        let parsed: AdmissionRequest = AdmissionRequest::from_json(text.as_bytes())?;
        Ok(parsed
            .images
            .iter()
            .map(|c| {
                (
                    c.kind.to_string(),
                    c.name.0.to_string(),
                    c.image.0.to_string(),
                )
            })
            .collect())
    }

    fn triple(kind: &str, name: &str, image: &str) -> (String, String, String) {
        (kind.to_owned(), name.to_owned(), image.to_owned())
    }

    fn spec() -> serde_json::Value {
        json!({
            "containers": [{"name": "app", "image": "nginx:1.27"}],
            "initContainers": [{"name": "setup", "image": "ghcr.io/acme/setup:1"}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox"}],
            "volumes": [{"name": "x", "emptyDir": {}}]
        })
    }

    fn all() -> Vec<(String, String, String)> {
        vec![
            triple("container", "app", "nginx:1.27"),
            triple("initContainer", "setup", "ghcr.io/acme/setup:1"),
            triple("ephemeralContainer", "debug", "busybox"),
        ]
    }

    #[rstest]
    #[case::pod("", "Pod", json!({"spec": spec()}))]
    #[case::pod_template("", "PodTemplate", json!({"template": {"spec": spec()}}))]
    #[case::replication_controller("", "ReplicationController", json!({"spec": {"template": {"spec": spec()}}}))]
    #[case::deployment("apps", "Deployment", json!({"spec": {"replicas": 3, "template": {"metadata": {}, "spec": spec()}}}))]
    #[case::replica_set("apps", "ReplicaSet", json!({"spec": {"template": {"spec": spec()}}}))]
    #[case::stateful_set("apps", "StatefulSet", json!({"spec": {"template": {"spec": spec()}}}))]
    #[case::daemon_set("apps", "DaemonSet", json!({"spec": {"template": {"spec": spec()}}}))]
    #[case::job("batch", "Job", json!({"spec": {"template": {"spec": spec()}}}))]
    #[case::cron_job("batch", "CronJob", json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": spec()}}}}}))]
    fn reads_every_kind(
        #[case] group: &str,
        #[case] kind: &str,
        #[case] object: serde_json::Value,
    ) {
        let request = json!({"kind": {"group": group, "version": "v1", "kind": kind}, "operation": "CREATE", "object": object});
        assert_eq!(read(request), Ok(all()));
    }

    #[rstest]
    #[case::object_before_kind(json!({"object": {"spec": spec()}, "operation": "CREATE", "kind": {"group": "", "kind": "Pod"}}), all())]
    #[case::other_kind(json!({"kind": {"group": "", "kind": "Service"}, "object": {"spec": {"containers": [{"image": "x"}]}}}), vec![])]
    #[case::same_kind_other_group(json!({"kind": {"group": "example.com", "kind": "Deployment"}, "object": {"spec": {"template": {"spec": spec()}}}}), vec![])]
    #[case::pod_ignores_template(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"template": {"spec": spec()}}}}), vec![])]
    #[case::null_object(json!({"kind": {"group": "", "kind": "Pod"}, "object": null}), vec![])]
    #[case::null_spec(json!({"kind": {"group": "apps", "kind": "Deployment"}, "object": {"spec": {"template": null}}}), vec![])]
    #[case::missing_image(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"containers": [{"name": "app"}]}}}), vec![triple("container", "app", "")])]
    #[case::escaped_image(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"containers": [{"name": "app", "image": "evil.com\u{2f}x"}]}}}), vec![triple("container", "app", "evil.com/x")])]
    fn reads_requests(
        #[case] request: serde_json::Value,
        #[case] expected: Vec<(String, String, String)>,
    ) {
        assert_eq!(read(request), Ok(expected));
    }

    #[rstest]
    #[case::spec_not_object(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": "x"}}), "invalid type: string \"x\"")]
    #[case::containers_not_list(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"containers": {"image": "x"}}}}), "invalid type: map")]
    #[case::image_not_string(json!({"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"containers": [{"image": 5}]}}}), "invalid type: integer `5`")]
    fn refuses_malformed_objects(#[case] request: serde_json::Value, #[case] message: &str) {
        let err = read(request).expect_err("malformed");
        assert!(
            err.contains(message),
            "{err:?} does not contain {message:?}"
        );
    }

    /// Pod spec and container keys are compared as bytes; escaped keys are
    /// decoded first, and a key given twice is refused, never half-read.
    #[rstest]
    #[case::escaped_list_key(r#"{"\u0063ontainers": [{"name": "app", "image": "x"}]}"#, Ok(vec![triple("container", "app", "x")]))]
    #[case::escaped_field_key(r#"{"containers": [{"name": "app", "\u0069mage": "x"}]}"#, Ok(vec![triple("container", "app", "x")]))]
    #[case::lists_in_any_order(r#"{"ephemeralContainers": [{"image": "c"}], "initContainers": [{"image": "b"}], "containers": [{"image": "a"}]}"#, Ok(vec![triple("container", "", "a"), triple("initContainer", "", "b"), triple("ephemeralContainer", "", "c")]))]
    #[case::null_list(r#"{"containers": null, "initContainers": [{"image": "b"}]}"#, Ok(vec![triple("initContainer", "", "b")]))]
    #[case::null_fields(r#"{"containers": [{"name": null, "image": null}]}"#, Ok(vec![triple("container", "", "")]))]
    #[case::lookalike_keys(r#"{"Containers": [{"image": "x"}], "containers": [{"Image": "y", "images": "z"}]}"#, Ok(vec![triple("container", "", "")]))]
    #[case::duplicate_list(
        r#"{"containers": [], "containers": [{"image": "evil.com/x"}]}"#,
        Err("duplicate field `containers`")
    )]
    #[case::duplicate_null_list(
        r#"{"containers": null, "containers": [{"image": "evil.com/x"}]}"#,
        Err("duplicate field `containers`")
    )]
    #[case::duplicate_image(
        r#"{"containers": [{"image": "ghcr.io/x", "image": "evil.com/x"}]}"#,
        Err("duplicate field `image`")
    )]
    #[case::null_container(
        r#"{"containers": [null]}"#,
        Err("invalid type: null, expected a container")
    )]
    fn reads_pod_specs(
        #[case] spec: &str,
        #[case] expected: Result<Vec<(String, String, String)>, &str>,
    ) {
        let text =
            format!(r#"{{"kind": {{"group": "", "kind": "Pod"}}, "object": {{"spec": {spec}}}}}"#);
        let got = AdmissionRequest::from_json(text.as_bytes()).map(|r| {
            r.images
                .iter()
                .map(|c| triple(&c.kind.to_string(), &c.name, &c.image))
                .collect::<Vec<_>>()
        });
        match (got, expected) {
            (Ok(got), Ok(expected)) => assert_eq!(got, expected),
            (Err(e), Err(message)) => assert!(e.to_string().contains(message), "{e}"),
            (got, expected) => panic!("got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn duplicate_path_key_is_refused() {
        let text = r#"{"kind": {"group": "", "kind": "Pod"}, "object": {"spec": {"containers": []}, "spec": {"containers": [{"image": "evil.com/x"}]}}}"#;
        let err = AdmissionRequest::from_json(text.as_bytes()).expect_err("duplicate");
        assert!(err.to_string().contains("duplicate field `spec`"), "{err}");
    }

    #[test]
    fn reads_old_object() {
        let text = json!({"kind": {"group": "", "kind": "Pod"}, "operation": "UPDATE",
            "object": {"spec": {"containers": [{"name": "app", "image": "b"}]}},
            "oldObject": {"spec": {"containers": [{"name": "app", "image": "a"}]}}})
        .to_string();
        let request = AdmissionRequest::from_json(text.as_bytes()).expect("request");
        assert_eq!(&*request.operation, "UPDATE");
        assert_eq!(&*request.old_images[0].image, "a");
        assert_eq!(&*request.images[0].image, "b");
    }
}
