"""Compiled regular expressions kept between runs of the command line.

A check of one short report compiles about 270 regular expressions (the
wording of the rule packs, the statements' patterns, every module's own), and
CPython compiles a class such as ``[\\u4e00-\\u9fff]`` code point by code
point: that was a quarter of the CPU time of ``budgetlint check`` on a short
report.  The result of compiling — the ``_sre`` program, a list of integers —
depends only on the pattern, its flags and the Python build, so the command
line keeps it in the cache dir and hands it straight to ``_sre.compile`` next
time.

This reaches into CPython's private ``re._compiler`` (the same in 3.11–3.13),
so it is guarded: only those versions, only while the cache dir is in use,
only in the processes the command line owns (:func:`install` is called by the
CLI and its workers, never on import), and anything unexpected — a program
``_sre`` rejects, an unreadable file — falls back to compiling as usual.  The
entries are keyed by the Python build, so a program is never used by another
interpreter.
"""
from __future__ import annotations

import atexit
import hashlib
import marshal
import sys
from functools import lru_cache
from pathlib import Path
from re import _compiler as _re_compiler
from typing import Any

#: at most this many patterns are kept (a bureau's rule packs add their own)
MAX_ENTRIES = 4096

_FORMAT = 2  # 2: programs stored as bytes
_installed = False
_original: Any = _re_compiler.compile  # CPython's own, taken before anything replaced it
_entries: dict[tuple[Any, int], tuple[Any, ...]] = {}
_used: set[tuple[Any, int]] = set()
_new = False
_file: Path | None = None


def _supported() -> bool:
    return sys.implementation.name == "cpython" and (3, 11) <= sys.version_info[:2] <= (3, 13)


def cache_file(folder: Path) -> Path:
    """One file per Python build and regular-expression engine."""
    import _sre
    from re import _constants

    tag = hashlib.sha256(repr((_FORMAT, sys.version, _constants.MAGIC, _sre.CODESIZE, _sre.MAXREPEAT,
                               _sre.MAXGROUPS)).encode()).hexdigest()[:16]
    return folder / f"regex-{tag}.marshal"


def install() -> None:
    """Compile regular expressions through the cache from now on, in this
    process; save the new ones when it exits.  A no-op when caching is off
    (``--no-cache``), on other Python versions, or when already installed."""
    global _installed, _file
    from budgetlint.core.cachefiles import cache_dir

    folder = cache_dir()
    if _installed or folder is None or not _supported():
        return
    _file = cache_file(folder)
    _entries.update(_read(_file))
    _re_compiler.compile = _compile
    _installed = True
    atexit.register(save)


def uninstall() -> None:
    """Compile as usual again (for tests); the entries stay in memory."""
    global _installed
    if _installed:
        _re_compiler.compile = _original
        atexit.unregister(save)
        _installed = False


def _read(file: Path) -> dict[tuple[Any, int], tuple[Any, ...]]:
    try:
        data = marshal.loads(file.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=1)
def _typecode() -> str:
    import _sre
    from array import array

    return next(t for t in "IL" if array(t).itemsize == _sre.CODESIZE)


def _code_bytes(code: list[int]) -> bytes:
    """A program as bytes: the file then holds no Python ints to rebuild on
    reading, only the programs a run uses become lists."""
    from array import array

    return array(_typecode(), code).tobytes()


def _code_list(program: bytes) -> list[int]:
    from array import array

    return array(_typecode(), program).tolist()


def _compile(p: Any, flags: int = 0) -> Any:
    import _sre
    from re import _compiler, _parser

    if not isinstance(p, (str, bytes)) or flags & _compiler.SRE_FLAG_DEBUG:
        return _original(p, flags)
    flags = int(flags)  # re passes plain ints; a RegexFlag could not be written
    key = (p, flags)
    hit = _entries.get(key)
    if hit is not None:
        try:
            flags_out, program, groups, groupindex, indexgroup = hit
            pattern = _sre.compile(p, flags_out, _code_list(program), groups, groupindex, indexgroup)
        except (RuntimeError, TypeError, ValueError, OverflowError, IndexError):
            # not a program this engine accepts ("invalid SRE code"): compile it again below.  Only
            # these: a time budget's exception raised here must reach the document's handler
            del _entries[key]
        else:
            _used.add(key)
            return pattern
    parsed = _parser.parse(p, flags)
    code = [int(op) for op in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    args = (flags | parsed.state.flags, code, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    pattern = _sre.compile(p, *args)
    global _new
    _entries[key] = (args[0], _code_bytes(code), *args[2:])
    _used.add(key)
    _new = True
    return pattern


def save() -> None:
    """Write the entries (merged with what other processes saved meanwhile)
    when this process compiled new ones; bounded by :data:`MAX_ENTRIES`."""
    global _new
    if not _new or _file is None or not _file.parent.is_dir():
        return  # nothing new, or the cache dir was removed while this process ran: not brought back
    from budgetlint.core.cachefiles import _write_atomically

    merged = {**_read(_file), **_entries}
    if len(merged) > MAX_ENTRIES:  # keep what this process used, drop the rest
        merged = {k: v for k, v in _entries.items() if k in _used}
    try:
        blob = marshal.dumps(merged)
    except ValueError:  # an entry marshal cannot write: nothing is lost but speed
        return
    if _write_atomically(_file, lambda fh: fh.write(blob)):
        _new = False
