"""Parsing the quantities that budget documents print.

Money is never a float: every number is kept as the decimal *string* the
document printed (``"7.92"``), with the count of printed decimals, so that
rules can build :class:`~decimal.Decimal` values and derive rounding
tolerances from what was actually printed (Arelle's "inferred decimals").

Scorecards state targets in many shapes (``≥98%``, ``≧98%``, ``300篇以上``,
``70 篇以上``, ``20 余次``, ``10 万页``, ``=100%``, ``≥ 25 期``, ``百分之九十五``,
``三十余篇``); :func:`parse_value` turns each into a comparator, a number, a
unit and a qualifier, keeping the original text beside it.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

__all__ = [
    "parse_value", "parse_number", "to_decimal", "normalize_text",
    "decimals_of", "cn_numeral_to_int",
]

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")

# Characters NFKC leaves alone but which mean a comparator.
_SYMBOL_MAP = str.maketrans({
    "≧": "≥", "≦": "≤", "⩾": "≥", "⩽": "≤", "〉": ">", "〈": "<",
    "－": "-", "—": "-", "–": "-", "―": "-", "─": "-",
})

_DASHES = {"-", "--", "---", "/", "\\", "——", "—", "无", "－"}

_NUM = r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_NUM_RE = re.compile(_NUM)

_COMP_PREFIX = [
    (">=", ("≥", ">=", "=>", "不低于", "不少于", "不小于", "大于等于", "大于或等于", "至少", "达到", "超过或等于")),
    ("<=", ("≤", "<=", "=<", "不高于", "不超过", "不大于", "不多于", "小于等于", "小于或等于", "控制在", "最多")),
    (">", (">", "大于", "超过", "高于", "多于")),
    ("<", ("<", "小于", "低于", "少于")),
    ("=", ("=", "==", "等于")),
]
_COMP_SUFFIX = [
    (">=", ("及以上", "以上", "或以上", "以上(含)", "(含)以上")),
    ("<=", ("及以下", "以下", "以内", "之内", "或以下")),
    ("≈", ("左右", "上下")),
]
_APPROX = ("余", "多", "多个", "余个")

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2,
              "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
              "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_NUM_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG) + "点"
_CN_NUM_RE = re.compile(f"[{_CN_NUM_CHARS}]+")


_WS_RUN = re.compile(r"\s+")


@lru_cache(maxsize=8192)
def normalize_text(text: str) -> str:
    """Normalize for parsing: NFKC (full-width digits and signs to ASCII),
    comparator look-alikes mapped, all whitespace removed.

    Cached: a report prints the same labels and amounts over and over, and
    the loader, the recognizers and the rules each normalize them again."""
    t = unicodedata.normalize("NFKC", text).translate(_SYMBOL_MAP)
    return _WS_RUN.sub("", t)


def cn_numeral_to_int(text: str) -> int | None:
    """Parse a Chinese numeral (``九十五``, ``一百二十``, ``三千零五``, ``十``).

    Returns None for anything else.  cn2an raises on forms like 三十余, so we
    parse only the numeral run and leave qualifiers to the caller."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS and ch not in _CN_BIG for ch in text):
        return None
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:  # 万 / 亿
            section += digit or 0
            total += section * _CN_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def decimals_of(number_text: str) -> int:
    """Printed decimals of a number string: ``"7.92"`` → 2, ``"10"`` → 0."""
    return len(number_text.split(".", 1)[1]) if "." in number_text else 0


def to_decimal(value: Any) -> Decimal | None:
    """Decimal from a parsed value dict, a number string or a Decimal."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dict):
        value = value.get("number")
        if value is None:
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):  # never from documents; only from callers' literals
        return Decimal(repr(value))
    try:
        return Decimal(str(value).replace(",", ""))
    except InvalidOperation:
        return None


def parse_number(text: str) -> dict[str, Any] | None:
    """A bare number or percentage (table cells): ``"1,049.47"``, ``"100.00%"``,
    ``"-5.65"``.  Returns None when the text is anything more than that."""
    t = normalize_text(text)
    if not t:
        return None
    pct = t.endswith("%")
    core = t[:-1] if pct else t
    if core.startswith("(") and core.endswith(")") and _NUM_RE.fullmatch(core[1:-1]):
        core = "-" + core[1:-1]  # accounting negatives
    if not re.fullmatch(_NUM, core):
        return None
    num = core.replace(",", "").lstrip("+")
    if num.startswith("-") and Decimal(num) == 0:
        num = num[1:]
    return {"kind": "percent" if pct else "number", "number": num, "decimals": decimals_of(num),
            **({"unit": "%"} if pct else {})}


def _strip_prefix(t: str) -> tuple[str | None, str]:
    for comp, words in _COMP_PREFIX:
        for w in sorted(words, key=len, reverse=True):
            if t.startswith(w):
                return comp, t[len(w):]
    return None, t


def _strip_suffix(t: str) -> tuple[str | None, str]:
    for comp, words in _COMP_SUFFIX:
        for w in sorted(words, key=len, reverse=True):
            if t.endswith(w):
                return comp, t[: -len(w)]
    return None, t


#: A printed quantity has at most this many digits (a 决算 amount in 元 has
#: about 15); longer runs are text, not numbers (a 5000-digit run would pass
#: ``int()``'s digit limit and is meaningless as an amount).
MAX_NUMBER_CHARS = 60


def parse_value(text: str | None) -> dict[str, Any] | None:
    """Parse a cell or target text into a value dict, or None if it holds no
    quantity.  The dict always has ``kind``; quantities also have ``number``
    (decimal string), ``decimals``, and optionally ``unit``, ``comparator``
    (``>=``, ``<=``, ``>``, ``<``, ``=``, ``≈``), ``qualifier`` (余/多/以上…)
    and ``label`` (words before the quantity, e.g. 重点支出占比).

    kinds: ``number``, ``percent``, ``target`` (comparator or unit present),
    ``empty`` (blank), ``dash`` (—, -, / meaning nothing to report).
    """
    if text is None:
        return None
    raw = str(text)
    t = normalize_text(raw)
    if not t:
        return {"kind": "empty"}
    if t in _DASHES:
        return {"kind": "dash"}
    if len(t) > MAX_NUMBER_CHARS and sum(ch.isdigit() for ch in t) > MAX_NUMBER_CHARS:
        return None  # 5000 digits is no amount: kept as text, never fed to int()/Decimal arithmetic
    plain = parse_number(t)
    if plain:
        return plain
    if t.startswith("百分之"):
        n = cn_numeral_to_int(t[3:].rstrip("以上下余多"))
        if n is not None:
            rest = t[3 + len(_CN_NUM_RE.match(t[3:]).group(0)):] if _CN_NUM_RE.match(t[3:]) else ""
            comp, _ = _strip_suffix(rest) if rest else (None, "")
            return _quantity(str(n), "%", comp, None, None, "percent")

    # Find the quantity: first ASCII number, else the first Chinese numeral run.
    m = _NUM_RE.search(t)
    if m:
        before, num, after = t[: m.start()], m.group(0), t[m.end():]
    else:
        mc = _CN_NUM_RE.search(t)
        if not mc or cn_numeral_to_int(mc.group(0)) is None:
            return None
        before, num, after = t[: mc.start()], str(cn_numeral_to_int(mc.group(0))), t[mc.end():]
        # a lone 万/亿 run such as 十万 was parsed whole; reject words like 一般
        if len(mc.group(0)) == 1 and mc.group(0) in "一二两" and after[:1] and after[:1] not in "个次篇期项件份人%":
            return None
    if _NUM_RE.search(after):  # several quantities ("2次会议70个以上文件"): no single value
        return {"kind": "multi", "numbers": [x.replace(",", "") for x in _NUM_RE.findall(t)]}
    comp, before = _strip_prefix(before) if before else (None, before)
    if comp is None and before:
        # "目标:≥80" style: comparator right before the number after a label
        for c, words in _COMP_PREFIX:
            for w in words:
                if before.endswith(w):
                    comp, before = c, before[: -len(w)]
                    break
            if comp:
                break
    label = before.rstrip(":：(（") or None  # "产出指标(50分)": the label is 产出指标
    qualifier = None
    for q in sorted(_APPROX, key=len, reverse=True):
        if after.startswith(q):
            qualifier, after = q, after[len(q):]
            break
    after = re.split(r"[,;。，；]", after, maxsplit=1)[0]
    scomp, after2 = _strip_suffix(after)
    if scomp:
        qualifier = qualifier or {">=": "以上", "<=": "以下", "≈": "左右"}[scomp]
        comp = comp or scomp
        after = after2
    unit = after.strip("()（）,，.。;；") or None
    if unit and len(unit) > 6:
        return None  # prose, not a quantity
    if qualifier in _APPROX and comp is None:
        comp = ">="
    kind = "percent" if unit == "%" else "target"
    if comp is None and unit is None and label is None:
        kind = "number"
    return _quantity(num.replace(",", "").lstrip("+"), unit, comp, qualifier, label, kind)


def _quantity(num: str, unit: str | None, comp: str | None, qualifier: str | None,
              label: str | None, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind, "number": num, "decimals": decimals_of(num)}
    if unit:
        out["unit"] = unit
    if comp:
        out["comparator"] = comp
    if qualifier:
        out["qualifier"] = qualifier
    if label:
        out["label"] = label
    return out


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


_SPACE_BETWEEN = re.compile(
    f"(?<=[{_CJK}\u3000-\u303f\uff00-\uffef0-9%])[ \t\u3000\u00a0]+(?=[{_CJK}\u3000-\u303f\uff00-\uffef])"
    f"|(?<=[{_CJK}\u3000-\u303f\uff00-\uffef])[ \t\u3000\u00a0]+(?=[0-9%(（])"
)


_BLANKS = re.compile(r"[ \t]+")


def clean_display(text: str) -> str:
    """Display text of a cell or paragraph: exports insert spaces inside
    Chinese (``圆 满 完 成``, ``2020 年 12 月``) and full-width padding; drop
    whitespace that touches a CJK character, collapse the rest."""
    t = text.replace("\u3000", " ").replace("\u00a0", " ")
    t = _BLANKS.sub(" ", t).strip()
    return _SPACE_BETWEEN.sub("", t)
