"""Built-in rule packs (YAML data).  Each sub-folder is one pack: pack.yaml,
one <rule-id>.yaml per rule and its <rule-id>.test.yaml cases beside it."""
from __future__ import annotations

from pathlib import Path

from budgetlint.core.hookspecs import hookimpl


@hookimpl
def budgetlint_rule_packs() -> list[Path]:
    return [Path(__file__).parent]
