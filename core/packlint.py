"""Warnings about a pack that loads but does not do what its author meant
(``rules validate`` and ``rules diff`` print them; nothing fails on them).

Detected (best effort, issue 15):

* **Inert override** —
  - a parameter override that another parameter makes unused: ``bands`` of
    ``scorecard.grade`` while ``prefer_printed_bands`` is true (a form that
    prints its own bands keeps them; the override applies only to forms
    printing none).  The table :data:`INERT_WHEN` lists such pairs;
  - an override that sets a value equal to the inherited one;
  - an override (other than ``enabled``) of a rule the pack disables.
* **Inherited 依据 contradicting the overridden parameters** — the override
  changes ``params`` but not ``basis``, and the inherited basis text cites a
  number that the inherited parameters used and the new ones no longer do
  (e.g. “90（含）-100优” after the bands became 85/75/60).

Not detected: a basis contradicting parameters in words rather than numbers,
and overrides made inert by a report's content.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

#: check id → [(overridden parameter, parameter that makes it unused, its value that does, fix)]
INERT_WHEN: dict[str, list[tuple[str, str, Any, str]]] = {
    "scorecard.grade": [
        ("bands", "prefer_printed_bands", True,
         "表内印有等级划分时仍以表内为准，覆盖的 bands 只用于未印划分的表；要以规则包为准请同时设 "
         "prefer_printed_bands: false (the form's printed bands win; set prefer_printed_bands: false)"),
    ],
}

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(value: Any) -> set[str]:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return {n.rstrip("0").rstrip(".") if "." in n else n for n in _NUMBER.findall(text)}


def _here(rule: Any, key: str, pack_file: str) -> str | None:
    """``file:line`` when ``key`` of ``rule`` was set by the pack file itself."""
    where = rule.provenance.get(key) or ""
    return where if where.startswith(pack_file + ":") else None


def pack_warnings(pack: Any, parent: Any | None) -> list[str]:
    """One line per warning: ``file:line: rule id: problem — fix`` (Chinese first)."""
    out: list[str] = []
    pfile = str(pack.path)
    for rid, rule in sorted(pack.rules.items()):
        old = parent.rules.get(rid) if parent is not None else None
        if old is None:
            continue
        overridden = [k.split(".", 1)[1] for k in rule.provenance if k.startswith("params.") and _here(rule, k, pfile)]
        # 1. a parameter another parameter makes unused
        for param, switch, value, fix in INERT_WHEN.get(rule.check, []):
            if param in overridden and rule.params.get(switch) == value:
                out.append(f"{_here(rule, 'params.' + param, pfile)}: {rid}: 覆盖的参数 {param} 不起作用"
                           f"（{switch} 为 {json.dumps(value)}）(override of {param} is inert) — {fix}")
        # 2. a value equal to the inherited one
        for param in overridden:
            if param in old.params and old.params[param] == rule.params.get(param):
                out.append(f"{_here(rule, 'params.' + param, pfile)}: {rid}: 覆盖的参数 {param} 与继承的值相同，"
                           f"不起作用 (override equals the inherited value) — 删除这项覆盖 (remove it)")
        for key in ("severity", "message", "applies_to"):
            where = _here(rule, key, pfile)
            if where and getattr(old, key) == getattr(rule, key):
                out.append(f"{where}: {rid}: 覆盖的 {key} 与继承的值相同，不起作用 "
                           f"(override equals the inherited value) — 删除这项覆盖 (remove it)")
        # 3. changes to a rule the pack disables
        if not rule.enabled and _here(rule, "enabled", pfile):
            changed = [k for k in rule.provenance if k not in ("enabled", "override_reason") and _here(rule, k, pfile)]
            if changed:
                out.append(f"{_here(rule, 'enabled', pfile)}: {rid}: 规则已停用，对 {', '.join(sorted(changed))} 的覆盖"
                           f"不起作用 (the rule is disabled: these overrides are inert) — 删除它们或启用规则")
        # 4. the inherited basis cites numbers the new parameters dropped
        if overridden and not _here(rule, "basis", pfile) and rule.basis:
            basis_numbers = _numbers(rule.basis)
            before = _numbers({k: old.params.get(k) for k in overridden})
            after = _numbers({k: rule.params.get(k) for k in overridden})
            dropped = sorted((basis_numbers & before) - after, key=lambda n: float(n))
            if dropped:
                where = _here(rule, "params." + overridden[0], pfile)
                out.append(f"{where}: {rid}: 继承的依据引用了 {'、'.join(dropped)}，覆盖后的参数已不再使用 "
                           f"(the inherited basis cites {', '.join(dropped)}, which the new parameters dropped) — "
                           f"在 overrides 中同时给出本地依据 basis (override basis too)")
    return out


def parent_of(loader: Any, pack: Any) -> Any | None:
    """The pack ``pack`` extends, resolved as the loader resolved it."""
    from budgetlint.core.rulepack import DEFAULT, read_yaml

    node = read_yaml(Path(pack.path)) or {}
    ext = node.get("extends") if isinstance(node, dict) else None
    if not ext:
        return None
    if str(ext) == DEFAULT:
        return loader.load(loader.select_builtin({}))
    return loader.load(str(ext), _relative_to=Path(pack.path))
