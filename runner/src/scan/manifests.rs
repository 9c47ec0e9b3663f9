//! Reading rendered manifests (what `helm template` or `kustomize build`
//! print) into Kubernetes objects, each with the file and line where its
//! document starts.
//!
//! Inputs are files, directories (walked recursively for `.yaml`, `.yml`
//! and `.json`, in name order) and `-` for stdin. A text whose first
//! character is `{` is read as a stream of JSON objects, anything else as
//! YAML with several documents. YAML is split at its document markers
//! here (a `---` or `...` at column 0 always ends a document, even inside a
//! block scalar, so this cannot cut a document in two), so that every
//! document has its line and a syntax error in one document does not hide
//! the ones after it. Duplicate keys are refused, as `kubectl` does: which of
//! two `image` keys the cluster would get is not something to guess; so are
//! YAML merge keys (`<<`), which kubectl would merge and serde_yaml does not.
//! Empty documents are skipped; `kind: List` (and `<Kind>List`) documents
//! are expanded into their items.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What `-f -` reads.
pub const STDIN: &str = "-";
/// How stdin is named in reports.
pub const STDIN_NAME: &str = "<stdin>";

/// A file's text, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as named in reports (`<stdin>` for stdin).
    pub name: String,
    /// Its text, or the reason it could not be read.
    pub text: Result<String, String>,
}

/// Reads every input: a file, a directory (recursively) or `-` (from `stdin`).
///
/// Nothing is skipped silently: a missing path, an unreadable file or a
/// directory without any manifest is a source carrying that error.
pub fn read_inputs(inputs: &[String], stdin: &mut dyn Read) -> Vec<Source> {
    let mut sources = Vec::new();
    for input in inputs {
        if input == STDIN {
            let mut bytes = Vec::new();
            let text = stdin
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read stdin: {e}"))
                .and_then(|_| utf8(bytes));
            sources.push(Source {
                name: STDIN_NAME.to_owned(),
                text,
            });
            continue;
        }
        let path = Path::new(input);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = sources.len();
                walk(path, &mut sources);
                if sources.len() == before {
                    sources.push(Source {
                        name: input.clone(),
                        text: Err("no .yaml, .yml or .json file in this directory".to_owned()),
                    });
                }
            }
            Ok(_) => sources.push(read_file(path, input.clone())),
            Err(e) => sources.push(Source {
                name: input.clone(),
                text: Err(format!("cannot read: {e}")),
            }),
        }
    }
    sources
}

/// Adds the manifests under `dir`, in name order. Symbolic links to
/// directories are not followed (as `kubectl apply -R`), so a link loop
/// cannot make the walk endless.
fn walk(dir: &Path, sources: &mut Vec<Source>) {
    let mut entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries.filter_map(Result::ok).collect::<Vec<_>>(),
        Err(e) => {
            sources.push(Source {
                name: dir.display().to_string(),
                text: Err(format!("cannot read directory: {e}")),
            });
            return;
        }
    };
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if is_dir {
            walk(&path, sources);
        } else if is_manifest(&path) && path.is_file() {
            sources.push(read_file(&path, path.display().to_string()));
        }
    }
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn read_file(path: &Path, name: String) -> Source {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read: {e}"))
        .and_then(utf8);
    Source { name, text }
}

fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))
}

/// One document of a source, parsed, with the line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// 1-based line of the document's first content (after any `---` and comments).
    pub line: usize,
    /// The document, or why it could not be read (and the line of the problem).
    pub value: Result<Value, Located>,
}

/// A problem at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The non-empty documents of a text, in order.
pub fn documents(text: &str) -> Vec<Document> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        json_documents(text)
    } else {
        yaml_documents(text)
    }
}

/// A stream of JSON values; parsing stops at the first syntax error.
fn json_documents(text: &str) -> Vec<Document> {
    let lines = LineIndex::new(text);
    let mut documents = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Strict>();
    loop {
        let start = stream.byte_offset();
        let start = start + (text.len() - start - text[start..].trim_start().len());
        match stream.next() {
            None => break,
            Some(Ok(Strict(value))) => documents.push(Document {
                line: lines.line_of(start),
                value: Ok(value),
            }),
            Some(Err(e)) => {
                let line = if e.line() == 0 {
                    lines.line_of(start)
                } else {
                    e.line()
                };
                documents.push(Document {
                    line: lines.line_of(start),
                    value: Err(Located {
                        line,
                        message: format!("JSON syntax error: {e}"),
                    }),
                });
                break;
            }
        }
    }
    documents
}

/// 1-based line numbers of byte offsets.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { starts }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

/// One YAML document's text, cut out of the stream.
#[derive(Debug, PartialEq, Eq)]
struct Chunk<'a> {
    text: &'a str,
    /// 1-based line of the chunk's first line.
    first_line: usize,
    /// 1-based line of its first content, `None` when it is empty.
    content_line: Option<usize>,
}

/// How a line counts when splitting a YAML stream.
#[derive(Debug, PartialEq, Eq)]
enum LineKind {
    /// `---`, possibly followed by content on the same line.
    Start {
        content: bool,
    },
    /// `...`: the document ends here.
    End,
    /// Blank, a comment or a directive: no content yet.
    Nothing,
    Content,
}

fn classify(line: &str) -> LineKind {
    let line = line.trim_end_matches(['\n', '\r']);
    let marker_rest = |marker: &str| {
        line.strip_prefix(marker)
            .filter(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
    };
    if let Some(rest) = marker_rest("---") {
        let rest = rest.trim_start();
        return LineKind::Start {
            content: !rest.is_empty() && !rest.starts_with('#'),
        };
    }
    if marker_rest("...").is_some() {
        return LineKind::End;
    }
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') || line.starts_with('%') {
        LineKind::Nothing
    } else {
        LineKind::Content
    }
}

/// Cuts a YAML stream into documents. A `---` starts a new document unless
/// nothing but blank lines, comments and directives came since the last
/// boundary (then it is the current document's own marker); `...` ends one.
fn split_yaml(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut first_line = 1;
    let mut begun = false;
    let mut content_line = None;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        // Once a document has begun, only markers matter: a comment or a
        // `%` there may be the content of a block scalar.
        match classify(line) {
            LineKind::Start { content } => {
                if begun {
                    chunks.push(Chunk {
                        text: &text[start..offset],
                        first_line,
                        content_line: content_line.take(),
                    });
                    start = offset;
                    first_line = number;
                }
                begun = true;
                if content {
                    content_line = Some(number);
                }
            }
            LineKind::End => {
                let end = offset + line.len();
                chunks.push(Chunk {
                    text: &text[start..end],
                    first_line,
                    content_line: content_line.take(),
                });
                start = end;
                first_line = number + 1;
                begun = false;
            }
            LineKind::Content => {
                begun = true;
                content_line.get_or_insert(number);
            }
            LineKind::Nothing => {}
        }
        offset += line.len();
    }
    if start < text.len() {
        chunks.push(Chunk {
            text: &text[start..],
            first_line,
            content_line,
        });
    }
    chunks
}

fn yaml_documents(text: &str) -> Vec<Document> {
    split_yaml(text)
        .into_iter()
        .filter_map(|chunk| {
            let line = chunk.content_line?;
            let value = match serde_yaml::from_str::<Strict>(chunk.text) {
                Ok(Strict(Value::Null)) => return None,
                Ok(Strict(value)) => Ok(value),
                Err(_) => Err(yaml_error(&chunk, line)),
            };
            Some(Document { line, value })
        })
        .collect()
}

/// Parses the chunk again behind as many newlines as lines precede it, so
/// that every line the message names is a line of the file.
fn yaml_error(chunk: &Chunk<'_>, line: usize) -> Located {
    let mut padded = "\n".repeat(chunk.first_line - 1);
    padded.push_str(chunk.text);
    // An error found only at the end of the text (an unclosed bracket) is
    // placed by libyaml on the line after it, the next document's marker:
    // keep it on the document's own last line.
    let last_line = chunk.first_line + chunk.text.trim_end_matches('\n').matches('\n').count();
    match serde_yaml::from_str::<Strict>(&padded) {
        Err(e) => Located {
            line: e.location().map_or(line, |l| l.line().min(last_line)),
            message: format!("YAML syntax error: {e}"),
        },
        // Cannot happen: the same text failed a moment ago.
        Ok(_) => Located {
            line,
            message: "YAML syntax error".to_owned(),
        },
    }
}

/// A JSON value read from YAML or JSON, refusing duplicate keys.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "<<" {
                // kubectl's YAML library merges these; serde_yaml keeps them
                // as a key, which would hide the merged fields (an image)
                // from the policy. Refuse rather than judge something else.
                return Err(de::Error::custom(
                    "YAML merge keys (<<) are not supported: expand them first",
                ));
            }
            let Strict(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// A Kubernetes object found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Its position in a `List` document, `None` when it is the document.
    pub item: Option<usize>,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// The object as written.
    pub value: Value,
}

/// A problem with one object of a document (`item` as in [`Object`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectError {
    /// Its position in a `List` document, `None` when it is the document.
    pub item: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// The objects of a document: the document itself, or the items of a
/// `List` (or `<Kind>List`, whose items may leave out `apiVersion` and `kind`).
pub fn objects(document: Value) -> Vec<Result<Object, ObjectError>> {
    let mut found = Vec::new();
    collect(document, None, None, &mut found);
    found
}

fn collect(
    value: Value,
    item: Option<usize>,
    defaults: Option<(&str, &str)>,
    found: &mut Vec<Result<Object, ObjectError>>,
) {
    let error = |message: String| ObjectError { item, message };
    let Value::Object(map) = value else {
        found.push(Err(error(format!(
            "not a Kubernetes object: a {} instead of a mapping with apiVersion and kind",
            type_name(&value)
        ))));
        return;
    };
    let field = |name: &str, default: Option<&str>| match map.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => default
            .map(str::to_owned)
            .ok_or_else(|| error(format!("no {name}: not a Kubernetes object"))),
        Some(other) => Err(error(format!(
            "{name} must be a non-empty string, not {other}"
        ))),
    };
    let (api_version, kind) = match (
        field("apiVersion", defaults.map(|d| d.0)),
        field("kind", defaults.map(|d| d.1)),
    ) {
        (Ok(api_version), Ok(kind)) => (api_version, kind),
        (Err(e), _) | (_, Err(e)) => {
            found.push(Err(e));
            return;
        }
    };
    if let Some(item_kind) = kind.strip_suffix("List") {
        // Items of a list are not lists themselves: one level, as kubectl.
        if item.is_none() {
            let items = match map.get("items") {
                Some(Value::Array(items)) => items.clone(),
                None | Some(Value::Null) => Vec::new(),
                Some(_) => {
                    found.push(Err(error(format!("{kind}: items must be a list"))));
                    return;
                }
            };
            let defaults = (!item_kind.is_empty()).then_some((api_version.as_str(), item_kind));
            for (index, value) in items.into_iter().enumerate() {
                collect(value, Some(index), defaults, found);
            }
            return;
        }
    }
    let mut value = Value::Object(map);
    // An item of a typed list gets the kind it stands for written in.
    if let Some(object) = value.as_object_mut() {
        object
            .entry("apiVersion")
            .or_insert_with(|| Value::String(api_version.clone()));
        object
            .entry("kind")
            .or_insert_with(|| Value::String(kind.clone()));
    }
    found.push(Ok(Object {
        item,
        api_version,
        kind,
        value,
    }));
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    /// (line, value or "error at line N") of every document.
    fn parsed(text: &str) -> Vec<(usize, Result<Value, usize>)> {
        documents(text)
            .into_iter()
            .map(|d| (d.line, d.value.map_err(|e| e.line)))
            .collect()
    }

    #[rstest]
    #[case::single("a: 1\n", vec![(1, Ok(json!({"a": 1})))])]
    #[case::leading_marker("---\na: 1\n", vec![(2, Ok(json!({"a": 1})))])]
    #[case::two_documents("a: 1\n---\nb: 2\n", vec![(1, Ok(json!({"a": 1}))), (3, Ok(json!({"b": 2})))])]
    #[case::helm_source_comments(
        "---\n# Source: chart/templates/svc.yaml\napiVersion: v1\n---\n# Source: chart/templates/pod.yaml\n\nkind: Pod\n",
        vec![(3, Ok(json!({"apiVersion": "v1"}))), (7, Ok(json!({"kind": "Pod"})))]
    )]
    #[case::empty_documents_skipped("---\n---\n# only a comment\n---\na: 1\n---\n", vec![(5, Ok(json!({"a": 1})))])]
    #[case::explicit_null_skipped("--- null\n---\na: 1\n", vec![(3, Ok(json!({"a": 1})))])]
    #[case::content_on_marker_line("--- {a: 1}\n--- {b: 2}\n", vec![(1, Ok(json!({"a": 1}))), (2, Ok(json!({"b": 2})))])]
    #[case::marker_with_comment("--- # first\na: 1\n", vec![(2, Ok(json!({"a": 1})))])]
    #[case::indented_dashes_are_content("a: |\n  ---\n  x\nb: 2\n", vec![(1, Ok(json!({"a": "---\nx\n", "b": 2})))])]
    #[case::dashes_glued_to_text_are_content("---x: 1\n", vec![(1, Ok(json!({"---x": 1})))])]
    #[case::document_end_marker("a: 1\n...\nb: 2\n", vec![(1, Ok(json!({"a": 1}))), (3, Ok(json!({"b": 2})))])]
    #[case::directive_before_marker("%YAML 1.2\n---\na: 1\n", vec![(3, Ok(json!({"a": 1})))])]
    #[case::crlf("a: 1\r\n---\r\nb: 2\r\n", vec![(1, Ok(json!({"a": 1}))), (3, Ok(json!({"b": 2})))])]
    #[case::byte_order_mark("\u{feff}a: 1\n", vec![(1, Ok(json!({"a": 1})))])]
    #[case::syntax_error_names_its_line("a: 1\n---\nb: [1,\nc: 2\n---\nd: 4\n", vec![(1, Ok(json!({"a": 1}))), (3, Err(4)), (6, Ok(json!({"d": 4})))])]
    #[case::unclosed_at_end_of_file("a: [1,\n", vec![(1, Err(1))])]
    #[case::bad_indentation("---\nkind: Pod\nspec:\n  a: 1\n b: 2\n", vec![(2, Err(5))])]
    // The line of the mapping holding the duplicate, which the message names.
    #[case::duplicate_key("a: 1\nb:\n  image: x\n  image: y\n", vec![(1, Err(3))])]
    #[case::merge_key_refused("base: &base\n  image: evil.example/x\nspec:\n  containers:\n    - <<: *base\n      name: a\n", vec![(1, Err(5))])]
    #[case::aliases_expanded("a: &img nginx:1\nb: *img\n", vec![(1, Ok(json!({"a": "nginx:1", "b": "nginx:1"})))])]
    #[case::tab_indentation("a:\n\tb: 1\n", vec![(1, Err(2))])]
    #[case::json_stream("{\"a\": 1}\n{\n  \"b\": 2\n}\n", vec![(1, Ok(json!({"a": 1}))), (2, Ok(json!({"b": 2})))])]
    #[case::json_pretty_after_blank_lines("\n\n{\n  \"a\": [1, 2]\n}\n", vec![(3, Ok(json!({"a": [1, 2]})))])]
    #[case::json_syntax_error("{\"a\": 1}\n{\"b\":\n}\n", vec![(1, Ok(json!({"a": 1}))), (2, Err(3))])]
    #[case::json_duplicate_key("{\"a\": 1, \"a\": 2}", vec![(1, Err(1))])]
    #[case::empty("", vec![])]
    #[case::only_comments("# nothing\n\n", vec![])]
    fn documents_and_their_lines(
        #[case] text: &str,
        #[case] expected: Vec<(usize, Result<Value, usize>)>,
    ) {
        assert_eq!(parsed(text), expected);
    }

    #[test]
    fn yaml_error_message_names_the_file_line() {
        let docs = documents("a: 1\n---\nb: 2\n c: 3\nd: 4\n");
        let error = docs[1].value.as_ref().expect_err("syntax error");
        assert!(
            error.message.starts_with("YAML syntax error: "),
            "{error:?}"
        );
        assert!(error.message.contains("line 4"), "{error:?}");
        assert_eq!(error.line, 4);
    }

    #[test]
    fn duplicate_key_message_names_the_key() {
        let docs = documents("image: a\nimage: b\n");
        let error = docs[0].value.as_ref().expect_err("duplicate");
        assert!(
            error.message.contains("duplicate key \"image\""),
            "{error:?}"
        );
    }

    /// (item, kind) or the error message of every object.
    fn found(value: Value) -> Vec<Result<(Option<usize>, String), String>> {
        objects(value)
            .into_iter()
            .map(|o| o.map(|o| (o.item, o.kind)).map_err(|e| e.message))
            .collect()
    }

    #[rstest]
    #[case::object(json!({"apiVersion": "v1", "kind": "Pod"}), vec![Ok((None, "Pod".to_owned()))])]
    #[case::list(
        json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "apps/v1", "kind": "Deployment"},
            {"apiVersion": "v1", "kind": "Service"}
        ]}),
        vec![Ok((Some(0), "Deployment".to_owned())), Ok((Some(1), "Service".to_owned()))]
    )]
    #[case::typed_list_items_inherit_kind(
        json!({"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "a"}}]}),
        vec![Ok((Some(0), "Pod".to_owned()))]
    )]
    #[case::list_item_without_kind(
        json!({"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1"}, {"apiVersion": "v1", "kind": "Pod"}]}),
        vec![Err("no kind: not a Kubernetes object".to_owned()), Ok((Some(1), "Pod".to_owned()))]
    )]
    #[case::empty_list(json!({"apiVersion": "v1", "kind": "List", "items": []}), vec![])]
    #[case::list_items_not_a_list(
        json!({"apiVersion": "v1", "kind": "List", "items": {}}),
        vec![Err("List: items must be a list".to_owned())]
    )]
    #[case::no_api_version(json!({"kind": "Pod"}), vec![Err("no apiVersion: not a Kubernetes object".to_owned())])]
    #[case::no_kind(json!({"apiVersion": "v1"}), vec![Err("no kind: not a Kubernetes object".to_owned())])]
    #[case::kind_not_a_string(json!({"apiVersion": "v1", "kind": 3}), vec![Err("kind must be a non-empty string, not 3".to_owned())])]
    #[case::scalar(json!("hello"), vec![Err("not a Kubernetes object: a string instead of a mapping with apiVersion and kind".to_owned())])]
    #[case::sequence(json!([1]), vec![Err("not a Kubernetes object: a list instead of a mapping with apiVersion and kind".to_owned())])]
    fn objects_of_a_document(
        #[case] document: Value,
        #[case] expected: Vec<Result<(Option<usize>, String), String>>,
    ) {
        assert_eq!(found(document), expected);
    }

    #[test]
    fn typed_list_item_gets_its_kind_written_in() {
        let found =
            objects(json!({"apiVersion": "v1", "kind": "PodList", "items": [{"spec": {}}]}));
        let object = found[0].as_ref().expect("object");
        assert_eq!(
            object.value,
            json!({"apiVersion": "v1", "kind": "Pod", "spec": {}})
        );
    }

    #[test]
    fn read_inputs_walks_directories_in_order_and_reports_what_it_cannot_read() {
        let dir = std::env::temp_dir().join(format!("kwrunner-manifests-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).expect("dirs");
        std::fs::create_dir_all(dir.join("empty")).expect("dirs");
        for (name, text) in [
            ("b.yaml", "b"),
            ("a.yml", "a"),
            ("sub/c.json", "c"),
            ("notes.txt", "skipped"),
        ] {
            std::fs::write(dir.join(name), text).expect("write");
        }
        let inputs = [
            dir.display().to_string(),
            STDIN.to_owned(),
            dir.join("missing.yaml").display().to_string(),
            dir.join("empty").display().to_string(),
        ];
        let sources = read_inputs(&inputs, &mut "from stdin".as_bytes());
        let got: Vec<(String, Result<String, bool>)> = sources
            .into_iter()
            .map(|s| {
                let name = s.name.replace(&dir.display().to_string(), "D");
                (name, s.text.map_err(|_| true))
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("D/a.yml".to_owned(), Ok("a".to_owned())),
                ("D/b.yaml".to_owned(), Ok("b".to_owned())),
                ("D/sub/c.json".to_owned(), Ok("c".to_owned())),
                (STDIN_NAME.to_owned(), Ok("from stdin".to_owned())),
                ("D/missing.yaml".to_owned(), Err(true)),
                ("D/empty".to_owned(), Err(true)),
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
