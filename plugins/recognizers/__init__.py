"""Built-in recognizers.  Each enriches the canonical document in place and
runs in ascending order: captions (10), parts (20), then the genre
recognizers (scorecards, final accounts, narrative statements).

Every sub-module that defines ``register(registry)`` is registered through
this package's ``budgetlint_register`` hook (entry-point group ``budgetlint``).
"""
from __future__ import annotations

from budgetlint.core.discovery import register_submodules
from budgetlint.core.hookspecs import hookimpl


@hookimpl
def budgetlint_register(registry) -> None:
    register_submodules(__name__, __path__, registry)
