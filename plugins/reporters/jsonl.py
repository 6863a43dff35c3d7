"""JSON Lines: one line per document and per finding, then a summary line.

The format a batch of any size is written in: ``budgetlint check --format
jsonl`` writes it, like every format, from the finished report kept on disk
(core/reportstream.py), one document at a time; a report built in memory (the
web page, the API) is rendered through the same lines."""
from __future__ import annotations

from typing import Any

from budgetlint.core.stream import jsonl_lines


def render_jsonl(report: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    from budgetlint.core.reportstream import ReportStream

    return "".join(jsonl_lines(ReportStream.from_report(report)))


def render_jsonl_stream(report: Any, options: dict[str, Any] | None, out: Any) -> None:
    """The lines of a ReportStream, written as they are made."""
    for line in jsonl_lines(report):
        out.write(line)


def register(registry) -> None:
    registry.add_reporter("jsonl", render_jsonl,
                          description="JSON Lines: a line per document and per finding, then a summary (streamed)",
                          stream=render_jsonl_stream)
