"""Region membership as data (``rules/regions.yaml``): which prefecture- and
county-level divisions belong to a province, so a pack or rule that names
``湖南`` applies to a report from 娄底 or 宁乡 without every city being listed
in every pack.

Why data and not a regex of our samples' cities: the set of divisions is
public and changes by decree (撤县设市), and a bureau must be able to read and
correct it; a report from a county nobody listed would otherwise fall back to
the national pack silently.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

REGIONS_FILE = Path(__file__).resolve().parent.parent / "rules" / "regions.yaml"
_CJK = "\u4e00-\u9fff"


@lru_cache(maxsize=1)
def region_table() -> dict[str, dict[str, Any]]:
    """province → {forms: [every name that places a report there], ambiguous:
    {form: [words that place it elsewhere]}} from ``rules/regions.yaml``."""
    from budgetlint.core.rulepack import load_data_yaml

    path = REGIONS_FILE
    if not path.exists():  # installed: the file sits in the budgetlint.rules package
        from importlib.resources import files

        path = Path(str(files("budgetlint.rules") / "regions.yaml"))
    data = load_data_yaml(path) or {}  # plain data, kept parsed in the cache dir
    out: dict[str, dict[str, Any]] = {}
    for province, spec in data.items():
        forms: list[str] = [province, *spec.get("names", [])]
        for prefecture, counties in (spec.get("divisions") or {}).items():
            forms.extend(prefecture.split("/"))
            for county in counties or []:
                forms.extend(county.split("/"))
        forms.extend(spec.get("former") or [])
        out[province] = {"forms": sorted(set(forms), key=len, reverse=True),
                         "ambiguous": dict(spec.get("ambiguous") or {})}
    return out


def divisions_of(province: str) -> list[str]:
    """Every name (province, divisions, short and former forms) of a province."""
    return list(region_table().get(province, {}).get("forms", []))


@lru_cache(maxsize=64)
def _pattern(province: str) -> re.Pattern[str]:
    forms = region_table()[province]["forms"]
    alts = []
    for f in forms:
        if len(f) <= 2:  # 南县, 道县: not the tail of another name (河南县)
            alts.append(f"(?:(?<![{_CJK}])|(?<=[省市州区]))" + re.escape(f))
        else:
            alts.append(re.escape(f))
    return re.compile("|".join(alts))


@lru_cache(maxsize=64)
def _by_first_char(province: str) -> dict[str, list[str]] | None:
    """The province's forms by their first character, longest first (the
    order the alternation of :func:`_pattern` tries them); None when a form
    is empty (then only the regular expression says what matches)."""
    out: dict[str, list[str]] = {}
    for f in region_table()[province]["forms"]:
        if not f:
            return None
        out.setdefault(f[0], []).append(f)
    return out


def _find_forms(province: str, text: str) -> Any:
    """The forms of ``province`` found in ``text``, exactly as
    ``_pattern(province).finditer(text)`` finds them (leftmost, longest form
    first, not overlapping, a form of up to two characters not right after
    another CJK character unless that is 省/市/州/区) — without compiling a
    regular expression of a few hundred names (tens of ms a process)."""
    index = _by_first_char(province)
    if index is None:
        yield from (m.group(0) for m in _pattern(province).finditer(text))
        return
    i, n = 0, len(text)
    while i < n:
        for f in index.get(text[i], ()):
            if text.startswith(f, i) and (len(f) > 2 or i == 0 or not "\u4e00" <= text[i - 1] <= "\u9fff"
                                          or text[i - 1] in "省市州区"):
                yield f
                i += len(f)
                break
        else:
            i += 1


def in_region(region: str, text: str) -> bool:
    """Does ``text`` (a report's region, department and title) place it in
    ``region``?  A province known to ``rules/regions.yaml`` matches its own
    name or any of its divisions; any other region name (a pack listing a
    single city) matches as a plain substring, as before."""
    table = region_table()
    if region not in table:
        return region in text
    for form in _find_forms(region, text):
        elsewhere = table[region]["ambiguous"].get(form)
        if elsewhere and any(w in text for w in elsewhere):
            continue
        return True
    return False


def region_matches(regions: list[str], meta: dict[str, Any]) -> bool:
    """True when the document's meta places it in one of ``regions``."""
    text = " ".join(str(meta.get(k) or "") for k in ("region", "department", "title"))
    return any(in_region(r, text) for r in regions)
