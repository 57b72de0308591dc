"""The contract every search backend keeps, run once per backend in conftest.py.

Expected answers are worked out from the corpus documents themselves wherever
they can be (the facet and 2-D counts by brute force), so the tests state the
rules, not one engine's output.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import threading
from collections import Counter
from collections.abc import Iterable, Iterator

import pytest

from corpus.text import analyze
from search.engine.base import (
    FACETS,
    UNKNOWN_AUTHOR,
    EngineQuery,
    EngineResult,
    IndexDocument,
    SearchBackend,
)


def _doc(
    pid: int,
    article: int,
    position: int,
    text: str,
    *,
    title: str,
    year: int | None,
    authors: tuple[str, ...] = (),
    countries: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    heading: str = "",
) -> IndexDocument:
    return IndexDocument(
        paragraph_id=pid,
        article_id=article,
        position=position,
        text=text,
        heading=heading,
        title=title,
        authors=authors,
        publication="The Review",
        year=year,
        date=datetime.date(year, 3, article) if year else None,
        countries=countries,
        topics=topics,
    )


IRAN = "Has Iran found a security partner?"
RUSSIA = "Russia and its near abroad"
CASPIAN = "Energy in the Caspian"
PROBE = "Investigating WeWork"
UNDATED = "Notes without a date"


def corpus_documents() -> list[IndexDocument]:
    """Five articles, one undated and two without authors; known words and tags."""
    ramani = ("Samuel Ramani",)
    return [
        _doc(11, 1, 1, "Iran and Turkmenistan agreed to expand their security "
             "partnership.", title=IRAN, year=2016, authors=ramani,
             countries=("IR", "TM")),
        _doc(12, 1, 2, "Allies profited from the Afghan opium trade across the "
             "border.", title=IRAN, year=2016, authors=ramani,
             countries=("AF", "IR", "TM"), topics=("drugs",), heading="Drugs"),
        _doc(13, 1, 3, "Police oversaw the largest seizure of Afghan opium on the "
             "Iran-Turkmenistan border.", title=IRAN, year=2016, authors=ramani,
             countries=("AF", "IR"), topics=("drugs",), heading="Drugs"),
        _doc(14, 1, 4, "Western sanctions against Iran were eased; the sanctioned "
             "banks reopened.", title=IRAN, year=2016, authors=ramani,
             countries=("IR",)),
        _doc(21, 2, 1, "Moscow treats Kazakhstan as part of the near abroad.",
             title=RUSSIA, year=2020, authors=("Jane Doe", "Samuel Ramani"),
             countries=("KZ", "RU")),
        _doc(22, 2, 2, "Russia sells gas to Kazakhstan and Turkmenistan.",
             title=RUSSIA, year=2020, authors=("Jane Doe", "Samuel Ramani"),
             countries=("KZ", "RU", "TM"), topics=("energy",)),
        _doc(31, 3, 1, "Pipelines <script>alert('x')</script> & tankers cross the "
             "Caspian.", title=CASPIAN, year=2018, countries=("AZ",),
             topics=("energy",)),
        _doc(32, 3, 2, "Azerbaijan exports oil through Georgia to Kyrgyzstán.",
             title=CASPIAN, year=2018, countries=("AZ", "GE")),
        _doc(41, 4, 1, "The investigation into the company began in spring.",
             title=PROBE, year=2022, authors=("Ana Müller",), countries=("US",)),
        _doc(42, 4, 2, "Investigators said two investigations were closed.",
             title=PROBE, year=2022, authors=("Ana Müller",), countries=("US",)),
        _doc(51, 5, 1, "Opium poppies grow in Helmand.", title=UNDATED, year=None,
             countries=("AF",), topics=("drugs",)),
    ]  # fmt: skip


class ListSource:
    """A DocumentSource over a list that tests may edit between calls."""

    def __init__(self, documents: list[IndexDocument]) -> None:
        self.documents_by_id = {doc.paragraph_id: doc for doc in documents}

    def count(self) -> int:
        return len(self.documents_by_id)

    def split(self, parts: int) -> list[tuple[int, int]]:
        ids = sorted(self.documents_by_id)
        step = max(1, len(ids) // max(parts, 1))
        bounds = [0, *(ids[i] for i in range(step, len(ids), step))][:parts]
        bounds.append(2**63 - 1)
        return list(itertools.pairwise(bounds))

    def chunks(
        self, id_range: tuple[int, int] | None = None
    ) -> Iterator[list[IndexDocument]]:
        ids = sorted(self.documents_by_id)
        if id_range is not None:
            ids = [pk for pk in ids if id_range[0] <= pk < id_range[1]]
        for start in range(0, len(ids), 4):
            yield [self.documents_by_id[pk] for pk in ids[start : start + 4]]

    def documents(self, paragraph_ids: Iterable[int]) -> list[IndexDocument]:
        wanted = sorted(set(paragraph_ids))
        return [self.documents_by_id[pk] for pk in wanted if pk in self.documents_by_id]

    def article_documents(self, article_ids: Iterable[int]) -> list[IndexDocument]:
        wanted = set(article_ids)
        return [
            doc
            for _pk, doc in sorted(self.documents_by_id.items())
            if doc.article_id in wanted
        ]


@pytest.fixture
def source() -> ListSource:
    return ListSource(corpus_documents())


@pytest.fixture
def backend(empty_backend: SearchBackend, source: ListSource) -> SearchBackend:
    """A backend with the corpus indexed by a rebuild."""
    empty_backend.rebuild(source)
    return empty_backend


NAMES = {"iran": "IR", "russia": "RU", "kazakhstan": "KZ", "afghanistan": "AF"}


def resolve(facet: str, raw: str) -> tuple[str | None, str | None]:
    if facet == "country":
        found = NAMES.get(raw.lower()) or (raw.upper() if len(raw) == 2 else None)
        return found, None if found else f"No country called “{raw}”."
    return raw.lower() if facet == "topic" else raw, None


def query(text: str = "", **changes: object) -> EngineQuery:
    changes.setdefault("limit", 50)
    return EngineQuery(text=text, resolve=resolve, **changes)  # type: ignore[arg-type]


def ids(result: EngineResult) -> set[int]:
    return {hit.paragraph_id for hit in result.hits}


def values(doc: IndexDocument, facet: str) -> tuple[str, ...]:
    if facet == "country":
        return doc.countries
    if facet == "topic":
        return doc.topics
    if facet == "author":
        return doc.author_values
    return (str(doc.year),) if doc.year else ()


def brute_counts(
    facet: str,
    filters: dict[str, set[str]],
    *,
    year_range: tuple[int, int] | None,
    documents: Iterable[IndexDocument] | None = None,
) -> dict[str, int]:
    """The disjunctive rule, by hand: every filter but the facet's own."""
    counts: Counter[str] = Counter()
    for doc in corpus_documents() if documents is None else documents:
        if year_range and not (doc.year and year_range[0] <= doc.year <= year_range[1]):
            continue
        if all(
            set(values(doc, name)) & wanted
            for name, wanted in filters.items()
            if name != facet
        ):
            counts.update(values(doc, facet))
    return dict(counts)


class TestBackendContract:
    # ------------------------------------------------------------ query forms

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # plain words are ANDed
            ("afghan opium", {12, 13}),
            ("opium", {12, 13, 51}),
            # OR
            ("sanctions OR pipelines", {14, 31}),
            # NOT and a leading minus
            ("opium NOT border", {51}),
            ("opium -border", {51}),
            # a hyphen inside a word joins, it does not exclude
            ("Iran-Turkmenistan", {11, 13}),
            # a phrase needs the words in a row
            ('"near abroad"', {21, 22}),
            ('"abroad near"', set()),
            # a prefix
            ("pipel*", {31}),
            # parentheses
            ("(opium OR gas) AND kazakhstan", {22}),
            # fields
            ("title:caspian", {31, 32}),
            ('author:"jane doe"', {21, 22}),
            ("country:iran", {11, 12, 13, 14}),
            ("country:KZ gas", {22}),
            ("topic:energy", {22, 31}),
            ("year:2018", {31, 32}),
            # accents are folded both ways
            ("kyrgyzstan", {32}),
            ("author:muller", {41, 42}),
            ("author:müller", {41, 42}),
        ],
    )
    def test_query_forms(self, backend: SearchBackend, text: str, expected) -> None:
        assert ids(backend.search(query(text))) == expected

    @pytest.mark.parametrize(
        "family",
        [
            ("investigate", "investigating", "investigated", "investigation"),
            ("sanction", "sanctions", "sanctioned"),
        ],
    )
    def test_query_inflections_find_each_other(
        self, backend: SearchBackend, family: tuple[str, ...]
    ) -> None:
        found = [ids(backend.search(query(word))) for word in family]
        assert found[0] and all(f == found[0] for f in found)

    def test_query_stems_title_words(self, backend: SearchBackend) -> None:
        # "Investigating" is only in the title of the article about the company.
        assert ids(backend.search(query("investigation company"))) == {41}

    @pytest.mark.parametrize(
        "text",
        [
            '"unbalanced',  # an open quote
            "(((opium",  # open parentheses
            "opium)))",  # closing ones
            "AND",  # a bare operator
            "opium AND",  # a dangling one
            "title:",  # an empty field
            "nosuchfield:opium",  # an unknown field
            "*",  # a bare wildcard
            "o*",  # a one-letter prefix
            "year:[2016 TO",  # a broken range
            "year:abc",  # a year that is no number
            "<script>alert(1)</script>",  # markup
            "the of and",  # stop words only
            "ünïcödé ☃ 北京",  # other scripts and symbols
            "opium " * 200,  # very long
            "\\ / : ^ ~ ! { } [ ]",  # syntax characters
        ],
    )
    def test_query_hostile_text_never_raises(
        self, backend: SearchBackend, text: str
    ) -> None:
        result = backend.search(query(text))
        assert result.total >= 0
        assert all(isinstance(m, str) for m in result.messages)

    def test_query_unknown_field_is_searched_as_words(
        self, backend: SearchBackend
    ) -> None:
        joined = backend.search(query("iran:turkmenistan"))
        assert ids(joined) == ids(backend.search(query("iran turkmenistan"))) != set()
        assert joined.messages

    # ------------------------------------------------------------ facets

    @pytest.mark.parametrize(
        "filters",
        [
            {},
            {"country": {"IR"}},
            {"country": {"IR", "KZ"}},
            {"country": {"AF"}, "topic": {"drugs"}},
            {"author": {UNKNOWN_AUTHOR}},
            {"year": {"2016", "2020"}, "country": {"TM"}},
        ],
    )
    def test_facets_are_disjunctive(
        self, backend: SearchBackend, filters: dict[str, set[str]]
    ) -> None:
        result = backend.search(
            query(filters=tuple((k, tuple(sorted(v))) for k, v in filters.items()))
        )
        for facet in FACETS:
            expected = brute_counts(facet, filters, year_range=None)
            assert dict(result.facets[facet].counts) == expected, facet

    def test_facet_counts_ignore_their_own_filter(self, backend: SearchBackend) -> None:
        plain = backend.search(query("opium OR gas"))
        ticked = backend.search(query("opium OR gas", filters=(("country", ("IR",)),)))
        assert ticked.facets["country"].counts == plain.facets["country"].counts
        assert ticked.facets["topic"].counts != plain.facets["topic"].counts
        assert ids(ticked) == {12, 13}

    def test_facet_values_or_within_and_across(self, backend: SearchBackend) -> None:
        either = backend.search(query(filters=(("country", ("KZ", "AZ")),)))
        assert ids(either) == {21, 22, 31, 32}
        both = backend.search(
            query(filters=(("country", ("KZ", "AZ")), ("topic", ("energy",))))
        )
        assert ids(both) == {22, 31}

    def test_facet_unknown_author(self, backend: SearchBackend) -> None:
        result = backend.search(query(filters=(("author", (UNKNOWN_AUTHOR,)),)))
        assert ids(result) == {31, 32, 51}
        assert all(hit.authors == () for hit in result.hits)

    def test_facet_values_never_indexed_are_reported(
        self, backend: SearchBackend
    ) -> None:
        result = backend.search(query(filters=(("author", ("Nobody",)),)))
        assert result.total == 0
        assert ("author", "Nobody") in result.unknown_values

    def test_facets_can_be_left_out(self, backend: SearchBackend) -> None:
        assert dict(backend.search(query(facets=("year",))).facets).keys() == {"year"}

    # ------------------------------------------------------------ year range

    def test_year_range_is_inclusive_and_drops_undated(
        self, backend: SearchBackend
    ) -> None:
        result = backend.search(query("opium OR gas", year_from=2016, year_to=2020))
        assert ids(result) == {12, 13, 22}
        assert ids(backend.search(query(year_from=2021))) == {41, 42}
        assert ids(backend.search(query(year_to=2016))) == {11, 12, 13, 14}

    def test_year_counts_are_counted_within_the_range(
        self, backend: SearchBackend
    ) -> None:
        result = backend.search(
            query(year_from=2017, year_to=2022, filters=(("year", ("2018",)),))
        )
        assert dict(result.facets["year"].counts) == {"2018": 2, "2020": 2, "2022": 2}
        expected = brute_counts("country", {"year": {"2018"}}, year_range=(2017, 2022))
        assert dict(result.facets["country"].counts) == expected

    # ------------------------------------------------------------ order, paging

    def test_sort_newest_and_oldest_put_undated_last(
        self, backend: SearchBackend
    ) -> None:
        newest = [h.paragraph_id for h in backend.search(query(sort="newest")).hits]
        oldest = [h.paragraph_id for h in backend.search(query(sort="oldest")).hits]
        assert newest == [41, 42, 21, 22, 31, 32, 11, 12, 13, 14, 51]
        assert oldest == [11, 12, 13, 14, 31, 32, 21, 22, 41, 42, 51]

    def test_sort_relevance_puts_better_matches_first(
        self, backend: SearchBackend
    ) -> None:
        hits = backend.search(query("opium afghan", sort="relevance")).hits
        assert {hits[0].paragraph_id, hits[1].paragraph_id} == {12, 13}
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0

    def test_paging_covers_every_match_once(self, backend: SearchBackend) -> None:
        full = [h.paragraph_id for h in backend.search(query()).hits]
        pages = [
            backend.search(query(offset=offset, limit=3)) for offset in range(0, 12, 3)
        ]
        assert [h.paragraph_id for p in pages for h in p.hits] == full
        assert {p.total for p in pages} == {11}
        assert backend.search(query(offset=40, limit=3)).hits == ()

    def test_matching_ids_follow_the_result_order(self, backend: SearchBackend) -> None:
        q = query("opium OR iran", sort="relevance")
        assert backend.matching_ids(q) == [
            h.paragraph_id for h in backend.search(q).hits
        ]
        assert backend.matching_ids(q, limit=2) == backend.matching_ids(q)[:2]

    def test_totals_count_paragraphs_and_articles(self, backend: SearchBackend) -> None:
        result = backend.search(query("opium"))
        assert (result.total, result.articles_total) == (3, 2)

    def test_grouping_pages_through_articles(self, backend: SearchBackend) -> None:
        q = query(group_by_article=True, group_hits=2, limit=2)
        first = backend.search(q)
        assert first.groups_total == 5
        assert [g.article_id for g in first.groups] == [4, 2]
        second = backend.search(dataclasses.replace(q, offset=2))
        assert [g.article_id for g in second.groups] == [3, 1]
        iran = second.groups[1]
        assert iran.total == 4 and [h.paragraph_id for h in iran.hits] == [11, 12]

    # ------------------------------------------------------------ 2-D count

    def test_count_country_by_year(self, backend: SearchBackend) -> None:
        grid = backend.count(
            query("opium OR gas OR iran"), rows="country", columns="year"
        )
        matched = {12, 13, 51, 22, 11, 14}
        expected: Counter[tuple[str, str]] = Counter()
        for doc in corpus_documents():
            if doc.paragraph_id in matched and doc.year:
                expected.update((c, str(doc.year)) for c in doc.countries)
        assert dict(grid.cells) == dict(expected)
        assert grid.count("IR", "2016") == 4 and grid.count("IR", "2020") == 0

    def test_count_applies_filters(self, backend: SearchBackend) -> None:
        grid = backend.count(
            query(filters=(("topic", ("energy",)),)), rows="country", columns="year"
        )
        assert dict(grid.cells) == {
            ("KZ", "2020"): 1,
            ("RU", "2020"): 1,
            ("TM", "2020"): 1,
            ("AZ", "2018"): 1,
        }

    # ------------------------------------------------------------ writes

    def test_add_bulk_edit_is_visible_and_upserts(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        old = source.documents_by_id[14]
        edited = dataclasses.replace(old, text="Tariffs replaced the embargo.")
        assert backend.add_bulk([edited]) == 1
        assert ids(backend.search(query("embargo"))) == {14}
        assert ids(backend.search(query("sanctions"))) == set()
        hashes = backend.document_hashes()
        assert hashes[14] == [edited.content_hash]
        assert len(hashes) == 11

    def test_delete_paragraphs_and_articles(self, backend: SearchBackend) -> None:
        backend.delete(paragraph_ids=[51])
        assert ids(backend.search(query("opium"))) == {12, 13}
        backend.delete(article_ids=[1])
        assert backend.search(query("opium")).total == 0
        assert set(backend.document_hashes()) == {21, 22, 31, 32, 41, 42}

    def test_add_bulk_replaces_whole_articles(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        kept = dataclasses.replace(source.documents_by_id[21], text="Only one left.")
        backend.add_bulk([kept], replace_articles=[2])
        assert backend.search(query(filters=(("author", ("Jane Doe",)),))).total == 1

    def test_drift_is_visible_in_document_hashes(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        indexed = backend.document_hashes()
        assert indexed == {
            pk: [doc.content_hash] for pk, doc in source.documents_by_id.items()
        }
        changed = dataclasses.replace(source.documents_by_id[32], topics=("energy",))
        assert [changed.content_hash] != indexed[32]

    def test_rebuild_switches_atomically_while_searches_run(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        extra = [
            dataclasses.replace(doc, paragraph_id=doc.paragraph_id + 1000)
            for doc in corpus_documents()
        ]
        bigger = ListSource([*corpus_documents(), *extra])
        seen: set[int] = set()
        errors: list[BaseException] = []
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                try:
                    seen.add(backend.search(query("opium", facets=())).total)
                except BaseException as error:  # noqa: BLE001 - reported below
                    errors.append(error)
                    return

        readers = [threading.Thread(target=read) for _ in range(2)]
        for thread in readers:
            thread.start()
        try:
            for _round in range(2):
                backend.rebuild(bigger)
                backend.rebuild(source)
        finally:
            stop.set()
            for thread in readers:
                thread.join()
        assert errors == []
        assert seen <= {3, 6}
        assert backend.search(query("opium")).total == 3

    def test_rebuild_keeps_writes_made_while_it_runs(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        class EditingSource(ListSource):
            def chunks(self, id_range=None):
                for number, chunk in enumerate(super().chunks(id_range)):
                    if number == 1:
                        doc = dataclasses.replace(
                            source.documents_by_id[11], text="Edited mid-rebuild."
                        )
                        self.documents_by_id[11] = doc
                        backend.add_bulk([doc])
                    yield chunk

        backend.rebuild(EditingSource(corpus_documents()))
        assert ids(backend.search(query("edited"))) == {11}

    # ------------------------------------------------------------ tag updates

    @staticmethod
    def _retag(source: ListSource) -> dict[int, IndexDocument]:
        """Three paragraphs retagged: a topic dropped and a country added, a topic
        never indexed before, countries dropped. Returns the whole corpus after."""
        docs = source.documents_by_id
        for changed in (
            dataclasses.replace(docs[31], countries=("AZ", "TM"), topics=()),
            dataclasses.replace(docs[41], topics=("energy", "probes")),
            dataclasses.replace(docs[12], countries=("AF",)),
        ):
            docs[changed.paragraph_id] = changed
        return docs

    def test_update_tags_filter_count_and_show_in_hits(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        docs = self._retag(source)
        assert backend.update_tags([docs[31], docs[41], docs[12]]) == 3
        energy = (("topic", ("energy",)),)
        assert ids(backend.search(query(filters=energy))) == {22, 41}
        assert ids(backend.search(query(filters=(("topic", ("probes",)),)))) == {41}
        assert ids(backend.search(query("topic:energy"))) == {22, 41}
        assert ids(backend.search(query("country:iran"))) == {11, 13, 14}
        assert (
            backend.search(query(filters=(("topic", ("probes",)),))).unknown_values
            == ()
        )
        assert set(backend.matching_ids(query(filters=energy))) == {22, 41}
        for filters in ({}, {"country": {"AF", "AZ"}}, {"topic": {"energy"}}):
            result = backend.search(
                query(filters=tuple((k, tuple(sorted(v))) for k, v in filters.items()))
            )
            for facet in FACETS:
                assert dict(result.facets[facet].counts) == brute_counts(
                    facet, filters, year_range=None, documents=docs.values()
                ), (facet, filters)
        hits = {hit.paragraph_id: hit for hit in backend.search(query()).hits}
        for pk in (31, 41, 12, 22):
            assert set(hits[pk].countries) == set(docs[pk].countries)
            assert set(hits[pk].topics) == set(docs[pk].topics)
        grid = backend.count(query(), rows="country", columns="topic")
        expected: Counter[tuple[str, str]] = Counter(
            (country, topic)
            for doc in docs.values()
            for country in doc.countries
            for topic in doc.topics
        )
        assert dict(grid.cells) == dict(expected)
        assert backend.document_hashes() == {
            pk: [doc.content_hash] for pk, doc in docs.items()
        }

    def test_update_tags_writes_other_changes_whole(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        edited = dataclasses.replace(
            source.documents_by_id[14], text="Tariffs replaced the embargo.",
            topics=("trade",),
        )  # fmt: skip
        new = dataclasses.replace(source.documents_by_id[51], paragraph_id=52)
        assert backend.update_tags([edited, new]) == 2
        assert ids(backend.search(query("embargo"))) == {14}
        assert ids(backend.search(query("sanctions"))) == set()
        assert ids(backend.search(query(filters=(("topic", ("trade",)),)))) == {14}
        assert ids(backend.search(query("helmand"))) == {51, 52}
        hashes = backend.document_hashes()
        assert (hashes[14], hashes[52]) == ([edited.content_hash], [new.content_hash])

    def test_update_tags_then_edits_and_tags_again(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        docs = self._retag(source)
        backend.update_tags([docs[31]])
        # An edit writes the paragraph whole, with the tags it carries.
        edited = dataclasses.replace(
            docs[31], text="Tankers wait off Baku.", topics=("shipping",)
        )
        backend.add_bulk([edited])
        assert ids(backend.search(query(filters=(("topic", ("shipping",)),)))) == {31}
        assert ids(backend.search(query(filters=(("country", ("TM",)),)))) == {
            11, 12, 22, 31,
        }  # fmt: skip
        # and a tag change after the edit applies over the edited paragraph.
        retagged = dataclasses.replace(edited, countries=("AZ",), topics=())
        backend.update_tags([retagged])
        assert ids(backend.search(query("baku"))) == {31}
        assert backend.search(query(filters=(("topic", ("shipping",)),))).total == 0
        assert backend.document_hashes()[31] == [retagged.content_hash]
        # Untagging back to the indexed tags, and deleting, leave nothing behind.
        backend.update_tags([edited])
        assert ids(backend.search(query(filters=(("topic", ("shipping",)),)))) == {31}
        backend.delete(paragraph_ids=[31])
        assert backend.search(query(filters=(("topic", ("shipping",)),))).total == 0
        assert 31 not in backend.document_hashes()

    def test_update_tags_then_rebuild_keeps_them(
        self, backend: SearchBackend, source: ListSource
    ) -> None:
        docs = self._retag(source)
        backend.update_tags([docs[31], docs[41], docs[12]])
        backend.rebuild(source)
        assert ids(backend.search(query(filters=(("topic", ("energy",)),)))) == {22, 41}
        assert backend.document_hashes() == {
            pk: [doc.content_hash] for pk, doc in docs.items()
        }

    # ------------------------------------------------------------ the rest

    def test_empty_backend_answers_as_missing(
        self, empty_backend: SearchBackend
    ) -> None:
        assert empty_backend.status()["status"] == "missing"
        result = empty_backend.search(query("opium"))
        assert (result.total, result.ready) == (0, False)
        assert empty_backend.matching_ids(query()) == []
        assert empty_backend.document_hashes() == {}

    def test_status_counts_documents(self, backend: SearchBackend) -> None:
        status = backend.status()
        assert (status["status"], status["documents"]) == ("ok", 11)

    def test_highlight_names_the_stems_to_mark(self, backend: SearchBackend) -> None:
        found = backend.highlight('investigating -company "near abroad" pipel*')
        assert set(analyze("investigation near abroad")) <= found.terms
        assert not set(analyze("company")) & found.terms
        assert found.prefixes == ("pipel",)
        assert backend.search(query("investigating")).highlight == backend.highlight(
            "investigating"
        )

    def test_suggest_corrects_a_misspelling(self, backend: SearchBackend) -> None:
        assert backend.suggest(query("opim")) == "opium"
        assert backend.suggest(query("opium")) is None

    def test_more_like_finds_kin_and_not_itself(self, backend: SearchBackend) -> None:
        found = [hit.paragraph_id for hit in backend.more_like(12, limit=3)]
        assert found and found[0] == 13 and 12 not in found
        assert backend.more_like(999) == []

    def test_close_then_reuse(self, backend: SearchBackend) -> None:
        backend.close()
        assert backend.search(query("opium")).total == 3
