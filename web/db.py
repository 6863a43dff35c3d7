"""The web page's own SQLite file (``web.sqlite`` in the data dir): uploaded
documents, their check results, waivers and 已整改 marks.

Why a file of our own and not the issue-17 store: the store records
*published facts* per department/year and has no table for waivers or for
an upload's queue state; adding one would mean a migration in a package
another engineer owns.  When ``--store`` is given the engine still records
every check there (history per department and year).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,            -- sanitised display name (never used as a path)
  sha256 TEXT NOT NULL,
  ext TEXT NOT NULL,
  size INTEGER NOT NULL,
  status TEXT NOT NULL,          -- queued | running | done | failed
  error TEXT,
  result TEXT,                   -- JSON: the engine's per-file result
  group_key TEXT,
  created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS waivers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  fingerprint TEXT NOT NULL,
  rule TEXT NOT NULL,
  document TEXT NOT NULL,
  location TEXT,                 -- JSON of human location keys
  reason TEXT NOT NULL,
  approved_by TEXT NOT NULL,
  expires TEXT,
  created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS fixed_marks (
  document_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  created REAL NOT NULL,
  PRIMARY KEY (document_id, fingerprint)
);
"""


class WebDB:
    """Thread-safe access (one connection, one lock): the page does few,
    small writes, so serialising them is simpler than a pool."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(SCHEMA)
            self._conn.commit()

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._conn.execute(sql, args)
            rows = cur.fetchall()
            self._conn.commit()
            return rows

    # ------------------------------------------------------------ documents
    def add_document(self, doc_id: str, name: str, sha256: str, ext: str, size: int) -> None:
        self._exec("INSERT INTO documents (id, name, sha256, ext, size, status, created) VALUES (?,?,?,?,?,?,?)",
                   (doc_id, name, sha256, ext, size, "queued", time.time()))

    def set_status(self, doc_id: str, status: str, *, error: str | None = None,
                   result: dict[str, Any] | None = None, group_key: str | None = None) -> None:
        self._exec("UPDATE documents SET status=?, error=?, result=COALESCE(?, result), "
                   "group_key=COALESCE(?, group_key) WHERE id=?",
                   (status, error, json.dumps(result, ensure_ascii=False) if result is not None else None,
                    group_key, doc_id))

    def document(self, doc_id: str) -> dict[str, Any] | None:
        rows = self._exec("SELECT * FROM documents WHERE id=?", (doc_id,))
        return _doc(rows[0]) if rows else None

    def documents(self, limit: int = 200) -> list[dict[str, Any]]:
        return [_doc(r, with_result=False) for r in
                self._exec("SELECT * FROM documents ORDER BY created DESC LIMIT ?", (limit,))]

    def pending(self) -> list[str]:
        return [r["id"] for r in self._exec(
            "SELECT id FROM documents WHERE status IN ('queued','running') ORDER BY created")]

    def previous_version(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The latest earlier checked upload of the same document (same group
        key) with different content: what a new version is compared with."""
        rows = self._exec("SELECT * FROM documents WHERE group_key=? AND status='done' AND created<? "
                          "AND sha256<>? ORDER BY created DESC LIMIT 1",
                          (doc["group_key"], doc["created"], doc["sha256"]))
        return _doc(rows[0]) if rows else None

    # ------------------------------------------------------------ waivers
    def add_waiver(self, fingerprint: str, rule: str, document: str, location: dict[str, str],
                   reason: str, approved_by: str, expires: str | None) -> int:
        with self._lock:
            cur = self._conn.execute(
                "INSERT INTO waivers (fingerprint, rule, document, location, reason, approved_by, expires, created) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (fingerprint, rule, document, json.dumps(location, ensure_ascii=False), reason, approved_by,
                 expires, time.time()))
            self._conn.commit()
            return int(cur.lastrowid)

    def waivers(self) -> list[dict[str, Any]]:
        out = []
        for r in self._exec("SELECT * FROM waivers ORDER BY id"):
            d = dict(r)
            d["location"] = json.loads(d["location"] or "{}")
            out.append(d)
        return out

    # ------------------------------------------------------------ 已整改
    def mark_fixed(self, doc_id: str, fingerprint: str) -> None:
        self._exec("INSERT OR IGNORE INTO fixed_marks VALUES (?,?,?)", (doc_id, fingerprint, time.time()))

    def fixed_marks(self, doc_id: str) -> set[str]:
        return {r["fingerprint"] for r in self._exec("SELECT fingerprint FROM fixed_marks WHERE document_id=?",
                                                     (doc_id,))}


def _doc(row: sqlite3.Row, with_result: bool = True) -> dict[str, Any]:
    d = dict(row)
    if with_result:
        d["result"] = json.loads(d["result"]) if d.get("result") else None
    else:
        d.pop("result", None)
    return d
