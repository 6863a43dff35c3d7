"""Batch checking: walk folders, check each file, keep going when one file
is unreadable.  (Parallel workers, progress, waivers and baselines plug in
here; results are always ordered by path so output is deterministic.)"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetlint.core.engine import Checker


def run_batch(checker: Checker, paths: list[str], *, jobs: int | None = None, progress: bool | None = None,
              waivers: str | None = None, baseline: str | None = None) -> dict[str, Any]:
    from budgetlint.core.engine import walk

    files, missing = walk(paths, checker.host.registry.supported_extensions())
    results = [checker.check_file(f) for f in files]
    return checker.build_report(results, missing)
