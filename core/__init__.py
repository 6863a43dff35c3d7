"""budgetlint core: document model, loading, rule packs, engine, findings, CLI.

Nothing here does work at import time; the plugin manager is created late by
:class:`budgetlint.core.plugins.PluginHost`.
"""
from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__`` from the installed distribution's metadata, read once
    (reading it parses the METADATA file: a report asks for it per document)
    and kept in the cache dir while nothing installed changed
    (:func:`budgetlint.core.plugins.installed_version`)."""
    if name == "__version__":
        from budgetlint.core.plugins import installed_version

        value = installed_version()
        globals()["__version__"] = value
        return value
    raise AttributeError(name)
