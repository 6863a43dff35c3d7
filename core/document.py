"""The canonical document: one JSON structure every loader produces and every
recognizer and check reads (``schemas/document.schema.json``).

It is plain JSON data (dicts and lists) on purpose: ``budgetlint parse``
prints it as is, third-party tools can consume it, and checks cannot depend on
a loader's private classes.  This module holds the builders loaders use and
the small navigation helpers checks use.

Shape (abridged)::

    {"schema_version": "1.0",
     "source": {"path", "format", "sha256", "encoding", "size"},
     "meta": {"doc_types": [{"type", "evidence"}], "fiscal_year", "department",
              "money_unit", "title", "region"},
     "blocks": [{"id": "b0", "type": "heading"|"paragraph"|"table", "loc": {...}, ...}],
     "parts": [{"id": "p0", "type", "title", "year", "first_block", "last_block", "loc"}],
     ... recognizers add "scorecards", "final_accounts", "statements"}

Every block and every table cell has ``loc``: ``line``/``end_line`` for
text inputs, ``paragraph``/``table``/``row``/``col`` for DOCX, ``sheet``/``cell``
for XLSX, ``path`` for HTML, ``page``/``bbox`` for PDF.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any, TypeVar

from budgetlint.core.values import clean_display, normalize_text, parse_value

SCHEMA_VERSION = "1.0"

Block = dict[str, Any]
Cell = dict[str, Any]
Document = dict[str, Any]
T = TypeVar("T")

# Numbering tokens of Chinese official documents, outermost first.
_CN_NUM = "一二三四五六七八九十百零〇两"
_NUMBERING = [
    ("part", 1, re.compile(rf"^(第[{_CN_NUM}\d]+(?:部分|章|篇))\s*")),
    ("cn", 2, re.compile(rf"^([{_CN_NUM}]+)\s*[、,，.．]\s*")),
    ("cn_paren", 3, re.compile(rf"^([（(]\s*[{_CN_NUM}]+\s*[)）])\s*")),
    ("arabic", 4, re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    ("arabic_paren", 5, re.compile(r"^([（(]\s*\d{1,2}\s*[)）])\s*")),
    ("circled", 6, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
#: The characters a numbering token can start with besides digits (tested against _NUMBERING).
_NUMBERING_FIRST = frozenset("第" + _CN_NUM + "（(" + _CIRCLED)


def _cn_value(token: str) -> int | None:
    from budgetlint.core.values import cn_numeral_to_int

    digits = re.sub(rf"[^{_CN_NUM}\d]", "", token)
    if digits.isdigit():
        return int(digits)
    return cn_numeral_to_int(digits)


def parse_numbering(text: str) -> dict[str, Any] | None:
    """Parse the numbering token at the start of a heading or list item.

    ``"（三）人员编制情况"`` → ``{"token": "（三）", "style": "cn_paren",
    "level": 3, "value": 3}``.  Returns None when the text is not numbered."""
    t = text.lstrip("#*> \t\u3000")
    first = t[:1]
    if not first or (first not in _NUMBERING_FIRST and not first.isdecimal()):
        return None  # most lines: no token can start here (``\d`` is ``str.isdecimal``)
    for style, level, rx in _NUMBERING:
        m = rx.match(t)
        if not m:
            continue
        token = m.group(1)
        if style == "cn" and len(token) > 3 and not re.match(rf"^[{_CN_NUM}]+\s*、", t):
            continue  # "一," / "一." count only as short tokens
        if style == "circled":
            value = _CIRCLED.index(token) + 1
        else:
            value = _cn_value(token)
        if value is None:
            continue
        return {"token": m.group(0).strip(), "style": style, "level": level, "value": value}
    return None


def make_loc(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


def make_cell(text: str, loc: dict[str, Any], *, rowspan: int = 1, colspan: int = 1,
              raw: str | None = None, number_format: str | None = None) -> Cell:
    """A table cell: display text, location, spans and, when the text holds a
    quantity, its parsed value (original text kept as ``raw`` if it differs)."""
    original = raw if raw is not None else text
    # an empty cell (half of a ruled PDF table's cells) has nothing to clean or parse
    if text == "":
        display, value = "", None
    elif len(text) <= _CACHED_CELL_CHARS:
        display, value = _display_and_value(text)
        if value is not None:
            value = _copy_value(value)
    else:
        display, value = _display_and_value.__wrapped__(text)
    cell: Cell = {"text": display, "loc": loc}
    if original != display:
        cell["raw"] = original
    if rowspan > 1:
        cell["rowspan"] = rowspan
    if colspan > 1:
        cell["colspan"] = colspan
    if number_format:
        cell["number_format"] = number_format
    if value is not None:
        cell["value"] = value
    return cell


#: Cells up to this length share their cleaned text and parsed value: a
#: report prints the same labels and amounts (0.00, 合计, 基本支出…) in table
#: after table — the Shanghai 决算 PDFs 1,907 filled cells of 523 texts.
_CACHED_CELL_CHARS = 200


@lru_cache(maxsize=4096)
def _display_and_value(text: str) -> tuple[str, dict[str, Any] | None]:
    """A cell text's display form and its parsed value (None: no quantity,
    or blank).  Cached: callers get a copy of the value (``_copy_value``)."""
    display = clean_display(_join_lines(text))
    value = parse_value(display) if display else None
    if value and value["kind"] in ("empty",):
        value = None
    return display, value


def _copy_value(value: dict[str, Any]) -> dict[str, Any]:
    """A parsed value of its own (its only list is ``numbers`` of kind multi)."""
    out = dict(value)
    if "numbers" in out:
        out["numbers"] = list(out["numbers"])
    return out


def _join_lines(text: str) -> str:
    """Join wrapped lines of one cell: no separator between CJK pieces (a
    vertical heading 绩/效/指/标 becomes 绩效指标), a space between Latin."""
    parts = [p.strip(" \t\u3000") for p in text.split("\n")]
    out = ""
    for p in parts:
        if not p:
            continue
        if out and (out[-1].isascii() and out[-1].isalnum()) and (p[0].isascii() and p[0].isalnum()):
            out += " " + p
        else:
            out += p
    return out


_HEADER_WORDS = ("栏次", "行次", "项目", "科目", "合计", "金额", "指标", "分值", "得分", "预算数", "决算数")


def is_number_cell(cell: Cell) -> bool:
    v = cell.get("value")
    return bool(v) and v.get("kind") in ("number", "percent")


def detect_header_rows(rows: list[list[Cell]]) -> int:
    """How many leading rows are header rows.

    The body starts at the first row holding a decimal amount, a 功能/经济分类
    code in its first cells, or a 合计/总计 label followed by amounts.  A row of
    consecutive small integers (the 栏次 row ``1 2 3 …``) is still header."""
    for i, row in enumerate(rows):
        texts = [c["text"] for c in row if c.get("text")]
        if not texts:
            continue
        if any(t.replace(" ", "").startswith(("栏次", "类")) for t in texts[:2]) and not any(
                is_number_cell(c) and c["value"].get("decimals", 0) > 0 for c in row):
            continue
        numbers = [c for c in row if is_number_cell(c)]
        if numbers and all(c["value"].get("decimals", 0) == 0 and c["value"]["kind"] == "number" for c in numbers):
            ints = [int(c["value"]["number"]) for c in numbers if c["value"]["number"].lstrip("-").isdigit()]
            if len(ints) >= 3 and ints == list(range(ints[0], ints[0] + len(ints))) and len(ints) == len(texts):
                continue  # 栏次 1 2 3 ...
        if any(c["value"].get("decimals", 0) > 0 or c["value"]["kind"] == "percent" for c in numbers):
            return i
        if numbers and re.fullmatch(r"\d{3}(\d{2}){0,2}", texts[0]):
            return i
        if len(numbers) >= 1 and not any(w in "".join(texts) for w in _HEADER_WORDS):
            return i
    for i, row in enumerate(rows):  # no amounts at all (an empty table): header ends at 合计/总计
        first = next((c["text"] for c in row if c.get("text")), "")
        if first.replace(" ", "") in ("合计", "总计"):
            return i
    return len(rows)


def new_document(path: str, fmt: str, data: bytes, encoding: str | None = None) -> Document:
    return {
        "schema_version": SCHEMA_VERSION,
        "source": {"path": path, "format": fmt, "sha256": hashlib.sha256(data).hexdigest(),
                   "size": len(data), **({"encoding": encoding} if encoding else {})},
        "meta": {"doc_types": []},
        "blocks": [],
        "parts": [],
    }


class DocumentBuilder:
    """Collects blocks in reading order and assigns ids.  Loaders use it so
    that every format produces identical structure."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.blocks: list[Block] = doc["blocks"]

    def _add(self, block: Block) -> Block:
        block["id"] = f"b{len(self.blocks)}"
        self.blocks.append(block)
        return block

    def heading(self, text: str, loc: dict[str, Any], level: int | None = None,
                style: str | None = None) -> Block:
        text = clean_display(text)
        numbering = parse_numbering(text)
        if level is None:
            level = numbering["level"] if numbering else 1
        block: Block = {"type": "heading", "text": text, "level": level, "loc": loc}
        if numbering:
            block["numbering"] = numbering
        if style:
            block["style"] = style
        return self._add(block)

    def paragraph(self, text: str, loc: dict[str, Any], raw: str | None = None) -> Block:
        display = clean_display(text)
        block: Block = {"type": "paragraph", "text": display, "loc": loc}
        numbering = parse_numbering(display)
        if numbering:
            block["numbering"] = numbering
        if raw is not None and raw != display:
            block["raw"] = raw
        return self._add(block)

    def table(self, rows: list[list[Cell]], loc: dict[str, Any], *, header_rows: int | None = None,
              title: str | None = None, **extra: Any) -> Block:
        rows = [r for r in rows if r]
        assign_columns(rows)
        n_cols = max((c["col"] + c.get("colspan", 1) for r in rows for c in r), default=0)
        block: Block = {"type": "table", "rows": rows, "n_rows": len(rows), "n_cols": n_cols,
                        "header_rows": detect_header_rows(rows) if header_rows is None else header_rows,
                        "loc": loc}
        for i, row in enumerate(rows):
            for c in row:
                c["row"] = i
        if title:
            block["title"] = title
        block.update({k: v for k, v in extra.items() if v is not None})
        return self._add(block)


def assign_columns(rows: list[list[Cell]]) -> None:
    """Give each cell its grid column, honouring rowspans from rows above and
    colspans to the left (HTML/DOCX semantics).  Cells keep any ``col`` a
    loader already set."""
    if all("col" in cell for row in rows for cell in row):
        return  # every column known (a PDF grid): nothing to place
    occupied: dict[tuple[int, int], bool] = {}
    for r, row in enumerate(rows):
        col = 0
        for cell in row:
            if "col" in cell:
                col = cell["col"]
            else:
                while occupied.get((r, col)):
                    col += 1
                cell["col"] = col
            for dr in range(cell.get("rowspan", 1)):
                for dc in range(cell.get("colspan", 1)):
                    occupied[(r + dr, col + dc)] = True
            col += cell.get("colspan", 1)


# ---------------------------------------------------------------- navigation

def iter_blocks(doc: Document, part: dict[str, Any] | None = None) -> Iterator[Block]:
    blocks = doc["blocks"]
    if part is None:
        yield from blocks
        return
    yield from blocks[part["first_block"]: part["last_block"] + 1]


def iter_tables(doc: Document, part: dict[str, Any] | None = None) -> Iterator[Block]:
    return (b for b in iter_blocks(doc, part) if b["type"] == "table")


class DocumentIndex:
    """Lookups over one document, built once per document and shared by every
    rule of every part (``CheckContext.index``; the engine makes one per
    checked document).

    Why: a province's 800-page PDF or a bureau's bundle is one document of
    many parts, and every rule runs once per part.  A check that finds a
    block by scanning ``doc["blocks"]``, or a part's statements by filtering
    ``doc["statements"]``, does work proportional to parts × document size —
    20 copies of one report took 30× its time, 150 copies ran past the
    per-document budget.  Here each lookup is a dict access and each list is
    built on first use.  The index assumes the document is no longer changed
    (checks only read it); :meth:`fresh` tells whether ``doc["blocks"]`` is
    still the list it indexed."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._blocks: list[Block] = doc.get("blocks") or []
        self._n_blocks = len(self._blocks)
        self._positions: dict[Any, int] | None = None
        self._by_part: dict[str, dict[Any, list[dict[str, Any]]]] = {}
        self._parts: dict[Any, dict[str, Any]] | None = None
        self._groups: dict[Any, list[dict[str, Any]]] | None = None
        self._normalized: dict[int, tuple[Block, str]] = {}  # id(block) → (block, text): the block keeps its id alive
        self._memo: dict[Any, Any] = {}

    def fresh(self, doc: Document) -> bool:
        blocks = doc.get("blocks") or []
        return doc is self.doc and blocks is self._blocks and len(blocks) == self._n_blocks

    def position(self, block_id: Any) -> int | None:
        """Index in ``doc["blocks"]`` of the first block with this id."""
        if self._positions is None:
            positions: dict[Any, int] = {}
            for i, b in enumerate(self._blocks):
                positions.setdefault(b.get("id"), i)
            self._positions = positions
        return self._positions.get(block_id)

    def block(self, block_id: Any) -> Block | None:
        """The first block with this id, or None."""
        i = self.position(block_id)
        return None if i is None else self._blocks[i]

    def part(self, part_id: Any) -> dict[str, Any] | None:
        """The first part with this id, or None."""
        if self._parts is None:
            parts: dict[Any, dict[str, Any]] = {}
            for p in self.doc.get("parts") or []:
                parts.setdefault(p.get("id"), p)
            self._parts = parts
        return self._parts.get(part_id)

    def group(self, group: Any) -> list[dict[str, Any]]:
        """The parts of one department of a bundle (the parts recognizer's
        ``group``), in document order."""
        if self._groups is None:
            self._groups = {}
            for p in self.doc.get("parts") or []:
                self._groups.setdefault(p.get("group"), []).append(p)
        return self._groups.get(group, [])

    def of_part(self, key: str, part_id: Any) -> list[dict[str, Any]]:
        """The records of ``doc[key]`` (a list a recognizer fills:
        ``statements``, ``scorecards``, ``glossary``) whose ``part`` is
        ``part_id`` (None: those without a part), in document order.  Treat
        the list as read-only."""
        groups = self._by_part.get(key)
        if groups is None:
            groups = self._by_part[key] = {}
            for item in self.doc.get(key) or []:
                groups.setdefault(item.get("part"), []).append(item)
        return groups.get(part_id, [])

    def statements(self, part_id: Any) -> list[dict[str, Any]]:
        """The narrative statements of a part (:meth:`of_part`)."""
        return self.of_part("statements", part_id)

    def memo(self, key: Any, build: Callable[[], T]) -> T:
        """``build()`` once per document and ``key``: for a check whose part
        compares with every other part (the same fact, count or total stated
        elsewhere in the file), what it reads from the whole document is
        gathered once, not once per part.  Put the check id and
        ``id(ctx.rule)`` in the key (a rule's params may differ between
        packs; the rule objects outlive the document's check).  The value is
        shared: treat it as read-only and copy what goes into a finding."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]

    def normalized_text(self, block: Block) -> str:
        """``normalize_text(block["text"])`` of a heading or paragraph, once
        per block."""
        key = id(block)
        hit = self._normalized.get(key)
        if hit is None or hit[0] is not block:
            hit = self._normalized[key] = (block, normalize_text(block.get("text", "")))
        return hit[1]


def grid(table: Block) -> list[list[Cell | None]]:
    """The table as a dense grid (merged areas repeat the spanning cell)."""
    n_rows, n_cols = table["n_rows"], table["n_cols"]
    g: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for r, row in enumerate(table["rows"]):
        for c in row:
            for dr in range(c.get("rowspan", 1)):
                for dc in range(c.get("colspan", 1)):
                    if r + dr < n_rows and c["col"] + dc < n_cols:
                        g[r + dr][c["col"] + dc] = c
    return g


def row_texts(row: Iterable[Cell | None]) -> list[str]:
    return [c["text"] if c else "" for c in row]


def compact(text: str) -> str:
    """Text for matching labels: no whitespace, NFKC, no quotes."""
    return normalize_text(text).replace("“", "").replace("”", "").replace('"', "")


def block_line(block_or_cell: dict[str, Any]) -> int | None:
    return block_or_cell.get("loc", {}).get("line")


#: Widest table row a loader keeps: real budget tables have a few dozen columns,
#: a line of three million ``|`` would otherwise become three million cells.
MAX_ROW_CELLS = 500


def add_reading_note(doc: Document, text: str, loc: dict[str, Any] | None = None, kind: str = "reading") -> None:
    """Record something the loader had to repair or skip (a bad byte, an
    unreadable page, a value out of range, a row cut to its real width) so
    the report says so at that place instead of rejecting the whole file.
    ``text`` is one line naming the place as a clerk does (第N页, 第N行)."""
    notes = doc.setdefault("reading_notes", [])
    if len(notes) < 200:  # a damaged file must not flood the report
        notes.append({"kind": kind, "text": text, "loc": dict(loc or {})})
