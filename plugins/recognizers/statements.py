"""Recognizer ``statements`` (order 40): the quantities a 部门决算 情况说明
states in prose, so that checks can recompute them.

The narrative restates the tables in sentences that follow the national
template — “与上年相比，增加197.95万元，增长37.9%”, “年初预算为0万元，支出决算为
5万元，完成年初预算的100%”, “基本支出472.58万元，占71.5%”.  Clerks edit those
sentences by hand every year, and that is where the arithmetic goes wrong.
This recognizer turns each sentence into a statement record; the patterns
live in ``statement_patterns.yaml`` beside this module (data, not code), so a
region whose template words things differently adds a pattern, not Python.

Output (``doc["statements"]``), one record per recognised phrase::

    {"kind": "change", "subject": "收入总计", "topic": None,
     "amount": {"value": "522.47", "decimals": 2, "text": "522.47万元"},   # the base
     "change": {...}, "rate": {...}, "direction": "增加", "rate_direction": "增加",
     "reference": "与上年相比", "part": "p0", "block": "b212", "section": "一、收入支出…",
     "loc": {"line": 380, "end_line": 380}, "sentence": "…"}

kinds: ``amount``, ``share`` (amount, share, denominator, total),
``change`` (amount = the current amount, change, rate; ``flat``
when the same sentence also says 持平; ``previous`` when the sentence prints
the previous year's figure itself, as a 部门预算 编制说明 does — “2025年执行数
A万元，2026年预算B万元，比2025年执行数增加Y%” — which is then the base), ``completion`` (budget, actual,
completion), ``count``, ``verdict`` (“决算数大于预算数”: verdict 大于 / 小于 /
等于 / 约等于, with the budget and actual of the completion it judges),
``enumeration`` (“X万元，其中：a万元，b万元”: amount = the whole, parts,
lead, closed = the sentence ends in this paragraph) and ``unparsed`` (a
comparison cue such as “与2023年度相比” that no pattern could read: the
checks list it as not evaluated).  ``budgetlint parse --format text`` lists
them after the outline.

Every statement also carries ``item``: where the numbered item it belongs to
starts (``"<block>:<offset>"``: a heading, a section title, a numbered
paragraph, or an ``item_start`` match such as a quoted 科目 “…（项）” at the start
of a sentence; a table ends the item).  The first money statement of an item
gets ``item_lead: true`` when it is an amount or a share — the item's heading
amount (“1、因公出国（境）费支出0万元。”, “…（项）”257.14万元，主要用于…”), which a
later “支出决算为…” of the same item restates.  PDF exports break an item over
several paragraphs; the item runs on until the next start.

``doc["glossary"]`` lists the terms a 名词解释 section defines
(``{"term", "part", "block", "loc"}``).

Named values (``doc["named_values"]``) for ``formula`` rules:
``说明.<subject>.<field>`` — see :func:`publish_named_values`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from budgetlint.core.values import decimals_of, normalize_text

PATTERNS_FILE = Path(__file__).with_name("statement_patterns.yaml")
_TEXT_FIELDS = ("direction", "rate_direction", "reference", "denominator", "subject", "flat", "verdict", "unit")


@lru_cache(maxsize=4)
def load_patterns(path: str = str(PATTERNS_FILE)) -> dict[str, Any]:
    """The compiled pattern set (cached: the file is read once per process)."""
    from budgetlint.core.errors import PluginError
    from budgetlint.core.rulepack import load_data_yaml

    data = load_data_yaml(Path(path))
    num = data["num"]
    out: dict[str, Any] = {
        "boundary": re.compile(data["subject_boundary"]),
        "strip": [re.compile(p) for p in data.get("subject_strip", [])],
        "subject_aliases": {str(k): str(v) for k, v in (data.get("subject_aliases") or {}).items()},
        "lead": re.compile(data["enumeration_lead"]),
        "enum_total": re.compile(data.get("enumeration_total") or r"(?!)"),
        "topics": [(t["key"], re.compile(t["pattern"])) for t in data.get("topics", [])],
        "directions": {w: norm for norm, words in data.get("directions", {}).items() for w in words},
        "verdicts": {w: norm for norm, words in data.get("verdicts", {}).items() for w in words},
        "skip_sections": re.compile(data.get("skip_sections") or r"(?!)"),
        "cue": re.compile(data.get("comparison_cue") or r"(?!)"),
        "item_start": re.compile(data.get("item_start") or r"(?!)"),
        "patterns": [],
    }
    for p in data["patterns"]:
        rx = p["pattern"].replace("{amt}", "{num}万元")
        for name in ("prev_bare", "prev", "year", "quantity_unit"):
            rx = rx.replace("{%s}" % name, data.get(name, ""))
        rx = rx.replace("{num}", num)
        try:
            out["patterns"].append({"kind": p["kind"], "subject": p.get("subject"), "rx": re.compile(rx)})
        except re.error as exc:
            raise PluginError(f"invalid statement pattern {p['pattern']!r}: {exc}", culprit=path,
                             fix="correct the regular expression") from exc
    return out


def _field(text: str, unit: str = "") -> dict[str, Any]:
    clean = text.replace(",", "")
    return {"value": clean, "decimals": decimals_of(clean), "text": text + unit}


def clean_subject(text: str, cfg: dict[str, Any]) -> str:
    """Trim a subject to its words: ``其中:财政拨款收入`` → ``财政拨款收入``."""
    s = text
    for _ in range(2):
        for rx in cfg["strip"]:
            s = rx.sub("", s)
    s = s.strip(",;:、。 ")
    if re.fullmatch(r"“[^“”]+”", s):  # a quoted 科目: “住房保障支出（类）…（项）”
        s = s[1:-1]
    return s


def topic_of(subject: str, cfg: dict[str, Any]) -> str | None:
    for key, rx in cfg["topics"]:
        if rx.search(subject):
            return key
    return None


def _lookback_subject(text: str, end: int, cfg: dict[str, Any]) -> str:
    start = 0
    for m in cfg["boundary"].finditer(text, 0, end):
        start = m.end()
    return text[start:end]


def _sentence(text: str, start: int, end: int) -> str:
    s = max(text.rfind("。", 0, start), text.rfind(";", 0, start)) + 1
    e = len(text)
    for ch in "。;":
        k = text.find(ch, end)
        if k != -1:
            e = min(e, k + 1)
    return text[s:e]


_OPEN_QUOTE = re.compile(r"“[^“”]*$")
_ONLY_QUOTED = re.compile(r"(?:\d{1,2}[.、])?(“[^“”]{1,80}”)")


def _quoted_tail(text: str) -> str:
    """The quoted 科目 a paragraph leaves for the next one: a quotation still
    open at its end (“一般公共服务（类）统计信息事务（款）统计信息 | 事务（项）”20.04万元)
    or a paragraph that is only a quoted name (“…（项）” | 3.39万元，主要用于…).
    PDF exports break an item there; the next paragraph is read with it in front,
    so its amount keeps its subject.  Empty when the paragraph ends otherwise."""
    m = _OPEN_QUOTE.search(text)
    if m and "万元" not in m.group(0):
        return m.group(0)
    m = _ONLY_QUOTED.fullmatch(text)
    return m.group(1) if m else ""


def _is_title_like(text: str) -> bool:
    """A short line that names a section (``名词解释``, ``情况说明``)."""
    t = normalize_text(text)
    return 0 < len(t) <= 16 and not re.search(r"[,。;:%]|\d", t)


def extract_paragraph(text: str, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Statements of one paragraph (normalised text), in reading order, each
    with ``_pos`` (start offset) and ``_amounts`` [(pos, field, subject)]."""
    taken: list[tuple[int, int]] = []
    found: list[dict[str, Any]] = []
    for pat in cfg["patterns"]:
        for m in pat["rx"].finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            st: dict[str, Any] = {"kind": pat["kind"], "_pos": m.start(), "_end": m.end(), "_amounts": []}
            for name, val in m.groupdict().items():
                if val is None or val == "":
                    continue
                if name in _TEXT_FIELDS:
                    st[name] = val
                else:
                    unit = "%" if name in ("rate", "share", "completion") else ("" if name == "count" else "万元")
                    if name == "quantity":
                        unit = m.group("unit")
                    st[name] = _field(val, unit)
            lead_subject = clean_subject(_lookback_subject(text, m.start(), cfg), cfg)
            if pat["subject"]:
                st["subject"] = pat["subject"]
            elif pat["kind"] == "change":
                st["subject"] = clean_subject(st.get("subject", ""), cfg)
            elif pat["kind"] in ("share", "amount", "quantity"):
                st["subject"] = lead_subject
            elif pat["kind"] == "completion":
                st["subject"] = re.sub(r"(?:年初|全年)?$", "", lead_subject)
            if pat["kind"] == "change":
                st["_lead"] = lead_subject  # “三公经费支出决算数比2024年度增加…”
            for key in ("direction", "rate_direction", "flat"):
                if key in st:
                    st[key + "_text"] = st[key]
                    st[key] = cfg["directions"].get(st[key], st[key])
            if "verdict" in st:
                st["verdict_text"] = st["verdict"]
                st["verdict"] = cfg["verdicts"].get(st["verdict"], st["verdict"])
            for name in ("amount", "actual"):
                if name in st:
                    st["_amounts"].append((m.start(name), st[name], st.get("subject", "")))
            taken.append((m.start(), m.end()))
            found.append(st)
    for m in cfg["cue"].finditer(text):
        if not any(st["kind"] == "change" and st["_pos"] <= m.start() < st["_end"] for st in found):
            found.append({"kind": "unparsed", "cue": m.group(0), "_pos": m.start(), "_end": m.end(), "_amounts": []})
    found.sort(key=lambda s: s["_pos"])
    return found


def _resolve(paragraph: list[dict[str, Any]], text: str, prev_total: dict[str, Any] | None,
             history: list[dict[str, Any]], cfg: dict[str, Any]) -> None:
    """Fill the context a statement leaves implicit: the base amount of a
    change, the denominator of a share."""
    amounts = [a for st in paragraph for a in st["_amounts"]]
    amounts.sort(key=lambda a: a[0])
    leads = [m.start() for m in cfg["lead"].finditer(text)]
    for st in paragraph:
        if st["kind"] == "change":
            before = [a for a in amounts if a[0] < st["_pos"]]
            own = st.get("subject") or st.get("_lead")
            if own and not st.get("subject"):
                st["subject"] = own
            if before and (not own or topic_of(own, cfg) == topic_of(before[-1][2], cfg)):
                if "change" in st and "previous" not in st:  # a sentence printing both years keeps its own
                    st["amount"] = before[-1][1]
                if not own:
                    st["subject"] = before[-1][2]
        if st["kind"] == "share":
            denom = (st.get("denominator") or "").rstrip("的")
            st["denominator"] = denom
            if denom:
                key = re.sub(r"^(本年|本年度|当年)", "", denom)
                for cand in reversed(history + [s for s in paragraph if s["_pos"] < st["_pos"]]):
                    subj = cand.get("subject", "")
                    val = cand.get("amount") if cand["kind"] in ("amount", "share") else None
                    if val and subj and (subj.endswith(key) or key.endswith(subj)) and cand is not st:
                        st["total"] = dict(val, block=cand["block"] if "block" in cand else None,
                                           loc=cand.get("loc"), subject=subj)
                        st["total_from"] = "named"
                        break
            else:
                lead_pos = [p for p in leads if p < st["_pos"]]
                if lead_pos:
                    before = [a for a in amounts if a[0] < lead_pos[-1]]
                    if before:
                        st["total"] = dict(before[-1][1], subject=before[-1][2])
                        st["total_from"] = "enumeration"
                elif prev_total is not None:
                    st["total"] = prev_total
                    st["total_from"] = "enumeration"


def _enumerations(paragraph: list[dict[str, Any]], text: str, cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """“X万元，其中：a万元，b万元，c万元。” → an ``enumeration`` statement:
    ``whole`` (the amount just before the lead, in the same sentence),
    ``parts`` (the amounts after it, up to the next lead or the end of the
    sentence, each with its subject and share) and ``sentence``.  Leads
    whose whole is a change (“增加5.07万元，其中：…”) or whose parts mix in
    changes or budgets are not enumerations of amounts and are skipped.
    A quantity in another unit (“8013平方米（其中计容7998平方米，不计容105平方米）”)
    is a whole of the parts in its own unit; the enumeration then carries
    ``unit`` (money amounts have none: 万元)."""
    numbers: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    for st in paragraph:
        for name in ("amount", "actual", "change", "budget", "quantity"):
            if name in st and isinstance(st[name], dict) and "_pos" in st:
                where = text.find(st[name]["text"].replace("万元", ""), st["_pos"])
                numbers.append((where if where >= 0 else st["_pos"], name, st[name], st))
    numbers.sort(key=lambda n: n[0])
    leads = [m for m in cfg["lead"].finditer(text)]
    out: list[dict[str, Any]] = []
    for i, lead in enumerate(leads):
        start = text.rfind("。", 0, lead.start()) + 1
        whole_end = lead.start()
        if not text[start:lead.start()].strip():  # “实际支出6.52万元。其中：…”
            start = text.rfind("。", 0, max(start - 1, 0)) + 1
            earlier = [m for m in leads if start <= m.start() < whole_end]
            if earlier:  # “合计X万元，其中：A，B。主要用于以下方面：…” — the whole is X again
                whole_end = earlier[0].start()
        if text[max(lead.start() - 1, 0):lead.start()] == "(":  # “（其中公务用车购置费0万元）”
            close = text.find(")", lead.end())
            end = len(text) if close == -1 else close
            closed = close != -1
        else:
            end = text.find("。", lead.end())
            closed = end != -1
            end = len(text) if end == -1 else end
        if i + 1 < len(leads) and leads[i + 1].start() < end:
            nxt = leads[i + 1]
            if text[max(nxt.start() - 1, 0):nxt.start()] == "(":
                close = text.find(")", nxt.end())
                skip = (nxt.start(), close if close != -1 else end)
            else:
                end, skip = nxt.start(), (end, end)
        else:
            skip = (end, end)
        # the whole is outside parentheses: “公务用车费5.39万元（其中购置费0万元）”
        before = [n for n in numbers if start <= n[0] < whole_end
                  and not start < text.rfind("(", 0, n[0]) > text.rfind(")", 0, n[0])]
        inside = [n for n in numbers if lead.end() <= n[0] < end and not skip[0] <= n[0] < skip[1]]
        picked = _whole_and_parts(before, inside, cfg)
        if picked is None:
            continue
        whole, parts = picked
        unit = {"unit": whole[3]["unit"]} if whole[1] == "quantity" else {}
        out.append({
            "kind": "enumeration", "subject": whole[3].get("subject", ""), "amount": whole[2], **unit,
            "lead": lead.group(0),
            "parts": [dict(n[2], subject=n[3].get("subject", ""),
                           **({"share": n[3]["share"]} if "share" in n[3] else {})) for n in parts],
            "sentence": text[start:end + 1], "closed": closed, "_pos": whole[0], "_end": end, "_amounts": [],
        })
    return out


def _whole_and_parts(before: list[tuple[int, str, dict[str, Any], dict[str, Any]]],
                     inside: list[tuple[int, str, dict[str, Any], dict[str, Any]]],
                     cfg: dict[str, Any]) -> tuple[Any, list[Any]] | None:
    """The whole (the last number before the lead) and its parts (the numbers
    after it in the same unit).  Money: the last money figure must be an
    amount and no part a change or budget.  A quantity: the last one of its
    unit before the lead, parts of that unit only.  The candidate nearest the
    lead wins."""
    def unit(n: tuple[int, str, dict[str, Any], dict[str, Any]]) -> str:
        return n[3].get("unit", "") if n[1] == "quantity" else "万元"

    candidates: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    money = [n for n in before if n[1] != "quantity"]
    if money:
        candidates.append(money[-1])
    last_of_unit: dict[str, tuple[int, str, dict[str, Any], dict[str, Any]]] = {}
    for n in before:
        if n[1] == "quantity":
            last_of_unit[unit(n)] = n
    candidates.extend(last_of_unit.values())
    for whole in sorted(candidates, key=lambda n: -n[0]):
        same = [n for n in inside if unit(n) == unit(whole)]
        if whole[1] != "quantity":
            if whole[1] not in ("amount", "actual") or \
                    any(n[1] in ("change", "budget") and n[3]["kind"] != "completion" for n in same):
                continue
        parts = [n for n in same if n[1] in ("amount", "actual", "quantity")
                 and not cfg["enum_total"].search(n[3].get("subject", ""))]
        if parts:
            return whole, parts
    return None


def _resolve_verdicts(paragraph: list[dict[str, Any]], last: dict[str, Any] | None) -> dict[str, Any] | None:
    """Give each verdict (“决算数大于预算数”) the budget and actual it judges:
    those of the nearest completion statement before it — in its paragraph,
    or the last one of the paragraph just before (PDF exports often break a
    sentence there).  Returns the completion a verdict in the next paragraph
    may refer to."""
    for st in paragraph:
        if st["kind"] == "completion":
            last = st
        elif st["kind"] == "verdict" and last is not None:
            for key in ("budget", "actual"):
                if key in last:
                    st[key] = last[key]
            st["subject"] = last.get("subject", "")
            st["judged_loc"] = last.get("loc")
    if any(st["kind"] == "verdict" for st in paragraph):
        return None  # a verdict closes its completion
    return last if paragraph else None


def recognize_statements(doc: dict[str, Any]) -> None:
    """Fill ``doc["statements"]`` and ``doc["glossary"]`` (see module doc)."""
    cfg = load_patterns()
    statements: list[dict[str, Any]] = []
    glossary: list[dict[str, Any]] = []
    for part in doc.get("parts", []):
        if part.get("type") in ("绩效自评表/项目", "绩效自评表/部门整体"):
            continue
        section = ""
        context_subject = ""
        prev_total: dict[str, Any] | None = None
        history: list[dict[str, Any]] = []
        last_completion: dict[str, Any] | None = None
        items = _Items()
        carry = ""  # a quoted 科目 the PDF export broke off the paragraph that gives its amount
        for block in doc["blocks"][part["first_block"]: part["last_block"] + 1]:
            btype = block["type"]
            items.next_paragraph()
            if btype == "table":
                prev_total = None
                last_completion = None
                carry = ""
                items.close()
                continue
            text = normalize_text(block.get("text", ""))
            text, carry = carry + text if carry and not text.startswith("“") else text, _quoted_tail(text)
            if btype == "heading" or block.get("numbering") or _is_title_like(block.get("text", "")):
                items.start(f"{block['id']}:0", 0)
            for m in cfg["item_start"].finditer(text):
                items.start(f"{block['id']}:{m.start()}", m.start())
            if btype == "heading" or _is_title_like(block.get("text", "")):
                section = block.get("text", "")
                context_subject = clean_subject(re.sub(r"\d+(?:\.\d+)?万元.*$", "", text), cfg)
                if btype == "heading" and not re.search(r"万元", text):
                    prev_total = None
                    continue
            if cfg["skip_sections"].search(section):
                m = re.match(r"^(?:[一二三四五六七八九十]+、|\d+[.、])?([^:]{2,30}):", text)
                if m:
                    glossary.append({"term": m.group(1), "part": part["id"], "block": block["id"],
                                     "loc": block.get("loc", {})})
                continue
            found = extract_paragraph(text, cfg)
            items.assign(found)
            if block.get("numbering") and len(text) <= 80 and not any(s["kind"] != "amount" for s in found):
                context_subject = clean_subject(re.sub(r"\d+(?:\.\d+)?万元.*$", "", text), cfg)
            for st in found:
                st.update(part=part["id"], block=block["id"], section=section, loc=block.get("loc", {}))
            _resolve(found, text, prev_total, history, cfg)
            for st in found:
                if st["kind"] in ("completion", "change") and not st.get("subject") and \
                        (st["kind"] == "completion" or "previous" in st):
                    st["subject"] = context_subject
                    st["subject_from"] = "heading"
                st["topic"] = topic_of(st.get("subject", ""), cfg)
                st["sentence"] = _sentence(text, st["_pos"], st["_end"])
            last_completion = _resolve_verdicts(found, last_completion)
            enumerations = _enumerations(found, text, cfg)
            for st in enumerations:
                st.update(part=part["id"], block=block["id"], section=section, loc=block.get("loc", {}))
            found.extend(enumerations)
            history.extend(found)
            ends_open = text.endswith((":", "："))
            amounts = [a for st in found for a in st["_amounts"]]
            if ends_open and amounts:
                last = max(amounts, key=lambda a: a[0])
                prev_total = dict(last[1], subject=last[2], block=block["id"], loc=block.get("loc", {}))
            elif not ends_open and amounts and not any(s["kind"] == "share" for s in found):
                prev_total = None
            for st in found:
                for k in ("_pos", "_end", "_amounts", "_lead"):
                    st.pop(k, None)
                statements.append(st)
    doc["statements"] = statements
    doc["glossary"] = glossary
    publish_named_values(doc, statements)


_NAMED_FIELDS = ("amount", "budget", "actual", "completion", "share", "total", "change", "rate", "count")


class _Items:
    """The numbered items of one part, in reading order: ``start`` records
    where an item begins in the current paragraph, ``assign`` gives each
    statement of the paragraph its item and marks the items' leads."""

    _MONEY = ("amount", "share", "completion", "change")

    def __init__(self) -> None:
        self.current: str | None = None
        self.pending: list[tuple[int, str]] = []   # starts in this paragraph: (offset, item id)
        self.decided: set[str] = set()             # items whose first money statement was seen

    def start(self, item: str, pos: int) -> None:
        if not any(p == pos for p, _ in self.pending):
            self.pending.append((pos, item))

    def close(self) -> None:
        self.current, self.pending = None, []

    def next_paragraph(self) -> None:
        """A paragraph that yielded no statements (a heading) still opens its item."""
        if self.pending:
            self.current = max(self.pending)[1]
        self.pending = []

    def assign(self, found: list[dict[str, Any]]) -> None:
        starts = sorted(self.pending)
        for st in sorted(found, key=lambda s: s["_pos"]):
            while starts and starts[0][0] <= st["_pos"]:
                self.current = starts.pop(0)[1]
            if self.current is None:
                continue
            st["item"] = self.current
            if st["kind"] in self._MONEY and self.current not in self.decided:
                self.decided.add(self.current)
                if st["kind"] in ("amount", "share"):
                    st["item_lead"] = True


def publish_named_values(doc: dict[str, Any], statements: list[dict[str, Any]]) -> None:
    """Expose what the narrative states as named values for ``formula`` rules:
    ``说明.<subject>.<field>`` (field: amount, budget, actual, completion,
    share, total, change, rate, count), e.g. ``说明.政府采购货物支出.amount``,
    ``说明.公务用车保有量.count``, ``说明.机关运行经费支出.amount``.  The first
    statement of a subject in each part wins; values carry their part, so a
    rule checking the 部门决算 part does not see the attached 自评报告's."""
    named = doc.setdefault("named_values", {})
    cfg = load_patterns()
    dept = re.sub(r"\s+", "", (doc.get("meta") or {}).get("department") or "")
    for st in statements:
        subject = _named_subject(re.sub(r"\s+", "", st.get("subject") or ""), dept, cfg)
        if not subject:
            continue
        for field in _NAMED_FIELDS:
            q = st.get(field)
            if not isinstance(q, dict) or q.get("value") is None:
                continue
            key = f"说明.{subject}.{field}"
            existing = named.get(key)
            if existing is not None and existing.get("part") == st["part"]:
                continue
            if existing is not None:  # the same subject in another part: keep one per part
                key = f"{key}@{st['part']}"
                if key in named:
                    continue
            named[key] = {"value": q["value"], "decimals": q.get("decimals", decimals_of(str(q["value"]))),
                          "loc": st.get("loc", {}), "part": st["part"]}


def _named_subject(subject: str, dept: str, cfg: dict[str, Any]) -> str:
    """The name a stated figure is published under: without the unit's own
    name and the year in front (“上海市普陀区财政局2024年度政府采购金额”), without
    a trailing note on how it is counted (“（以合同签订为准）”), and in the
    national template's words when another template names the same figure
    differently (``subject_aliases``: 货物采购金额 → 政府采购货物支出)."""
    s = subject
    if dept and s.startswith(dept) and len(s) > len(dept):
        s = s[len(dept):]
    s = re.sub(r"^20\d{2}年度?", "", s) or s
    s = re.sub(r"[（(]以[^（）()]{1,16}为准[）)]$", "", s) or s
    return cfg["subject_aliases"].get(s, s)


def register(registry) -> None:
    registry.add_recognizer("statements", recognize_statements, order=40)
