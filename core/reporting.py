"""Writing a report in a registered format, atomically (temp file + rename):
a crash or Ctrl-C never leaves a half-written report."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
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
