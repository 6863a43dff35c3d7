"""Reading a file into the canonical document: pick the loader by extension,
enforce size limits, run the recognizers.  Any failure for one file is an
:class:`InputError` with a one-line reason; the batch goes on."""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from budgetlint.core.errors import BudgetlintError, InputError, LimitExceededError, UnsupportedFormatError

if TYPE_CHECKING:
    from budgetlint.core.plugins import PluginHost

DEFAULT_OPTIONS: dict[str, Any] = {
    "max_file_bytes": 100 * 1024 * 1024,
    "max_zip_member_bytes": 200 * 1024 * 1024,
    "max_zip_ratio": 200,
    "max_pages": 800,
}


def check_zip(data: bytes, path: str, options: dict[str, Any]) -> zipfile.ZipFile:
    """Open DOCX/XLSX containers defensively (zip bombs, truncation)."""
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError("not a valid Office file (corrupt or truncated zip container)", culprit=path,
                         fix="re-save the file from Word/Excel/WPS or export it again") from exc
    limit = options.get("max_zip_member_bytes", DEFAULT_OPTIONS["max_zip_member_bytes"])
    ratio = options.get("max_zip_ratio", DEFAULT_OPTIONS["max_zip_ratio"])
    for info in zf.infolist():
        if info.file_size > limit:
            raise LimitExceededError(f"zip member {info.filename} unpacks to {info.file_size} bytes (limit {limit})",
                                     culprit=path, fix="this looks like a zip bomb; check the file's origin")
        if info.compress_size and info.file_size / info.compress_size > ratio and info.file_size > 10 * 1024 * 1024:
            raise LimitExceededError(f"zip member {info.filename} has a compression ratio above {ratio}",
                                     culprit=path, fix="this looks like a zip bomb; check the file's origin")
    return zf


def load_document(path: str | Path, host: PluginHost, options: dict[str, Any] | None = None,
                  recognize: bool = True) -> dict[str, Any]:
    opts = {**DEFAULT_OPTIONS, **(options or {})}
    p = Path(path)
    spath = str(path)
    spec = host.registry.loader_for(p)
    if spec is None:
        raise UnsupportedFormatError(
            f"unsupported file type {p.suffix or '(no extension)'!r}", culprit=spath,
            fix="supported: " + ", ".join(host.registry.supported_extensions()))
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", culprit=spath, fix="check the path") from exc
    if size > opts["max_file_bytes"]:
        raise LimitExceededError(f"file is {size} bytes, above the limit of {opts['max_file_bytes']}",
                                 culprit=spath, fix="raise the limit with --max-file-mb if the file is genuine")
    if size == 0:
        raise InputError("file is empty", culprit=spath, fix="export the report again")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", culprit=spath, fix="check permissions") from exc
    loader = spec.load()
    try:
        doc = loader(data, spath, opts)
    except BudgetlintError:
        raise
    except Exception as exc:  # a loader bug or a parser crash on odd input: name the file, not a traceback
        raise InputError(f"could not be parsed as {spec.name}: {type(exc).__name__}: {exc}", culprit=spath,
                         fix="check that the file is not damaged; if it opens normally, report this as a bug") from exc
    if recognize:
        run_recognizers(doc, host)
    return doc


def run_recognizers(doc: dict[str, Any], host: PluginHost) -> None:
    for spec in host.recognizers():
        fn = spec.load()
        try:
            fn(doc)
        except BudgetlintError:
            raise
        except Exception as exc:  # the engine makes this a visible failure of the document (exit 3)
            import traceback

            tb = traceback.extract_tb(exc.__traceback__)
            where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
            doc.setdefault("recognizer_errors", []).append(
                f"recognizer {spec.name} crashed: {type(exc).__name__}: {exc}{where}")
