"""budgetlint core: document model, loading, rule packs, engine, findings, CLI.

Nothing here does work at import time; the plugin manager is created late by
:class:`budgetlint.core.plugins.PluginHost`.
"""
from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("budgetlint")
        except PackageNotFoundError:  # running from a source tree
            return "0.0.0+src"
    raise AttributeError(name)
