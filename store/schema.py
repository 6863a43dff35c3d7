"""The store's tables (SQLAlchemy 2 Core).  The Alembic migrations in
``migrations/versions`` create exactly these; a schema change is a new
migration, never an edit of an old one."""
from __future__ import annotations

from sqlalchemy import (Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

documents = Table(
    "documents", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_key", String(400), nullable=False),          # department|year|type
    Column("department", String(200), nullable=False),        # canonical
    Column("department_raw", String(200)),
    Column("fiscal_year", Integer, nullable=False),
    Column("doc_type", String(40), nullable=False),
    Column("region", String(100)),
    Column("sha256", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("path", Text),
    Column("first_checked_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("doc_key", "sha256", name="uq_documents_key_sha"),
    UniqueConstraint("doc_key", "version", name="uq_documents_key_version"),
)

named_values = Table(
    "named_values", metadata,
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(500), primary_key=True),
    Column("value", String(60), nullable=False),               # Decimal as text: never float
    Column("decimals", Integer, nullable=False),
    Column("part", String(40)),
    Column("loc", Text),                                       # JSON
)

checks = Table(
    "checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("tool_version", String(40)),
    Column("rule_packs", Text),
    Column("path", Text),
    Column("findings_count", Integer, nullable=False),
    Index("ix_checks_document", "document_id"),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("check_id", Integer, ForeignKey("checks.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(40), nullable=False),
    Column("rule_id", String(120), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text),
    Column("location", Text),                                  # JSON
    Index("ix_findings_check", "check_id"),
)
