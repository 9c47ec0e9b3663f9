//! Reading manifests at the edges a real checkout has: symbolic links,
//! files that are not UTF-8, extensions in upper case, a List inside a List.
//! Each test builds its own tree in a [`TempDir`], so rows never share files.

mod common;

use std::os::unix::fs::symlink;

use common::TempDir;
use kwrunner::scan::manifests::{self, Object, ObjectError, Source};
use rstest::rstest;
use serde_json::json;

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  containers:\n    - name: c\n      image: nginx:1.27\n";

/// The sources read from `inputs` (paths relative to `dir`), as
/// `(name relative to dir, Ok(text) or Err(reason))`.
fn read(dir: &TempDir, inputs: &[&str]) -> Vec<(String, Result<String, String>)> {
    let inputs: Vec<String> = inputs
        .iter()
        .map(|input| dir.join(input).display().to_string())
        .collect();
    let prefix = format!("{}/", dir.path().display());
    manifests::read_inputs(&inputs, &mut std::io::empty())
        .into_iter()
        .map(|Source { name, text, .. }| {
            let name = name.strip_prefix(&prefix).unwrap_or(&name).to_owned();
            (name, text)
        })
        .collect()
}

/// How the tree under the test's directory is laid out.
#[derive(Debug, Clone, Copy)]
enum Tree {
    /// `manifests/` holds `link.yaml`, a link to `../elsewhere/pod.yaml`.
    LinkToFile,
    /// `manifests/` holds `pod.yaml` and `more`, a link to `../elsewhere/`.
    LinkToDirectory,
    /// `manifests/` holds `pod.yaml` and `loop`, a link to `.` (itself).
    LinkLoop,
    /// `manifests/` holds `pod.yaml` and `upper.YAML`.
    UpperCaseExtension,
    /// `manifests/` holds only `upper.YAML` and `other.Yml`.
    OnlyUpperCase,
    /// `manifests/` holds `pod.yaml` and `gone.yaml`, a link to a file that is not there.
    DanglingLink,
}

fn build(dir: &TempDir, tree: Tree) {
    let manifests = dir.join("manifests");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&manifests).expect("manifests dir");
    std::fs::create_dir_all(&elsewhere).expect("elsewhere dir");
    dir.write("elsewhere/pod.yaml", POD);
    match tree {
        Tree::LinkToFile => {
            symlink("../elsewhere/pod.yaml", manifests.join("link.yaml")).expect("link")
        }
        Tree::LinkToDirectory => {
            dir.write("manifests/pod.yaml", POD);
            symlink("../elsewhere", manifests.join("more")).expect("link");
        }
        Tree::LinkLoop => {
            dir.write("manifests/pod.yaml", POD);
            symlink(".", manifests.join("loop")).expect("link");
        }
        Tree::UpperCaseExtension => {
            dir.write("manifests/pod.yaml", POD);
            dir.write("manifests/upper.YAML", POD);
        }
        Tree::OnlyUpperCase => {
            dir.write("manifests/upper.YAML", POD);
            dir.write("manifests/other.Yml", POD);
        }
        Tree::DanglingLink => {
            dir.write("manifests/pod.yaml", POD);
            symlink("../elsewhere/gone.yaml", manifests.join("gone.yaml")).expect("link");
        }
    }
}

/// Each row: a tree, what is given to `-f`, and the sources read (`Ok` with
/// the whole POD text, or the reason).
#[rstest]
// A link to a file is read, under the link's own name.
#[case::link_to_file(Tree::LinkToFile, &["manifests"], &[("manifests/link.yaml", Ok(POD))])]
// A link to a directory is not followed, as `kubectl apply -R`.
#[case::link_to_directory_not_followed(Tree::LinkToDirectory, &["manifests"], &[("manifests/pod.yaml", Ok(POD))])]
// ...so a link loop ends: each file once.
#[case::link_loop_ends(Tree::LinkLoop, &["manifests"], &[("manifests/pod.yaml", Ok(POD))])]
// A link to a directory given by name is walked: the user asked for it.
#[case::link_to_directory_given(Tree::LinkToDirectory, &["manifests/more"], &[("manifests/more/pod.yaml", Ok(POD))])]
// Extensions compare with case, as kubectl's: `.YAML` is not walked...
#[case::upper_case_not_walked(Tree::UpperCaseExtension, &["manifests"], &[("manifests/pod.yaml", Ok(POD))])]
// ...but a file given by name is read whatever its name.
#[case::upper_case_given(Tree::UpperCaseExtension, &["manifests/upper.YAML"], &[("manifests/upper.YAML", Ok(POD))])]
// A directory of upper-case names only is said to hold no manifest.
#[case::only_upper_case(Tree::OnlyUpperCase, &["manifests"], &[("manifests", Err("no .yaml, .yml or .json file in this directory"))])]
// A link to a file that is gone is an error, never skipped in silence.
#[case::dangling_link(Tree::DanglingLink, &["manifests"], &[("manifests/gone.yaml", Err("cannot read: No such file or directory (os error 2)")), ("manifests/pod.yaml", Ok(POD))])]
fn walks_links_and_extensions(
    #[case] tree: Tree,
    #[case] inputs: &[&str],
    #[case] expected: &[(&str, Result<&str, &str>)],
) {
    let dir = TempDir::new("manifests-edge");
    build(&dir, tree);
    let expected: Vec<(String, Result<String, String>)> = expected
        .iter()
        .map(|(name, text)| {
            let text = text.map(str::to_owned).map_err(str::to_owned);
            ((*name).to_owned(), text)
        })
        .collect();
    assert_eq!(read(&dir, inputs), expected);
}

/// A file that is not UTF-8 is named with the offset of its first bad byte,
/// whether given by name or met in a walk; the files beside it are read.
#[rstest]
// 0xff never occurs in UTF-8; Latin-1 `é` (0xe9) starts a sequence it does not finish.
#[case::invalid_byte(
    b"kind: Pod\n\xff\n",
    "not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 10"
)]
#[case::latin1(
    b"name: caf\xe9\n",
    "not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 9"
)]
#[case::utf16_bom(
    b"\xff\xfek\x00",
    "not UTF-8 text: invalid utf-8 sequence of 1 bytes from index 0"
)]
fn non_utf8_files_are_named(#[case] bytes: &[u8], #[case] reason: &str) {
    let dir = TempDir::new("manifests-non-utf8");
    std::fs::create_dir_all(dir.join("manifests")).expect("manifests dir");
    dir.write("manifests/a.yaml", POD);
    dir.write("manifests/b.yaml", bytes);
    let bad = ("manifests/b.yaml".to_owned(), Err(reason.to_owned()));
    assert_eq!(read(&dir, &["manifests/b.yaml"]), vec![bad.clone()]);
    assert_eq!(
        read(&dir, &["manifests"]),
        vec![("manifests/a.yaml".to_owned(), Ok(POD.to_owned())), bad]
    );
}

/// A List inside a List is an error, not one admitted object: kubectl reads
/// one level of List (its apply then finds no resource for kind List), and
/// the Pods inside must not pass unseen. The items beside it are still read.
#[test]
fn list_inside_a_list_is_an_error() {
    let inner_pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "inner"}});
    let inner = json!({"apiVersion": "v1", "kind": "List", "items": [inner_pod]});
    let outer_pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "outer"}});
    let document = json!({"apiVersion": "v1", "kind": "List", "items": [inner, outer_pod.clone()]});
    let expected: Vec<Result<Object, ObjectError>> = vec![
        Err(ObjectError {
            item: Some(0),
            message: "a List inside a List: kubectl reads one level of List and cannot apply it; list its items in the outer List".to_owned(),
            not_an_object: false,
        }),
        Ok(Object {
            item: Some(1),
            api_version: "v1".to_owned(),
            kind: "Pod".to_owned(),
            value: outer_pod,
        }),
    ];
    assert_eq!(manifests::objects(document), expected);
}

/// A typed list inside a List (`PodList`) is the same error: its items are
/// not reached by kubectl either.
#[test]
fn typed_list_inside_a_list_is_an_error() {
    let inner =
        json!({"apiVersion": "v1", "kind": "PodList", "items": [{"metadata": {"name": "p"}}]});
    let document = json!({"apiVersion": "v1", "kind": "List", "items": [inner]});
    assert_eq!(
        manifests::objects(document),
        vec![Err(ObjectError {
            item: Some(0),
            message: "a PodList inside a List: kubectl reads one level of List and cannot apply it; list its items in the outer List".to_owned(),
            not_an_object: false,
        })]
    );
}
