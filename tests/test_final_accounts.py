"""Golden tests of the 部门决算 recognizer on the real seeds: which tables it
finds, how many rows, and a handful of cells with the lines they sit on."""
from __future__ import annotations

from pathlib import Path

import pytest

from budgetlint.core.loading import load_document
from budgetlint.core.testing import make_host
from budgetlint.plugins.recognizers.final_accounts import role_for_title, roles

ROOT = Path(__file__).resolve().parents[1]
S004 = ROOT / "samples" / "004_4b65da696dc0427c.txt"
S002 = ROOT / "samples" / "002_5ce8aee0cc10826a.txt"


@pytest.fixture(scope="module")
def fa004() -> dict:
    doc = load_document(S004, make_host())
    assert not doc.get("recognizer_errors")
    return doc


@pytest.fixture(scope="module")
def fa002() -> dict:
    doc = load_document(S002, make_host())
    assert not doc.get("recognizer_errors")
    return doc


def _table(doc: dict, role: str) -> dict:
    return next(t for t in doc["final_accounts"]["tables"] if t["role"] == role)


def _row(table: dict, name: str, side: str | None = None) -> dict:
    return next(r for r in table["rows"] if r["name"] == name and (side is None or r.get("side") == side))


def test_004_nine_tables_in_order_with_codes(fa004: dict) -> None:
    fa = fa004["final_accounts"]
    assert fa["template"] == "公开"
    assert [t["role"] for t in fa["tables"]] == roles()
    assert [t["code"] for t in fa["tables"]] == [
        "公开01表", "公开02表", "公开03表", "公开04表", "公开05表", "公开06表", "公开06表", "公开08表", "公开09表"]
    assert [len(t["rows"]) for t in fa["tables"]] == [42, 15, 15, 38, 12, 82, 1, 1, 1]  # 总表: 12 收入 + 30 支出 lines
    assert [t["empty"] for t in fa["tables"]] == [False] * 7 + [True, True]
    assert all(t["explained"] for t in fa["tables"] if t["empty"])


def test_004_cells_and_lines(fa004: dict) -> None:
    t05 = _table(fa004, "一般公共预算财政拨款支出决算表")
    assert [c["role"] for c in t05["columns"]] == ["本年支出.合计", "本年支出.基本支出", "本年支出.项目支出"]
    r = _row(t05, "20199")
    assert r["level"] == "款" and r["loc"]["line"] == 283
    assert r["cells"]["本年支出.合计"]["value"] == "7.92"
    assert r["cells"]["本年支出.项目支出"]["value"] == "7.93"
    assert r["cells"]["本年支出.基本支出"]["exact"] is True
    t02 = _table(fa004, "收入决算表")
    assert _row(t02, "合计")["cells"]["其他收入"]["value"] == "21.89"
    t01 = _table(fa004, "收入支出决算总表")
    other = _row(t01, "其他支出", side="支出")
    assert other["cells"]["金额"]["value"] == "21.90" and other["loc"]["line"] == 144
    t06 = _table(fa004, "一般公共预算财政拨款基本支出决算表")
    assert _row(t06, "公用经费合计")["cells"]["决算"]["value"] == "33.30"  # printed in the last column
    nv = fa004["named_values"]
    assert nv["支出决算表.合计.基本支出"]["value"] == "403.67"
    assert nv["支出决算表.合计.基本支出"]["loc"]["line"] == 197
    assert nv["三公.预算.合计"]["value"] == "1.00"
    assert nv["财政拨款收入支出决算总表.支出.本年支出合计.一般公共预算财政拨款"]["value"] == "500.57"


def test_004_toc_lists_the_nine_tables(fa004: dict) -> None:
    toc = fa004["final_accounts"]["toc"]
    assert [e["role"] for e in toc] == roles()
    assert toc[6]["loc"]["line"] == 23


def test_002_batch_template_and_caption_only_tables(fa002: dict) -> None:
    fa = fa002["final_accounts"]
    assert fa["template"] == "财决批复"
    assert [t["slot"] for t in fa["tables"]] == list(range(1, 10))
    by_slot = {t["slot"]: t for t in fa["tables"]}
    assert by_slot[1]["role"] == "收入支出决算总表"
    assert by_slot[9]["role"] == "财政拨款“三公”经费支出决算表"
    for slot, line in ((7, 326), (8, 341)):
        t = by_slot[slot]
        assert t["block"] is None and t["empty"] and t["explained"]
        assert t["loc"]["line"] == line
        assert "故本表无数据" in t["explanation"]
    assert [len(by_slot[s]["rows"]) for s in range(1, 10)] == [42, 20, 20, 38, 20, 83, 0, 0, 1]


def test_002_shifted_rows_map_by_column_numbering(fa002: dict) -> None:
    t05 = _table(fa002, "一般公共预算财政拨款支出决算表")
    assert len(t05["columns"]) == 13
    r = _row(t05, "2101101")
    assert r["loc"]["line"] == 270
    assert r["cells"]["本年收入.合计"]["value"] == "27.07"
    assert r["cells"]["本年支出.基本支出"]["value"] == "27.07"
    assert r["cells"]["年末结转和结余.项目支出结余"]["value"] == "0.00"
    t02 = _table(fa002, "收入决算表")
    assert _row(t02, "210")["cells"]["合计"]["value"] == "42.68"


def test_002_three_public_budget_equals_actual_exposed(fa002: dict) -> None:
    nv = fa002["named_values"]
    assert nv["三公.预算.合计"]["value"] == "6.52"
    assert nv["三公.决算.合计"]["value"] == "6.52"
    assert nv["三公.预算.公务接待费"]["value"] == "1.13"
    assert nv["三公.决算.公务用车购置及运行费.公务用车运行费"]["value"] == "5.39"
    assert nv["三公.决算.合计"]["loc"]["line"] == 368
    assert nv["一般公共预算财政拨款基本支出决算表.人员经费合计.决算"]["value"] == "392.75"


@pytest.mark.parametrize("title, role", [
    ("收入支出决算批复表", "收入支出决算总表"),
    ("财政拨款“三公”经费支出决批复表", "财政拨款“三公”经费支出决算表"),
    ("一般公共预算财政拨款基本支出决算明细批复表", "一般公共预算财政拨款基本支出决算表"),
    ("2020年度政府性基金预算财政拨款收入支出决算表", "政府性基金预算财政拨款收入支出决算表"),
    ("一般公共预算财政拨款收入支出决算批复表", "一般公共预算财政拨款支出决算表"),
    ("支出决算表", "支出决算表"),
])
def test_title_aliases(title: str, role: str) -> None:
    assert role_for_title(title)["role"] == role


def test_title_that_is_not_a_table() -> None:
    assert role_for_title("三、支出决算情况说明") is None
