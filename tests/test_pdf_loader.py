"""The PDF loader on real published 部门决算 PDFs (上海市普陀区, 2024) and on
the failure cases a clerk meets: a scanned PDF, an encrypted one, a
truncated download, a rotated landscape page."""
from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest

from budgetlint.core.document import grid
from budgetlint.core.errors import InputError, LimitExceededError
from budgetlint.core.values import to_decimal

from budgetlint.core.testing import shared_dir

SHARED = shared_dir(Path(__file__).resolve().parent)
PDF = SHARED / "real-pdfs" if SHARED else Path("/nonexistent/shared/real-pdfs")
needs_shared = pytest.mark.skipif(not PDF.is_dir(), reason="../shared/real-pdfs is absent: the third-party real "
                                  "documents are read there and never copied into the repository")
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
FINANCE = PDF / "shanghai-putuo-finance-bureau-2024-final-accounts.pdf"
PLANNING = PDF / "shanghai-putuo-planning-bureau-2024-final-accounts.pdf"
TEMPLATE = PDF / "shanghai-2024-final-accounts-template.pdf"

NINE = ["收入支出决算总表", "收入决算表", "支出决算表", "财政拨款收入支出决算总表", "一般公共预算财政拨款支出决算表",
        "一般公共预算财政拨款基本支出决算表", "财政拨款“三公”经费支出决算表", "政府性基金预算财政拨款收入支出决算表",
        "国有资本经营预算财政拨款收入支出决算表"]


@pytest.fixture(scope="module")
def docs(load):
    if not FINANCE.exists():
        pytest.skip("../shared/real-pdfs is absent: the real documents are never copied into the repository")
    return {p.name: load(p) for p in (FINANCE, PLANNING, TEMPLATE)}


def _table(doc: dict, title: str) -> dict:
    found = [b for b in doc["blocks"] if b["type"] == "table" and b.get("title") == title]
    assert len(found) == 1, f"{title}: {len(found)} tables"
    return found[0]


def _row(table: dict, *keys: str) -> list[dict]:
    """The dense grid row whose leading non-empty texts start with ``keys``."""
    for row in grid(table)[table["header_rows"]:]:
        texts = []
        for c in row:
            if c is not None and c["text"] and (not texts or texts[-1] is not c):
                texts.append(c)
        if [c["text"] for c in texts[:len(keys)]] == list(keys):
            return texts
    raise AssertionError(f"no row {keys} in {table.get('title')}")


def _amounts(cells: list[dict]) -> list[Decimal]:
    return [to_decimal(c["value"]) for c in cells if c.get("value", {}).get("kind") == "number"
            and "." in c["text"]]


@pytest.mark.parametrize("name", [FINANCE.name, PLANNING.name, TEMPLATE.name])
def test_nine_tables_in_order_with_unit(docs, name):
    doc = docs[name]
    tables = [b for b in doc["blocks"] if b["type"] == "table" and b.get("title") in NINE]
    assert [t["title"] for t in tables] == NINE
    assert all(t["unit"] == "万元" for t in tables)
    assert doc["meta"]["fiscal_year"] == 2024
    assert [p["type"] for p in doc["parts"]][:1] == ["部门决算"]


def test_finance_income_table_rows_cells_and_pages(docs):
    doc = docs[FINANCE.name]
    t = _table(doc, "收入决算表")
    assert t["loc"]["pages"] == [8, 9]
    row = _row(t, "201", "06", "01", "行政运行")
    assert _amounts(row) == [Decimal("1511.90"), Decimal("1511.89"), Decimal("0.01")]
    assert row[4]["text"] == "1,511.90" and row[4]["value"]["decimals"] == 2
    assert row[0]["loc"]["page"] == 8
    x0, top, x1, bottom = row[4]["loc"]["bbox"]
    assert 0 < x0 < x1 <= 842 and 0 < top < bottom <= 595  # landscape page, points from the top
    # continued on page 9 without a repeated header; a wrapped 科目名称 stays one cell
    tail = _row(t, "221", "02", "03", "购房补贴")
    assert tail[0]["loc"]["page"] == 9 and _amounts(tail)[:2] == [Decimal("258.50")] * 2
    wrapped = _row(t, "208", "05", "05")
    assert wrapped[3]["text"] == "机关事业单位基本养老保险缴费支出"
    # the header over several ruled rows keeps its spans
    assert t["header_rows"] >= 3
    assert any(c["text"] == "项目" and c.get("colspan", 1) == 4 for c in t["rows"][0])


def test_finance_totals_and_joined_continuations(docs):
    doc = docs[FINANCE.name]
    total = _table(doc, "收入支出决算总表")
    assert total["loc"]["pages"] == [6, 7]
    last = _row(total, "总计")
    assert _amounts(last) == [Decimal("2995.39"), Decimal("2995.39")] and last[0]["loc"]["page"] == 7
    # a row of its own at the top of page 7 (its amounts blank), not the rest of 本年收入合计 cut by the break
    assert [c["text"] for c in _row(total, "本年收入合计")][:3] == ["本年收入合计", "2,946.25", "本年支出合计"]
    assert _row(total, "使用非财政拨款结余（含专用结余）")[0]["loc"]["page"] == 7
    fiscal = _table(doc, "财政拨款收入支出决算总表")
    assert fiscal["loc"]["pages"] == [12, 13, 14]  # page 14 holds only a spilled empty border row
    assert fiscal["n_rows"] == 34 and _amounts(_row(fiscal, "总计"))[0] == Decimal("2961.68")
    basic = _table(doc, "一般公共预算财政拨款基本支出决算表")
    assert not any(all(not c["text"] for c in r) for r in basic["rows"])
    assert _amounts(_row(basic, "人员经费合计")) == [Decimal("2152.26"), Decimal("184.65")]
    sangong = _table(doc, "财政拨款“三公”经费支出决算表")
    assert sangong["loc"]["page"] == 18
    body = grid(sangong)[sangong["header_rows"]]
    assert [c["text"] if c else "" for c in body][0] == "0.95" and body[10]["text"] == "0.95"


def test_planning_rows_and_faithful_defects(docs):
    doc = docs[PLANNING.name]
    spending = _table(doc, "支出决算表")
    row = _row(spending, "2200150", "事业运行")
    assert _amounts(row) == [Decimal("4416.67"), Decimal("2339.58"), Decimal("2077.09")]
    assert row[0]["loc"]["page"] == 11
    sangong = _table(doc, "财政拨款“三公”经费支出决算表")
    body = [c["text"] for c in sangong["rows"][sangong["header_rows"]]]
    assert body[:2] == ["2.85", "0.39"]
    # the printed defect stays as printed: "增长13.95" without a % sign (page 21)
    para = [b for b in doc["blocks"] if b["type"] == "paragraph" and "增长13.95。" in b["text"]]
    assert len(para) == 1 and para[0]["loc"]["page"] == 21
    # a paragraph wrapped over many lines is one block
    assert para[0]["text"].startswith("一般公共预算财政拨款支出9746.50万元") and "办公大楼装修等" in para[0]["text"]


def test_headings_and_captions(docs):
    doc = docs[FINANCE.name]
    heads = [b["text"] for b in doc["blocks"] if b["type"] == "heading"]
    assert "第三部分上海市普陀区财政局2024年度部门决算情况说明" in heads  # a title wrapped over two lines
    assert "五、一般公共预算财政拨款支出决算情况说明" in heads
    first = next(b for b in doc["blocks"] if b["type"] == "table" and b.get("title") == "收入支出决算总表")
    captions = [b for b in doc["blocks"] if b["id"] in first["caption_blocks"]]
    assert [b["type"] for b in captions] == ["paragraph", "paragraph"]
    assert all(b["loc"]["page"] == 6 and len(b["loc"]["bbox"]) == 4 for b in captions)


def test_template_placeholders(docs):
    doc = docs[TEMPLATE.name]
    assert doc["meta"]["title"] == "上海市XX局2024年度部门决算"
    income = _table(doc, "收入决算表")
    assert _row(income, "2050205", "高等教育")[0]["loc"]["page"] == 6


def test_rotated_page_reads_upright(load):
    """A landscape table drawn rotated on a portrait page with /Rotate 90."""
    doc = load(FIXTURES / "rotated-90-income-table.pdf")
    t = next(b for b in doc["blocks"] if b["type"] == "table")
    assert t["title"] == "收入决算表"
    row = _row(t, "201", "06", "01", "行政运行")
    assert _amounts(row)[0] == Decimal("1511.90")
    x0, top, x1, bottom = row[0]["loc"]["bbox"]
    assert x1 <= 842 and bottom <= 595  # display coordinates of the rotated page


def test_scanned_pdf_is_not_checkable(load):
    with pytest.raises(InputError, match="扫描件，无文字层"):
        load(FIXTURES / "scanned-image-only.pdf")


@needs_shared
def test_truncated_pdf_is_one_line_error(load, tmp_path):
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(PLANNING.read_bytes()[:300_000])
    with pytest.raises(InputError) as info:
        load(cut)
    assert "\n" not in str(info.value) and "cut.pdf" in str(info.value)


def test_not_a_pdf(load, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"<html>download failed</html>")
    with pytest.raises(InputError, match="not a PDF"):
        load(bad)


def _rc4(key: bytes, data: bytes) -> bytes:
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for b in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(b ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


def _encrypted_pdf() -> bytes:
    """A minimal PDF with the standard security handler (RC4-40, R2) and the
    user password ``secret``."""
    pad = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
    user = (b"secret" + pad)[:32]
    owner_key = hashlib.md5((b"owner" + pad)[:32]).digest()[:5]
    o = _rc4(owner_key, user)
    file_id = b"0123456789abcdef"
    p = -44
    key = hashlib.md5(user + o + p.to_bytes(4, "little", signed=True) + file_id).digest()[:5]
    u = _rc4(key, pad)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + o.hex().encode() + b"> /U <" + u.hex().encode()
            + b"> /P " + str(p).encode() + b" >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, file_id.hex().encode(), file_id.hex().encode(), xref))
    return bytes(out)


def test_encrypted_pdf_is_one_line_error(load, tmp_path):
    enc = tmp_path / "locked.pdf"
    enc.write_bytes(_encrypted_pdf())
    with pytest.raises(InputError, match="encrypted"):
        load(enc)


@needs_shared
def test_page_limit_option(load):
    with pytest.raises(LimitExceededError, match="25 pages"):
        load(FINANCE, options={"max_pages": 10})


@pytest.mark.parametrize("seed, first, cut, name", [
    ("002_5ce8aee0cc10826a", 24, "市委主要领导对政策研", "市委主要领导对政策研究工作的满意率"),
    ("004_4b65da696dc0427c", 19, "为群众提供方便、快捷档", "为群众提供方便、快捷档案查询服务"),
])
def test_a_row_cut_by_a_page_break_is_one_row(load, seed, first, cut, name):
    """A 自评表 row whose 指标 name wraps past the page's end: the rest at the
    top of the next page (no 指标值 or 分值 of its own) is joined to it, as in
    the text the PDF was made from, and the next row keeps its 一级 label."""
    doc = load(Path(__file__).resolve().parents[1] / "samples" / f"{seed}.pdf")
    table = next(b for b in doc["blocks"] if b["type"] == "table" and first in (b["loc"].get("pages") or []) and
                 any(c["text"].startswith(cut) for r in b["rows"] for c in r))
    cells = [c for r in table["rows"] for c in r if c["text"].startswith(cut)]
    assert [c["text"][:len(name)] for c in cells] == [name]
    assert cells[0]["loc"]["page"] == first
    text = (Path(__file__).resolve().parents[1] / "samples" / f"{seed}.txt").read_text(encoding="utf-8")
    assert name in text.replace("\n", "")


def test_three_public_table_printed_item_first_gets_the_canonical_columns(docs):
    """The Shanghai 三公 table prints each item over its 预算数/决算数 pair under
    the table's title repeated as a header; its columns are named like the
    national layout's (``预算.公务接待费``), so the 三公 rules read it.  A header
    further left in a row that a taller cell covers (公务用车运行费 beside
    公务接待费) is not the column's group, and blank cells of the ruled table
    are exact zeros."""
    for name in (FINANCE.name, PLANNING.name):
        fa = docs[name]["final_accounts"]
        table = next(t for t in fa["tables"] if t["role"] == "财政拨款“三公”经费支出决算表")
        roles = [c["role"] for c in table["columns"]]
        assert roles == [f"{side}.{item}" for item in ("合计", "因公出国（境）费", "公务用车购置及运行费.合计",
                                                        "公务用车购置及运行费.公务用车购置费",
                                                        "公务用车购置及运行费.公务用车运行费", "公务接待费")
                         for side in ("预算", "决算")], name
    row = next(t for t in docs[FINANCE.name]["final_accounts"]["tables"]
               if t["role"] == "财政拨款“三公”经费支出决算表")["rows"][0]["cells"]
    assert row["预算.合计"]["value"] == "0.95" and row["预算.公务接待费"]["value"] == "0.95"
    assert row["决算.合计"]["value"] == "0" and row["决算.合计"]["exact"]


def test_skipped_characters_are_every_whitespace_character():
    """The character loop skips whitespace by set membership (no call per
    character): the set must hold exactly what ``str.isspace`` calls space,
    besides the NUL/STX/non-characters pdfium reports for nothing printed."""
    from budgetlint.plugins.loaders.pdf import _SKIP_CHARS

    spaces = {chr(i) for i in range(0x110000) if chr(i).isspace()}
    assert _SKIP_CHARS - spaces == {"\x00", "\x02", "\ufffe", "\uffff"}
    assert spaces <= _SKIP_CHARS


def test_line_text_spaces_only_between_latin_words():
    """A line's text is rebuilt from character boxes: no space between CJK
    characters (the fast path), one where a visible gap separates Latin
    letters or digits or follows ASCII punctuation, none for a narrow gap."""
    from budgetlint.plugins.loaders.pdf import _chars_text

    cjk = [("一", 0.0, 0.0, 10.0, 10.0, 10.0), ("二", 10.5, 0.0, 20.5, 10.0, 10.0)]
    latin = [("a", 0.0, 0.0, 5.0, 10.0, 10.0), ("b", 9.0, 0.0, 14.0, 10.0, 10.0)]
    close = [("1", 0.0, 0.0, 5.0, 10.0, 10.0), ("2", 5.5, 0.0, 10.5, 10.0, 10.0)]
    assert _chars_text(cjk) == "一二"
    assert _chars_text(latin) == "a b"
    assert _chars_text(close) == "12"
    assert _chars_text([(".", 0.0, 0.0, 2.0, 10.0, 10.0), ("2", 4.0, 0.0, 9.0, 10.0, 10.0)]) == ". 2"


def test_group_lines_one_line_and_wrapped_cells():
    """Characters cluster into lines by their vertical centre: no characters
    give no line (a page that is all table), an amount whose glyph boxes
    differ a little in height is one line read left to right, a wrapped label
    two lines, and a character printed twice at one x keeps the upper copy
    first."""
    from budgetlint.plugins.loaders.pdf import _group_lines

    def ch(c, x, top, bottom):
        return (c, x, top, x + 5.0, bottom, 10.0)

    assert _group_lines([]) == []
    amount = [ch("9", 20.0, 100.2, 110.0), ch("1", 10.0, 100.0, 110.0), ch(".", 15.0, 100.1, 110.1)]
    assert [[c[0] for c in ln] for ln in _group_lines(amount)] == [["1", ".", "9"]]
    wrapped = [ch("基", 10.0, 100.0, 110.0), ch("支", 10.0, 112.0, 122.0), ch("本", 15.0, 100.0, 110.0)]
    assert [[c[0] for c in ln] for ln in _group_lines(wrapped)] == [["基", "本"], ["支"]]
    twice = [ch("B", 10.0, 100.5, 110.5), ch("A", 10.0, 100.0, 110.0)]
    assert [[c[0] for c in ln] for ln in _group_lines(twice)] == [["A", "B"]]


def test_drawn_sides_agree_with_drawn_on_every_interval():
    """The grid builder asks, for a whole grid line at once, which cell sides
    its rulings draw: the answer is _drawn's for each side, on rulings that
    cover a side fully, partly, in pieces, not at all, or with gaps."""
    import random

    from budgetlint.plugins.loaders.pdf_grid import Seg, _drawn, _drawn_sides

    rng = random.Random(14)
    for _ in range(400):
        edges = sorted(rng.uniform(0, 300) for _ in range(rng.randint(2, 9)))
        segs = []
        for _ in range(rng.randint(0, 4)):
            a = rng.choice([rng.uniform(-10, 310), rng.choice(edges)])
            segs.append(Seg(5.0, a, a + rng.choice([rng.uniform(0, 120), 0.0])))
        assert _drawn_sides(segs, edges) == [_drawn(segs, edges[k], edges[k + 1]) for k in range(len(edges) - 1)]


def test_blank_amounts_of_a_ruled_economic_table_are_exact_zeros(docs):
    """The Shanghai 基本支出决算表 lists every 经济分类 code and leaves the amount
    of an unused one blank: that is 0 (the 三公 relations read 30217 and
    31013 there), while an item whose amount follows a blank cell keeps it."""
    fa = docs[FINANCE.name]["final_accounts"]
    table = next(t for t in fa["tables"] if t["role"] == "一般公共预算财政拨款基本支出决算表")
    rows = {r["code"]: r["cells"].get("决算") for r in table["rows"] if r.get("code")}
    assert rows["30217"]["value"] == "0" and rows["30217"]["exact"]
    assert rows["31013"]["value"] == "0" and rows["31013"]["exact"]
    assert rows["301"]["value"] != "0" and not rows["301"].get("exact")
    assert docs[FINANCE.name]["named_values"]["一般公共预算财政拨款基本支出决算表.30217.决算"]["value"] == "0"
