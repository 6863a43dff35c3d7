"""Who published a document: department (normalised through pack data),
fiscal year, document type and region — the key under which the store keeps
it and finds last year's and the budget's documents.

Why normalise: the same bureau prints its name differently from year to year
(规划资源局 / 规划和自然资源局), and a cross-year check that misses its
partner would silently check nothing.  An alias that maps to two departments
is reported as ambiguous, never guessed.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

DEPARTMENTS_FILE = Path(__file__).with_name("departments.yaml")
#: Document types the store keys on, most specific first.
DOC_TYPES = ("部门决算", "部门预算")
_DEPT_LINE = re.compile(r"(?:预算|决算)?(?:主管部门|编制单位|单位名称|部门名称)\s*[：:]\s*(\S{2,60})")
_TITLE_DEPT = re.compile(r"^(.{2,60}?(?:局|委员会|委|办公室|办事处|院|所|中心|会|部|厅|站|队|馆|校|社))"
                         r"\d{4}年度?(?:区级|市级|县级)?部门(?:预算|决算)")
_SUFFIX = re.compile(r"[（(]部门[）)]$|本级$|[（(]本级[）)]$")


class AmbiguousDepartment(ValueError):
    """An alias names more than one department."""


def normalize_name(name: str) -> str:
    """Spaces out, half-width brackets, a trailing (部门)/本级 dropped."""
    t = re.sub(r"\s+", "", name or "")
    t = t.translate(str.maketrans("（）：", "():"))
    t = re.sub(r"^.*?(?:主管部门|编制单位|单位名称|部门名称):", "", t)
    return _SUFFIX.sub("", t)


@lru_cache(maxsize=4)
def alias_table(path: str | None = None) -> dict[str, set[str]]:
    """normalised alias or canonical name → canonical names (a set: >1 is ambiguous)."""
    from budgetlint.core.rulepack import load_data_yaml, plain, read_yaml

    files = [Path(path)] if path else [DEPARTMENTS_FILE]
    extra = os.environ.get("BUDGETLINT_DEPARTMENTS")
    if extra and not path:
        files.append(Path(extra))
    out: dict[str, set[str]] = {}
    for f in files:
        # the shipped table through the data cache (no YAML parser to import
        # on every check); a bureau's own file with the bounded reader
        data = (load_data_yaml(f) if f == DEPARTMENTS_FILE else plain(read_yaml(f))) or {}
        for canonical, aliases in (data.get("departments") or {}).items():
            canon = normalize_name(canonical)
            for a in [canonical, *(aliases or [])]:
                out.setdefault(normalize_name(a), set()).add(canon)
    return out


def canonical_department(name: str | None) -> str | None:
    """The canonical name of a department; the normalised name itself when
    the pack data does not know it.  Raises AmbiguousDepartment."""
    if not name:
        return None
    n = normalize_name(name)
    hits = alias_table().get(n)
    if not hits:
        return n
    if len(hits) > 1:
        raise AmbiguousDepartment(f"部门名称“{name}”有歧义：{'、'.join(sorted(hits))} "
                                  f"(ambiguous department name; add the full name to departments.yaml)")
    return next(iter(hits))


def department_of(doc: dict[str, Any]) -> str | None:
    """meta.department, else a cover line such as 预算主管部门：…"""
    dept = (doc.get("meta") or {}).get("department")
    if dept:
        return str(dept)
    for b in doc.get("blocks", [])[:60]:
        m = _DEPT_LINE.search(b.get("text") or "")
        if m:
            return m.group(1).rstrip("。，,;；")
    # a title such as 上海市普陀区财政局2024年度部门决算 (not 上海市普陀区2025年区级部门预算)
    m = _TITLE_DEPT.match(re.sub(r"\s+", "", str((doc.get("meta") or {}).get("title") or "")))
    return m.group(1) if m else None


def doc_type_of(doc: dict[str, Any]) -> str | None:
    types = [p.get("type") for p in doc.get("parts", [])] + [t.get("type") for t in (doc.get("meta") or {}).get("doc_types", [])]
    for t in DOC_TYPES:
        if t in types:
            return t
    return next((t for t in types if t and t != "unknown"), None)


def fiscal_year_of(doc: dict[str, Any]) -> int | None:
    y = (doc.get("meta") or {}).get("fiscal_year")
    if y:
        return int(y)
    years = [p.get("year") for p in doc.get("parts", []) if p.get("year")]
    return int(years[0]) if years else None


def identity_of(doc: dict[str, Any]) -> dict[str, Any]:
    """The store key of a document.  ``department`` is canonical; ``error``
    says why the document cannot be keyed (it is then not stored)."""
    raw = department_of(doc)
    ident: dict[str, Any] = {"department_raw": raw, "fiscal_year": fiscal_year_of(doc), "doc_type": doc_type_of(doc),
                             "region": (doc.get("meta") or {}).get("region"),
                             "sha256": (doc.get("source") or {}).get("sha256"),
                             "path": (doc.get("source") or {}).get("path")}
    try:
        ident["department"] = canonical_department(raw)
    except AmbiguousDepartment as exc:
        ident["department"] = None
        ident["error"] = str(exc)
        return ident
    if not ident["department"]:
        ident["error"] = "未识别出部门名称 (no department name found on the cover)"
    elif not ident["fiscal_year"]:
        ident["error"] = "未识别出预决算年度 (no fiscal year found)"
    elif not ident["doc_type"]:
        ident["error"] = "未识别出文件类型 (not a 部门预算/部门决算)"
    return ident


def label(department: str | None, year: int | None) -> str:
    """How a clerk names a missing document: 上海市普陀区…办事处 2024."""
    return f"{department or '（部门未识别）'} {year or '（年度未识别）'}"
