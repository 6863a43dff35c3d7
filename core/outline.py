"""``budgetlint parse --format text``: a readable outline of what was
understood — parts, headings, paragraphs and tables as grids — for a person
checking the parse against the original."""
from __future__ import annotations

from typing import Any

from budgetlint.core.document import grid


def _loc(loc: dict[str, Any]) -> str:
    if "line" in loc:
        return f"L{loc['line']}" + (f"-{loc['end_line']}" if loc.get("end_line") not in (None, loc["line"]) else "")
    if "page" in loc:
        return f"p{loc['page']}"
    if "sheet" in loc:
        return f"{loc['sheet']}!{loc.get('cell_ref', '')}"
    if "paragraph" in loc:
        return f"¶{loc['paragraph']}"
    if "table" in loc:
        return f"T{loc['table']}"
    if "path" in loc:
        return loc["path"][-30:]
    return ""


def render_outline(doc: dict[str, Any], max_cell: int = 14) -> str:
    out: list[str] = []
    src = doc["source"]
    meta = doc.get("meta", {})
    out.append(f"{src['path']}  [{src['format']}, {src.get('encoding', '-')}, {src['size']} bytes]")
    out.append("meta: " + ", ".join(f"{k}={v}" for k, v in meta.items() if k != "doc_types"))
    parts = doc.get("parts") or [{"id": "p0", "type": "?", "title": "", "first_block": 0,
                                  "last_block": len(doc["blocks"]) - 1}]
    for part in parts:
        out.append("")
        out.append(f"== {part['id']} {part['type']} · {part.get('title', '')} · year={part.get('year')} "
                   f"· {_loc(part.get('loc', {}))}")
        for b in doc["blocks"][part["first_block"]: part["last_block"] + 1]:
            loc = _loc(b.get("loc", {}))
            if b["type"] == "heading":
                out.append(f"{loc:>9}  {'#' * b.get('level', 1)} {b['text']}")
            elif b["type"] == "paragraph":
                text = b["text"]
                out.append(f"{loc:>9}  {text[:70]}{'…' if len(text) > 70 else ''}")
            else:
                head = " ".join(x for x in (b.get("code"), b.get("title"), f"[{b.get('unit')}]" if b.get("unit") else None) if x)
                out.append(f"{loc:>9}  TABLE {b['id']} {head} ({b['n_rows']}×{b['n_cols']}, header_rows={b['header_rows']})")
                g = grid(b)
                for r, row in enumerate(g):
                    cells = []
                    for c in row:
                        t = (c["text"] if c else "").replace("\n", " ")
                        cells.append(t[:max_cell] + ("…" if len(t) > max_cell else ""))
                    first = next((c for c in row if c), None)
                    rl = _loc(first["loc"]) if first else ""
                    mark = "h" if r < b["header_rows"] else " "
                    out.append(f"{rl:>9} {mark}| " + " | ".join(cells))
                for n in b.get("notes", []):
                    out.append(f"{_loc(n['loc']):>9}  note: {n['text'][:70]}")
    for pid, pt in (doc.get("part_tables") or {}).items():
        out.extend(_part_tables(pid, pt))
    for key in ("scorecards", "final_accounts", "statements"):
        if doc.get(key):
            out.append("")
            out.append(f"{key}: {len(doc[key]) if isinstance(doc[key], list) else 'present'}")
    out.extend(_statement_lines(doc.get("statements") or []))
    return "\n".join(out) + "\n"


def _part_tables(part_id: str, pt: dict[str, Any]) -> list[str]:
    """Which of the template's tables were recognised in a 部门决算 or 部门预算
    part (and which not), with their units and columns: what the arithmetic
    rules can read."""
    from budgetlint.plugins.recognizers import final_accounts

    genre = pt.get("genre") or "部门决算"
    if genre == "部门决算":
        expected = final_accounts.roles()
    else:
        from budgetlint.plugins.recognizers.budget_tables import DATA_FILE

        with final_accounts.vocabulary(DATA_FILE):
            expected = final_accounts.roles()
    out = ["", f"{genre} tables recognised in {part_id}:"]
    found = {t["role"] for t in pt.get("tables", []) if t.get("role")}
    for t in pt.get("tables", []):
        where = _loc(t.get("loc", {}))
        state = "empty" + (", explained" if t.get("explained") else ", NOT explained") if t.get("empty") else \
            f"{len(t.get('rows', []))} rows"
        partial = sum(1 for r in t.get("rows", []) if r.get("partial"))
        extra = f", {partial} rows without column positions" if partial else ""
        misprint = "  (title misprint)" if t.get("title_misprint") else ""
        unit = f" [{t['unit']}]" if t.get("unit") else ""
        out.append(f"{where:>9}  ✓ {t.get('role') or '?'} · “{t.get('title') or t.get('code') or ''}”{unit} · "
                   f"{state}{extra}{misprint}")
        cols = [c["role"] for c in t.get("columns", [])]
        if cols:
            out.append(f"{'':>9}    columns: {' | '.join(cols)}")
    missing = [r for r in expected if r not in found]
    out.append(f"{'':>9}  {len(found)} of {len(expected)} recognised" + (": missing " + "、".join(missing) if missing else ""))
    return out


_STATEMENT_FIELDS = ("amount", "budget", "actual", "completion", "change", "rate", "share", "total", "count",
                     "verdict", "year")


def _statement_lines(statements: list[dict[str, Any]]) -> list[str]:
    """One line per narrative statement the recognizer understood, so a
    reviewer can see which sentences were read (and which were not)."""
    out: list[str] = []
    for st in statements:
        fields = []
        for name in _STATEMENT_FIELDS:
            v = st.get(name)
            if isinstance(v, dict):
                fields.append(f"{name}={v.get('text', v.get('value'))}")
            elif v not in (None, ""):
                fields.append(f"{name}={v}")
        for name in ("direction_text", "rate_direction_text", "reference", "cue"):
            if st.get(name):
                fields.append(f"{name.replace('_text', '')}={st[name]}")
        out.append(f"{_loc(st.get('loc', {})):>9}  {st['kind']:<10} {st.get('subject') or '-'} · {' · '.join(fields)}")
    return out
