"""The coverage gate: every built-in rule has a firing and a non-firing case
and a basis (unless pure arithmetic); every check documents its parameters.
The same gate fails on a bureau pack with a rule that has no cases."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from budgetlint.core.checks import documented_params
from budgetlint.core.rulepack import PackLoader
from budgetlint.core.testing import coverage_problems, make_host

BIN = Path(sys.executable).parent


def _builtin_packs() -> dict[str, Path]:
    host = make_host()
    return PackLoader(host.registry, host.rule_pack_dirs()).builtins()


@pytest.mark.parametrize("name", sorted(_builtin_packs()))
def test_builtin_pack_passes_the_coverage_gate(name: str) -> None:
    host = make_host()
    loader = PackLoader(host.registry, host.rule_pack_dirs())
    path = loader.builtins()[name]
    assert coverage_problems(loader.load(str(path)), path, host) == []


def test_every_check_documents_every_parameter() -> None:
    for cid, cls in make_host().registry.checks.items():
        assert set(cls.params_schema.get("properties", {})) <= documented_params(cls), cid


def test_gate_fails_on_a_rule_without_cases(tmp_path: Path) -> None:
    pack = tmp_path / "bureau"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: bureau\nextends: national\n", encoding="utf-8")
    (pack / "no-cases.yaml").write_text(
        "id: no-cases\ncheck: text.forbidden_pattern\nseverity: warning\n"
        "params: {patterns: [{pattern: 待补充, label: 未完成内容}]}\n"
        'message: {zh: "残留“{match}”"}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BUDGETLINT_DISABLE_PLUGINS"}
    res = subprocess.run([str(BIN / "budgetlint"), "rules", "test", str(pack), "--coverage"],
                         capture_output=True, text=True, env=env)
    assert res.returncode == 1
    assert "rule no-cases has no test cases" in res.stderr
    assert "rule no-cases has no basis" in res.stderr
    # without --coverage there is nothing to run and nothing failing
    res = subprocess.run([str(BIN / "budgetlint"), "rules", "test", str(pack)], capture_output=True, text=True, env=env)
    assert res.returncode == 0 and "0 passed, 0 failed" in res.stdout


def test_one_rule_is_tested_from_any_folder(tmp_path: Path) -> None:
    """A rule author runs the cases of the rule being written, from wherever
    the shell is: `samples/…` inputs are found in the folders above the cases
    file (the repository root), and only that rule's cases run."""
    rule = Path(__file__).resolve().parents[1] / "rules" / "national" / "fa-table-title-misprint.yaml"
    cases = rule.with_name("fa-table-title-misprint.test.yaml")
    expected = sum(1 for line in cases.read_text(encoding="utf-8").splitlines() if line.lstrip().startswith("- name:"))
    for target in (cases, rule):
        res = subprocess.run([str(BIN / "budgetlint"), "rules", "test", str(target)], capture_output=True, text=True,
                             cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert res.stdout.strip().startswith(f"{expected} passed, 0 failed"), res.stdout


def test_one_rule_without_cases_names_the_missing_file(tmp_path: Path) -> None:
    pack = tmp_path / "bureau"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: bureau\nextends: national\n", encoding="utf-8")
    (pack / "no-cases.yaml").write_text("id: no-cases\n", encoding="utf-8")
    res = subprocess.run([str(BIN / "budgetlint"), "rules", "test", str(pack / "no-cases.yaml")],
                         capture_output=True, text=True)
    assert res.returncode == 2 and "no-cases.test.yaml" in res.stderr and len(res.stderr.strip().splitlines()) == 1
