"""Check type ``document.reading_notes``: what the loader had to repair or skip."""
from __future__ import annotations

from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext


class ReadingNotes(Check):
    """Report every place the loader repaired or skipped while reading the file.

    What it checks
        Loaders do not reject a whole document for one odd value: a byte that
        is not valid UTF-8 is replaced (U+FFFD), a PDF page that cannot be read
        is skipped, a number beyond any real amount is kept as text, a row
        wider than any real table is cut.  Each such repair is recorded in the
        document (``reading_notes``) with its place; this check turns each into
        one finding at that place (第N行, 第N页, 工作表!单元格), once per
        document (on its first part).

    Why it matters
        A repaired document is still checked, but what was repaired was not
        read as printed: a clerk must look at those places, and a figure there
        cannot be trusted.  Nothing that was skipped passes silently.

    Parameters
        kinds: which notes to report (``encoding``, ``page``, ``value``,
            ``limit``, ``reading``); all by default.
        max_findings: at most this many findings per document (default 50).

    Example
        A UTF-8 text export with one damaged byte on line 17 gives
        “第17行有1个无法解码的字节，已替换为“�””.
    """

    id: ClassVar[str] = "document.reading_notes"
    title: ClassVar[str] = "读取时修复或跳过的内容 (content repaired or skipped while reading)"
    pure_arithmetic: ClassVar[bool] = True
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kinds": {"type": "array", "items": {"enum": ["encoding", "page", "value", "limit", "reading"]}},
            "max_findings": {"type": "integer", "minimum": 1, "default": 50},
        },
    }

    def run(self, ctx: CheckContext) -> None:
        parts = ctx.doc.get("parts") or []
        if parts and parts[0].get("id") != ctx.part.get("id"):
            ctx.not_applicable("reported once per document, on its first part", zh="每个文件只在第一部分报告一次")
            return
        kinds = set(ctx.params.get("kinds") or ())
        notes = [n for n in ctx.doc.get("reading_notes") or [] if not kinds or n.get("kind") in kinds]
        if not notes:
            ctx.counted()
            return
        for note in notes[:ctx.params["max_findings"]]:
            loc = dict(note.get("loc") or {})
            loc.setdefault("snippet", note["text"][:120])
            ctx.report(loc, expected="按原样读取", actual=note["text"], note=note["text"], kind=note.get("kind"))


def register(registry) -> None:
    registry.add_check(ReadingNotes)
