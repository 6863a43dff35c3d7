"""The store of published facts: open (and migrate), record a checked
document, find related documents, list history, compare with the previous
check.

Why these choices
    * SQLAlchemy Core, not an ORM: four flat tables, and the same statements
      run on SQLite (default, one file) and PostgreSQL (a bureau's server).
    * Every write of one document (its row, named values, check, findings)
      is one transaction: a batch killed mid-run leaves whole documents or
      none.  SQLite writers take the lock up front (``BEGIN IMMEDIATE``) and
      wait (busy timeout) instead of failing, so two concurrent batches
      serialise rather than lose a document; a unique-key race (two
      processes adding the same file) is retried.
    * Migrations (Alembic) run on open, under the same lock, so the first
      use of a new file and an upgrade of an old one are the same path.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from budgetlint.core.errors import UsageError

#: Seconds a SQLite writer waits for another process's transaction.
BUSY_TIMEOUT = 60
_ENGINES: dict[tuple[str, int], Any] = {}


def default_store_path() -> Path:
    """``--store`` without a path: budgetlint.sqlite in the user data dir."""
    import platformdirs

    return Path(platformdirs.user_data_dir("budgetlint", appauthor=False)) / "budgetlint.sqlite"


def store_url(ref: str | None) -> str:
    """A path or a URL → an SQLAlchemy URL (``postgresql://`` uses psycopg 3)."""
    if not ref:
        ref = str(default_store_path())
    if "://" in ref:
        if ref.startswith(("postgresql://", "postgres://")):
            return "postgresql+psycopg://" + ref.split("://", 1)[1]
        return ref
    p = Path(ref).expanduser()
    if p.is_dir():
        raise UsageError(f"--store {ref} is a folder", culprit="--store", fix="give a file path such as reviews.sqlite")
    p.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{p.resolve()}"


def _import_sqlalchemy():
    try:
        import sqlalchemy  # noqa: F401
        import alembic  # noqa: F401
    except ImportError as exc:
        raise UsageError("the store needs SQLAlchemy and Alembic", culprit="--store",
                         fix='pip install "budgetlint[store]" (PostgreSQL: "budgetlint[postgres]")') from exc


def _engine(url: str):
    """One engine per process (a forked worker must not reuse its parent's connections)."""
    key = (url, os.getpid())
    if key in _ENGINES:
        return _ENGINES[key]
    _import_sqlalchemy()
    from sqlalchemy import create_engine, event

    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT, "isolation_level": None})

        @event.listens_for(eng, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT * 1000}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(eng, "begin")
        def _on_begin(conn):  # take the write lock first: no deadlock between two upgrading readers
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        try:
            eng = create_engine(url, pool_pre_ping=True)
        except ImportError as exc:
            raise UsageError(f"no driver for {url.split('://')[0]}", culprit="--store",
                             fix='pip install "budgetlint[postgres]"') from exc
    _ENGINES[key] = eng
    return eng


def _migrate(eng) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7170017)")  # one migrator at a time
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Related:
    """A document found for a relation (上年决算 …): identity and named values."""
    identity: dict[str, Any]
    named_values: dict[str, dict[str, Any]]


class Store:
    """A connection to one store (SQLite file or PostgreSQL database)."""

    def __init__(self, ref: str | None) -> None:
        self.url = store_url(ref)
        self.engine = _engine(self.url)
        try:
            _migrate(self.engine)
        except UsageError:
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            if isinstance(exc, (SQLAlchemyError, OSError)):
                raise UsageError(f"cannot open the store {ref or self.url}: {type(exc).__name__}: {str(exc).splitlines()[0]}",
                                 culprit="--store", fix="check the path or URL and that the server is running") from exc
            raise

    # ------------------------------------------------------------ writing
    def record(self, ident: dict[str, Any], named: dict[str, dict[str, Any]], findings: list[dict[str, Any]],
               *, rule_packs: list[str] | None = None, tool_version: str | None = None) -> dict[str, Any]:
        """Store one checked document in one transaction; returns
        ``{"document_id", "version", "check_id", "new_version": bool}``.
        The same sha256 under the same key is the same document (a new check);
        a different sha256 is a new version."""
        from sqlalchemy.exc import IntegrityError, OperationalError

        for attempt in range(20):
            try:
                with self.engine.begin() as conn:
                    return self._record(conn, ident, named, findings, rule_packs or [], tool_version)
            except IntegrityError:
                time.sleep(0.05 * (attempt + 1))  # another process added the same document: look again
            except OperationalError as exc:
                if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
                    raise
                time.sleep(0.1 * (attempt + 1))
        raise UsageError("the store stayed locked", culprit=self.url, fix="retry when the other batch has finished")

    def _record(self, conn, ident, named, findings, rule_packs, tool_version) -> dict[str, Any]:
        from sqlalchemy import func, insert, select

        from budgetlint.store import schema as s

        key = doc_key(ident["department"], ident["fiscal_year"], ident["doc_type"])
        row = conn.execute(select(s.documents.c.id, s.documents.c.version)
                           .where(s.documents.c.doc_key == key, s.documents.c.sha256 == ident["sha256"])).first()
        new_version = row is None
        if row is None:
            version = (conn.execute(select(func.max(s.documents.c.version)).where(s.documents.c.doc_key == key))
                       .scalar() or 0) + 1
            doc_id = conn.execute(insert(s.documents).values(
                doc_key=key, department=ident["department"], department_raw=ident.get("department_raw"),
                fiscal_year=ident["fiscal_year"], doc_type=ident["doc_type"], region=ident.get("region"),
                sha256=ident["sha256"], version=version, path=ident.get("path"), first_checked_at=_now())
            ).inserted_primary_key[0]
            rows = [{"document_id": doc_id, "name": k[:500], "value": str(v.get("value")),
                     "decimals": int(v.get("decimals") or 0), "part": v.get("part"),
                     "loc": json.dumps(v.get("loc") or {}, ensure_ascii=False)}
                    for k, v in named.items()
                    if isinstance(v, dict) and v.get("value") is not None and len(str(v["value"])) <= 60]
            if rows:
                conn.execute(insert(s.named_values), rows)
        else:
            doc_id, version = row
        check_id = conn.execute(insert(s.checks).values(
            document_id=doc_id, checked_at=_now(), tool_version=tool_version, rule_packs=",".join(rule_packs),
            path=ident.get("path"), findings_count=len(findings))).inserted_primary_key[0]
        frows = [{"check_id": check_id, "fingerprint": f.get("fingerprint") or "", "rule_id": f.get("rule_id", ""),
                  "severity": f.get("severity", ""), "message": f.get("message"),
                  "location": json.dumps(f.get("location") or {}, ensure_ascii=False)} for f in findings]
        if frows:
            conn.execute(insert(s.findings), frows)
        return {"document_id": doc_id, "version": version, "check_id": check_id, "new_version": new_version}

    # ------------------------------------------------------------ reading
    def find(self, department: str, fiscal_year: int, doc_type: str) -> Related | None:
        """The latest version of a department's document of that year and type."""
        from sqlalchemy import select

        from budgetlint.store import schema as s

        key = doc_key(department, fiscal_year, doc_type)
        with self.engine.connect() as conn:
            row = conn.execute(select(s.documents).where(s.documents.c.doc_key == key)
                               .order_by(s.documents.c.version.desc()).limit(1)).mappings().first()
            if row is None:
                return None
            nv = conn.execute(select(s.named_values).where(s.named_values.c.document_id == row["id"])).mappings().all()
        ident = {k: row[k] for k in ("department", "department_raw", "fiscal_year", "doc_type", "region", "sha256",
                                     "version", "path")}
        named = {r["name"]: {"value": r["value"], "decimals": r["decimals"], "part": r["part"],
                             "loc": json.loads(r["loc"] or "{}")} for r in nv}
        return Related(ident, named)

    def history(self, department: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        """Documents with their versions, checks and the latest finding counts."""
        from sqlalchemy import func, select

        from budgetlint.store import schema as s

        q = select(s.documents).order_by(s.documents.c.department, s.documents.c.fiscal_year,
                                         s.documents.c.doc_type, s.documents.c.version)
        if department:
            from budgetlint.store.identity import normalize_name

            q = q.where(s.documents.c.department.contains(normalize_name(department)))
        if year:
            q = q.where(s.documents.c.fiscal_year == year)
        out = []
        with self.engine.connect() as conn:
            for d in conn.execute(q).mappings():
                stats = conn.execute(select(func.count(s.checks.c.id), func.max(s.checks.c.checked_at))
                                     .where(s.checks.c.document_id == d["id"])).first()
                last = conn.execute(select(s.checks.c.findings_count).where(s.checks.c.document_id == d["id"])
                                    .order_by(s.checks.c.id.desc()).limit(1)).scalar()
                out.append({"department": d["department"], "fiscal_year": d["fiscal_year"], "doc_type": d["doc_type"],
                            "version": d["version"], "sha256": d["sha256"], "path": d["path"],
                            "checks": stats[0], "last_checked_at": stats[1].isoformat() if stats[1] else None,
                            "findings": last})
        return out

    def compare_previous(self, check_id: int) -> dict[str, Any] | None:
        """Findings of this check against the check before it of the same
        document key (same department, year and type — any version), by fingerprint."""
        from sqlalchemy import select

        from budgetlint.store import schema as s

        with self.engine.connect() as conn:
            cur = conn.execute(select(s.checks.c.document_id).where(s.checks.c.id == check_id)).scalar()
            key = conn.execute(select(s.documents.c.doc_key).where(s.documents.c.id == cur)).scalar()
            prev = conn.execute(
                select(s.checks.c.id, s.checks.c.checked_at, s.documents.c.version)
                .join(s.documents, s.documents.c.id == s.checks.c.document_id)
                .where(s.documents.c.doc_key == key, s.checks.c.id < check_id)
                .order_by(s.checks.c.id.desc()).limit(1)).first()
            if prev is None:
                return None

            def fps(cid: int) -> dict[str, dict[str, Any]]:
                return {r["fingerprint"]: dict(r) for r in conn.execute(
                    select(s.findings.c.fingerprint, s.findings.c.rule_id, s.findings.c.message)
                    .where(s.findings.c.check_id == cid)).mappings()}

            now, before = fps(check_id), fps(prev[0])
        return {"previous_version": prev[2], "previous_checked_at": prev[1].isoformat(),
                "new": [now[k] for k in sorted(set(now) - set(before))],
                "fixed": [before[k] for k in sorted(set(before) - set(now))],
                "unchanged": len(set(now) & set(before))}

    def counts(self) -> dict[str, int]:
        """Rows per table (tests check consistency with it)."""
        from sqlalchemy import func, select

        from budgetlint.store import schema as s

        with self.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in (s.documents, s.named_values, s.checks, s.findings)}


def doc_key(department: str, fiscal_year: int, doc_type: str) -> str:
    return f"{department}|{fiscal_year}|{doc_type}"


_STORES: dict[tuple[str | None, int], Store] = {}


def open_store(ref: str | None) -> Store:
    """A Store per process and reference (migrated once)."""
    key = (ref, os.getpid())
    if key not in _STORES:
        _STORES[key] = Store(ref)
    return _STORES[key]
