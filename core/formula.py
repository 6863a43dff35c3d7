"""A small restricted expression language over :class:`~decimal.Decimal`.

Bureaus state arithmetic they need without Python, over the named values the
recognizers expose (``doc["named_values"]``)::

    三公.决算.合计 <= 三公.上年决算.合计
    sum(一般公共预算财政拨款支出决算表.*.项目支出) == 支出决算表.合计.项目支出 within 0.01

Grammar::

    rule     := expr (CMP expr ("within" NUMBER)?)?
    expr     := term (("+" | "-") term)*
    term     := factor (("*" | "/") factor)*
    factor   := "-" factor | NUMBER | NAME | FUNC "(" args ")" | "(" expr ")"
    FUNC     := sum | min | max | abs | round | count
    NAME     := run of letters/CJK/digits/dots/*/（）/“” — or `back-quoted` for anything else

It is parsed by hand into a tiny AST and evaluated with a step limit and a
magnitude limit: there is no ``eval``, no attribute access, no calls other
than the six functions above.  (Measured: asteval let ``open()`` through; the
CEL libraries turn Decimal into float or have no cost limit.)
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from budgetlint.core.errors import FormulaError

MAX_LENGTH = 1000
MAX_STEPS = 20_000
MAX_MAGNITUDE = Decimal("1e18")
#: Deepest nesting of parentheses, unary minus and function calls: the parser
#: and evaluator recurse, so this bounds their stack (a pack error, not a crash).
MAX_DEPTH = 64
FUNCS = {"sum", "min", "max", "abs", "round", "count"}
CMPS = ("<=", ">=", "==", "!=", "<", ">")

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?%?)
  | (?P<cmp><=|>=|==|!=|<|>)
  | (?P<op>[-+*/])
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<comma>,)
  | (?P<quoted>`[^`]*`)
  | (?P<name>[^\s()+\-/,<>=!`]+)
""", re.X)


@dataclass
class Token:
    kind: str
    text: str
    pos: int


def tokenize(src: str) -> list[Token]:
    if len(src) > MAX_LENGTH:
        raise FormulaError(f"expression longer than {MAX_LENGTH} characters", where="col 1",
                           fix="split it into several rules")
    out: list[Token] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if not m:
            raise FormulaError(f"unexpected character {src[pos]!r}", where=f"col {pos + 1}",
                               fix=_operator_hint(src, pos))
        kind = m.lastgroup or ""
        text = m.group(0)
        if kind == "name" and text.lower() == "within":
            kind = "within"
        if kind == "quoted":
            kind, text = "name", text[1:-1]
        if kind != "ws":
            out.append(Token(kind, text, pos))
        pos = m.end()
    out.append(Token("end", "", len(src)))
    return out


# AST nodes are tuples: ("num", Decimal, pos) ("name", str, pos) ("neg", node) ("bin", op, a, b, pos)
# ("call", fname, [args], pos)


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self, kind: str | None = None) -> Token:
        tok = self.toks[self.i]
        if kind and tok.kind != kind:
            want = {"rp": "')'", "lp": "'('", "num": "a number", "end": "the end of the expression"}.get(kind, kind)
            got = tok.text or "the end"
            raise FormulaError(f"expected {want}, found {got!r}", where=f"col {tok.pos + 1}",
                               fix="check the parentheses and operators")
        self.i += 1
        return tok

    def parse_rule(self) -> dict[str, Any]:
        left = self.expr()
        out: dict[str, Any] = {"left": left}
        tok = self.peek()
        if tok.kind == "cmp":
            self.take()
            out["op"] = tok.text
            out["op_pos"] = tok.pos
            out["right"] = self.expr()
            if self.peek().kind == "within":
                self.take()
                num = self.take("num")
                out["within"] = Decimal(num.text.rstrip("%"))
        self.take("end")
        return out

    def expr(self) -> Any:
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            tok = self.take()
            node = ("bin", tok.text, node, self.term(), tok.pos)
        return node

    def term(self) -> Any:
        node = self.factor()
        while self.peek().kind == "op" and self.peek().text in "*/":
            tok = self.take()
            node = ("bin", tok.text, node, self.factor(), tok.pos)
        return node

    def factor(self) -> Any:
        tok = self.peek()
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise FormulaError(f"expression nested deeper than {MAX_DEPTH} levels", where=f"col {tok.pos + 1}",
                                   fix="remove redundant parentheses or minus signs")
            return self._factor(tok)
        finally:
            self.depth -= 1

    def _factor(self, tok: Token) -> Any:
        if tok.kind == "op" and tok.text == "-":
            self.take()
            return ("neg", self.factor())
        if tok.kind == "num":
            self.take()
            text = tok.text
            value = Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
            return ("num", value, tok.pos)
        if tok.kind == "lp":
            self.take()
            node = self.expr()
            self.take("rp")
            return node
        if tok.kind == "name":
            self.take()
            if self.peek().kind == "lp" and tok.text in FUNCS:
                self.take()
                args = []
                if self.peek().kind != "rp":
                    args.append(self.expr())
                    while self.peek().kind == "comma":
                        self.take()
                        args.append(self.expr())
                self.take("rp")
                return ("call", tok.text, args, tok.pos)
            if self.peek().kind == "lp":
                raise FormulaError(f"unknown function {tok.text!r}", where=f"col {tok.pos + 1}",
                                   fix="functions: " + ", ".join(sorted(FUNCS)))
            return ("name", tok.text, tok.pos)
        raise FormulaError(f"unexpected {tok.text or 'end of expression'!r}", where=f"col {tok.pos + 1}",
                           fix="an operand (number, name or function) is expected here")


def parse(src: str) -> dict[str, Any]:
    """Parse an expression; FormulaError carries ``where='col N'``."""
    return _Parser(src).parse_rule()


@dataclass
class Resolved:
    value: Decimal
    decimals: int
    name: str
    loc: dict[str, Any]


class Evaluator:
    """Evaluate a parsed rule against named values ``{name: {"value", "decimals", "loc"}}``."""

    def __init__(self, names: Mapping[str, dict[str, Any]]) -> None:
        self.names = names
        self.steps = 0
        self.used: list[Resolved] = []
        self.missing: list[str] = []

    def _step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise FormulaError(f"evaluation exceeded {MAX_STEPS} steps", fix="simplify the expression")

    def _lookup(self, pattern: str) -> list[Resolved]:
        if "*" in pattern or "?" in pattern:
            # only * and ? are wildcards: names such as scorecard[1].总分.得分 contain brackets
            keys = [k for k in self.names if wildcard_match(pattern, k)]
        else:
            keys = [pattern] if pattern in self.names else []
        out = []
        for k in sorted(keys):
            entry = self.names[k]
            try:
                value = Decimal(str(entry["value"]))
            except (InvalidOperation, KeyError):
                continue
            # an exact value (a blank cell of a ruled table, decimals None) adds no rounding: as a whole number
            out.append(Resolved(value, int(entry.get("decimals") or 0), k, entry.get("loc", {})))
        return out

    def value(self, node: Any) -> Decimal:
        self._step()
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "name":
            found = self._lookup(node[1])
            if len(found) != 1:
                if not found:
                    self.missing.append(node[1])
                    return Decimal(0)
                raise FormulaError(f"{node[1]!r} matches {len(found)} values", where=f"col {node[2] + 1}",
                                   fix="use sum(...) for a wildcard")
            self.used.append(found[0])
            return found[0].value
        if kind == "neg":
            return -self.value(node[1])
        if kind == "bin":
            a, b = self.value(node[2]), self.value(node[3])
            op = node[1]
            if op == "+":
                r = a + b
            elif op == "-":
                r = a - b
            elif op == "*":
                r = a * b
            else:
                if b == 0:
                    raise FormulaError("division by zero", where=f"col {node[4] + 1}", fix="guard the divisor")
                r = a / b
            if abs(r) > MAX_MAGNITUDE:
                raise FormulaError("value out of range", where=f"col {node[4] + 1}", fix="check the expression")
            return r
        if kind == "call":
            fname, args = node[1], node[2]
            if fname in ("sum", "count", "min", "max"):
                vals: list[Decimal] = []
                for arg in args:
                    if arg[0] == "name":
                        found = self._lookup(arg[1])
                        if not found:
                            self.missing.append(arg[1])
                        self.used.extend(found)
                        vals.extend(r.value for r in found)
                    else:
                        vals.append(self.value(arg))
                self.steps += len(vals)
                if self.steps > MAX_STEPS:
                    raise FormulaError(f"evaluation exceeded {MAX_STEPS} steps ({fname} over {len(vals)} values)",
                                       where=f"col {node[3] + 1}", fix="narrow the wildcard")
                if fname == "sum":
                    return sum(vals, Decimal(0))
                if fname == "count":
                    return Decimal(len(vals))
                if not vals:
                    return Decimal(0)
                return min(vals) if fname == "min" else max(vals)
            if fname == "abs":
                if len(args) != 1:
                    raise FormulaError("abs() takes one argument", where=f"col {node[3] + 1}", fix="abs(x)")
                return abs(self.value(args[0]))
            if fname == "round":
                if len(args) not in (1, 2):
                    raise FormulaError("round() takes one or two arguments", where=f"col {node[3] + 1}",
                                       fix="round(x, 2)")
                digits = int(self.value(args[1])) if len(args) == 2 else 0
                return self.value(args[0]).quantize(Decimal(1).scaleb(-digits))
        raise FormulaError("invalid expression")

    def evaluate(self, rule: dict[str, Any]) -> dict[str, Any]:
        """Evaluate both sides.  Every runtime failure on this document's values
        (division by zero, overflow, a rounding the context cannot represent)
        is a :class:`FormulaError`, which the check turns into not-evaluated."""
        try:
            with localcontext() as ctx:
                ctx.prec = 34
                left = self.value(rule["left"])
                right = self.value(rule["right"]) if "right" in rule else None
        except (ArithmeticError, ValueError) as exc:  # decimal.InvalidOperation/Overflow, int() of a huge value
            raise FormulaError(f"arithmetic error: {type(exc).__name__}", fix="check the expression and the values")
        except RecursionError as exc:
            raise FormulaError("expression nested too deeply", fix="simplify the expression") from exc
        return {"left": left, "right": right}


def wildcard_match(pattern: str, text: str) -> bool:
    """Match ``*`` (any run) and ``?`` (one character) in linear-time passes
    (the classic two-pointer glob match, O(len(pattern)·len(text)) worst case,
    never exponential as a backtracking regex of many ``.*`` can be)."""
    p = t = 0
    star = -1
    mark = 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def compare(op: str, left: Decimal, right: Decimal, tolerance: Decimal) -> bool:
    if op == "==":
        return abs(left - right) <= tolerance
    if op == "!=":
        return abs(left - right) > tolerance
    if op == "<=":
        return left <= right + tolerance
    if op == ">=":
        return left + tolerance >= right
    if op == "<":
        return left < right
    if op == ">":
        return left > right
    raise FormulaError(f"unknown comparison {op}")


#: operators written as in other languages or by hand → the one the grammar knows
_OPERATOR_HINTS = {"=<": "<=", "=>": ">=", "<>": "!=", "≤": "<=", "≥": ">=", "≠": "!=", "＝": "==", "=": "=="}


def _operator_hint(src: str, pos: int) -> str:
    """The fix for an unexpected character: ``=<`` → ``<=`` and friends,
    else the back-quote advice for names with special characters."""
    for wrong in sorted(_OPERATOR_HINTS, key=len, reverse=True):
        if src.startswith(wrong, pos) or (len(wrong) == 2 and src.startswith(wrong, pos - 1) and pos > 0):
            return f"write {_OPERATOR_HINTS[wrong]!r} instead of {wrong!r}"
    return "names with special characters go in `back quotes`"
