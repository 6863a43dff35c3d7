"""``budgetlint rules diff``: what a bureau changed between two packs."""
from __future__ import annotations

from typing import Any

from budgetlint.core.rulepack import RulePack

_FIELDS = ("check", "severity", "enabled", "applies_to", "basis", "message")


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
    else:
        out[prefix] = value


def diff_packs(a: RulePack, b: RulePack) -> dict[str, Any]:
    added = sorted(set(b.rules) - set(a.rules))
    removed = sorted(set(a.rules) - set(b.rules))
    changed: dict[str, dict[str, Any]] = {}
    for rid in sorted(set(a.rules) & set(b.rules)):
        ra, rb = a.rules[rid], b.rules[rid]
        fa: dict[str, Any] = {}
        fb: dict[str, Any] = {}
        for f in _FIELDS:
            fa[f] = getattr(ra, f)
            fb[f] = getattr(rb, f)
        _flatten("params", ra.params, fa)
        _flatten("params", rb.params, fb)
        delta = {k: (fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)}
        if delta:
            changed[rid] = delta
    return {"added": added, "removed": removed, "changed": changed}
