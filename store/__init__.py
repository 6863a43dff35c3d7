"""budgetlint.store — a store of what checked documents published (identity,
named values, findings) and the related documents (上年决算, 上年预算,
本年预算) that cross-document rules compare with.  Issue 17.

SQLAlchemy and Alembic are imported only when a store is opened
(``pip install "budgetlint[store]"``); evidence files need neither.
"""
from __future__ import annotations

from budgetlint.store.identity import identity_of
from budgetlint.store.related import RELATIONS, related_for

__all__ = ["RELATIONS", "identity_of", "open_store", "related_for"]


def open_store(ref: str | None):
    """Open (and migrate) a store: a SQLite path, a URL, or None for the default file."""
    from budgetlint.store.db import open_store as _open

    return _open(ref)
