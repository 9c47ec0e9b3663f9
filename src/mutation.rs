//! Writing mirrored images back into the object, touching nothing else.

use serde_json::Value;

use crate::json::describe_json_error;
use crate::json_reader::Reader;
use crate::workload::ContainerKind;

/// One container whose image is to be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// Which list the container is in.
    pub kind: ContainerKind,
    /// Its position in that list.
    pub index: usize,
    /// The image to write.
    pub image: String,
}

/// The request's object with each rewritten image in place. The payload is read a
/// second time, as a whole, only when something is rewritten.
pub fn apply(
    payload: &[u8],
    pod_spec_path: &[&str],
    rewrites: &[Rewrite],
) -> Result<Value, String> {
    let object = find(payload, &["request", "object"])?.ok_or("missing field `object`")?;
    let mut object: Value = serde_json::from_slice(object).map_err(|e| describe_json_error(&e))?;
    for rewrite in rewrites {
        let mut pointer = String::new();
        for segment in pod_spec_path {
            pointer.push('/');
            pointer.push_str(segment);
        }
        pointer.push('/');
        pointer.push_str(rewrite.kind.field());
        pointer.push('/');
        pointer.push_str(&rewrite.index.to_string());
        pointer.push_str("/image");
        let slot = object
            .pointer_mut(&pointer)
            .ok_or_else(|| format!("no image at {pointer}"))?;
        *slot = Value::String(rewrite.image.clone());
    }
    Ok(object)
}

/// The JSON text at `path` from the payload's root, if there is one.
fn find<'p>(payload: &'p [u8], path: &[&str]) -> Result<Option<&'p [u8]>, String> {
    let mut r = Reader::new(payload);
    let mut found = None;
    for name in path {
        found = None;
        let mut members = r.object("a map")?;
        while let Some(key) = members.next_key(&mut r)? {
            if key.as_ref() == name.as_bytes() {
                found = Some(r.pos());
                break;
            }
            r.skip()?;
        }
        if found.is_none() {
            return Ok(None);
        }
    }
    found.map(|_| r.raw()).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn payload(object: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"request": {"object": object}, "settings": {}})).expect("json")
    }

    fn rewrite(kind: ContainerKind, index: usize, image: &str) -> Rewrite {
        Rewrite {
            kind,
            index,
            image: image.to_owned(),
        }
    }

    #[rstest]
    #[case::pod_container(
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "nginx", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "ghcr.io/x"}]}}),
        &["spec"],
        vec![rewrite(ContainerKind::Container, 0, "harbor.example/hub/library/nginx")],
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "harbor.example/hub/library/nginx", "env": [{"name": "X", "value": "1"}]}, {"name": "b", "image": "ghcr.io/x"}]}}),
    )]
    #[case::deployment_init_and_ephemeral(
        json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [{"image": "a"}], "initContainers": [{"image": "b"}], "ephemeralContainers": [{"image": "c"}]}}}}),
        &["spec", "template", "spec"],
        vec![rewrite(ContainerKind::InitContainer, 0, "m/b"), rewrite(ContainerKind::EphemeralContainer, 0, "m/c")],
        json!({"spec": {"replicas": 2, "template": {"spec": {"containers": [{"image": "a"}], "initContainers": [{"image": "m/b"}], "ephemeralContainers": [{"image": "m/c"}]}}}}),
    )]
    fn only_images_change(
        #[case] object: Value,
        #[case] path: &[&str],
        #[case] rewrites: Vec<Rewrite>,
        #[case] expected: Value,
    ) {
        assert_eq!(apply(&payload(object), path, &rewrites), Ok(expected));
    }

    #[test]
    fn missing_container_is_an_error() {
        let got = apply(
            &payload(json!({"spec": {}})),
            &["spec"],
            &[rewrite(ContainerKind::Container, 0, "x")],
        );
        assert_eq!(got, Err("no image at /spec/containers/0/image".to_owned()));
    }
}
