"""Recognizer for the nine standard tables of a 部门决算 (final accounts).

Why: every arithmetic, cross-table and completeness rule on a final-accounts
disclosure needs to know *which* table is which (titles and codes vary by
template and year: 公开01表 … / 财决批复01表 …, “收入支出决算总表” /
“收入支出决算批复表”), which column is 基本支出 and which row is 类 201, in
spite of PDF text exports that shift cells.  All names, aliases and patterns
are data in ``final_accounts.yaml`` beside this module.

Output (per 部门决算 part; ``doc["final_accounts"]`` is the first such part,
``doc["final_accounts_by_part"]`` maps every part id to its result)::

    {"part": "p0", "template": "公开" | "财决批复" | …,
     "tables": [{"role": canonical role (see ROLES), "kind", "title", "code", "slot": 5,
                 "block": "b95" | None, "empty": bool, "explained": bool,
                 "explanation": text | None, "loc",
                 "columns": [{"key", "label", "role"}],
                 "rows": [{"label", "code", "level": "类"|"款"|"项"|"经济类"|"经济款"|None,
                           "side"?: "收入"|"支出", "numbered"?: bool, "name", "loc",
                           "cells": {column role: {"value": "7.93", "decimals": 2, "exact": bool,
                                                   "col", "row", "loc", "text"}}}]}],
     "named_values": {...}}

Column roles: the header path of a column, each element mapped through
``column_aliases`` and joined with ``.`` — e.g. ``合计`` (本年支出合计/小计),
``基本支出``, ``项目支出``, ``财政拨款收入``, ``本年支出.基本支出`` (under a
group header), ``预算.公务接待费`` (三公).  Two-sided 总表 columns: ``金额``
for each side's main amount column, otherwise the aliased header
(``一般公共预算财政拨款`` …).  经济分类 tables: ``决算``.

Named values (``doc["named_values"]`` and the table's ``named_values``), each
``{"value", "decimals", "exact", "loc", "table", "row", "column"}``:

* function tables: ``<role>.<code or 合计>.<column role>`` —
  ``支出决算表.合计.基本支出``, ``收入决算表.2013101.合计``;
* two-sided 总表: ``<role>.<side>.<row name>.<column role>`` —
  ``收入支出决算总表.收入.本年收入合计.金额``,
  ``财政拨款收入支出决算总表.收入.年初结转和结余.一般公共预算财政拨款.金额``
  (rows under 年初/年末结转和结余 are named ``<parent>.<label>``);
* 经济分类 table: ``<role>.<code or summary label>.决算`` —
  ``一般公共预算财政拨款基本支出决算表.30217.决算``, ``….人员经费合计.决算``;
* 三公: ``三公.<预算|决算>.<item>`` — ``三公.决算.合计``, ``三公.预算.公务接待费``,
  ``三公.决算.公务用车购置及运行费.合计``.

A cell printed ``0.00`` (or a dash) is marked ``exact``: the financial system
prints no amount as zero, so it carries no rounding (param of the checks).
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from budgetlint.core.document import compact, parse_numbering
from budgetlint.core.values import has_cjk

DATA_FILE = Path(__file__).with_name("final_accounts.yaml")
FINAL_ACCOUNTS_PART = "部门决算"
_CODE_RE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_NOTE = re.compile(r"^(注|说明|备注|附注)\s*\d*\s*[:：.．]?")


@lru_cache(maxsize=8)
def load_vocabulary(path: Path = DATA_FILE) -> dict[str, Any]:
    """A table vocabulary (aliases, patterns) in this module's format, loaded once."""
    from budgetlint.core.rulepack import load_data_yaml  # cached by content: no YAML parser on a warm start

    data = dict(load_data_yaml(path))  # the parsed nodes are shared: add keys to a copy only
    data["_codes"] = [(c["template"], re.compile(c["pattern"])) for c in data["codes"]]
    names: list[tuple[str, dict[str, Any]]] = []
    for t in data["tables"]:
        for n in t["names"]:
            names.append((_norm_title(n, data), t))
    data["_names"] = sorted(names, key=lambda x: -len(x[0]))
    data["_title_matches"] = {}  # match_title's answers for this vocabulary
    data["_explain"] = re.compile(data["empty_explanation"])
    data["_zero"] = re.compile(data["exact_zero_pattern"])
    data["_ignore"] = {compact(x) for x in data["header_ignore"]}
    return data


# Another genre (部门预算, budget_tables.py) parses its tables with this
# machinery under its own vocabulary: ``with vocabulary(path): recognize_part(…)``.
_VOCABULARY: ContextVar[Path | None] = ContextVar("budgetlint_table_vocabulary", default=None)


def config() -> dict[str, Any]:
    """The active vocabulary: the 决算 one unless a genre recognizer set its own."""
    return load_vocabulary(_VOCABULARY.get() or DATA_FILE)


@contextmanager
def vocabulary(path: Path) -> Iterator[None]:
    """Parse tables with the vocabulary in ``path`` inside the ``with`` block."""
    token = _VOCABULARY.set(path)
    try:
        yield
    finally:
        _VOCABULARY.reset(token)


def roles() -> list[str]:
    """The nine canonical table roles, in the order of the 公开 template."""
    return [t["role"] for t in config()["tables"]]


def _norm_title(text: str, cfg: dict[str, Any] | None = None) -> str:
    t = compact(text)
    for w in (cfg or config())["title_strip"]:
        t = re.sub(w if w.startswith("\\") else re.escape(w), "", t)
    t = re.sub(r"^\d{4}年度?", "", t)
    return t


def role_for_title(title: str | None) -> dict[str, Any] | None:
    """The table definition whose name the (normalized) title ends with, or
    the nearest name when the title is a misprint of one (see
    :func:`match_title`)."""
    return match_title(title)[0]


def match_title(title: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(table definition, the name it was matched to when only by fuzzy
    match — else None).  Fuzzy: the title's ending is within ``title_fuzzy``
    edits of a name (the nearest, then the longest); a tie between two
    tables is no match."""
    if not title:
        return None, None
    cfg = config()
    memo = cfg["_title_matches"]  # a report names its tables in the contents, over each table and again in text
    found = memo.get(title)
    if found is None:
        found = _match_title(title, cfg)
        if len(memo) < 4096:
            memo[title] = found
    return found


def _match_title(title: str, cfg: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    t = _norm_title(title, cfg)
    for name, tdef in cfg["_names"]:
        if t == name or t.endswith(name):
            return tdef, None
    if not t.endswith("表"):
        return None, None
    fz = cfg.get("title_fuzzy") or {}
    best: tuple[int, str, dict[str, Any]] | None = None
    tie = False
    for name, tdef in cfg["_names"]:
        limit = fz.get("max_distance", 2) if len(name) >= fz.get("long_name", 10) else fz.get("short_distance", 1)
        d = min((_distance(t[-n:], name, limit) for n in range(max(1, len(name) - limit),
                                                               min(len(t), len(name) + limit) + 1)),
                default=limit + 1)
        if d > limit:
            continue
        # nearest first; at equal distance the longer name, which explains more of the title
        if best is None or (d, -len(name)) < (best[0], -len(best[1])):
            best, tie = (d, name, tdef), False
        elif (d, len(name)) == (best[0], len(best[1])) and best[2]["role"] != tdef["role"]:
            tie = True
    if best is None or tie:
        return None, None
    return best[2], best[1]


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of two titles when it is at most ``limit``, else
    ``limit + 1``: a table of contents holds dozens of titles, each compared
    with every name of the vocabulary at several lengths, and nearly all are
    far apart — a row of the table whose smallest entry exceeds the limit ends
    the comparison (later rows are never smaller)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    # an edit changes at most two entries of the characters one title has and
    # the other has not: more than 2 × limit such characters is too far apart
    if len(set(a).symmetric_difference(b)) > 2 * limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        left = i
        for j, cb in enumerate(b, 1):
            v = prev[j - 1] + (ca != cb)
            if prev[j] + 1 < v:
                v = prev[j] + 1
            if left + 1 < v:
                v = left + 1
            cur.append(v)
            left = v
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def parse_code(code: str | None) -> tuple[str, int] | None:
    """``公开05表`` → (``公开``, 5)."""
    if not code:
        return None
    c = compact(code)
    for template, rx in config()["_codes"]:
        m = rx.match(c)
        if m:
            return template, int(m.group(1))
    return None


# ------------------------------------------------------------------ cells

def _cell_value(cell: dict[str, Any]) -> dict[str, Any] | None:
    v = cell.get("value")
    text = cell.get("text", "")
    if v and v.get("kind") == "dash":
        return {"value": "0", "decimals": None, "exact": True, "text": text}
    if not v or v.get("kind") != "number":
        return None
    return {"value": v["number"], "decimals": v.get("decimals", 0),
            "exact": bool(config()["_zero"].match(v["number"])), "text": text}


def _zero_cell(col: Any, row: Any, loc: dict[str, Any]) -> dict[str, Any]:
    """An amount known to be exactly 0 though nothing was printed: a blank of
    a ruled table, an item a copied row dropped whole."""
    return {"value": "0", "decimals": None, "exact": True, "text": "", "col": col, "row": row, "loc": loc}


def _out_cell(cell: dict[str, Any]) -> dict[str, Any] | None:
    val = _cell_value(cell)
    if val is None:
        return None
    val.update({"col": cell.get("col"), "row": cell.get("row"), "loc": cell.get("loc", {})})
    return val


def _is_amount(cell: dict[str, Any]) -> bool:
    v = cell.get("value")
    return bool(v) and v.get("kind") in ("number", "dash") and not _CODE_RE.match(cell.get("text", "").strip())


# ----------------------------------------------------------------- header

def _counting_row(row: list[dict[str, Any]]) -> list[tuple[int, int]] | None:
    """The 栏次 row: (col, number) of its consecutive 1,2,3… cells."""
    nums = []
    for c in row:
        t = c.get("text", "").strip()
        if t.isdigit():
            nums.append((c["col"], int(t)))
    if len(nums) >= 2 and [n for _, n in nums] == list(range(nums[0][1], nums[0][1] + len(nums))):
        others = [c for c in row if c.get("text") and not c["text"].strip().isdigit()
                  and compact(c["text"]) not in config()["_ignore"]]
        if not others:
            return nums
    return None


def _alias(text: str) -> str:
    t = compact(text)
    for rx in config().get("column_prefix_strip", []):  # 2024年“三公”经费预算数 → 三公经费预算数
        t = re.sub(rx, "", t)
    return config()["column_aliases"].get(t, t)


def _header_columns(block: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    """Value columns of a function/三公 table: key, label and role from the
    header path (group headers above a column), in 栏次 order."""
    cfg = config()
    hrows = block["rows"][: block.get("header_rows", 0)]
    count_idx, counting = None, None
    for i, row in enumerate(hrows):
        nums = _counting_row(row)
        if nums:
            count_idx, counting = i, nums
    texts: dict[tuple[int, int], str] = {}
    for i, row in enumerate(hrows):
        if i == count_idx:
            continue
        for c in row:
            t = compact(c.get("text", ""))
            t = re.sub(r"\d+$", "", t) if t and not t.isdigit() else t
            if t and t not in cfg["_ignore"] and not t.isdigit():
                texts[(i, c["col"])] = t
    n_hdr = len(hrows)
    # PDF exports shift a group header (预算数/决算数) by a column: snap it
    # onto the group's first column, which holds a 合计/小计 in the row below.
    starts = {compact(x) for x in cfg["group_start_labels"]}
    for (r, c), t in sorted(texts.items()):
        below = [rr for rr in range(r + 1, n_hdr) if any(k[0] == rr for k in texts)]
        if not below:
            continue
        rb = below[0]
        if texts.get((rb, c)) in starts:
            continue
        for cc in (c + 1, c - 1):
            if texts.get((rb, cc)) in starts and (r, cc) not in texts:
                texts[(r, cc)] = texts.pop((r, c))
                break

    # positions a header cell covers below its own row (its rowspan): a header further left in such a row
    # is another column's group (公务用车运行费 is not over 公务接待费, which spans three rows)
    under = {(r + dr, c["col"] + dc) for r, row in enumerate(hrows) for c in row
             for dr in range(1, c.get("rowspan", 1)) for dc in range(c.get("colspan", 1))}

    def is_group(r: int, c: int) -> bool:
        return any((r2, c) in texts for r2 in range(r + 1, n_hdr))

    if counting:
        value_cols = [(col, n) for col, n in counting]
    else:
        cols = sorted({c for (_, c) in texts})
        value_cols = [(c, i + 1) for i, c in enumerate(cols)]
    out = []
    for col, n in value_cols:
        leaf_r = max((r for (r, c) in texts if c == col), default=None)
        if leaf_r is None:
            out.append({"key": f"c{n}", "label": "", "role": f"c{n}", "col": col})
            continue
        path = [texts[(leaf_r, col)]]
        for r in range(leaf_r - 1, -1, -1):
            for cc in range(col, -1, -1):
                if (r, cc) in under:  # under a taller header cell from a row above: this row has no group here
                    break
                t = texts.get((r, cc))
                if t is None:
                    cell_text = next((compact(x.get("text", "")) for x in hrows[r] if x["col"] == cc), "")
                    if cell_text and cell_text in cfg["_ignore"]:
                        break
                    continue
                if is_group(r, cc):
                    path.insert(0, t)
                break
        out.append({"key": f"c{n}", "label": "/".join(path), "role": ".".join(a for a in map(_alias, path) if a), "col": col})
    return out, count_idx


def _three_public_role(role: str, drop: set[str]) -> str:
    """``<预算|决算>.<item>[.<sub-item>]`` whatever the header's order: a 三公
    table printed item first (合计 / 因公出国（境）费 … each over 预算数 and
    决算数, the Shanghai layout) names its columns like one printed 预算数 /
    决算数 first; the table's own title over every column (``drop``) is not a
    group."""
    parts = [p for p in role.split(".") if p not in drop] or role.split(".")
    parts = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    sides = [p for p in parts if p in ("预算", "决算")]
    return ".".join(sides[:1] + [p for p in parts if p not in ("预算", "决算")])


# ----------------------------------------------------------------- tables

def _row_code(cells: list[dict[str, Any]]) -> tuple[str | None, int]:
    """A 功能分类 code at the start of a row (whole, or split over 类/款/项
    cells); returns (code, index of the first cell after it)."""
    texts = [c.get("text", "").strip() for c in cells]
    for i, t in enumerate(texts[:4]):
        if has_cjk(t):
            return None, i
        if re.fullmatch(r"\d{3}", t):
            code, j = t, i + 1
            while j < len(texts) and j <= i + 2 and re.fullmatch(r"\d{2}", texts[j]):
                code += texts[j]
                j += 1
            return code, j
        if _CODE_RE.match(t):
            return t, i + 1
    return None, 0


def _level(code: str | None, economic: bool = False) -> str | None:
    if not code:
        return None
    if economic:
        return {3: "经济类", 5: "经济款"}.get(len(code))
    return {3: "类", 5: "款", 7: "项"}.get(len(code))


def _parse_function(block: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    columns, _ = _header_columns(block)
    rows_out = []
    value_cols = {c["col"]: c for c in columns}
    for row in block["rows"][block.get("header_rows", 0):]:
        cells = sorted(row, key=lambda c: c["col"])
        if _counting_row(cells):
            continue
        code, start = _row_code(cells)
        label = next((c["text"] for c in cells if has_cjk(c.get("text", ""))), None)
        label_idx = next((i for i, c in enumerate(cells) if has_cjk(c.get("text", ""))), -1)
        first_val = max(start, label_idx + 1 if label_idx >= 0 and label_idx < 5 else start)
        amounts = [c for c in cells[first_val:] if _is_amount(c)]
        out_cells: dict[str, Any] = {}
        if amounts and len(amounts) == len(columns):
            pairs = zip(columns, amounts)
        else:
            pairs = ((value_cols[c["col"]], c) for c in cells[first_val:] if c["col"] in value_cols)
        for col, cell in pairs:
            oc = _out_cell(cell)
            if oc is not None:
                out_cells[col["role"]] = oc
        if not code and not label and not out_cells:
            continue
        name = code or (compact(label) if label else None)
        rows_out.append({"label": label, "code": code, "level": _level(code), "name": name,
                         "loc": cells[0].get("loc", {}) if cells else {}, "cells": out_cells})
    for c in columns:
        c.pop("col", None)
    return columns, rows_out


def _side_row_name(key: str, numbered: bool, parent: str | None, sub_labels: set[str],
                   cfg: dict[str, Any]) -> tuple[str, str | None]:
    """(name, parent for the next rows) of a 收/支 side row of a two-sided
    table, ruled or copied as spaced text alike: a 年初/年末结转和结余 line
    opens its breakdown (``结转.一般公共预算财政拨款``), a numbered line or
    总计 closes it, unless the numbered line names one of the funds."""
    if key in cfg["subrow_parents"]:
        return key, key
    if key == "总计" or (numbered and not (parent and key in sub_labels)):
        return key, None
    if parent and key:
        return f"{parent}.{key}", parent
    return key, parent


def _strip_numbering(label: str) -> tuple[str, bool]:
    num = parse_numbering(label)
    if num and num["style"] in ("cn", "arabic"):
        return label[len(num["token"]):].strip() if label.startswith(num["token"]) else \
            re.sub(r"^[^、.．]*[、.．]\s*", "", label), True
    return label, False


def _parse_two_sided(block: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = config()["two_sided"]
    hrows = block["rows"][: block.get("header_rows", 0)] or block["rows"][:2]
    split = None
    for row in hrows:
        texts = {compact(c["text"]): c["col"] for c in row if c.get("text")}
        texts.update({cfg["side_aliases"][k]: v for k, v in texts.items() if k in cfg.get("side_aliases", {})})
        if cfg["sides"][0] in texts and cfg["sides"][1] in texts:
            split = texts[cfg["sides"][1]]
            break
    if split is None:
        return [], []
    label_row = next((r for r in hrows if any(cfg["line_number_header"] in compact(c["text"]) for c in r)), hrows[-1])
    header = {c["col"]: compact(c.get("text", "")) for c in label_row}
    sides = []
    columns = []
    for side, lo, hi in ((cfg["sides"][0], 0, split), (cfg["sides"][1], split, block["n_cols"])):
        line_col = next((c for c in range(lo, hi) if cfg["line_number_header"] in header.get(c, "")), None)
        amount_cols = [c for c in range(lo + 1, hi) if c != line_col]
        roles = {}
        for i, c in enumerate(amount_cols):
            role = cfg["main_amount_role"] if i == 0 else _alias(re.sub(r"\d+$", "", header.get(c, "")) or f"c{c}")
            roles[c] = role
            columns.append({"key": f"{side}{i + 1}", "label": header.get(c, ""), "role": role, "side": side})
        sides.append((side, lo, line_col, roles))
    rows_out: list[dict[str, Any]] = []
    aliases = cfg["row_aliases"]
    # a numbered line under 年初/年末结转和结余 (一、一般公共预算财政拨款) is
    # its breakdown when it names one of the funds, not a new top-level line
    sub_labels = {compact(x) for x in cfg.get("subrow_labels", [])}
    for side, label_col, line_col, roles in sides:
        parent = None
        used: set[str] = set()
        for row in block["rows"][block.get("header_rows", 0):]:
            by_col = {c["col"]: c for c in row}
            lc = by_col.get(label_col)
            raw_label = lc["text"].strip() if lc and lc.get("text") else ""
            if _counting_row(row):
                continue
            out_cells = {}
            for col, role in roles.items():
                cell = by_col.get(col)
                oc = _out_cell(cell) if cell else None
                if oc is not None:
                    out_cells[role] = oc
            if not raw_label and not out_cells:
                continue
            label, numbered = _strip_numbering(raw_label) if raw_label else ("", False)
            key = compact(label)
            key = aliases.get(key, key)
            name, parent = _side_row_name(key, numbered, parent, sub_labels, cfg)
            if name in used:
                name = f"{name}#2"
            if name:
                used.add(name)
            line_no = by_col.get(line_col, {}).get("text") if line_col is not None else None
            rows_out.append({"label": raw_label or None, "code": None, "level": None, "side": side,
                             "numbered": numbered, "name": name or None, "line_no": line_no or None,
                             "loc": (lc or row[0]).get("loc", {}), "cells": out_cells})
    return columns, rows_out


def _parse_economic(block: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = config()["economic"]
    role = cfg["amount_role"]
    rows_out: list[dict[str, Any]] = []
    for row in block["rows"][block.get("header_rows", 0):]:
        item: dict[str, Any] | None = None
        blank_after = _blank_after(sorted(row, key=lambda c: c["col"]))
        pending: tuple[dict[str, Any], dict[str, Any]] | None = None  # (item, its amount cell printed empty)
        cells = [c for c in sorted(row, key=lambda c: c["col"]) if c.get("text", "").strip()]
        for n, cell in enumerate(cells):
            t = cell.get("text", "").strip()
            if re.fullmatch(r"\d{2}", t) and n and re.fullmatch(r"\d{3}", cells[n - 1]["text"].strip()):
                continue  # the 款 half of a code printed in separate 类 | 款 columns (302 | 01)
            if re.fullmatch(r"\d{3}", t) and n + 1 < len(cells) and re.fullmatch(r"\d{2}", cells[n + 1]["text"].strip()):
                t = t + cells[n + 1]["text"].strip()
            if re.fullmatch(r"\d{3}(\d{2})?", t):
                _zero_if_blank(pending, role)
                pending = None
                item = {"label": None, "code": t, "level": _level(t, economic=True), "name": t,
                        "loc": cell.get("loc", {}), "cells": {}}
                rows_out.append(item)
            elif has_cjk(t):
                if item is not None and item["code"] and item["label"] is None and not item["cells"]:
                    item["label"] = t
                else:
                    _zero_if_blank(pending, role)
                    pending = None
                    key = compact(t)
                    item = {"label": t, "code": None, "level": None, "name": cfg["row_aliases"].get(key, key),
                            "loc": cell.get("loc", {}), "cells": {}}
                    rows_out.append(item)
            elif _is_amount(cell) and item is not None and role not in item["cells"]:
                oc = _out_cell(cell)
                if oc is not None:
                    item["cells"][role] = oc
            if item is not None and id(cell) in blank_after:
                pending = (item, blank_after[id(cell)])
        _zero_if_blank(pending, role)
    return [{"key": "c1", "label": "决算数", "role": role}], rows_out


def _zero_if_blank(pending: tuple[dict[str, Any], dict[str, Any]] | None, role: str) -> None:
    """An item whose amount cell was printed empty and that got no amount
    before the next item began is an exact 0 (a ruled table prints nothing
    for no spending)."""
    if pending is None:
        return
    item, blank = pending
    if role not in item["cells"]:
        item["cells"][role] = _zero_cell(blank.get("col"), blank.get("row"), blank.get("loc", {}))


def _blank_after(cells: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Name cell (by id) → the empty cell right after it, in a ruled
    经济分类 row: that item's amount column printed blank.  A row copied as
    text has no empty cells, so it never gets a zero it did not print."""
    return {id(a): b for a, b in zip(cells, cells[1:])
            if has_cjk(a.get("text", "")) and not b.get("text", "").strip() and b.get("col", 0) == a.get("col", 0) + 1}


def _parse_three_public(block: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    columns, _ = _header_columns(block)
    titles = {compact(t) for t in config().get("three_public_title_groups", [])}
    for c in columns:
        c["role"] = _three_public_role(c["role"], titles)
    rows_out = []
    for row in block["rows"][block.get("header_rows", 0):]:
        cells = sorted(row, key=lambda c: c["col"])
        amounts = [c for c in cells if _is_amount(c)]
        if not amounts or _counting_row(cells):  # the 栏次 row 1 2 3 … 12 is not data
            continue
        if len(amounts) == len(columns):
            pairs = list(zip(columns, amounts))
        else:
            by = {c["col"]: c for c in cells}
            pairs = [(col, by[col["col"]]) for col in columns if col["col"] in by]
        out_cells = {}
        for col, cell in pairs:
            oc = _out_cell(cell)
            if oc is None and not compact(cell.get("text", "")):
                # a cell of a known column left blank (a ruled table prints nothing for no spending): 0, exactly
                oc = _zero_cell(cell.get("col"), cell.get("row"), cell.get("loc", {}))
            if oc is not None:
                out_cells[col["role"]] = oc
        rows_out.append({"label": None, "code": None, "level": None, "name": None,
                         "loc": cells[0].get("loc", {}), "cells": out_cells})
    for c in columns:
        c.pop("col", None)
    return columns, rows_out


# ------------------------------------------------------- space rows (text)

_LEVEL_WORDS = ("类", "款", "项")


def _found(word: str, text: str, depth: int = 0) -> bool:
    """Is ``word`` in the header text, whole or broken into up to three pieces
    of at least two characters (a header cell wrapped over lines)?"""
    w = compact(word)
    if w in text:
        return True
    if depth >= 2:
        return False
    return any(w[:k] in text and _found(w[k:], text, depth + 1) for k in range(2, len(w) - 1))


def _space_layout(block: dict[str, Any], role: str) -> dict[str, Any] | None:
    """The first ``space_layouts`` entry of ``role`` whose header words all
    occur in the table's header lines."""
    header = "".join(compact(c.get("text", "")) for r in block["rows"][: block.get("header_rows", 0)] for c in r)
    for layout in config().get("space_layouts", {}).get(role, []):
        if all(_found(w, header) for w in layout["header"]):
            return layout
    return None


def _assign(columns: list[dict[str, Any]], amounts: list[dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """Column role → cell: all amounts when the row prints one per column,
    else only the first (the row total); the flag says the row is partial."""
    out: dict[str, Any] = {}
    if not columns or not amounts:
        return out, bool(amounts)
    pairs = list(zip(columns, amounts)) if len(amounts) == len(columns) else [(columns[0], amounts[0])]
    for col, cell in pairs:
        oc = _out_cell(cell)
        if oc is not None:
            out[col["role"]] = oc
    return out, len(amounts) != len(columns)


def _space_row_parts(cells: list[dict[str, Any]]) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(code, label, amount cells) of a space row, skipping the 类/款/项
    markers a 合计 row prints in the code columns."""
    code, start = _row_code(cells)
    label_parts, amounts = [], []
    for c in cells[start:]:
        t = c.get("text", "").strip()
        if not t or compact(t) in _LEVEL_WORDS:
            continue
        if _is_amount(c):
            amounts.append(c)
        elif has_cjk(t):
            label_parts.append(t)
    return code, ("".join(label_parts) or None), amounts


def _space_columns(block: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The columns a one-sided table copied as space-separated text has, by
    its layout in the vocabulary (none when no layout matched the header)."""
    layout = _space_layout(block, role)
    return [{"key": f"c{i + 1}", "label": r, "role": r} for i, r in enumerate(layout["columns"] if layout else [])]


def _body_rows(block: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The rows below the header, each with its cells in column order."""
    for row in block["rows"][block.get("header_rows", 0):]:
        yield sorted(row, key=lambda c: c["col"])


def _parse_space_function(block: dict[str, Any], role: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    columns = _space_columns(block, role)
    rows_out = []
    for cells in _body_rows(block):
        code, label, amounts = _space_row_parts(cells)
        if not code and not label and not amounts:
            continue
        out_cells, partial = _assign(columns, amounts)
        name = code or (compact(label) if label else None)
        item = {"label": label, "code": code, "level": _level(code), "name": name,
                "loc": cells[0].get("loc", {}) if cells else {}, "cells": out_cells}
        if partial:
            item["partial"] = True
            item["_amounts"] = amounts
        rows_out.append(item)
    return columns, rows_out


def _blank_items_reading(columns: list[dict[str, Any]], amounts: list[dict[str, Any]],
                         layout: dict[str, Any] | None, loc: dict[str, Any]) -> dict[str, Any] | None:
    """Cells of a row that left whole items blank, or None when not one reading fits.

    A 三公 table copied out of a PDF drops the empty cells of an item with no
    budget and no spending (“因公出国（境）费” printed as two blanks), so the row
    has fewer amounts than columns.  The layout says how many columns an item
    has (``blank_group``) and which sums the table obeys (``sums``: ``[total,
    [parts]]``).  Every way of dropping whole items that leaves one amount per
    column is tried; the row is read only when exactly one of them makes every
    sum hold to the cent (the dropped items are 0).  A table whose sums are
    broken therefore stays partial (not evaluated), never guessed."""
    size = (layout or {}).get("blank_group")
    sums = (layout or {}).get("sums")
    missing = len(columns) - len(amounts)
    if not size or not sums or missing <= 0 or missing % size or len(columns) % size:
        return None
    values = [_cell_value(a) for a in amounts]
    if any(v is None for v in values):
        return None
    groups = [columns[i:i + size] for i in range(0, len(columns), size)]
    fits: list[tuple[int, ...]] = []
    for drop in itertools.combinations(range(len(groups)), missing // size):
        live = [c for g, cols in enumerate(groups) if g not in drop for c in cols]
        by_role = {c["role"]: Decimal(v["value"]) for c, v in zip(live, values)}
        by_role.update({c["role"]: Decimal(0) for g in drop for c in groups[g]})
        if all(by_role.get(total) is not None and all(p in by_role for p in parts)
               and sum(by_role[p] for p in parts) == by_role[total] for total, parts in sums):
            fits.append(drop)
    if len(fits) != 1:
        return None
    live = [c for g, cols in enumerate(groups) if g not in fits[0] for c in cols]
    out = {c["role"]: oc for c, a in zip(live, amounts) if (oc := _out_cell(a)) is not None}
    for g in fits[0]:
        for c in groups[g]:
            out[c["role"]] = _zero_cell(None, None, loc)
    return out


def _parse_space_three_public(block: dict[str, Any], role: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    columns = _space_columns(block, role)
    layout = _space_layout(block, role)
    rows_out = []
    for cells in _body_rows(block):
        amounts = [c for c in cells if _is_amount(c)]
        if not amounts:
            continue
        out_cells, partial = _assign(columns, amounts)
        if partial and (read := _blank_items_reading(columns, amounts, layout, cells[0].get("loc", {}))):
            out_cells, partial = read, False
        item = {"label": None, "code": None, "level": None, "name": None, "loc": cells[0].get("loc", {}),
                "cells": out_cells}
        if partial:
            item["partial"] = True
        rows_out.append(item)
    return columns, rows_out


def _parse_space_two_sided(block: dict[str, Any], role: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    cfg = config()["two_sided"]
    left, right = cfg["sides"]
    layout = _space_layout(block, role)
    side_roles = (layout or {}).get("sides") or {left: [cfg["main_amount_role"]], right: [cfg["main_amount_role"]]}
    columns = [{"key": f"{side}{i + 1}", "label": r, "role": r, "side": side}
               for side in (left, right) for i, r in enumerate(side_roles.get(side, []))]
    right_rx = re.compile(config()["two_sided_right_label"])
    entries: dict[str, list[tuple[str, list[dict[str, Any]], dict[str, Any]]]] = {left: [], right: []}
    for row in block["rows"][block.get("header_rows", 0):]:
        segs: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = []
        for c in sorted(row, key=lambda c: c["col"]):
            t = c.get("text", "").strip()
            if not t:
                continue
            if _is_amount(c) and segs:
                segs[-1][1].append(c)
            elif has_cjk(t):
                segs.append((t, [], c.get("loc", {})))
        if len(segs) >= 2:
            entries[left].append(segs[0])
            entries[right].append(segs[1])
        elif segs:
            label, _ = _strip_numbering(segs[0][0])
            entries[right if right_rx.search(compact(label)) else left].append(segs[0])
    rows_out: list[dict[str, Any]] = []
    aliases = cfg["row_aliases"]
    sub_labels = {compact(x) for x in cfg.get("subrow_labels", [])}
    for side in (left, right):
        cols = [c for c in columns if c["side"] == side]
        parent = None
        used: set[str] = set()
        for raw_label, amounts, loc in entries[side]:
            out_cells, partial = _assign(cols, amounts)
            label, numbered = _strip_numbering(raw_label)
            key = aliases.get(compact(label), compact(label))
            name, parent = _side_row_name(key, numbered, parent, sub_labels, cfg)
            if name in used:
                name = f"{name}#2"
            used.add(name)
            item = {"label": raw_label, "code": None, "level": None, "side": side, "numbered": numbered,
                    "name": name or None, "line_no": None, "loc": loc, "cells": out_cells}
            if partial:
                item["partial"] = True
                item["_amounts"] = amounts
            rows_out.append(item)
    return columns, rows_out


def _zero_columns(tables: list[dict[str, Any]]) -> None:
    """Read partial rows whose columns another table fixes (``zero_evidence``):
    columns whose source rows all print blank or 0 are zero, and a partial
    row with one amount per remaining column is read in that order."""
    evidence = config().get("zero_evidence") or {}
    main = config()["two_sided"]["main_amount_role"]
    by_role = {t["role"]: t for t in tables if t.get("role")}

    def is_zero(path: str) -> bool:
        role, side, name = path.split(".", 2)
        t = by_role.get(role)
        rows = [r for r in (t or {}).get("rows", []) if r.get("side") == side and r.get("name") == name]
        if len(rows) != 1 or rows[0].get("partial"):
            return False
        cell = rows[0]["cells"].get(main)
        return cell is None or Decimal(cell["value"]) == 0

    for role, cols in evidence.items():
        t = by_role.get(role)
        if not t or not any(r.get("partial") for r in t["rows"]):
            continue
        zero = {c for c, paths in cols.items() if all(is_zero(p) for p in paths)}
        for side in {r.get("side") for r in t["rows"]}:
            columns = [c for c in t["columns"] if c.get("side") == side]
            live = [columns[0]] + [c for c in columns[1:] if c["role"] not in zero] if columns else []
            for r in t["rows"]:
                amounts = r.get("_amounts") or []
                if r.get("side") != side or not r.get("partial") or len(amounts) != len(live):
                    continue
                r["cells"] = {c["role"]: oc for c, a in zip(live, amounts) if (oc := _out_cell(a)) is not None}
                for c in columns:
                    if c["role"] not in r["cells"] and c["role"] in zero:
                        r["cells"][c["role"]] = _zero_cell(None, None, r.get("loc", {}))
                r.pop("partial")
    for t in tables:
        for r in t["rows"]:
            amounts = r.pop("_amounts", None)
            if r.get("partial") and amounts:
                # what the row printed, in order, its columns unknown: enough for a sum over every column
                r["amounts"] = [oc for a in amounts if (oc := _out_cell(a)) is not None]


SPACE_PARSERS = {"two_sided": _parse_space_two_sided, "function": _parse_space_function,
                 "three_public": _parse_space_three_public}


PARSERS = {"two_sided": _parse_two_sided, "function": _parse_function, "economic": _parse_economic,
           "three_public": _parse_three_public}


# ------------------------------------------------------------------ slots

def _explanation(texts: list[str]) -> str | None:
    rx = config()["_explain"]
    for t in texts:
        if rx.search(compact(t)):
            return t
    return None


def _caption_slots(blocks: list[dict[str, Any]], start: int, end: int, attached: set[str]) -> list[dict[str, Any]]:
    """Tables that exist only as caption paragraphs (title, code, unit, 注,
    说明) with no table block: an empty table in a PDF export."""
    slots = []
    for i in range(start, end + 1):
        b = blocks[i]
        if b["type"] == "table" or b["id"] in attached:
            continue
        code = compact(b.get("text", ""))
        if not parse_code(code):
            continue
        title, title_block = None, None
        for k in range(i - 1, max(start, i - 4) - 1, -1):
            t = blocks[k]
            if t["type"] == "table":
                break
            if role_for_title(t.get("text")):
                title, title_block = t["text"], t
                break
        texts, last = [], i
        for k in range(i + 1, min(end, i + 12) + 1):
            t = blocks[k]
            if t["type"] == "table" or parse_code(compact(t.get("text", ""))) or role_for_title(t.get("text")) \
                    or (t["type"] == "heading" and (t.get("level") or 9) <= 1):
                break
            texts.append(t.get("text", ""))
            last = k
        first = title_block or b
        slots.append({"code": code, "title": title, "first": first, "code_block": b,
                      "texts": texts, "last": blocks[last]})
    return slots


def _add_named(named: dict[str, Any], name: str, cell: dict[str, Any], table: dict[str, Any],
               row: str | None, column: str) -> None:
    if name in named:
        return
    named[name] = {"value": cell["value"], "decimals": cell["decimals"], "exact": cell.get("exact", False),
                   "loc": cell.get("loc", {}), "table": table["role"], "block": table["block"],
                   "row": row, "column": column, "text": cell.get("text")}


def _named_values(table: dict[str, Any], named: dict[str, Any]) -> None:
    role, kind = table["role"], table["kind"]
    for row in table["rows"]:
        for col, cell in row["cells"].items():
            if kind == "three_public":
                _add_named(named, f"三公.{col}", cell, table, None, col)
            elif kind == "two_sided":
                if row.get("name"):
                    _add_named(named, f"{role}.{row['side']}.{row['name']}.{col}", cell, table, row["label"], col)
            elif row.get("name"):
                _add_named(named, f"{role}.{row['name']}.{col}", cell, table, row["label"], col)


def _index(blocks: list[dict[str, Any]], bid: str | None) -> int:
    return next((i for i, b in enumerate(blocks) if b["id"] == bid), len(blocks))


def _strip_leader_and_page(text: str) -> str:
    """``收入决算表……3`` → ``收入决算表``: trailing page number, then the dot
    leader.  A scan from the end, not a ``[.…·]*digits*$`` regex, which
    restarts at every position and is quadratic on a long run of digits."""
    i = len(text)
    while i and text[i - 1].isdecimal():
        i -= 1
    while i and (text[i - 1] in ".…·" or text[i - 1].isspace()):
        i -= 1
    return text[:i]


def _toc(blocks: list[dict[str, Any]], start: int, stop: int, skip: set[str]) -> list[dict[str, Any]]:
    """Table-of-contents entries naming one of the nine tables, before the
    first table: headings/paragraphs or cells of a TOC table."""
    out = []
    for b in blocks[start:stop]:
        if b["id"] in skip:
            continue
        if b["type"] == "table":
            items = [(c["text"], c.get("loc", {})) for r in b["rows"] for c in r[:1] if c.get("text")]
        else:
            items = [(b.get("text", ""), b.get("loc", {}))]
        for text, loc in items:
            t = _strip_leader_and_page(compact(text))
            t, _ = _strip_numbering(t)
            if not t.endswith("表"):
                continue
            tdef, fuzzy_name = match_title(t)
            if tdef:
                out.append({"title": t, "role": tdef["role"], "loc": loc, "misprint": bool(fuzzy_name)})
    return out


def recognize_part(doc: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Find and parse the nine tables of one 部门决算 part."""
    blocks = doc["blocks"]
    start, end = part["first_block"], part["last_block"]
    tables: list[dict[str, Any]] = []
    attached: set[str] = set()
    for b in blocks[start: end + 1]:
        if b["type"] == "table":
            attached.update(b.get("caption_blocks", []))
            attached.update(n["block"] for n in b.get("notes", []))
    for b in blocks[start: end + 1]:
        if b["type"] != "table":
            continue
        tdef, fuzzy_name = match_title(b.get("title"))
        pc = parse_code(b.get("code"))
        if tdef is None:
            continue
        if b.get("source_shape") == "space_rows" and tdef["kind"] in SPACE_PARSERS:
            columns, rows = SPACE_PARSERS[tdef["kind"]](b, tdef["role"])
        else:
            columns, rows = PARSERS[tdef["kind"]](b)
        notes = [n["text"] for n in b.get("notes", [])]
        tables.append({"role": tdef["role"], "kind": tdef["kind"], "title": b.get("title"), "code": b.get("code"),
                       "slot": pc[1] if pc else None, "template": pc[0] if pc else None, "block": b["id"],
                       "loc": b.get("loc", {}), "title_loc": b.get("title_loc"), "columns": columns, "rows": rows,
                       "notes": notes, "_explain_texts": notes, "title_misprint": bool(fuzzy_name)})
    for s in _caption_slots(blocks, start, end, attached):
        tdef, fuzzy_name = match_title(s["title"])
        pc = parse_code(s["code"])
        loc = {"line": s["first"].get("loc", {}).get("line"),
               "end_line": s["last"].get("loc", {}).get("end_line", s["last"].get("loc", {}).get("line"))}
        if "line" not in s["first"].get("loc", {}):
            loc = dict(s["first"].get("loc", {}))
        tables.append({"role": tdef["role"] if tdef else None, "kind": tdef["kind"] if tdef else None,
                       "title": s["title"], "code": s["code"], "slot": pc[1] if pc else None,
                       "template": pc[0] if pc else None, "block": None, "caption_block": s["code_block"]["id"],
                       "loc": loc, "title_loc": s["first"].get("loc") if s["title"] else None,
                       "columns": [], "rows": [], "notes": [t for t in s["texts"] if _NOTE.match(compact(t))],
                       "_explain_texts": s["texts"], "title_misprint": bool(fuzzy_name)})
    # positions of the part's blocks, so placing a table costs no scan from the start of the document
    where: dict[str, int] = {}
    for i in range(start, min(end + 1, len(blocks))):
        where.setdefault(blocks[i]["id"], i)

    def position(bid: str | None) -> int:
        return where[bid] if bid in where else _index(blocks, bid)

    tables.sort(key=lambda t: position(t["block"] or t.get("caption_block")))
    _zero_columns(tables)
    named: dict[str, Any] = {}
    for t in tables:
        texts = t.pop("_explain_texts")
        t["empty"] = not any(Decimal(c["value"]) != 0 for r in t["rows"] for c in r["cells"].values())
        expl = _explanation(texts) if t["empty"] else None
        t["explained"] = bool(expl)
        t["explanation"] = expl
        if t["role"]:
            _named_values(t, named)
    toc = _toc(blocks, start, min([position(t["block"] or t.get("caption_block")) for t in tables] or [end]), attached)
    templates = [t["template"] for t in tables if t["template"]]
    template = max(set(templates), key=templates.count) if templates else None
    return {"part": part["id"], "template": template, "tables": tables, "toc": toc,
            "named_values": named}


def recognize_final_accounts(doc: dict[str, Any]) -> None:
    by_part = {}
    for part in doc.get("parts", []):
        if part.get("type") != FINAL_ACCOUNTS_PART:
            continue
        by_part[part["id"]] = recognize_part(doc, part)
    if not by_part:
        return
    doc["final_accounts_by_part"] = by_part
    doc.setdefault("part_tables", {}).update(by_part)  # one shape for every genre (see budget_tables.py)
    doc["final_accounts"] = next(iter(by_part.values()))
    named = doc.setdefault("named_values", {})  # each tagged with its part, like the budget tables' (formula.PartNames)
    for pid, fa in by_part.items():
        for k, v in fa["named_values"].items():
            named.setdefault(k, dict(v, part=pid))


def register(registry) -> None:
    registry.add_recognizer("final_accounts", recognize_final_accounts, order=30,
                            description="部门决算: the nine standard tables, column roles, 类/款/项 rows, named values")
