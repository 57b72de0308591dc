"""The source of an "Add article" preview, kept on the server between the two steps.

The preview form carries only a signed token, so a large article is sent to the
server once (its paragraphs), not twice (a hidden copy of the whole text as well).
Drafts are files under ``VAR_DIR/drafts``; old ones are removed as new ones are made.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import signing

__all__ = ["Draft", "DraftError", "load_draft", "save_draft"]

# How long a preview may stay open before it must be read again.
DRAFT_MAX_AGE_SECONDS = 2 * 24 * 3600
_SALT = "corpus.drafts"


class DraftError(ValueError):
    """The draft is gone, expired or was tampered with; the message is shown."""


@dataclass(frozen=True)
class Draft:
    text: str
    name: str
    # Where the page was fetched from, if it was.
    url: str = ""
    # Indexes of dropped blocks the editor restored.
    restore: frozenset[int] = frozenset()


def _draft_dir() -> Path:
    return Path(settings.VAR_DIR) / "drafts"


def save_draft(
    *, text: str, name: str, url: str = "", restore: frozenset[int] = frozenset()
) -> str:
    """Store the source; return the token that the preview form carries."""
    folder = _draft_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _remove_expired(folder)
    key = secrets.token_hex(16)
    path = folder / f"{key}.json"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps(
            {"text": text, "name": name, "url": url, "restore": sorted(restore)}
        ),
        encoding="utf-8",
    )
    temporary.replace(path)
    return signing.dumps(key, salt=_SALT)


def load_draft(token: str) -> Draft:
    try:
        key = signing.loads(token, salt=_SALT, max_age=DRAFT_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise DraftError("This preview has expired; read the article again.") from None
    except signing.BadSignature:
        raise DraftError("This preview is not valid; read the article again.") from None
    path = _draft_dir() / f"{key}.json"
    if not isinstance(key, str) or not key.isalnum() or not path.is_file():
        raise DraftError("This preview has expired; read the article again.")
    data = json.loads(path.read_text(encoding="utf-8"))
    return Draft(
        text=data["text"],
        name=data["name"],
        url=data.get("url", ""),
        restore=frozenset(int(index) for index in data.get("restore", ())),
    )


def _remove_expired(folder: Path) -> None:
    cutoff = time.time() - DRAFT_MAX_AGE_SECONDS
    for path in folder.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue
