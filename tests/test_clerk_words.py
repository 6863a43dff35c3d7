"""No internal words reach a clerk: no None, no empty “应为：” or “（）”, no XPath, no
internal keys (``说明.机关运行经费支出.amount``, ``本年支出.合计``), no English
in Chinese messages outside the quoted document text, and not-evaluated
reasons in the report's language — over every sample and every real
document in ../shared (skipped where absent)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.findings import human_location
from budgetlint.core.testing import shared_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir(Path(__file__).resolve().parent)

INTERNAL = [
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"应为[：:]\s*(?:$|[，。；,;）)])"), "empty 应为："),
    (re.compile(r"/html|/body|td\[\d+\]|p\[\d+\]"), "XPath"),
    (re.compile(r"[\u3400-\u9fff）)]\.[\u3400-\u9fffA-Za-z]|\.(?:amount|count)\b"), "internal key"),
]
QUOTED = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’|《[^》]*》")
LATIN = re.compile(r"[A-Za-z]{2,}")


def _documents(tmp: Path) -> list[Path]:
    docs = sorted(p for p in (REPO / "samples").iterdir() if p.is_file() and not p.name.startswith("."))
    if SHARED:
        for sub in ("real-pdfs", "real-docs/budgets"):
            if (SHARED / sub).is_dir():
                docs += sorted((SHARED / sub).glob("*.pdf"))
        for pages in sorted((SHARED / "real-docs" / "final-accounts-2025-text").glob("*.pages.json")):
            data = json.loads(pages.read_text(encoding="utf-8"))
            txt = tmp / pages.name.replace(".pages.json", ".txt")  # a realistic text export, in tmp only
            txt.write_text("\n\n".join(data["page_texts"]), encoding="utf-8")
            docs.append(txt)
    return docs


@pytest.fixture(scope="module", params=["zh", "en"])
def results(request, host, tmp_path_factory) -> tuple[str, list[dict]]:
    checker = Checker(host=host, lang=request.param)
    docs = _documents(tmp_path_factory.mktemp("real"))
    return request.param, [checker.check_file(p) for p in docs]


def _problems(text: str) -> list[str]:
    return [name for rx, name in INTERNAL if rx.search(text)]


def test_messages_and_places_have_no_internal_words(results):
    lang, res = results
    bad = []
    for r in res:
        for f in r["findings"]:
            for text in (f["message"], human_location(f["location"], lang)):
                if _problems(text):
                    bad.append(f"{f['rule_id']}: {_problems(text)}: {text}")
            if re.search(r"[（(]\s*[)）]", QUOTED.sub("“…”", f["message"])):
                bad.append(f"{f['rule_id']}: empty brackets (a value that is not there): {f['message']}")
            if lang == "zh":
                outside = QUOTED.sub("", f["message"])
                if LATIN.search(outside):
                    bad.append(f"{f['rule_id']}: English in a Chinese message: {f['message']}")
    assert not bad, "\n".join(bad[:20])


def test_not_evaluated_reasons_in_the_report_language(results):
    lang, res = results
    reasons = {x for r in res for e in r["evaluations"] for x in e.get("reasons", [])}
    assert reasons
    bad = [x for x in reasons if _problems(x)]
    if lang == "zh":
        bad += [x for x in reasons if LATIN.search(QUOTED.sub("", x).replace("NN", ""))]
    else:
        # English reasons may name the form's Chinese tables, never carry a Chinese gloss of the reason itself
        bad += [x for x in reasons if re.search(r"规则在本部分|未找到|未识别|没有", x)]
    assert not bad, "\n".join(sorted(bad)[:20])


def test_names_are_humanized_but_quoted_numbers_are_not():
    from budgetlint.core.i18n import humanize_names

    assert humanize_names("说明.机关运行经费支出.amount") == "情况说明“机关运行经费支出”金额"
    assert humanize_names("（一般公共预算财政拨款基本支出决算表.301.决算+表.303.决算）") == \
        "（一般公共预算财政拨款基本支出决算表 · 301 · 决算+表 · 303 · 决算）"
    quoted = "“收入支出总计增加12.00万元，增长13.95。”“1.本表批复到项级科目。”"
    assert humanize_names(quoted) == quoted


def test_compared_figures_are_shown_as_printed(host):
    """A sum's figures in a message look like the document's: grouping and
    the printed decimals (“合计为1,000.00 … 相差900.00”), not 1000 / 900."""
    from budgetlint.core.testing import document_from_text

    text = "\n".join(["2025年度", "某某街道办事处", "部门决算", "", "支出决算表", "单位：万元", "项目", "对附属单位补",
                      "本年支出合计 基本支出 项目支出 上缴上级支出 经营支出", "功能分类", "助支出", "科目名称", "科目编码",
                      "合计 1,300.00 1,000.00 300.00", "201 一般公共服务支出 1,300.00 1,000.00 300.00",
                      "20101 人大事务 1,000.00 100.00", "2010101 行政运行 1,000.00 1,000.00",
                      "20103 政府办公厅（室）及相关机构事务 300.00 300.00", ""])
    doc = document_from_text(text, host=host)
    found = [f for f in Checker(host=host).check_document(doc)["findings"] if f["rule_id"] == "fa-row-sum"]
    assert len(found) == 1
    assert "合计为1,000.00" in found[0]["message"] and "之和为100.00" in found[0]["message"] \
        and "相差900.00" in found[0]["message"]
    assert found[0]["expected"] == 100 and found[0]["actual"] == 1000  # the JSON fields stay numbers

