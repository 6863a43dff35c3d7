"""``budgetlint serve``: check the extra is installed, pick the data dir,
refuse an open bind without a token, run uvicorn."""
from __future__ import annotations

import os
from pathlib import Path

from budgetlint.core.errors import UsageError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def default_data_dir() -> Path:
    """``$BUDGETLINT_WEB_DATA`` or ``budgetlint-web`` in the user data dir."""
    env = os.environ.get("BUDGETLINT_WEB_DATA")
    if env:
        return Path(env)
    try:
        from platformdirs import user_data_dir

        return Path(user_data_dir("budgetlint")) / "web"
    except ImportError:
        return Path.home() / ".local" / "share" / "budgetlint" / "web"


def serve(*, host: str, port: int, store: str | None, rules: str | None, token: str | None,
          max_upload_mb: float, data_dir: Path | None, max_pages: int = 2000) -> None:
    try:
        import fastapi  # noqa: F401
        import multipart  # noqa: F401  (python-multipart: form uploads)
        import uvicorn
    except ImportError as exc:
        raise UsageError(f"the web page needs the web extra ({exc.name} is missing)", culprit="serve",
                         fix="pip install 'budgetlint[web]'") from None
    if host not in LOCAL_HOSTS and not token:
        raise UsageError(f"refusing to serve on {host} without a token", culprit="--host",
                         fix="add --token T (or set BUDGETLINT_TOKEN), or bind 127.0.0.1")
    if max_upload_mb <= 0:
        raise UsageError("--max-upload-mb must be positive", culprit="--max-upload-mb", fix="e.g. --max-upload-mb 50")
    if max_pages <= 0:
        raise UsageError("--max-pages must be positive", culprit="--max-pages", fix="e.g. --max-pages 2000")
    if store is not None:
        from budgetlint.store.db import open_store

        open_store(store or None)  # a bad path/URL or a missing store extra stops here
    from budgetlint.web.app import WebConfig, create_app

    config = WebConfig(data_dir=Path(data_dir) if data_dir else default_data_dir(), store=store, rules=rules,
                       token=token, max_upload_mb=max_upload_mb, max_pages=max_pages)
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the data dir: {exc.strerror}", culprit=str(config.data_dir),
                         fix="give a writable --data-dir") from None
    app = create_app(config)
    print(f"budgetlint: 页面地址 http://{host}:{port}/  (data: {config.data_dir})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
