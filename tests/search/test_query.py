from __future__ import annotations

import html
from urllib.parse import parse_qsl

import lxml.html
import pytest

import search.engine.whoosh.match as engine_match
from corpus.models import Paragraph
from search.highlight import snippet
from search.index import update_paragraphs
from search.query import (
    SearchPage,
    SearchRequest,
    highlight_text,
    matching_paragraph_ids,
    run_search,
)


def search(**params: object) -> SearchPage:
    return run_search(SearchRequest.from_querydict(params))


def ids(page: SearchPage) -> set[int]:
    return {hit.paragraph_id for hit in page.hits}


def params(url: str) -> list[tuple[str, str]]:
    assert url.startswith("?")
    return parse_qsl(url[1:])


# ---------------------------------------------------------------- the request


def test_search_request_from_querydict_reads_every_parameter() -> None:
    request = SearchRequest.from_querydict(
        {
            "q": "  opium   trade ",
            "country": ["ir", "RU"],
            "author": ["Samuel Ramani"],
            "topic": ["Energy"],
            "year": ["2016", "2020"],
            "year_from": "2010",
            "year_to": "2021",
            "sort": "oldest",
            "page": "3",
            "page_size": "50",
            "group": "article",
        }
    )
    assert request.q == "opium trade"
    assert request.countries == ("IR", "RU")
    assert request.authors == ("Samuel Ramani",)
    assert request.topics == ("energy",)
    assert request.years == (2016, 2020)
    assert (request.year_from, request.year_to) == (2010, 2021)
    assert request.sort == "oldest"
    assert (request.page, request.page_size, request.group) == (3, 50, True)
    assert request.messages == ()


@pytest.mark.parametrize(
    ("raw", "field", "expected"),
    [
        # not a number
        ({"page": "abc"}, "page", 1),
        # page numbers start at 1
        ({"page": "-4"}, "page", 1),
        # page size above the cap
        ({"page_size": "1000"}, "page_size", 100),
        ({"page_size": "0"}, "page_size", 20),
        ({"year": "nineteen"}, "years", ()),
        ({"year_from": "soon"}, "year_from", None),
        ({"sort": "random"}, "sort", "newest"),
        ({"group": "maybe"}, "group", False),
        # backwards range is swapped
        ({"year_from": "2020", "year_to": "2010"}, "year_from", 2010),
        # a 10 KB query is cut
        ({"q": "word " * 2000}, "q", ("word " * 100).strip()),
    ],
)
def test_search_request_bad_values_become_messages(raw, field, expected) -> None:
    request = SearchRequest.from_querydict(raw)
    assert getattr(request, field) == expected
    assert request.messages


def test_search_request_drops_control_characters() -> None:
    request = SearchRequest.from_querydict(
        {"q": "iran\x00russia\x1b", "country": ["\x00", "IR\x07"], "author": "A\x85B"}
    )
    assert request.q == "iran russia"
    assert request.countries == ("IR",)
    assert request.authors == ("A B",)


def test_search_request_default_sort_follows_the_query() -> None:
    assert SearchRequest.from_querydict({}).sort == "newest"
    assert SearchRequest.from_querydict({"q": "iran"}).sort == "relevance"
    browsing = SearchRequest.from_querydict({})
    assert browsing.replace(q="iran").sort == "relevance"
    asked = SearchRequest.from_querydict({"sort": "relevance"})
    assert asked.sort == "newest"
    assert any("relevance" in m for m in asked.messages)


def test_search_request_url_leaves_out_defaults_and_page_one() -> None:
    request = SearchRequest.from_querydict({"q": "iran", "page": "2"})
    assert request.url() == "?q=iran&page=2"
    assert request.url(page=1) == "?q=iran"
    assert SearchRequest().url() == "?"


def test_search_request_toggle_adds_then_removes_and_resets_page() -> None:
    request = SearchRequest.from_querydict({"country": "IR", "page": "4"})
    added = request.toggle("country", "RU")
    assert added.countries == ("IR", "RU")
    assert added.page == 1
    assert added.toggle("country", "IR").countries == ("RU",)
    assert request.toggle("year", "2016").years == (2016,)


# ---------------------------------------------------------------- query forms


def test_plain_words_must_all_match(indexed) -> None:
    page = search(q="iran sanctions")
    assert ids(page) == {indexed.sanctions.pk}


def test_stemming_matches_other_forms(indexed) -> None:
    assert ids(search(q="sanction")) == {indexed.sanctions.pk}
    assert indexed.opium_trade.pk in ids(search(q="profit"))


def test_accents_are_folded(indexed) -> None:
    assert ids(search(q="kyrgyzstan")) == {indexed.accented.pk}
    assert {indexed.accented.pk} == ids(search(q="author:muller"))


def test_exact_phrase_needs_adjacent_words(indexed) -> None:
    loose = ids(search(q="near abroad"))
    exact = ids(search(q='"near abroad"'))
    # The Russia article's other paragraph matches through its title.
    assert exact == {p.pk for p in indexed.russia.paragraphs.all()} | {
        indexed.accented.pk
    }
    assert indexed.rejected.pk in loose - exact


def test_or_matches_either(indexed) -> None:
    assert ids(search(q="opium OR sanctions")) == {
        indexed.opium_trade.pk,
        indexed.opium_seizure.pk,
        indexed.sanctions.pk,
    }


@pytest.mark.parametrize("q", ["iran -opium", "iran NOT opium"])
def test_excluded_words_are_left_out(indexed, q) -> None:
    found = ids(search(q=q))
    assert indexed.sanctions.pk in found
    assert not found & {indexed.opium_trade.pk, indexed.opium_seizure.pk}


def test_a_lone_exclusion_means_everything_else(indexed) -> None:
    page = search(q="-opium")
    assert page.total == Paragraph.objects.count() - 2


def test_hyphenated_words_are_not_exclusions(indexed) -> None:
    assert indexed.opium_seizure.pk in ids(search(q="iran-turkmenistan"))


def test_prefix_matches_word_starts(indexed) -> None:
    found = ids(search(q="turkmen*"))
    assert {indexed.opium_seizure.pk, indexed.opium_trade.pk} <= found


def test_prefix_longer_than_the_stem_still_matches(indexed) -> None:
    assert ids(search(q="securit*")) >= {p.pk for p in indexed.iran.paragraphs.all()}


def test_parentheses_group(indexed) -> None:
    assert ids(search(q="(opium OR sanctions) AND turning")) == {
        indexed.opium_seizure.pk
    }


@pytest.mark.parametrize(
    ("q", "article"),
    [
        ("title:caspian", "caspian"),
        ("author:ramani", None),
        ('author:"jane doe"', "russia"),
        ("country:kazakhstan", "russia"),
        ("country:KZ", "russia"),
        ('country:"South Korea"', None),
        ("topic:energy-test", None),
        ('topic:"Drugs (test)"', "iran"),
        ("year:2016", "iran"),
        ("year:[2017 TO 2019]", "caspian"),
        ("year:{2016 TO 2020}", "caspian"),
    ],
)
def test_field_syntax(indexed, q, article) -> None:
    page = search(q=q, page_size=100)
    expected = {
        "title:caspian": {p.pk for p in indexed.caspian.paragraphs.all()},
        "author:ramani": {
            *(p.pk for p in indexed.iran.paragraphs.all()),
            *(p.pk for p in indexed.russia.paragraphs.all()),
        },
        'author:"jane doe"': {p.pk for p in indexed.russia.paragraphs.all()},
        "country:kazakhstan": {p.pk for p in indexed.russia.paragraphs.all()},
        "country:KZ": {p.pk for p in indexed.russia.paragraphs.all()},
        'country:"South Korea"': set(),
        "topic:energy-test": {
            indexed.script.pk,
            *(p.pk for p in indexed.russia.paragraphs.all() if p.position == 2),
        },
        'topic:"Drugs (test)"': {indexed.opium_trade.pk, indexed.opium_seizure.pk},
        "year:2016": {p.pk for p in indexed.iran.paragraphs.all()},
        "year:[2017 TO 2019]": {p.pk for p in indexed.caspian.paragraphs.all()},
        "year:{2016 TO 2020}": {p.pk for p in indexed.caspian.paragraphs.all()},
    }[q]
    assert ids(page) == expected
    assert article is None or {hit.article_id for hit in page.hits} == {
        getattr(indexed, article).pk
    }


def test_unknown_field_is_plain_text(indexed) -> None:
    assert ids(search(q="drugs:opium")) == {
        indexed.opium_trade.pk,
        indexed.opium_seizure.pk,
    }
    # Each word may match in any field, as in a plain query: "Caspian" is in the
    # second paragraph's title only.
    page = search(q="caspian:tankers")
    assert ids(page) == ids(search(q="caspian tankers"))
    assert ids(page) == {indexed.script.pk, indexed.rejected.pk}
    assert "not a search field" in (page.message or "")


def test_unknown_country_in_query_says_so(indexed) -> None:
    page = search(q="country:atlantis")
    assert page.total == 0
    assert "atlantis" in (page.message or "")


# ---------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',  # odd number of quotes
        "(iran OR russia",  # unclosed parenthesis
        "iran)",  # stray closing parenthesis
        "AND",  # lone operator
        "OR iran",  # operator with nothing on the left
        "iran AND",  # operator with nothing on the right
        "iran AND OR opium",  # two operators in a row
        "*",  # lone wildcard
        "**",
        "*stan",  # leading wildcard
        "?ran",
        "a*",  # one-letter prefix
        "the of and",  # only stop words
        "title:",  # empty field
        "year:[abc TO]",  # a range that is not years
        "country:",  # empty country
        "\\",
        "\x00\x01",  # control characters
        "word " * 2500,  # 10 KB
        "x" * 10_000,  # 10 KB without spaces
        "(" * 50 + "iran",
        " ".join(f"w{i}" for i in range(60)),  # too many terms
    ],
)
def test_hostile_queries_return_a_page_with_a_message(indexed, q) -> None:
    page = search(q=q)
    assert isinstance(page, SearchPage)
    assert page.messages


def test_a_plain_terms_fallback_still_finds_the_words(indexed) -> None:
    page = search(q='"opium turning')
    assert ids(page) == {indexed.opium_seizure.pk}
    assert "unbalanced quote" in (page.message or "")


def test_every_syntax_problem_is_named(indexed) -> None:
    message = search(q='"opium (turning').message or ""
    assert "unbalanced quote and an unbalanced parenthesis" in message


def test_a_query_over_its_time_limit_is_answered_with_a_message(
    indexed, monkeypatch
) -> None:
    monkeypatch.setattr(engine_match, "TIME_LIMIT", 0.0)
    page = search(q="opium OR iran")
    assert page.total == 0
    assert "took too long" in (page.message or "")
    # A cut-short answer is not cached: with time to spare the query runs in full.
    monkeypatch.setattr(engine_match, "TIME_LIMIT", 5.0)
    page = search(q="opium OR iran")
    assert page.total > 0
    assert "took too long" not in (page.message or "")


# ---------------------------------------------------------------- browse, sort, pages


def test_browsing_without_a_query_lists_every_paragraph_newest_first(indexed) -> None:
    page = search(page_size=100)
    assert page.total == Paragraph.objects.count()
    years = [hit.year for hit in page.hits]
    assert years == sorted(years, reverse=True)
    year_counts = next(f for f in page.facets if f.name == "year").values
    assert sum(value.count for value in year_counts) == page.total


def test_browse_keeps_paragraphs_of_an_article_in_reading_order(indexed) -> None:
    hits = [h for h in search(page_size=100).hits if h.article_id == indexed.iran.pk]
    assert [h.position for h in hits] == [1, 2, 3, 4]


def test_sort_oldest_and_newest(indexed) -> None:
    oldest = [hit.year for hit in search(sort="oldest", page_size=100).hits]
    assert oldest == sorted(oldest)
    newest = [hit.year for hit in search(q="iran OR russia", sort="newest").hits]
    assert newest == sorted(newest, reverse=True)


def test_relevance_ranks_title_matches_first(indexed) -> None:
    page = search(q="caspian")
    assert page.hits[0].article_id == indexed.caspian.pk


def test_pages_split_the_results(indexed) -> None:
    first = search(page_size=2)
    second = search(page_size=2, page=2)
    assert first.pages == (first.total + 1) // 2
    assert len(first.hits) == 2
    assert not ids(first) & ids(second)
    assert params(first.next_url or "") == [("page", "2"), ("page_size", "2")]
    assert first.prev_url is None


def test_a_page_beyond_the_end_is_empty_not_an_error(indexed) -> None:
    page = search(page=999)
    assert page.hits == ()
    assert page.total == Paragraph.objects.count()
    assert page.message


def test_group_by_article_shows_best_three_and_counts_the_rest(indexed) -> None:
    page = search(q="iran OR turkmenistan OR russia", group="article")
    assert page.groups
    by_article = {group.article_id: group for group in page.groups}
    iran = by_article[indexed.iran.pk]
    assert len(iran.hits) == 3
    assert iran.other_count == 1
    assert page.hits == ()


# ---------------------------------------------------------------- hits and snippets


def test_hit_links_to_the_reader_at_the_paragraph(indexed) -> None:
    hit = search(q="sanctions").hits[0]
    assert hit.url == f"/articles/{indexed.iran.pk}/?q=sanctions#p-4"
    assert hit.authors == ("Samuel Ramani",)
    assert hit.publication == "The Diplomat"
    assert hit.year == 2016


def test_hit_tags_show_labels_and_link_to_adding_the_filter(indexed) -> None:
    hit = search(q="sanctions").hits[0]
    assert [(tag.value, tag.label) for tag in hit.countries] == [("IR", "Iran")]
    assert params(hit.countries[0].url) == [("q", "sanctions"), ("country", "IR")]


def test_rejected_tags_are_not_shown(indexed) -> None:
    hit = next(
        h for h in search(q="azerbaijan").hits if h.paragraph_id == indexed.rejected.pk
    )
    assert {tag.value for tag in hit.countries} == {"AZ", "GE"}


def test_snippet_marks_stemmed_matches(indexed) -> None:
    snippet = search(q="sanction").hits[0].snippet
    marks = lxml.html.fragment_fromstring(snippet, create_parent="div").cssselect(
        "mark"
    )
    assert [mark.text for mark in marks] == ["sanctions"]


def test_snippet_escapes_markup_in_the_text(indexed) -> None:
    snippet = search(q="pipelines").hits[0].snippet
    assert "<script" not in snippet
    assert "&lt;script&gt;" in snippet
    tree = lxml.html.fragment_fromstring(snippet, create_parent="div")
    assert not tree.cssselect("script")
    assert [mark.text for mark in tree.cssselect("mark")] == ["Pipelines"]


def test_snippet_keeps_at_most_three_fragments(indexed) -> None:
    text = " ".join(f"Sentence {i} is about opium." for i in range(8))
    paragraph = Paragraph.objects.create(article=indexed.caspian, position=9, text=text)
    update_paragraphs([paragraph.pk])
    hit = next(h for h in search(q="opium").hits if h.paragraph_id == paragraph.pk)
    assert hit.snippet.count("<mark>") == 3


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. State Department has a new chance to shape Central Asia.",
        "Dr. Ana Cruz met Gen. Petrov in Jan. 2020 to discuss the border.",
        "Talks with J. R. Smith on the Caspian went well.",
    ],
)
def test_snippet_does_not_cut_at_abbreviations(text) -> None:
    assert snippet(text, terms=set()) == html.escape(text)


def test_snippet_still_cuts_between_sentences() -> None:
    text = "Iran signed the deal. Russia objected to it."
    assert snippet(text, terms=set()) == "Iran signed the deal. …"


def test_highlight_text_escapes_the_whole_paragraph() -> None:
    html = highlight_text("Sanctions <b>bite</b> & sanctioned firms.", "sanction")
    assert html == (
        "<mark>Sanctions</mark> &lt;b&gt;bite&lt;/b&gt; &amp; "
        "<mark>sanctioned</mark> firms."
    )


def test_highlight_text_skips_excluded_words() -> None:
    html = highlight_text("Opium and Iran", "iran -opium")
    assert html == "Opium and <mark>Iran</mark>"


# ---------------------------------------------------------------- did you mean


def test_did_you_mean_offers_a_corrected_query(indexed) -> None:
    page = search(q="opum")
    assert page.total == 0
    assert page.suggestion == "opium"
    assert params(page.suggestion_url or "") == [("q", "opium")]


def test_did_you_mean_stays_quiet_for_good_queries(indexed) -> None:
    assert search(q="opium").suggestion is None


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("year:[2015 TO 2017] opum", "year:[2015 TO 2017] opium"),
        ("Iran-Turkmenistn", "Iran-Turkmenistan"),  # the user's capitals are kept
        ("Opum", "Opium"),
        ("OPUM", "OPIUM"),
        ('"afghan opum" OR caspain', '"afghan opium" OR caspian'),
        ("title:securty", "title:security"),
    ],
)
def test_did_you_mean_keeps_the_rest_of_the_query(indexed, caplog, q, expected) -> None:
    page = search(q=q)
    assert page.suggestion == expected
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


# ---------------------------------------------------------------- ids and freshness


def test_matching_paragraph_ids_follow_result_order(indexed) -> None:
    request = SearchRequest.from_querydict({"q": "opium"})
    assert matching_paragraph_ids(request) == [
        h.paragraph_id for h in run_search(request).hits
    ]
    assert len(matching_paragraph_ids(SearchRequest(), limit=3)) == 3


def test_an_update_is_visible_to_the_next_search(indexed) -> None:
    assert search(q="zanzibar").total == 0
    paragraph = indexed.sanctions
    paragraph.text = "Zanzibar traders ignore the sanctions."
    paragraph.save()
    update_paragraphs([paragraph.pk])
    assert ids(search(q="zanzibar")) == {paragraph.pk}


def test_search_without_an_index_says_so(db) -> None:
    page = search(q="opium")
    assert page.total == 0
    assert page.message


# ---------------------------------------------------------------- acceptance on seeds


def test_seeds_opium_ranks_the_seizure_paragraph_first(seeded_library) -> None:
    hit = search(q="opium").hits[0]
    assert hit.article_title.startswith("Has Iran Finally Found a Security Partner")
    assert "seizure" in hit.snippet


def test_seeds_near_abroad_phrase_spans_two_articles(seeded_library) -> None:
    page = search(q='"near abroad"')
    assert page.articles_total == 2


def test_seeds_two_countries_give_the_union(seeded_library) -> None:
    def found(*countries: str) -> set[int]:
        return set(
            matching_paragraph_ids(SearchRequest.from_querydict({"country": countries}))
        )

    assert found("IR", "RU") == found("IR") | found("RU")
    assert found("IR") - found("RU") and found("RU") - found("IR")


def test_seeds_browse_lists_everything_with_year_counts_adding_up(
    seeded_library,
) -> None:
    page = search()
    assert page.total == Paragraph.objects.count()
    years = next(f for f in page.facets if f.name == "year")
    assert sum(value.count for value in years.values) == page.total
