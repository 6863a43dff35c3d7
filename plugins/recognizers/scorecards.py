"""Recognizer ``scorecards``: every 绩效自评表 becomes a structured scorecard.

Why by content: the real scorecards arrive as Markdown pipe tables split in
two, DOCX exports with one cell per line, and PDF text exports whose rows are
shifted one column left or right, whose phantom empty columns come and go and
whose 一级 labels sit on the wrong row.  So each row is interpreted from what
its cells say — the score pair is the last two numbers, labels are recognised
from a vocabulary (``scorecard_vocabulary.yaml`` beside this module), the
三级 name / target / actual are read backwards from the score — and the
column positions of the header are only a hint.

``doc["scorecards"]`` is a list; each scorecard is::

    {"index": 1, "part": "p1", "block": "b59", "kind": "部门整体"|"项目", "loc",
     "header": {"name": {"label","text","loc"}, "主管部门"?, "实施单位"?, "year": {"value","loc"?}},
     "funds": {"loc", "columns": [...], "total": {"loc", "label", <column>: Q}, "by_source": [...],
               "by_nature": [...]} | None,
     "goals": {"预期目标": {"text","loc"}, "实际完成情况": {"text","loc"}, "loc"} | None,
     "indicators": [{"name","label","weight": Q|None,"loc","children": [
                       {"name","label","weight": Q|None,"loc","children": [ITEM…]}]}],
     "totals": {"loc","分值": Q|None,"得分": Q|None,"等级": {"text","loc","label_present"}|None} | None,
     "bands": [{"grade","min","min_inclusive","max","max_inclusive","loc"}], "bands_source": "form"|None,
     "notes": [{"text","loc"}], "formulas": [{"name","expression","loc"}],
     "anomalies": [{"kind","loc",...}]}

A quantity ``Q`` is ``{"text", "number" (decimal string), "decimals", "loc"}``.
An ``ITEM`` (三级指标) is ``{"name","loc","row","分值": Q|None,"得分": Q|None,
"年度指标值": {"text","value","loc"}, "实际完成值": {...}, "偏差原因分析": {"text","loc"},
"扣分标准": {"text","loc"}|None, "weight_source": "column"|"name"|"level2"}``;
``value`` is :func:`budgetlint.core.values.parse_value` of the text.

Named values (``doc["named_values"]``) for formula checks, ``n`` = index:
``scorecard[n].总分.分值``, ``scorecard[n].总分.得分``, ``scorecard[n].资金.<年初预算数|全年预算数|
全年执行数|分值|执行率|得分>``, ``scorecard[n].<一级名称>.分值`` (declared weight) and
``scorecard[n].<一级名称>.<二级名称>.分值`` (printed 二级 weight).  Each is
``{"value", "decimals", "loc"}``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from budgetlint.core.document import compact, iter_blocks
from budgetlint.core.values import parse_value

VOCAB_FILE = Path(__file__).with_name("scorecard_vocabulary.yaml")

_WEIGHT = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")
_WEIGHT_ANY = re.compile(r"[(（]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """The label vocabulary (YAML data beside this module)."""
    from budgetlint.core.rulepack import load_data_yaml  # cached by content: no YAML parser on a warm start

    data = load_data_yaml(VOCAB_FILE)
    level1 = {}
    for canon, aliases in data["level1"].items():
        for a in [canon, *aliases]:
            level1[compact(a)] = canon
    data["_level1"] = level1
    data["_level2"] = {compact(k): v for k, v in data["level2"].items()}
    return data


#: id(vocabulary table) → (table, {compacted alias: canonical name}); the table is
#: kept so its id is not reused.  Built once per table instead of compacting every
#: alias for every cell of every row.
_LOOKUPS: dict[int, tuple[dict[str, list[str]], dict[str, str]]] = {}


def _lookup(table: dict[str, list[str]], text: str) -> str | None:
    hit = _LOOKUPS.get(id(table))
    if hit is None or hit[0] is not table:
        index: dict[str, str] = {}
        for canon, aliases in table.items():  # the first canonical name listing an alias wins
            for a in [canon, *aliases]:
                index.setdefault(compact(a), canon)
        if len(_LOOKUPS) > 64:  # vocabularies reloaded after a change
            _LOOKUPS.clear()
        hit = _LOOKUPS[id(table)] = (table, index)
    return hit[1].get(compact(text))


def _strip_weight(text: str) -> tuple[str, dict[str, Any] | None]:
    """``"产出指标 (50分)"`` → ("产出指标", weight) ; weight None if none printed."""
    t = compact(text)
    m = _WEIGHT.search(t)
    if not m:
        return t, None
    return t[: m.start()], {"text": m.group(1), "number": m.group(1), "decimals": _dec(m.group(1))}


def _dec(num: str) -> int:
    return len(num.split(".", 1)[1]) if "." in num else 0


def level1_name(text: str) -> str | None:
    """Canonical 一级 name of a label cell, or None.  A bare alias without
    指标 (``效益``) counts only with a printed weight: ``满意度`` alone is
    usually a 三级 indicator's name."""
    name, weight = _strip_weight(text)
    canon = vocabulary()["_level1"].get(name)
    if canon and not name.endswith("指标") and weight is None:
        return None
    return canon


def level2_name(text: str) -> str | None:
    """Canonical 二级 name of a label cell (vocabulary, or any ``…指标``), or None."""
    name, _ = _strip_weight(text)
    if not name or vocabulary()["_level1"].get(name):
        return None
    if name in vocabulary()["_level2"]:
        return name
    if name.endswith("指标") and 3 <= len(name) <= 12 and name not in ("绩效指标", "一级指标", "二级指标", "三级指标"):
        return name
    return None


def level2_parent(name: str) -> str | None:
    return vocabulary()["_level2"].get(compact(name))


def _score_number(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    """A score/weight quantity in a cell: a bare number, or ``10分``."""
    if not cell or not cell.get("text"):
        return None
    v = cell.get("value") or parse_value(cell["text"])
    if not v:
        return None
    if v.get("kind") == "number" or (v.get("kind") == "target" and v.get("unit") == "分"
                                      and not v.get("comparator") and not v.get("label")):
        return {"text": cell["text"], "number": v["number"], "decimals": v.get("decimals", 0), "loc": cell.get("loc", {})}
    return None


def _quantity(cell: dict[str, Any], allow_percent: bool = True) -> dict[str, Any] | None:
    if not cell or not cell.get("text"):
        return None
    v = cell.get("value") or parse_value(cell["text"])
    if not v or v.get("kind") not in ("number", "percent") and not (v.get("kind") == "target" and v.get("unit") == "分"):
        return None
    if v.get("kind") == "percent" and not allow_percent:
        return None
    out = {"text": cell["text"], "number": v["number"], "decimals": v.get("decimals", 0), "loc": cell.get("loc", {})}
    if v.get("kind") == "percent":
        out["percent"] = True
    return out


def _texts(row: list[dict[str, Any]]) -> list[str]:
    return [compact(c.get("text", "")) for c in row]


def _row_loc(row: list[dict[str, Any]]) -> dict[str, Any]:
    lines = [c["loc"]["line"] for c in row if "line" in c.get("loc", {})]
    if lines:
        ends = [c["loc"].get("end_line", c["loc"]["line"]) for c in row if "line" in c.get("loc", {})]
        return {"line": min(lines), "end_line": max(ends)}
    return dict(row[0].get("loc", {})) if row else {}


def _first_text_loc(row: list[dict[str, Any]]) -> dict[str, Any]:
    for c in row:
        if c.get("text"):
            return dict(c.get("loc", {}))
    return _row_loc(row)


def _looks_like_scorecard(block: dict[str, Any]) -> bool:
    text = " ".join(c["text"] for row in block["rows"][:60] for c in row)
    return ("一级指标" in text or "绩效指标" in text) and ("分值" in text or "权重" in text or "得分" in text)


def recognize_scorecards(doc: dict[str, Any]) -> None:
    """Add ``doc["scorecards"]`` and scorecard named values (see module docstring)."""
    cards: list[dict[str, Any]] = []
    named = doc.setdefault("named_values", {})
    for part in doc.get("parts", []):
        if not str(part.get("type", "")).startswith("绩效自评表/"):
            continue
        for block in iter_blocks(doc, part):
            if block["type"] != "table" or not _looks_like_scorecard(block):
                continue
            card = ScorecardBuilder(doc, part, block, len(cards) + 1).build()
            cards.append(card)
            _named_values(card, named)
    doc["scorecards"] = cards


def _named_values(card: dict[str, Any], named: dict[str, Any]) -> None:
    prefix = f"scorecard[{card['index']}]"

    def put(key: str, q: dict[str, Any] | None) -> None:
        if q and q.get("number") is not None:
            named[f"{prefix}.{key}"] = {"value": q["number"], "decimals": q.get("decimals", 0), "loc": q.get("loc", {})}

    totals = card.get("totals") or {}
    put("总分.分值", totals.get("分值"))
    put("总分.得分", totals.get("得分"))
    funds_total = (card.get("funds") or {}).get("total") or {}
    for key in ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"):
        put(f"资金.{key}", funds_total.get(key))
    for l1 in card["indicators"]:
        put(f"{l1['name']}.分值", l1.get("weight"))
        for l2 in l1["children"]:
            if l2.get("name"):
                put(f"{l1['name']}.{l2['name']}.分值", l2.get("weight"))


class ScorecardBuilder:
    """Interprets one scorecard table row by row (see module docstring)."""

    def __init__(self, doc: dict[str, Any], part: dict[str, Any], table: dict[str, Any], index: int) -> None:
        self.doc, self.part, self.table, self.index = doc, part, table, index
        self.vocab = vocabulary()
        kind = "项目" if part["type"].endswith("项目") else "部门整体"
        self.card: dict[str, Any] = {
            "index": index, "part": part["id"], "block": table["id"], "kind": kind,
            "loc": dict(table.get("loc", {})), "title": table.get("title") or part.get("title"),
            "header": {"name": None, "year": {"value": part.get("year")}},
            "funds": None, "goals": None, "indicators": [], "totals": None,
            "bands": [], "bands_source": None, "notes": [], "formulas": [], "anomalies": [],
            "has_weight_column": False, "has_level2_column": False, "has_deduction_column": False,
        }
        self.section = "header"
        self.funds_cols: list[tuple[str, int]] = []
        self.goal_cols: dict[str, int] = {}
        self.ind_cols: dict[str, int] = {}
        self.cur_l1: dict[str, Any] | None = None
        self.cur_l2: dict[str, Any] | None = None

    # ------------------------------------------------------------ driver
    def build(self) -> dict[str, Any]:
        for row in self.table["rows"]:
            if not row:
                continue
            texts = _texts(row)
            if not any(texts):
                continue
            self._row(row, texts)
        self._notes()
        if self.card["header"]["name"] is None:
            label = "项目名称" if self.card["kind"] == "项目" else "部门名称"
            self.card["header"]["name"] = {"label": label, "text": "", "loc": dict(self.table.get("loc", {})),
                                           "label_present": False}
        return self.card

    def _row(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        v = self.vocab
        joined = "".join(texts)
        if self.section != "indicators" or not self.ind_cols:
            if self._header_pairs(row, texts):
                return
        if self._is_indicator_header(texts):
            self._indicator_header(row, texts)
            return
        if any(t in [compact(x) for x in v["total_labels"]] for t in texts) and (self.ind_cols or "等级" in joined):
            self._totals(row, texts)
            return
        if self._is_funds_header(texts):
            self._funds_header(row, texts)
            return
        if any(_lookup(v["goal_labels"], t) for t in texts) or "年度总体目标" in texts and self.section != "indicators":
            self._goal_header(row, texts)
            return
        if self.section == "funds":
            self._funds_row(row, texts)
        elif self.section == "goals":
            self._goal_row(row, texts)
        elif self.section == "indicators":
            self._indicator_row(row, texts)
        elif self.section == "totals" and "等级" in joined:
            self._grade(row, texts)

    # ------------------------------------------------------------ header
    def _header_pairs(self, row: list[dict[str, Any]], texts: list[str]) -> bool:
        """Label/value pairs of the header block (名称, 主管部门, 实施单位)."""
        v = self.vocab
        labels = {}
        for kind, names in v["name_labels"].items():
            for n in names:
                labels[compact(n)] = ("name", n)
        for key, names in v["subject_labels"].items():
            for n in names:
                labels[compact(n)] = (key, n)
        sub = {compact(x) for x in v["name_sublabels"]}
        if not any(t in labels for t in texts):
            return False
        current: tuple[str, str, dict[str, Any]] | None = None
        header = self.card["header"]
        for cell, t in zip(row, texts):
            if t in labels:
                key, label = labels[t]
                if key == "name" and self.card["kind"] == "项目" and t in ("部门名称", "预算部门名称", "单位名称"):
                    key = "主管部门"  # a project form's 部门名称 names the department in charge
                current = (key, t, cell)
                slot = header.get(key) if key != "name" else header.get("name")
                if slot is None or (slot and not slot.get("text")):
                    header[key] = {"label": t, "text": "", "loc": dict(cell.get("loc", {}))}
                continue
            if not t or t in sub or current is None:
                continue
            key = current[0]
            if key in ("name", "主管部门", "实施单位") and not header[key]["text"]:
                if re.fullmatch(r"项目总投资.*|其中.*", t) or parse_value(t) and parse_value(t).get("kind") == "number":
                    current = None
                    continue
                header[key] = {"label": current[1], "text": cell["text"].strip(), "loc": dict(cell.get("loc", {}))}
        return True

    # ------------------------------------------------------------ funds
    def _is_funds_header(self, texts: list[str]) -> bool:
        hits = sum(1 for t in texts if _lookup(self.vocab["funds_columns"], t))
        return hits >= 2 and "一级指标" not in texts

    def _funds_header(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        self.funds_cols = []
        for cell, t in zip(row, texts):
            key = _lookup(self.vocab["funds_columns"], t)
            if key:
                self.funds_cols.append((key, cell["col"]))
                m = re.search(r"\((分值[×*]执行率)\)", t)
                if m:
                    self.card["formulas"].append({"name": key, "expression": "分值×执行率", "loc": dict(cell.get("loc", {}))})
        self.card["funds"] = {"loc": _row_loc(row), "columns": [k for k, _ in self.funds_cols], "total": None,
                              "by_source": [], "by_nature": []}
        self.section = "funds"

    def _funds_row(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        funds = self.card["funds"]
        v = self.vocab
        labels = [(c, t) for c, t in zip(row, texts) if t and not _quantity(c)]
        label = labels[0][1] if labels else ""
        # inline "其中：基本支出：843.61" cells
        inline = []
        for c, t in labels:
            m = re.match(r"^(?:其中:)?(.+?):(-?[\d,]+(?:\.\d+)?)$", t)
            if m:
                inline.append((m.group(1), m.group(2), c))
        for name, num, c in inline:
            entry = {"label": name, "amount": {"text": num, "number": num.replace(",", ""), "decimals": _dec(num),
                                               "loc": dict(c.get("loc", {}))}, "loc": dict(c.get("loc", {}))}
            src = self._classify_fund(name)
            if src:
                entry["key"] = src[1]
                funds["by_source" if src[0] == "source" else "by_nature"].append(entry)
        nums = [(c, _quantity(c)) for c in row]
        nums = [(c, q) for c, q in nums if q]
        if not nums:
            if label and not inline:
                src = self._classify_fund(label)
                if src:
                    funds["by_source" if src[0] == "source" else "by_nature"].append(
                        {"label": label, "key": src[1], "loc": _first_text_loc(row), "values": {}})
            return
        values = self._map_funds(nums)
        is_total = any(any(k in t for k in v["funds_total_row"]) for _, t in labels)
        if funds["total"] is None and (is_total or "执行率" in values or len(nums) >= 2) and not inline:
            funds["total"] = {"label": label, "loc": _row_loc(row), **values}
            return
        src = self._classify_fund(label)
        kind = "by_nature" if src and src[0] == "nature" else "by_source"
        funds[kind].append({"label": label, "key": src[1] if src else None, "loc": _row_loc(row), "values": values})

    def _classify_fund(self, label: str) -> tuple[str, str] | None:
        t = re.sub(r"^(其中:|资金来源:|资金结构:)?(\(\d\))?", "", compact(label)).rstrip(":")
        for key, names in self.vocab["funds_sources"].items():
            if any(compact(n) == t or compact(n) in t for n in names):
                return ("source", key)
        for key, names in self.vocab["funds_natures"].items():
            if any(compact(n) == t or compact(n) in t for n in names):
                return ("nature", key)
        return None

    def _map_funds(self, nums: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
        """Numbers of a funds row → column names.  A full row maps in order
        (exports shift columns); a partial row maps by column when its
        numbers sit under the header's columns, else in order."""
        keys = [k for k, _ in self.funds_cols]
        out: dict[str, Any] = {}
        if len(nums) == len(keys):
            pairs = list(zip(keys, nums))
        else:
            by_col = {col: k for k, col in self.funds_cols}
            if all(c["col"] in by_col for c, _ in nums):
                pairs = [(by_col[c["col"]], (c, q)) for c, q in nums]
            else:
                pairs = list(zip(keys, nums))
        for key, (_c, q) in pairs:
            if key == "执行率" and not q.get("percent"):
                q = {**q, "percent": True, "unit_missing": True}
            out[key] = q
        return out

    # ------------------------------------------------------------ goals
    def _goal_header(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        self.goal_cols = {}
        for cell, t in zip(row, texts):
            key = _lookup(self.vocab["goal_labels"], t)
            if key:
                self.goal_cols[key] = cell["col"]
        if self.card["goals"] is None:
            self.card["goals"] = {"loc": _row_loc(row),
                                  "预期目标": {"text": "", "loc": _row_loc(row)},
                                  "实际完成情况": {"text": "", "loc": _row_loc(row)}}
        current = None
        for cell, t in zip(row, texts):
            key = _lookup(self.vocab["goal_labels"], t)
            if key:
                current = key
            elif t and current and t != "年度总体目标":
                self._goal_text(current, cell)
        if self.goal_cols:
            self.section = "goals"
        elif self.section == "funds":
            self.section = "goals"

    def _goal_row(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        goals = self.card["goals"]
        actual_col = self.goal_cols.get("实际完成情况")
        for cell, t in zip(row, texts):
            if not t or t in ("年度总体目标", "分解目标自评"):
                continue
            key = "实际完成情况" if actual_col is not None and cell["col"] >= actual_col else "预期目标"
            self._goal_text(key, cell)

    def _goal_text(self, key: str, cell: dict[str, Any]) -> None:
        goals = self.card["goals"]
        slot = goals[key]
        text = re.sub(r"</?p>", " ", cell["text"]).strip()
        if slot["text"]:
            slot["text"] += "\n" + text
            slot.setdefault("more_locs", []).append(dict(cell.get("loc", {})))
        else:
            goals[key] = {"text": text, "loc": dict(cell.get("loc", {}))}

    # ------------------------------------------------------------ indicators
    def _is_indicator_header(self, texts: list[str]) -> bool:
        return "一级指标" in texts and ("三级指标" in texts or "二级指标" in texts)

    def _indicator_header(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        self.ind_cols = {}
        for cell, t in zip(row, texts):
            key = _lookup(self.vocab["indicator_columns"], t)
            if key and key not in self.ind_cols:
                self.ind_cols[key] = cell["col"]
        self.card["has_weight_column"] = "分值" in self.ind_cols
        self.card["has_level2_column"] = "二级" in self.ind_cols
        self.card["has_deduction_column"] = "扣分标准" in self.ind_cols
        self.card["indicator_header_loc"] = _row_loc(row)
        self.section = "indicators"

    def _level1_node(self, name: str, label_cell: dict[str, Any], weight: dict[str, Any] | None) -> dict[str, Any]:
        for node in self.card["indicators"]:
            if node["name"] == name:
                if node.get("weight") is None and weight:
                    node["weight"] = weight
                return node
        node = {"name": name, "label": label_cell["text"], "weight": weight, "loc": dict(label_cell.get("loc", {})),
                "children": []}
        self.card["indicators"].append(node)
        return node

    def _indicator_row(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        has_weight_col = self.card["has_weight_column"]
        # 1. the score anchor: rightmost number; with a 分值 column the pair.
        idx_num = [i for i, c in enumerate(row) if _score_number(c)]
        label_idx = [i for i, t in enumerate(texts) if t and (level1_name(t) or level2_name(t))]
        if not idx_num:
            # a label-only row (a 一级 label wrapped onto its own line) sets context
            self._labels(row, texts, label_idx, None)
            return
        r = idx_num[-1]
        if has_weight_col:
            if r - 1 >= 0 and (r - 1) in idx_num and (r - 1) not in label_idx:
                weight_i, score_i = r - 1, r
            else:
                weight_i, score_i = r, None
            anchor = weight_i
        else:
            weight_i, score_i, anchor = None, r, r
        # 2. reason after the score
        reason_cell = None
        for c in row[(score_i if score_i is not None else anchor) + 1:]:
            if c.get("text"):
                reason_cell = c
                break
        # 3. backwards: 扣分标准?, 实际完成值, 年度指标值, 三级 name
        i = anchor - 1
        fields: dict[str, dict[str, Any] | None] = {}
        for role in ("扣分标准", "实际完成值", "年度指标值"):
            if role == "扣分标准" and not self.card["has_deduction_column"]:
                continue
            fields[role] = row[i] if i >= 0 else None
            i -= 1
        name_cell = None
        while i >= 0:
            t = texts[i]
            if i in label_idx or (self.card.get("has_weight_column") is False and "权重" in self.ind_cols
                                  and i - 1 >= 0 and level1_name(texts[i - 1]) and _score_number(row[i])):
                break
            if t:
                name_cell = row[i]
                i -= 1
                break
            i -= 1
        # 4. labels before the name
        first_label_end = i + 1
        self._labels(row, texts, [k for k in label_idx if k < first_label_end], first_label_end)
        if self.cur_l1 is None:
            self.cur_l1 = self._level1_node("未标明一级指标", row[0], None)
        if self.cur_l2 is None or self.cur_l2 not in self.cur_l1["children"]:
            self.cur_l2 = {"name": "", "label": "", "weight": None, "loc": _row_loc(row), "children": []}
            self.cur_l1["children"].append(self.cur_l2)
        # 5. the item
        name_text = name_cell["text"].strip() if name_cell else ""
        item: dict[str, Any] = {"name": name_text, "loc": _row_loc(row), "row": row[0].get("row"),
                                "name_loc": dict((name_cell or row[0]).get("loc", {}))}
        if has_weight_col:
            item["分值"] = _score_number(row[weight_i])
            item["得分"] = _score_number(row[score_i]) if score_i is not None else None
            item["weight_source"] = "column"
            if score_i is None:
                item["score_missing_loc"] = dict(row[weight_i].get("loc", {}))
        else:
            item["得分"] = _score_number(row[score_i])
            m = _WEIGHT_ANY.search(compact(name_text))
            if m:
                item["分值"] = {"text": m.group(0), "number": m.group(1), "decimals": _dec(m.group(1)),
                               "loc": dict(name_cell.get("loc", {}))}
                item["weight_source"] = "name"
            elif self.cur_l2.get("weight") and not self.cur_l2["children"]:
                item["分值"] = dict(self.cur_l2["weight"])
                item["weight_source"] = "level2"
            else:
                item["分值"] = None
                item["weight_source"] = None
        for role in ("年度指标值", "实际完成值"):
            c = fields.get(role)
            text = c["text"].strip() if c else ""
            item[role] = {"text": text, "value": parse_value(text) if text else None,
                          "loc": dict((c or row[anchor]).get("loc", {}))}
        if self.card["has_deduction_column"]:
            c = fields.get("扣分标准")
            item["扣分标准"] = {"text": c["text"].strip(), "loc": dict(c.get("loc", {}))} if c and c.get("text") else None
        else:
            item["扣分标准"] = None
        item["偏差原因分析"] = {"text": reason_cell["text"].strip() if reason_cell else "",
                           "loc": dict((reason_cell or row[-1]).get("loc", {}))}
        self.cur_l2["children"].append(item)

    def _labels(self, row: list[dict[str, Any]], texts: list[str], idxs: list[int], end: int | None) -> None:
        """Apply the 一级/二级 labels printed in a row to the current context."""
        l1 = l2 = None
        for k in idxs:
            t = texts[k]
            name = level1_name(t)
            weight = _strip_weight(t)[1]
            if name and "权重" in self.ind_cols:
                # a 一级 in a 权重 table is followed by its weight; a label without
                # one in the 二级 column (浏阳: 满意度指标（10）under 效益) is a 二级
                nxt = row[k + 1] if k + 1 < len(row) else None
                w = _score_number(nxt)
                if w:
                    weight = {k2: w[k2] for k2 in ("text", "number", "decimals", "loc")}
                elif weight is not None or k >= self.ind_cols.get("二级", 99):
                    name = None
            if name:
                if weight:
                    weight["loc"] = weight.get("loc") or dict(row[k].get("loc", {}))
                if l1 is None:
                    l1 = (name, row[k], weight)
                continue
            name2 = level2_name(t) or (_strip_weight(t)[0] if t.endswith(("指标", ")")) else None)
            if name2:
                if weight:
                    weight["loc"] = dict(row[k].get("loc", {}))
                l2 = (name2, row[k], weight)
        if l1 and l2:
            parent = level2_parent(l2[0])
            if parent and parent != l1[0] and self.cur_l1 is not None and self.cur_l1["name"] == parent:
                # 004: "效益指标 (30分)" printed on the 时效指标 row of 产出
                self.card["anomalies"].append({
                    "kind": "level1_mislabel", "loc": dict(l1[1].get("loc", {})), "printed": l1[0],
                    "assigned": parent, "level2": l2[0], "text": l1[1]["text"]})
                l1 = None
        if l1:
            node = self._level1_node(l1[0], l1[1], l1[2])
            if node is not self.cur_l1:
                self.cur_l1 = node
                self.cur_l2 = None
        if l2:
            if self.cur_l1 is None:
                parent = level2_parent(l2[0]) or "未标明一级指标"
                self.cur_l1 = self._level1_node(parent, l2[1], None)
            existing = next((n for n in self.cur_l1["children"] if n["name"] == l2[0]), None)
            if existing is None:
                existing = {"name": l2[0], "label": l2[1]["text"], "weight": l2[2],
                            "loc": dict(l2[1].get("loc", {})), "children": []}
                self.cur_l1["children"].append(existing)
            self.cur_l2 = existing

    # ------------------------------------------------------------ totals
    def _totals(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        nums = [_score_number(c) for c in row]
        nums = [q for q in nums if q]
        totals = {"loc": _row_loc(row), "分值": None, "得分": None, "等级": None,
                  "label_loc": _first_text_loc(row)}
        if len(nums) >= 2:
            totals["分值"], totals["得分"] = nums[0], nums[1]
        elif len(nums) == 1:
            if self.card["has_weight_column"] or "权重" not in self.ind_cols:
                totals["分值"] = nums[0]
            else:
                totals["得分"] = nums[0]
        self.card["totals"] = totals
        self.section = "totals"
        self._grade(row, texts)

    def _grade(self, row: list[dict[str, Any]], texts: list[str]) -> None:
        totals = self.card["totals"]
        grades = self.vocab["grades"]
        for cell, t in zip(row, texts):
            if "等级" in t:
                g = re.sub(r"^.*等级[:：]?", "", t)
                totals["等级"] = {"text": g, "loc": dict(cell.get("loc", {})), "label_present": True}
            elif t in grades and totals.get("等级") is None:
                totals["等级"] = {"text": t, "loc": dict(cell.get("loc", {})), "label_present": False}
            elif t in grades and totals["等级"] and not totals["等级"]["text"]:
                totals["等级"]["text"] = t

    # ------------------------------------------------------------ notes
    def _notes(self) -> None:
        notes = [{"text": n["text"], "loc": dict(n.get("loc", {}))} for n in self.table.get("notes", [])]
        self.card["notes"] = notes
        bands = []
        for n in notes:
            t = compact(n["text"])
            for m in re.finditer(r"(\d+)分?(\(含\))?[-—~至到]+(\d+)分?(\(含\))?为(优|良|中|差)", t):
                lo, lo_inc, hi, hi_inc, grade = m.groups()
                bands.append({"grade": grade, "min": lo, "min_inclusive": bool(lo_inc) or True, "max": hi,
                              "max_inclusive": bool(hi_inc) or grade == "优", "loc": n["loc"]})
            m = re.search(r"(\d+)分以下(?:为(优|良|中|差))?", t)
            if m and bands:
                bands.append({"grade": m.group(2) or "差", "min": None, "min_inclusive": True, "max": m.group(1),
                              "max_inclusive": False, "loc": n["loc"], "grade_printed": bool(m.group(2))})
            for m in re.finditer(r"([\u4e00-\u9fff]{2,8})=([\u4e00-\u9fff]{2,8})/([\u4e00-\u9fff]{2,8})", t):
                self.card["formulas"].append({"name": m.group(1), "expression": f"{m.group(2)}/{m.group(3)}",
                                              "loc": n["loc"]})
            mt = re.search(r"总分设置为(\d+)分", t)
            if mt:
                self.card["printed_total"] = {"text": mt.group(1), "number": mt.group(1), "decimals": 0, "loc": n["loc"]}
        if bands:
            self.card["bands"] = bands
            self.card["bands_source"] = "form"


def register(registry) -> None:
    registry.add_recognizer("scorecards", recognize_scorecards, order=30,
                            description="绩效自评表: header, funds, goals, indicator tree, totals, bands")
