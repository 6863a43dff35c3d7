"""Malformed inputs from real samples, and the one rule for judging what
budgetlint did with them.

Shared by the property tests (tests/test_fuzz.py, run by ``make test``) and
the longer campaign (scripts/fuzz_campaign.py).  Every input must end in one
of three clean outcomes — read, a one-line error, or over budget — never a
traceback, a hang or an internal error.
"""
from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: outcome names, in report order
OUTCOMES = ("read", "one-line error", "over budget", "internal error", "traceback")


def flip_bytes(data: bytes, rng: random.Random, n: int = 3) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        if b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(max(1, len(data)))]


def splice(data: bytes, rng: random.Random, pieces: list[bytes]) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(pieces) * rng.randint(1, 2000) + data[at:]


HOSTILE_PIECES = [b"\x1b]0;t\x07", "\u202e".encode(), b"|", b"\t", b"<p ", b"[bookmark:", b"9" * 50, b"\xff\xfe",
                  b"\x00", b"1e308", "万元".encode(), "增长".encode() + b"1.", b"#"]


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Damage one member of an Office container: flip bytes inside it, drop
    it, or replace it with hostile XML (entities, deep nesting, huge spans)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    infos = src.infolist()
    victim = rng.choice(infos).filename
    action = rng.choice(["flip", "drop", "xml", "deep"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == victim:
                if action == "drop":
                    continue
                if action == "flip":
                    body = flip_bytes(body, rng, 5)
                elif action == "xml":
                    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
                            b'<!ENTITY c SYSTEM "file:///etc/passwd">]><x>&b;&c;</x>')
                else:
                    body = b"<a>" * 5000 + b"</a>" * 5000
            dst.writestr(info.filename, body)
    return out.getvalue()


def mutants(seed_bytes: bytes, suffix: str, rng: random.Random) -> bytes:
    """One malformed variant of ``seed_bytes`` for its format."""
    if suffix in (".docx", ".xlsx") and rng.random() < 0.5:
        try:
            return mutate_zip(seed_bytes, rng)
        except (zipfile.BadZipFile, ValueError):
            pass
    kind = rng.choice(["flip", "truncate", "splice"])
    if kind == "flip":
        return flip_bytes(seed_bytes, rng, rng.randint(1, 8))
    if kind == "truncate":
        return truncate(seed_bytes, rng)
    return splice(seed_bytes, rng, HOSTILE_PIECES)


def classify(result: dict[str, Any] | BaseException) -> str:
    """Judge one outcome of :func:`budgetlint.core.batch.check_path`."""
    if isinstance(result, BaseException):
        return "traceback"
    if "fatal" in result:
        return "internal error"
    doc = result.get("document", {})
    if doc.get("status") != "error":
        reasons = [r for e in result.get("evaluations", []) for r in e.get("reasons", [])]
        return "internal error" if any("internal error" in r for r in reasons) else "read"
    error = str(doc.get("error", ""))
    if "internal error" in error:
        return "internal error"
    if "\n" in error.strip() or not error.strip():
        return "traceback"
    return "over budget" if "超出处理限制" in error else "one-line error"


def run_one(check: Callable[[str], dict[str, Any]], path: Path) -> str:
    try:
        return classify(check(str(path)))
    except Exception as exc:  # noqa: BLE001 - that is what is being measured
        return classify(exc)
