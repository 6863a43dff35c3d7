"""Plugin host: entry points for built-ins and third parties alike, a real
third-party distribution working from the CLI, blocking, and validation of
what plugins register."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from budgetlint.core.checks import Check
from budgetlint.core.errors import PluginError
from budgetlint.core.hookspecs import hookimpl
from budgetlint.core.plugins import PluginHost, Registry

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE_001 = ROOT / "samples" / "001_2380c398e9c55637.txt"


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the demo plugin distribution with pip into a private target."""
    site = tmp_path_factory.mktemp("site")
    src = tmp_path_factory.mktemp("src") / "demo_plugin"
    shutil.copytree(ROOT / "tests" / "fixtures" / "demo_plugin", src)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--target", str(site), str(src)], check=True, capture_output=True)
    assert any(p.name.startswith("budgetlint_demo_plugin") and p.suffix == ".dist-info" for p in site.iterdir())
    return site


def _run(args: list[str], site: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "BUDGETLINT_DISABLE_PLUGINS"}
    if site:
        e["PYTHONPATH"] = str(site)
    e.update(env)
    return subprocess.run([str(BIN / "budgetlint"), *args], capture_output=True, text=True, env=e, cwd=ROOT)


def test_builtins_come_through_the_entry_point_group() -> None:
    host = PluginHost()
    names = host.plugin_names
    for builtin in ("loaders", "recognizers", "checks", "reporters", "rulepacks"):
        assert builtin in names
    assert "text.forbidden_pattern" in host.registry.checks
    assert ".txt" in host.registry.supported_extensions()


def test_third_party_plugin_adds_check_and_pack_from_the_cli(demo_site: Path, tmp_path: Path) -> None:
    out = _run(["rules", "explain", "--list-checks"], demo_site)
    assert "demo.minimum_paragraphs" in out.stdout
    out = _run(["rules", "list", "--rules", "demo-pack"], demo_site)
    assert "report-too-short" in out.stdout and "template-placeholder-left" in out.stdout  # inherits national
    report = tmp_path / "r.json"
    out = _run(["check", "--rules", "demo-pack", "--format", "json", "-o", str(report), str(SAMPLE_001)], demo_site)
    import json

    data = json.loads(report.read_text(encoding="utf-8"))
    demo = [f for f in data["findings"] if f["rule_id"] == "report-too-short"]
    # seed 001's 项目 reports are a few lines each; its 部门整体 report (18 paragraphs) is long enough
    assert demo and all(f["severity"] == "warning" for f in demo)
    assert {f["part"]["type"] for f in demo} == {"项目支出绩效自评报告"}
    assert out.returncode == 1  # the national rule still fires an error on line 214


def test_third_party_pack_cases_run_with_shipped_helpers(demo_site: Path) -> None:
    pack = demo_site / "budgetlint_demo" / "pack"
    out = _run(["rules", "test", str(pack), "--coverage"], demo_site)
    assert out.returncode == 0, out.stderr
    assert "2 passed, 0 failed" in out.stdout
    tests = ROOT / "tests" / "fixtures" / "demo_plugin" / "tests"
    env = {**os.environ, "PYTHONPATH": str(demo_site)}
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
                         capture_output=True, text=True, env=env, cwd=demo_site)
    assert res.returncode == 0, res.stdout + res.stderr


def test_disable_plugins_blocks_a_named_plugin(demo_site: Path) -> None:
    out = _run(["rules", "list", "--rules", "demo-pack"], demo_site, BUDGETLINT_DISABLE_PLUGINS="demo")
    assert out.returncode == 2
    assert "unknown rule pack 'demo-pack'" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_misspelled_hook_is_an_error_not_a_silent_no_op() -> None:
    class Typo:
        @hookimpl
        def budgetlint_registr(self, registry: Registry) -> None:  # noqa: D401 - misspelled on purpose
            pass

    with pytest.raises(PluginError, match="budgetlint_registr"):
        PluginHost(entry_points=False, plugins=[Typo()])


class _Good(Check):
    """Doc.

    What it checks
        x
    Why it matters
        y
    Parameters
        level: a level.
    Example
        z
    """

    id: ClassVar[str] = "t.good"
    params_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {"level": {"type": "integer"}}}

    def run(self, ctx: Any) -> None:
        ctx.counted()


def test_registering_a_check_validates_it() -> None:
    reg = Registry()
    reg.add_check(_Good)
    with pytest.raises(PluginError, match="registered twice"):
        reg.add_check(_Good)

    class BadSchema(_Good):
        __doc__ = _Good.__doc__
        id = "t.bad_schema"
        params_schema = {"type": "object", "properties": {"level": {"type": "integr"}}}

    with pytest.raises(PluginError, match="not a valid JSON Schema"):
        reg.add_check(BadSchema)

    class Undocumented(_Good):
        """Only a summary."""

        id = "t.undocumented"

    with pytest.raises(PluginError, match="lacks section"):
        reg.add_check(Undocumented)

    class ParamNotDocumented(_Good):
        __doc__ = _Good.__doc__
        id = "t.param"
        params_schema = {"type": "object", "properties": {"level": {"type": "integer"}, "other": {"type": "string"}}}

    with pytest.raises(PluginError, match="parameters not documented: other"):
        reg.add_check(ParamNotDocumented)

    class BadId(_Good):
        __doc__ = _Good.__doc__
        id = "Bad Id"

    with pytest.raises(PluginError, match="invalid id"):
        reg.add_check(BadId)
