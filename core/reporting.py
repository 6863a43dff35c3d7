"""Writing a report in a registered format, atomically (temp file + rename):
a crash or Ctrl-C never leaves a half-written report."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from budgetlint.core.plugins import PluginHost


def render(host: PluginHost, report: dict[str, Any], fmt: str, options: dict[str, Any]) -> str | bytes:
    spec = host.registry.reporters[fmt]
    return spec.load()(report, options)


def write_report(host: PluginHost, report: dict[str, Any], fmt: str, output: Path | None,
                 options: dict[str, Any]) -> None:
    data = render(host, report, fmt, options)
    if output is None:
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
        return
    atomic_write(output, data)


def atomic_write(path: Path, data: str | bytes) -> None:
    with atomic_output(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def atomic_output(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A file handle whose content replaces ``path`` only when the block ends
    without an error: a killed or failed run never leaves half a report.
    The temp file sits beside ``path`` (same file system) and gets the mode
    the report should have; stale temp files of killed runs are removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(path)
    import tempfile  # only when a report is written to a file: not on a check to stdout

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with (os.fdopen(fd, "w", encoding="utf-8") if text else os.fdopen(fd, "wb")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    """The permissions a report file gets: those of the file it replaces, or
    0666 less the umask (mkstemp's private 0600 would hide the report from
    the colleagues the umask lets read it)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


#: A temp file older than this belongs to a run that was killed, not to one writing now.
STALE_SECONDS = 60


def _clean_stale(path: Path) -> None:
    """Remove ``.<name>.*.tmp`` left beside ``path`` by a killed run."""
    import glob
    import time

    now = time.time()
    for tmp in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if tmp.is_file() and now - tmp.stat().st_mtime > STALE_SECONDS:
                tmp.unlink()
        except OSError:
            pass
