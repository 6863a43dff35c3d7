"""budgetlint core: document model, loading, rule packs, engine, findings, CLI.

Nothing here does work at import time; the plugin manager is created late by
:class:`budgetlint.core.plugins.PluginHost`.
"""
from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` from the installed distribution's metadata, read once
    (reading it parses the METADATA file: a report asks for it per document)."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("budgetlint")
        except PackageNotFoundError:  # running from a source tree
            value = "0.0.0+src"
        globals()["__version__"] = value
        return value
    raise AttributeError(name)
