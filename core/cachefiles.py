"""The user cache dir and the two ways budgetlint writes into it.

Everything kept there (compiled rule packs, parsed data files, the plugin
manifest, checked documents' results) is an optimisation: a file that cannot
be written, read or trusted only costs speed, never an error.  Kept in a
module of its own, free of heavy imports, because the plugin host reads the
cache before anything else is imported.
"""
from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from budgetlint.core.errors import BudgetlintError

CACHE_DIR_ENV = "BUDGETLINT_CACHE_DIR"
NO_CACHE_ENV = "BUDGETLINT_NO_CACHE"


def cache_dir() -> Path | None:
    """Where compiled packs are kept between runs, or None when caching is
    off (``BUDGETLINT_NO_CACHE=1``, set by ``--no-cache``)."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    try:
        from platformdirs import user_cache_dir
    except ImportError:  # platformdirs is a dependency; stay usable without it
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "budgetlint"
    return Path(user_cache_dir("budgetlint", appauthor=False))


def _write_atomically(path: Path, dump: Any) -> bool:
    """Write a cache file through a temp file beside it, renamed, so a reader
    never sees half a file; a failure to write is swallowed and the temp
    removed (an interruption — Ctrl-C, a document's budget — is passed on)."""
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as fh:
            tmp = fh.name
            dump(fh)
        os.replace(tmp, path)
        return True
    except BaseException as exc:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if not isinstance(exc, Exception) or isinstance(exc, BudgetlintError):
            raise  # Ctrl-C, or a document's budget ran out while writing: not an unwritable cache
        return False


def store_pickle(path: Path, value: Any) -> bool:
    """Write ``value`` to a cache file atomically.  Returns whether the file
    was written."""
    return _write_atomically(path, lambda fh: pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL))


def store_json(path: Path, value: Any) -> bool:
    """Write ``value`` as JSON atomically (small manifests read at start-up,
    where ``json`` is already imported and a pickle would need ``pickle``)."""
    return _write_atomically(path, lambda fh: fh.write(json.dumps(value, ensure_ascii=False).encode("utf-8")))


def read_json(path: Path) -> Any:
    """A JSON cache file's value, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
