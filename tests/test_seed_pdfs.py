"""The PDF versions of seeds 002 and 004 give the findings of their text
originals.

samples/002_5ce8aee0cc10826a.pdf and samples/004_4b65da696dc0427c.pdf are
the whole seeds (headings, paragraphs, every table with merged header cells,
wide tables on landscape pages) printed by LibreOffice from the DOCX that
scripts/make_samples.py renders from the text loader's reading of the seed.
So the same rules must fire on the same cells with the same numbers and the
same messages; only the location format differs (``line`` against ``page`` +
``bbox``).  Differences that cannot be helped are listed below with their
reason; each one is a known limitation, not a licence.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.testing import make_host

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ("002_5ce8aee0cc10826a", "004_4b65da696dc0427c")

# Location keys that are the location *format* or an artefact of it, ignored.
FORMAT_KEYS = {
    "line", "end_line",            # text
    "page", "pages", "bbox",       # PDF
    "block",                       # block ids count blocks, and a PDF joins/splits some paragraphs differently
}

# Rules whose message (and operand labels) still assume line numbers, as
# rule_id → reason; their findings are compared without the wording.  Empty
# since fa-text-facts-agree and scorecard-execution-rate-scored-twice use
# core.checks.place(); test_pdf_messages_name_real_places keeps it so.
MESSAGE_ASSUMES_LINES: dict[str, str] = {}


def _human(loc: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    # whitespace is layout ("(一) 财政…" in the text export, "(一)财政…" in the PDF)
    return tuple(sorted((k, re.sub(r"\s+", "", str(v))) for k, v in loc.items() if k not in FORMAT_KEYS))


# A message or operand label names the place of a figure the way the format
# does (“第341行” / “第11页”).
_PLACE = re.compile(r"第\d+(行|页)")


def finding_key(f: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a clerk reads in a finding except where it points."""
    wording = f["rule_id"] not in MESSAGE_ASSUMES_LINES
    operands = tuple((str(o.get("value")), o.get("text"), _PLACE.sub("第…处", o.get("label") or "") if wording else None)
                     for o in f.get("operands") or [])
    message = _PLACE.sub("第…处", f.get("message") or "") if wording else None
    return (f["rule_id"], f["severity"], f.get("kind"), _human(f.get("location", {})),
            str(f.get("expected")), str(f.get("actual")), message, operands)


@functools.cache
def _report(path: str) -> dict[str, Any]:
    return Checker(host=make_host()).check_file(ROOT / path)


def _pair(seed: str) -> tuple[dict[str, Any], dict[str, Any]]:
    return _report(f"samples/{seed}.txt"), _report(f"samples/{seed}.pdf")


def _comparable(findings: list[dict[str, Any]]) -> Counter:
    return Counter(finding_key(f) for f in findings)


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_is_read_as_pdf_with_the_same_parts(seed):
    text, pdf = _pair(seed)
    assert pdf["document"]["status"] == "checked", pdf["document"].get("error")
    assert pdf["document"]["format"] == "pdf"
    assert not pdf["document"].get("warnings"), pdf["document"].get("warnings")
    parts = [[(p["type"], p.get("year"), p["rule_pack"]) for p in r["document"]["parts"]] for r in (text, pdf)]
    assert parts[1] == parts[0]
    for key in ("fiscal_year", "department", "money_unit"):
        assert pdf["document"]["meta"].get(key) == text["document"]["meta"].get(key), key


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_findings_equal_text_findings_but_for_location_format(seed):
    text, pdf = _pair(seed)
    assert text["findings"], "the seed has real defects; no findings means the checker broke"
    want, got = _comparable(text["findings"]), _comparable(pdf["findings"])
    missing = sorted(want - got, key=str)
    extra = sorted(got - want, key=str)
    assert not missing and not extra, (
        f"{seed}: only in the text original: {missing[:5]} … ; only in the PDF: {extra[:5]} …")


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_findings_point_at_pages(seed):
    """Every finding of the PDF has a page and box instead of a line."""
    _, pdf = _pair(seed)
    n_pages = None
    for f in pdf["findings"]:
        loc = f["location"]
        assert "line" not in loc
        assert isinstance(loc.get("page"), int) and loc["page"] >= 1, f
        assert len(loc.get("bbox") or []) == 4, f
        n_pages = max(n_pages or 0, loc["page"])
    assert n_pages and n_pages > 10  # findings spread over the tables, the 情况说明 and the 自评表


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_evaluates_the_same_rules(seed):
    """Same status per rule and part (a rule that passes on the text passes
    on the PDF, a gap stays a gap); checked counts may differ slightly where
    the PDF joins or splits paragraphs."""
    text, pdf = _pair(seed)
    status = [Counter((e["rule_id"], e["part_type"], e["status"]) for e in r["evaluations"]) for r in (text, pdf)]
    assert status[1] == status[0]


_NO_PLACE = re.compile(r"第None[行页]|第[行页]|None行")


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_messages_name_real_places(seed):
    """A message that points at another figure must say where it is in the
    PDF (第11页), not 第None行 or 第行 (both seen before the checks used
    core.checks.place())."""
    _, pdf = _pair(seed)
    assert any(re.search(r"第\d+页", f["message"]) for f in pdf["findings"])
    bad = [(f["rule_id"], f["message"]) for f in pdf["findings"]
           if _NO_PLACE.search(f["message"]) or any(_NO_PLACE.search(o.get("label") or "") for o in f.get("operands") or [])]
    assert not bad, bad


def _make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("seed", SEEDS)
def test_committed_pdf_has_fixed_dates_and_id(seed):
    """Regenerating gives the same bytes on the same LibreOffice: the dates
    and ID LibreOffice stamps are replaced without moving a byte."""
    pytest.importorskip("docx")
    ms = _make_samples()
    data = (ROOT / "samples" / f"{seed}.pdf").read_bytes()
    assert b"/CreationDate(D:20250101000000" in data
    stamped = re.sub(rb"D:20250101000000", b"D:20991231235959", data)
    stamped = re.sub(rb"(/ID\s*\[\s*<)([0-9A-F])", lambda m: m.group(1) + (b"0" if m.group(2) != b"0" else b"1"), stamped)
    assert stamped != data and len(stamped) == len(data)
    seed_text = next(k for k, v in ms.PDF_SEEDS.items() if v.startswith(seed[:3]))
    docx = ms.make_full_docx(ms.text_document(seed_text)["blocks"], ms.PDF_TITLES[seed_text])
    assert ms.normalise_pdf(stamped, docx) == data


@pytest.mark.parametrize("seed", SEEDS)
def test_pdf_document_follows_the_schema(seed):
    """Tables continued over pages carry ``loc.pages``, which the document
    schema must allow (the report side: tests/test_schemas.py checks samples/)."""
    from budgetlint.core.loading import load_document
    from budgetlint.core.schemas import validate_document

    doc = load_document(ROOT / "samples" / f"{seed}.pdf", make_host())
    assert any(len(b["loc"].get("pages", [])) > 1 for b in doc["blocks"] if b["type"] == "table")
    assert validate_document(doc) == []
