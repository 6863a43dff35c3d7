"""The wheel is what users install: every package folder must be a declared
``budgetlint.*`` package, every data file (rule YAML, JSON schemas, report
templates, recognizer vocabularies) must ship, and nothing may leak to the top
level as ``core``/``plugins``/``rules``/``schemas``.

The wheel is built from a clean copy of the source (no stale ``build/``), with
the venv's setuptools (no network).  Takes ~10-20 s."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("core", "plugins", "rules", "schemas", "executor", "store", "web")
CODE_SUFFIXES = (".py", ".pyc")


def _package_folders() -> list[Path]:
    return sorted(p.parent.relative_to(REPO) for f in FOLDERS for p in (REPO / f).rglob("__init__.py")
                  if "__pycache__" not in p.parts)


def _data_files() -> list[Path]:
    out = []
    for f in FOLDERS:
        for p in (REPO / f).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".") \
                    and p.suffix not in CODE_SUFFIXES:
                out.append(p.relative_to(REPO))
    return sorted(out)


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    for f in FOLDERS:
        shutil.copytree(REPO / f, src / f, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(tmp / "dist"), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = (tmp / "dist").glob("budgetlint-*.whl")
    return zipfile.ZipFile(whl)


def test_every_package_folder_is_declared(pyproject):
    setup = pyproject["tool"]["setuptools"]
    declared = set(setup["packages"])
    package_dir = setup["package-dir"]
    missing = []
    for folder in _package_folders():
        name = "budgetlint." + ".".join(folder.parts)
        if name not in declared:
            missing.append(name)
            continue
        # the package maps to this folder, explicitly or through its nearest mapped parent
        parts = name.split(".")
        for i in range(len(parts), 1, -1):
            prefix = ".".join(parts[:i])
            if prefix in package_dir:
                mapped = Path(package_dir[prefix], *parts[i:])
                assert mapped == folder, f"{name} maps to {mapped}, not {folder}"
                break
        else:
            pytest.fail(f"{name} has no package-dir mapping")
    assert not missing, "add to [tool.setuptools] packages in pyproject.toml: " + ", ".join(missing)
    assert not any(p.split(".")[0] != "budgetlint" for p in declared)


def test_wheel_contains_every_package(wheel):
    names = set(wheel.namelist())
    for folder in _package_folders():
        assert f"budgetlint/{folder.as_posix()}/__init__.py" in names, folder
    modules = [p.relative_to(REPO) for f in FOLDERS for p in (REPO / f).rglob("*.py")
               if "__pycache__" not in p.parts and (p.parent / "__init__.py").exists()]
    absent = [m.as_posix() for m in modules if f"budgetlint/{m.as_posix()}" not in names]
    assert not absent, absent
    tops = {n.split("/")[0] for n in names if not n.startswith("budgetlint-")}
    assert tops == {"budgetlint"}, tops


def test_wheel_contains_every_data_file(wheel):
    """Rule YAML, JSON schemas, reporter templates and any data file a plugin
    folder reads at run time."""
    names = set(wheel.namelist())
    data = _data_files()
    kinds = {p.suffix for p in data}
    assert {".yaml", ".json"} <= kinds
    assert any(p.parts[:3] == ("plugins", "reporters", "templates") for p in data)
    absent = [p.as_posix() for p in data if f"budgetlint/{p.as_posix()}" not in names]
    assert not absent, ("not in the wheel (add them to [tool.setuptools.package-data] in pyproject.toml): "
                        + ", ".join(absent))


def test_wheel_metadata(wheel):
    names = wheel.namelist()
    top = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert set(wheel.read(top).decode().split()) == {"budgetlint"}
    eps = wheel.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "budgetlint = budgetlint.core.cli:main" in eps
    for line in eps.splitlines():
        if "=" in line:
            assert line.split("=", 1)[1].strip().startswith("budgetlint."), line


def _fresh_python(code: str, cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    if extra_path:
        env["PYTHONPATH"] = str(extra_path)
    return subprocess.run([sys.executable, "-c", code], cwd=str(cwd), env=env, capture_output=True, text=True,
                          timeout=300)


def test_no_top_level_modules_leak(tmp_path):
    code = ("import importlib.util, json\n"
            "leaks = [m for m in ('core', 'plugins', 'rules', 'schemas') if importlib.util.find_spec(m)]\n"
            "import budgetlint.core.cli, budgetlint.plugins.loaders.text, budgetlint.rules, budgetlint.schemas\n"
            "print(json.dumps(leaks))\n")
    proc = _fresh_python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


def test_installed_wheel_parses_and_validates(wheel, tmp_path):
    """The unpacked wheel alone (ahead of the editable install on sys.path)
    loads plugins, rule packs and schemas from its own files."""
    site = tmp_path / "site"
    wheel.extractall(site)
    seed = sorted((REPO / "samples").glob("004_*.txt"))[0]
    code = ("import json, budgetlint.core\n"
            "from budgetlint.core.testing import make_host\n"
            "from budgetlint.core.loading import load_document\n"
            "from budgetlint.core.schemas import validate_document\n"
            "from budgetlint.core.engine import Checker\n"
            f"doc = load_document({str(seed)!r}, make_host())\n"
            "c = Checker()\n"
            "print(json.dumps({'file': budgetlint.core.__file__, 'errors': validate_document(doc),\n"
            "                  'packs': sorted(c.packs.builtins()), 'parts': len(doc['parts'])}))\n")
    proc = _fresh_python(code, tmp_path, extra_path=site)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["file"].startswith(str(site)), out["file"]
    assert out["errors"] == [] and out["parts"] == 6
    assert "national" in out["packs"]
