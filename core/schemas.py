"""The JSON Schemas shipped in ``budgetlint.schemas``, and validation against them.

The schemas are the published contract of budgetlint's two outputs — the
canonical document (``budgetlint parse``) and the findings report
(``budgetlint check --format json``) — plus the rule-pack format.  They are
read with :mod:`importlib.resources` so they work from a wheel, a zip or an
editable install alike.  Validation errors come back as one-line strings with
a JSON path, so a test failure or a plugin author sees exactly which block or
cell is off instead of a wall of schema text.
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

__all__ = ["SCHEMAS", "load_schema", "validate", "validate_document", "validate_report", "json_path"]

SCHEMAS = {
    "document": "document.schema.json",
    "findings": "findings.schema.json",
    "rulepack": "rulepack.schema.json",
}


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` (``document``, ``findings``, ``rulepack``, or a file
    name such as ``document.schema.json``) as a dict."""
    from importlib.resources import files

    filename = SCHEMAS.get(name, name)
    if not filename.endswith(".json"):
        filename += ".schema.json"
    resource = files("budgetlint.schemas").joinpath(filename)
    if not resource.is_file():
        raise KeyError(f"no schema {name!r} in budgetlint.schemas (known: {', '.join(SCHEMAS)})")
    return json.loads(resource.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str) -> Any:
    import jsonschema

    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def json_path(parts: Any) -> str:
    """``$.blocks[3].rows[0][2].value`` from a jsonschema error path."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _leaf_errors(error: Any) -> list[Any]:
    """For oneOf/anyOf failures, the errors of the branch that came closest:
    "not valid under any of the given schemas" alone does not say what to fix."""
    import jsonschema

    if not error.context:
        return [error]
    best = jsonschema.exceptions.best_match(error.context)
    return _leaf_errors(best) if best is not None else [error]


def validate(instance: Any, name: str, *, limit: int = 50) -> list[str]:
    """Validate ``instance`` against schema ``name``; one line per error
    (``$.blocks[12].loc: 'line' is a required property``), at most ``limit``."""
    errors = sorted(_validator(name).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    out: list[str] = []
    for err in errors:
        for leaf in _leaf_errors(err):
            line = f"{json_path(leaf.absolute_path)}: {leaf.message}"
            line = " ".join(line.split())
            if len(line) > 300:
                line = line[:297] + "..."
            if line not in out:
                out.append(line)
        if len(out) >= limit:
            break
    return out[:limit]


def validate_document(doc: dict[str, Any]) -> list[str]:
    """Errors of a canonical document against ``document.schema.json``
    (empty list: valid)."""
    return validate(doc, "document")


def validate_report(report: dict[str, Any]) -> list[str]:
    """Errors of a JSON report against ``findings.schema.json``."""
    return validate(report, "findings")
