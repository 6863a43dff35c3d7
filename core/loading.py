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
    # XML parts become trees of Python/lxml objects ~20× their size: a 190 MiB
    # document.xml took 4 GiB, while a real 800-page report's is under 40 MiB
    "max_zip_xml_bytes": 64 * 1024 * 1024,
    "max_pages": 800,
}


def check_zip(data: bytes, path: str, options: dict[str, Any]) -> zipfile.ZipFile:
    """Open DOCX/XLSX containers defensively (zip bombs, truncation)."""
    import io

    try:
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except NotImplementedError:
            # "zip file version 7.2": only the header field is odd (Office writes 2.0); the data is
            # plain deflate, so read it as 2.0 rather than reject the document
            data = _clamp_zip_versions(data)
            zf = zipfile.ZipFile(io.BytesIO(data))
            zf.budgetlint_data = data  # type: ignore[attr-defined]  # the loader hands these bytes on
    except (zipfile.BadZipFile, NotImplementedError) as exc:
        raise InputError("not a valid Office file (corrupt or truncated zip container)", culprit=path,
                         fix="re-save the file from Word/Excel/WPS or export it again") from exc
    limit = options.get("max_zip_member_bytes", DEFAULT_OPTIONS["max_zip_member_bytes"])
    ratio = options.get("max_zip_ratio", DEFAULT_OPTIONS["max_zip_ratio"])
    if len(zf.infolist()) > 20_000:
        raise LimitExceededError(f"zip container has {len(zf.infolist())} members", culprit=path,
                                 fix="an Office file has a few hundred parts; check the file's origin")
    for info in zf.infolist():
        if info.file_size > limit:
            raise LimitExceededError(f"zip member {info.filename} unpacks to {info.file_size} bytes (limit {limit})",
                                     culprit=path, fix="this looks like a zip bomb; check the file's origin")
        if info.compress_size and info.file_size / info.compress_size > ratio and info.file_size > 10 * 1024 * 1024:
            raise LimitExceededError(f"zip member {info.filename} has a compression ratio above {ratio}",
                                     culprit=path, fix="this looks like a zip bomb; check the file's origin")
    # headers can lie: inflate every member once, counting, and stop at the limit
    for info in zf.infolist():
        _stream_size(zf, info, path, options)
    return zf


def _clamp_zip_versions(data: bytes) -> bytes:
    """Set "version needed to extract" above what zipfile supports to 2.0 in
    every local and central header (the fields only; nothing else changes)."""
    raw = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 4), (b"PK\x01\x02", 6)):
        at = raw.find(sig)
        while at != -1:
            field = at + offset
            if field + 2 <= len(raw) and int.from_bytes(raw[field:field + 2], "little") > zipfile.MAX_EXTRACT_VERSION:
                raw[field:field + 2] = (20).to_bytes(2, "little")
            at = raw.find(sig, at + 4)
    return bytes(raw)


def _member_limit(info: zipfile.ZipInfo, options: dict[str, Any]) -> int:
    limit = options.get("max_zip_member_bytes", DEFAULT_OPTIONS["max_zip_member_bytes"])
    if info.filename.lower().endswith((".xml", ".rels", ".vml")):
        limit = min(limit, options.get("max_zip_xml_bytes", DEFAULT_OPTIONS["max_zip_xml_bytes"]))
    return limit


def _stream_size(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: str, options: dict[str, Any],
                 keep: bool = False) -> bytes:
    """Inflate one member in chunks, never trusting its declared size."""
    limit = _member_limit(info, options)
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise LimitExceededError(f"zip member {info.filename} unpacks to more than {limit} bytes",
                                             culprit=path, fix="this looks like a zip bomb; check the file's origin")
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        # CRC error, unsupported compression or zip version, truncated data
        raise InputError(f"zip member {info.filename} cannot be read ({type(exc).__name__}: {exc})", culprit=path,
                         fix="the file is damaged; re-save it from Word/Excel/WPS") from exc
    except RuntimeError as exc:  # encrypted member
        raise InputError(f"zip member {info.filename} is encrypted", culprit=path,
                         fix="save the file without a password") from exc
    return b"".join(chunks)


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo | str, path: str, options: dict[str, Any]) -> bytes:
    """A member's bytes, inflated with the size limit enforced while streaming."""
    if isinstance(info, str):
        info = zf.getinfo(info)
    return _stream_size(zf, info, path, options, keep=True)


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
    import contextlib
    import io

    chatter = io.StringIO()
    try:
        # third-party parsers print to stdout (openpyxl: "0 is out of range" on a
        # damaged styles.xml); stdout carries only the report, so capture them
        with contextlib.redirect_stdout(chatter):
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
