from __future__ import annotations


def index_status() -> dict[str, object]:
    return {"status": "missing"}
