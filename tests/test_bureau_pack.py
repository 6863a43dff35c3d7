"""A bureau's own 2025 pack, outside the package, extends the built-in 2024
pack: it changes a weight-scheme parameter, disables a rule and raises a
severity — and the findings on the real 2024 report follow."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.testing import make_host

ROOT = Path(__file__).resolve().parents[1]
SEED_002 = ROOT / "samples" / "002_5ce8aee0cc10826a.txt"

PACK = """\
name: bureau-2025
title: 某市财政局 2025 年度规则包
extends: hunan-2024
overrides:
  scorecard-weight-scheme:
    params:
      schemes:
        部门整体:
          - {产出指标: 50, 效益指标: 30, 满意度指标: 10, 预算执行率: 10}
  hygiene-section-numbering:
    enabled: false
  fa-text-facts-agree:
    severity: error
"""


def _run(pack: str) -> dict:
    result = Checker(rules=pack, host=make_host()).check_file(SEED_002)
    return result


@pytest.fixture(scope="module")
def bureau_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bureau") / "bureau-2025"
    d.mkdir()
    (d / "pack.yaml").write_text(PACK, encoding="utf-8")
    return d


def test_findings_follow_the_bureau_overrides(bureau_pack: Path) -> None:
    base = _run("hunan-2024")
    ours = _run(str(bureau_pack))
    by = lambda res: Counter((f["rule_id"], f["severity"]) for f in res["findings"])  # noqa: E731
    b, o = by(base), by(ours)
    # disabled: the numbering warnings are gone
    assert b[("hygiene-section-numbering", "warning")] >= 1
    assert not any(rid == "hygiene-section-numbering" for rid, _ in o)
    # raised: the same facts-agree findings, now errors
    assert b[("fa-text-facts-agree", "warning")] >= 1
    assert o[("fa-text-facts-agree", "error")] == b[("fa-text-facts-agree", "warning")]
    assert o[("fa-text-facts-agree", "warning")] == 0
    # weight scheme: hunan-2024 prescribes none for 部门整体 (not evaluated); the bureau's does
    status = lambda res: {e["status"] for e in res["evaluations"] if e["rule_id"] == "scorecard-weight-scheme"}  # noqa: E731
    assert status(base) == {"not_evaluated"}
    assert status(ours) & {"passed", "failed"}
    # everything else is inherited unchanged
    untouched = {k: v for k, v in b.items() if k[0] not in ("hygiene-section-numbering", "fa-text-facts-agree")}
    assert all(o[k] == v for k, v in untouched.items())


def test_rules_show_and_diff_explain_the_change(bureau_pack: Path) -> None:
    bin_ = Path(sys.executable).parent / "budgetlint"
    show = subprocess.run([str(bin_), "rules", "show", "fa-text-facts-agree", "--rules", str(bureau_pack),
                           "--format", "json"],
                          capture_output=True, text=True, check=True)
    data = json.loads(show.stdout)
    assert data["rule"]["severity"] == "error"
    assert data["provenance"]["severity"].startswith(str(bureau_pack / "pack.yaml"))
    assert "rules/national" in data["provenance"]["check"]
    diff = subprocess.run([str(bin_), "rules", "diff", "hunan-2024", str(bureau_pack), "--format", "json"],
                          capture_output=True, text=True, check=True)
    d = json.loads(diff.stdout)
    assert d["added"] == [] and d["removed"] == []
    assert set(d["changed"]) == {"scorecard-weight-scheme", "hygiene-section-numbering", "fa-text-facts-agree"}
    assert d["changed"]["hygiene-section-numbering"]["enabled"] == [True, False]
