"""What the Whoosh query layer reads out of a parsed query."""

from __future__ import annotations

from whoosh import query

from search.engine.whoosh.parse import parse_query, query_terms


def test_query_terms_leave_out_empty_terms() -> None:
    # A range with a missing end, or a field with nothing after it, can leave an
    # empty term in the tree; spelling and highlighting must never be handed one.
    tree = query.And(
        [
            query.Term("text", ""),
            query.Term("text", "oil"),
            query.Phrase("text", ["", "gas"]),
        ]
    )
    terms, prefixes = query_terms(tree)
    assert terms == frozenset({"oil", "gas"})
    assert prefixes == ()


def test_query_terms_of_a_parsed_query_leave_out_negated_words() -> None:
    terms, _prefixes = query_terms(parse_query("pipeline -sanctions").query)
    assert "sanction" not in terms
    assert terms
