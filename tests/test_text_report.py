"""The text report a clerk reads: errors, then warnings, info only on
request, the 依据 once per rule per file, consequences on one line under
their cause — a third of the old length, with no finding lost."""
from __future__ import annotations

import json
import re

import pytest

SEV = {"错误": "error", "警告": "warning", "提示": "info"}


@pytest.fixture(scope="module")
def both(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "r.json"
    text = cli("check", "samples/")
    cli("check", "samples/", "--format", "json", "-o", out)
    return text.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_short_and_nothing_lost(both):
    text, report = both
    lines = text.splitlines()
    findings = report["findings"]
    # the old layout printed about four lines per finding; this one at most a third of that
    assert len(lines) <= len(findings) * 4 / 3, len(lines)
    roots = [f for f in findings if not f.get("related_to")]
    shown = [f for f in roots if f["severity"] != "info"]
    for f in shown:
        assert f["message"] in text, f["message"]
    s = report["summary"]
    assert sum(s["by_severity"].values()) + s["related"] == len(findings)
    assert s["by_severity"]["info"] == sum(1 for f in roots if f["severity"] == "info")
    assert f"提示 {s['by_severity']['info']}（未显示" in lines[-1]
    # every consequence is named on its root's line
    by_fp = {f["fingerprint"]: f for f in findings}
    assert all(by_fp[f["related_to"]]["related"].count(f["fingerprint"]) == 1 for f in findings if f.get("related_to"))


def test_errors_then_warnings_and_basis_once(both):
    text, _ = both
    for block in text.split("\n\n")[:-1]:
        sevs = [SEV[m] for m in re.findall(r"^  (错误|警告|提示) ", block, re.M)]
        assert sevs == sorted(sevs, key=["error", "warning", "info"].index), block[:200]
        assert "info" not in sevs
        rules = re.findall(r"^  (?:错误|警告) .*\[([a-z0-9-]+)\]$", block, re.M)
        assert block.count("      依据：") <= len(set(rules))
    assert " None" not in text and "实为 None" not in text


def test_show_info_prints_rounding_notes(cli):
    res = cli("check", "--show-info", "samples/002_5ce8aee0cc10826a.txt")
    assert "提示 " in res.stdout and "尾数差异" in res.stdout and "同一尾数差异另见" in res.stdout
    assert "未显示" not in res.stdout.splitlines()[-1]
