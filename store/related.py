"""Related documents of a document being checked — 上年决算, 上年预算,
本年预算, 本年决算 of the same department — from the store and/or from
evidence files given on the command line.

They are attached to the document as plain JSON (``doc["related"]``) before
the rules run, so checks stay pure functions of the document::

    doc["related"] = {
      "上年预算": {"identity": {"department", "fiscal_year", "doc_type", "path", "version", …},
                   "named_values": {"说明.财政拨款收入.amount": {"value", "decimals", "loc"}, …}},
      "上年决算": {"missing": "未找到上年决算：上海市普陀区…办事处 2024"},
    }

A relation that cannot be resolved carries the reason, which rules report as
``not_evaluated`` — never a pass.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from budgetlint.store.identity import identity_of, label

#: relation name → (year offset, document type)
RELATIONS: dict[str, tuple[int, str]] = {
    "上年决算": (-1, "部门决算"),
    "上年预算": (-1, "部门预算"),
    "本年预算": (0, "部门预算"),
    "本年决算": (0, "部门决算"),
}

_EVIDENCE_CACHE: dict[tuple[str, int, int, int], dict[str, Any] | None] = {}
#: Evidence files loaded before their own turn (files checked together are
#: each other's evidence): handed to :func:`take_loaded` when the file itself
#: is checked, so it is parsed once, not twice (the PDF loader is most of a
#: check).  At most PENDING_MAX documents are held.
_PENDING: dict[tuple[str, tuple[str, int, int, int]], dict[str, Any]] = {}
PENDING_MAX = 4


def _key(path: str | Path) -> tuple[str, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (str(Path(path).resolve()), st.st_mtime_ns, st.st_size, os.getpid())


def evidence_facts(checker: Any, path: str) -> dict[str, Any] | None:
    """Identity and named values of an evidence file (parsed once per process;
    nothing is written anywhere).  None when it cannot be read."""
    from budgetlint.core.errors import InputError

    key = _key(path)
    if key is None:
        return None
    if key not in _EVIDENCE_CACHE:
        try:
            doc = checker.load(path)
        except InputError:
            _EVIDENCE_CACHE[key] = None
        else:
            _EVIDENCE_CACHE[key] = _facts(doc)
            if len(_PENDING) < PENDING_MAX:
                _PENDING[(str(path), key)] = doc  # the path as given: it is in the document
    return _EVIDENCE_CACHE[key]


def _facts(doc: dict[str, Any]) -> dict[str, Any]:
    return {"identity": identity_of(doc), "named_values": doc.get("named_values") or {}}


def take_loaded(checker: Any, path: str | Path) -> dict[str, Any] | None:
    """The document of ``path`` if it was loaded as a peer's evidence and not
    checked yet (then forgotten), else None."""
    if not _PENDING:
        return None
    key = _key(path)
    return _PENDING.pop((str(path), key), None) if key is not None else None


def remember(checker: Any, path: str | Path, doc: dict[str, Any]) -> None:
    """The facts of a document just loaded for checking, so that it is not
    parsed again as the evidence of itself or of a later peer."""
    if str(path) in (checker.options.get("evidence") or ()):
        key = _key(path)
        if key is not None and key not in _EVIDENCE_CACHE:
            _EVIDENCE_CACHE[key] = _facts(doc)


def related_for(doc: dict[str, Any], *, store: Any = None, evidence: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """Resolve every relation of ``doc``; evidence files win over the store."""
    ident = identity_of(doc)
    out: dict[str, Any] = {}
    for rel, (dy, dtype) in RELATIONS.items():
        if ident.get("error"):
            out[rel] = {"missing": f"未找到{rel}：{ident['error']}"}
            continue
        year = ident["fiscal_year"] + dy
        if dy == 0 and dtype == ident["doc_type"]:
            continue  # a document is not its own relation
        found = None
        for ev in evidence:
            ei = ev["identity"]
            if (not ei.get("error") and ei["department"] == ident["department"] and ei["fiscal_year"] == year
                    and ei["doc_type"] == dtype and ei.get("sha256") != ident.get("sha256")):
                found = {"identity": {**ei, "source": "evidence"}, "named_values": ev["named_values"]}
                break
        if found is None and store is not None:
            r = store.find(ident["department"], year, dtype)
            if r is not None:
                found = {"identity": {**r.identity, "source": "store"}, "named_values": r.named_values}
        if found is None:
            where = "证据文件或存储库" if store is not None and evidence else ("存储库" if store is not None else
                                                                     "证据文件" if evidence else "（未指定 --store 或 --evidence）")
            found = {"missing": f"未找到{rel}：{label(ident['department'], year)} — {where}"}
        out[rel] = found
    return out


def before_check(checker: Any, doc: dict[str, Any]) -> None:
    """Engine hook (issue 17): attach ``doc["related"]``."""
    from budgetlint.store.db import open_store

    opts = checker.options
    store = open_store(opts.get("store") or None) if "store" in opts else None
    evidence = [f for f in (evidence_facts(checker, p) for p in opts.get("evidence") or []) if f]
    doc["related"] = related_for(doc, store=store, evidence=evidence)


def after_check(checker: Any, doc: dict[str, Any], result: dict[str, Any]) -> None:
    """Engine hook (issue 17): record the checked document in the store and,
    with ``compare_previous``, compare its findings with the previous check."""
    from budgetlint.core.engine import tool_info
    from budgetlint.store.db import open_store

    opts = checker.options
    if "store" not in opts:
        return
    ident = identity_of(doc)
    entry = result["document"]
    if ident.get("error"):
        entry["store"] = {"stored": False, "reason": f"未写入存储库：{ident['error']}"}
        return
    store = open_store(opts.get("store") or None)
    rec = store.record(ident, doc.get("named_values") or {}, result["findings"],
                       rule_packs=sorted({p["rule_pack"] for p in entry.get("parts", [])}),
                       tool_version=tool_info()["version"])
    entry["store"] = {"stored": True, "department": ident["department"], "fiscal_year": ident["fiscal_year"],
                      "doc_type": ident["doc_type"], "version": rec["version"], "new_version": rec["new_version"],
                      "check_id": rec["check_id"]}
    if opts.get("compare_previous"):
        entry["comparison"] = store.compare_previous(rec["check_id"])


def relation_of(doc: dict[str, Any], relation: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(related entry, None)`` or ``(None, reason)`` for a check: the reason
    is what the rule reports as not evaluated."""
    info = (doc.get("related") or {}).get(relation)
    if info is None:
        ident = identity_of(doc)
        dy = RELATIONS.get(relation, (0, ""))[0]
        year = ident["fiscal_year"] + dy if ident.get("fiscal_year") else None
        return None, (f"未找到{relation}：{label(ident.get('department'), year)} — 未指定 --store 或 --evidence "
                      f"(no related document: give --store or --evidence)")
    if "missing" in info:
        return None, info["missing"]
    return info, None


def related_place(info: dict[str, Any], loc: dict[str, Any] | None, relation: str, lang: str = "zh") -> str:
    """Where a related document printed a figure: 上年预算（wanli-2024.pdf 第6页）."""
    from budgetlint.core.checks import place

    ident = info.get("identity") or {}
    name = Path(str(ident.get("path") or "")).name or f"{ident.get('department', '')} {ident.get('fiscal_year', '')}"
    where = place(loc, lang) if loc else ""
    inner = f"{name} {where}".strip() if where and where != "—" else name
    return f"{relation}（{inner}）" if lang == "zh" else f"{relation} ({inner})"


def expression_relations(names: list[str]) -> list[str]:
    """Relations named in a list of formula names (``上年决算.三公.决算.合计`` → 上年决算)."""
    out = []
    for n in names:
        head = n.split(".", 1)[0]
        if head in RELATIONS and head not in out:
            out.append(head)
    return out
