from __future__ import annotations

from corpus.countries import country_name_words, given_names, name_variants, surnames


def _codes(name: str) -> set[str]:
    return {code for form, code in name_variants() if form == name}


def test_names_cover_iso_former_and_usual_english_names() -> None:
    assert _codes("Türkiye") == {"TR"}  # ISO
    assert _codes("Czech Republic") == {"CZ"}  # ISO official name
    assert _codes("Burma") == {"MM"}  # ISO 3166-3
    assert _codes("Ivory Coast") == {"CI"}  # usual English name
    assert _codes("Swaziland") == {"SZ"}
    assert _codes("Turkey") == {"TR"}


def test_long_form_gives_its_short_form_only_when_unshared() -> None:
    assert _codes("Macedonia") == {"MK"}  # "Republic of Macedonia"
    assert _codes("Bolivia") == {"BO"}
    # Both Koreas' long forms end in "Korea", so neither gives it.
    assert _codes("Korea") == set()


def test_names_are_written_as_in_prose() -> None:
    forms = {form for form, _ in name_variants()}
    assert not any("," in form or "(" in form for form in forms)
    assert not any(form.lower().startswith("the ") for form in forms)


def test_personal_names_hold_the_country_homonyms() -> None:
    assert {"Chad", "Jordan", "Michael"} <= given_names()
    assert {"Smith", "Peterson"} <= surnames()
    assert "Iran" not in given_names() | surnames()


def test_country_name_words_leave_out_parts_of_personal_names() -> None:
    words = country_name_words()
    assert {"korea", "saudi", "tajikistan"} <= words
    assert not {"jordan", "chad", "of", "the", "de"} & words
