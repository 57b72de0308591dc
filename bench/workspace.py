"""Where one benchmark run keeps its database, indexes and results.

Everything lives under one directory, so a run never touches var/db.sqlite3 or the
configured index. The Django settings read DATABASE_URL and SEARCH_INDEX_DIR from the
environment, which must be set before `django.setup()`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def database(self) -> Path:
        return self.root / "db.sqlite3"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    @property
    def documents(self) -> Path:
        return self.root / "documents.jsonl"

    @property
    def fts5_database(self) -> Path:
        return self.root / "fts5.sqlite3"

    @property
    def tantivy_dir(self) -> Path:
        return self.root / "tantivy"

    @property
    def results_dir(self) -> Path:
        return self.root / "results"

    @property
    def static_root(self) -> Path:
        return self.root / "static"

    def environ(self) -> dict[str, str]:
        """Production-like settings (DEBUG off) pointed at this workspace."""
        return {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "SEARCH_INDEX_DIR": str(self.index_dir),
            "REFDESK_VAR_DIR": str(self.root / "var"),
            "DJANGO_STATIC_ROOT": str(self.static_root),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": _secret_key(self.root),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
        }


@contextmanager
def scratch_workspace(
    work_dir: Path | None, *, keep: bool, prefix: str
) -> Iterator[Workspace]:
    """The run's workspace: ``work_dir`` if given (kept), else a new temporary
    directory, removed afterwards unless ``keep``."""
    root = work_dir or Path(tempfile.mkdtemp(prefix=prefix))
    workspace = Workspace(root.resolve())
    workspace.root.mkdir(parents=True, exist_ok=True)
    try:
        yield workspace
    finally:
        if work_dir is None and not keep:
            shutil.rmtree(workspace.root, ignore_errors=True)


def _secret_key(root: Path) -> str:
    path = root / "secret_key"
    if not path.exists():
        root.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8")


def setup_django(workspace: Workspace) -> None:
    os.environ.update(workspace.environ())
    import django

    django.setup()


def directory_size(path: Path) -> int:
    # The index directory may be a symlink to the current build.
    path = path.resolve()
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class PeakMemory:
    """Samples the resident size of this process and its children until stopped."""

    def __init__(self, *, interval: float = 0.05) -> None:
        self.peak = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            time.sleep(self._interval)

    def _sample(self) -> None:
        process = psutil.Process()
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)


def resident_bytes() -> int:
    return psutil.Process().memory_info().rss
