"""Real layouts the project was not built on: the two Shanghai 2025 部门决算
given as plain text copied out of a PDF viewer (their ``page_texts`` joined
with blank lines), read in place from ../shared/real-docs/ and never copied
into the repository; skipped with a reason where ../shared is absent.

The parse is verified against the same documents' ``page_tables`` (what the
tables really hold, extracted from the PDFs), read at test time: nothing
here is a number copied from the documents.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.loading import load_document
from budgetlint.core.testing import shared_dir
from budgetlint.plugins.recognizers.final_accounts import roles

SHARED = shared_dir(Path(__file__).resolve().parent)
TEXTS = SHARED / "real-docs" / "final-accounts-2025-text" if SHARED else Path("/nonexistent")
pytestmark = pytest.mark.skipif(not TEXTS.is_dir(), reason="../shared/real-docs/final-accounts-2025-text is absent: "
                                "the third-party real documents are read there and never copied into the repository")
DOCS = {"street": "shanghai-putuo-shiquan-street-2025-final-accounts.pages.json",
        "bureau": "shanghai-putuo-ecology-bureau-2025-final-accounts.pages.json"}
HYGIENE = ("hygiene-section-numbering", "hygiene-repeated-paragraph", "hygiene-latin-in-prose")
AMOUNT = re.compile(r"^-?[\d,]+\.\d{2}$")
CODE = re.compile(r"^\d{3}(\d{2}){0,2}$")


def _pages(name: str) -> dict[str, Any]:
    return json.loads((TEXTS / DOCS[name]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker()


@pytest.fixture(scope="module")
def txt(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The documents as a clerk's .txt: page texts joined with blank lines."""
    out = {}
    folder = tmp_path_factory.mktemp("real-layouts")
    for name in DOCS:
        path = folder / f"{name}.txt"
        path.write_text("\n\n".join(_pages(name)["page_texts"]), encoding="utf-8")
        out[name] = path
    return out


@pytest.fixture(scope="module")
def parsed(checker: Checker, txt: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {name: load_document(path, checker.host) for name, path in txt.items()}


@pytest.fixture(scope="module")
def checked(checker: Checker, txt: dict[str, Path]) -> dict[str, dict[str, Any]]:
    return {name: checker.check_file(path) for name, path in txt.items()}


@pytest.mark.parametrize("name", DOCS)
def test_all_nine_tables_are_recognised(parsed: dict[str, dict[str, Any]], name: str) -> None:
    fa = parsed[name]["final_accounts"]
    assert sorted(t["role"] for t in fa["tables"] if t["role"]) == sorted(roles())
    blocks = {b["id"]: b for b in parsed[name]["blocks"]}
    for t in fa["tables"]:
        assert t["block"] and blocks[t["block"]]["source_shape"] == "space_rows", t["role"]
        assert not t.get("title_misprint"), t["title"]


@pytest.mark.parametrize("name", DOCS)
def test_parse_text_outline_says_which_tables(txt: dict[str, Path], name: str) -> None:
    from click.testing import CliRunner

    from budgetlint.core.cli import main

    res = CliRunner().invoke(main, ["parse", str(txt[name]), "--format", "text"])
    assert res.exit_code == 0, res.output
    assert "9 of 9 recognised" in res.output
    for role in roles():
        assert f"✓ {role} ·" in res.output


def _truth_by_column(name: str) -> dict[tuple[str, str], set[Decimal]]:
    """(function code, column label) → the amounts page_tables print there.
    A page_tables row naming at least two known column labels is a header;
    a coded row's amount cells are its last cells, one per header label
    (continuation pages reuse the last header)."""
    from budgetlint.core.document import compact
    from budgetlint.plugins.recognizers.final_accounts import config

    known = {"本年收入合计": "合计", "本年支出合计": "合计"}
    for layouts in config()["space_layouts"].values():
        for layout in layouts:
            known.update({c: c for c in layout.get("columns", []) if "." not in c})
    out: dict[tuple[str, str], set[Decimal]] = {}
    labels: list[str] = []
    for page in _pages(name)["page_tables"]:
        for table in page:
            for row in table:
                cells = [compact(c or "") for c in row]
                found = [known[c] for c in cells if c in known]
                if len(found) >= 2:
                    labels = found
                    continue
                if any(c.startswith("经济分类") for c in cells):
                    labels = []  # the 经济分类 table: not a function table
                if not labels or not cells or not CODE.match(cells[0]) or len(cells) < len(labels):
                    continue
                for label, cell in zip(labels, cells[-len(labels):]):
                    value = Decimal(cell.replace(",", "")) if AMOUNT.match(cell) else Decimal(0)
                    out.setdefault((cells[0], label), set()).add(value)
    return out


@pytest.mark.parametrize("name", DOCS)
def test_function_columns_hold_the_amounts_of_the_real_tables(parsed: dict[str, dict[str, Any]], name: str) -> None:
    """Every amount the recognizer puts in a column of a coded row is what
    page_tables print under that column's header for that code — all
    columns where the text prints every cell, the row total where the text
    drops empty cells (the row is then ``partial``)."""
    truth = _truth_by_column(name)
    checked_cells = 0
    for t in parsed[name]["final_accounts"]["tables"]:
        if t["kind"] != "function" or t["empty"]:
            continue
        first = t["columns"][0]["role"]
        for row in t["rows"]:
            if not row["code"]:
                continue
            if row.get("partial"):
                assert list(row["cells"]) == [first], (t["role"], row["code"])
            for role, cell in row["cells"].items():
                want = truth.get((row["code"], role))
                assert want is not None, (t["role"], row["code"], role)
                assert Decimal(cell["value"]) in want, (t["role"], row["code"], role, cell["value"], want)
                checked_cells += 1
    assert checked_cells >= 150


def test_economic_codes_printed_in_two_columns_are_joined(parsed: dict[str, dict[str, Any]]) -> None:
    """The bureau prints 经济分类 codes as 类 | 款 (“302 01”): read as 30201."""
    (t,) = [t for t in parsed["bureau"]["final_accounts"]["tables"] if t["kind"] == "economic"]
    coded = [r for r in t["rows"] if r["code"] and r["cells"]]
    assert len([r for r in coded if len(r["code"]) == 5]) >= 40
    assert not [r for r in coded if r["cells"]["决算"]["value"] in ("01", "02")]
    joined = 0
    for pair in _pages("bureau")["page_tables"]:
        for table in pair:
            for row in table:
                cells = [(c or "").strip() for c in row]
                for i in range(len(cells) - 3):
                    if re.fullmatch(r"\d{3}", cells[i]) and re.fullmatch(r"\d{2}", cells[i + 1]) \
                            and AMOUNT.match(cells[i + 3]):
                        code, amount = cells[i] + cells[i + 1], Decimal(cells[i + 3].replace(",", ""))
                        (r,) = [r for r in coded if r["code"] == code]
                        assert Decimal(r["cells"]["决算"]["value"]) == amount, code
                        joined += 1
    assert joined >= 40


def test_two_sided_total_table_of_the_2025_template(parsed: dict[str, dict[str, Any]]) -> None:
    """“收入决算数 / 支出决算数” headers; the 支出 side has one column per fund."""
    named = parsed["bureau"]["named_values"]
    total = named["财政拨款收入支出决算总表.支出.本年支出合计.金额"]["value"]
    assert named["财政拨款收入支出决算总表.支出.本年支出合计.一般公共预算财政拨款"]["value"] == total
    assert named["财政拨款收入支出决算总表.收入.本年收入合计.金额"]["value"] == total
    assert named["收入支出决算总表.收入.本年收入合计.金额"]["value"] == named["收入决算表.合计.合计"]["value"]
    assert named["支出决算表.合计.合计"]["value"] == named["收入支出决算总表.支出.本年支出合计.金额"]["value"]


def test_three_public_row_matches_page_tables(parsed: dict[str, dict[str, Any]]) -> None:
    (t,) = [t for t in parsed["bureau"]["final_accounts"]["tables"] if t["kind"] == "three_public"]
    ((row,),) = [[r for r in t["rows"] if not r.get("partial")]]
    got = [Decimal(row["cells"][c["role"]]["value"]) for c in t["columns"]]
    truth = [[Decimal(c.replace(",", "")) for c in r] for page in _pages("bureau")["page_tables"] for tb in page
             for r in tb if r and len(r) == 12 and all(AMOUNT.match((c or "").strip()) for c in r)]
    assert got in truth
    named = parsed["bureau"]["named_values"]
    assert Decimal(named["三公.预算.合计"]["value"]) == got[0]
    assert Decimal(named["三公.决算.公务接待费"]["value"]) == got[11]


@pytest.mark.parametrize("name", DOCS)
def test_empty_tables_are_explained(parsed: dict[str, dict[str, Any]], name: str) -> None:
    empty = [t for t in parsed[name]["final_accounts"]["tables"] if t["empty"]]
    assert len(empty) == 2 and all(t["explained"] for t in empty)


@pytest.mark.parametrize("name,department", [("street", "上海市普陀区人民政府石泉路街道办事处"),
                                             ("bureau", "上海市普陀区生态环境局")])
def test_department_is_read_from_the_cover(parsed: dict[str, dict[str, Any]], name: str, department: str) -> None:
    assert parsed[name]["meta"]["department"] == department


@pytest.mark.parametrize("name", DOCS)
def test_no_hygiene_finding_on_tables_or_toc(parsed: dict[str, dict[str, Any]], checked: dict[str, dict[str, Any]],
                                             name: str) -> None:
    """Table rows and the 目录 are never prose: no numbering / repeated
    paragraph / Latin-word finding falls on them — and none at all on these
    two documents, whose prose has no such defect."""
    doc = parsed[name]
    table_lines = set()
    for b in doc["blocks"]:
        if b["type"] == "table":
            table_lines.update(range(b["loc"]["line"], b["loc"]["end_line"] + 1))
    first_body = next(b["loc"]["line"] for b in doc["blocks"] if b["type"] == "table")
    hygiene = [f for f in checked[name]["findings"] if f["rule_id"] in HYGIENE]
    assert not [f for f in hygiene if f["location"].get("line") in table_lines]
    assert hygiene == [], [(f["rule_id"], f["location"].get("line"), f["message"]) for f in hygiene]
    assert first_body > 80  # the TOC and the 概况 precede the tables: they were checked too


def test_text_loader_does_not_take_prose_numbers_for_tables(parsed: dict[str, dict[str, Any]]) -> None:
    """Wrapped 情况说明 lines ending in an amount (“… 4733.14” / “万元。…”)
    stay prose: every table block sits between a money-unit line and its 注."""
    tables = [b for b in parsed["bureau"]["blocks"] if b["type"] == "table"]
    assert len(tables) == 9
    assert all(b.get("unit") == "万元" for b in tables)


def test_labels_wrapped_around_their_row_are_joined(parsed: dict[str, dict[str, Any]]) -> None:
    """The street office wraps long labels around the code line (“文化旅游体育与”
    / “207 82.51 82.51” / “传媒支出”): every coded row's label is the one the
    PDF table prints for that code."""
    from budgetlint.core.document import compact

    truth: dict[str, set[str]] = {}
    for page in _pages("street")["page_tables"]:
        for table in page:
            for row in table:
                cells = [compact(c or "") for c in row]
                if len(cells) > 1 and CODE.match(cells[0]) and cells[1]:
                    truth.setdefault(cells[0], set()).add(cells[1])
    rows = [(t["role"], r) for t in parsed["street"]["final_accounts"]["tables"] if t["kind"] == "function"
            for r in t["rows"]]
    coded = [(role, r) for role, r in rows if r["code"] in truth]
    assert len(coded) >= 150
    wrong = [(role, r["code"], r["label"]) for role, r in coded if compact(r["label"] or "") not in truth[r["code"]]]
    assert wrong == []
    assert not [r["label"] for _, r in rows if not r["code"] and r["label"] not in ("合计",)]


def test_columns_another_table_shows_zero_place_the_dropped_cells(parsed: dict[str, dict[str, Any]]) -> None:
    """The street office prints no empty cells; its 总表 shows that only
    财政拨款 income exists, so every 收入决算表 row reads [合计, 财政拨款收入]
    and the 财政拨款总表 支出 side [金额, 一般公共预算财政拨款] (values checked
    against page_tables by test_function_columns_hold_the_amounts_of_the_real_tables)."""
    tables = {t["role"]: t for t in parsed["street"]["final_accounts"]["tables"]}
    income = tables["收入决算表"]
    assert income["rows"] and not [r for r in income["rows"] if r.get("partial")]
    assert all(r["cells"]["事业收入"]["value"] == "0" for r in income["rows"] if r["code"])
    two = tables["财政拨款收入支出决算总表"]
    right = [r for r in two["rows"] if r["side"] == "支出" and "一般公共预算财政拨款" in r["cells"]]
    assert len(right) >= 10
    assert all(r["cells"]["一般公共预算财政拨款"]["value"] == r["cells"]["金额"]["value"] for r in right)
    # the 支出 tables stay partial: nothing tells 基本支出 from 项目支出 there
    assert [r for r in tables["支出决算表"]["rows"] if r.get("partial")]
