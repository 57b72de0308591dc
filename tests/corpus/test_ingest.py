from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corpus.ingest import ingest_paths
from corpus.models import Article, ParagraphCountry, TagStatus

pytestmark = pytest.mark.django_db

EXPECTED = {
    "000_7b93cd84623c8d14.txt": (
        "Has Iran Finally Found a Security Partner in Central Asia?",
        ["Samuel Ramani"],
        2016,
    ),
    "001_af2330766e9b4dd2.txt": (
        "The Myth of an Iran-Russia Alliance in Afghanistan",
        ["Samuel Ramani"],
        2017,
    ),
    "002_6a5c443ba45c8788.txt": (
        "Iran’s drone factory in Tajikistan: A boon for Russia or a challenge?",
        [],
        2022,
    ),
    "003_30700c1f1a60f553.txt": (
        None,
        ["Robert Schlesiger", "Daniel Egel", "Jeffrey Martini"],
        2023,
    ),
}

BOILERPLATE = (
    "Share on Twitter",
    "Recent Features",
    "Credit:",
    "Similar Articles",
    "Search the site",
    "originally appeared",
    " is an MPhil student",
    " is a DPhil candidate",
    " is a visiting military fellow",
)


def run_ingest(*paths: Path) -> tuple[str, int]:
    out = io.StringIO()
    try:
        call_command("ingest", *[str(p) for p in paths], "--no-index", stdout=out)
    except CommandError:
        return out.getvalue(), 1
    return out.getvalue(), 0


@pytest.fixture
def seeded(seeds_dir: Path) -> None:
    run_ingest(seeds_dir)


def test_ingest_seeds_titles_authors_years(seeded: None) -> None:
    assert Article.objects.count() == 4
    for name, (title, authors, year) in EXPECTED.items():
        article = Article.objects.get(source_file=name)
        if title is None:
            assert article.title_derived
            assert 0 < len(article.title.split()) <= 16
        else:
            assert article.title == title
            assert not article.title_derived
        assert [a.name for a in article.ordered_authors()] == authors
        assert article.year == year


def test_ingest_rand_commentary_has_publication_and_exact_date(seeded: None) -> None:
    article = Article.objects.get(source_file="003_30700c1f1a60f553.txt")
    assert article.publication is not None
    assert article.publication.name == "RealClearDefense"
    assert article.date is not None and article.date.isoformat() == "2023-05-25"
    assert not article.date_estimated


def test_ingest_estimates_dates_without_a_publication_line(seeded: None) -> None:
    article = Article.objects.get(source_file="000_7b93cd84623c8d14.txt")
    assert article.date_estimated
    assert article.date is None


def test_ingest_author_bios_are_stored_on_authors_not_paragraphs(seeded: None) -> None:
    article = Article.objects.get(source_file="000_7b93cd84623c8d14.txt")
    author = article.ordered_authors()[0]
    assert "St. Antony’s College" in author.bio
    assert not article.paragraphs.filter(text__contains="St. Antony’s College").exists()


@pytest.mark.parametrize("fragment", BOILERPLATE)
def test_ingest_paragraphs_hold_no_boilerplate(seeded: None, fragment: str) -> None:
    from corpus.models import Paragraph

    assert not Paragraph.objects.filter(text__contains=fragment).exists()


def test_ingest_footnotes_become_references(seeded: None) -> None:
    article = Article.objects.get(source_file="002_6a5c443ba45c8788.txt")
    assert len(article.references) == 13
    assert not article.paragraphs.filter(text__regex=r"\[[ivx]+\]").exists()


def test_ingest_second_run_prints_unchanged_for_every_file(seeds_dir: Path) -> None:
    run_ingest(seeds_dir)
    output, code = run_ingest(seeds_dir)
    assert code == 0
    assert output.count(": unchanged") == 4
    assert Article.objects.count() == 4


def test_ingest_first_run_prints_created_and_summary(seeds_dir: Path) -> None:
    output, code = run_ingest(seeds_dir)
    assert code == 0
    assert output.count(": created") == 4
    assert "4 files: 4 created, 0 updated, 0 unchanged, 0 skipped" in output


def test_ingest_update_keeps_editor_fields_and_manual_tags(
    seeds_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / "000_7b93cd84623c8d14.txt"
    shutil.copy(seeds_dir / source.name, source)
    run_ingest(source)
    article = Article.objects.get(source_file=source.name)
    article.title = "Edited by hand"
    article.edited_fields = ["title"]
    article.save()
    paragraph = article.paragraphs.get(position=1)
    ParagraphCountry.objects.update_or_create(
        paragraph=paragraph,
        country_id=_country_pk("GR"),
        defaults={"status": TagStatus.MANUAL},
    )
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("It is an alliance that could", "It is a pact that could"),
        encoding="utf-8",
    )

    output, code = run_ingest(source)

    assert code == 0
    assert ": updated" in output
    article.refresh_from_db()
    assert article.title == "Edited by hand"
    assert article.paragraphs.filter(text__contains="It is a pact that could").exists()
    tag = ParagraphCountry.objects.get(paragraph=paragraph, country__code="GR")
    assert tag.status == TagStatus.MANUAL


def _country_pk(code: str) -> int:
    from corpus.models import Country

    return Country.objects.get(code=code).pk


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),  # nothing at all
        (b"   \n\n  \t\n", "empty file"),  # only whitespace
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),  # an image
        (b"PK\x03\x04" + b"\x00" * 40, "binary"),  # a zip archive
        ("Caf\u00e9 politics in Tehran.\n".encode("latin-1") * 5, "not UTF-8"),
        (b"Title\n\nToo short\n", "no paragraphs"),  # no body paragraphs
    ],
)
def test_ingest_bad_file_is_skipped_with_reason(
    tmp_path: Path, seeds_dir: Path, content: bytes, reason: str
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    good = tmp_path / "000_7b93cd84623c8d14.txt"
    shutil.copy(seeds_dir / good.name, good)

    output, code = run_ingest(bad, good)

    assert code == 1
    line = next(line for line in output.splitlines() if line.startswith("bad.txt"))
    assert "skipped" in line and reason in line
    assert Article.objects.filter(source_file=good.name).exists()
    assert not Article.objects.filter(source_file="bad.txt").exists()


def test_ingest_oversize_file_is_skipped(tmp_path: Path, settings) -> None:
    settings.REFDESK_MAX_FILE_BYTES = 1024
    big = tmp_path / "big.txt"
    big.write_text("A long sentence about Iran and its neighbours. " * 100)
    output, code = run_ingest(big)
    assert code == 1
    assert "big.txt: skipped: larger than" in output


def test_ingest_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("ingest", str(tmp_path / "nope.txt"), stdout=io.StringIO())


def test_ingest_paths_updates_index_for_new_paragraphs(seeds_dir: Path) -> None:
    from search.index import open_index

    report = ingest_paths([seeds_dir / "000_7b93cd84623c8d14.txt"])

    assert report.count("created") == 1
    with open_index().searcher() as searcher:
        assert searcher.doc_count() == len(report.changed_paragraph_ids)
