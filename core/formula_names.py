"""Which names a ``formula`` rule may use, known before any report is read.

A bureau writes ``说明.公务用车保有量.count <= 三公.决算.合计`` from memory; a
misspelt table name (``支出决算总表``) would otherwise only show up as
"未能评估" on every report.  The named values are built by the recognizers
(``budgetlint parse FILE --names`` lists them for one report) from the
vocabularies of the templates, so their *shape* is known statically:

* ``<table role>.…`` — the roles of ``final_accounts.yaml`` (部门决算) and
  ``budget_tables.yaml`` (部门预算); for a two-sided 总表 the next element is a
  side (``收入``/``支出``).  Rows (codes, labels) and column roles come from
  the printed headers: not checked.
* ``三公.…`` — the rest comes from the 三公 table's headers: not checked.
* ``说明.<subject>.<field>`` — the subject is what the narrative says (not
  checked); the field is one of ``statements._NAMED_FIELDS``.
* ``scorecard[n].总分.<分值|得分>``, ``scorecard[n].资金.<…>``, otherwise
  ``scorecard[n].<一级指标>…`` (indicator names: not checked).
* ``上年决算.`` / ``上年预算.`` / ``本年预算.`` / ``本年决算.`` + any of the above.

Whatever cannot be known statically is skipped and said so
(:func:`check_names` returns it as ``skipped``), never guessed.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

SCORECARD = re.compile(r"^scorecard\[(\d+|\*)\]$")
SCORECARD_FIELDS = {"总分": ("分值", "得分"), "资金": ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")}


@dataclass
class NameReport:
    """Unknown names (with a Chinese-first problem and fix each) and the
    names whose tail could not be checked statically."""

    unknown: list[tuple[str, int, str]] = field(default_factory=list)  # (name, column, problem — fix)
    skipped: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    """Table roles by genre, the two-sided tables' sides, statement fields."""
    from budgetlint.core.rulepack import load_data_yaml
    from budgetlint.plugins.recognizers import budget_tables, final_accounts
    from budgetlint.plugins.recognizers.statements import _NAMED_FIELDS

    roles: dict[str, str] = {}
    sides: dict[str, list[str]] = {}
    for genre, path in (("部门决算", final_accounts.DATA_FILE), ("部门预算", budget_tables.DATA_FILE)):
        data = load_data_yaml(path)
        for t in data.get("tables") or []:
            roles.setdefault(str(t["role"]), genre)
            if t.get("kind") == "two_sided":
                sides[str(t["role"])] = [str(s) for s in (data.get("two_sided") or {}).get("sides") or []]
    from budgetlint.store.related import RELATIONS

    return {"roles": roles, "sides": sides, "fields": list(_NAMED_FIELDS), "relations": list(RELATIONS)}


def _did_you_mean(word: str, candidates: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.5)
    return f"是否指“{close[0]}”？(did you mean {close[0]!r}?) " if close else ""


def check_name(name: str) -> tuple[str | None, bool]:
    """(problem — fix, or None; True when part of the name was not checkable)."""
    voc = vocabulary()
    parts = name.split(".")
    if parts[0] in voc["relations"] and len(parts) > 1:  # 上年决算.… : the other document's names
        parts = parts[1:]
    head = parts[0]
    heads = [*voc["roles"], "三公", "说明", "scorecard[n]"]
    listing = "用 `budgetlint parse 报告 --names` 查看一份报告的全部名称 (list a report's names)"
    if "*" in head and not SCORECARD.match(head):
        if any(fnmatch.fnmatchcase(h, head) for h in heads):
            return None, True
        return (f"名称“{name}”的开头“{head}”不匹配任何表名或前缀 (no table or prefix matches {head!r}) — "
                + listing), False
    if head in voc["roles"]:
        sides = voc["sides"].get(head)
        if sides and len(parts) > 1 and parts[1] not in sides and "*" not in parts[1]:
            return (f"名称“{name}”：{head}是收支两栏的总表，第二段应为{'/'.join(sides)} "
                    f"({head} is two-sided: {'/'.join(sides)} expected, not {parts[1]!r}) — "
                    + _did_you_mean(parts[1], sides) + listing), False
        return None, len(parts) > (2 if sides else 1)
    if head == "三公":
        return None, True
    if head == "说明":
        tail = parts[-1].split("@", 1)[0]
        if len(parts) < 3:
            return (f"名称“{name}”应为 说明.<事项>.<字段> (expected 说明.<subject>.<field>) — "
                    f"字段为 {', '.join(voc['fields'])}"), False
        if tail not in voc["fields"] and "*" not in tail:
            return (f"名称“{name}”的字段“{tail}”不存在 (unknown field {tail!r}) — "
                    + _did_you_mean(tail, voc["fields"]) + f"字段为 {', '.join(voc['fields'])}"), False
        return None, True  # the subject is whatever the narrative says
    if SCORECARD.match(head):
        if len(parts) > 1 and parts[1] in SCORECARD_FIELDS:
            allowed = list(SCORECARD_FIELDS[parts[1]])
            if len(parts) > 2 and parts[2] not in allowed and "*" not in parts[2]:
                return (f"名称“{name}”：{parts[1]}之下没有“{parts[2]}” (no {parts[2]!r} under {parts[1]}) — "
                        + _did_you_mean(parts[2], allowed) + "可用 " + ", ".join(allowed)), False
            return None, False
        return None, True  # 一级/二级指标 names are the scorecard's own
    if head.startswith("scorecard"):
        return (f"名称“{name}”：自评表的名称写作 scorecard[序号]（如 scorecard[1].总分.得分）"
                f" (write scorecard[n]) — {listing}"), False
    return (f"名称“{name}”不是模板定义的命名值：开头“{head}”不是已知的表名或前缀 "
            f"(unknown table or prefix {head!r}) — " + _did_you_mean(head, heads) + listing), False


def check_names(names: list[tuple[str, int]]) -> NameReport:
    """Check ``(name, column)`` pairs of one expression."""
    out = NameReport()
    for name, col in names:
        problem, partial = check_name(name)
        if problem:
            out.unknown.append((name, col, problem))
        elif partial:
            out.skipped.append(name)
    return out


def expression_names(expression: str) -> list[tuple[str, int]]:
    """``(name, 1-based column)`` of every name of a formula expression."""
    from budgetlint.core.formula import parse

    out: list[tuple[str, int]] = []

    def walk(node: Any) -> None:
        if isinstance(node, tuple):
            if node and node[0] == "name":
                out.append((str(node[1]), int(node[2]) + 1 if len(node) > 2 and isinstance(node[2], int) else 1))
                return
            for x in node[1:]:
                walk(x)
        elif isinstance(node, (list, dict)):
            for x in (node.values() if isinstance(node, dict) else node):
                walk(x)

    walk(parse(expression))
    return out
