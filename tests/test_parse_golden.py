"""Golden tests: what the loader and the structure recognizers make of the
five real seed reports, checked by reading the seeds (see the seeds README).

They go through the public API (``make_host`` + ``load_document``) and, for a
few, through the CLI, so a regression anywhere between bytes and canonical
document shows up here with the seed line it concerns."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from budgetlint.core.values import parse_value, to_decimal


@pytest.fixture(scope="module")
def docs(seeds, load) -> dict[str, dict]:
    return {k: load(p) for k, p in seeds.items()}


def _tables(doc: dict, **match) -> list[dict]:
    return [b for b in doc["blocks"] if b["type"] == "table" and all(b.get(k) == v for k, v in match.items())]


def _row_with(table: dict, text: str) -> list[dict]:
    rows = [r for r in table["rows"] if any(c["text"] == text for c in r)]
    assert len(rows) == 1, f"{text!r} found in {len(rows)} rows of table {table['id']}"
    return rows[0]


def _filled(row: list[dict]) -> list[str]:
    return [c["text"] for c in row if c["text"]]


# ----------------------------------------------------------------- tables

def test_004_gongkai05_row_20199(docs):
    """公开05表 line 283: ``20199 其他一般公共服务支出 7.92 0.00 7.93`` (tab row)."""
    (table,) = _tables(docs["004"], code="公开05表")
    assert table["title"] == "一般公共预算财政拨款支出决算表" and table["unit"] == "万元"
    row = _row_with(table, "20199")
    assert _filled(row) == ["20199", "其他一般公共服务支出", "7.92", "0.00", "7.93"]
    amounts = [c for c in row if c.get("value", {}).get("kind") == "number" and c["text"] != "20199"]
    assert [c["value"]["number"] for c in amounts] == ["7.92", "0.00", "7.93"]
    assert all(c["value"]["decimals"] == 2 for c in amounts)
    assert [to_decimal(c["value"]) for c in amounts] == [Decimal("7.92"), Decimal("0"), Decimal("7.93")]
    assert {c["loc"]["line"] for c in row} == {283}
    assert [c["col"] for c in row] == [0, 1, 2, 3, 4]
    assert table["header_rows"] >= 1 and table["rows"].index(row) >= table["header_rows"]


def test_004_table_codes_are_printed_ones(docs):
    """The nine 公开 tables get their codes from the caption lines.  The seed
    prints 公开06表 twice (line 331 is the 三公 table, really 公开07表); the
    loader keeps what is printed — spotting it is a rule's job."""
    codes = [(b["code"], b["title"]) for b in _tables(docs["004"]) if b.get("code")]
    assert [c for c, _ in codes] == ["公开01表", "公开02表", "公开03表", "公开04表", "公开05表", "公开06表",
                                     "公开06表", "公开08表", "公开09表"]
    assert codes[6][1] == "一般公共预算财政拨款“三公”经费支出决算表"
    (first,) = _tables(docs["004"], code="公开01表")
    assert first["page_breaks"] == [138]  # a page break inside the table does not split it
    assert first["loc"] == {"line": 118, "end_line": 151}
    assert first["notes"][0]["text"].startswith("注：1.本表反映部门本年度的总收支")


def test_002_caifu_tables_and_empty_ones(docs):
    codes = [b["code"] for b in _tables(docs["002"]) if b.get("code")]
    # 财决批复07/08表 are empty in the PDF (only a 说明 note): no grid, no table block
    assert codes == ["财决批复01表", "财决批复02表", "财决批复03表", "财决批复04表", "财决批复05表", "财决批复06表",
                     "财决批复09表"]
    assert all(b["unit"] == "万元" for b in _tables(docs["002"]) if b.get("code"))


def test_001_cell_per_line_row_is_one_row(docs):
    """Seed 001 (DOCX export, one cell per line): 重要文稿撰写 / 300篇以上 / 400 / 20 / 20
    on lines 76-80 are one table row with parsed values."""
    table = docs["001"]["blocks"][2]
    assert table["source_shape"] == "cell_per_line"
    row = _row_with(table, "重要文稿撰写")
    assert _filled(row) == ["产出指标(50分)", "数量指标", "重要文稿撰写", "300篇以上", "400", "20", "20"]
    by_text = {c["text"]: c for c in row}
    target = by_text["300篇以上"]["value"]
    assert target == {"kind": "target", "number": "300", "decimals": 0, "unit": "篇", "comparator": ">=",
                      "qualifier": "以上"}
    assert by_text["400"]["value"]["number"] == "400"
    assert by_text["重要文稿撰写"]["loc"] == {"line": 76, "end_line": 76}
    assert by_text["300篇以上"]["loc"]["line"] == 77
    assert by_text["产出指标(50分)"]["value"]["label"] == "产出指标"
    # the vertical heading 绩/效/指/标 (lines 56-59) is joined into one cell
    head = next(c for r in table["rows"] for c in r if c["text"] == "绩效指标")
    assert head["loc"] == {"line": 56, "end_line": 59}


def test_000_pipe_table_row_line_144(docs):
    (table,) = _tables(docs["000"])
    assert table["source_shape"] == "markdown"
    row = _row_with(table, "高质量完成各类讲话稿")
    assert _filled(row)[-4:] == ["70篇以上", "140余篇", "10", "10"]
    assert {c["loc"]["line"] for c in row} == {144}
    by_text = {c["text"]: c for c in row}
    assert by_text["70篇以上"]["value"]["comparator"] == ">=" and by_text["70篇以上"]["value"]["number"] == "70"
    assert by_text["140余篇"]["value"]["qualifier"] == "余"
    # <br> inside a cell: 产出指标<br>(50分) is one cell
    assert "产出指标(50分)" in by_text
    # the table continues after a page break as a second pipe table: one block
    assert table["continued_at_lines"]


def test_002_p_continuation_after_page_break_joins_the_cell(docs):
    """Seed 002 自评表: line 691 ``<p>示精神…</p> <p>（四）…`` (padded with tabs)
    continues the 实际完成情况 cell of line 689; it is not a row of its own."""
    (table,) = _tables(docs["002"], title="自评表")
    cell = next(c for r in table["rows"] for c in r if c["text"].startswith("（三）强化以文辅政"))
    assert cell["loc"] == {"line": 689, "end_line": 691}
    assert "示精神" in cell["text"] and "（四）以特色刊物展现株洲成绩" in cell["text"]
    assert "<p>" not in cell["text"]
    assert not any(c["loc"]["line"] == 691 and c["text"] for r in table["rows"] for c in r if c is not cell)


# ------------------------------------------------------------------ parts

EXPECTED_PARTS = {
    "000": [("部门整体支出绩效自评报告", "2020年度部门整体支出绩效自评报告", 3),
            ("绩效自评表/部门整体", "2020年度部门整体支出绩效自评表", 129)],
    "001": [("绩效自评表/部门整体", "部门整体支出绩效自评表", 1),
            ("部门整体支出绩效自评报告", "2021年度部门整体支出绩效自评报告", 187),
            ("绩效自评表/项目", "项目支出绩效自评表", 241),
            ("项目支出绩效自评报告", "炎帝祭祖项目支出绩效自评报告", 442),
            ("绩效自评表/项目", "项目支出绩效自评表", 463),
            ("项目支出绩效自评报告", "会议经费项目支出绩效自评报告", 663),
            ("绩效自评表/项目", "项目支出绩效自评表", 688),
            ("项目支出绩效自评报告", "工会经费项目支出绩效自评报告", 890),
            ("绩效自评表/项目", "项目支出绩效自评表", 904),
            ("项目支出绩效自评报告", "党代会项目支出绩效自评报告", 1102)],
    "002": [("部门决算", "部门决算", 3),
            ("部门整体支出绩效自评报告", "2024年度市委政策研究室整体支出绩效自评报告", 528),
            ("基础数据表", "基础数据表", 650),
            ("绩效自评表/部门整体", "自评表", 675)],
    "003": [("部门整体支出绩效自评报告", "2020年度部门整体支出绩效自评报告", 3),
            ("绩效自评表/部门整体", "2020年部门整体支出绩效自评表", 141)],
    "004": [("部门决算", "部门决算", 3),
            ("部门整体支出绩效自评报告", "2020年度部门整体支出绩效评价报告", 522),
            ("绩效自评表/部门整体", "2020年度部门整体支出绩效自评表", 628),
            ("绩效自评表/项目", "2020年度项目支出绩效自评表", 667),
            ("绩效自评表/项目", "2020年度项目支出绩效自评表", 699),
            ("绩效自评表/项目", "2020年度项目支出绩效自评表", 730)],
}
EXPECTED_META = {
    "000": (2020, "中共株洲市委政策研究室"),
    "001": (2021, "中共株洲市渌口区委办公室"),
    "002": (2024, "中共株洲市委政策研究室"),
    "003": (2020, "浏阳市人民政府办公室"),
    "004": (2020, "中共株洲市石峰区委办公室"),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED_PARTS))
def test_parts_of_each_seed(docs, seed):
    doc = docs[seed]
    got = [(p["type"], p["title"], p["loc"]["line"]) for p in doc["parts"]]
    assert got == EXPECTED_PARTS[seed]
    # parts tile the document in order, without gaps or overlaps
    assert doc["parts"][0]["first_block"] == 0 and doc["parts"][-1]["last_block"] == len(doc["blocks"]) - 1
    for a, b in zip(doc["parts"], doc["parts"][1:]):
        assert b["first_block"] == a["last_block"] + 1
    year, dept = EXPECTED_META[seed]
    assert doc["meta"]["fiscal_year"] == year and all(p["year"] == year for p in doc["parts"])
    assert doc["meta"]["department"] == dept
    assert doc["meta"]["money_unit"] == "万元"
    assert [t["type"] for t in doc["meta"]["doc_types"]] == list(dict.fromkeys(t for t, _, _ in EXPECTED_PARTS[seed]))


def test_001_report_tail_stays_with_its_report(docs):
    """The closing lines of a project report (三、偏离…措施。 / 无, lines 452-453)
    belong to that report, not to the scorecard titled on line 463."""
    doc = docs["001"]
    report, card = doc["parts"][3], doc["parts"][4]
    assert report["loc"] == {"line": 442, "end_line": 453}
    last = doc["blocks"][report["last_block"]]
    assert last["text"] == "无"
    scorecard = next(b for b in doc["blocks"][card["first_block"]:card["last_block"] + 1] if b["type"] == "table")
    assert any(c["text"] == "会议经费" for c in scorecard["rows"][0])


def test_003_scorecard_part_starts_at_its_attachment_label(docs):
    doc = docs["003"]
    first = doc["blocks"][doc["parts"][1]["first_block"]]
    assert first["text"] == "附件" and first["loc"]["line"] == 141
    last_of_report = doc["blocks"][doc["parts"][0]["last_block"]]
    assert last_of_report["text"].startswith("根据相关绩效评价参考指标，自评得分99分")


def test_cli_parse_text_outline_lists_parts(cli, seeds):
    proc = cli("parse", seeds["001"], "--format", "text")
    assert proc.returncode == 0, proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("== p")]
    assert len(lines) == 10
    assert lines[3].startswith("== p3 项目支出绩效自评报告 · 炎帝祭祖项目支出绩效自评报告 · year=2021 · L442-453")
    assert "| 重要文稿撰写 | 300篇以上 | 400 | 20 | 20 |" in proc.stdout


def test_cli_parse_json_has_the_20199_row(cli, seeds):
    proc = cli("parse", seeds["004"], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    (table,) = [b for b in doc["blocks"] if b.get("code") == "公开05表"]
    row = _row_with(table, "20199")
    assert [c["value"]["number"] for c in row if c.get("value")][1:] == ["7.92", "0.00", "7.93"]


def test_document_json_has_no_floats(cli, seeds):
    """Amounts are decimal strings in the JSON, never floats: parsing the whole
    output with floats forbidden succeeds."""
    def no_float(text: str):
        raise AssertionError(f"float {text} in document JSON")

    proc = cli("parse", seeds["002"], "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout, parse_float=no_float)
    assert any(c.get("value", {}).get("number") == "660.56" for b in doc["blocks"] if b["type"] == "table"
               for r in b["rows"] for c in r)


# -------------------------------------------------------------- encodings

def _strip_source(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "source"}


@pytest.mark.parametrize("seed,codec,expected", [("000", "gb18030", "gb18030"), ("004", "gb18030", "gb18030"),
                                                 ("001", "gbk", "gb18030"), ("003", "gbk", "gb18030")])
def test_gb_encoded_copy_parses_identically(docs, seeds, load, tmp_path, seed, codec, expected):
    text = seeds[seed].read_text(encoding="utf-8")
    data = text.encode(codec)
    copy = tmp_path / seeds[seed].name
    copy.write_bytes(data)
    doc = load(copy)
    assert doc["source"]["encoding"] == expected
    assert doc["source"]["size"] == len(data)
    assert doc["blocks"] == docs[seed]["blocks"]
    assert doc["parts"] == docs[seed]["parts"] and doc["meta"] == docs[seed]["meta"]


@pytest.mark.parametrize("bom,codec,expected", [(b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
                                                (b"\xff\xfe", "utf-16-le", "utf-16")])
def test_bom_copies_parse_identically(docs, seeds, load, tmp_path, bom, codec, expected):
    copy = tmp_path / seeds["001"].name
    copy.write_bytes(bom + seeds["001"].read_text(encoding="utf-8").encode(codec))
    doc = load(copy)
    assert doc["source"]["encoding"] == expected
    assert _strip_source(doc) == _strip_source(docs["001"])


def test_crlf_copy_parses_identically(docs, seeds, load, tmp_path):
    copy = tmp_path / seeds["004"].name
    copy.write_bytes(seeds["004"].read_bytes().replace(b"\n", b"\r\n"))
    doc = load(copy)
    assert _strip_source(doc) == _strip_source(docs["004"])


# ----------------------------------------------------------------- values

@pytest.mark.parametrize("text,expected", [
    ("≥98%", {"kind": "percent", "number": "98", "unit": "%", "comparator": ">="}),
    ("≧98%", {"kind": "percent", "number": "98", "unit": "%", "comparator": ">="}),
    ("＞90%", {"kind": "percent", "number": "90", "unit": "%", "comparator": ">"}),
    ("不低于95%", {"kind": "percent", "number": "95", "unit": "%", "comparator": ">="}),
    ("300篇以上", {"kind": "target", "number": "300", "unit": "篇", "comparator": ">=", "qualifier": "以上"}),
    ("70 篇以上", {"kind": "target", "number": "70", "unit": "篇", "comparator": ">=", "qualifier": "以上"}),
    ("20 余次", {"kind": "target", "number": "20", "unit": "次", "comparator": ">=", "qualifier": "余"}),
    ("10 万页", {"kind": "target", "number": "10", "unit": "万页"}),
    ("=100%", {"kind": "percent", "number": "100", "unit": "%", "comparator": "="}),
    ("≥ 25 期", {"kind": "target", "number": "25", "unit": "期", "comparator": ">="}),
    ("百分之九十五", {"kind": "percent", "number": "95", "unit": "%"}),
    ("三十余篇", {"kind": "target", "number": "30", "unit": "篇", "comparator": ">=", "qualifier": "余"}),
    ("95%左右", {"kind": "percent", "number": "95", "unit": "%", "comparator": "≈"}),
    ("≤ 0.5 万元", {"kind": "target", "number": "0.5", "decimals": 1, "unit": "万元", "comparator": "<="}),
    ("９８％", {"kind": "percent", "number": "98", "unit": "%"}),
    ("１０４９．４７", {"kind": "number", "number": "1049.47", "decimals": 2}),
    ("1,049.47", {"kind": "number", "number": "1049.47", "decimals": 2}),
    ("12,345,678.90", {"kind": "number", "number": "12345678.90", "decimals": 2}),
    ("100.00%", {"kind": "percent", "number": "100.00", "decimals": 2, "unit": "%"}),
    ("(5.65)", {"kind": "number", "number": "-5.65", "decimals": 2}),
    ("-0.00", {"kind": "number", "number": "0.00", "decimals": 2}),
    ("7.90", {"kind": "number", "number": "7.90", "decimals": 2}),
    ("产出指标(50分)", {"kind": "target", "number": "50", "unit": "分", "label": "产出指标"}),
    ("2次会议70个以上文件", {"kind": "multi", "numbers": ["2", "70"]}),
    ("—", {"kind": "dash"}), ("-", {"kind": "dash"}), ("——", {"kind": "dash"}), ("/", {"kind": "dash"}),
    ("", {"kind": "empty"}), ("\u3000 ", {"kind": "empty"}),
])
def test_parse_value_shapes(text, expected):
    got = parse_value(text)
    assert got is not None
    assert {k: got.get(k) for k in expected} == expected
    if "number" in got:
        assert isinstance(got["number"], str) and Decimal(got["number"]) == to_decimal(got)
        assert got["decimals"] == (len(got["number"].split(".")[1]) if "." in got["number"] else 0)


@pytest.mark.parametrize("text", ["较好", "一般", "圆满完成各项工作任务", None])
def test_parse_value_prose_is_not_a_quantity(text):
    assert parse_value(text) is None


def test_seed_targets_parse_to_comparators(docs):
    """Every 年度指标值 in the seeds that starts with a comparator sign parses
    with that comparator (no target is silently read as a bare number)."""
    signs = {"≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=", "＞": ">", ">": ">", "=": "="}
    seen = 0
    for doc in docs.values():
        for b in doc["blocks"]:
            if b["type"] != "table":
                continue
            for c in (c for r in b["rows"] for c in r):
                t = c["text"].strip()
                if t[:1] in signs and len(t) < 12:
                    seen += 1
                    assert c.get("value", {}).get("comparator") == signs[t[0]], (c["loc"], t, c.get("value"))
    assert seen >= 20
