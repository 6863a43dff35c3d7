"""Every regular expression budgetlint runs over document text — the module
patterns of the loaders, recognizers and checks, the statement wording, and
each rule parameter its check declares a regex — scans a line of 20,000
characters of every worst-case piece in linear time (issue 16: a 1.5 MB run
of digits in a 三公 section kept one rule's ``\\d+批`` busy for minutes).

Not a timed test of speed: a linear scan of 20,000 characters takes well
under a millisecond, a quadratic one seconds, so the bound (0.25 s) separates
them by three orders of magnitude on any machine."""
from __future__ import annotations

import importlib
import pkgutil
import re
import time
from typing import Any

import pytest

PIECES = ["1", "（", "a", "中", " ", ".", "<p ", "|", "#", "、", "万元", "1.", "第", "年", "-", "：", "%", "人次",
          "12,", "0.00 ", "“", "批", "\t"]
LENGTH = 20_000
BOUND = 0.25
#: patterns only ever used with ``match`` on one line (anchored at its start)
ANCHORED = {"budgetlint.plugins.loaders.text._PIPE_SEP"}


def _module_patterns() -> list[tuple[str, re.Pattern[str]]]:
    out, seen = [], set()
    for root in ("core", "plugins"):
        pkg = importlib.import_module(f"budgetlint.{root}")
        for info in pkgutil.walk_packages(pkg.__path__, f"budgetlint.{root}."):
            try:
                mod = importlib.import_module(info.name)
            except ImportError:  # an optional extra (web, store) not installed
                continue
            for name, value in vars(mod).items():
                key = f"{info.name}.{name}"
                if isinstance(value, re.Pattern) and id(value) not in seen and key not in ANCHORED:
                    seen.add(id(value))
                    out.append((key, value))
    return out


def _statement_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from budgetlint.plugins.recognizers.statements import load_patterns

    out: list[tuple[str, re.Pattern[str]]] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, re.Pattern):
            out.append((path, node))
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, (list, tuple)):
            for i, v in enumerate(node):
                walk(v, f"{path}[{i}]")

    walk(load_patterns(), "statement_patterns")
    return out


def _rule_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every rule parameter of the built-in packs whose schema says ``format: regex``."""
    from budgetlint.core.rulepack import PackLoader
    from budgetlint.core.testing import make_host

    host = make_host()
    loader = PackLoader(host.registry, host.rule_pack_dirs())
    out: dict[str, re.Pattern[str]] = {}

    def walk(value: Any, schema: dict[str, Any], path: str) -> None:
        if not isinstance(schema, dict):
            return
        if isinstance(value, str) and schema.get("format") == "regex":
            out.setdefault(value, re.compile(value))
        elif isinstance(value, dict):
            props = schema.get("properties", {})
            for k, v in value.items():
                walk(v, props.get(k) or schema.get("additionalProperties") or {}, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, schema.get("items") or {}, f"{path}[{i}]")
        for alt in schema.get("oneOf", []) + schema.get("anyOf", []):
            walk(value, alt, path)

    for name, path in sorted(loader.builtins().items()):
        for rule in loader.load(str(path)).rules.values():
            walk(rule.params, host.registry.checks[rule.check].params_schema, rule.id)
    return [(p, rx) for p, rx in out.items()]


PATTERNS = _module_patterns() + _statement_patterns() + _rule_patterns()


def test_the_scan_finds_the_patterns():
    assert len(_module_patterns()) > 50 and len(_statement_patterns()) > 20 and len(_rule_patterns()) > 50


@pytest.mark.parametrize("where, rx", PATTERNS, ids=[w[:60] for w, _ in PATTERNS])
def test_pattern_is_linear_on_long_runs(where, rx):
    slow = []
    for piece in PIECES:
        line: str | bytes = piece * (LENGTH // len(piece))
        if isinstance(rx.pattern, bytes):  # the Office loaders scan XML bytes
            line = line.encode("utf-8")
        t0 = time.perf_counter()
        rx.search(line)
        spent = time.perf_counter() - t0
        if spent > BOUND:
            slow.append(f"{piece!r}: {spent:.2f} s")
    assert not slow, f"{rx.pattern[:120]} backtracks on a long run of " + ", ".join(slow)
