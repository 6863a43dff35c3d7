"""Check type ``formula``: arithmetic a bureau states as data."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from budgetlint.core.checks import Check, CheckContext, Operand, half_ulp, number_json
from budgetlint.core.errors import FormulaError
from budgetlint.core.formula import Evaluator, compare, parse


class Formula(Check):
    """Evaluate a comparison over named values the recognizers expose.

    What it checks
        ``expression`` is a comparison such as ``三公.决算.合计 <= 三公.预算.合计``
        or ``sum(一般公共预算财政拨款支出决算表.*.项目支出) == 支出决算表.合计.项目支出
        within 0.01``, evaluated in Decimal over ``doc["named_values"]`` (list them
        with ``budgetlint parse FILE`` → ``named_values``).  Operators: ``+ - * /``,
        parentheses, ``sum() min() max() abs() round() count()`` with ``*``
        wildcards in names, comparisons ``== != <= >= < >`` and an optional
        ``within`` tolerance.  Names with spaces or operators go in back quotes.

    Why it matters
        Each year a bureau adds requirements (e.g. “三公经费决算数不得超过上年”)
        that are plain arithmetic over disclosed figures.  Stating them as data
        keeps the policy in the rule pack, not in Python.

    Parameters
        expression: the comparison to evaluate (required).
        tolerance: ``printed`` (default: half a unit of the last printed decimal of
            every value used, summed; whole numbers count as exact) or an
            absolute number; ``within`` in the expression wins over it.
        missing: what to do when a name is not in the document: ``not_evaluated``
            (default) or ``zero`` (treat as 0).

    Example
        ``expression: 三公.决算.合计 <= 三公.预算.合计`` reports “三公经费决算数超过预算数”
        with both cells' locations when the actual exceeds the budget.
    """

    id: ClassVar[str] = "formula"
    title: ClassVar[str] = "自定义算式 (arithmetic stated as data)"
    params_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["expression"],
        "properties": {
            "expression": {"type": "string", "minLength": 1, "maxLength": 1000},
            "tolerance": {"oneOf": [{"const": "printed"}, {"type": "number", "minimum": 0}], "default": "printed"},
            "missing": {"enum": ["not_evaluated", "zero"], "default": "not_evaluated"},
        },
    }

    @classmethod
    def validate_params(cls, params: dict[str, Any]) -> None:
        """Parse at pack-load time so a syntax error names the rule file's line and column."""
        parsed = parse(params["expression"])
        if "op" not in parsed:
            raise FormulaError("the expression must be a comparison (==, !=, <=, >=, <, >)", where="col 1",
                               fix="e.g. a <= b")

    def run(self, ctx: CheckContext) -> None:
        rule = parse(ctx.params["expression"])
        related_names, unresolved = _related_names(ctx, rule)  # issue 17: 上年决算.* / 上年预算.* / 本年预算.*
        if unresolved:
            for reason in unresolved:
                ctx.not_evaluated(reason)
            return
        own = ((ctx.doc.get("part_tables") or {}).get(ctx.part.get("id")) or {}).get("named_values")
        ev = Evaluator(PartNames(ctx.doc.get("named_values") or {}, ctx.part.get("id"), related_names, own))
        try:
            result = ev.evaluate(rule)
        except FormulaError as exc:
            # division by zero, overflow, too many steps on *this* document's values:
            # the rule cannot be judged here, the other rules and documents go on
            ctx.not_evaluated(f"规则 {ctx.rule.id} 的算式无法在本文档上求值 (formula of rule {ctx.rule.id} "
                              f"could not be evaluated on this document): {exc}")
            return
        if ev.missing and ctx.params.get("missing") != "zero":
            ctx.not_evaluated("named value(s) not found: " + ", ".join(sorted(set(ev.missing))))
            return
        left, right = result["left"], result["right"]
        if "within" in rule:
            tol = rule["within"]
        elif ctx.params.get("tolerance", "printed") != "printed":
            tol = Decimal(str(ctx.params["tolerance"]))
        else:
            # whole numbers (counts, "12万元" in prose) are taken as exact, not as ±0.5
            tol = sum((half_ulp(None, r.decimals) for r in ev.used if r.decimals > 0), Decimal(0))
        operands = [Operand(r.value, str(r.value), r.loc, r.name, r.decimals) for r in ev.used]
        ctx.counted()
        if compare(rule["op"], left, right, tol):
            if rule["op"] == "==" and left != right:
                ctx.report(operands[0].location if operands else {}, expected=number_json(right),
                           actual=number_json(left), severity="info", kind="rounding", operands=operands,
                           expression=ctx.params["expression"], difference=number_json(left - right))
            return
        loc = dict(operands[0].location) if operands else {}
        if operands:
            loc.setdefault("field", operands[0].label)
        ctx.report(loc, expected=number_json(right), actual=number_json(left), kind="mismatch", operands=operands,
                   expression=ctx.params["expression"], difference=number_json(left - right),
                   **_related_params(ev.used, ctx.lang))


class PartNames(Mapping[str, Any]):
    """The named values one part's formulas see: the related documents'
    (which win), then the part's own — its tables' (``part_tables[part]``)
    and what its narrative stated (``说明.X@<part>`` when an earlier part
    stated the same subject) — then those a recognizer tagged with this part
    or with none.  So in a file bundling several reports, each part's rules
    read that part's figures, never the first part's.

    A view, not a copy: a document of many parts has named values in
    proportion to its size, and a filtered copy per rule and part made the
    check grow with parts × size.  A plain name is a few lookups; only a
    wildcard walks the names (``Evaluator`` sorts what it finds)."""

    def __init__(self, named: Mapping[str, Any], part_id: Any, related: Mapping[str, Any],
                 own: Mapping[str, Any] | None = None) -> None:
        self.named, self.part_id, self.related, self.own = named, part_id, related, own or {}
        self._suffix = f"@{part_id}"

    def _visible(self, value: Any) -> bool:
        return value.get("part") in (None, self.part_id)

    def _lookup(self, key: str) -> Any:
        if key in self.related:
            return self.related[key]
        value = self.named.get(f"{key}{self._suffix}")
        if value is not None:
            return value
        value = self.own.get(key)
        if value is not None:
            return value
        value = self.named.get(key)
        return value if value is not None and self._visible(value) else None

    def __getitem__(self, key: str) -> Any:
        value = self._lookup(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(key) is not None

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key in self.named:
            name = key[:-len(self._suffix)] if key.endswith(self._suffix) else key
            if "@" in name or name in seen or name in self.related:  # another part's statement, or shadowed
                continue
            if name in self:
                seen.add(name)
                yield name
        for key in self.own:
            if key not in seen and key not in self.related:
                seen.add(key)
                yield key
        yield from self.related

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _names_in(node: Any, out: list[str]) -> list[str]:
    """Every NAME of a parsed expression (AST tuples, see core.formula)."""
    if isinstance(node, tuple):
        if node[0] == "name":
            out.append(node[1])
        for x in node[1:]:
            if isinstance(x, (tuple, list)):
                _names_in(x, out)
    elif isinstance(node, list):
        for x in node:
            _names_in(x, out)
    return out


def _related_names(ctx: CheckContext, rule: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Named values of the related documents an expression names, prefixed
    with the relation (``上年决算.三公.决算.合计``), or the reasons they are
    missing — a missing related document is not evaluated, never a pass."""
    from budgetlint.store.related import expression_relations, relation_of

    names = _names_in(rule.get("left"), []) + _names_in(rule.get("right"), [])
    out: dict[str, Any] = {}
    reasons: list[str] = []
    for rel in expression_relations(names):
        # once per document: without a related document the reason names this one's identity,
        # which reads every part
        info, reason = ctx.index.memo(("relation_of", rel), lambda rel=rel: relation_of(ctx.doc, rel))
        if info is None:
            reasons.append(reason or rel)
            continue
        for k, v in info["named_values"].items():
            if not isinstance(v, dict):
                continue
            out[f"{rel}.{k}"] = {**v, "loc": {**(v.get("loc") or {}), "relation": rel,
                                              "document": (info.get("identity") or {}).get("path")}}
    return out, reasons


def _related_params(used: list[Any], lang: str) -> dict[str, Any]:
    """``{related}``: where the related document printed the figures used."""
    from budgetlint.store.related import related_place

    places = []
    for r in used:
        rel = (r.loc or {}).get("relation")
        if rel:
            loc = {k: v for k, v in r.loc.items() if k not in ("relation", "document")}
            places.append(related_place({"identity": {"path": r.loc.get("document")}}, loc, rel, lang))
    return {"related": "；".join(dict.fromkeys(places))} if places else {}


def register(registry) -> None:
    registry.add_check(Formula)
