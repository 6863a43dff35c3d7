"""What a report leaves on disk and on the terminal: report files honour the
umask, ``-o`` still prints the summary and the path, a binary report is not
dumped on a terminal, and a closed pipe ends quietly."""
from __future__ import annotations

import os
import pty
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "samples" / "000_50578c8a95755eda.txt"


def _run(args: list[str], *, umask: int | None = None, stdout=subprocess.PIPE, cwd: Path = REPO,
         shell: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"}
    env.pop("BUDGETLINT_DEBUG", None)
    cmd = args if shell or args[0] == "bash" else [sys.executable, "-m", "budgetlint.core.cli", *args]
    return subprocess.run(cmd, cwd=str(cwd), env=env, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", timeout=300, shell=shell,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def test_report_file_honours_umask(tmp_path):
    for mask, mode in ((0o022, 0o644), (0o027, 0o640)):
        out = tmp_path / f"r{mask:o}.json"
        proc = _run(["check", str(SEED), "--format", "json", "-o", str(out)], umask=mask)
        assert proc.returncode == 1, proc.stderr
        assert stat.S_IMODE(out.stat().st_mode) == mode


def test_output_file_still_prints_summary_and_path(tmp_path):
    out = tmp_path / "r.html"
    proc = _run(["check", str(SEED), "--format", "html", "-o", str(out)])
    assert proc.returncode == 1 and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("共 1 个文件") and "错误 2" in line and line.endswith(f"报告已写入 {out}")


def test_binary_report_refused_on_a_terminal(tmp_path):
    master, slave = pty.openpty()
    try:
        proc = _run(["check", str(SEED), "--format", "xlsx"], stdout=slave)
    finally:
        os.close(slave)
        os.close(master)
    assert proc.returncode == 2
    assert "xlsx" in proc.stderr and "-o report.xlsx" in proc.stderr and "Traceback" not in proc.stderr
    piped = _run(["check", str(SEED), "--format", "xlsx"], stdout=subprocess.DEVNULL)
    assert piped.returncode == 1  # to a pipe or a redirect the bytes are wanted


def test_closed_pipe_ends_quietly():
    cli = f"{sys.executable} -m budgetlint.core.cli"
    # `true` exits before the interpreter has even started: every write meets a closed pipe
    closed = _run(["bash", "-c", f"{cli} rules list | true; exit ${{PIPESTATUS[0]}}"])
    assert closed.stderr == ""
    assert closed.returncode == 141  # 128 + SIGPIPE, as a Unix tool killed by the closed pipe
    head = _run(["bash", "-c", f"{cli} rules list | head -1"])
    assert head.stderr == "" and head.stdout.startswith("# ") and len(head.stdout.splitlines()) == 1


def test_parse_names_lists_formula_names_with_values_and_places():
    seed = REPO / "samples" / "002_5ce8aee0cc10826a.txt"
    proc = _run(["parse", str(seed), "--names", "三公.决算"])
    assert proc.returncode == 0, proc.stderr
    rows = dict((ln.split("\t")[0], ln.split("\t")[1:]) for ln in proc.stdout.splitlines())
    assert rows["三公.决算.合计"] == ["6.52", "第368行 · 财政拨款“三公”经费支出决算表"]
    assert all(k.startswith("三公.决算") or "三公.决算" in k for k in rows)
    none = _run(["parse", str(seed), "--names", "没有这个名字"])
    assert none.returncode == 1 and "no named value" in none.stderr


def test_xlsx_has_clerk_columns_and_a_sheet_of_not_evaluated_reasons(tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    proc = _run(["check", str(REPO / "samples" / "002_5ce8aee0cc10826a.txt"), "--format", "xlsx", "-o", str(out)])
    assert proc.returncode == 1, proc.stderr
    wb = openpyxl.load_workbook(out)
    findings = wb.worksheets[0]
    head = [c.value for c in findings[1]]
    assert head[-3:] == ["根本原因", "整改情况", "处理意见"]
    rows = list(findings.iter_rows(min_row=2, values_only=True))
    assert all(r[-2] is None and r[-1] is None for r in rows)  # left for the clerk
    assert any(str(r[-3] or "").startswith("由 ") for r in rows) and any(str(r[-3] or "").startswith("引起 ") for r in rows)
    skipped = wb["未能评估"]
    reasons = [r[4] for r in skipped.iter_rows(min_row=2, values_only=True)]
    assert reasons and all(reasons)
