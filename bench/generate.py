"""A deterministic synthetic corpus built from the seed articles' real sentences.

The same generator feeds two outputs: raw article files that `manage.py ingest`
accepts, and a direct bulk loader that writes the rows ingest would write (a million
paragraphs through per-file ingest would take hours).

Facet values have a fixed frequency rank that does not depend on the seed, so the
checked-in query mix can name a filter as ("country", rank 2) and every corpus
resolves it to the same value.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import random
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Any

FIRST_YEAR = 1995
LAST_YEAR = 2026
AUTHOR_COUNT = 300

# Sixty ISO 3166 alpha-2 codes, most frequent first: the seeds' region leads.
COUNTRY_CODES = (
    "IR", "RU", "AF", "US", "TM", "TJ", "KZ", "UZ", "CN", "KG", "TR", "UA", "PK",
    "IQ", "SY", "AZ", "IN", "SA", "GB", "DE", "FR", "AM", "GE", "IL", "LB", "AE",
    "QA", "EG", "JO", "BY", "MN", "JP", "KR", "KP", "OM", "YE", "KW", "BH", "PL",
    "IT", "ES", "NL", "BE", "SE", "NO", "FI", "EE", "LV", "LT", "RO", "BG", "GR",
    "RS", "HU", "CZ", "SK", "MD", "BD", "LK", "NP",
)  # fmt: skip

# Used only when the database has no topic taxonomy yet.
FALLBACK_TOPICS = (
    ("security", "Security"),
    ("energy", "Energy"),
    ("terrorism", "Terrorism and extremism"),
    ("diplomacy", "Diplomacy"),
    ("military", "Military"),
    ("sanctions", "Sanctions"),
    ("trade", "Trade and economy"),
    ("drugs", "Drug trafficking"),
    ("religion", "Religion"),
    ("nuclear", "Nuclear programmes"),
    ("infrastructure", "Infrastructure and transport"),
    ("elections", "Elections and politics"),
    ("human-rights", "Human rights"),
    ("migration", "Migration"),
    ("water", "Water"),
    ("cyber", "Cyber"),
    ("media", "Media and information"),
    ("corruption", "Corruption"),
)

_FIRST_NAMES = (
    "Amir", "Anna", "Aziz", "Beatrice", "Bakhyt", "Carlos", "Chen", "Dana", "Daniel",
    "Dilnoza", "Elena", "Emil", "Farida", "Felix", "Gulnara", "Hamid", "Hannah",
    "Ilya", "Ingrid", "Jamal", "Julia", "Kamila", "Karim", "Laila", "Lukas", "Maria",
    "Marat", "Mehdi", "Nadia", "Nikolai", "Nora", "Olga", "Omar", "Parisa", "Paul",
    "Rashid", "Rosa", "Ruslan", "Sara", "Sergei", "Shirin", "Stefan", "Tamara",
    "Timur", "Ulrike", "Vera", "Viktor", "Yasmin", "Yusuf", "Zarina",
)  # fmt: skip
_SURNAMES = (
    "Abdullaev", "Akhmetova", "Alizadeh", "Bakirov", "Baranova", "Castellano",
    "Dzhumabaev", "Ebadi", "Fairbanks", "Farahani", "Gorshkov", "Hashemi", "Holloway",
    "Ibragimova", "Iskanderov", "Jafari", "Kasymov", "Khodjaeva", "Kowalczyk",
    "Lindqvist", "Marchetti", "Mirzaev", "Moradi", "Nazarova", "Novak", "Okonkwo",
    "Orlova", "Pahlavan", "Petrosyan", "Quraishi", "Rahimov", "Rostami", "Sadykova",
    "Salimov", "Shevchenko", "Sorensen", "Tashkentova", "Tokhtarov", "Umarov",
    "Valentini", "Vasquez", "Whitfield", "Yakubov", "Yeganeh", "Zakirova", "Zhou",
    "Brennan", "Delacroix", "Esfandiari", "Grünewald", "Haddad", "Karimova",
    "Lemaire", "Mukhametov", "Nasseri", "Oyelaran", "Pryanikov", "Rasulova",
)  # fmt: skip
_ROLES = (
    "senior fellow",
    "research analyst",
    "associate professor of political science",
    "nonresident scholar",
    "journalist",
    "former diplomat",
    "doctoral candidate",
    "policy researcher",
    "senior economist",
    "defense analyst",
)
_INSTITUTIONS = (
    "the Caspian Policy Institute",
    "the Centre for Eurasian Studies",
    "the University of Leiden",
    "the Steppe Research Network",
    "King's College London",
    "the Institute for Security Analysis",
    "the Silk Road Forum",
    "the Geneva Centre for Regional Affairs",
    "the Almaty Policy Lab",
    "the Tehran Review",
)
_PUBLICATIONS = (
    "The Diplomat",
    "Eurasia Review",
    "RealClearDefense",
    "The Caspian Post",
    "Steppe Quarterly",
    "Foreign Affairs Digest",
    "Central Asia Monitor",
    "War on the Rocks",
)
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip

_SENTENCE_END = re.compile(r"(?<=[.?!])[\"”’)]?\s+(?=[“\"A-Z])")
_ABBREVIATION = re.compile(
    r"(?:\b(?:St|Mr|Mrs|Ms|Dr|Gen|Col|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)|\b[A-Z])\.$"
)
_GLUED_WORDS = re.compile(r"[a-z][A-Z][a-z]")
# "Samuel Ramani is a ..." opens an author bio; in a body it would end the article.
_BIO_OPENING = re.compile(r"^(?:(?:[A-Z][\w.’'-]+ ){1,3}is an? |(?:He|She) \w+ )")
_TERMINAL = (".", "?", "!", "”", '"', "’", ")")


@dataclass(frozen=True)
class SyntheticParagraph:
    heading: str
    text: str
    countries: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True)
class SyntheticArticle:
    number: int
    title: str
    dek: str
    authors: tuple[str, ...]
    publication: str
    date: datetime.date
    paragraphs: tuple[SyntheticParagraph, ...]

    @property
    def year(self) -> int:
        return self.date.year


@dataclass(frozen=True)
class SeedText:
    """What the seed articles offer: real sentences, headings and title lines."""

    sentences: tuple[str, ...]
    headings: tuple[str, ...]
    titles: tuple[str, ...]
    deks: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Every facet's values in frequency-rank order (rank 0 is the commonest)."""

    seed_text: SeedText
    authors: tuple[str, ...]
    bios: dict[str, str]
    countries: tuple[str, ...]
    topics: tuple[str, ...]
    years: tuple[int, ...]

    def facet_value(self, facet: str, rank: int) -> str:
        values: Sequence[object] = {
            "country": self.countries,
            "author": self.authors,
            "topic": self.topics,
            "year": self.years,
        }[facet]
        if not values:
            raise ValueError(f"no values for facet {facet!r}")
        return str(values[rank % len(values)])


def read_seed_text(seeds_dir: Path) -> SeedText:
    sentences: dict[str, None] = {}
    headings: dict[str, None] = {}
    titles: dict[str, None] = {}
    deks: dict[str, None] = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        blocks = [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        for number, block in enumerate(blocks):
            words = block.split()
            following = blocks[number + 1].split() if number + 1 < len(blocks) else []
            if _is_heading(block) and len(following) >= 40:
                headings.setdefault(block)
            if number < 12 and 4 <= len(words) <= 14:
                if block.endswith("."):
                    deks.setdefault(block)
                elif ":" not in block or block.endswith("?"):
                    titles.setdefault(block)
            if len(words) < 25 or block.startswith("[") or "http" in block:
                continue
            for sentence in _split_sentences(block):
                if _is_clean_sentence(sentence):
                    sentences.setdefault(" ".join(sentence.split()))
    titles.update(headings)
    return SeedText(
        sentences=_without_near_duplicates(list(sentences)),
        headings=tuple(headings),
        titles=tuple(titles),
        deks=tuple(deks) or tuple(sentences)[:20],
    )


def _split_sentences(block: str) -> list[str]:
    pieces: list[str] = []
    for piece in _SENTENCE_END.split(block):
        if pieces and _ABBREVIATION.search(pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    return pieces


def _without_near_duplicates(sentences: list[str]) -> tuple[str, ...]:
    """Drop a sentence whose words mostly recur in a longer one (a pull quote in
    the seeds): the parser would drop it again as a pull quote."""
    words = [set(re.findall(r"\w+", sentence.lower())) for sentence in sentences]
    kept = []
    for index, sentence in enumerate(sentences):
        mine = words[index]
        if not any(
            other != index
            and len(words[other]) >= len(mine)
            and (len(words[other]), other) > (len(mine), index)
            and len(mine & words[other]) >= 0.8 * len(mine)
            for other in range(len(sentences))
        ):
            kept.append(sentence)
    return tuple(kept)


def _is_heading(block: str) -> bool:
    words = block.split()
    return (
        2 <= len(words) <= 10
        and ":" not in block
        and not block.endswith(_TERMINAL)
        and block[0].isupper()
    )


def _is_clean_sentence(sentence: str) -> bool:
    words = sentence.split()
    return (
        6 <= len(words) <= 70
        and sentence.rstrip().endswith(_TERMINAL)
        and "[" not in sentence
        and "@" not in sentence
        and not _GLUED_WORDS.search(sentence)
        and not _BIO_OPENING.match(sentence)
    )


def author_names() -> tuple[str, ...]:
    """AUTHOR_COUNT distinct names; the same for every corpus seed."""
    rng = random.Random("refdesk-bench-authors")
    pairs = [(first, last) for first in _FIRST_NAMES for last in _SURNAMES]
    rng.shuffle(pairs)
    return tuple(f"{first} {last}" for first, last in pairs[:AUTHOR_COUNT])


def author_bio(name: str) -> str:
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    role = _ROLES[digest % len(_ROLES)]
    place = _INSTITUTIONS[(digest // 7) % len(_INSTITUTIONS)]
    return f"{name} is a {role} at {place}."


def topic_ranks(slugs: Iterable[str]) -> tuple[str, ...]:
    ordered = sorted(slugs)
    random.Random("refdesk-bench-topics").shuffle(ordered)
    return tuple(ordered)


def year_ranks() -> tuple[int, ...]:
    # Recent years are the commonest; ties cannot occur because weights grow.
    return tuple(range(LAST_YEAR, FIRST_YEAR - 1, -1))


def build_vocabulary(*, seeds_dir: Path, topics: Iterable[str]) -> Vocabulary:
    authors = author_names()
    return Vocabulary(
        seed_text=read_seed_text(seeds_dir),
        authors=authors,
        bios={name: author_bio(name) for name in authors},
        countries=COUNTRY_CODES,
        topics=topic_ranks(topics),
        years=year_ranks(),
    )


def _zipf_weights(count: int, *, exponent: float) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(count)))


class _Drawer:
    """Zipf-skewed draws over one rank-ordered population."""

    def __init__(
        self, rng: random.Random, values: Sequence[object], *, exponent: float
    ) -> None:
        self._rng = rng
        self._values = list(values)
        self._cumulative = _zipf_weights(len(self._values), exponent=exponent)

    def draw(self, count: int = 1) -> list:
        if not self._values or count <= 0:
            return []
        return self._rng.choices(self._values, cum_weights=self._cumulative, k=count)


def generate_articles(
    vocabulary: Vocabulary, *, paragraphs: int, seed: int
) -> Iterator[SyntheticArticle]:
    """Articles of 10–40 paragraphs until exactly `paragraphs` have been produced."""
    rng = random.Random(seed)
    seed_text = vocabulary.seed_text
    if not seed_text.sentences:
        raise ValueError("the seed articles yielded no usable sentences")
    # A sentence appears at most once per article: the parser drops a paragraph
    # whose words reappear in a longer one as a pull quote.
    sentence_pool = list(seed_text.sentences)
    rng.shuffle(sentence_pool)
    sentence_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(sentence_pool))]
    authors = _Drawer(rng, vocabulary.authors, exponent=1.0)
    countries = _Drawer(rng, vocabulary.countries, exponent=1.0)
    topics = _Drawer(rng, vocabulary.topics, exponent=0.8)
    years = list(vocabulary.years)
    year_weights = list(accumulate(1.0 + (year - FIRST_YEAR) * 0.15 for year in years))
    headings = list(seed_text.headings) or ["Background"]
    remaining = paragraphs
    number = 0
    while remaining > 0:
        number += 1
        size = min(remaining, rng.randint(10, 40))
        remaining -= size
        year = rng.choices(years, cum_weights=year_weights)[0]
        date = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        author_count = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
        names = tuple(dict.fromkeys(authors.draw(author_count)))
        main_country = countries.draw()[0]
        main_topic = topics.draw()[0] if vocabulary.topics else None
        # An opening paragraph of one short sentence reads as a standfirst.
        counts = [rng.randint(2 if position == 0 else 1, 4) for position in range(size)]
        drawn = iter(
            _sample_distinct(rng, sentence_pool, sentence_weights, k=sum(counts))
        )
        body: list[SyntheticParagraph] = []
        heading = ""
        for position, count in enumerate(counts):
            if position >= 3 and rng.random() < 0.12:
                heading = rng.choice(headings)
            body.append(
                SyntheticParagraph(
                    heading=heading,
                    text=" ".join(next(drawn) for _ in range(count)),
                    countries=_tags(rng, main_country, countries, keep=0.55),
                    topics=_tags(rng, main_topic, topics, keep=0.5),
                )
            )
        title = rng.choice(seed_text.titles)
        if rng.random() < 0.5:
            title = f"{title}: {rng.choice(headings)}"
        yield SyntheticArticle(
            number=number,
            title=title,
            dek=rng.choice(seed_text.deks),
            authors=names,
            publication=rng.choice(_PUBLICATIONS),
            date=date,
            paragraphs=tuple(body),
        )


def _sample_distinct(
    rng: random.Random, values: Sequence[str], weights: Sequence[float], *, k: int
) -> list[str]:
    """k distinct values, weighted, in random order (Efraimidis–Spirakis keys);
    cycles through the values again when k exceeds how many there are."""
    keyed = sorted(
        zip(values, weights, strict=True),
        key=lambda pair: rng.random() ** (1.0 / pair[1]),
        reverse=True,
    )
    ordered = [value for value, _ in keyed]
    picked = ordered * (k // len(ordered)) + ordered[: k % len(ordered)]
    rng.shuffle(picked)
    return picked


def _tags(
    rng: random.Random, main: str | None, drawer: _Drawer, *, keep: float
) -> tuple[str, ...]:
    picked: list[str] = []
    if main is not None and rng.random() < keep:
        picked.append(main)
    picked.extend(drawer.draw(rng.choices((0, 1, 2), weights=(55, 30, 15))[0]))
    return tuple(dict.fromkeys(picked))


def render_article(article: SyntheticArticle, *, vocabulary: Vocabulary) -> str:
    """The article file format: title, dek, paragraphs, subheadings, bio, origin."""
    blocks = [article.title, article.dek]
    heading = ""
    for paragraph in article.paragraphs:
        if paragraph.heading != heading:
            heading = paragraph.heading
            blocks.append(heading)
        blocks.append(paragraph.text)
    blocks.append(" ".join(vocabulary.bios[name] for name in article.authors))
    date = article.date
    blocks.append(
        f"This commentary originally appeared on {article.publication} on "
        f"{_MONTHS[date.month - 1]} {date.day}, {date.year}."
    )
    return "\n\n".join(blocks) + "\n"


def article_file_name(article: SyntheticArticle, *, seed: int) -> str:
    return f"bench_{seed}_{article.number:07d}.txt"


def write_article_files(
    articles: Iterable[SyntheticArticle],
    *,
    out_dir: Path,
    vocabulary: Vocabulary,
    seed: int,
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        path = out_dir / article_file_name(article, seed=seed)
        path.write_text(render_article(article, vocabulary=vocabulary), "utf-8")
        paths.append(path)
    return paths


@dataclass(frozen=True)
class LoadReport:
    articles: int
    paragraphs: int
    country_tags: int
    topic_tags: int
    seconds: float


def ensure_topics() -> list[str]:
    """The taxonomy's slugs; a fallback taxonomy is created in an empty database."""
    from corpus.models import Topic

    slugs = list(Topic.objects.values_list("slug", flat=True))
    if slugs:
        return slugs
    Topic.objects.bulk_create(
        Topic(slug=slug, name=name, rules=slug) for slug, name in FALLBACK_TOPICS
    )
    return [slug for slug, _ in FALLBACK_TOPICS]


def load_articles(
    articles: Iterable[SyntheticArticle],
    *,
    vocabulary: Vocabulary,
    seed: int,
    batch_paragraphs: int = 20_000,
) -> LoadReport:
    """Write the rows ingest would write, tags as AUTO, with bulk inserts."""
    from django.db import transaction
    from django.db.models import Max

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

    started = time.perf_counter()
    Author.objects.bulk_create(
        (Author(name=name, bio=vocabulary.bios[name]) for name in vocabulary.authors),
        ignore_conflicts=True,
    )
    Publication.objects.bulk_create(
        (Publication(name=name) for name in _PUBLICATIONS), ignore_conflicts=True
    )
    author_ids = dict(Author.objects.values_list("name", "id"))
    publication_ids = dict(Publication.objects.values_list("name", "id"))
    country_ids = dict(Country.objects.values_list("code", "id"))
    topic_ids = dict(Topic.objects.values_list("slug", "id"))
    next_article = (Article.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    next_paragraph = (Paragraph.objects.aggregate(top=Max("id"))["top"] or 0) + 1
    totals = [0, 0, 0, 0]
    pending: list[SyntheticArticle] = []
    pending_paragraphs = 0

    def flush() -> None:
        nonlocal next_article, next_paragraph, pending_paragraphs
        rows_article, rows_author, rows_paragraph = [], [], []
        rows_country: list[Any] = []
        rows_topic: list[Any] = []
        for article in pending:
            text = render_article(article, vocabulary=vocabulary)
            rows_article.append(
                Article(
                    id=next_article,
                    title=article.title,
                    dek=article.dek,
                    publication_id=publication_ids[article.publication],
                    date=article.date,
                    year=article.year,
                    source_file=article_file_name(article, seed=seed),
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                )
            )
            for position, name in enumerate(article.authors):
                rows_author.append(
                    ArticleAuthor(
                        article_id=next_article,
                        author_id=author_ids[name],
                        position=position,
                    )
                )
            for position, paragraph in enumerate(article.paragraphs, start=1):
                rows_paragraph.append(
                    Paragraph(
                        id=next_paragraph,
                        article_id=next_article,
                        position=position,
                        text=paragraph.text,
                        heading=paragraph.heading,
                    )
                )
                rows_country.extend(
                    ParagraphCountry(
                        paragraph_id=next_paragraph,
                        country_id=country_ids[code],
                        status=TagStatus.AUTO,
                        evidence="generated",
                    )
                    for code in paragraph.countries
                )
                rows_topic.extend(
                    ParagraphTopic(
                        paragraph_id=next_paragraph,
                        topic_id=topic_ids[slug],
                        status=TagStatus.AUTO,
                        evidence="generated",
                    )
                    for slug in paragraph.topics
                )
                next_paragraph += 1
            next_article += 1
        with transaction.atomic():
            Article.objects.bulk_create(rows_article)
            ArticleAuthor.objects.bulk_create(rows_author)
            Paragraph.objects.bulk_create(rows_paragraph)
            ParagraphCountry.objects.bulk_create(rows_country)
            ParagraphTopic.objects.bulk_create(rows_topic)
        totals[0] += len(rows_article)
        totals[1] += len(rows_paragraph)
        totals[2] += len(rows_country)
        totals[3] += len(rows_topic)
        pending.clear()
        pending_paragraphs = 0

    for article in articles:
        pending.append(article)
        pending_paragraphs += len(article.paragraphs)
        if pending_paragraphs >= batch_paragraphs:
            flush()
    if pending:
        flush()
    return LoadReport(
        articles=totals[0],
        paragraphs=totals[1],
        country_tags=totals[2],
        topic_tags=totals[3],
        seconds=time.perf_counter() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m bench generate`: write raw article files for `manage.py ingest`."""
    parser = argparse.ArgumentParser(
        prog="python -m bench generate",
        description="Write synthetic article files in the format ingest accepts.",
    )
    parser.add_argument("--paragraphs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seeds-dir", type=Path, default=None)
    options = parser.parse_args(argv)
    seeds_dir = options.seeds_dir or Path(__file__).resolve().parent.parent / "seeds"
    vocabulary = build_vocabulary(seeds_dir=seeds_dir, topics=())
    paths = write_article_files(
        generate_articles(vocabulary, paragraphs=options.paragraphs, seed=options.seed),
        out_dir=options.out,
        vocabulary=vocabulary,
        seed=options.seed,
    )
    print(f"wrote {len(paths)} article files to {options.out}")
    return 0
