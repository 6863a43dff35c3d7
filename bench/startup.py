"""Start-up benchmark (a script, not a test): one text report vs ``--version``.

Runs, alternating in one run, ``budgetlint --version`` and ``budgetlint check
SEED`` as fresh processes and compares their CPU time (user + system of the
child, from ``os.wait4``), so a busy machine slows both alike.  One warm-up
run of each fills the compiled-pack cache and writes byte code first: what a
user sees from the second run on.  ``--cold`` adds ``--no-cache`` to every
check (the YAML of every rule pack parsed again each time).

Byte code: this sandbox sets ``PYTHONDONTWRITEBYTECODE=1``, which makes every
run compile the sources again; an installed wheel has its ``.pyc``.  The
script removes that variable for its children unless ``--keep-env`` is given.

    .venv/bin/python bench/startup.py                  # goal: ratio ≤ 2.5
    .venv/bin/python bench/startup.py --rounds 10 --cold
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SEED = REPO / "samples" / "000_50578c8a95755eda.txt"


def cpu_of(cmd: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of one child process."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("seed", nargs="?", type=Path, default=DEFAULT_SEED)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--cold", action="store_true", help="check with --no-cache (packs parsed every time)")
    ap.add_argument("--keep-env", action="store_true", help="keep PYTHONDONTWRITEBYTECODE if set")
    ap.add_argument("--cache-dir", type=Path, help="compiled-pack cache (default: a fresh temporary dir)")
    args = ap.parse_args()

    exe = str(Path(sys.executable).with_name("budgetlint"))
    env = dict(os.environ)
    if not args.keep_env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="budgetlint-bench-cache-") as tmp:
        env["BUDGETLINT_CACHE_DIR"] = str(args.cache_dir or tmp)
        version = [exe, "--version"]
        check = [exe, *(["--no-cache"] if args.cold else []), "check", str(args.seed)]
        cpu_of(version, env), cpu_of(check, env)  # warm-up: byte code, pack cache
        v_times, c_times = [], []
        for _ in range(args.rounds):
            v_times.append(cpu_of(version, env))
            c_times.append(cpu_of(check, env))
    v, c = statistics.median(v_times), statistics.median(c_times)
    print(f"seed: {args.seed.relative_to(REPO) if args.seed.is_relative_to(REPO) else args.seed}  "
          f"rounds: {args.rounds}  cache: {'off (--no-cache)' if args.cold else 'warm'}  "
          f"byte code: {'as the environment says' if args.keep_env else 'written'}")
    print(f"budgetlint --version   median CPU {v * 1000:7.1f} ms  (min {min(v_times) * 1000:.1f})")
    print(f"budgetlint check SEED  median CPU {c * 1000:7.1f} ms  (min {min(c_times) * 1000:.1f})")
    print(f"ratio check / --version: {c / v:.2f}  (goal ≤ 2.5)")


if __name__ == "__main__":
    main()
