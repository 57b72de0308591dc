from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from corpus.models import (
    Article,
    ArticleAuthor,
    Author,
    Country,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    Publication,
    TagStatus,
    Topic,
)
from search.engine.whoosh.reader import reset_caches
from search.facets import reset_labels
from search.index import rebuild_index


@pytest.fixture(autouse=True)
def _fresh_engine_caches() -> Iterator[None]:
    """Each test reads its own index; forget arrays cached for earlier ones."""
    yield
    reset_caches()
    reset_labels()


@dataclass(frozen=True)
class Library:
    iran: Article
    russia: Article
    caspian: Article
    kyrgyz: Article
    opium_trade: Paragraph
    opium_seizure: Paragraph
    sanctions: Paragraph
    near_abroad: Paragraph
    script: Paragraph
    accented: Paragraph
    rejected: Paragraph


def _article(
    title: str,
    *,
    year: int,
    authors: tuple[str, ...] = (),
    publication: Publication | None = None,
    paragraphs: tuple[tuple[str, str], ...] = (),
) -> tuple[Article, list[Paragraph]]:
    article = Article.objects.create(
        title=title,
        year=year,
        date=datetime.date(year, 5, 1),
        publication=publication,
    )
    for position, name in enumerate(authors):
        author, _ = Author.objects.get_or_create(name=name)
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    rows = [
        Paragraph.objects.create(
            article=article, position=index, text=text, heading=heading
        )
        for index, (heading, text) in enumerate(paragraphs, start=1)
    ]
    return article, rows


def _tag(paragraph: Paragraph, *codes: str, status: str = TagStatus.MANUAL) -> None:
    for code in codes:
        ParagraphCountry.objects.create(
            paragraph=paragraph, country=Country.objects.get(code=code), status=status
        )


def _topic(paragraph: Paragraph, slug: str, name: str) -> None:
    topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
    ParagraphTopic.objects.create(
        paragraph=paragraph, topic=topic, status=TagStatus.AUTO
    )


@pytest.fixture
def library(db) -> Library:
    """Four small articles built with the ORM: known words, tags and years."""
    diplomat = Publication.objects.create(name="The Diplomat")
    iran, (intro, trade, seizure, sanctions) = _article(
        "Has Iran Finally Found a Security Partner in Central Asia?",
        year=2016,
        authors=("Samuel Ramani",),
        publication=diplomat,
        paragraphs=(
            ("", "Iran and Turkmenistan agreed to expand their security partnership."),
            (
                "Drugs",
                "Turkmenistan has influence over the flow of Afghan drugs to Iran. "
                "Allies profited from the Afghan opium trade.",
            ),
            (
                "Drugs",
                "In 2013, Turkmen police oversaw the largest ever seizure of Afghan "
                "opium from the Iran-Turkmenistan border. It was a turning point.",
            ),
            ("Economy", "Western sanctions against Iran were eased in 2016."),
        ),
    )
    russia, (near, energy_ru) = _article(
        "Russia and its near abroad",
        year=2020,
        authors=("Jane Doe", "Samuel Ramani"),
        publication=diplomat,
        paragraphs=(
            ("", "Moscow treats Kazakhstan as part of the near abroad."),
            ("Energy", "Russia sells gas to Kazakhstan and Turkmenistan."),
        ),
    )
    caspian, (script, rejected) = _article(
        "Energy in the Caspian",
        year=2018,
        paragraphs=(
            ("", "Pipelines <script>alert('x')</script> & tankers cross the Caspian."),
            (
                "",
                "Azerbaijan exports oil through Georgia; near the coast, "
                "tankers sail abroad.",
            ),
        ),
    )
    kyrgyz, (accented,) = _article(
        "Kyrgyzstán between powers",
        year=2022,
        authors=("Ana Müller",),
        paragraphs=(
            ("", "Bishkek sits in Russia's near-abroad, says the Kyrgyzstán press."),
        ),
    )
    _tag(intro, "IR", "TM")
    _tag(trade, "TM", "AF", "IR", status=TagStatus.AUTO)
    _tag(seizure, "TM", "IR", "AF", status=TagStatus.AUTO)
    _tag(sanctions, "IR")
    _tag(near, "RU", "KZ")
    _tag(energy_ru, "RU", "KZ", "TM")
    _tag(script, "AZ")
    _tag(rejected, "AZ", "GE")
    _tag(rejected, "RU", status=TagStatus.REJECTED)
    _tag(accented, "KG", "RU")
    _topic(trade, "drugs-test", "Drugs (test)")
    _topic(seizure, "drugs-test", "Drugs (test)")
    _topic(energy_ru, "energy-test", "Energy (test)")
    _topic(script, "energy-test", "Energy (test)")
    return Library(
        iran=iran,
        russia=russia,
        caspian=caspian,
        kyrgyz=kyrgyz,
        opium_trade=trade,
        opium_seizure=seizure,
        sanctions=sanctions,
        near_abroad=near,
        script=script,
        accented=accented,
        rejected=rejected,
    )


@pytest.fixture
def indexed(library: Library) -> Library:
    rebuild_index()
    return library


@pytest.fixture
def seeded_library(db, seeds_dir: Path) -> None:
    """The seed articles ingested (with their automatic tags) and indexed."""
    from corpus.ingest import ingest_paths

    ingest_paths(sorted(seeds_dir.glob("*.txt")), update_index=False)
    rebuild_index()
