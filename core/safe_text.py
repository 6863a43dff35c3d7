"""Text that is safe to show: on a terminal, in a one-line error, in any
report format.

Documents and file names are untrusted.  An ESC/BEL/OSC sequence in a cell,
or a U+202E (right-to-left override) in a file name, must not reach a
terminal raw — it could retitle the window, hide text or reverse what a clerk
reads.  A file name that is not UTF-8 (unzipping a Windows archive) arrives
from the OS as lone surrogates (``surrogateescape``), which no UTF-8 writer
accepts.  Both are shown escaped, as ``\\x1b`` / ``\\u202e`` / ``\\xb1``, so
the place stays identifiable and nothing is silently dropped.
"""
from __future__ import annotations

import re
from typing import Any

# C0 (except tab/newline), DEL, C1, bidi embeddings/overrides/isolates and marks, lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\t\n" + _UNSAFE.pattern[1:])


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return {"\t": " ", "\n": " "}.get(ch, f"\\x{code:02x}")
    return f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with control, bidi and surrogate characters escaped; with
    ``one_line`` tabs and newlines become spaces too."""
    rx = _UNSAFE_LINE if one_line else _UNSAFE
    return rx.sub(_escape, text) if rx.search(text) else text


def scrub(obj: Any) -> Any:
    """Every string of a report (nested dicts/lists) made safe for any writer
    and terminal; keys included, numbers untouched."""
    if isinstance(obj, str):
        return printable(obj)
    if isinstance(obj, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(scrub(v) for v in obj)
    return obj
