"""The command line as a clerk and a CI job meet it: one-line errors naming
the file, the place and the fix (never a traceback), and exit codes a script
can rely on — 0 clean, 1 findings at or above --fail-on, 2 usage/rule-pack
error, 3 an input could not be read."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

RULE = """\
  - id: {rid}
    check: text.forbidden_pattern
    severity: error
    params:
      patterns:
        - {{pattern: "^例[:：]", label: 模板示例文字}}
    message: {{zh: "残留{{label}}：“{{match}}”", en: "Template leftover: {{match}}"}}
"""


def _one_line_error(proc, *must_contain: str) -> str:
    err = proc.stderr.strip()
    assert err, "expected an error message on stderr"
    assert "\n" not in err, f"error is not one line:\n{err}"
    assert "Traceback" not in err and "internal error" not in err, err
    for text in must_contain:
        assert text in err, f"{text!r} not in {err!r}"
    return err


# ------------------------------------------------------------------ parse

def test_parse_unknown_extension_lists_supported_formats(cli, tmp_path):
    f = tmp_path / "report.xyz"
    f.write_text("2020年度部门决算", encoding="utf-8")
    proc = cli("parse", f)
    assert proc.returncode == 3
    err = _one_line_error(proc, str(f), "'.xyz'", "supported:")
    for ext in (".txt", ".md"):
        assert ext in err
    assert proc.stdout == ""


@pytest.mark.parametrize("content,reason", [
    (b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 4, "binary"),
    (b"", "empty"),
])
def test_parse_unreadable_text_inputs(cli, tmp_path, content, reason):
    f = tmp_path / "report.txt"
    f.write_bytes(content)
    proc = cli("parse", f)
    assert proc.returncode == 3
    _one_line_error(proc, str(f), reason)


def test_parse_undecodable_text(cli, tmp_path):
    f = tmp_path / "report.txt"
    f.write_bytes("部门决算\n".encode("utf-8") + b"\x81\x20\xff\xfe\x81\x20" * 3)
    proc = cli("parse", f)
    assert proc.returncode == 3
    _one_line_error(proc, str(f), "UTF-8", "GB18030")


def test_parse_missing_file(cli, tmp_path):
    f = tmp_path / "nope.txt"
    proc = cli("parse", f)
    assert proc.returncode in (2, 3)
    _one_line_error(proc, str(f), "no such file")


# ------------------------------------------------------------------ check

@pytest.fixture()
def template_pack(tmp_path) -> Path:
    """A one-rule pack (the template-leftover pattern) so exit codes do not
    depend on what other rules find in the seeds."""
    pack = tmp_path / "pack" / "pack.yaml"
    pack.parent.mkdir()
    pack.write_text("name: cli-test\nrules:\n" + RULE.format(rid="template-left"), encoding="utf-8")
    return pack


def test_check_exit_0_when_clean(cli, seeds, template_pack):
    proc = cli("check", "--rules", template_pack, "--format", "json", seeds["000"])
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["findings"] == [] and report["summary"]["documents_checked"] == 1


def test_check_exit_1_on_findings_and_0_with_fail_on_never(cli, seeds, template_pack):
    """Seed 001 line 214 still carries the template's 例： (a real leftover)."""
    proc = cli("check", "--rules", template_pack, "--format", "json", seeds["001"])
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [(f["rule_id"], f["location"]["line"]) for f in report["findings"]] == [("template-left", 214)]
    proc = cli("check", "--rules", template_pack, "--fail-on", "never", seeds["001"])
    assert proc.returncode == 0
    assert "第214行" in proc.stdout


def test_check_exit_2_on_malformed_pack(cli, seeds, tmp_path):
    pack = tmp_path / "bad.yaml"
    pack.write_text("name: bad\nrules:\n  - id: bad-rule\n    check: text.forbidden_pattern\n"
                    "    severity: critical\n    message: {zh: x}\n", encoding="utf-8")
    proc = cli("check", "--rules", pack, seeds["000"])
    assert proc.returncode == 2
    _one_line_error(proc, f"{pack}:5", "bad-rule", "critical")
    assert proc.stdout == ""  # nothing was checked


def test_check_exit_3_unreadable_among_good_ones(cli, seeds, tmp_path, template_pack):
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(seeds["000"], folder)
    shutil.copy(seeds["001"], folder)
    (folder / "broken.txt").write_bytes(b"\x00\x00binary\x00" * 50)
    proc = cli("check", "--rules", template_pack, "--format", "json", folder)
    assert proc.returncode == 3, proc.stderr
    report = json.loads(proc.stdout)
    status = {Path(d["path"]).name: d["status"] for d in report["documents"]}
    assert status == {seeds["000"].name: "checked", seeds["001"].name: "checked", "broken.txt": "error"}
    broken = next(d for d in report["documents"] if d["status"] == "error")
    assert "binary" in broken["error"] and "\n" not in broken["error"]
    # the good files were still checked and reported
    assert [f["location"]["line"] for f in report["findings"]] == [214]
    assert report["summary"]["documents_unreadable"] == 1


def test_check_unknown_report_format(cli, seeds):
    proc = cli("check", "--format", "docx", seeds["000"])
    assert proc.returncode == 2
    _one_line_error(proc, "docx", "json")


# ------------------------------------------------------------------ rules

def test_rules_list_json(cli):
    proc = cli("rules", "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    rules = json.loads(proc.stdout)
    assert rules and all({"id", "check", "severity"} <= set(r) for r in rules)
    assert all(r["severity"] in ("error", "warning", "info") for r in rules)
    assert "template-placeholder-left" in {r["id"] for r in rules}


def test_rules_validate_ok(cli, template_pack):
    proc = cli("rules", "validate", template_pack)
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout and "cli-test" in proc.stdout


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BAD_PACKS = {
    # (pack files, file to validate, file:line expected, words the message must contain)
    "malformed-yaml": ({"pack.yaml": "name: y\nrules:\n  - id: my-rule\n    check: text.forbidden_pattern\n"
                                     "    severity: [error\n    message: {zh: x}\n"},
                       "pack.yaml", "pack.yaml:6", ["malformed YAML"]),
    "unknown-check": ({"pack.yaml": "name: u\nrules:\n  - id: my-rule\n    check: text.forbiden_pattern\n"
                                    "    severity: error\n    message: {zh: x}\n"},
                      "pack.yaml", "pack.yaml:4", ["my-rule", "unknown check type", "text.forbidden_pattern"]),
    "wrong-param-type": ({"pack.yaml": "name: w\nrules:\n  - id: my-rule\n    check: text.forbidden_pattern\n"
                                       "    severity: error\n    params:\n      patterns: \"例：\"\n"
                                       "    message: {zh: x}\n"},
                         "pack.yaml", "pack.yaml:7", ["my-rule", "params.patterns", "array"]),
    "override-missing": ({"pack.yaml": "name: o\nextends: national\noverrides:\n  template-placeholder-lft:\n"
                                       "    severity: warning\n"},
                         "pack.yaml", "pack.yaml:4", ["template-placeholder-lft", "template-placeholder-left"]),
    "extends-cycle": ({"one.yaml": "name: one\nextends: two.yaml\n", "two.yaml": "name: two\nextends: one.yaml\n"},
                      "one.yaml", "two.yaml:2", ["cycle", "one.yaml"]),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKS))
def test_rules_validate_rejects_bad_pack(cli, tmp_path, case):
    files, target, where, words = BAD_PACKS[case]
    for name, text in files.items():
        _write(tmp_path / case / name, text)
    proc = cli("rules", "validate", tmp_path / case / target)
    assert proc.returncode == 2, proc.stderr
    err = _one_line_error(proc, str(tmp_path / case / where.split(":")[0]) + ":" + where.split(":")[1], *words)
    assert err.startswith("budgetlint: ")


def test_rules_show_unknown_rule_suggests(cli):
    proc = cli("rules", "show", "template-placeholder-lft")
    assert proc.returncode == 2
    _one_line_error(proc, "template-placeholder-left")
