"""Recognizer for the tables of a 部门预算 (department budget).

Why: a budget is the 决算's sibling — the same 功能分类/经济分类 trees, the
same two-sided 总表, the same “三公” table — so its tables are parsed by the
决算 machinery (``final_accounts.recognize_part``) under a vocabulary of its
own (``budget_tables.yaml``: the Shanghai district template's titles and the
national template's, column and side aliases).  The result has the 决算
result's shape and lands in the same place for every genre::

    doc["part_tables"][part_id] = {"part", "genre": "部门预算", "template",
                                   "tables": [{"role", "generic", "unit", …}],
                                   "named_values": {…}, "toc": […]}

``role`` of a budget table is its generic name (收支总表, 支出表, 三公经费表 …);
the 决算 tables get the same ``generic`` name, so a rule can ask for “the
支出表 of this part” whichever genre it is.  Every table and named value
carries its printed ``unit`` (元 / 万元): the Shanghai template prints 元
with thousands separators in most tables but 万元 in the “三公” table, and
checks convert instead of comparing across units.

A PDF export sometimes cuts a table's last row (合计) onto the next page as
a title-less one-row table; it is read as the table's continuation.  A
款/项 code printed without its leading zero (``301 | 2``) reads as ``02``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from budgetlint.core.document import compact
from budgetlint.core.values import has_cjk
from budgetlint.plugins.recognizers import final_accounts as tables

DATA_FILE = Path(__file__).with_name("budget_tables.yaml")
BUDGET_PART = "部门预算"


@lru_cache(maxsize=1)
def _generic_of_final_accounts() -> dict[str, str]:
    return dict(tables.load_vocabulary(DATA_FILE).get("final_accounts_generic", {}))


def _is_continuation(block: dict[str, Any]) -> bool:
    """A title-less, header-less table of a few rows that starts with 合计/总计."""
    if block.get("title") or block.get("header_rows") or len(block.get("rows", [])) > 3:
        return False
    first = next((c for r in block["rows"] for c in r if c.get("text")), None)
    return bool(first) and compact(first["text"]) in ("合计", "总计")


def _join_continuations(doc: dict[str, Any], part: dict[str, Any],
                        order: dict[str, int] | None = None) -> dict[str, Any]:
    """A view of ``doc`` whose tables include their cut-off last rows.
    ``order``: block id → position (:func:`_positions`), given once per document."""
    blocks = list(doc["blocks"])
    order = _positions(blocks) if order is None else order
    changed = False
    prev: int | None = None
    for i in range(part["first_block"], part["last_block"] + 1):
        b = blocks[i]
        if b["type"] != "table":
            if b.get("text", "").strip():
                prev = prev if b["type"] == "paragraph" and _is_page_furniture(b) else None
            continue
        if prev is not None and _is_continuation(b):
            blocks[prev] = dict(blocks[prev], rows=blocks[prev]["rows"] + b["rows"])
            blocks[i] = {"id": b["id"], "type": "paragraph", "text": "", "loc": b.get("loc", {})}
            changed = True
            continue
        prev = i if b.get("title") else None
    for i in range(part["first_block"], part["last_block"] + 1):
        if blocks[i]["type"] == "table" and (titled := _title_from_captions(blocks[i], blocks, order)) is not None:
            blocks[i] = titled
            changed = True
        if blocks[i]["type"] == "table" and (padded := _pad_codes(blocks[i])) is not None:
            blocks[i] = padded
            changed = True
    return dict(doc, blocks=blocks) if changed else doc


def _positions(blocks: list[dict[str, Any]]) -> dict[str, int]:
    """Block id → position (the last block of an id, as a dict of them keeps).
    The views of the parts keep every id at its place, so one map serves them
    all — built once per document, not per table (a budget of many parts)."""
    return {b["id"]: i for i, b in enumerate(blocks)}


def _title_from_captions(block: dict[str, Any], blocks: list[dict[str, Any]],
                         order: dict[str, int]) -> dict[str, Any] | None:
    """A table captioned “部门收支总表 / 预算01表” whose caption reader took
    the code line for its title: the title is the caption line naming a
    table, the code moves to ``code``.  ``order``: :func:`_positions` of ``blocks``."""
    by_id = _ById(blocks, order)
    with tables.vocabulary(DATA_FILE):
        if block.get("code") or not tables.parse_code(block.get("title") or ""):
            return None
        ids = list(block.get("caption_blocks", []))
        if ids and ids[0] in order and order[ids[0]] > 0:  # the line above the code line
            ids.insert(0, blocks[order[ids[0]] - 1]["id"])
        title = next((by_id[c]["text"] for c in ids if c in by_id and by_id[c]["type"] != "table"
                      and tables.role_for_title(by_id[c].get("text"))), None)
    return dict(block, title=title, code=block["title"]) if title else None


class _ById:
    """``{b["id"]: b for b in blocks}`` read through a position map, without
    building it for every table."""

    def __init__(self, blocks: list[dict[str, Any]], order: dict[str, int]) -> None:
        self.blocks, self.order = blocks, order

    def __contains__(self, bid: object) -> bool:
        return bid in self.order

    def __getitem__(self, bid: str) -> dict[str, Any]:
        return self.blocks[self.order[bid]]


def _pad_codes(block: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of ``block`` whose 款/项 codes printed without their leading
    zero (``301 | 2`` — a spreadsheet ate the 0) read as ``02``; None when
    nothing needed it.  The printed text stays in ``raw`` and the cell is
    marked ``code_padded``: read, but reported (see :func:`_code_misprints`)."""
    rows, changed = [], False
    for row in block.get("rows", []):
        cells = sorted(row, key=lambda c: c["col"])
        new = list(cells)
        for i in range(1, min(len(cells), 3)):
            if re.fullmatch(r"\d{3}", cells[0].get("text", "").strip()) and re.fullmatch(r"\d", cells[i].get("text", "").strip()) \
                    and all(re.fullmatch(r"\d{1,2}", c.get("text", "").strip()) for c in cells[1:i + 1]):
                new[i] = dict(cells[i], text="0" + cells[i]["text"].strip(), raw=cells[i]["text"], code_padded=True)
                changed = True
        rows.append(new)
    return dict(block, rows=rows) if changed else None


def _code_misprints(view: dict[str, Any], recognised: list[dict[str, Any]],
                    part: dict[str, Any]) -> list[dict[str, Any]]:
    """The codes :func:`_pad_codes` read with their zero restored, per
    recognised table of ``part`` (its blocks only: a budget of many parts is
    not walked once per part): the printed form (“301 2”), the code read
    (30102), the row's label and the cell's place."""
    roles = {t["block"]: t for t in recognised if t.get("block")}
    out = []
    for block in view["blocks"][part["first_block"]: part["last_block"] + 1]:
        table = roles.get(block.get("id"))
        if block.get("type") != "table" or table is None:
            continue
        for row in block.get("rows", []):
            cells = sorted(row, key=lambda c: c["col"])
            padded = [c for c in cells[:3] if c.get("code_padded")]
            if not padded:
                continue
            n = 1  # the code cells: the 类 code and the 款/项 digits after it
            while n < min(len(cells), 3) and re.fullmatch(r"\d{1,2}", cells[n].get("text", "").strip()):
                n += 1
            label = next((c["text"] for c in cells if has_cjk(c.get("text", ""))), "")
            out.append({"table": table.get("role"), "block": block["id"], "label": label,
                        "printed": " ".join(c.get("raw", c.get("text", "")).strip() for c in cells[:n]),
                        "code": "".join(c.get("text", "").strip() for c in cells[:n]),
                        "loc": padded[0].get("loc", {}), "row": padded[0].get("row"), "col": padded[0].get("col")})
    return out


def _is_page_furniture(block: dict[str, Any]) -> bool:
    t = compact(block.get("text", ""))
    return t.isdigit() or t.startswith("第") and t.endswith("页")


def recognize_part(doc: dict[str, Any], part: dict[str, Any], order: dict[str, int] | None = None,
                   units: dict[str, Any] | None = None) -> dict[str, Any]:
    """The budget tables of one 部门预算 part, in the shape of the 决算 result.
    ``order`` (:func:`_positions`) and ``units`` (:func:`_units`) of the whole
    document are built here when not given (once per document by
    :func:`recognize_budget_tables`)."""
    view = _join_continuations(doc, part, order)
    with tables.vocabulary(DATA_FILE):
        out = tables.recognize_part(view, part)
    out["code_misprints"] = _code_misprints(view, out["tables"], part)
    units = _units(doc) if units is None else units
    for t in out["tables"]:
        t["generic"] = t["role"]
        t["unit"] = units.get(t.get("block")) or doc.get("meta", {}).get("money_unit")
        for row in t["rows"]:
            for cell in row["cells"].values():
                cell["unit"] = t["unit"]
    for v in out["named_values"].values():
        v["unit"] = next((t["unit"] for t in out["tables"] if t["block"] == v.get("block")), None)
    out["genre"] = BUDGET_PART
    return out


def _units(doc: dict[str, Any]) -> dict[str, Any]:
    """Table block id → its money unit."""
    return {b["id"]: b.get("unit") for b in doc["blocks"] if b["type"] == "table"}


def recognize_budget_tables(doc: dict[str, Any]) -> None:
    """Fill ``doc["part_tables"]`` for every 部门预算 part; name the 决算
    parts' tables generically too."""
    generic = _generic_of_final_accounts()
    for pid, fa in (doc.get("final_accounts_by_part") or {}).items():
        fa.setdefault("genre", "部门决算")
        for t in fa.get("tables", []):
            if t.get("role"):
                t.setdefault("generic", generic.get(t["role"]))
    order: dict[str, int] | None = None
    units: dict[str, Any] | None = None
    for part in doc.get("parts", []):
        if part.get("type") != BUDGET_PART:
            continue
        if order is None:  # doc["blocks"] is not changed here: one map for every part
            order, units = _positions(doc["blocks"]), _units(doc)
        result = doc.setdefault("part_tables", {})[part["id"]] = recognize_part(doc, part, order, units)
        named = doc.setdefault("named_values", {})  # for formula rules; visible only to this part
        for k, v in result["named_values"].items():
            named.setdefault(k, dict(v, part=part["id"]))


def register(registry) -> None:
    registry.add_recognizer("budget_tables", recognize_budget_tables, order=31,
                            description="部门预算: budget tables (generic roles, column roles, units, named values)")
