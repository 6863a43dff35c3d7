"""Never pass silently (issue 11 §2): what was not read, not evaluated or not
checked is visible in every report format and can fail the gate."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from budgetlint.core.testing import shared_dir

REPO = Path(__file__).resolve().parents[1]
SHARED = shared_dir(Path(__file__).resolve().parent)
NEEDS_SHARED = pytest.mark.skipif(SHARED is None, reason="../shared (third-party real documents) is absent here")
SEED_05_ONLY = """2020年度
某某办公室
部门决算

一般公共预算财政拨款支出决算表

公开05表

单位：万元

项目\t\t本年支出
功能分类科目编码\t科目名称\t小计\t基本支出\t项目支出
栏次\t\t1\t2\t3
合计\t\t10.00\t4.00\t6.00
201\t一般公共服务支出\t10.00\t4.00\t6.00
20131\t党委办公厅（室）及相关机构事务\t10.00\t4.00\t6.00
"""


def _json(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout)


def _xlsx_tables(path: Path, *, formula: bool = False) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "支出决算表"
    total = "=D2+E2" if formula else 10
    for row in (["科目编码", "科目名称", "合计", "基本支出", "项目支出"], ["201", "一般公共服务支出", total, 4, 6],
                ["20131", "党委办公厅（室）及相关机构事务", 10, 4, 6]):
        ws.append(row)
    wb.save(path)
    return path


# ------------------------------------------------------------------ §2.1 not recognised
def test_readme_is_not_checked_with_zero_findings(cli, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# budgetlint\n\nA checker.\n\n## Usage\n\nRun it.\n", encoding="utf-8")
    proc = cli("check", "--format", "json", readme)
    assert proc.returncode == 1, proc.stderr
    report = _json(proc)
    assert [(f["rule_id"], f["severity"]) for f in report["findings"]] == [("document-not-recognized", "error")]
    assert "PDF或DOCX原件" in report["findings"][0]["message"]


def test_xlsx_of_tables_without_a_cover_fails_the_gate(cli, tmp_path):
    proc = cli("check", "--format", "json", _xlsx_tables(tmp_path / "tables.xlsx"))
    assert proc.returncode == 1, proc.stderr
    f = _json(proc)["findings"]
    assert [x["rule_id"] for x in f] == ["document-not-recognized"]
    assert f[0]["location"]["sheet"] == "支出决算表" and "xlsx文件，1张表" in f[0]["message"]


@NEEDS_SHARED
def test_2025_page_text_without_readable_tables_says_which(cli, tmp_path):
    src = SHARED / "real-docs" / "final-accounts-2025-text" / "shanghai-putuo-ecology-bureau-2025-final-accounts.pages.json"
    if not src.exists():
        pytest.skip(f"{src} is absent")
    txt = tmp_path / "ecology-2025.txt"
    txt.write_text("\n\n".join(json.loads(src.read_text(encoding="utf-8"))["page_texts"]), encoding="utf-8")
    proc = cli("check", "--format", "json", txt)
    assert proc.returncode == 1
    report = _json(proc)
    ev = next(e for e in report["evaluations"] if e["rule_id"] == "tables-not-recognized")
    found = [f for f in report["findings"] if f["rule_id"] == "tables-not-recognized"]
    # whatever the text recognizer reads, the gate either read all nine or
    # names the ones it did not (never a silent pass)
    if ev["status"] == "passed":
        assert ev["checked"] == 9 and found == []
    else:
        assert len(found) == 1 and found[0]["expected"] == 9 and found[0]["actual"] < 9
        assert "未能识别：" in found[0]["message"]


# ------------------------------------------------------------------ §2.2 skipped files
@pytest.fixture
def folder(tmp_path, seeds) -> Path:
    import shutil

    d = tmp_path / "reports"
    d.mkdir()
    shutil.copy(seeds["003"], d)
    (d / "旧版决算.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word")
    (d / "数据.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (d / "说明.wps").write_bytes(b"wps")
    return d


def test_skipped_files_in_every_format(folder, host):
    from budgetlint.core.batch import run_batch
    from budgetlint.core.engine import Checker
    from budgetlint.core.reporting import render

    checker = Checker(host=host)
    report = run_batch(checker, [str(folder)], jobs=1, progress=False)
    names = sorted(Path(s["path"]).name for s in report["skipped"])
    assert names == ["数据.csv", "旧版决算.doc", "说明.wps"]
    assert report["summary"]["files_skipped"] == 3 and report["summary"]["documents"] == 1
    doc_reason = next(s["reason"] for s in report["skipped"] if s["path"].endswith(".doc"))
    assert ".docx" in doc_reason and "\n" not in doc_reason
    for fmt in ("text", "json", "sarif", "junit", "html"):
        out = render(host, report, fmt, {"lang": "zh"})
        assert "旧版决算.doc" in out and "说明.wps" in out, fmt
    assert "跳过 3 个文件" in render(host, report, "text", {"lang": "zh"})
    sarif = json.loads(render(host, report, "sarif", {}))
    import jsonschema

    jsonschema.validate(sarif, json.loads((REPO / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text()))
    jsonschema.Draft202012Validator(json.loads((REPO / "schemas" / "findings.schema.json").read_text())).validate(
        json.loads(render(host, report, "json", {})))
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert sum(1 for n in notes if n.get("properties", {}).get("skipped")) == 3
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(render(host, report, "xlsx", {"lang": "zh"})))
    cells = [c.value for row in wb["未检查与注意"].iter_rows() for c in row]
    assert any(str(v).endswith("旧版决算.doc") for v in cells)


def test_skipped_file_fails_only_a_strict_gate(cli, folder):
    ok = cli("check", "--format", "json", "--fail-on", "never", folder)
    assert ok.returncode == 0, ok.stderr
    assert _json(ok)["summary"]["files_skipped"] == 3
    strict = cli("check", "--format", "json", "--fail-on", "never,not-evaluated", folder)
    assert strict.returncode == 1


# ------------------------------------------------------------------ §2.3 partial evaluation
def test_row_sum_lists_the_identities_it_could_not_evaluate(host):
    from budgetlint.core.engine import Checker
    from budgetlint.core.testing import document_from_text

    doc = document_from_text(SEED_05_ONLY, host=host)
    result = Checker(host=host).check_document(doc)
    ev = next(e for e in result["evaluations"] if e["rule_id"] == "fa-row-sum")
    assert ev["status"] == "passed" and ev["checked"] > 0
    missing = ev["not_evaluated_relations"]
    assert any(m.startswith("收入决算表: 合计 =") for m in missing)
    assert any(m.startswith("支出决算表: 合计 =") for m in missing)
    assert not any(m.startswith("一般公共预算财政拨款支出决算表: 本年支出.合计") for m in missing)


@NEEDS_SHARED
def test_shanghai_cross_table_totals_never_pass_after_some_relations(host):
    from budgetlint.core.engine import Checker

    pdf = SHARED / "real-pdfs" / "shanghai-putuo-finance-bureau-2024-final-accounts.pdf"
    checker = Checker(host=host)
    result = checker.check_file(pdf)
    evs = {e["rule_id"]: e for e in result["evaluations"]}
    pack = checker.packs.load("shanghai-2024")
    for rid in ("fa-cross-table-totals", "fa-basic-expenditure-split", "fa-totals-balance"):
        e = evs[rid]
        total = len(pack.rules[rid].params["relations"])
        if e["status"] == "not_evaluated":
            continue
        # every relation is either compared or listed as not evaluated
        assert e["checked"] + len(e.get("not_evaluated_relations", [])) >= total, (rid, e)
    summary = checker.build_report([result])["summary"]
    assert summary["partially_evaluated"] == sum(1 for e in result["evaluations"]
                                                 if e["status"] != "not_evaluated" and e.get("not_evaluated_relations"))


@NEEDS_SHARED
def test_shanghai_pack_states_why_it_retargets_relations(host):
    from budgetlint.core.engine import Checker

    checker = Checker(host=host)
    pack = checker.packs.load("shanghai-2024")
    for rid in ("fa-row-sum", "fa-basic-expenditure-split", "fa-cross-table-totals"):
        assert "上海模板" in pack.rules[rid].provenance.get("override_reason", ""), rid
    pdf = SHARED / "real-pdfs" / "shanghai-putuo-planning-bureau-2024-final-accounts.pdf"
    evs = {e["rule_id"]: e for e in checker.check_file(pdf)["evaluations"]}
    # with the template's own columns the 基本支出 split and the row sums are fully evaluated
    for rid in ("fa-basic-expenditure-split", "fa-row-sum", "fa-cross-table-totals"):
        assert evs[rid]["status"] in ("passed", "failed") and not evs[rid].get("not_evaluated_relations"), evs[rid]


# ------------------------------------------------------------------ §2.4 crashes
def _run_patched(patch: str, *args: str | Path) -> subprocess.CompletedProcess:
    code = patch + "\nfrom budgetlint.core.cli import main\nmain()\n"
    return subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=str(REPO), capture_output=True,
                          text=True, encoding="utf-8", timeout=300, env={**__import__("os").environ, "NO_COLOR": "1"})


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_recognizer_crash_fails_the_document(seeds, fmt):
    patch = ("import budgetlint.plugins.recognizers.parts as p\n"
             "def boom(doc):\n    raise RuntimeError('kaputt')\n"
             "p.recognize_parts = boom\n")
    proc = _run_patched(patch, "check", "--jobs", "1", "--format", fmt, seeds["003"])
    assert proc.returncode == 3, proc.stderr
    if fmt == "json":
        doc = _json(proc)["documents"][0]
        assert doc["status"] == "error" and "recognizer parts crashed" in doc["error"] and "kaputt" in doc["error"]
    else:
        assert "recognizer parts crashed: RuntimeError: kaputt" in proc.stdout


def test_check_crash_fails_the_document_and_keeps_other_findings(seeds):
    patch = ("from budgetlint.plugins.checks import scorecard_weights as m\n"
             "def boom(self, ctx):\n    raise ZeroDivisionError('x')\n"
             "for name in dir(m):\n"
             "    cls = getattr(m, name)\n"
             "    if isinstance(cls, type) and getattr(cls, 'id', '') == 'scorecard.weight_sum':\n"
             "        cls.run = boom\n")
    proc = _run_patched(patch, "check", "--jobs", "1", "--format", "json", seeds["001"])
    assert proc.returncode == 3, proc.stderr
    report = _json(proc)
    doc = report["documents"][0]
    assert doc["status"] == "error" and "check scorecard.weight_sum" in doc["error"] and "crashed" in doc["error"]
    crashed = [e for e in report["evaluations"] if e.get("error")]
    assert crashed and all(e["status"] == "not_evaluated" for e in crashed)
    assert report["findings"], "the other rules' findings are still reported"
    assert report["summary"]["documents_failed"] == 1
    import jsonschema

    jsonschema.Draft202012Validator(json.loads((REPO / "schemas" / "findings.schema.json").read_text())).validate(report)


# ------------------------------------------------------------------ §2.5 strict gate
def test_fail_on_not_evaluated(cli, seeds):
    loose = cli("check", "--format", "json", "--fail-on", "never", seeds["004"])
    assert loose.returncode == 0, loose.stderr
    s = _json(loose)["summary"]
    (per_doc,) = s["by_document"].values()
    assert per_doc["not_evaluated"] == s["not_evaluated"] > 0
    strict = cli("check", "--format", "json", "--fail-on", "never,not-evaluated", seeds["004"])
    assert strict.returncode == 1
    text = cli("check", "--fail-on", "never", seeds["004"]).stdout
    assert f"未能评估 {s['not_evaluated']} 条规则" in text
    bad = cli("check", "--fail-on", "sometimes", seeds["004"])
    assert bad.returncode == 2 and "--fail-on" in bad.stderr and "Traceback" not in bad.stderr


def test_the_html_gate_column_judges_each_document_as_the_exit_code_does(cli, seeds, tmp_path):
    """The HTML report's per-document 门禁 verdict and the exit code come from
    one rule (core/reportstream.py): seed 004 has errors and rules not
    evaluated, so it fails by default and with a strict gate, and passes
    with ``--fail-on never``."""
    verdicts = {}
    for fail_on, code in (("error", 1), ("never", 0), ("never,not-evaluated", 1)):
        out = tmp_path / f"{fail_on}.html"
        run = cli("check", "--format", "html", "--fail-on", fail_on, "-o", out, seeds["004"])
        assert run.returncode == code, run.stderr
        html = out.read_text(encoding="utf-8")
        verdicts[fail_on] = ('class="gate gate-pass"' in html, 'class="gate gate-fail"' in html)
    assert verdicts == {"error": (False, True), "never": (True, False), "never,not-evaluated": (False, True)}


# ------------------------------------------------------------------ §2.6 regions
def test_region_membership_is_complete_data():
    from budgetlint.core.rulepack import plain, read_yaml

    data = plain(read_yaml(REPO / "rules" / "regions.yaml"))
    hunan = data["湖南"]["divisions"]
    assert len(hunan) == 14  # 13 地级市 + 湘西州
    assert sum(len(v) for v in hunan.values()) == 122  # county-level divisions of 湖南
    assert len(data["上海"]["divisions"]["上海市"]) == 16


@pytest.mark.parametrize(("department", "year", "pack"), [
    ("娄底市财政局", 2024, "hunan-2024"),
    ("宁乡市教育局", 2021, "hunan-2020"),
    ("湘西土家族苗族自治州民政局", 2023, "hunan-2024"),
    ("益阳市南县农业农村局", 2024, "hunan-2024"),
    ("上海市普陀区财政局", 2024, "shanghai-2024"),
    ("普陀区石泉路街道办事处", 2025, "shanghai-2024"),
    ("舟山市普陀区财政局", 2024, "national"),
    ("青海省河南县财政局", 2024, "national"),
])
def test_pack_selection_by_division(host, department, year, pack):
    from budgetlint.core.engine import Checker

    assert Checker(host=host).packs.select_builtin({"department": department, "fiscal_year": year}) == pack


def test_fallback_to_the_national_pack_is_reported(host):
    from budgetlint.core.engine import Checker
    from budgetlint.core.testing import document_from_text

    doc = document_from_text(SEED_05_ONLY.replace("某某办公室", "北京市某某办公室"), host=host)
    result = Checker(host=host).check_document(doc)
    part = result["document"]["parts"][0]
    assert part["rule_pack"] == "national" and part["pack_fallback"] is True
    assert any("全国通用规则包" in w for w in result["document"]["warnings"])


# ------------------------------------------------------------------ §2.7 XLSX formulas
def test_formula_without_saved_value_is_named_at_its_cell(cli, tmp_path, load):
    path = _xlsx_tables(tmp_path / "formula.xlsx", formula=True)
    doc = load(path)
    cell = next(c for b in doc["blocks"] if b["type"] == "table" for row in b["rows"] for c in row
                if c["loc"].get("cell_ref") == "C2")
    assert cell["formula"] == "=D2+E2" and "value" not in cell
    assert any("支出决算表!C2" in w for w in doc["warnings"])
    proc = cli("check", "--fail-on", "never", path)
    assert proc.returncode == 0 and "支出决算表!C2（=D2+E2）" in proc.stdout
