"""Check type ``related.text_change``: a change against last year stated in
the text (“比2024年预算增加3,355.65万元”, “与上年相比，增加197.95万元，增长37.9%”),
recomputed against the figure the related document (上年预算 / 上年决算)
actually published (issue 17)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, half_ulp, number_json

_DEFAULT_PHRASE = (r"\s*[，,；;]?\s*(?P<ref>(?:比|较|与)(?:上年|上一年|(?P<year>\d{4})年)[^，,。；;\d增减持]{0,8}?)"
                   r"(?:相比)?[，,]?\s*(?P<dir>增加|减少|增长|下降|持平)(?:\s*(?P<chg>\d[\d,]*(?:\.\d+)?)\s*万元)?"
                   r"(?:[，,]?\s*(?:增长|下降|增加|减少)?\s*(?P<rate>\d+(?:\.\d+)?)\s*%)?")
_UP, _DOWN = ("增加", "增长"), ("减少", "下降")


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text).replace(",", ""))
    except InvalidOperation:
        return None


def _decimals(text: str) -> int:
    t = str(text).replace(",", "")
    return len(t.split(".", 1)[1]) if "." in t else 0


class RelatedTextChange(Check):
    """Recompute a stated change against last year's published figure.

    What it checks
        Every sentence of the part's text that states a figure of this year and
        its change against last year (amount, direction, rate) — e.g.
        “财政拨款收入18,976.76万元，比2024年预算增加3,355.65万元” — is
        recomputed from last year's figure of the same subject (``说明.<subject>.amount``)
        in the related document (上年预算 or 上年决算, from ``--store`` or
        ``--evidence``): change = this year − last year, rate = change ÷ last
        year, 持平 = equal.  The finding names both places.

    Why it matters
        A change against last year can only be verified with last year's
        document; clerks edit these sentences by hand and copy last year's
        wording.  Without last year's document the rule is not evaluated,
        with the reason — it never passes silently.

    Parameters
        comparisons: list of ``{reference, relation}``: a regular expression
            matched against the comparison words (``比2024年预算``, ``与上年相比``)
            and the related document it refers to (``上年预算``, ``上年决算``).
            The first match wins; ``relation: null`` or a reference matching
            none (e.g. ``比2023年预算执行数``) is not this rule's business;
            ``doc_types`` limits an entry to 部门预算 or 部门决算 parts.
        phrase: regular expression for the comparison that follows a stated
            figure, with groups ``ref``, ``year``, ``dir``, ``chg``, ``rate``.
        tolerance: ``printed`` (default: half a unit of the last printed
            decimal of each figure) or an absolute number (万元).

    Example
        2025 budget: “收入预算18,976.76万元…比2024年预算增加3,355.65万元”, 2024
        budget: 15,621.11万元 → 3,355.65 is right; had 2024 printed 15,600.00
        the finding would say 应为3,376.76万元.
    """

    id: ClassVar[str] = "related.text_change"
    title: ClassVar[str] = "与上年比较的文字表述与上年文件不符 (stated change vs last year's document)"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "comparisons": {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "required": ["reference", "relation"],
                "properties": {"reference": {"type": "string"},
                               "relation": {"enum": ["上年预算", "上年决算", "本年预算", "本年决算", None]},
                               "doc_types": {"type": "array", "items": {"type": "string"}}}},
                "default": [{"reference": "预算执行", "relation": "上年决算"}]},
            "phrase": {"type": "string", "default": _DEFAULT_PHRASE},
            "tolerance": {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"},
        },
    }
    part_types = ("部门预算", "部门决算")

    def run(self, ctx: CheckContext) -> None:
        from budgetlint.store.related import relation_of, related_place

        phrase = re.compile(ctx.params["phrase"])
        comparisons = [(re.compile(c["reference"]), c["relation"]) for c in ctx.params["comparisons"]
                       if not c.get("doc_types") or ctx.part.get("type") in c["doc_types"]]
        year = (ctx.doc.get("meta") or {}).get("fiscal_year") or ctx.part.get("year")
        claims = list(self._claims(ctx, phrase, comparisons, year))
        if not claims:
            ctx.not_applicable("no comparison with last year in the text")
            return
        missing_subjects: list[str] = []
        reasons: set[str] = set()
        for st, rel, m in claims:
            # once per document (the reason names this document's identity, which reads every part)
            info, reason = ctx.index.memo(("relation_of", rel), lambda rel=rel: relation_of(ctx.doc, rel))
            if info is None:
                reasons.add(reason or rel)
                continue
            subject = re.sub(r"\s+", "", st.get("subject") or "")
            last = info["named_values"].get(f"说明.{subject}.amount")
            if last is None or _dec(last.get("value")) is None:
                missing_subjects.append(f"{rel}中无“{subject}”")
                continue
            self._verify(ctx, st, rel, m, info, last, related_place(info, last.get("loc"), rel, ctx.lang))
        for r in sorted(reasons):
            ctx.not_evaluated(r)
        if missing_subjects and not ctx.outcome.checked and not reasons:
            ctx.not_evaluated("上年文件中未找到对应数字：" + "；".join(dict.fromkeys(missing_subjects))[:300])

    def _claims(self, ctx: CheckContext, phrase: re.Pattern, comparisons: list, year: Any):
        """(statement, relation, claim) for every figure followed by a
        comparison; claim = {ref, year, dir, chg, rate, text}."""
        pid = ctx.part.get("id")
        # the part's own statements from the index; a document whose statements lack a part (a hand-made
        # canonical document) keeps the scan, so the order of the two kinds stays the document's
        mine = ctx.index.statements(pid) if not ctx.index.statements(None) else \
            [st for st in ctx.doc.get("statements") or [] if st.get("part") in (None, pid)]
        for st in mine:
            if not isinstance(st.get("amount"), dict):
                continue
            sentence, amount_text = st.get("sentence") or "", st["amount"].get("text") or ""
            subject = st.get("subject") or ""
            if not amount_text or not subject:
                continue
            if st.get("kind") == "change" and st.get("reference"):  # recognised by the statements recognizer
                claim = {"ref": st["reference"], "year": None, "dir": st.get("direction") or "",
                         "chg": (st.get("change") or {}).get("value"), "rate": (st.get("rate") or {}).get("value")}
                claim["text"] = re.sub(r"[，,。；;]?主要.*$", "", sentence)[:60]
                ym = re.search(r"(\d{4})年", st["reference"])
                claim["year"] = ym.group(1) if ym else None
            else:
                end = _after_amount(sentence, subject, amount_text)
                m = phrase.match(sentence[end:]) if end is not None else None
                if not m:
                    continue
                claim = {k: m.groupdict().get(k) for k in ("ref", "year", "dir", "chg", "rate")}
                claim["text"] = m.group(0).strip("，,；; ")
            rel = next((r for rx, r in comparisons if rx.search(claim["ref"] or "")), "")
            if not rel:
                continue
            if claim.get("year") and year and int(claim["year"]) != int(year) - (1 if rel.startswith("上年") else 0):
                continue  # another year than the relation's: not this rule's business
            yield st, rel, claim

    def _verify(self, ctx: CheckContext, st: dict[str, Any], rel: str, m: dict[str, Any], info: dict[str, Any],
                last: dict[str, Any], where_last: str) -> None:
        this = _dec(st["amount"]["value"])
        prev = _dec(last["value"])
        if this is None or prev is None:
            return
        actual_change = this - prev
        direction = m["dir"]
        chg, rate = m["chg"], m["rate"]
        tol_param = ctx.params.get("tolerance", "printed")
        tol = (Decimal(str(tol_param)) if tol_param != "printed" else
               half_ulp(None, int(st["amount"].get("decimals") or 0)) + half_ulp(None, int(last.get("decimals") or 0))
               + (half_ulp(chg) if chg else Decimal(0)))
        loc = dict(st.get("loc") or {})
        loc.update({"block": st.get("block"), "section": st.get("section"), "field": st.get("subject"),
                    "snippet": m["text"][:60]})
        common = dict(subject=st.get("subject"), relation=rel, related=where_last, last_year=number_json(prev),
                      this_year=number_json(this), stated=m["text"])
        sign = 1 if direction in _UP else -1 if direction in _DOWN else 0
        # amount (and direction)
        stated = Decimal(0) if direction == "持平" else (_dec(chg) * sign if chg else None)
        if stated is not None:
            diff = stated - actual_change
            ctx.counted()
            if diff != 0:
                kind = "rounding" if abs(diff) <= tol else "mismatch"
                ctx.outcome.checked -= 1
                ctx.report(loc, expected=number_json(actual_change), actual=number_json(stated), kind=kind,
                           severity="info" if kind == "rounding" else None, difference=number_json(diff),
                           what="变动额" if ctx.lang == "zh" else "change", **common)
        elif sign and (actual_change * sign) < 0:
            ctx.report(loc, expected=number_json(actual_change), actual=direction, kind="mismatch",
                       what="变动方向" if ctx.lang == "zh" else "direction", **common)
        else:
            ctx.counted()
        # rate
        if rate and prev != 0:
            stated_rate = _dec(rate) * (sign or 1)
            expected_rate = actual_change / prev * 100
            rtol = half_ulp(rate) + (abs(expected_rate) * tol / abs(prev) if prev else Decimal(0))
            ctx.counted()
            if abs(stated_rate - expected_rate) > rtol:
                ctx.outcome.checked -= 1
                ctx.report(loc, expected=number_json(expected_rate.quantize(Decimal(1).scaleb(-_decimals(rate)))),
                           actual=number_json(stated_rate), kind="mismatch",
                           what="变动率(%)" if ctx.lang == "zh" else "rate (%)", **common)


def _after_amount(sentence: str, subject: str, amount: str) -> int | None:
    """End of the first “<subject>[为是：:]<spaces><amount>” in ``sentence``
    (what ``re.search(escape(subject) + r"[为是：:]?\\s*" + escape(amount))``
    finds, with the same backtracking order), or None.  Plain string search:
    a report has hundreds of statements and a pattern built for each one
    costs a regex compilation each."""
    i = sentence.find(subject)
    while i >= 0:
        p = i + len(subject)
        for q in ((p + 1, p) if sentence[p:p + 1] in ("为", "是", "：", ":") else (p,)):
            w = q
            while w < len(sentence) and sentence[w].isspace():
                w += 1
            for k in range(w, q - 1, -1):  # \s* is greedy: the longest run first
                if sentence.startswith(amount, k):
                    return k + len(amount)
        i = sentence.find(subject, i + 1)
    return None


def register(registry) -> None:
    registry.add_check(RelatedTextChange)
