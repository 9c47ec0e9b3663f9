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
//!
//! Every input is read in time linear in its size: YAML nested deeper than
//! [`MAX_DEPTH`] is refused by a pre-pass before the YAML reader, whose cost
//! grows with the square of the flow nesting (see [`check_nesting`]).
//!
//! A directory walk is lenient where a named file is strict: files that
//! Helm and Kustomize keep beside manifests (`Chart.yaml`, `values*.yaml`,
//! `kustomization.yaml`) are marked skipped, and the scan skips documents
//! of walked files that are not Kubernetes objects.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

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
    /// Found in a directory walk rather than named: documents that are not
    /// Kubernetes objects are skipped instead of refused.
    pub walked: bool,
    /// Why the walk skips this file unread (a Helm or Kustomize file).
    pub skip: Option<&'static str>,
}

impl Source {
    /// A source named on the command line (or stdin), read strictly.
    pub fn named(name: impl Into<String>, text: Result<String, String>) -> Self {
        Self {
            name: name.into(),
            text,
            walked: false,
            skip: None,
        }
    }
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
            sources.push(Source::named(STDIN_NAME, text));
            continue;
        }
        let path = Path::new(input);
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let before = sources.len();
                walk(path, &mut sources);
                if sources.len() == before {
                    sources.push(Source::named(
                        input.clone(),
                        Err("no .yaml, .yml or .json file in this directory".to_owned()),
                    ));
                }
            }
            Ok(_) => sources.push(read_file(path, input.clone())),
            Err(e) => sources.push(Source::named(
                input.clone(),
                Err(format!("cannot read: {e}")),
            )),
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
            sources.push(Source::named(
                dir.display().to_string(),
                Err(format!("cannot read directory: {e}")),
            ));
            return;
        }
    };
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        // A link whose target is gone is reported, not skipped: a manifest
        // the walk cannot read must not pass unseen.
        let dangling =
            entry.file_type().is_ok_and(|t| t.is_symlink()) && std::fs::metadata(&path).is_err();
        if is_dir {
            walk(&path, sources);
        } else if is_manifest(&path) && (path.is_file() || dangling) {
            let name = path.display().to_string();
            let source = match beside_manifests(&path) {
                Some(why) => Source {
                    name,
                    text: Ok(String::new()),
                    walked: true,
                    skip: Some(why),
                },
                None => Source {
                    walked: true,
                    ..read_file(&path, name)
                },
            };
            sources.push(source);
        }
    }
}

/// Why a walk skips a file that Helm or Kustomize keeps beside manifests,
/// by its name alone (a kustomization has an apiVersion and a kind, but is
/// no object for a cluster).
fn beside_manifests(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    let (stem, extension) = name.rsplit_once('.')?;
    if !matches!(extension, "yaml" | "yml") {
        return None;
    }
    match stem {
        "Chart" => Some("a Helm chart's Chart.yaml, not a manifest"),
        "kustomization" => Some("a Kustomize kustomization, not a manifest"),
        _ if stem.starts_with("values") => Some("Helm values, not a manifest"),
        _ => None,
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
    Source::named(name, text)
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
    /// The first line holding `{{`, the mark of an unrendered Helm or Go
    /// template (YAML documents only).
    pub template_line: Option<usize>,
    /// Time spent reading it (nesting check and parsing).
    pub parse_time: Duration,
}

/// What to say of a document that looks like an unrendered template.
pub fn template_error(line: usize) -> String {
    format!(
        "looks like an unrendered Helm or Go template ({{{{ at line {line}): render it first, \
         e.g. `helm template ... | kwrunner scan -f -`"
    )
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
    // `{{` opens no JSON text, but does open a Helm template (`{{- if ...`):
    // the YAML path tells the user so.
    let start = text.trim_start();
    if start.starts_with('{') && !start.starts_with("{{") {
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
        let clock = Instant::now();
        let next = stream.next();
        let parse_time = clock.elapsed();
        match next {
            None => break,
            Some(Ok(Strict(value))) => documents.push(Document {
                line: lines.line_of(start),
                value: Ok(value),
                template_line: None,
                parse_time,
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
                    template_line: None,
                    parse_time,
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
            let clock = Instant::now();
            let value = match check_nesting(chunk.text) {
                Err(deep) => {
                    let deep = chunk.first_line + deep - 1;
                    Err(Located {
                        line: deep,
                        message: format!(
                            "YAML nested deeper than {MAX_DEPTH} levels at line {deep}: not read"
                        ),
                    })
                }
                Ok(()) => match serde_yaml::from_str::<Strict>(chunk.text) {
                    Ok(Strict(Value::Null)) => return None,
                    Ok(Strict(value)) => Ok(value),
                    Err(e) => Err(yaml_error(&chunk, line, &e)),
                },
            };
            let template_line = chunk
                .text
                .split_inclusive('\n')
                .position(|l| l.contains("{{"))
                .map(|i| chunk.first_line + i);
            Some(Document {
                line,
                value,
                template_line,
                parse_time: clock.elapsed(),
            })
        })
        .collect()
}

/// The error of a chunk, with its lines counted in the file: the message's
/// `line N column M` marks are shifted by the lines before the chunk
/// (parsing it again behind that many newlines would cost the square of
/// the file's length when every document is broken).
fn yaml_error(chunk: &Chunk<'_>, line: usize, error: &serde_yaml::Error) -> Located {
    let before = chunk.first_line - 1;
    // An error found only at the end of the text (an unclosed bracket) is
    // placed by libyaml on the line after it, the next document's marker:
    // keep it on the document's own last line.
    let last_line = chunk.first_line + chunk.text.trim_end_matches('\n').matches('\n').count();
    Located {
        line: error
            .location()
            .map_or(line, |l| (l.line() + before).min(last_line)),
        message: format!(
            "YAML syntax error: {}",
            shift_lines(&error.to_string(), before)
        ),
    }
}

/// `message` with every `line N column` mark moved down by `by` lines.
fn shift_lines(message: &str, by: usize) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let (head, tail) = rest.split_at(at + "line ".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) if tail[digits..].starts_with(" column ") => {
                out.push_str(&(n + by).to_string());
                rest = &tail[digits..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// How deep a YAML document may nest (block and flow collections together):
/// the depth at which the YAML reader (serde_yaml) gives up anyway.
pub const MAX_DEPTH: usize = 128;

/// Refuses a YAML document nested deeper than [`MAX_DEPTH`], in one pass
/// over its bytes, before the YAML reader sees it.
///
/// Why a pre-pass: libyaml (under serde_yaml) tokenizes the whole document
/// before serde_yaml's own depth limit applies, and its scanner walks every
/// open flow level for every token, so `[[[[...]]]]` costs the square of its
/// depth (100,000 brackets, a 200 KB file: minutes). serde_yaml has no hook
/// to stop it earlier. This pass follows libyaml's scanner rules where they
/// decide what is a bracket and what is text (quoted, plain and block
/// scalars, comments, tags, and the block indentation that bounds block and
/// plain scalars), so that text cannot hide nesting from it. Where libyaml
/// would stop with a syntax error, the pass stops too, or reads on (it may
/// then count more than libyaml would, never less before the error).
fn check_nesting(text: &str) -> Result<(), usize> {
    Nesting::new(text.as_bytes()).run()
}

/// A possible simple key in block context: where a `key:` would start.
#[derive(Clone, Copy)]
struct SimpleKey {
    column: i64,
    line: usize,
    index: usize,
}

/// The state of [`check_nesting`]'s pass, named as in libyaml's scanner.
struct Nesting<'a> {
    bytes: &'a [u8],
    index: usize,
    /// 1-based line of `index`.
    line: usize,
    /// 0-based column of `index`, in characters.
    column: i64,
    flow_level: usize,
    /// Columns of the open block collections (libyaml's indent stack).
    indents: Vec<i64>,
    simple_key_allowed: bool,
    /// The block-context simple key candidate (libyaml keeps one per flow
    /// level; only the block one moves the indentation).
    simple_key: Option<SimpleKey>,
}

/// Why the pass ends early.
enum Stop {
    /// libyaml would stop here with a syntax error: what follows costs nothing.
    SyntaxError,
    /// Too deep at this line.
    TooDeep(usize),
}

impl<'a> Nesting<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            index: 0,
            line: 1,
            column: 0,
            flow_level: 0,
            indents: Vec::new(),
            simple_key_allowed: true,
            simple_key: None,
        }
    }

    fn run(mut self) -> Result<(), usize> {
        match self.tokens() {
            Ok(()) | Err(Stop::SyntaxError) => Ok(()),
            Err(Stop::TooDeep(line)) => Err(line),
        }
    }

    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(self.index + offset).copied().unwrap_or(0)
    }

    fn eof(&self) -> bool {
        self.index >= self.bytes.len()
    }

    /// Length of the line break at `offset` (\r\n, \r, \n, NEL, LS, PS), or 0.
    fn break_len(&self, offset: usize) -> usize {
        match (self.at(offset), self.at(offset + 1), self.at(offset + 2)) {
            (b'\r', b'\n', _) => 2,
            (b'\r' | b'\n', _, _) => 1,
            (0xc2, 0x85, _) => 2,
            (0xe2, 0x80, 0xa8 | 0xa9) => 3,
            _ => 0,
        }
    }

    fn is_blank(&self, offset: usize) -> bool {
        matches!(self.at(offset), b' ' | b'\t')
    }

    fn is_blankz(&self, offset: usize) -> bool {
        self.index + offset >= self.bytes.len()
            || self.is_blank(offset)
            || self.break_len(offset) > 0
    }

    /// Moves past one character or line break.
    fn step(&mut self) {
        let len = self.break_len(0);
        if len > 0 {
            self.index += len;
            self.line += 1;
            self.column = 0;
            return;
        }
        let len = match self.at(0) {
            0xf0..=0xff => 4,
            0xe0..=0xef => 3,
            0xc0..=0xdf => 2,
            _ => 1,
        };
        self.index = (self.index + len).min(self.bytes.len());
        self.column += 1;
    }

    fn top(&self) -> i64 {
        self.indents.last().copied().unwrap_or(-1)
    }

    fn check_depth(&self) -> Result<(), Stop> {
        if self.indents.len() + self.flow_level > MAX_DEPTH {
            Err(Stop::TooDeep(self.line))
        } else {
            Ok(())
        }
    }

    fn roll_indent(&mut self, column: i64) -> Result<(), Stop> {
        if self.flow_level == 0 && self.top() < column {
            self.indents.push(column);
            self.check_depth()?;
        }
        Ok(())
    }

    fn unroll_indent(&mut self, column: i64) {
        if self.flow_level == 0 {
            while self.top() > column {
                self.indents.pop();
            }
        }
    }

    fn save_simple_key(&mut self) {
        if self.simple_key_allowed && self.flow_level == 0 {
            self.simple_key = Some(SimpleKey {
                column: self.column,
                line: self.line,
                index: self.index,
            });
        }
    }

    fn remove_simple_key(&mut self) {
        if self.flow_level == 0 {
            self.simple_key = None;
        }
    }

    fn tokens(&mut self) -> Result<(), Stop> {
        loop {
            let before = self.index;
            self.token()?;
            if self.index == before && !self.eof() {
                // Never stand still: a character no rule consumed is text.
                self.step();
            }
            if self.eof() {
                return Ok(());
            }
        }
    }

    /// Reads the next token (libyaml's fetch_next_token).
    fn token(&mut self) -> Result<(), Stop> {
        {
            self.skip_to_next_token();
            if let Some(key) = self.simple_key {
                // Simple keys stay on one line and within 1024 characters.
                if key.line < self.line || key.index + 1024 < self.index {
                    self.simple_key = None;
                }
            }
            self.unroll_indent(self.column);
            if self.eof() {
                return Ok(());
            }
            let (c, next_blankz) = (self.at(0), self.is_blankz(1));
            let marker = self.column == 0
                && ((c == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                    || (c == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
                && self.is_blankz(3);
            if self.column == 0 && (c == b'%' || marker) {
                // A directive or a document marker: the block structure ends.
                self.unroll_indent(-1);
                self.simple_key = None;
                self.simple_key_allowed = false;
                if c == b'%' {
                    while !self.eof() && self.break_len(0) == 0 {
                        self.step();
                    }
                } else {
                    self.index += 3;
                    self.column += 3;
                }
                return Ok(());
            }
            match c {
                b'[' | b'{' => {
                    self.save_simple_key();
                    self.flow_level += 1;
                    self.check_depth()?;
                    self.simple_key_allowed = true;
                    self.step();
                }
                b']' | b'}' => {
                    self.remove_simple_key();
                    self.flow_level = self.flow_level.saturating_sub(1);
                    self.simple_key_allowed = false;
                    self.step();
                }
                b',' => {
                    self.simple_key_allowed = true;
                    self.step();
                }
                b'-' if next_blankz => {
                    self.roll_indent(self.column)?;
                    self.remove_simple_key();
                    self.simple_key_allowed = true;
                    self.step();
                }
                b'?' if self.flow_level > 0 || next_blankz => {
                    self.roll_indent(self.column)?;
                    self.remove_simple_key();
                    self.simple_key_allowed = self.flow_level == 0;
                    self.step();
                }
                b':' if self.flow_level > 0 || next_blankz => {
                    let key = if self.flow_level == 0 {
                        self.simple_key.take()
                    } else {
                        None
                    };
                    match key {
                        Some(key) => {
                            self.roll_indent(key.column)?;
                            self.simple_key_allowed = false;
                        }
                        None => {
                            self.roll_indent(self.column)?;
                            self.simple_key_allowed = self.flow_level == 0;
                        }
                    }
                    self.step();
                }
                b'*' | b'&' => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.step();
                    while self.at(0).is_ascii_alphanumeric() || matches!(self.at(0), b'_' | b'-') {
                        self.step();
                    }
                }
                b'!' => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.tag();
                }
                b'|' | b'>' if self.flow_level == 0 => {
                    self.remove_simple_key();
                    self.simple_key_allowed = true;
                    self.block_scalar()?;
                }
                b'\'' | b'"' => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.quoted(c)?;
                }
                b'|' | b'>' | b'%' | b'@' | b'`' => {
                    return Err(Stop::SyntaxError);
                }
                _ => {
                    self.save_simple_key();
                    self.simple_key_allowed = false;
                    self.plain()?;
                }
            }
        }
        Ok(())
    }

    /// Skips blanks, comments and line breaks (libyaml's scan_skip_to_next_token;
    /// tabs are skipped everywhere, where libyaml may refuse some).
    fn skip_to_next_token(&mut self) {
        loop {
            if self.column == 0 && self.bytes[self.index..].starts_with("\u{feff}".as_bytes()) {
                self.step();
            }
            while self.is_blank(0) {
                self.step();
            }
            if self.at(0) == b'#' {
                while !self.eof() && self.break_len(0) == 0 {
                    self.step();
                }
            }
            if self.break_len(0) == 0 {
                return;
            }
            self.step();
            if self.flow_level == 0 {
                self.simple_key_allowed = true;
            }
        }
    }

    /// A tag: `!<uri>`, or `!`, `!handle!` or `!!` and a suffix. Only the
    /// verbatim form may hold `,`, `[` and `]`.
    fn tag(&mut self) {
        self.step();
        let verbatim = self.at(0) == b'<';
        if verbatim {
            self.step();
        }
        loop {
            let c = self.at(0);
            let uri = c.is_ascii_alphanumeric()
                || b"-_;/?:@&=+$.%!~*'()".contains(&c)
                || (verbatim && matches!(c, b',' | b'[' | b']'));
            if !uri || self.eof() {
                break;
            }
            self.step();
        }
        if verbatim && self.at(0) == b'>' {
            self.step();
        }
    }

    /// A single- or double-quoted scalar, which may span lines.
    fn quoted(&mut self, quote: u8) -> Result<(), Stop> {
        self.step();
        loop {
            if self.eof() {
                return Err(Stop::SyntaxError);
            }
            match self.at(0) {
                b'\'' if quote == b'\'' && self.at(1) == b'\'' => {
                    self.step();
                    self.step();
                }
                b'\\' if quote == b'"' => {
                    self.step();
                    if !self.eof() {
                        self.step();
                    }
                }
                c if c == quote => {
                    self.step();
                    return Ok(());
                }
                _ => self.step(),
            }
        }
    }

    /// A plain scalar: in block context it goes on over the lines indented
    /// more than its collection; in flow context brackets and `,` end it.
    fn plain(&mut self) -> Result<(), Stop> {
        let indent = self.top() + 1;
        let mut leading_blanks = false;
        loop {
            let marker = self.column == 0
                && ((self.at(0) == b'-' && self.at(1) == b'-' && self.at(2) == b'-')
                    || (self.at(0) == b'.' && self.at(1) == b'.' && self.at(2) == b'.'))
                && self.is_blankz(3);
            if marker || self.at(0) == b'#' {
                break;
            }
            while !self.is_blankz(0) {
                let c = self.at(0);
                if self.flow_level > 0 && c == b':' && b",?[]{}".contains(&self.at(1)) {
                    return Err(Stop::SyntaxError);
                }
                if (c == b':' && self.is_blankz(1))
                    || (self.flow_level > 0 && b",[]{}".contains(&c))
                {
                    break;
                }
                self.step();
            }
            if !(self.is_blank(0) || self.break_len(0) > 0) {
                break;
            }
            while self.is_blank(0) || self.break_len(0) > 0 {
                if self.break_len(0) > 0 {
                    leading_blanks = true;
                }
                self.step();
            }
            if self.flow_level == 0 && self.column < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
        Ok(())
    }

    /// A literal or folded block scalar: its header, then every line
    /// indented at least as its first one (and more than its collection).
    fn block_scalar(&mut self) -> Result<(), Stop> {
        self.step();
        let mut increment = 0;
        for _ in 0..2 {
            match self.at(0) {
                b'+' | b'-' => self.step(),
                c @ b'1'..=b'9' => {
                    increment = i64::from(c - b'0');
                    self.step();
                }
                b'0' => return Err(Stop::SyntaxError),
                _ => break,
            }
        }
        while self.is_blank(0) {
            self.step();
        }
        if self.at(0) == b'#' {
            while !self.eof() && self.break_len(0) == 0 {
                self.step();
            }
        }
        if self.eof() {
            return Ok(());
        }
        if self.break_len(0) == 0 {
            return Err(Stop::SyntaxError);
        }
        self.step();
        let mut indent = if increment > 0 {
            self.top().max(0) + increment
        } else {
            0
        };
        self.block_scalar_breaks(&mut indent)?;
        while self.column == indent && !self.eof() {
            while !self.eof() && self.break_len(0) == 0 {
                self.step();
            }
            if self.eof() {
                break;
            }
            self.step();
            self.block_scalar_breaks(&mut indent)?;
        }
        Ok(())
    }

    /// Blank lines and the indentation of the next line; sets `indent`
    /// from them when the header gave none (libyaml's rule).
    fn block_scalar_breaks(&mut self, indent: &mut i64) -> Result<(), Stop> {
        let mut max_indent = 0;
        loop {
            while (*indent == 0 || self.column < *indent) && self.at(0) == b' ' {
                self.step();
            }
            max_indent = max_indent.max(self.column);
            if (*indent == 0 || self.column < *indent) && self.at(0) == b'\t' {
                return Err(Stop::SyntaxError);
            }
            if self.break_len(0) == 0 {
                break;
            }
            self.step();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.top() + 1).max(1);
        }
        Ok(())
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
    /// No Kubernetes object at all (no mapping, or no `apiVersion` or no
    /// `kind`), rather than a malformed one.
    pub not_an_object: bool,
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
    let error = |message: String| ObjectError {
        item,
        message,
        not_an_object: false,
    };
    let missing = |message: String| ObjectError {
        item,
        message,
        not_an_object: true,
    };
    let Value::Object(map) = value else {
        found.push(Err(missing(format!(
            "not a Kubernetes object: a {} instead of a mapping with apiVersion and kind",
            type_name(&value)
        ))));
        return;
    };
    let field = |name: &str, default: Option<&str>| match map.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => default
            .map(str::to_owned)
            .ok_or_else(|| missing(format!("no {name}: not a Kubernetes object"))),
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
        // kubectl reads one level of List: a List among the items reaches
        // the API server as kind List, which no resource serves, so apply
        // fails. It is an error here too, never one admitted object hiding
        // the Pods inside it.
        if item.is_some() && map.contains_key("items") {
            found.push(Err(error(format!(
                "a {kind} inside a List: kubectl reads one level of List and cannot apply it; list its items in the outer List"
            ))));
            return;
        }
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

    /// `block` levels of indented mappings holding `flow` levels of brackets.
    fn mixed(block: usize, flow: usize) -> String {
        let mut text: String = (0..block)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        text.push_str(&format!(
            "{}x: {}{}\n",
            " ".repeat(block),
            "[".repeat(flow),
            "]".repeat(flow)
        ));
        text
    }

    fn deep(open: &str, close: &str, depth: usize) -> String {
        format!("a: {}{}\n", open.repeat(depth), close.repeat(depth))
    }

    /// The nesting pre-pass alone: `Err(line)` where it refuses.
    #[rstest]
    #[case::flat_manifest("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: a\n      image: nginx\n", Ok(()))]
    #[case::flow_at_the_limit(deep("[", "]", MAX_DEPTH - 1), Ok(()))]
    #[case::flow_over_the_limit(deep("[", "]", MAX_DEPTH), Err(1))]
    #[case::flow_mappings(format!("a: 1\nb: {}\n", "{x: ".repeat(200)), Err(2))]
    #[case::flow_over_lines(format!("a:\n{}", "[\n".repeat(500)), Err(129))]
    #[case::block_sequences_compact(format!("a:\n{}x\n", "- ".repeat(200)), Err(2))]
    #[case::block_mappings_indented((0..200).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>(), Err(129))]
    #[case::brackets_in_a_double_quoted_string(format!("a: \"{}\"\n", "[".repeat(500)), Ok(()))]
    #[case::brackets_in_a_single_quoted_string(format!("a: '{}'' {}'\n", "[".repeat(300), "{".repeat(300)), Ok(()))]
    #[case::brackets_in_a_comment(format!("a: 1 # {}\n", "[".repeat(500)), Ok(()))]
    #[case::brackets_in_a_plain_scalar(format!("a: x{}\n", "[".repeat(500)), Ok(()))]
    #[case::brackets_in_a_multi_line_plain_scalar(format!("a: x\n  {}\n", "[".repeat(500)), Ok(()))]
    #[case::brackets_in_a_literal_block(format!("a: |\n  {}\n  {}\nb: 1\n", "[".repeat(300), "{".repeat(300)), Ok(()))]
    #[case::brackets_in_a_nested_folded_block(format!("a:\n  - b: >-\n      {}\n  - c\n", "[".repeat(300)), Ok(()))]
    #[case::json_in_a_block_scalar(format!("data:\n  config.json: |\n    {}1{}\n", "{\"a\": ".repeat(300), "}".repeat(300)), Ok(()))]
    // Text that ends where libyaml ends it cannot hide the brackets after it.
    #[case::after_a_block_scalar_that_ended(format!("a: |\n  text\nb: {}\n", "[".repeat(200)), Err(3))]
    #[case::block_scalar_not_indented_past_its_key(format!("x:\n  a: |\n  b: {}\n", "[".repeat(200)), Err(3))]
    #[case::after_a_closed_quote_in_flow(format!("a: [\"x\", {}\n", "[".repeat(200)), Err(1))]
    #[case::quote_inside_a_flow_plain_scalar(format!("a: [b\"c, {}\n", "[".repeat(200)), Err(1))]
    #[case::escaped_quote(format!("a: [\"x\\\"\", {}\n", "[".repeat(200)), Err(1))]
    #[case::hash_without_a_blank_is_text(format!("a: [b#c, {}\n", "[".repeat(200)), Err(1))]
    #[case::tag_with_brackets_in_flow(format!("a: {}\n", "[!t ".repeat(200)), Err(1))]
    #[case::verbatim_tag_holds_brackets(format!("a: !<tag:x,{}> 1\n", "[".repeat(300)), Ok(()))]
    #[case::plain_scalar_lines_end_at_the_parent_indent(format!("a: x\nb: {}\n", "[".repeat(200)), Err(2))]
    #[case::nel_is_a_line_break(format!("a: |\n  x\u{85}b: {}\n", "[".repeat(200)), Err(3))]
    fn nesting_pre_pass(#[case] text: String, #[case] expected: Result<(), usize>) {
        assert_eq!(check_nesting(&text), expected);
    }

    /// Every row the pre-pass accepts, the YAML reader reads (no false
    /// refusal), and every row it refuses, the reader refuses too.
    #[rstest]
    #[case::flow_at_the_limit(deep("[", "]", MAX_DEPTH - 2))]
    #[case::flow_over_the_limit(deep("[", "]", MAX_DEPTH + 2))]
    #[case::block_and_flow_under_the_limit(mixed(60, 60))]
    #[case::block_and_flow_over_the_limit(mixed(60, 70))]
    #[case::block_sequences_of_mappings_over_the_limit((0..70).map(|i| format!("{}- k{i}:\n", "    ".repeat(i))).collect())]
    #[case::literal_block_with_json("data:\n  a.json: |\n    {\"a\": [[[[1]]]]}\n  b: [1, {c: d}]\n".to_owned())]
    #[case::anchors_and_tags("a: &x !!str [x]\nb: *x\nc: !!seq [1]\n".to_owned())]
    fn pre_pass_agrees_with_the_reader(#[case] text: String) {
        let reader = serde_yaml::from_str::<serde_yaml::Value>(&text);
        let refused_by_reader = reader
            .as_ref()
            .err()
            .is_some_and(|e| e.to_string().contains("recursion limit"));
        assert_eq!(
            check_nesting(&text).is_err(),
            refused_by_reader,
            "{reader:?}"
        );
    }

    #[test]
    fn a_100000_deep_file_is_refused_at_once_with_its_line() {
        let text = format!(
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let clock = Instant::now();
        let docs = documents(&text);
        let elapsed = clock.elapsed();
        let error = docs[0].value.as_ref().expect_err("refused");
        assert_eq!(error.line, 4);
        assert_eq!(
            error.message,
            "YAML nested deeper than 128 levels at line 4: not read"
        );
        // Milliseconds in fact; the bound is loose for a busy machine.
        assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    }

    #[rstest]
    #[case::second_document(
        "a: 1\n---\nb: [\n",
        3,
        "did not find expected node content at line 4 column 1"
    )]
    #[case::third_document("a: 1\n---\nb: 2\n---\nc:\n  d: 1\n e: 2\n", 7, "at line 7 column 2")]
    fn error_lines_are_the_files(#[case] text: &str, #[case] line: usize, #[case] message: &str) {
        let docs = documents(text);
        let error = docs
            .last()
            .and_then(|d| d.value.as_ref().err())
            .expect("error");
        assert_eq!(error.line, line, "{error:?}");
        assert!(error.message.contains(message), "{error:?}");
    }

    #[rstest]
    #[case::a_mark(
        "x at line 2 column 3, y at line 1 column 1",
        10,
        "x at line 12 column 3, y at line 11 column 1"
    )]
    #[case::not_a_mark(
        "key \"line 5\" at line 2 column 3",
        1,
        "key \"line 5\" at line 3 column 3"
    )]
    fn shifted_lines(#[case] message: &str, #[case] by: usize, #[case] expected: &str) {
        assert_eq!(shift_lines(message, by), expected);
    }

    #[rstest]
    #[case::helm_action("a: 1\n---\nkind: Pod\nname: {{ .Values.name }}\n", Some(4))]
    #[case::none("a: '{'\n", None)]
    #[case::template_opening_with_braces_is_not_json(
        "{{- if .Values.on }}\nkind: Pod\n{{- end }}\n",
        Some(1)
    )]
    fn template_lines(#[case] text: &str, #[case] line: Option<usize>) {
        assert_eq!(documents(text).last().and_then(|d| d.template_line), line);
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
