"""JSON Lines: one line per document and per finding, then a summary line.

The format a batch of any size is written in: ``budgetlint check
--format jsonl`` streams it from an on-disk store (core/stream.py) without
building the report in memory; this reporter renders the same lines from a
report that was built (with ``--waivers`` or ``--baseline``)."""
from __future__ import annotations

from typing import Any

from budgetlint.core.stream import jsonl_lines, report_results


def render_jsonl(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    requested = report.get("rule_pack", {}).get("requested")
    return "".join(jsonl_lines(report_results(report), None if requested == "auto" else requested,
                               report.get("skipped")))


def render_jsonl_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The same lines from a ReportStream (``--waivers``/``--baseline`` on a batch of any size)."""
    requested = report.head.get("rule_pack", {}).get("requested")
    for line in jsonl_lines(report.results(), None if requested == "auto" else requested, report.head.get("skipped")):
        out.write(line)


def register(registry) -> None:
    registry.add_reporter("jsonl", render_jsonl,
                          description="JSON Lines: a line per document and per finding, then a summary (streamed)",
                          stream=render_jsonl_stream)
