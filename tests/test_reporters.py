"""Every report format on a real batch (seeds + unreadable files) validates:
SARIF against the official schema, JUnit parses, XLSX opens, HTML renders
in a real headless browser with working filters."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def batch(tmp_path_factory, seeds) -> Path:
    d = tmp_path_factory.mktemp("reports")
    for p in seeds.values():
        shutil.copy(p, d / p.name)
    (d / "broken.docx").write_bytes(b"PK\x03\x04 corrupt")
    (d / "empty.txt").write_bytes(b"")
    return d


@pytest.fixture(scope="module")
def report(batch, cli) -> dict:
    out = batch.parent / "reports.json"
    proc = cli("check", batch, "--format", "json", "-o", out, "--jobs", "2")
    assert proc.returncode == 3, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def _run(cli, batch: Path, fmt: str, *extra: str) -> Path:
    out = batch.parent / f"report.{fmt}"
    proc = cli("check", batch, "--format", fmt, "-o", out, "--jobs", "2", *extra)
    assert proc.returncode == 3, proc.stderr
    assert out.exists() and not list(batch.parent.glob(".report.*.tmp"))
    return out


def test_sarif_validates_against_official_schema(cli, batch, report):
    import jsonschema

    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    sarif = json.loads(_run(cli, batch, "sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(sarif)
    run = sarif["runs"][0]
    assert len(run["results"]) == len(report["findings"])
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for res in run["results"]:
        rule = rules[res["ruleId"]]
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert rule["help"]["text"]
    placeholder = next(r for r in run["results"] if r["ruleId"] == "template-placeholder-left")
    region = placeholder["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 214 and region["endLine"] == 214
    assert placeholder["level"] == "error"
    assert placeholder["locations"][0]["logicalLocations"][0]["name"]
    assert "财预〔2016〕143号" in rules["template-placeholder-left"]["help"]["text"]
    unreadable = [d for d in report["documents"] if d["status"] == "error"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert len(notes) == len(unreadable) and run["invocations"][0]["executionSuccessful"] is False


def test_junit_parses_one_suite_per_document(cli, batch, report):
    root = ET.parse(_run(cli, batch, "junit", "--fail-on", "error")).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [d["path"] for d in report["documents"]]
    cases = [c for s in suites for c in s.findall("testcase")]
    unreadable = sum(1 for d in report["documents"] if d["status"] == "error")
    assert len(cases) == len(report["evaluations"]) + unreadable
    assert int(root.get("errors")) == unreadable
    failing = {(e["document"], e["part"], e["rule_id"]) for e in report["evaluations"]
               if any(f["severity"] == "error" and f["source"] == e["document"] and f["part"]["id"] == e["part"]
                      and f["rule_id"] == e["rule_id"] for f in report["findings"])}
    assert int(root.get("failures")) == len(failing) > 0
    assert int(root.get("skipped")) == sum(1 for e in report["evaluations"] if e["status"] == "not_evaluated")


def test_xlsx_findings_and_matrix(cli, batch, report):
    import openpyxl

    wb = openpyxl.load_workbook(_run(cli, batch, "xlsx"))
    findings, matrix = wb.worksheets[0], wb.worksheets[1]
    rows = list(findings.iter_rows(values_only=True))
    assert len(rows) == len(report["findings"]) + 1
    assert any(r[3] == "template-placeholder-left" and "第214行" in r[2] for r in rows[1:])
    m = report["summary"]["matrix"]
    mrows = list(matrix.iter_rows(values_only=True))
    assert list(mrows[0][2:]) == m["documents"]
    assert [r[0] for r in mrows[1:]] == [r["id"] for r in m["rules"]]
    assert "不通过" in [c for r in mrows[1:] for c in r[2:]]


def test_xlsx_never_writes_formulas(report):
    """Text from a document that starts with '=' stays text."""
    import io

    import openpyxl

    from budgetlint.plugins.reporters.xlsx import render_xlsx

    evil = json.loads(json.dumps(report))
    evil["findings"][0]["message"] = '=HYPERLINK("http://x","y")\x07'
    wb = openpyxl.load_workbook(io.BytesIO(render_xlsx(evil, {"lang": "zh"})))
    cell = wb.worksheets[0].cell(row=2, column=6)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'


def test_matrix_statuses(report, seeds):
    m = report["summary"]["matrix"]
    doc001 = next(d for d in m["documents"] if d.endswith(seeds["001"].name))
    assert m["cells"]["template-placeholder-left"][doc001]["status"] == "fail"
    empty = next(d for d in m["documents"] if d.endswith("empty.txt"))
    assert {m["cells"][r["id"]][empty]["status"] for r in m["rules"]} == {"not_evaluated"}
    assert sum(m["counts"].values()) == len(m["rules"]) * len(m["documents"])


def test_html_escapes_document_text(report):
    from budgetlint.plugins.reporters.html import render_html

    evil = json.loads(json.dumps(report))
    evil["findings"][0]["message"] = "<script>alert(1)</script>"
    html = render_html(evil, {"lang": "zh"})
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)" in html
    import re

    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html), "the page must not load anything"
    assert "<link" not in html and "@import" not in html


def _browser():
    """A headless Chromium through Selenium, or a skip reason.  Run with
    Debian's packages: `apt-get install -y chromium chromium-driver` and
    `pip install selenium` (no browser download)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install selenium)")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("no Chromium/chromedriver on PATH (apt-get install -y chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver), options=opts)


def test_html_renders_and_filters_in_a_browser(cli, batch, report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = _run(cli, batch, "html")
    browser = _browser()
    try:
        browser.get(path.resolve().as_uri())
        visible = lambda: [e for e in browser.find_elements(By.CSS_SELECTOR, ".finding") if e.is_displayed()]
        assert len(browser.find_elements(By.CSS_SELECTOR, "#documents tbody tr")) == len(report["documents"])
        assert len(visible()) == len(report["findings"])
        assert browser.find_element(By.CSS_SELECTOR, "#shown-count").text == f"{len(report['findings'])} / {len(report['findings'])}"
        mark = browser.find_elements(By.CSS_SELECTOR, ".finding mark")
        assert any(m.text == "例：" for m in mark)
        Select(browser.find_element(By.ID, "filter-rule")).select_by_value("template-placeholder-left")
        expected = [f for f in report["findings"] if f["rule_id"] == "template-placeholder-left"]
        assert len(visible()) == len(expected) > 0
        Select(browser.find_element(By.ID, "filter-rule")).select_by_value("")
        Select(browser.find_element(By.ID, "filter-severity")).select_by_value("error")
        errors = [f for f in report["findings"] if f["severity"] == "error" and not f.get("waived")]
        assert len(visible()) == len(errors)
        assert all("sev-error" in e.get_attribute("class") for e in visible())
        Select(browser.find_element(By.ID, "filter-severity")).select_by_value("waived")
        assert visible() == []
        logs = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
        assert logs == []
    finally:
        browser.quit()
