"""The streamed JSONL report says what the JSON report says, and the result
cache reuses exactly the documents that did not change."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from budgetlint.core.engine import Checker
from budgetlint.core.stream import ResultCache, check_to_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """The text seeds plus one unreadable file."""
    d = tmp_path_factory.mktemp("stream")
    for p in sorted((ROOT / "samples").glob("00*.txt")):
        shutil.copy(p, d / p.name)
    (d / "zz-broken.docx").write_bytes(b"PK\x03\x04 not a zip")
    return d


def test_jsonl_streamed_with_two_jobs_matches_the_json_report(batch: Path, cli) -> None:
    jl = batch.parent / "report.jsonl"
    js = batch.parent / "report.json"
    streamed = cli("check", batch, "--format", "jsonl", "--jobs", 2, "-o", jl, cwd=batch.parent)
    built = cli("check", batch, "--format", "json", "--jobs", 1, "-o", js, cwd=batch.parent)
    assert streamed.returncode == built.returncode == 3  # the broken DOCX
    lines = [json.loads(x) for x in jl.read_text(encoding="utf-8").splitlines()]
    report = json.loads(js.read_text(encoding="utf-8"))

    assert lines[-1]["type"] == "summary" and all(x["type"] != "summary" for x in lines[:-1])
    docs = [{k: v for k, v in x.items() if k != "type"} for x in lines if x["type"] == "document"]
    findings = [{k: v for k, v in x.items() if k != "type"} for x in lines if x["type"] == "finding"]
    assert docs == report["documents"]
    assert findings == report["findings"]
    assert len(findings) > 100
    expected = {k: v for k, v in report["summary"].items() if k != "matrix"}
    assert lines[-1]["summary"] == expected
    assert lines[-1]["rule_pack"] == report["rule_pack"]
    # each finding follows its own document line
    current = None
    for x in lines[:-1]:
        if x["type"] == "document":
            current = x["path"]
        else:
            assert x["source"] == current


def test_jsonl_exit_code_follows_fail_on(cli, tmp_path: Path) -> None:
    seed = ROOT / "samples" / "004_4b65da696dc0427c.txt"
    assert cli("check", seed, "--format", "jsonl").returncode == 1
    assert cli("check", seed, "--format", "jsonl", "--fail-on", "never").returncode == 0


def test_result_cache_reuses_unchanged_documents_only(batch: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(batch, docs)
    files = sorted(str(p) for p in docs.iterdir())
    checker = Checker()

    first_cache = ResultCache(checker, tmp_path / "cache")
    first = list(check_to_store(checker, files, jobs=1, progress=False, cache=first_cache))
    assert first_cache.hits == 0

    again = ResultCache(checker, tmp_path / "cache")
    second = list(check_to_store(checker, files, jobs=1, progress=False, cache=again))
    readable = sum(1 for r in first if r["document"]["status"] == "checked")
    assert again.hits == readable == len(files) - 1  # the broken file is always tried again
    assert second == first

    changed = docs / "004_4b65da696dc0427c.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("522.47", "522.48", 1), encoding="utf-8")
    third_cache = ResultCache(checker, tmp_path / "cache")
    third = list(check_to_store(checker, files, jobs=1, progress=False, cache=third_cache))
    assert third_cache.hits == readable - 1
    i = files.index(str(changed))
    assert third[i]["document"]["sha256"] != first[i]["document"]["sha256"]
    assert [r for j, r in enumerate(third) if j != i] == [r for j, r in enumerate(first) if j != i]


def test_corrupt_result_cache_entries_are_rebuilt(batch: Path, tmp_path: Path) -> None:
    files = [str(sorted(batch.glob("*.txt"))[0])]
    checker = Checker()
    first = list(check_to_store(checker, files, jobs=1, progress=False,
                                cache=ResultCache(checker, tmp_path / "cache")))
    entries = list((tmp_path / "cache" / "results").rglob("*.pickle"))
    assert len(entries) == 1
    entries[0].write_bytes(b"\x80\x05garbage")
    cache = ResultCache(checker, tmp_path / "cache")
    assert list(check_to_store(checker, files, jobs=1, progress=False, cache=cache)) == first
    assert cache.hits == 0
    cache = ResultCache(checker, tmp_path / "cache")
    list(check_to_store(checker, files, jobs=1, progress=False, cache=cache))
    assert cache.hits == 1


def test_jsonl_with_a_baseline_shows_only_new_findings(cli, tmp_path: Path) -> None:
    seed = ROOT / "samples" / "004_4b65da696dc0427c.txt"
    base = tmp_path / "base.json"
    assert cli("check", seed, "--format", "json", "-o", base).returncode == 1
    proc = cli("check", seed, "--format", "jsonl", "--baseline", base)
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["type"] for x in lines] == ["document", "summary"]  # every finding is known: none is new
    assert lines[-1]["summary"]["findings"] == 0 and proc.returncode == 0
    known = json.loads(base.read_text(encoding="utf-8"))["findings"]
    assert lines[-1]["summary"]["baseline_known"] == len(known) > 10  # the JSON report's summary, as every format


def test_one_document_never_touches_the_disk_a_batch_spills(monkeypatch) -> None:
    """``budgetlint check one.txt`` (in process) keeps its one result in
    memory, so no temporary file is made; a batch puts every result but the
    last on disk and reads back what was checked."""
    import tempfile

    from budgetlint.core.batch import check_files
    from budgetlint.core.reportstream import finish

    made: list[str] = []
    real = tempfile.TemporaryFile

    def counted(*a, **kw):
        made.append(kw.get("prefix", ""))
        return real(*a, **kw)

    monkeypatch.setattr(tempfile, "TemporaryFile", counted)
    checker = Checker()
    seeds = [str(p) for p in sorted((ROOT / "samples").glob("00*.txt"))]
    one = check_to_store(checker, seeds[:1], jobs=1, progress=False)
    report = finish(checker, iter(one), [])
    assert len(list(report.findings())) > 10 and made == []
    report.close()
    one.close()
    many = check_to_store(checker, seeds[:3], jobs=1, progress=False)
    assert made == ["budgetlint-results-"]
    assert list(many) == check_files(checker, seeds[:3], jobs=1, progress=False)
    many.close()
