"""Shared fixtures for budgetlint's own tests: the repository root, the real
seed reports in ``samples/``, a cached plugin host and a CLI runner that
starts a fresh interpreter (so exit codes and stderr are the real ones)."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds() -> dict[str, Path]:
    """The five real seed reports keyed by their three-digit prefix ("000" … "004")."""
    found = {p.name[:3]: p for p in sorted(SAMPLES.glob("00*.txt"))}
    assert len(found) == 5, f"expected the five seed reports in {SAMPLES}, found {sorted(found)}"
    return found


@pytest.fixture(scope="session")
def host():
    from budgetlint.core.testing import make_host

    return make_host()


@pytest.fixture(scope="session")
def load(host) -> Callable[..., dict]:
    """``load(path)`` → canonical document through the public API (loader + recognizers)."""
    from budgetlint.core.loading import load_document

    def _load(path: str | Path, **kw) -> dict:
        return load_document(path, host, **kw)

    return _load


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess]:
    """``cli("check", "--format", "json", path, cwd=...)`` runs budgetlint in a
    subprocess and returns the completed process (text mode, UTF-8)."""

    def _run(*args: str | Path, cwd: str | Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
        env.pop("BUDGETLINT_DEBUG", None)
        return subprocess.run([sys.executable, "-m", "budgetlint.core.cli", *map(str, args)],
                              cwd=str(cwd or REPO), env=env, capture_output=True, text=True,
                              encoding="utf-8", timeout=timeout)

    return _run


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache dir of the test's own (compiled packs, plugin manifest,
    compiled patterns …), caching on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("BUDGETLINT_CACHE_DIR", str(folder))
    monkeypatch.delenv("BUDGETLINT_NO_CACHE", raising=False)
    return folder
