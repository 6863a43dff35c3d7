"""Built-in check types (one module per check type)."""
from __future__ import annotations

from budgetlint.core.hookspecs import hookimpl

CHECKS: list[str] = []


@hookimpl
def budgetlint_register(registry) -> None:
    for target in CHECKS:
        registry.add_check(target)
