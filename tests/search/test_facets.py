from __future__ import annotations

from urllib.parse import parse_qsl

import numpy as np
import pytest

from search.engine.whoosh.counting import count_values
from search.engine.whoosh.reader import FacetIndex
from search.query import Facet, SearchPage, SearchRequest, run_search


def search(**params: object) -> SearchPage:
    return run_search(SearchRequest.from_querydict(params))


def facet(page: SearchPage, name: str) -> Facet:
    return next(f for f in page.facets if f.name == name)


def counts(page: SearchPage, name: str) -> dict[str, int]:
    return {value.value: value.count for value in facet(page, name).values}


def test_facets_come_in_order_country_author_year_topic(indexed) -> None:
    assert [f.name for f in search().facets] == ["country", "author", "year", "topic"]


def test_counts_are_numbers_of_matching_paragraphs(indexed) -> None:
    page = search(q="opium")
    assert counts(page, "country") == {"AF": 2, "IR": 2, "TM": 2}
    assert counts(page, "year") == {"2016": 2}


def test_a_filter_leaves_its_own_facet_counts_alone(indexed) -> None:
    before = search()
    after = search(country="IR")
    assert counts(after, "country") == counts(before, "country")
    assert counts(after, "author") != counts(before, "author")
    assert after.total == 4


def test_values_of_one_facet_are_ored(indexed) -> None:
    iran = search(country="IR").total
    russia = search(country="RU").total
    both = search(country=["IR", "RU"]).total
    assert both == iran + russia


def test_different_facets_are_anded(indexed) -> None:
    page = search(country="RU", year="2022")
    assert page.total == 1
    assert counts(page, "country")["RU"] == 1
    assert counts(page, "year") == {"2020": 2, "2022": 1}


def test_selected_values_are_listed_even_with_no_matches(indexed) -> None:
    page = search(q="opium", country="KZ")
    value = next(v for v in facet(page, "country").values if v.value == "KZ")
    assert (value.count, value.selected, value.label) == (0, True, "Kazakhstan")
    assert page.total == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("country", "ZZ"), ("author", "Nobody Atall"), ("topic", "no-such-topic")],
)
def test_unknown_values_are_listed_selected_with_a_message(
    indexed, name, value
) -> None:
    page = search(**{name: value})
    listed = next(v for v in facet(page, name).values if v.value == value)
    assert (listed.count, listed.selected) == (0, True)
    assert page.total == 0
    assert value in (page.message or "")


def test_articles_without_authors_count_as_unknown_author(indexed) -> None:
    page = search()
    unknown = next(v for v in facet(page, "author").values if v.value == "_unknown")
    assert unknown.label == "Unknown author"
    assert unknown.count == 2
    assert {h.article_id for h in search(author="_unknown").hits} == {
        indexed.caspian.pk
    }


def test_country_values_are_codes_with_familiar_names(indexed) -> None:
    values = {v.value: v.label for v in facet(search(), "country").values}
    assert values["IR"] == "Iran"
    assert values["RU"] == "Russia"


@pytest.mark.parametrize("given", ["ir", "Iran", "IR"])
def test_country_filter_accepts_codes_in_any_case_and_names(indexed, given) -> None:
    page = search(country=given)
    assert page.request.countries == ("IR",)
    assert page.total == 4


def test_topic_values_are_slugs_with_names(indexed) -> None:
    values = {v.value: v.label for v in facet(search(), "topic").values}
    assert values["drugs-test"] == "Drugs (test)"


def test_values_sort_by_count_then_label_and_years_by_year(indexed) -> None:
    page = search()
    country = [(v.count, v.label) for v in facet(page, "country").values]
    assert country == sorted(country, key=lambda item: (-item[0], item[1].lower()))
    years = [v.value for v in facet(page, "year").values]
    assert years == ["2016", "2018", "2020", "2022"]


def test_toggle_urls_add_and_remove_the_value(indexed) -> None:
    page = search(q="iran", country="IR", page="2")
    values = {v.value: v for v in facet(page, "country").values}
    assert parse_qsl(values["IR"].toggle_url[1:]) == [("q", "iran")]
    assert parse_qsl(values["TM"].toggle_url[1:]) == [
        ("q", "iran"),
        ("country", "IR"),
        ("country", "TM"),
    ]


def test_year_range_filters_inclusively_and_counts_years_within_it(indexed) -> None:
    page = search(year_from="2018", year_to="2020")
    assert page.total == 4
    everything = counts(search(), "year")
    assert counts(page, "year") == {y: everything[y] for y in ("2018", "2020")}
    assert sum(counts(page, "year").values()) == page.total
    # Picking a year outside the range shows why nothing matches.
    outside = search(year_from="2018", year="2016")
    assert outside.total == 0
    assert [(v.value, v.count, v.selected) for v in facet(outside, "year").values] == [
        ("2016", 0, True),
        ("2018", 2, False),
        ("2020", 2, False),
        ("2022", 1, False),
    ]
    # Within the range, picking years still ORs them, and the counts stay put.
    picked = search(year_from="2018", year=["2018", "2020"])
    assert picked.total == 4
    assert counts(picked, "year") == counts(search(year_from="2018"), "year")
    assert [chip.label for chip in page.chips] == ["2018–2020"]
    assert parse_qsl(page.chips[0].remove_url[1:]) == []


def test_year_histogram_fills_missing_years(indexed) -> None:
    histogram = search().year_histogram
    assert [year for year, _count, _bar in histogram] == list(range(2016, 2023))
    assert dict((y, c) for y, c, _b in histogram)[2017] == 0
    assert max(bar for _y, _c, bar in histogram) == 100.0


def test_chips_remove_one_filter_each(indexed) -> None:
    page = search(q="iran", country=["IR", "TM"], author="Samuel Ramani")
    removals = {chip.label: parse_qsl(chip.remove_url[1:]) for chip in page.chips}
    assert removals["Iran"] == [
        ("q", "iran"),
        ("country", "TM"),
        ("author", "Samuel Ramani"),
    ]
    assert parse_qsl(page.clear_url[1:]) == [("q", "iran")]


def _random_facet(rng: np.random.Generator, size: int, width: int) -> FacetIndex:
    per_doc = rng.integers(0, 4, size=size)
    docs = np.repeat(np.arange(size, dtype=np.int32), per_doc)
    vals = rng.integers(0, width, size=len(docs)).astype(np.int32)
    values = tuple(str(i) for i in range(width))
    return FacetIndex.build(values, docs, vals, size)


@pytest.mark.parametrize("fraction", [0.01, 0.5, 1.0])
def test_count_values_matches_a_plain_count(fraction) -> None:
    rng = np.random.default_rng(7)
    size, width = 5000, 12
    index = _random_facet(rng, size, width)
    chosen = np.sort(
        rng.choice(size, size=int(size * fraction), replace=False).astype(np.int32)
    )
    expected = np.zeros(width, dtype=np.int64)
    chosen_set = set(chosen.tolist())
    for doc, val in zip(index.docs.tolist(), index.vals.tolist(), strict=True):
        if doc in chosen_set:
            expected[val] += 1
    assert count_values(index, chosen, size=size).tolist() == expected.tolist()
    mask = np.zeros(size, dtype=bool)
    mask[chosen] = True
    by_mask = count_values(index, None, mask=mask, size=size)
    assert by_mask.tolist() == expected.tolist()


def test_facet_index_groups_documents_by_value() -> None:
    rng = np.random.default_rng(3)
    index = _random_facet(rng, 200, 5)
    for position in range(5):
        expected = sorted(
            int(d) for d, v in zip(index.docs, index.vals, strict=True) if v == position
        )
        assert sorted(index.value_docs(position).tolist()) == expected
