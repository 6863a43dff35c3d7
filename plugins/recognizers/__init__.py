"""Built-in recognizers.  Each enriches the canonical document in place and
runs in ascending order: captions (10), parts (20), then the genre
recognizers (scorecards, final accounts, narrative statements)."""
from __future__ import annotations

from budgetlint.core.hookspecs import hookimpl


@hookimpl
def budgetlint_register(registry) -> None:
    registry.add_recognizer("captions", "budgetlint.plugins.recognizers.parts:recognize_captions", order=10,
                            description="table titles, codes, units and notes")
    registry.add_recognizer("parts", "budgetlint.plugins.recognizers.parts:recognize_parts", order=20,
                            description="split a file into typed parts; fiscal year, department, unit")
