"""docs/authoring.md is executed as written: files are written, commands run
in order with their stated exit status, in a folder outside the repository."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "authoring.md"
BIN = Path(sys.executable).parent

_STEP = re.compile(
    r"<!-- file: (?P<file>\S+) -->\s*```\w*\n(?P<content>.*?)```"
    r"|```console\n(?P<console>.*?)```(?:\s*<!-- exit: (?P<exit>\d+) -->)?",
    re.S)


def steps(text: str) -> list[tuple[str, str, int]]:
    out = []
    for m in _STEP.finditer(text):
        if m.group("file"):
            out.append(("file", m.group("file") + "\n" + m.group("content"), 0))
        else:
            want = int(m.group("exit") or 0)
            for line in m.group("console").splitlines():
                if line.startswith("$ "):
                    out.append(("run", line[2:], want))
    return out


def test_tutorial_has_steps() -> None:
    kinds = [k for k, _, _ in steps(DOC.read_text(encoding="utf-8"))]
    assert kinds.count("run") >= 6 and kinds.count("file") >= 3


def test_tutorial_runs_as_written(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    env.pop("BUDGETLINT_DISABLE_PLUGINS", None)
    transcript = []
    for kind, payload, want in steps(DOC.read_text(encoding="utf-8")):
        if kind == "file":
            name, content = payload.split("\n", 1)
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
            transcript.append(f"wrote {name}")
            continue
        args = shlex.split(payload)
        if args[0] == "python":
            args[0] = sys.executable
        res = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        transcript.append(f"$ {payload} -> {res.returncode}\n{res.stdout[-1500:]}{res.stderr[-1500:]}")
        assert res.returncode == want, "\n".join(transcript)
        assert "Traceback" not in res.stderr, "\n".join(transcript)
    # the red step failed for the right reason, the green step really ran the cases
    log = "\n".join(transcript)
    assert "sangong-within-budget" in log and "params.expression" in log
    assert "2 passed, 0 failed; 0 coverage problem(s)" in log
    assert re.search(r"severity.*bureau-2025/pack\.yaml", log)
