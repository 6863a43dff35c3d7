"""Waivers and baselines on a real seed: a waiver silences exactly its
finding, expired/unused waivers are findings, `waivers check` names file:line,
and --baseline reports only findings that are new after an edit."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


@pytest.fixture()
def seed001(tmp_path, seeds) -> Path:
    p = tmp_path / seeds["001"].name
    shutil.copy(seeds["001"], p)
    return p


def _check(cli, *args, cwd, expect: int = 1) -> tuple[int, dict]:
    """Seed 001 has errors a waiver does not cover: every run here exits 1."""
    out = Path(cwd) / "out.json"
    proc = cli("check", *args, "--format", "json", "-o", out, "--jobs", "1", cwd=cwd)
    assert proc.returncode == expect, proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8"))


def _waiver_file(path: Path, entries: str) -> Path:
    path.write_text("waivers:\n" + entries, encoding="utf-8")
    return path


def test_waiver_silences_exactly_its_finding(cli, seed001, tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETLINT_TODAY", "2025-01-01")
    code0, before = _check(cli, seed001, cwd=tmp_path)
    target = next(f for f in before["findings"] if f["rule_id"] == "template-placeholder-left")
    w = _waiver_file(tmp_path / "w.yaml", f"""\
  - rule: template-placeholder-left
    document: "*/{seed001.name}"
    location: "{target['location']['section']}"
    reason: 引用的是原文示例
    approved_by: 审核人
    expires: 2025-06-30
""")
    code, after = _check(cli, seed001, "--waivers", w, cwd=tmp_path)
    waived = [f for f in after["findings"] if f.get("waived")]
    assert [f["fingerprint"] for f in waived] == [target["fingerprint"]]
    assert waived[0]["waived"]["approved_by"] == "审核人" and waived[0]["waived"]["waiver"].endswith("w.yaml:2")
    assert [f["fingerprint"] for f in after["findings"] if not f.get("waived")] == \
           [f["fingerprint"] for f in before["findings"] if f["fingerprint"] != target["fingerprint"]]
    assert after["summary"]["waived"] == 1
    assert after["summary"]["by_severity"]["error"] == before["summary"]["by_severity"]["error"] - 1
    m = after["summary"]["matrix"]
    assert m["cells"]["template-placeholder-left"][after["documents"][0]["path"]]["status"] == "waived"
    assert after["summary"]["by_severity"]["error"] > 0 and code == code0 == 1


def test_expired_and_unused_waivers_are_findings(cli, seed001, tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETLINT_TODAY", "2025-01-01")
    w = _waiver_file(tmp_path / "w.yaml", f"""\
  - rule: template-placeholder-left
    document: "{seed001.name}"
    reason: 去年的豁免
    approved_by: 审核人
    expires: 2024-12-31
  - rule: template-placeholder-left
    document: "no-such-report-*.txt"
    reason: 早已修正
    approved_by: 审核人
""")
    _, report = _check(cli, seed001, "--waivers", w, cwd=tmp_path)
    assert not any(f.get("waived") for f in report["findings"]), "an expired waiver waives nothing"
    meta = {f["rule_id"]: f for f in report["findings"] if f["rule_id"].startswith("waiver-")}
    assert set(meta) == {"waiver-expired", "waiver-unused"}
    assert meta["waiver-expired"]["location"]["line"] == 2 and meta["waiver-expired"]["severity"] == "warning"
    assert meta["waiver-unused"]["location"]["line"] == 7
    assert meta["waiver-expired"]["source"] == str(w)
    assert "2024-12-31" in meta["waiver-expired"]["message"]


def test_sha256_document_match(cli, seed001, tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("BUDGETLINT_TODAY", "2025-01-01")
    digest = hashlib.sha256(seed001.read_bytes()).hexdigest()
    w = _waiver_file(tmp_path / "w.yaml", f"""\
  - rule: template-placeholder-left
    document: {digest}
    location: {{line: 214}}
    reason: 按哈希豁免
    approved_by: 审核人
""")
    _, report = _check(cli, seed001, "--waivers", w, cwd=tmp_path)
    assert [f["location"]["line"] for f in report["findings"] if f.get("waived")] == [214]


def test_waivers_check_reports_file_line(cli, tmp_path):
    bad = _waiver_file(tmp_path / "bad.yaml", """\
  - rule: template-placeholder-lef
    document: "*.txt"
    reason: x
    approved_by: y
  - rule: template-placeholder-left
    document: "*.txt"
    reason: x
    expires: 2025/06/30
""")
    proc = cli("waivers", "check", bad)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert any(f"{bad}:2:" in ln and "template-placeholder-left" in ln for ln in lines)  # did you mean
    assert any(f"{bad}:6:" in ln and "approved_by" in ln for ln in lines)
    assert any(f"{bad}:9:" in ln and "expires" in ln for ln in lines)
    assert "Traceback" not in proc.stderr
    impossible = _waiver_file(tmp_path / "date.yaml", """\
  - rule: template-placeholder-left
    document: "*.txt"
    reason: x
    approved_by: y
    expires: 2025-13-40
""")
    proc = cli("waivers", "check", impossible)
    assert proc.returncode == 2 and f"{impossible}:6:" in proc.stderr and "Traceback" not in proc.stderr
    good = _waiver_file(tmp_path / "good.yaml", """\
  - rule: template-placeholder-left
    document: "*.txt"
    reason: x
    approved_by: y
""")
    ok = cli("waivers", "check", good)
    assert ok.returncode == 0 and "OK" in ok.stdout


def test_bad_waiver_file_stops_check(cli, seed001, tmp_path):
    bad = _waiver_file(tmp_path / "bad.yaml", "  - rule: [unclosed\n")
    proc = cli("check", seed001, "--waivers", bad)
    assert proc.returncode == 2 and f"{bad}:" in proc.stderr and "Traceback" not in proc.stderr


def test_baseline_reports_only_new_findings(cli, seed001, tmp_path):
    base_dir = tmp_path / "before"
    base_dir.mkdir()
    _, old = _check(cli, seed001, cwd=tmp_path)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    assert old["findings"], "seed 001 has findings to carry over"
    lines = seed001.read_text(encoding="utf-8").splitlines(keepends=True)
    # a new placeholder paragraph (and so a shift of every later line) above the known one at line 214
    lines[212:212] = ["例：本段为新增的模板示例文字，应删除。\n", "\n"]
    seed001.write_text("".join(lines), encoding="utf-8")
    _, full = _check(cli, seed001, cwd=tmp_path)
    moved = [f for f in full["findings"] if f["fingerprint"] in {g["fingerprint"] for g in old["findings"]}]
    assert any(f["location"].get("line") == 216 for f in moved), "the known finding moved down two lines"
    _, new = _check(cli, seed001, "--baseline", baseline, cwd=tmp_path)
    assert [f["rule_id"] for f in new["findings"]] == ["template-placeholder-left"]
    assert "新增" in new["findings"][0]["context"]["text"]
    assert new["baseline"]["known"] == len(old["findings"])
    assert new["summary"]["findings"] == 1


def test_baseline_must_be_a_report(cli, seed001, tmp_path):
    bogus = tmp_path / "b.json"
    bogus.write_text("{\"hello\": 1}", encoding="utf-8")
    proc = cli("check", seed001, "--baseline", bogus)
    assert proc.returncode == 2 and "baseline" in proc.stderr and "Traceback" not in proc.stderr


def test_waiver_by_printed_place_relative_to_the_waiver_file(cli, seed001, tmp_path, monkeypatch):
    """The place exactly as the text report prints it names the finding; the
    document path is relative to the waiver file, wherever budgetlint runs;
    a waived root cause takes its consequences along; the text report shows
    a waived finding as one line."""
    from budgetlint.core.findings import human_location

    monkeypatch.setenv("BUDGETLINT_TODAY", "2025-01-01")
    _, before = _check(cli, seed001, cwd=tmp_path)
    target = next(f for f in before["findings"] if f["rule_id"] == "scorecard-level1-weight" and f.get("related"))
    printed = human_location(target["location"], "zh")
    wdir = tmp_path / "waivers"
    wdir.mkdir()
    w = _waiver_file(wdir / "w.yaml", f"""\
  - rule: scorecard-level1-weight
    document: ../{seed001.name}
    location: "{printed}"
    reason: 模板分值由主管部门统一下发
    approved_by: 审核人
""")
    elsewhere = tmp_path / "run"
    elsewhere.mkdir()
    _, after = _check(cli, seed001, "--waivers", w, cwd=elsewhere)
    waived = [f for f in after["findings"] if f.get("waived")]
    assert [f["fingerprint"] for f in waived if "via" not in f["waived"]] == [target["fingerprint"]]
    assert sorted(f["fingerprint"] for f in waived if "via" in f["waived"]) == sorted(target["related"])
    text = cli("check", seed001, "--waivers", w, cwd=elsewhere).stdout
    lines = [ln for ln in text.splitlines() if printed in ln]
    assert len(lines) == 1 and lines[0].lstrip().startswith("已豁免") and "模板分值由主管部门统一下发" in lines[0]
    assert text.count(target["message"]) == sum(1 for f in after["findings"]
                                                if f["message"] == target["message"] and not f.get("waived"))


def test_waiver_by_fingerprint(cli, seed001, tmp_path, monkeypatch):
    monkeypatch.setenv("BUDGETLINT_TODAY", "2025-01-01")
    _, before = _check(cli, seed001, cwd=tmp_path)
    grades = [f for f in before["findings"] if f["rule_id"] == "scorecard-grade"]
    assert len(grades) >= 2 and len({f["fingerprint"] for f in grades}) == len(grades)
    target = grades[1]
    w = _waiver_file(tmp_path / "w.yaml", f"""\
  - rule: scorecard-grade
    fingerprint: {target['fingerprint']}
    reason: 等级由评审会另行评定
    approved_by: 审核人
""")
    assert cli("waivers", "validate", w).returncode == 0
    _, after = _check(cli, seed001, "--waivers", w, cwd=tmp_path)
    assert [f["fingerprint"] for f in after["findings"] if f.get("waived")] == [target["fingerprint"]]
    bad = _waiver_file(tmp_path / "bad.yaml", """\
  - rule: scorecard-grade
    fingerprint: not-a-fingerprint
    reason: x
    approved_by: y
""")
    proc = cli("waivers", "validate", bad)
    assert proc.returncode == 2 and f"{bad}:3:" in proc.stderr and "指纹" in proc.stderr
