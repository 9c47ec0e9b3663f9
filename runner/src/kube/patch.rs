//! RFC 6902 JSON Patch between the object a policy received and the one it
//! answered with.
//!
//! The walk is the one kwctl gets from the `json-patch` crate's `diff`, so the
//! operations come out in the same order and the base64 patch matches
//! kwctl's byte for byte: objects first add or descend into the new
//! object's keys (in key order), then remove the keys it lost; arrays are
//! compared index by index, extra new elements are added at their index, and
//! surplus old elements are removed one by one at the first index past the
//! new length; any other difference replaces the value.

use serde::Serialize;
use serde_json::{Map, Value};

/// One operation of an RFC 6902 JSON Patch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum PatchOperation {
    /// Insert `value` at `path`.
    Add {
        /// JSON Pointer (RFC 6901) of the place to insert at.
        path: String,
        /// The value to insert.
        value: Value,
    },
    /// Delete the value at `path`.
    Remove {
        /// JSON Pointer (RFC 6901) of the value to delete.
        path: String,
    },
    /// Overwrite the value at `path` with `value`.
    Replace {
        /// JSON Pointer (RFC 6901) of the value to overwrite.
        path: String,
        /// The new value.
        value: Value,
    },
}

/// The operations that turn `from` into `to`; empty when they are equal.
pub fn diff(from: &Value, to: &Value) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    diff_value(from, to, &mut String::new(), &mut ops);
    ops
}

fn diff_value(from: &Value, to: &Value, path: &mut String, ops: &mut Vec<PatchOperation>) {
    match (from, to) {
        (Value::Object(from), Value::Object(to)) => diff_object(from, to, path, ops),
        (Value::Array(from), Value::Array(to)) => diff_array(from, to, path, ops),
        _ if from == to => {}
        _ => ops.push(PatchOperation::Replace {
            path: path.clone(),
            value: to.clone(),
        }),
    }
}

fn diff_object(
    from: &Map<String, Value>,
    to: &Map<String, Value>,
    path: &mut String,
    ops: &mut Vec<PatchOperation>,
) {
    let len = path.len();
    for (key, new) in to {
        push_key(path, key);
        match from.get(key) {
            Some(old) => diff_value(old, new, path, ops),
            None => ops.push(PatchOperation::Add {
                path: path.clone(),
                value: new.clone(),
            }),
        }
        path.truncate(len);
    }
    for key in from.keys().filter(|key| !to.contains_key(*key)) {
        push_key(path, key);
        ops.push(PatchOperation::Remove { path: path.clone() });
        path.truncate(len);
    }
}

fn diff_array(from: &[Value], to: &[Value], path: &mut String, ops: &mut Vec<PatchOperation>) {
    let len = path.len();
    let mut removed = 0;
    for index in 0..from.len().max(to.len()) {
        path.push('/');
        path.push_str(&(index - removed).to_string());
        match (from.get(index), to.get(index)) {
            (Some(old), Some(new)) => diff_value(old, new, path, ops),
            (Some(_), None) => {
                removed += 1;
                ops.push(PatchOperation::Remove { path: path.clone() });
            }
            (None, Some(new)) => ops.push(PatchOperation::Add {
                path: path.clone(),
                value: new.clone(),
            }),
            (None, None) => {}
        }
        path.truncate(len);
    }
}

/// Appends `/key` to a JSON Pointer, escaping `~` as `~0` and `/` as `~1`.
fn push_key(path: &mut String, key: &str) {
    path.push('/');
    for ch in key.chars() {
        match ch {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            _ => path.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// Applies a patch the way the API server would, to check it round-trips.
    fn apply(doc: &mut Value, ops: &[PatchOperation]) {
        for op in ops {
            match op {
                PatchOperation::Add { path, value } => {
                    let (parent, last) = split(path);
                    match doc.pointer_mut(&parent).expect("parent exists") {
                        Value::Object(map) => {
                            map.insert(last, value.clone());
                        }
                        Value::Array(items) => {
                            let index = if last == "-" {
                                items.len()
                            } else {
                                last.parse().expect("array index")
                            };
                            items.insert(index, value.clone());
                        }
                        other => panic!("cannot add into {other}"),
                    }
                }
                PatchOperation::Remove { path } => {
                    let (parent, last) = split(path);
                    match doc.pointer_mut(&parent).expect("parent exists") {
                        Value::Object(map) => {
                            map.remove(&last).expect("key exists");
                        }
                        Value::Array(items) => {
                            items.remove(last.parse().expect("array index"));
                        }
                        other => panic!("cannot remove from {other}"),
                    }
                }
                PatchOperation::Replace { path, value } => {
                    *doc.pointer_mut(path).expect("target exists") = value.clone();
                }
            }
        }
    }

    fn split(path: &str) -> (String, String) {
        let at = path.rfind('/').expect("pointer has a slash");
        let last = path[at + 1..].replace("~1", "/").replace("~0", "~");
        (path[..at].to_owned(), last)
    }

    #[rstest]
    #[case::equal(json!({"a": [1, {"b": null}]}), json!({"a": [1, {"b": null}]}), json!([]))]
    #[case::replace_scalar(
        json!({"spec": {"image": "docker.io/nginx"}}),
        json!({"spec": {"image": "registry.example.com/nginx"}}),
        json!([{"op": "replace", "path": "/spec/image", "value": "registry.example.com/nginx"}])
    )]
    #[case::replace_type_change(
        json!({"a": {"b": 1}}),
        json!({"a": [1]}),
        json!([{"op": "replace", "path": "/a", "value": [1]}])
    )]
    #[case::add_key(
        json!({"metadata": {}}),
        json!({"metadata": {"labels": {"team": "a"}}}),
        json!([{"op": "add", "path": "/metadata/labels", "value": {"team": "a"}}])
    )]
    #[case::remove_key(
        json!({"a": 1, "b": 2}),
        json!({"a": 1}),
        json!([{"op": "remove", "path": "/b"}])
    )]
    #[case::adds_before_removes(
        json!({"old": 1, "same": 2}),
        json!({"new": 3, "same": 2}),
        json!([{"op": "add", "path": "/new", "value": 3}, {"op": "remove", "path": "/old"}])
    )]
    #[case::array_append(
        json!({"c": ["a"]}),
        json!({"c": ["a", "b", "c"]}),
        json!([{"op": "add", "path": "/c/1", "value": "b"}, {"op": "add", "path": "/c/2", "value": "c"}])
    )]
    #[case::array_truncate(
        json!(["hello", "bye", "hi"]),
        json!(["hello"]),
        json!([{"op": "remove", "path": "/1"}, {"op": "remove", "path": "/1"}])
    )]
    #[case::array_element_changed(
        json!({"containers": [{"image": "a"}, {"image": "b"}]}),
        json!({"containers": [{"image": "a"}, {"image": "c"}]}),
        json!([{"op": "replace", "path": "/containers/1/image", "value": "c"}])
    )]
    #[case::escaped_keys(
        json!({"metadata": {"annotations": {"example.com/a~b": "1"}}}),
        json!({"metadata": {"annotations": {"example.com/a~b": "2", "x/y": "3"}}}),
        json!([
            {"op": "replace", "path": "/metadata/annotations/example.com~1a~0b", "value": "2"},
            {"op": "add", "path": "/metadata/annotations/x~1y", "value": "3"}
        ])
    )]
    #[case::empty_key(
        json!({"": 1}),
        json!({"": 2}),
        json!([{"op": "replace", "path": "/", "value": 2}])
    )]
    #[case::whole_document(
        json!({"a": 1}),
        json!(null),
        json!([{"op": "replace", "path": "", "value": null}])
    )]
    fn diff_produces_expected_patch(
        #[case] from: Value,
        #[case] to: Value,
        #[case] expected: Value,
    ) {
        let ops = diff(&from, &to);
        assert_eq!(serde_json::to_value(&ops).expect("serializable"), expected);
        let mut patched = from;
        apply(&mut patched, &ops);
        assert_eq!(patched, to);
    }

    #[test]
    fn operations_serialize_with_op_first() {
        let ops = diff(&json!({"a": 1}), &json!({"a": 2}));
        assert_eq!(
            serde_json::to_string(&ops).expect("serializable"),
            r#"[{"op":"replace","path":"/a","value":2}]"#
        );
    }
}
