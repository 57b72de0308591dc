"""How the query language maps onto Typesense's filter and ``q`` (no cluster):
what Typesense 0.24 cannot say is said differently, or told to the user."""

from __future__ import annotations

import pytest

from search.engine.base import EngineQuery
from search.engine.typesense.translate import TRUE, filters_for, translate
from search.engine.whoosh.parse import parse_query


def _translate(text: str):
    return translate(parse_query(text).query, resolve=None)


def test_translate_plain_words_are_required_terms_that_also_rank() -> None:
    out = _translate("investigating sanctions")
    assert out.filter == "(terms:=[`investig`] && terms:=[`sanction`])"
    assert out.q == "investig sanction"
    assert out.messages == []


def test_translate_not_of_a_group_is_pushed_down_to_terms() -> None:
    out = _translate("opium NOT (iran OR russia)")
    assert "terms:!=[`iran`]" in out.filter
    assert "terms:!=[`russia`]" in out.filter
    assert "||" not in out.filter


def test_translate_required_phrase_ranks_as_a_phrase() -> None:
    out = _translate('"opium trade"')
    assert out.q == '"opium trade"'
    assert out.messages == []


@pytest.mark.parametrize(
    "text",
    [
        '"opium trade" OR heroin',  # a phrase inside OR
        'heroin -"opium trade"',  # a negated phrase
    ],
)
def test_translate_phrase_it_cannot_express_is_told(text: str) -> None:
    assert any("not as a phrase" in m for m in _translate(text).messages)


def test_translate_prefix_inside_or_is_told_and_left_out() -> None:
    out = _translate("heroin OR opi*")
    assert any("prefix" in m for m in out.messages)


def test_translate_trailing_prefix_is_searched_by_prefix() -> None:
    out = _translate("opium sanct*")
    assert out.prefix == "sanct"
    assert out.q == "opium sanct"


def test_filters_for_leaves_out_the_counted_facet() -> None:
    query = EngineQuery(
        filters=(("country", ("IR", "RU")), ("topic", ("drugs",))),
        year_from=2010,
    )
    out = _translate("")
    assert out.filter == TRUE
    everything = filters_for(query, out)
    assert "country:=[`IR`,`RU`]" in everything
    assert "year:[2010..1000000]" in everything
    assert "country" not in filters_for(query, out, without="country")
