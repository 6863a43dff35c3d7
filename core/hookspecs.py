"""The hook surface: two hooks, register-style (cf. sqlfluff and tox 4).

A plugin module implements one or both and is announced through the
``budgetlint`` entry-point group — the built-in plugins use exactly the same
route as third-party distributions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from budgetlint.core.plugins import Registry

PROJECT = "budgetlint"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def budgetlint_register(registry: Registry) -> None:
    """Add loaders, recognizers, check types and reporters to ``registry``.

    Called once when the plugin host starts.  Register lazily: pass
    ``"module:attr"`` strings for anything that needs a heavy import."""


@hookspec
def budgetlint_rule_packs() -> list[Path]:
    """Return directories (or pack files) of rule packs this plugin ships.

    A directory holds ``pack.yaml`` and one ``<rule-id>.yaml`` per rule with
    its ``<rule-id>.test.yaml`` cases beside it."""
