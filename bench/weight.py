"""`python -m bench weight`: how many bytes a facet click sends at a library size.

Generates a corpus of ``--paragraphs`` (as the benchmark does), indexes it, and asks
the search page through Django's test client, logged in, for the full page and for
the htmx partials of facet clicks: the first values of every facet on the page
with no query and with a common word. Sizes are reported uncompressed and gzipped
(what a browser is sent).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.workspace import Workspace, setup_django

QUERIES = ("", "security")
CLICKS_PER_FACET = 5


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench weight")
    parser.add_argument("--paragraphs", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the report")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="refdesk-weight-") as scratch:
        root = (options.work_dir or Path(scratch)).resolve()
        report = measure(
            Workspace(root), paragraphs=options.paragraphs, seed=options.seed
        )
    text = json.dumps(report, indent=1)
    print(text)
    if options.json:
        options.json.write_text(text + "\n", encoding="utf-8")
    return 0


def measure(workspace: Workspace, *, paragraphs: int, seed: int) -> dict[str, object]:
    setup_django(workspace)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from bench.run import prepare_corpus
    from search.index import rebuild_index

    setup_test_environment()
    corpus, _vocabulary = prepare_corpus(
        workspace, paragraphs=paragraphs, seed=seed, loader="direct"
    )
    rebuild_index()
    # DEBUG is off, as in production: pages name the hashed static files.
    call_command("collectstatic", interactive=False, verbosity=0)
    user = get_user_model().objects.create_user(username="weight-bench")
    client = Client()
    client.force_login(user)
    full_sizes: list[int] = []
    raw: list[int] = []
    gzipped: list[int] = []
    for q in QUERIES:
        page = client.get("/", {"q": q} if q else {})
        full_sizes.append(len(page.content))
        for href in _facet_links(page.content.decode()):
            plain = client.get(href, HTTP_HX_REQUEST="true")
            packed = client.get(
                href, HTTP_HX_REQUEST="true", HTTP_ACCEPT_ENCODING="gzip"
            )
            raw.append(len(plain.content))
            gzipped.append(len(packed.content))
    return {
        "paragraphs": corpus["paragraphs"],
        "articles": corpus["articles"],
        "clicks": len(raw),
        "full_page_bytes_max": max(full_sizes),
        "partial_bytes": _summary(raw),
        "partial_gzip_bytes": _summary(gzipped),
    }


def _facet_links(html: str) -> list[str]:
    import lxml.html

    tree = lxml.html.fromstring(html)
    links: list[str] = []
    for section in tree.cssselect("#facets section.facet"):
        values = section.cssselect("a.facet-value")[:CLICKS_PER_FACET]
        links.extend(value.get("href") for value in values)
    return links


def _summary(sizes: list[int]) -> dict[str, float]:
    if not sizes:
        return {}
    return {"median": statistics.median(sizes), "max": max(sizes)}


if __name__ == "__main__":
    sys.exit(main())
