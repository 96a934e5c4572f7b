#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
"""Check docs/policy.schema.json against the policies it describes, with the standard library.

usage: check.py YAML2JSON

The validator below implements the JSON Schema 2020-12 keywords the schema uses and refuses any
other keyword, so a constraint it does not understand fails the check instead of passing
silently. Cases: the built-in default and the example in docs/policy.md validate; variants the
format allows validate; variants it refuses do not. Prints one line per case and
"# unit: passed=N failed=M" (the tests/unit harness format).
"""
import copy
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMA = os.path.join(ROOT, "docs", "policy.schema.json")
DEFAULT = os.path.join(ROOT, "policies", "default.yaml")
DOC = os.path.join(ROOT, "docs", "policy.md")
DRAFT = "https://json-schema.org/draft/2020-12/schema"

ANNOTATIONS = {"$schema", "$id", "title", "description", "$defs"}
ASSERTIONS = {
    "type", "const", "enum", "pattern", "minimum", "maximum", "minItems", "maxItems",
    "uniqueItems", "items", "required", "properties", "additionalProperties",
    "minProperties", "$ref", "oneOf", "not",
}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(Exception):
    pass


def canon(v):
    """JSON equality: 1 and true differ, key order does not matter."""
    return json.dumps(v, sort_keys=True)


class Validator:
    def __init__(self, root):
        self.root = root
        self.check_keywords(root, "#")

    def check_keywords(self, schema, where):
        if isinstance(schema, bool):
            return
        if not isinstance(schema, dict):
            raise SchemaError(f"{where}: a schema must be an object or a boolean")
        unknown = set(schema) - ANNOTATIONS - ASSERTIONS
        if unknown:
            raise SchemaError(f"{where}: keywords this validator does not implement: "
                              f"{sorted(unknown)}")
        if "type" in schema:
            for t in schema["type"] if isinstance(schema["type"], list) else [schema["type"]]:
                if t not in TYPES:
                    raise SchemaError(f"{where}: type {t!r} not implemented")
        for key in ("properties", "$defs"):
            for name, sub in schema.get(key, {}).items():
                self.check_keywords(sub, f"{where}/{key}/{name}")
        for key in ("items", "additionalProperties", "not"):
            if key in schema:
                self.check_keywords(schema[key], f"{where}/{key}")
        for i, sub in enumerate(schema.get("oneOf", [])):
            self.check_keywords(sub, f"{where}/oneOf/{i}")
        if "$ref" in schema:
            self.resolve(schema["$ref"])

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise SchemaError(f"only local references are implemented: {ref}")
        node = self.root
        for part in ref[2:].split("/"):
            if not isinstance(node, dict) or part not in node:
                raise SchemaError(f"dangling reference {ref}")
            node = node[part]
        return node

    def errors(self, v, schema, path="$"):
        """Every way v fails schema, as 'path: what' strings."""
        if schema is True:
            return []
        if schema is False:
            return [f"{path}: not allowed"]
        out = []
        for key, arg in schema.items():
            if key in ANNOTATIONS:
                continue
            out += getattr(self, "kw_" + key.lstrip("$"))(v, arg, schema, path)
        return out

    def kw_type(self, v, arg, schema, path):
        types = arg if isinstance(arg, list) else [arg]
        return [] if any(TYPES[t](v) for t in types) else [f"{path}: not {arg}"]

    def kw_const(self, v, arg, schema, path):
        return [] if canon(v) == canon(arg) else [f"{path}: not {arg!r}"]

    def kw_enum(self, v, arg, schema, path):
        return [] if canon(v) in {canon(a) for a in arg} else [f"{path}: {v!r} not in {arg}"]

    def kw_pattern(self, v, arg, schema, path):
        ok = not isinstance(v, str) or re.search(arg, v)
        return [] if ok else [f"{path}: {v!r} does not match {arg}"]

    def kw_minimum(self, v, arg, schema, path):
        ok = not TYPES["integer"](v) or v >= arg
        return [] if ok else [f"{path}: {v} < {arg}"]

    def kw_maximum(self, v, arg, schema, path):
        ok = not TYPES["integer"](v) or v <= arg
        return [] if ok else [f"{path}: {v} > {arg}"]

    def kw_minItems(self, v, arg, schema, path):
        ok = not isinstance(v, list) or len(v) >= arg
        return [] if ok else [f"{path}: fewer than {arg} items"]

    def kw_maxItems(self, v, arg, schema, path):
        ok = not isinstance(v, list) or len(v) <= arg
        return [] if ok else [f"{path}: more than {arg} items"]

    def kw_uniqueItems(self, v, arg, schema, path):
        ok = not arg or not isinstance(v, list) or len({canon(i) for i in v}) == len(v)
        return [] if ok else [f"{path}: items repeat"]

    def kw_items(self, v, arg, schema, path):
        if not isinstance(v, list):
            return []
        return [e for i, item in enumerate(v) for e in self.errors(item, arg, f"{path}[{i}]")]

    def kw_required(self, v, arg, schema, path):
        if not isinstance(v, dict):
            return []
        return [f"{path}: missing {k!r}" for k in arg if k not in v]

    def kw_minProperties(self, v, arg, schema, path):
        ok = not isinstance(v, dict) or len(v) >= arg
        return [] if ok else [f"{path}: fewer than {arg} keys"]

    def kw_properties(self, v, arg, schema, path):
        if not isinstance(v, dict):
            return []
        return [e for k, sub in arg.items() if k in v
                for e in self.errors(v[k], sub, f"{path}.{k}")]

    def kw_additionalProperties(self, v, arg, schema, path):
        if not isinstance(v, dict):
            return []
        extra = [k for k in v if k not in schema.get("properties", {})]
        return [e for k in extra for e in self.errors(v[k], arg, f"{path}.{k}")]

    def kw_ref(self, v, arg, schema, path):
        return self.errors(v, self.resolve(arg), path)

    def kw_oneOf(self, v, arg, schema, path):
        n = sum(1 for sub in arg if not self.errors(v, sub, path))
        return [] if n == 1 else [f"{path}: matches {n} of oneOf, not 1"]

    def kw_not(self, v, arg, schema, path):
        return [f"{path}: matches a 'not' schema"] if not self.errors(v, arg, path) else []


def yaml_json(tool, path):
    out = subprocess.run([tool, path], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def doc_example(tool):
    """The first yaml block of docs/policy.md."""
    text = open(DOC, encoding="utf-8").read()
    m = re.search(r"```yaml\n(.*?)```", text, re.S)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(m.group(1))
    try:
        return yaml_json(tool, f.name)
    finally:
        os.unlink(f.name)


def allowed_variants(base):
    """Policies the format accepts: (name, mutate)."""
    def server(d):
        d["servers"].append({
            "name": "rich", "match": {"exe": "**/node", "container": ""},
            "roots": ["$HOME", "/srv/data"], "exec": {"allow": ["$RUNTIME_PREFIX/bin/*"]},
            "egress": [{"cidr": "10.0.0.0/8"}, {"cidr": "::1", "ports": [53, "8000-8100"]}],
            "rules": {"net.egress": {"enabled": False}}, "startupGrace": False,
            "exceptions": [{"name": "x", "rule": "net.egress", "fields": ["net.port"],
                            "values": [[443], ["8000-8100"]]}],
        })
    def enforce(d):
        d["mode"] = "enforce"
        d["rules"]["exec.spawn"].update(action="kill", scope="server")
        d["rules"]["net.egress"].update(action="deny", scope="process")
        d["rules"]["net.metadata"].update(action="kill")
        d["rules"]["net.listen_wildcard"].update(action="deny")
        d["defaults"]["rules"] = {"file.sensitive": {"action": "alert", "scope": "process"},
                                  "net.remote_peer": {"scope": "server"}}
        d["servers"].append({"name": "enforced", "match": {"name": "x*"}, "rules": {
            "exec.shell_injection": {"action": "kill", "scope": "server"},
            "net.metadata": {"action": "deny"}}})
    return [
        ("minimal", lambda d: [d.pop(k) for k in list(d) if k not in ("apiVersion", "kind")]),
        ("rich server entry", server),
        ("mode enforce with kill, deny and scope in every layer", enforce),
        ("mode enforce, actions left to the enforcing defaults", lambda d: (
            d.update(mode="enforce"), [r.pop("action") for r in d["rules"].values()])),
        ("mode monitor with kill", lambda d: d["rules"]["file.sensitive"].update(action="kill")),
        ("empty exception rows", lambda d: d["exceptions"].append(
            {"name": "y", "rule": "exec.spawn", "fields": ["proc.exe"], "values": []})),
        ("runtime access left out", lambda d: d["runtime"].append({"path": "$HOME"})),
    ]


def refused_variants():
    """Policies the format refuses and the schema can tell: (name, mutate)."""
    return [
        ("unknown top-level key", lambda d: d.update(mdoe="monitor")),
        ("wrong apiVersion", lambda d: d.update(apiVersion="mcpwarden.dev/v2")),
        ("missing kind", lambda d: d.pop("kind")),
        ("unknown mode", lambda d: d.update(mode="watch")),
        ("alertWindow 0", lambda d: d.update(alertWindow=0)),
        ("alertWindow as a string", lambda d: d.update(alertWindow="60")),
        ("unknown rule", lambda d: d["rules"].update({"exec.spwn": {}})),
        ("unknown action", lambda d: d["rules"]["exec.spawn"].update(action="log")),
        ("unknown action on a net rule", lambda d: d["rules"]["net.egress"].update(
            action="block")),
        ("deny on exec.spawn", lambda d: d["rules"]["exec.spawn"].update(action="deny")),
        ("deny on file.sensitive in a server entry", lambda d: d["servers"][0].update(
            rules={"file.sensitive": {"action": "deny"}})),
        ("deny on net.remote_peer in defaults", lambda d: d["defaults"].update(
            rules={"net.remote_peer": {"action": "deny"}})),
        ("unknown scope", lambda d: d["rules"]["exec.spawn"].update(scope="tree")),
        ("scope as a list", lambda d: d["rules"]["net.egress"].update(scope=["server"])),
        ("unknown severity", lambda d: d["rules"]["exec.spawn"].update(severity="urgent")),
        ("relative runtime path", lambda d: d["runtime"].append({"path": "usr/**"})),
        ("unknown access", lambda d: d["runtime"].append({"path": "/x", "access": "exec"})),
        ("relative sensitive path", lambda d: d["sensitive"].append("x/.env")),
        ("root with a glob", lambda d: d["defaults"].update(roots=["/srv/*"])),
        ("empty ports", lambda d: d["defaults"]["egress"].append({"cidr": "::/0", "ports": []})),
        ("port out of range", lambda d: d["defaults"]["egress"].append(
            {"cidr": "::/0", "ports": [70000]})),
        ("name in defaults", lambda d: d["defaults"].update(name="x")),
        ("server without match", lambda d: d["servers"].append({"name": "x"})),
        ("empty match", lambda d: d["servers"].append({"name": "x", "match": {}})),
        ("server named defaults", lambda d: d["servers"].append(
            {"name": "defaults", "match": {"exe": "/x"}})),
        ("startupGrace as a string", lambda d: d["servers"][0].update(startupGrace="yes")),
        ("five exception fields", lambda d: d["exceptions"].append(
            {"name": "x", "rule": "exec.spawn", "values": [],
             "fields": ["proc.exe", "proc.comm", "proc.cmdline", "tool.name", "server.name"]})),
        ("repeated exception field", lambda d: d["exceptions"].append(
            {"name": "x", "rule": "exec.spawn", "values": [], "fields": ["proc.exe"] * 2})),
        ("exception without values", lambda d: d["exceptions"].append(
            {"name": "x", "rule": "exec.spawn", "fields": ["proc.exe"]})),
    ]


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tool = sys.argv[1]
    results = []

    def case(name, fn):
        try:
            problems = fn()
        except (SchemaError, OSError, ValueError, subprocess.CalledProcessError) as e:
            problems = [f"{type(e).__name__}: {e}"]
        results.append((name, problems))

    schema = json.load(open(SCHEMA, encoding="utf-8"))
    case("schema is draft 2020-12", lambda: [] if schema.get("$schema") == DRAFT
         else [f"$schema is {schema.get('$schema')!r}"])
    v = Validator(schema)
    base = yaml_json(tool, DEFAULT)
    case("default policy validates", lambda: v.errors(base, schema))
    case("docs/policy.md example validates", lambda: v.errors(doc_example(tool), schema))
    for name, mutate in allowed_variants(base):
        d = copy.deepcopy(base)
        mutate(d)
        case(f"allowed: {name}", lambda d=d: v.errors(d, schema))
    for name, mutate in refused_variants():
        d = copy.deepcopy(base)
        mutate(d)
        case(f"refused: {name}", lambda d=d: [] if v.errors(d, schema) else ["validates"])

    failed = 0
    for name, problems in results:
        print(f"  {'FAIL' if problems else 'ok  '} {name}")
        for p in problems[:5]:
            print(f"    {p}")
        failed += bool(problems)
    passed = len(results) - failed
    print(f"check.py: {passed} passed, {failed} failed")
    print(f"# unit: passed={passed} failed={failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
