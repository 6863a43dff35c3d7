"""The contract between the engine and a check type.

A check type is generic and holds no policy: weights, bands, tolerances,
aliases, patterns, citations and messages come from the rule (YAML) through
``ctx.params``.  Its docstring *is* its user documentation and must have the
sections ``What it checks``, ``Why it matters``, ``Parameters`` and
``Example`` (``budgetlint rules explain CHECK`` prints them); every parameter
in ``params_schema`` must be documented under ``Parameters`` as ``name:``.

A check reports through its :class:`CheckContext`:

* ``ctx.report(...)`` — a finding at a location, with expected/actual;
* ``ctx.compare(...)`` — Decimal comparison with rounding-interval tolerance:
  equal → nothing, within the printed rounding → an ``info`` 尾数差异 finding,
  beyond → a finding at the rule's severity;
* ``ctx.not_evaluated(reason)`` — the rule could not be evaluated here (table
  not found, value unparseable).  It never passes silently.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from budgetlint.core.document import DocumentIndex
from budgetlint.core.errors import PluginError
from budgetlint.core.values import decimals_of, to_decimal

if TYPE_CHECKING:
    from budgetlint.core.rulepack import Rule

SECTIONS = ("What it checks", "Why it matters", "Parameters", "Example")
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


class Check:
    """Base class for check types (see module docstring)."""

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}, "additionalProperties": False}
    #: part types the check runs on unless a rule's ``applies_to`` says otherwise
    part_types: ClassVar[tuple[str, ...]] = ()
    #: arithmetic identities need no legal citation
    pure_arithmetic: ClassVar[bool] = False

    def run(self, ctx: CheckContext) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def doc_section_lines(cls: type) -> dict[str, list[str]]:
    """A check's docstring as lines per fixed section (``_summary`` for the
    lines before the first section heading)."""
    doc = inspect.cleandoc(cls.__doc__ or "")
    sections: dict[str, list[str]] = {"_summary": []}
    current = "_summary"
    for line in doc.splitlines():
        stripped = line.strip().rstrip(":")
        if stripped in SECTIONS and not line.startswith((" ", "\t")):
            current = stripped
            sections[current] = []
            continue
        sections[current].append(line)
    return sections


def doc_sections(cls: type) -> dict[str, str]:
    """Split a check's docstring into its fixed sections."""
    return {k: "\n".join(v).strip() for k, v in doc_section_lines(cls).items() if v or k != "_summary"}


def documented_params(cls: type) -> set[str]:
    text = doc_sections(cls).get("Parameters", "")
    return set(re.findall(r"^\s*`{0,2}([A-Za-z_][A-Za-z0-9_]*)`{0,2}\s*[:：(]", text, re.M))


_CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")


def validate_check_class(cls: Any, plugin: str = "") -> None:
    """Raise :class:`PluginError` unless ``cls`` is a well-formed check type."""
    name = getattr(cls, "__qualname__", repr(cls))
    culprit = f"{plugin or 'plugin'}: check {name}"
    if not (isinstance(cls, type) and issubclass(cls, Check)):
        raise PluginError("is not a subclass of budgetlint.core.checks.Check", culprit=culprit,
                          fix="derive the check class from Check")
    if not cls.id or not _CHECK_ID.match(cls.id):
        raise PluginError(f"has an invalid id {cls.id!r}", culprit=culprit,
                          fix="use a dotted lower-case id such as 'scorecard.weight_sum'")
    from budgetlint.core.rulepack import known_valid_schema, remember_valid_schema

    if not known_valid_schema(cls.params_schema):  # checking against the meta-schema costs ~3 ms a check
        import jsonschema

        try:
            jsonschema.Draft202012Validator.check_schema(cls.params_schema)
        except jsonschema.SchemaError as exc:
            raise PluginError(f"params_schema is not a valid JSON Schema: {exc.message}", culprit=culprit,
                              fix="fix the schema (JSON Schema 2020-12)") from exc
        remember_valid_schema(cls.params_schema)
    if cls.params_schema.get("type") != "object":
        raise PluginError("params_schema must describe an object", culprit=culprit,
                          fix='set "type": "object" at the top of params_schema')
    sections = doc_sections(cls)
    missing = [s for s in SECTIONS if not sections.get(s)]
    if missing:
        raise PluginError(f"docstring lacks section(s) {', '.join(missing)}", culprit=culprit,
                          fix="document the check with What it checks / Why it matters / Parameters / Example")
    undocumented = set(cls.params_schema.get("properties", {})) - documented_params(cls)
    if undocumented:
        raise PluginError(f"parameters not documented: {', '.join(sorted(undocumented))}", culprit=culprit,
                          fix="describe each parameter under 'Parameters' as 'name: …'")


#: an Operand's decimals for a value known exactly (a blank cell, a dash): no rounding, never shown as printed
EXACT_DECIMALS = 99


def half_ulp(number_text: str | None, decimals: int | None = None) -> Decimal:
    """Half a unit in the last printed place: ``"7.92"`` → 0.005."""
    d = decimals if decimals is not None else (decimals_of(number_text) if number_text else 0)
    return Decimal(5) / (Decimal(10) ** (d + 1))


class Operand:
    """A value taking part in an arithmetic check, with where it was printed.

    ``location`` may be given as a function of no arguments returning it: it
    is then built on first read.  A table check reads thousands of cells and
    reports a few of them, and a cell's location (block, section, row and
    column names, box) costs more to build than the sum it takes part in."""

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __init__(self, value: Decimal, text: str, location: dict[str, Any] | Callable[[], dict[str, Any]],
                 label: str = "", decimals: int | None = None) -> None:
        self.value = value
        self.text = text
        self._location = location
        self.label = label
        self.decimals = decimals

    @property
    def location(self) -> dict[str, Any]:
        loc = self._location
        if callable(loc):
            loc = self._location = loc()
        return loc

    @location.setter
    def location(self, location: dict[str, Any]) -> None:
        self._location = location

    def _fields(self) -> tuple[Any, ...]:
        return self.value, self.text, self.location, self.label, self.decimals

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return (f"Operand(value={self.value!r}, text={self.text!r}, location={self.location!r}, "
                f"label={self.label!r}, decimals={self.decimals!r})")

    @property
    def tolerance(self) -> Decimal:
        return half_ulp(self.text, self.decimals)


_PLACE = {
    "zh": {"line": "第{}行", "page": "第{}页", "paragraph": "第{}段", "table": "表格{}", "row": "第{}行",
           "sheet": "工作表{}", "path": "{}"},
    "en": {"line": "line {}", "page": "page {}", "paragraph": "paragraph {}", "table": "table {}", "row": "row {}",
           "sheet": "sheet {}", "path": "{}"},
}


def place(location: dict[str, Any] | None, lang: str = "zh") -> str:
    """A human place for a location in any input format — 第12行 (text),
    第3页 (PDF), 第5段 / 表格2第3行 (DOCX), 工作表X!B4 (XLSX) — so a message
    can say where the other figure is without assuming line numbers
    (``{where}`` / ``{other_where}`` in rule messages)."""
    loc = location or {}
    words = _PLACE.get(lang, _PLACE["zh"])
    if loc.get("line") is not None:
        return words["line"].format(loc["line"])
    if loc.get("page") is not None:
        return words["page"].format(loc["page"])
    if loc.get("paragraph") is not None:
        return words["paragraph"].format(int(loc["paragraph"]) + 1)
    if isinstance(loc.get("table"), int):
        text = words["table"].format(loc["table"] + 1)
        if loc.get("row") is not None and isinstance(loc.get("row"), int):
            text += ("" if lang == "zh" else " ") + words["row"].format(loc["row"] + 1)
        return text
    if loc.get("sheet") is not None:
        return words["sheet"].format(loc["sheet"]) + (f"!{loc['cell_ref']}" if loc.get("cell_ref") else "")
    if loc.get("path"):
        return _xpath_place(str(loc["path"]), lang)
    return "—"


def _xpath_place(path: str, lang: str) -> str:
    """An HTML element path as a clerk says it: ``…/p[27]`` → 第27段,
    ``…/table[2]/tr[3]/td[1]`` → 表格2第3行第1列 — never the XPath itself."""
    steps = re.findall(r"([a-z0-9]+)(?:\[(\d+)\])?", path.lower())
    last = steps[-1] if steps else ("", "")
    zh = lang == "zh"
    if last[0] in ("td", "th") and len(steps) >= 2 and steps[-2][0] == "tr":
        tables = [n for t, n in steps if t == "table"]
        t = f"表格{tables[-1] or 1}" if zh else f"table {tables[-1] or 1}"
        r, c = steps[-2][1] or "1", last[1] or "1"
        return f"{t}第{r}行第{c}列" if zh else f"{t} row {r} column {c}"
    if last[0] == "tr":
        return f"表格第{last[1] or 1}行" if zh else f"table row {last[1] or 1}"
    n = last[1] or "1"
    return f"第{n}段" if zh else f"paragraph {n}"


def number_json(value: Decimal | None) -> float | int | None:
    """JSON number for expected/actual (the report is for display; the
    comparison itself was done in Decimal)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


@dataclass
class Outcome:
    """What one rule produced on one part."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    not_evaluated: list[str] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)
    checked: int = 0  # how many comparisons/items were evaluated
    #: relations of a rule that evaluated others but not these (``what: why``)
    not_evaluated_relations: list[str] = field(default_factory=list)


class CheckContext:
    """What a check sees: the document, the part, the rule and its params."""

    def __init__(self, *, doc: dict[str, Any], part: dict[str, Any], rule: Rule,
                 lang: str = "zh", section_of: dict[str, str] | None = None,
                 index: DocumentIndex | None = None) -> None:
        self.doc = doc
        self.part = part
        self.rule = rule
        self.params: dict[str, Any] = rule.params
        self.lang = lang
        self.outcome = Outcome()
        self._section_of = section_of or {}
        self._index = index

    @property
    def index(self) -> DocumentIndex:
        """Lookups over the whole document (block by id, a part's statements,
        normalized text), shared by every rule of every part when the engine
        passes one — use it instead of scanning ``doc["blocks"]`` or
        ``doc["statements"]``, so a document of many parts is checked in
        time linear in its size (see :class:`~budgetlint.core.document.DocumentIndex`)."""
        if self._index is None or not self._index.fresh(self.doc):
            self._index = DocumentIndex(self.doc)
        return self._index

    # ------------------------------------------------------------- location
    def section_for(self, block_id: str | None) -> str | None:
        return self._section_of.get(block_id or "")

    def block_location(self, block: dict[str, Any], **extra: Any) -> dict[str, Any]:
        loc = dict(block.get("loc", {}))
        sec = self.section_for(block.get("id"))
        if sec:
            loc["section"] = sec
        if block.get("type") == "table":
            if block.get("title"):
                loc.setdefault("table", block["title"])
            if block.get("code"):
                loc.setdefault("table_code", block["code"])
        loc["block"] = block.get("id")
        loc.update({k: v for k, v in extra.items() if v is not None})
        return loc

    def cell_location(self, table: dict[str, Any], cell: dict[str, Any] | None, *, row_label: str | None = None,
                      column: str | None = None, **extra: Any) -> dict[str, Any]:
        loc = self.block_location(table)
        if cell is not None:
            loc.update(cell.get("loc", {}))
            loc["cell"] = cell.get("text", "")
            loc["row_index"] = cell.get("row")
            loc["col_index"] = cell.get("col")
        if row_label:
            loc["row"] = row_label
        if column:
            loc["column"] = column
        loc.update({k: v for k, v in extra.items() if v is not None})
        return loc

    # -------------------------------------------------------------- results
    def not_evaluated(self, reason: str, *, zh: str | None = None) -> None:
        """The rule could not be evaluated here.  ``reason`` in English with
        the form's Chinese terms; the report shows it in its language (see
        core/i18n.py; ``zh`` gives the Chinese wording when the catalogue
        has none)."""
        from budgetlint.core.i18n import localize_reason

        self.outcome.not_evaluated.append(localize_reason(reason, self.lang, zh))

    def relation_not_evaluated(self, relation: str, reason: str) -> None:
        """One relation of a rule with several (an identity, a table pair)
        could not be evaluated while others may have been.  The engine lists
        them on the evaluation (``not_evaluated_relations``) and counts the
        rule as partially evaluated, so a rule that checked 1 of its 7
        relations never reads as a plain pass.  If nothing at all was
        evaluated the rule is ``not_evaluated`` with these as its reasons."""
        self.outcome.not_evaluated_relations.append(f"{relation}: {reason}")

    def not_applicable(self, reason: str, *, zh: str | None = None) -> None:
        """The rule does not concern this part (e.g. the form has no 扣分标准
        column, the scorecard prints no 二级 weights).  Unlike
        :meth:`not_evaluated` this is not a gap in the check."""
        from budgetlint.core.i18n import localize_reason

        self.outcome.not_applicable.append(localize_reason(reason, self.lang, zh))

    def counted(self, n: int = 1) -> None:
        """Record that ``n`` items were actually evaluated (a rule that
        evaluated nothing is reported as not evaluated by the engine)."""
        self.outcome.checked += n

    def report(self, location: dict[str, Any], *, expected: Any = None, actual: Any = None,
               severity: str | None = None, kind: str | None = None, operands: list[Operand] | None = None,
               message: dict[str, str] | None = None, inputs: list[dict[str, Any] | str] | None = None,
               derives: list[str] | None = None, **message_params: Any) -> dict[str, Any]:
        """Record a finding.  ``message_params`` fill the rule's message
        template (``{expected}``, ``{actual}`` and anything the check passes).

        ``inputs`` (locations of the figures read, or names of derived values
        such as ``"scorecard:1:总分值"``) and ``derives`` (names of the values
        this finding judges) let the engine attach consequences to their root
        cause (:func:`budgetlint.core.findings.link_related`); ``operands``
        count as inputs already."""
        from budgetlint.core.findings import make_finding, place_key

        self.outcome.checked += 1
        finding = make_finding(self, location=location, expected=expected, actual=actual, severity=severity,
                               kind=kind, operands=operands, message=message, params=message_params)
        if inputs:
            finding["_inputs"] = [place_key(x) for x in inputs]
        if derives:
            finding["_outputs"] = list(derives)
        self.outcome.findings.append(finding)
        return finding

    def compare(self, location: dict[str, Any], expected: Decimal, actual: Operand | Decimal, *,
                operands: list[Operand] | None = None, tolerance: Decimal | None = None,
                percent: bool = False, **message_params: Any) -> dict[str, Any] | None:
        """Compare a computed ``expected`` with the printed ``actual``.

        Tolerance: the rule's ``tolerance`` param when it is a number,
        otherwise (``"printed"``, the default) the interval from the printed
        decimals of every operand and of the actual value (Arelle-style).  A
        non-zero difference inside it is an ``info`` 尾数差异 finding."""
        self.outcome.checked += 1
        act = actual.value if isinstance(actual, Operand) else actual
        diff = act - expected
        if diff == 0:
            return None
        tol = tolerance if tolerance is not None else self.tolerance_for(actual, operands)
        kind = "rounding" if abs(diff) <= tol else "mismatch"
        severity = "info" if kind == "rounding" else None
        self.outcome.checked -= 1  # report() counts again
        return self.report(location, expected=number_json(expected), actual=number_json(act), severity=severity,
                           kind=kind, operands=operands, difference=number_json(diff), tolerance=number_json(tol),
                           **message_params)

    def tolerance_for(self, actual: Operand | Decimal, operands: list[Operand] | None) -> Decimal:
        explicit = self.params.get("tolerance", "printed")
        if explicit not in (None, "printed"):
            return Decimal(str(explicit))
        tol = actual.tolerance if isinstance(actual, Operand) else Decimal(0)
        for op in operands or []:
            tol += op.tolerance
        return tol


def operand_from_cell(cell: dict[str, Any], location: dict[str, Any], label: str = "") -> Operand | None:
    """An :class:`Operand` from a parsed table cell, or None if the cell holds
    no number (blank and dash cells count as zero with no rounding)."""
    value = cell.get("value") if cell else None
    if not value or value.get("kind") in ("dash", "empty"):
        if cell is not None and (not cell.get("text") or (value and value.get("kind") == "dash")):
            return Operand(Decimal(0), cell.get("text", ""), location, label, decimals=EXACT_DECIMALS)
        return None
    if value.get("kind") not in ("number", "percent"):
        return None
    dec = to_decimal(value)
    if dec is None:
        return None
    return Operand(dec, value["number"], location, label)
