"""Every report format written from the on-disk store (issue 14 §3): the
streamed report equals the report built in memory (``run_batch`` +
``render``) for the real samples, with and without waivers and a baseline,
and writing it does not hold the batch's findings in memory."""
from __future__ import annotations

import copy
import gc
import io
import json
import tracemalloc
from pathlib import Path

import pytest

FORMATS = ("json", "sarif", "junit", "html", "text", "xlsx", "jsonl")
OPTIONS = {"lang": "zh", "show_skipped": True, "show_info": True, "fail_on": "warning",
           "fail_on_not_evaluated": True, "color": False}


@pytest.fixture(scope="module")
def checker():
    from budgetlint.core.engine import Checker

    c = Checker()
    c.validate_rules()
    return c


@pytest.fixture(scope="module")
def waiver_file(tmp_path_factory, repo) -> Path:
    """A waiver of a root cause (its consequences follow), one by path, an expired one and an unused one."""
    path = tmp_path_factory.mktemp("waivers") / "w.yaml"
    path.write_text("""waivers:
  - rule: scorecard-level1-weight
    document: "*/001_*.txt"
    reason: 模板分值由主管部门统一下发
    approved_by: 审核人
  - rule: template-placeholder-left
    document: "*/001_2380c398e9c55637.txt"
    reason: 引用的是原文示例
    approved_by: 审核人
  - rule: hygiene-section-numbering
    document: "*"
    reason: 过期
    approved_by: 审核人
    expires: 2020-06-30
  - rule: narrative-misprint-words
    document: "nothing/*.txt"
    reason: 未用
    approved_by: 审核人
""", encoding="utf-8")
    return path


def _paths(repo: Path) -> list[str]:
    return [str(repo / "samples"), str(repo / "samples" / "no-such-file.txt")]


@pytest.fixture(scope="module")
def plain(checker, repo):
    """(in-memory report, streamed report) of the samples plus a missing path."""
    from budgetlint.core.batch import run_batch
    from budgetlint.core.reportstream import stream_report

    report = run_batch(checker, _paths(repo), jobs=1, progress=False)
    streamed = stream_report(checker, _paths(repo), jobs=1, progress=False)
    yield report, streamed
    streamed.close()


@pytest.fixture(scope="module")
def waived(checker, repo, waiver_file, tmp_path_factory, plain):
    """The same with --waivers and a --baseline that knows all but one document's findings
    and one root cause whose consequences stay (so they lose their root)."""
    from budgetlint.core.batch import run_batch
    from budgetlint.core.reportstream import stream_report

    old = copy.deepcopy(plain[0])
    drop = old["documents"][2]["path"]
    root = next(f for f in old["findings"] if f.get("related") and f["source"] != drop)
    old["findings"] = [f for f in old["findings"] if f["source"] != drop and f["fingerprint"] != root["fingerprint"]]
    baseline = tmp_path_factory.mktemp("baseline") / "baseline.json"
    baseline.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    kw = {"waivers": str(waiver_file), "baseline": str(baseline)}
    report = run_batch(checker, _paths(repo), jobs=1, progress=False, **kw)
    streamed = stream_report(checker, _paths(repo), jobs=1, progress=False, **kw)
    yield report, streamed
    streamed.close()


def _render_both(checker, report, streamed, fmt):
    from budgetlint.core.reporting import render

    spec = checker.host.registry.reporters[fmt]
    assert spec.load_stream() is not None, f"built-in {fmt} reporter has a streaming entry point"
    out = io.BytesIO() if spec.binary else io.StringIO()
    spec.load_stream()(streamed, OPTIONS, out)
    return render(checker.host, report, fmt, OPTIONS), out.getvalue()


def _xlsx_values(data: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {name: [[c.value for c in row] for row in wb[name].iter_rows()] for name in wb.sheetnames}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("which", ["plain", "waived"])
def test_streamed_report_equals_in_memory_render(checker, request, fmt, which):
    report, streamed = request.getfixturevalue(which)
    assert report["findings"] and report["documents"][-1]["status"] == "error"  # real findings, a missing file
    if which == "waived":
        assert report["summary"]["waived"] and report["baseline"]["known"]
        assert {f["rule_id"] for f in report["findings"]} >= {"waiver-expired", "waiver-unused"}
    in_memory, streamed_out = _render_both(checker, report, streamed, fmt)
    if fmt == "xlsx":
        assert _xlsx_values(streamed_out) == _xlsx_values(in_memory)
    else:
        assert streamed_out == in_memory


def test_exit_code_and_summary_as_the_built_report(checker, plain, waived):
    """The one exit-code rule judges the finished store as it judges the
    report built in memory (a third-party reporter's path)."""
    from budgetlint.core.reportstream import ReportStream, exit_code

    for report, streamed in (plain, waived):
        codes = set()
        for fail_on in ("error", "warning", "info", "never"):
            for strict in (False, True):
                code = exit_code(streamed, fail_on, not_evaluated=strict)
                assert code == exit_code(ReportStream.from_report(report), fail_on, not_evaluated=strict)
                codes.add(code)
        assert codes == {3}  # the missing file outranks every finding
        assert streamed.as_report() == report  # what a reporter with only render(report) would get


def test_writing_does_not_hold_the_batch_in_memory(checker, plain):
    """The samples' real results under other names, 2 and then 8 copies of
    each, finished and written as JSON, SARIF, HTML and XLSX: the report grows
    fourfold, the memory traced while finishing and writing it does not grow
    with it — the reporters see one document at a time."""
    from budgetlint.core.reportstream import ReportStream, finish

    report, _ = plain
    base = [r for r in ReportStream.from_report(report).results() if r["document"]["status"] == "checked"]

    def results(copies):
        for k in range(copies):
            for r in base:
                r = copy.deepcopy(r)
                path = f"batch{k}/{r['document']['path']}"
                r["document"]["path"] = path
                for f in r["findings"]:
                    f["source"] = path
                for e in r["evaluations"]:
                    e["document"] = path
                yield r

    def measure(copies):
        sizes, peaks = {}, {}
        gc.collect()
        tracemalloc.start()
        try:
            streamed = finish(checker, results(copies), [])
            peaks["finish"] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert streamed.summary["documents"] == copies * len(base)
        for fmt in ("json", "sarif", "html", "xlsx"):
            gc.collect()
            tracemalloc.start()
            try:
                sink = _Counting()
                checker.host.registry.reporters[fmt].load_stream()(streamed, OPTIONS, sink)
                peaks[fmt] = tracemalloc.get_traced_memory()[1]
                sizes[fmt] = sink.size
            finally:
                tracemalloc.stop()
        streamed.close()
        return sizes, peaks

    # what is measured is memory held, not garbage waiting for the collector:
    # an in-process `check` earlier in the session may have raised the
    # collector's thresholds (core.batch.tune_gc), so use CPython's defaults here
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        measure(1)  # first use: imports, templates and caches are loaded once, not per document
        small_sizes, small = measure(2)
        large_sizes, large = measure(8)
    finally:
        gc.set_threshold(*thresholds)
    assert large_sizes["json"] > 3.5 * small_sizes["json"] > 3_000_000
    for what in small:
        # flat: a fourfold report may cost a little more (the paths, the matrix's small integers), never fourfold
        assert large[what] < 1.5 * small[what], f"{what}: {small[what]} → {large[what]} bytes traced"


class _Counting(io.RawIOBase):
    """A seekable sink that keeps nothing but its size (zip needs seek/tell)."""

    def __init__(self) -> None:
        self.size = 0
        self.pos = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        n = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
        self.pos += n
        self.size = max(self.size, self.pos)
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else (self.pos + offset if whence == 1 else self.size + offset)
        return self.pos

    def tell(self) -> int:
        return self.pos


# ------------------------------------------------------------------ one exit code for every format
WARN_ROOT_PACK = """name: warn-root
title: 一级指标分值不符降为警告
extends: national
overrides:
  scorecard-level1-weight:
    severity: warning
"""
CONSEQUENCE_WAIVERS = """waivers:
""" + "".join(f"""  - rule: {rid}
    document: "*/000_*.txt"
    reason: 由一级指标分值不符引起，已整改
    approved_by: 审核人
""" for rid in ("scorecard-grade", "scorecard-total-score", "scorecard-total-weight"))


@pytest.fixture(scope="module")
def gate_inputs(tmp_path_factory, repo, waiver_file, cli):
    """Real inputs for the exit-code cases: a pack in which the seed's root
    cause (一级指标分值不符) is a warning while its consequences (总分值、总分、
    等级) stay errors; a waiver file for those consequences; a baseline (the
    JSON report of one seed)."""
    d = tmp_path_factory.mktemp("gate")
    (d / "warn-root").mkdir()
    (d / "warn-root" / "pack.yaml").write_text(WARN_ROOT_PACK, encoding="utf-8")
    (d / "consequences.yaml").write_text(CONSEQUENCE_WAIVERS, encoding="utf-8")
    base = d / "baseline.json"
    assert cli("check", repo / "samples" / "004_4b65da696dc0427c.txt", "--format", "json", "-o", base).returncode == 1
    return d, base


def _gate_cases(repo, d, base, waiver_file):
    seed = str(repo / "samples" / "000_50578c8a95755eda.txt")
    warn = ["--rules", str(d / "warn-root")]
    return {  # name: (arguments, the exit code every format must give)
        "warning root, error consequences": ([seed, *warn], 1),
        "… with --fail-on never": ([seed, *warn, "--fail-on", "never"], 0),
        "… consequences waived": ([seed, *warn, "--waivers", str(d / "consequences.yaml")], 0),
        "… consequences waived, strict": ([seed, *warn, "--waivers", str(d / "consequences.yaml"),
                                           "--fail-on", "error,not-evaluated"], 1),
        "samples, waivers, baseline, warning": ([str(repo / "samples"), "--waivers", str(waiver_file),
                                                 "--baseline", str(base), "--fail-on", "warning"], 1),
        "samples and a missing file": ([str(repo / "samples"), str(repo / "samples" / "no-such-file.txt")], 3),
    }


def test_exit_code_is_the_same_in_every_format(repo, gate_inputs, waiver_file, cli, tmp_path):
    """``check`` exits alike whatever ``--format`` is, jsonl included (it once
    counted root findings only: the warning root whose consequences are
    errors exited 0 in jsonl and 1 in json), and with ``-o`` every format
    prints the summary line on stderr.  ``--cache``: the formats after the
    first reuse the checked results, only the report and exit code are redone."""
    d, base = gate_inputs
    for name, (args, expected) in _gate_cases(repo, d, base, waiver_file).items():
        codes = {}
        for fmt in FORMATS:
            out = tmp_path / f"report.{fmt}"
            proc = cli("check", *args, "--format", fmt, "--cache", "-o", out)
            codes[fmt] = proc.returncode
            assert "报告已写入" in proc.stderr and proc.stdout == "", (name, fmt, proc.stderr)
        assert set(codes.values()) == {expected}, (name, codes)
