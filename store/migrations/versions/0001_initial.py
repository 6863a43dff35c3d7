"""initial store: documents, named values, checks, findings

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("doc_key", sa.String(400), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("department_raw", sa.String(200)),
        sa.Column("fiscal_year", sa.Integer, nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("path", sa.Text),
        sa.Column("first_checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("doc_key", "sha256", name="uq_documents_key_sha"),
        sa.UniqueConstraint("doc_key", "version", name="uq_documents_key_version"),
    )
    op.create_table(
        "named_values",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(500), primary_key=True),
        sa.Column("value", sa.String(60), nullable=False),
        sa.Column("decimals", sa.Integer, nullable=False),
        sa.Column("part", sa.String(40)),
        sa.Column("loc", sa.Text),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tool_version", sa.String(40)),
        sa.Column("rule_packs", sa.Text),
        sa.Column("path", sa.Text),
        sa.Column("findings_count", sa.Integer, nullable=False),
    )
    op.create_index("ix_checks_document", "checks", ["document_id"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("check_id", sa.Integer, sa.ForeignKey("checks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fingerprint", sa.String(40), nullable=False),
        sa.Column("rule_id", sa.String(120), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("location", sa.Text),
    )
    op.create_index("ix_findings_check", "findings", ["check_id"])


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("checks")
    op.drop_table("named_values")
    op.drop_table("documents")
