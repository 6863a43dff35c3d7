"""Built-in reporters."""
from __future__ import annotations

from budgetlint.core.hookspecs import hookimpl


@hookimpl
def budgetlint_register(registry) -> None:
    registry.add_reporter("json", "budgetlint.plugins.reporters.basic:render_json", description="versioned JSON report")
    registry.add_reporter("text", "budgetlint.plugins.reporters.basic:render_text", description="terminal text for a clerk")
