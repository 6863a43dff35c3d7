"""Compiled rule packs are reused between loaders and processes, and never
stale: a changed, added or removed pack file is picked up, a corrupt cache
file is ignored and rebuilt, ``--no-cache`` writes nothing."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import budgetlint.core.rulepack as rulepack
from budgetlint.core.rulepack import PackLoader
from budgetlint.core.testing import make_host

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "000_50578c8a95755eda.txt"


def _fresh_process_state(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Forget the in-process memos (as a new process would) and record every
    YAML parse from now on."""
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    monkeypatch.setattr(rulepack, "_PARSED", {})
    parsed: list[Path] = []
    real = rulepack._parse_yaml

    def counting(text: str, path: Path):
        parsed.append(path)
        return real(text, path)

    monkeypatch.setattr(rulepack, "_parse_yaml", counting)
    return parsed


def _loader() -> PackLoader:
    host = make_host()
    return PackLoader(host.registry, host.rule_pack_dirs())


def _bureau_pack(tmp_path: Path) -> Path:
    """A bureau pack extending national with one override and one own rule file."""
    pack = tmp_path / "bureau"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: bureau\nextends: national\n"
        "overrides:\n  fa-totals-balance:\n    severity: warning\n", encoding="utf-8")
    src = ROOT / "rules" / "national" / "scorecard-level1-weight.yaml"
    text = src.read_text(encoding="utf-8").replace("id: scorecard-level1-weight", "id: bureau-level1-weight", 1)
    (pack / "bureau-level1-weight.yaml").write_text(text, encoding="utf-8")
    return pack


def test_second_process_reads_no_yaml_and_gets_the_same_rules(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_process_state(monkeypatch)
    first = {name: _loader().load(name) for name in _loader().builtins()}
    assert list((cache / "packs").glob("*.pickle"))
    parsed = _fresh_process_state(monkeypatch)
    second = {name: _loader().load(name) for name in _loader().builtins()}
    assert parsed == []
    assert set(first) == set(second) and len(first) >= 3
    for name in first:
        assert [r.to_json() for r in first[name].rules.values()] == [r.to_json() for r in second[name].rules.values()]
        assert first[name].chain == second[name].chain


def test_changed_added_and_removed_rule_files_are_picked_up(cache: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _bureau_pack(tmp_path)
    _fresh_process_state(monkeypatch)
    before = _loader().load(str(pack))
    assert before.rules["fa-totals-balance"].severity == "warning"
    assert "bureau-level1-weight" in before.rules

    # same size, new content: a stat-based cache would miss this
    pfile = pack / "pack.yaml"
    pfile.write_text(pfile.read_text(encoding="utf-8").replace("warning", "info   "), encoding="utf-8")
    parsed = _fresh_process_state(monkeypatch)
    changed = _loader().load(str(pack))
    assert changed.rules["fa-totals-balance"].severity == "info"
    # a new process parses the changed pack's own files again; national, unchanged, comes from the disk cache
    assert pfile in parsed and all(p.parent == pack for p in parsed)

    shutil.copy(pack / "bureau-level1-weight.yaml", pack / "bureau-level1-weight-2.yaml")
    text = (pack / "bureau-level1-weight-2.yaml").read_text(encoding="utf-8")
    (pack / "bureau-level1-weight-2.yaml").write_text(
        text.replace("id: bureau-level1-weight", "id: bureau-level1-weight-2", 1), encoding="utf-8")
    assert "bureau-level1-weight-2" in _loader().load(str(pack)).rules

    (pack / "bureau-level1-weight.yaml").unlink()
    assert "bureau-level1-weight" not in _loader().load(str(pack)).rules


def test_a_changed_national_rule_reaches_the_packs_extending_it(cache: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "base"
    shutil.copytree(ROOT / "rules" / "national", base, ignore=shutil.ignore_patterns("__*"))
    (base / "pack.yaml").write_text("name: base-copy\ntitle: copy\n", encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text("name: child\nextends: base\n", encoding="utf-8")
    _fresh_process_state(monkeypatch)
    assert _loader().load(str(child)).rules["fa-totals-balance"].severity == "error"
    rfile = base / "fa-totals-balance.yaml"
    rfile.write_text(rfile.read_text(encoding="utf-8").replace("severity: error", "severity: info", 1),
                     encoding="utf-8")
    _fresh_process_state(monkeypatch)
    assert _loader().load(str(child)).rules["fa-totals-balance"].severity == "info"


def test_corrupt_cache_files_are_ignored_and_rebuilt(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fresh_process_state(monkeypatch)
    expected = _loader().load("national")
    files = list((cache / "packs").glob("*.pickle"))
    assert files
    for f in files:
        f.write_bytes(b"not a pickle" if f.stat().st_size % 2 else f.read_bytes()[:40])
    parsed = _fresh_process_state(monkeypatch)
    again = _loader().load("national")
    assert parsed  # rebuilt from YAML
    assert [r.to_json() for r in again.rules.values()] == [r.to_json() for r in expected.rules.values()]
    parsed = _fresh_process_state(monkeypatch)
    _loader().load("national")
    assert parsed == []  # and the rebuilt entries are good again


def test_no_cache_writes_nothing_and_gives_the_same_report(cache: Path, tmp_path: Path) -> None:
    exe = [str(Path(sys.executable).with_name("budgetlint"))]
    if not Path(exe[0]).exists():
        pytest.skip("the budgetlint console script is not installed beside this Python")
    off = subprocess.run([*exe, "--no-cache", "check", "--format", "json", str(SEED)],
                         capture_output=True, text=True, timeout=300)
    assert not (cache / "packs").exists()
    cold = subprocess.run([*exe, "check", "--format", "json", str(SEED)], capture_output=True, text=True, timeout=300)
    assert list((cache / "packs").glob("*.pickle"))
    warm = subprocess.run([*exe, "check", "--format", "json", str(SEED)], capture_output=True, text=True, timeout=300)
    assert off.returncode == cold.returncode == warm.returncode == 1, off.stderr + cold.stderr + warm.stderr

    def stable(out: str) -> str:
        import json

        report = json.loads(out)
        report.pop("timing", None)
        for key in ("generated_at", "elapsed", "duration"):
            report.get("summary", {}).pop(key, None)
        return json.dumps(report.get("findings"), ensure_ascii=False, sort_keys=True)

    assert stable(off.stdout) == stable(cold.stdout) == stable(warm.stdout)
    assert '"findings"' in off.stdout


def test_data_files_are_cached_by_content(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A recognizer's YAML vocabulary: the same plain data as the YAML parser
    gives, parsed once, and a changed file is parsed again."""
    from ruamel.yaml import YAML

    src = ROOT / "plugins" / "recognizers" / "scorecard_vocabulary.yaml"
    vocab = tmp_path / "vocab.yaml"
    shutil.copy(src, vocab)
    parsed = _fresh_process_state(monkeypatch)
    expected = YAML(typ="safe").load(src.read_text(encoding="utf-8"))
    assert rulepack.load_data_yaml(vocab) == expected
    assert parsed == [vocab]
    assert rulepack.load_data_yaml(vocab) == expected
    assert parsed == [vocab]  # second read from the cache dir
    vocab.write_text(vocab.read_text(encoding="utf-8") + "\nextra_key: 1\n", encoding="utf-8")
    assert rulepack.load_data_yaml(vocab)["extra_key"] == 1
    assert parsed == [vocab, vocab]


def test_pruning_survives_entries_removed_by_a_parallel_process(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checks pruning the shared cache at once: an entry the other one
    removed between listing and dating is skipped, not a crash (the fuzz
    campaign's workers crashed in their initializer on exactly this)."""
    import os

    for i in range(10):
        f = tmp_path / f"{i:02d}.pickle"
        f.write_bytes(b"x")
        os.utime(f, (i, i))
    listed = sorted(tmp_path.glob("*.pickle")) + [tmp_path / "gone.pickle"]
    monkeypatch.setattr(Path, "glob", lambda self, pattern: iter(listed))
    rulepack.PackCache._prune(tmp_path, keep=4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["06.pickle", "07.pickle", "08.pickle", "09.pickle"]
