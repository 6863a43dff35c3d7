"""budgetlint web page for clerks (issue 18): upload a report, see every
finding where it is on the page, waive or mark fixed, download reports and an
annotated PDF.

The web stack (FastAPI, uvicorn, python-multipart, pikepdf) is an optional
extra, ``budgetlint[web]``, imported only inside this package so the CLI
keeps working without it.
"""
from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export
    """Build the ASGI app (imports FastAPI only when called)."""
    from budgetlint.web.app import create_app as _create

    return _create(*args, **kwargs)
