"""The labelled corpus: recall and false alarms may improve, never regress silently.

bench/recall.py scores budgetlint against tests/corpus/*.labels.yaml (a finance
reviewer's labels of every real document the project uses).  Its per-document
summary is pinned in tests/corpus/baseline.json: the number of labelled
defects found may only go up and the number of false alarms (error/warning
findings matching no label) only down.  After an improvement, or after
changing labels, re-pin with ``.venv/bin/python bench/recall.py --update-baseline``.
Documents read from ../shared skip with a reason where it is absent.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "tests" / "corpus"
REPIN = "re-pin with: .venv/bin/python bench/recall.py --update-baseline"


def _recall_module() -> Any:
    spec = importlib.util.spec_from_file_location("budgetlint_bench_recall", REPO / "bench" / "recall.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


recall = _recall_module()
LABEL_FILES = sorted(CORPUS.glob("*.labels.yaml"))
BASELINE = json.loads((CORPUS / "baseline.json").read_text(encoding="utf-8"))["documents"]


@pytest.fixture(scope="module")
def scores() -> dict[str, Any]:
    return {s.name: s for s in recall.run()}


def test_every_labels_file_is_well_formed_and_pinned() -> None:
    kinds = recall.load_kinds(CORPUS)
    for lf in LABEL_FILES:
        spec = recall.parse_labels(lf, kinds)  # raises LabelError naming the entry
        assert any(not lb.accepted for lb in spec["labels"]), f"{lf.name} labels no defect"
        name = lf.name[: -len(".labels.yaml")]
        assert name in BASELINE, f"{name} is not pinned in tests/corpus/baseline.json; {REPIN}"


def test_matching_window() -> None:
    """±2 lines for text, the same page for PDFs, and the rule must belong to the kind."""
    kinds = recall.load_kinds(CORPUS)
    lb = recall.Label(("growth-rate",), (), (10, 10), None, "x", False)
    f = {"rule_id": "fa-text-change-rate", "location": {"line": 12}}
    assert recall.matches(lb, f, kinds)
    assert not recall.matches(lb, f | {"location": {"line": 13}}, kinds)
    assert not recall.matches(lb, f | {"rule_id": "fa-row-sum"}, kinds)
    pg = recall.Label(("share",), (), None, 21, "x", False)
    assert recall.matches(pg, {"rule_id": "fa-text-share", "location": {"page": 21}}, kinds)
    assert not recall.matches(pg, {"rule_id": "fa-text-share", "location": {"page": 22}}, kinds)


@pytest.mark.parametrize("labels_file", LABEL_FILES, ids=lambda p: p.name[: -len(".labels.yaml")])
def test_no_regression(labels_file: Path, scores: dict[str, Any]) -> None:
    name = labels_file.name[: -len(".labels.yaml")]
    s = scores[name]
    if s.status == "skipped":
        pytest.skip(s.note)
    assert s.status == "checked", f"{name}: {s.note}"
    pin = BASELINE.get(name)
    assert pin is not None, f"{name} is not pinned; {REPIN}"
    assert s.labelled == pin["labelled"], (f"{name}: {s.labelled} labelled defects, baseline has "
                                           f"{pin['labelled']} (labels changed); {REPIN}")
    missed = "\n".join(f"  {m['place']} {m['kind']}: {m['what']}" for m in s.missed)
    assert s.found >= pin["found"], (f"{name}: recall regressed, {s.found}/{s.labelled} found, baseline "
                                     f"{pin['found']}; missed now:\n{missed}")
    alarms = "\n".join(f"  {a['place']} {a['rule']}: {a['message']}" for a in s.alarms)
    assert s.false_alarms <= pin["false_alarms"], (f"{name}: {s.false_alarms} false alarms, baseline "
                                                   f"{pin['false_alarms']}:\n{alarms}")
    if s.found > pin["found"] or s.false_alarms < pin["false_alarms"]:
        print(f"{name} improved ({s.found}/{s.labelled}, {s.false_alarms} false alarms); {REPIN}")


def test_labels_hold_short_descriptions_only() -> None:
    """Labels describe in our own words; a long ``what`` is a sign of a passage copied from a third-party document."""
    kinds = recall.load_kinds(CORPUS)
    for lf in LABEL_FILES:
        for lb in recall.parse_labels(lf, kinds)["labels"]:
            assert len(lb.what) <= 100, f"{lf.name}: description at {lb.place()} is {len(lb.what)} characters"


def test_unknown_kind_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "kinds.yaml").write_text("share: {zh: 占比, rules: [fa-text-share]}\n", encoding="utf-8")
    bad = tmp_path / "x.labels.yaml"
    bad.write_text("source: samples/x.txt\ndefects:\n  - {line: 3, kind: shares, what: 占比}\n", encoding="utf-8")
    with pytest.raises(recall.LabelError, match=r"x\.labels\.yaml: defects\[1\]: unknown kind 'shares'"):
        recall.parse_labels(bad, recall.load_kinds(tmp_path))


class _FixedChecker:
    """Returns the given findings for any file: exercises the scoring arithmetic alone."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        self.findings = findings

    def check_file(self, path: Path) -> dict[str, Any]:
        return {"document": {"path": str(path), "status": "checked"}, "findings": self.findings}


def test_scoring_counts_found_false_alarms_accepted_and_info() -> None:
    kinds = recall.load_kinds(CORPUS)
    spec = {"source": "samples/x.txt", "labels": [
        recall.Label(("growth-rate",), (), (10, 10), None, "增长率分母错", False),
        recall.Label(("share",), (), (30, 30), None, "占比错", False),
        recall.Label((), ("hygiene-glossary-terms",), (50, 50), None, "模板条目", True)]}
    findings = [
        {"rule_id": "fa-text-change-rate", "severity": "error", "location": {"line": 11}},   # finds defect 1
        {"rule_id": "hygiene-glossary-terms", "severity": "warning", "location": {"line": 50}},  # accepted
        {"rule_id": "hygiene-section-numbering", "severity": "warning", "location": {"line": 30}},  # false alarm
        {"rule_id": "fa-side-sum", "severity": "info", "location": {"line": 70}},  # info, never an alarm
    ]
    s = recall.score_document(_FixedChecker(findings), "x", spec, Path("x.txt"), kinds)
    assert (s.labelled, s.found, s.false_alarms, s.info, s.accepted_seen) == (2, 1, 1, 1, 1)
    assert s.missed == [{"place": "第30行", "kind": "share", "what": "占比错"}]
    assert s.alarms[0]["rule"] == "hygiene-section-numbering"
