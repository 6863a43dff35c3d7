"""What ``budgetlint check`` keeps in the cache dir to start fast (issue 14 §1)
is never stale and never changes a result:

* the plugin manifest (core/discovery.py): a check module is imported only
  when one of its rules runs; a changed module is registered again;
* the entry-point list (core/plugins.py): a newly installed plugin is seen;
* the validated built-in packs and their ``select`` (core/rulepack.py): a
  broken or changed pack file is still caught, and a folder whose
  modification time is unchanged is not listed again;
* compiled regular expressions (core/regexcache.py): the same programs as
  compiling afresh.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import budgetlint.core.rulepack as rulepack
from budgetlint.core.discovery import register_submodules
from budgetlint.core.errors import PluginError
from budgetlint.core.plugins import PluginHost, Registry, installed_entry_points
from budgetlint.core.rulepack import PackLoader

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "000_50578c8a95755eda.txt"


def _run(code: str, cache: Path) -> str:
    env = {**os.environ, "BUDGETLINT_CACHE_DIR": str(cache)}
    env.pop("BUDGETLINT_NO_CACHE", None)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


# ------------------------------------------------------------ plugin manifest

_HOST_PROBE = """
    import json, sys
    from budgetlint.core.plugins import PluginHost
    from budgetlint.core.rulepack import registry_fingerprint
    host = PluginHost()
    before = sorted(m for m in sys.modules if m.startswith("budgetlint.plugins.checks."))
    cls = host.registry.checks["scorecard.weight_sum"]
    after = sorted(m for m in sys.modules if m.startswith("budgetlint.plugins.checks."))
    print(json.dumps({"before": before, "after": after, "class": f"{cls.__module__}:{cls.__qualname__}",
                      "ids": sorted(host.registry.checks), "loaders": sorted(host.registry.loaders),
                      "fingerprint": registry_fingerprint(host.registry)}))
"""


def test_second_process_imports_a_check_module_only_when_its_check_is_used(cache: Path) -> None:
    first = json.loads(_run(_HOST_PROBE, cache))
    assert list((cache / "plugins").glob("*.json"))
    second = json.loads(_run(_HOST_PROBE, cache))
    assert len(first["before"]) > 20  # the first process imported every check module to write the manifest
    assert second["before"] == []
    assert second["class"].split(":")[0] in second["after"] and len(second["after"]) <= 3  # it and its helpers
    for key in ("class", "ids", "loaders", "fingerprint"):
        assert first[key] == second[key], key
    off = json.loads(_run("import os; os.environ['BUDGETLINT_NO_CACHE'] = '1'\n" + textwrap.dedent(_HOST_PROBE),
                          cache))
    assert off["fingerprint"] == second["fingerprint"]  # the manifest's data is the classes' data


def _plugin_package(root: Path, name: str, checks: dict[str, str]) -> Path:
    pkg = root / name
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    for module, check_id in checks.items():
        (pkg / f"{module}.py").write_text(textwrap.dedent(f'''
            from budgetlint.core.checks import Check

            class C(Check):
                """A probe.

                What it checks
                    Nothing.

                Why it matters
                    It is a probe.

                Parameters
                    none.

                Example
                    none.
                """
                id = "{check_id}"
                params_schema = {{"type": "object", "properties": {{}}}}

                def run(self, ctx):
                    pass

            def register(registry):
                registry.add_check(C)
                registry.add_loader("{module}", [".{module}"], "{name}.{module}:C")
            '''), encoding="utf-8")
    return pkg


def _register(pkg: Path) -> Registry:
    registry = Registry()
    register_submodules(pkg.name, [str(pkg)], registry)
    return registry


def test_a_changed_or_added_plugin_module_is_registered_again(cache: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = _plugin_package(tmp_path, "bl_probe_plugins", {"one": "probe.one"})
    assert list(_register(pkg).checks) == ["probe.one"]
    assert (cache / "plugins" / "bl_probe_plugins.json").exists()
    sys.modules.pop("bl_probe_plugins.one", None)
    replayed = _register(pkg)
    assert list(replayed.checks) == ["probe.one"] and "bl_probe_plugins.one" not in sys.modules
    assert replayed.checks["probe.one"].id == "probe.one"  # imported now, on first use
    _plugin_package(tmp_path, "bl_probe_plugins", {"two": "probe.two"})
    assert sorted(_register(pkg).checks) == ["probe.one", "probe.two"]
    (pkg / "two.py").write_text((pkg / "two.py").read_text(encoding="utf-8").replace("probe.two", "probe.three"),
                                encoding="utf-8")
    sys.modules.pop("bl_probe_plugins.two", None)
    assert sorted(_register(pkg).checks) == ["probe.one", "probe.three"]


def test_a_check_that_can_no_longer_be_imported_is_a_one_line_plugin_error(cache: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = _plugin_package(tmp_path, "bl_probe_gone", {"one": "probe.gone"})
    _register(pkg)
    sys.modules.pop("bl_probe_gone.one", None)
    replayed = _register(pkg)
    monkeypatch.setitem(sys.modules, "bl_probe_gone.one", None)  # as if its dependency had been uninstalled
    with pytest.raises(PluginError) as err:
        replayed.checks["probe.gone"]
    assert "probe.gone" in str(err.value) and "\n" not in str(err.value) and "--no-cache" in str(err.value)


def test_a_target_that_cannot_be_named_leaves_no_manifest(cache: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg = tmp_path / "bl_probe_lambda"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "mod.py").write_text("def register(registry):\n"
                                "    registry.add_recognizer('probe', lambda doc, host: None)\n", encoding="utf-8")
    assert "probe" in _register(pkg).recognizers
    assert not (cache / "plugins" / "bl_probe_lambda.json").exists()
    assert "probe" in _register(pkg).recognizers  # imported and registered again each time


# --------------------------------------------------------------- entry points

def test_entry_points_are_the_installed_ones_and_a_new_distribution_is_seen(cache: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    expected = [(ep.name, ep.value) for d in importlib.metadata.distributions() for ep in d.entry_points
                if ep.group == "budgetlint"]
    assert installed_entry_points("budgetlint") == expected
    assert list(cache.glob("entry-points-*.json"))
    assert installed_entry_points("budgetlint") == expected  # from the file
    site = tmp_path / "site"
    dist = site / "bl_probe_dist-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: bl-probe-dist\nVersion: 1.0\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text("[budgetlint]\nprobe = bl_probe_ep\n", encoding="utf-8")
    (site / "bl_probe_ep.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    assert ("probe", "bl_probe_ep") in installed_entry_points("budgetlint")
    host = PluginHost()
    assert "probe" in host.plugin_names


def test_version_is_the_installed_one_kept_with_the_entry_points(cache: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The version a report names comes from the cache file once read (no
    importlib.metadata at start-up); the entry points stored beside it stay,
    and a reinstall (a changed entry_points.txt) reads it again."""
    import json
    import importlib.metadata

    from budgetlint.core.plugins import installed_version

    real = importlib.metadata.version("budgetlint")
    assert installed_version() == real
    expected = installed_entry_points("budgetlint")
    (file,) = cache.glob("entry-points-*.json")
    data = json.loads(file.read_text(encoding="utf-8"))
    assert data["version"] == real and [tuple(e) for e in data["budgetlint"]] == expected
    file.write_text(json.dumps({**data, "version": "9.9.9"}), encoding="utf-8")
    assert installed_version() == "9.9.9"  # from the file, not from the metadata
    site = tmp_path / "site"
    dist = site / "bl_probe_dist-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "entry_points.txt").write_text("[budgetlint]\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    assert installed_version() == real


def test_cli_version_names_the_installed_version(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``budgetlint --version`` prints what click's version option printed,
    with caching on (twice: written, then read) and off."""
    import importlib.metadata

    want = f"budgetlint, version {importlib.metadata.version('budgetlint')}"
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(tmp_path / "c"))
    for _ in range(2):
        out = cli("--version")
        assert out.returncode == 0 and out.stdout.strip() == want
    assert list((tmp_path / "c").glob("entry-points-*.json"))
    monkeypatch.setenv("BUDGETLINT_NO_CACHE", "1")
    out = cli("--version")
    assert out.returncode == 0 and out.stdout.strip() == want


# ------------------------------------------------------------------ rule packs

def _loader() -> PackLoader:
    host = PluginHost()
    return PackLoader(host.registry, host.rule_pack_dirs() + rulepack.extra_rule_dirs())


def _age(folder: Path, seconds: float = 60) -> None:
    """Make a folder look settled (changed a while ago)."""
    old = time.time() - seconds
    for p in [folder, *folder.iterdir()]:
        os.utime(p, (old, old))


def test_validating_unchanged_builtin_packs_loads_none_of_them(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    first = _loader()
    first.validate_builtins()
    assert len(first._cache) >= 3
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    second = _loader()
    second.validate_builtins()
    assert second._cache == {}
    name = second.select_builtin({"fiscal_year": 2024, "region": "湖南省"}, "绩效自评报告")
    assert second._cache == {}  # chosen from the catalogue's selects
    assert name == first.select_builtin({"fiscal_year": 2024, "region": "湖南省"}, "绩效自评报告")


def test_a_pack_broken_after_validation_still_stops_the_command(cache: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    bureau = tmp_path / "bureau-rules" / "bureau-2024"
    bureau.mkdir(parents=True)
    (bureau / "pack.yaml").write_text("name: bureau-2024\nextends: national\nselect:\n  years: [2024]\n",
                                      encoding="utf-8")
    monkeypatch.setenv("BUDGETLINT_RULES_PATH", str(tmp_path / "bureau-rules"))
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    _loader().validate_builtins()
    (bureau / "pack.yaml").write_text("name: bureau-2024\nextends: national\noverrides:\n  no-such-rule: {}\n",
                                      encoding="utf-8")
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    with pytest.raises(rulepack.RulePackError, match="no-such-rule"):
        _loader().validate_builtins()


def test_a_settled_folder_is_not_listed_again_and_a_new_file_in_it_is_seen(cache: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "bureau"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: bureau\nextends: national\n", encoding="utf-8")
    src = ROOT / "rules" / "national" / "scorecard-level1-weight.yaml"
    (pack / "bureau-a.yaml").write_text(src.read_text(encoding="utf-8").replace(
        "id: scorecard-level1-weight", "id: bureau-a", 1), encoding="utf-8")
    _age(pack)
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    assert "bureau-a" in _loader().load(str(pack)).rules
    relisted: list[str] = []
    real = rulepack._relist
    monkeypatch.setattr(rulepack, "_relist", lambda key: relisted.append(key) or real(key))
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    assert "bureau-a" in _loader().load(str(pack)).rules
    assert not any(str(pack) in k for k in relisted)  # the stamp said: same names
    (pack / "bureau-b.yaml").write_text(src.read_text(encoding="utf-8").replace(
        "id: scorecard-level1-weight", "id: bureau-b", 1), encoding="utf-8")
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    assert "bureau-b" in _loader().load(str(pack)).rules


def test_a_folder_changed_just_now_gets_no_stamp(tmp_path: Path) -> None:
    pack = tmp_path / "p"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: p\n", encoding="utf-8")
    key = json.dumps(["rules", str(pack / "pack.yaml"), ["*.yaml"]])
    assert rulepack._folder_stamp(key, settled=True) is None  # same clock tick as a later change could be
    _age(pack)
    assert rulepack._folder_stamp(key, settled=True) == rulepack._folder_stamp(key)
    assert rulepack._folder_stamp(json.dumps(["rules", str(pack / "pack.yaml"), ["sub/*.yaml"]])) is None


# -------------------------------------------------------- regular expressions

def test_cached_programs_are_the_programs_compiled_afresh(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetlint.core import regexcache

    if not regexcache._supported():
        pytest.skip(f"the compiled-pattern cache is off on {sys.version.split()[0]}")
    patterns = [(r"[\u4e00-\u9fff]{2,8}=(?P<x>[\u3400-\u9fff]+)", 0), (r"(\d+(?:\.\d+)?)万元", 0),
                (r"(?i)ab[c-f]+\b", 0), (r"^\s*第[一二三四五六七八九十]+部分", re.M), (rb"\x00+", 0)]
    monkeypatch.setattr(regexcache, "_entries", {})
    monkeypatch.setattr(regexcache, "_used", set())
    # independent of a CLI run in this process (which installs it for the session's cache dir)
    monkeypatch.setattr(re._compiler, "compile", regexcache._original)
    monkeypatch.setattr(regexcache, "_installed", False)
    cache.mkdir(parents=True)
    regexcache.install()
    try:
        first = [regexcache._compile(p, f) for p, f in patterns]
        regexcache.save()
        assert regexcache.cache_file(cache).exists()
        regexcache._entries.clear()
        regexcache._entries.update(regexcache._read(regexcache.cache_file(cache)))
        assert all(k in regexcache._entries for k in patterns)
        second = [regexcache._compile(p, f) for p, f in patterns]
    finally:
        regexcache.uninstall()
    for (p, f), a, b in zip(patterns, first, second):
        fresh = regexcache._original(p, f)
        assert a == b == fresh, p  # Pattern equality compares flags, pattern and the program
        assert (b.groups, b.groupindex) == (fresh.groups, fresh.groupindex)
    assert second[0].search("收入=预算").group("x") == "预算"


def test_a_corrupt_regex_cache_is_compiled_afresh(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetlint.core import regexcache

    if not regexcache._supported():
        pytest.skip(f"the compiled-pattern cache is off on {sys.version.split()[0]}")
    monkeypatch.setattr(regexcache, "_entries", {(r"a+b", 0): (32, b"\xff" * 12, 0, {}, (None,))})
    monkeypatch.setattr(regexcache, "_used", set())
    assert regexcache._compile(r"a+b", 0).match("aab")
    assert regexcache._entries[(r"a+b", 0)][1] != b"\xff" * 12  # replaced by the real program


def test_the_command_line_gives_the_same_report_cold_and_warm(cache: Path) -> None:
    exe = Path(sys.executable).with_name("budgetlint")
    if not exe.exists():
        pytest.skip("the budgetlint console script is not installed beside this Python")
    runs = [subprocess.run([str(exe), "check", "--format", "json", str(SEED)], capture_output=True, text=True,
                           timeout=300, env={**os.environ, "BUDGETLINT_CACHE_DIR": str(cache)}) for _ in range(2)]
    assert list(cache.glob("regex-*.marshal")) and list((cache / "plugins").glob("*.json"))

    def findings(out: str) -> str:
        return json.dumps(json.loads(out)["findings"], ensure_ascii=False, sort_keys=True)

    assert runs[0].returncode == runs[1].returncode == 1, runs[0].stderr
    assert findings(runs[0].stdout) == findings(runs[1].stdout)


# ------------------------------------------------- budgets are not cache errors

def test_a_budget_running_out_inside_a_cache_is_passed_on(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A document's time budget raises at whatever bytecode runs when it ends
    (core/batch.py ``document_budget``).  The caches treat an unreadable or
    unwritable file as a miss; the budget's exception must not be taken for
    one, or the document over its budget is reported as checked."""
    from budgetlint.core import cachefiles, regexcache
    from budgetlint.core.errors import LimitExceededError

    def over(*_a: object, **_k: object) -> None:
        raise LimitExceededError("超出处理限制：处理时间超过 0.001 秒")

    with pytest.raises(LimitExceededError):
        cachefiles.store_pickle(cache / "x.pickle", object.__new__(type("Slow", (), {"__reduce__": over})))
    assert cachefiles.store_pickle(cache / "y.pickle", {"a": 1})
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    loader = _loader()
    loader.load("national")
    monkeypatch.setattr(rulepack, "_RESOLVED", {})
    monkeypatch.setattr(rulepack.pickle, "load", over)
    with pytest.raises(LimitExceededError):
        _loader().load("national")
    if regexcache._supported():
        import _sre

        monkeypatch.setattr(regexcache, "_entries", {("a+", 0): (32, b"", 0, {}, (None,))})
        monkeypatch.setattr(_sre, "compile", over)
        with pytest.raises(LimitExceededError):
            regexcache._compile("a+", 0)


def test_cells_of_one_text_share_no_value():
    """make_cell caches a text's display form and parsed value: every cell
    still gets a value of its own (a recognizer that annotates one cell's
    value must not change another cell printing the same amount), and a
    long text, not cached, is parsed the same way."""
    from budgetlint.core.document import make_cell

    a, b = make_cell("1,049.47", {"page": 1}), make_cell("1,049.47", {"page": 2})
    assert a["value"] == b["value"] == {"kind": "number", "number": "1049.47", "decimals": 2}
    a["value"]["role"] = "total"
    assert "role" not in b["value"] and "role" not in make_cell("1,049.47", {})["value"]
    m1, m2 = make_cell("2次会议70个文件", {}), make_cell("2次会议70个文件", {})
    m1["value"]["numbers"].append("9")
    assert m2["value"]["numbers"] == ["2", "70"]
    long = make_cell("说明" * 150 + " 12.5", {})
    assert long["text"] == "说明" * 150 + "12.5" and long["raw"] == "说明" * 150 + " 12.5"
    assert long["value"] == {"kind": "target", "number": "12.5", "decimals": 1, "label": "说明" * 150}
    assert make_cell("  ", {}) == {"text": "", "loc": {}, "raw": "  "}
