"""The statements recognizer on the real 部门决算 seeds (002: 2024, 004: 2020)."""
from __future__ import annotations

from pathlib import Path

import pytest

from budgetlint.core.errors import PluginError
from budgetlint.core.loading import load_document
from budgetlint.core.testing import make_host
from budgetlint.plugins.recognizers.statements import load_patterns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def doc004() -> dict:
    return load_document(str(ROOT / "samples/004_4b65da696dc0427c.txt"), make_host())


@pytest.fixture(scope="module")
def doc002() -> dict:
    return load_document(str(ROOT / "samples/002_5ce8aee0cc10826a.txt"), make_host())


def at(doc: dict, line: int, kind: str) -> list[dict]:
    return [s for s in doc["statements"] if s["loc"].get("line") == line and s["kind"] == kind]


def test_change_takes_its_base_from_the_previous_sentence(doc004: dict) -> None:
    (st,) = at(doc004, 380, "change")
    assert st["amount"]["value"] == "522.47"
    assert st["change"] == {"value": "197.95", "decimals": 2, "text": "197.95万元"}
    assert st["rate"]["value"] == "37.9" and st["rate"]["decimals"] == 1
    assert st["direction"] == "增加" and st["rate_direction_text"] == "增长"
    assert st["subject"] == "收入总计"


def test_paragraph_joined_across_pdf_wrap_keeps_its_line_span(doc004: dict) -> None:
    (st,) = at(doc004, 396, "change")
    assert st["loc"] == {"line": 396, "end_line": 398}
    assert st["change"]["value"] == "180.52"


def test_zero_budget_completion_takes_subject_from_numbered_item(doc004: dict) -> None:
    (st,) = at(doc004, 416, "completion")
    assert (st["budget"]["value"], st["actual"]["value"], st["completion"]["value"]) == ("0", "5", "100")
    assert st["subject"] == "一般公共服务档案事务费"


def test_shares_resolve_enumeration_and_named_denominators(doc002: dict) -> None:
    base, project = at(doc002, 390, "share")
    assert base["subject"] == "基本支出" and base["total"]["value"] == "660.56"
    assert base["total_from"] == "enumeration" and project["share"]["value"] == "28.5"
    # 人员经费 in the paragraph after “基本支出 472.58 万元，其中：”
    (staff,) = at(doc002, 454, "share")
    assert staff["denominator"] == "基本支出" and staff["total"]["value"] == "472.58"
    # the 一般公共服务(类) list follows a lead paragraph ending with “：”
    shares = at(doc002, 406, "share")
    assert [s["total"]["value"] for s in shares] == ["660.56"] * 4


def test_sangong_statements_and_counts(doc002: dict) -> None:
    (comp,) = at(doc002, 462, "completion")
    assert comp["topic"] == "三公经费" and comp["budget"]["value"] == "11"
    counts = {s["subject"]: s["count"]["value"] for s in at(doc002, 476, "count")}
    assert counts == {"公务接待批次": "12", "公务接待人次": "107"}
    flat = [s for s in at(doc002, 466, "change")]
    assert flat and flat[0]["direction"] == "持平"


def test_attached_report_change_does_not_borrow_an_unrelated_base(doc002: dict) -> None:
    (st,) = at(doc002, 574, "change")
    assert st["topic"] == "三公经费" and st["change"]["value"] == "0.06"
    assert "amount" not in st  # the amount before it is 公务接待费 1.13, another topic
    assert st["part"] != at(doc002, 462, "change")[0]["part"]


def test_glossary_terms(doc004: dict, doc002: dict) -> None:
    assert "用事业基金弥补收支差额" in [g["term"] for g in doc004["glossary"]]
    assert "使用非财政拨款结余" in [g["term"] for g in doc002["glossary"]]
    # glossary paragraphs are not statements
    assert not [s for s in doc004["statements"] if 506 <= s["loc"].get("line", 0) <= 520]


def test_bad_pattern_file_is_a_one_line_plugin_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("num: '\\\\d+'\nsubject_boundary: ','\nenumeration_lead: '其中'\n"
                   "patterns:\n  - {kind: amount, pattern: '(?P<amount>{num}万元'}\n", encoding="utf-8")
    with pytest.raises(PluginError, match="invalid statement pattern"):
        load_patterns(str(bad))
