"""Batch checking on the real seeds: parallel and in-process runs agree,
unreadable files are reported and do not stop the others, reports are
written atomically."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory, seeds) -> Path:
    """All seeds, plus a corrupt DOCX, an empty text file and an editor temp file."""
    d = tmp_path_factory.mktemp("batch")
    for p in seeds.values():
        shutil.copy(p, d / p.name)
    (d / "sub").mkdir()
    (d / "sub" / "broken.docx").write_bytes(b"PK\x03\x04 this is not a real zip container")
    (d / "sub" / "empty.txt").write_bytes(b"")
    (d / "~$draft.txt").write_text("temp file of an editor", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def json_runs(batch_dir, cli) -> dict[int, tuple[int, dict]]:
    out = {}
    for jobs in (1, 2):
        target = batch_dir.parent / f"report-j{jobs}.json"
        proc = cli("check", batch_dir, "--format", "json", "--jobs", jobs, "-o", target, cwd=batch_dir.parent)
        assert proc.stdout == "", "with --output nothing goes to stdout"
        out[jobs] = (proc.returncode, json.loads(target.read_text(encoding="utf-8")))
    return out


def test_unreadable_files_reported_rest_checked(json_runs, batch_dir, seeds, host):
    code, report = json_runs[2]
    assert code == 3
    docs = {Path(d["path"]).name: d for d in report["documents"]}
    for p in seeds.values():
        assert docs[p.name]["status"] == "checked"
    assert docs["empty.txt"]["status"] == "error"
    assert "empty" in docs["empty.txt"]["error"] and "\n" not in docs["empty.txt"]["error"]
    if ".docx" in host.registry.supported_extensions():
        assert docs["broken.docx"]["status"] == "error"
        assert "\n" not in docs["broken.docx"]["error"]
    assert "~$draft.txt" not in docs
    assert report["summary"]["documents_unreadable"] == sum(1 for d in docs.values() if d["status"] == "error")
    # the placeholder left in seed 001 is found in the batch as on its own
    hits = [f for f in report["findings"] if f["rule_id"] == "template-placeholder-left"
            and f["source"].endswith(seeds["001"].name)]
    assert any(f["location"]["line"] == 214 for f in hits)


def test_jobs_do_not_change_the_report(json_runs):
    (c1, r1), (c2, r2) = json_runs[1], json_runs[2]
    assert c1 == c2
    assert json.dumps(r1, ensure_ascii=False, sort_keys=True) == json.dumps(r2, ensure_ascii=False, sort_keys=True)
    paths = [d["path"] for d in r1["documents"]]
    assert paths == sorted(paths, key=lambda p: (Path(p).parent != Path(paths[0]).parent, p))


def test_findings_carry_source_excerpt(json_runs, seeds):
    _, report = json_runs[1]
    f = next(f for f in report["findings"] if f["rule_id"] == "template-placeholder-left"
             and f["source"].endswith(seeds["001"].name))
    line = seeds["001"].read_text(encoding="utf-8").splitlines()[f["location"]["line"] - 1]
    assert f["context"]["kind"] == "text"
    assert f["context"]["highlight"] in f["context"]["text"]
    assert f["context"]["text"].strip()[:20] in line


def test_check_path_in_process_matches_worker_result(seeds, monkeypatch):
    """The worker entry point gives the same result as the in-process path.
    The worker's limits (address-space cap, watchdog, parent watch) are for
    worker processes: applied to the test process they would be inherited by
    every later subprocess (a browser cannot start under the cap)."""
    from budgetlint.core import batch
    from budgetlint.core.engine import Checker

    monkeypatch.setattr(batch, "_worker_limits", lambda options, owner: None)
    batch._init_worker(None, "zh", {}, {})
    try:
        import signal

        signal.signal(signal.SIGINT, signal.default_int_handler)
        assert batch._work(str(seeds["001"])) == batch.check_path(Checker(), str(seeds["001"]))
    finally:
        batch._WORKER = None


def test_bad_jobs_is_a_usage_error(cli, seeds):
    proc = cli("check", seeds["000"], "--jobs", "0")
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr and "Traceback" not in proc.stderr


def test_output_is_atomic_on_failure(tmp_path, monkeypatch):
    """A crash while writing leaves the old report in place and no temp file."""
    from budgetlint.core import reporting

    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(reporting.os, "fsync", boom)
    with pytest.raises(KeyboardInterrupt):
        reporting.atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_no_progress_bar_when_not_a_terminal(cli, seeds):
    proc = cli("check", seeds["000"], seeds["003"], "--format", "json", "--jobs", "2")
    assert "检查" not in proc.stderr and "checking" not in proc.stderr
    forced = cli("check", seeds["000"], seeds["003"], "--format", "json", "--jobs", "1", "--progress")
    assert "2/2" in forced.stderr


def test_checking_process_runs_the_cycle_collector_rarely() -> None:
    """tune_gc raises CPython's default thresholds (the collector walked the
    same live characters and cells ~150 times for three PDFs) and never
    lowers thresholds a caller raised."""
    import gc

    from budgetlint.core.batch import GC_THRESHOLDS, tune_gc

    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLDS
        gc.set_threshold(10 * GC_THRESHOLDS[0], 50, 50)
        tune_gc()
        assert gc.get_threshold() == (10 * GC_THRESHOLDS[0], 50, 50)
    finally:
        gc.set_threshold(*saved)


@pytest.mark.parametrize("runner", ["check_files", "check_to_store"])
@pytest.mark.parametrize("culprit", ["000", "003"])
def test_a_worker_that_dies_names_its_document_and_the_rest_is_checked(seeds, monkeypatch, runner, culprit):
    """A worker process that dies on one document (as a crash in a native
    parser would: ``os._exit`` skips every Python handler) breaks the pool and
    every document in flight.  ``check`` isolates those, so only the culprit is
    an error naming itself, and every other seed has its real result — through
    the one pool loop both the in-memory batch and the on-disk store use.  The
    culprit is the first seed (it breaks the pool at once) or a later one."""
    import os
    import threading

    from budgetlint.core import batch
    from budgetlint.core.engine import Checker
    from budgetlint.core.stream import check_to_store

    assert threading.active_count() == 1, "forked workers must inherit the patched check_path"
    monkeypatch.delenv("BUDGETLINT_NO_FORK", raising=False)
    files = [str(p) for p in seeds.values()]
    checker = Checker()
    expected = {f: batch.check_path(checker, f) for f in files}
    real = batch.check_path

    def dies_on_culprit(c, path):
        if Path(path).name.startswith(culprit):
            os._exit(70)
        return real(c, path)

    monkeypatch.setattr(batch, "check_path", dies_on_culprit)
    monkeypatch.setattr(batch, "WINDOW_PER_JOB", 1)  # two in flight: some seeds are sent after the pool broke
    if runner == "check_files":
        results = batch.check_files(checker, files, jobs=2, progress=False)
    else:
        store = check_to_store(checker, files, jobs=2, progress=False)
        results = list(store)
        store.close()
    assert [r["document"]["path"] for r in results] == files
    for f, r in zip(files, results):
        if Path(f).name.startswith(culprit):
            assert r["document"]["status"] == "error" and r["document"]["error"].startswith(f"{f}: ")
            assert "进程崩溃" in r["document"]["error"] and "\n" not in r["document"]["error"]
        else:
            assert r == expected[f], f
