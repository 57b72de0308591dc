from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from corpus.ingest import ingest_paths
from corpus.models import (
    Article,
    Paragraph,
    ParagraphCountry,
    TagStatus,
)

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
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "an image, not text"),
        (b"PK\x03\x04" + b"\x00" * 40, "a zip archive, not text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not text"),
        (b"\x00\x01\x02binary" * 10, "binary file, not text"),
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
    from search.index import index_status

    report = ingest_paths([seeds_dir / "000_7b93cd84623c8d14.txt"])

    assert report.count("created") == 1
    assert index_status()["documents"] == len(report.changed_paragraph_ids)


# --- Re-ingest keeps each paragraph's row and tags with its text ------------------

RAND = "003_30700c1f1a60f553.txt"
PRONGS = "We propose three possible prongs for expanded security cooperation"
REWORDED = "We propose three prongs for deeper security cooperation with Kazakhstan."
NEW_OPENING = "Mongolia watched the talks in Ulaanbaatar with growing interest."


def _rand_with_prongs_tags(seeds_dir: Path, tmp_path: Path) -> tuple[Path, int]:
    """The RAND seed ingested, its "prongs" paragraph given a manual topic and a
    rejected country; returns the file and that paragraph's id."""
    from corpus.services import change_tags

    source = tmp_path / RAND
    shutil.copy(seeds_dir / RAND, source)
    run_ingest(source)
    prongs = Paragraph.objects.get(text__startswith=PRONGS)
    change_tags([prongs.pk], kind="topic", value="water", add=True, user=None)
    change_tags([prongs.pk], kind="country", value="KZ", add=False, user=None)
    return source, prongs.pk


def _rewrite(source: Path, *, old: str, new: str) -> None:
    lines = source.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[index] = new
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_reingest_edited_paragraph_keeps_its_row_and_editor_tags(
    seeds_dir: Path, tmp_path: Path
) -> None:
    source, prongs_id = _rand_with_prongs_tags(seeds_dir, tmp_path)
    old_ids = set(Paragraph.objects.values_list("pk", flat=True))
    source.write_text(
        NEW_OPENING + "\n" + source.read_text(encoding="utf-8"), encoding="utf-8"
    )
    _rewrite(source, old=PRONGS, new=REWORDED)

    output, code = run_ingest(source)

    assert (code, output.splitlines()[0]) == (0, f"{RAND}: updated")
    prongs = Paragraph.objects.get(pk=prongs_id)
    assert (prongs.position, prongs.text) == (9, REWORDED)
    assert prongs.topic_tags.get(topic__slug="water").status == TagStatus.MANUAL
    assert prongs.country_tags.get(country__code="KZ").status == TagStatus.REJECTED
    opening = Paragraph.objects.get(position=1)
    assert opening.text == NEW_OPENING
    assert opening.pk not in old_ids
    assert not opening.topic_tags.filter(status=TagStatus.MANUAL).exists()
    assert not opening.country_tags.filter(status=TagStatus.REJECTED).exists()


def test_reingest_unchanged_paragraphs_keep_their_ids(
    seeds_dir: Path, tmp_path: Path
) -> None:
    source, _ = _rand_with_prongs_tags(seeds_dir, tmp_path)
    before = dict(Paragraph.objects.values_list("text", "pk"))
    source.write_text(
        NEW_OPENING + "\n" + source.read_text(encoding="utf-8"), encoding="utf-8"
    )

    run_ingest(source)

    after = dict(Paragraph.objects.values_list("text", "pk"))
    assert {text: after[text] for text in before} == before


def test_reingest_reports_removed_paragraph_with_manual_tags(
    seeds_dir: Path, tmp_path: Path
) -> None:
    from corpus.models import TagChange

    source, prongs_id = _rand_with_prongs_tags(seeds_dir, tmp_path)
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text(
        "\n".join(line for line in lines if not line.startswith(PRONGS)),
        encoding="utf-8",
    )

    output, code = run_ingest(source)

    assert code == 0
    assert f"{RAND}: updated (1 paragraph with manual tags removed)" in output
    assert not Paragraph.objects.filter(pk=prongs_id).exists()
    logged = TagChange.objects.filter(note="ingest: paragraph removed")
    assert ("topic", "water", "manual", "") in set(
        logged.values_list("kind", "value", "before", "after")
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # Nothing changed.
        (["a b c", "d e f"], ["a b c", "d e f"], {0: 0, 1: 1}),
        # A new first paragraph; the others move down.
        (["a b c", "d e f"], ["x y z", "a b c", "d e f"], {1: 0, 2: 1}),
        # A paragraph reworded next to a new one: the reworded one is matched.
        (
            ["a b c", "one two three four five", "d e f"],
            ["a b c", "new words only here", "one two three four six", "d e f"],
            {0: 0, 2: 1, 3: 2},
        ),
        # A paragraph replaced by an unrelated one: no match.
        (
            ["a b c", "one two three", "d e f"],
            ["a b c", "x y z", "d e f"],
            {0: 0, 2: 2},
        ),
        # A paragraph removed.
        (["a b c", "one two three", "d e f"], ["a b c", "d e f"], {0: 0, 1: 2}),
    ],
)
def test_align_paragraphs(
    old: list[str], new: list[str], expected: dict[int, int]
) -> None:
    from corpus.ingest import align_paragraphs

    assert align_paragraphs(old, new) == expected


# --- Authors fixed by an editor ---------------------------------------------------


def test_reingest_keeps_author_renamed_by_an_editor(
    seeds_dir: Path, tmp_path: Path
) -> None:
    from corpus.models import Author
    from corpus.services import save_author

    source = tmp_path / "000_7b93cd84623c8d14.txt"
    shutil.copy(seeds_dir / source.name, source)
    run_ingest(source)
    author = Author.objects.get(name="Samuel Ramani")
    author.name = "Samuel Ramani (Oxford)"
    save_author(author, user=None)
    text = source.read_text(encoding="utf-8")
    source.write_text(
        text.replace("It is an alliance that could", "It is a pact that could"),
        encoding="utf-8",
    )

    output, _ = run_ingest(source)

    assert ": updated" in output
    article = Article.objects.get(source_file=source.name)
    assert [a.pk for a in article.ordered_authors()] == [author.pk]
    assert not Author.objects.filter(name="Samuel Ramani").exists()


# --- Folders ----------------------------------------------------------------------


def test_ingest_folder_reports_files_of_other_types(
    seeds_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    shutil.copy(seeds_dir / RAND, folder / RAND)
    (folder / "report.pdf").write_bytes(b"%PDF-1.7 not an article")
    (folder / "README").write_text("Notes about this folder.")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    (folder / ".gitkeep").write_text("")

    output, code = run_ingest(folder)

    assert code == 1
    assert "report.pdf: skipped: not a text file (.pdf)" in output
    assert "README: skipped: not a text file (no extension)" in output
    assert ".DS_Store" not in output and ".gitkeep" not in output
    assert "3 files: 1 created, 0 updated, 0 unchanged, 2 skipped" in output


# --- Audit log --------------------------------------------------------------------


def test_ingest_logs_automatic_tag_changes_on_update(
    seeds_dir: Path, tmp_path: Path
) -> None:
    from corpus.models import TagChange

    source = tmp_path / RAND
    shutil.copy(seeds_dir / RAND, source)
    run_ingest(source)
    # The first import is the baseline: its tags are not logged as changes.
    assert ParagraphCountry.objects.exists()
    assert not TagChange.objects.exists()

    _rewrite(
        source,
        old=PRONGS,
        new="We propose three possible prongs for expanded security cooperation "
        "with the region.",
    )
    run_ingest(source)

    removed = TagChange.objects.filter(note="ingest", before="auto", after="")
    assert ("country", "KZ") in set(removed.values_list("kind", "value"))


# --- Identity ---------------------------------------------------------------------


def test_the_same_text_under_another_name_is_not_a_second_article(
    seeds_dir: Path, tmp_path: Path
) -> None:
    source = tmp_path / RAND
    shutil.copy(seeds_dir / RAND, source)
    copy = tmp_path / "copy-of-rand.txt"
    shutil.copy(seeds_dir / RAND, copy)
    output, code = run_ingest(source, copy)
    assert code == 1
    assert Article.objects.count() == 1
    assert f"copy-of-rand.txt: skipped: same text as {RAND}" in output


def test_two_files_of_one_name_in_a_run_do_not_overwrite_each_other(
    seeds_dir: Path, tmp_path: Path
) -> None:
    first = tmp_path / "one" / "article.txt"
    second = tmp_path / "two" / "article.txt"
    first.parent.mkdir()
    second.parent.mkdir()
    shutil.copy(seeds_dir / RAND, first)
    shutil.copy(min(seeds_dir.glob("0*.txt")), second)
    output, code = run_ingest(first.parent, second.parent)
    assert code == 1
    (article,) = Article.objects.all()
    assert article.source_file == "article.txt"
    assert "article.txt: created" in output
    assert f"article.txt: skipped: {first} has the same file name" in output


# --- Progress and verbosity ---------------------------------------------------------

ARTICLE = (
    "A Study of Grain Routes\n\nBy Ann Example\n\n"
    + "The grain moved along the river every spring, and the traders followed it "
    "from one market town to the next, counting sacks as they went. " * 3
)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _article_folder(folder: Path, count: int) -> Path:
    folder.mkdir()
    for number in range(count):
        (folder / f"article-{number:02d}.txt").write_text(
            ARTICLE.replace("Grain", f"Grain {number}") + f"\n\nNote {number}.\n",
            encoding="utf-8",
        )
    (folder / "empty.txt").write_text("", encoding="utf-8")
    return folder


def test_ingest_on_a_terminal_shows_a_progress_bar(tmp_path: Path, capsys) -> None:
    folder = _article_folder(tmp_path / "many", 24)
    out = _Terminal()
    with pytest.raises(CommandError):
        call_command("ingest", str(folder), "--no-index", stdout=out)
    bar = capsys.readouterr().err
    assert "25/25" in bar and "file" in bar
    # Only the skipped file and the summary are printed beside the bar.
    assert "empty.txt: skipped: empty file" in out.getvalue()
    assert "article-03.txt: created" not in out.getvalue()
    assert "25 files: 24 created" in out.getvalue()


def test_ingest_without_a_terminal_prints_a_line_per_file(tmp_path: Path) -> None:
    folder = _article_folder(tmp_path / "many", 24)
    output, code = run_ingest(folder)
    assert code == 1
    assert "article-03.txt: created" in output
    assert "empty.txt: skipped: empty file" in output
    assert "25 files: 24 created" in output


def test_ingest_verbosity_0_prints_only_failures(tmp_path: Path, capsys) -> None:
    folder = _article_folder(tmp_path / "many", 24)
    out = _Terminal()
    with pytest.raises(CommandError, match="1 file"):
        call_command("ingest", str(folder), "--no-index", "-v", "0", stdout=out)
    assert out.getvalue().strip().endswith("empty.txt: skipped: empty file")
    assert "created" not in out.getvalue()
    assert capsys.readouterr().err == ""
    assert Article.objects.count() == 24
