"""Built-in document loaders, registered lazily (heavy imports happen only
when a file of that format is loaded)."""
from __future__ import annotations

from budgetlint.core.hookspecs import hookimpl


@hookimpl
def budgetlint_register(registry) -> None:
    registry.add_loader("text", [".txt", ".text", ".md", ".markdown"], "budgetlint.plugins.loaders.text:load_text",
                        "plain-text and Markdown exports (tab rows, cell-per-line, pipe tables)")
