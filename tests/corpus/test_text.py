"""The shared analysis: Snowball English stemming and accent folding, used alike
by the index, queries, topic rules and highlighting."""

from __future__ import annotations

import pytest

from corpus.tagging import build_topic_rules, find_topics
from corpus.text import analyze, fold, normalise_word, word_spans


@pytest.mark.parametrize(
    "family",
    [
        ("investigate", "investigates", "investigating", "investigated",
         "investigation", "investigations"),
        ("sanction", "sanctions", "sanctioned", "sanctioning"),
        ("hibernate", "hibernating", "hibernated", "hibernation"),
        ("negotiate", "negotiating", "negotiated", "negotiation", "negotiations"),
        ("cooperate", "cooperating", "cooperation"),
        ("trafficking", "trafficked", "traffickings"),
        ("export", "exports", "exported", "exporting"),
        ("security", "securities"),
        ("agree", "agreed", "agreeing", "agrees"),
        ("generous", "generously"),
    ],
)  # fmt: skip
def test_text_inflections_share_one_stem(family: tuple[str, ...]) -> None:
    stems = {normalise_word(word) for word in family}
    assert len(stems) == 1, dict(zip(family, map(normalise_word, family), strict=True))


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Kyrgyzstán", "kyrgyzstan"),
        ("Müller", "muller"),
        ("Øresund", "oresund"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("CAFÉ", "cafe"),
    ],
)
def test_text_fold_strips_accents(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_text_analyze_drops_stop_words_but_keeps_us_and_may() -> None:
    assert analyze("The US and Iran may agree") == ["us", "iran", "may", "agre"]


def test_text_word_spans_point_into_the_text() -> None:
    text = "Iran’s investigations, again."
    spans = [(text[start:end], term) for start, end, term in word_spans(text)]
    assert spans == [("Iran", "iran"), ("s", None), ("investigations", "investig"),
                     ("again", "again")]  # fmt: skip


def test_text_topic_rules_stem_like_search() -> None:
    rules = build_topic_rules([("probe", "investigation")])
    found = find_topics("Regulators are investigating the deal.", rules)
    assert [slug for slug, _matched in found] == ["probe"]
