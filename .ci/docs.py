#!/usr/bin/env python3
"""Checks that the README, docs/, examples/, questions-ui.yml, metadata.yml
and artifacthub-pkg.yml say what the code does. One subcommand per check
(docs.bats runs each as a test); each prints what disagrees and exits 1.

The settings keys come from the built policy itself: `validate_settings`
refuses an unknown key naming every key it knows (serde's words), so a key
added to src/settings.rs shows up here without touching this script.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KWRUNNER = os.environ.get("KWRUNNER", os.path.join(ROOT, "target/host/kwrunner"))
POLICY = os.environ.get("POLICY", os.path.join(ROOT, "policy.wasm"))
PROBE = "zz-probe"


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def fail(problems):
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


def section(text, heading):
    """The lines of a README section, from its heading to the next one."""
    lines = text.split("\n")
    start = lines.index(heading)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
        len(lines),
    )
    return lines[start + 1 : end]


def fenced_after(lines, predicate, fence_lang=None):
    """The body of the first fenced block after the first line matching."""
    for i, line in enumerate(lines):
        if predicate(line):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            if j == len(lines) or (fence_lang and lines[j] != "```" + fence_lang):
                return None
            k = j + 1
            while lines[k] != "```":
                k += 1
            return lines[j + 1 : k]
    return None


def console_output(lines, command):
    """What a ```console block shows after `$ command`, up to the next `$`."""
    for i, line in enumerate(lines):
        if line == "$ " + command:
            out = []
            for rest in lines[i + 1 :]:
                if rest.startswith("```") or rest.startswith("$ "):
                    return out
                out.append(rest)
    return None


def shown_matches(shown, actual):
    """`...` lines elide any run of lines; the rest must match in order, the
    last run at the very end."""
    segments, current = [], []
    for line in shown:
        if line == "...":
            segments.append(current)
            current = []
        else:
            current.append(line)
    segments.append(current)
    pos = 0
    for n, seg in enumerate(segments):
        if not seg:
            continue
        last = n == len(segments) - 1
        found = None
        for start in range(pos, len(actual) - len(seg) + 1):
            if actual[start : start + len(seg)] == seg and (
                not last or start + len(seg) == len(actual)
            ):
                found = start
                if not last:
                    break
        if found is None or (n == 0 and found != 0):
            return False
        pos = found + len(seg)
    return True


# --- the policy, through the runner ----------------------------------------


def run_policy(settings, request_path, namespace=None, image=None):
    """kwrunner run with settings (a dict); returns (exit, response, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        if image is not None:
            review = json.loads(read(request_path))
            request = review["request"]
            request["namespace"] = namespace
            request["object"]["metadata"]["namespace"] = namespace
            spec = request["object"]["spec"]
            spec.pop("initContainers", None)
            spec["containers"] = [{"name": "app", "image": image}]
            request_path = os.path.join(tmp, "request.json")
            with open(request_path, "w") as f:
                json.dump(review, f)
        proc = subprocess.run(
            [KWRUNNER, "run", "--settings-json", json.dumps(settings),
             "--request-path", os.path.join(ROOT, request_path), POLICY],
            capture_output=True, text=True, cwd=ROOT,
        )
    response = json.loads(proc.stdout) if proc.returncode == 0 else None
    return proc.returncode, response, proc.stderr


def unknown_field_names(settings):
    """The keys the policy expects where `zz-probe` is, or None."""
    _, _, stderr = run_policy(settings, "test_data/pod_creation.json")
    m = re.search(r"unknown field `" + PROBE + r"`, expected (.*)", stderr)
    if not m:
        return None
    return re.findall(r"`([^`]+)`", m.group(1))


def code_keys():
    keys = set()
    top = unknown_field_names({PROBE: None})
    if not top:
        sys.exit(f"the policy did not name its settings keys ({KWRUNNER}, {POLICY})")
    for key in top:
        sub = unknown_field_names({key: {PROBE: None}})
        if sub:
            keys.update(f"{key}.{s}" for s in sub)
            continue
        keys.add(key)
        sub = unknown_field_names({key: [{PROBE: None}]})
        if sub:
            keys.update(f"{key}[].{s}" for s in sub)
    return keys


# --- the texts ----------------------------------------------------------------


def fmt_default(value):
    if value is None:
        return None
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def readme_table():
    """{key: (default or None, meaning)} from the README's settings table."""
    lines = section(read("README.md"), "## Settings")
    start = lines.index("| key | default | meaning |")
    rows = {}
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        key, default, meaning = [c.strip() for c in line.strip("|").split("|", 2)]
        default = default.strip("`")
        rows[key.strip("`")] = (None if default in ("—", "") else default, meaning)
    return rows


def questions():
    """{key: default or None} from questions-ui.yml."""
    out = {}
    for q in yaml.safe_load(read("questions-ui.yml"))["questions"]:
        if "subquestions" in q:
            for sq in q["subquestions"]:
                out[sq["variable"]] = fmt_default(sq.get("default"))
        elif q.get("hide_input") and q.get("type") == "string":
            continue  # display-only text, such as the description
        else:
            out[q["variable"]] = fmt_default(q.get("default"))
            for sq in q.get("sequence_questions", []):
                out[f"{q['variable']}[].{sq['variable']}"] = None
    return out


def mutating_keys():
    return {
        re.split(r"[.\[]", key)[0]
        for key, (_, meaning) in readme_table().items()
        if "makes the policy mutating" in meaning
    }


def example_policies():
    """(path, document) for every policy object in examples/."""
    for name in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if not name.endswith((".yaml", ".yml")):
            continue
        for doc in yaml.safe_load_all(read("examples/" + name)):
            if isinstance(doc, dict) and doc.get("kind", "").endswith("AdmissionPolicy"):
                yield "examples/" + name, doc


# --- checks -------------------------------------------------------------------


def check_keys():
    readme, ui, code = set(readme_table()), set(questions()), code_keys()
    problems = []
    for name, keys in (("README.md's settings table", readme), ("questions-ui.yml", ui)):
        for k in sorted(code - keys):
            problems.append(f"{name} lacks {k}, a key the policy reads")
        for k in sorted(keys - code):
            problems.append(f"{name} has {k}, which the policy refuses as unknown")
    fail(problems)


def check_defaults():
    table, ui = readme_table(), questions()
    settings_rs = read("src/settings.rs")
    problems = []
    for key, (default, _) in sorted(table.items()):
        if default is None:
            continue
        if key in ui and ui[key] != default:
            problems.append(f"{key}: README says {default}, questions-ui.yml {ui[key]}")
        if default in ("true", "false"):
            snake = re.sub(r"([A-Z])", r"_\1", key).lower()
            m = re.search(r"raw\." + snake + r"\.unwrap_or\((true|false)\)", settings_rs)
            if not m:
                problems.append(f"{key}: no `raw.{snake}.unwrap_or(..)` in src/settings.rs")
            elif m.group(1) != default:
                problems.append(f"{key}: README says {default}, src/settings.rs {m.group(1)}")
    fail(problems)


def check_quoted_examples():
    """Every `[examples/X](...):` line followed by a yaml block quotes X whole."""
    lines = read("README.md").split("\n")
    problems, seen = [], 0
    for i, line in enumerate(lines):
        m = re.match(r"^\[`(examples/[^`]+)`\]\([^)]*\):$", line)
        if not m:
            continue
        body = fenced_after(lines[i:], lambda l: l == line, "yaml")
        seen += 1
        if body is None:
            problems.append(f"README line {i + 1}: no yaml block after {m.group(1)}")
        elif "\n".join(body) + "\n" != read(m.group(1)):
            problems.append(f"README's block after line {i + 1} is not {m.group(1)} byte for byte")
    if not seen:
        problems.append("README quotes no file of examples/")
    # The install example says it carries examples/settings.yaml's settings.
    policy = yaml.safe_load(read("examples/cluster-admission-policy.yaml"))
    if policy["spec"]["settings"] != yaml.safe_load(read("examples/settings.yaml")):
        problems.append("examples/cluster-admission-policy.yaml's settings are not examples/settings.yaml's")
    fail(problems)


def check_mutating():
    keys = mutating_keys()
    problems = []
    if not keys:
        problems.append("README's settings table names no key that makes the policy mutating")
    # metadata.yml: mutating true (some settings mutate), and its comment names the keys.
    meta_lines = read("metadata.yml").split("\n")
    at = next(i for i, l in enumerate(meta_lines) if l.startswith("mutating:"))
    if meta_lines[at] != "mutating: true":
        problems.append("metadata.yml must say mutating: true: " + ", ".join(sorted(keys)) + " mutate")
    comment = []
    for line in reversed(meta_lines[:at]):
        if not line.startswith("#"):
            break
        comment.append(line)
    said = set(re.findall(r"`(\w+)`", " ".join(comment)))
    if said != keys:
        problems.append(f"metadata.yml's comment on mutating names {sorted(said)}, the README table {sorted(keys)}")
    # README's install section: "**`mutating: true`** is needed only when ...".
    install = " ".join(section(read("README.md"), "## Install"))
    m = re.search(r"\*\*`mutating: true`\*\*(.*?)\.(?:\s|$)", install)
    said = set(re.findall(r"`(\w+)`", m.group(1))) if m else set()
    if said != keys:
        problems.append(f"README's Install says mutating for {sorted(said)}, its table {sorted(keys)}")
    # questions-ui.yml: the texts that say "mutating" belong to those keys.
    said = {
        q["variable"] for q in yaml.safe_load(read("questions-ui.yml"))["questions"]
        if "mutating" in (q.get("description", "") + q.get("tooltip", ""))
    }
    if said != keys:
        problems.append(f"questions-ui.yml says mutating for {sorted(said)}, the README {sorted(keys)}")
    # Every example policy: mutating exactly when its settings use such a key.
    for path, doc in example_policies():
        spec = doc["spec"]
        needed = bool(keys & set(spec.get("settings") or {}))
        if spec.get("mutating", False) != needed:
            problems.append(f"{path}: {doc['metadata']['name']} says mutating: {spec.get('mutating')}, its settings need {needed}")
    fail(problems)


def check_description():
    meta = yaml.safe_load(read("metadata.yml"))["annotations"]["io.kubewarden.policy.description"]
    hub = yaml.safe_load(read("artifacthub-pkg.yml"))["description"]
    intro = read("README.md").split("\n\n")[1]
    problems = []
    if hub != meta:
        problems.append("artifacthub-pkg.yml's description is not metadata.yml's: make artifacthub-pkg.yml")
    for what in ("registr", "tag", "image", "digest", "mirror", "pin"):
        for name, text in (("metadata.yml's description", meta), ("README's first paragraph", intro)):
            if what not in text.lower():
                problems.append(f"{name} does not say what the policy does with {what}*")
    fail(problems)


def check_links():
    url = yaml.safe_load(read("metadata.yml"))["annotations"]["io.kubewarden.policy.url"]
    base = url.rstrip("/") + "/blob/main/"
    problems = []
    readme = read("README.md")
    for target in re.findall(r"\]\(([^)]+)\)", readme):
        if target.startswith(base):
            if not os.path.isfile(os.path.join(ROOT, target[len(base):].split("#")[0])):
                problems.append(f"README links to {target}: no such file")
        elif not target.startswith("https://"):
            problems.append(f"README links to {target}: relative links break in the embedded copy; use {base}...")
        elif "/blob/" in target and "registry-allowlist" in target:
            problems.append(f"README links to {target}: not under {base}")
    docs = os.path.join(ROOT, "docs")
    for name in sorted(os.listdir(docs)):
        for target in re.findall(r"\]\(([^)]+)\)", read("docs/" + name)):
            if re.match(r"^[a-z]+://", target) or target.startswith("#"):
                continue
            if not os.path.exists(os.path.join(docs, target.split("#")[0])):
                problems.append(f"docs/{name} links to {target}: no such file")
    fail(problems)


def check_make_run():
    shown = console_output(read("README.md").split("\n"), "make run")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.run(["make", "--no-print-directory", "run"], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    actual = proc.stdout.rstrip("\n").split("\n")
    if proc.returncode != 0 or shown is None or not shown_matches(shown, actual):
        fail([f"README shows for make run:", *(shown or ["(nothing)"]),
              f"make run printed (exit {proc.returncode}):", *actual])


def check_make_check():
    """The closing lines `make check` prints come from .ci/summary.sh; run on
    any log it prints the same lines, counts aside."""
    shown = console_output(read("README.md").split("\n"), "make check")
    with tempfile.NamedTemporaryFile("w") as log:
        proc = subprocess.run([os.path.join(ROOT, ".ci/summary.sh"), log.name],
                              capture_output=True, text=True)
    digits = lambda lines: [re.sub(r"\d+", "N", l) for l in lines]
    actual = proc.stdout.rstrip("\n").split("\n")
    if shown is None or not shown_matches(digits(shown), digits(actual)):
        fail(["README shows for make check:", *(shown or ["(nothing)"]),
              ".ci/summary.sh prints:", *actual])


def check_settings_example():
    """The README's annotated settings load, and its refusal is the policy's."""
    lines = section(read("README.md"), "## Settings")
    body = fenced_after(lines, lambda l: l.startswith("The keys of"), "yaml")
    problems = []
    code, _, stderr = run_policy(yaml.safe_load("\n".join(body)), "test_data/pod_creation.json")
    if code != 0:
        problems.append(f"README's settings example does not load: {stderr.strip()}")
    refusal = fenced_after(lines, lambda l: l.startswith("A refusal names"), "text")
    settings = yaml.safe_load(read("examples/settings.yaml"))
    _, response, stderr = run_policy(settings, "test_data/pod_creation_untrusted.json")
    said = (response or {}).get("status", {}).get("message")
    if refusal != [said]:
        problems.append(f"README's refusal is not what the policy says for test_data/pod_creation_untrusted.json: {said or stderr}")
    fail(problems)


def check_per_namespace():
    """docs/per-namespace.md's table, judged by both example policies."""
    cluster = yaml.safe_load(read("examples/cluster-admission-policy.yaml"))
    team = yaml.safe_load(read("examples/team-a-admission-policy.yaml"))
    problems = []
    if cluster["kind"] != "ClusterAdmissionPolicy" or team["kind"] != "AdmissionPolicy":
        problems.append("the per-namespace examples are not a ClusterAdmissionPolicy and an AdmissionPolicy")
    namespace = team["metadata"]["namespace"]
    lines = read("docs/per-namespace.md").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("<!-- per-namespace table"))
    rows = 0
    for line in lines[start + 3 :]:
        if not line.startswith("|"):
            break
        rows += 1
        image, *verdicts = [c.strip().strip("`*") for c in line.strip("|").split("|")]
        admitted = []
        for policy, expected in zip((cluster, team), verdicts[:2]):
            code, response, stderr = run_policy(policy["spec"]["settings"], "test_data/pod_creation.json", namespace, image)
            if code != 0:
                problems.append(f"{policy['metadata']['name']}: settings do not load: {stderr.strip()}")
                continue
            said = "admitted" if response["allowed"] else response["status"]["message"]
            want = expected if expected == "admitted" else f'container "app" image "{image}": {expected}'
            if said != want:
                problems.append(f"{image}, {policy['metadata']['name']}: the doc says {want!r}, the policy {said!r}")
            admitted.append(response["allowed"])
        overall = "admitted" if all(admitted) else "refused"
        if verdicts[2] != overall:
            problems.append(f"{image}: the doc says {verdicts[2]} in {namespace}, both policies together: {overall}")
    if rows < 3:
        problems.append("docs/per-namespace.md's table has fewer than three rows")
    fail(problems)


def check_length():
    n = read("README.md").count("\n")
    fail([f"README.md has {n} lines, more than 250: move details to docs/"] if n > 250 else [])


CHECKS = {name[len("check_"):].replace("_", "-"): f for name, f in globals().items() if name.startswith("check_")}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit("usage: docs.py " + "|".join(CHECKS))
    CHECKS[sys.argv[1]]()
