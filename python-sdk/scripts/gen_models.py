#!/usr/bin/env python3
"""Writes python-sdk/arcrun_sdk/models.py (TypedDicts) from the platform's GET /openapi.json.

Usage (after ``npm run build``): ``python3 python-sdk/scripts/gen_models.py`` starts a local platform through
``scripts/api-doc.mjs`` to read the document; ``gen_models.py FILE_OR_URL`` reads it from there instead;
``--check`` only compares (the drift test in tests/test_models.py does the same against a running platform).
Standard library only, so it runs before the SDK's dependencies are installed.
"""

from __future__ import annotations

import json
import keyword
import pathlib
import re
import subprocess
import sys
import urllib.request
from typing import Any, Dict, List

HERE = pathlib.Path(__file__).resolve().parent
TARGET = HERE.parent / "arcrun_sdk" / "models.py"
ROOT = HERE.parents[1]

HEADER = '''"""Response models of the arcrun API, generated from GET /openapi.json; do not edit by hand.

Regenerate with ``python3 python-sdk/scripts/gen_models.py`` (after ``npm run build``). The clients return
plain dicts; these TypedDicts describe them (``run: models.ExecutionResult = arc.runs.create(...)``), and
``RESPONSES`` maps each operationId and 2xx status to the model of that answer.
"""

from typing import Any, Dict, List, Optional, Union

from typing_extensions import Literal, NotRequired, TypedDict
'''


def _pascal(*parts: str) -> str:
    return "".join(p[:1].upper() + p[1:] for part in parts for p in re.split(r"[^A-Za-z0-9]+", part) if p)


class _Gen:
    def __init__(self, doc: Dict[str, Any]) -> None:
        self.doc = doc
        self.blocks: List[str] = []
        self.names: set = set()

    def type_of(self, s: Any, name: str) -> str:
        """The Python type of schema ``s``; object schemas with properties become TypedDicts named ``name``."""
        if not isinstance(s, dict) or not s:
            return "Any"
        if "$ref" in s:
            return repr(s["$ref"].rsplit("/", 1)[1])
        for key in ("anyOf", "oneOf"):
            if key in s:
                return self._union([self.type_of(v, f"{name}{i}") for i, v in enumerate(s[key])])
        if "allOf" in s:
            return self.type_of(s["allOf"][0], name) if len(s["allOf"]) == 1 else "Dict[str, Any]"
        types = s.get("type")
        if isinstance(types, list):
            return self._union([self.type_of({**s, "type": t}, name) for t in types])
        if "enum" in s and types != "null":
            return f"Literal[{', '.join(repr(v) for v in s['enum'])}]"
        if types == "null":
            return "None"
        if types in ("string", "integer", "number", "boolean"):
            return {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}[types]
        if types == "array":
            return f"List[{self.type_of(s.get('items'), name + 'Item')}]"
        if s.get("properties"):
            return repr(self.typed_dict(name, s))
        extra = s.get("additionalProperties")
        return f"Dict[str, {self.type_of(extra, name + 'Value') if isinstance(extra, dict) else 'Any'}]"

    @staticmethod
    def _union(parts: List[str]) -> str:
        seen = list(dict.fromkeys(parts))
        if "Any" in seen:
            return "Any"
        nullable = "None" in seen
        rest = [p for p in seen if p != "None"]
        inner = rest[0] if len(rest) == 1 else f"Union[{', '.join(rest)}]" if rest else "None"
        return f"Optional[{inner}]" if nullable and rest else inner

    def typed_dict(self, name: str, s: Dict[str, Any]) -> str:
        if name in self.names:
            return name
        self.names.add(name)
        required = set(s.get("required", []))
        fields = []
        for prop, sub in s["properties"].items():
            t = self.type_of(sub, _pascal(name, prop))
            fields.append((prop, t if prop in required else f"NotRequired[{t}]", (sub or {}).get("description")))
        doc = s.get("description")
        if all(p.isidentifier() and not keyword.iskeyword(p) for p, _, _ in fields):
            lines = [f"class {name}(TypedDict):"]
            if doc:
                lines.append(f"    {json.dumps(doc)}")
            for prop, t, _ in fields:
                lines.append(f"    {prop}: {t}")
            if not fields:
                lines.append("    pass")
        else:  # a key that is not an identifier ("from"): the functional form
            body = ", ".join(f"{json.dumps(p)}: {t}" for p, t, _ in fields)
            lines = [f'{name} = TypedDict("{name}", {{{body}}})']
        self.blocks.append("\n".join(lines))
        return name

    def render(self) -> str:
        for name, s in self.doc.get("components", {}).get("schemas", {}).items():
            if s.get("properties"):
                self.typed_dict(name, s)
            else:
                self.blocks.append(f"{name} = {self.type_of(s, name)}")
        responses: Dict[str, Dict[int, str]] = {}
        for path in self.doc.get("paths", {}).values():
            for op in path.values():
                op_id = op.get("operationId")
                for code, answer in sorted(op.get("responses", {}).items()):
                    schema = ((answer or {}).get("content") or {}).get("application/json", {}).get("schema")
                    if not op_id or schema is None or not code.startswith("2"):
                        continue
                    suffix = "Response" if code in ("200", "201") else f"Response{code}"
                    t = self.type_of(schema, _pascal(op_id, suffix))
                    responses.setdefault(op_id, {})[int(code)] = t[1:-1] if t.startswith("'") else t
        table = "\n".join(
            f"    {json.dumps(k)}: {{{', '.join(f'{c}: {t}' for c, t in v.items())}}},"
            for k, v in sorted(responses.items())
        )
        body = "\n\n\n".join(self.blocks)
        return (
            f"{HEADER}\n\n{body}\n\n\n# operationId -> HTTP status -> the model of that JSON answer (2xx only).\n"
            f"RESPONSES: Dict[str, Dict[int, Any]] = {{\n{table}\n}}\n"
        )


def render(doc: Dict[str, Any]) -> str:
    """The text of models.py for an OpenAPI document."""
    return _Gen(doc).render()


def _load(source: str) -> Dict[str, Any]:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as res:
            return json.loads(res.read())
    return json.loads(pathlib.Path(source).read_text("utf-8"))


def _from_platform() -> Dict[str, Any]:
    script = "import('./scripts/api-doc.mjs').then(async (m) => process.stdout.write(JSON.stringify(await m.fetchOpenApi())))"
    out = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--check"]
    text = render(_load(args[0]) if args else _from_platform())
    if "--check" in sys.argv:
        if TARGET.read_text("utf-8") != text:
            sys.exit("python-sdk/arcrun_sdk/models.py is out of date: run python3 python-sdk/scripts/gen_models.py")
    else:
        TARGET.write_text(text, "utf-8")
        print(f"wrote {TARGET}")
