"""The gazetteer's names: every country's names, and the personal names they share.

Country names come from two maintained sources:

- pycountry (ISO 3166-1): each state's ISO name, common name and official name, and
  the ISO 3166-3 former names of states with one successor ("Burma", "Zaire",
  "East Timor", "Upper Volta");
- countryinfo: each state's usual English name, where it differs from ISO's
  ("Ivory Coast", "Swaziland", "Cape Verde", "Turkey", "Republic of Macedonia").

Long forms also give their short form ("Republic of Macedonia" -> "Macedonia") when
no other state shares it ("Republic of Korea" and "Democratic People's Republic of
Korea" do, so neither gives "Korea").

Personal names (to tell "Chad Smith" and "Michael Jordan" from Chad and Jordan) are
Faker's English given names and surnames (the US and UK name statistics it ships).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pycountry

# pycountry keeps these in their formal long form and has no common_name for them.
_FAMILIAR_NAMES = {
    "RU": "Russia",
    "BN": "Brunei",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
    "VA": "Vatican City",
    "PS": "Palestine",
    "VI": "U.S. Virgin Islands",
    "FM": "Micronesia",
}

# The form of government in a long name: "Republic of", "Kingdom of the".
_LONG_FORM = re.compile(
    r"^(?:[\w'-]+\s+)*?(?:Republic|Kingdom|State|States|Commonwealth|Federation"
    r"|Principality|Sultanate|Emirate|Union|Grand\s+Duchy|Confederation)"
    r"\s+of\s+(?:the\s+)?(?P<short>.+)$"
)
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
# Particles of people's names that also occur in countries' names.
_NAME_PARTICLES = frozenset({"of", "the", "and", "da", "de", "del", "san", "la"})


@dataclass(frozen=True)
class CountryName:
    code: str
    name: str
    official_name: str


def familiar_name(country: object) -> str:
    code = country.alpha_2  # type: ignore[attr-defined]
    if code in _FAMILIAR_NAMES:
        return _FAMILIAR_NAMES[code]
    common = getattr(country, "common_name", None)
    if common:
        return common
    name = _PARENTHESES.sub("", country.name)  # type: ignore[attr-defined]
    if "," in name:
        official = getattr(country, "official_name", None) or ""
        if official and "," not in official:
            return re.sub(r"^the ", "", official)
        return name.split(",", 1)[0]
    return name


def iso_countries() -> list[CountryName]:
    return [
        CountryName(
            code=country.alpha_2,
            name=familiar_name(country),
            official_name=getattr(country, "official_name", None) or country.name,
        )
        for country in pycountry.countries
    ]


def _prose_form(value: str) -> str:
    """A name as prose writes it: no parenthesis, no leading article."""
    value = _PARENTHESES.sub("", value).strip()
    return re.sub(r"^(?:the|The)\s+", "", value)


def _source_forms() -> Iterator[tuple[str, str]]:
    current = {country.alpha_2 for country in pycountry.countries}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            # "Iran, Islamic Republic of" is a catalogue form nobody writes in prose.
            if value and "," not in value:
                yield _prose_form(value), country.alpha_2
        yield familiar_name(country), country.alpha_2
    # A former name's successor is the last two letters of its code; "HH" means it
    # split into several states, which no one name can tag.
    for former in pycountry.historic_countries:
        successor = getattr(former, "alpha_4", "")[2:]
        name = _PARENTHESES.sub("", former.name).split(",", 1)[0].strip()
        if successor in current and name:
            yield name, successor
    # Imported here: its data is read once, when the gazetteer is first built.
    from countryinfo import CountryInfo

    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2", "")
        name = info.get("name") or ""
        if code in current and name and "," not in name:
            yield _prose_form(name), code


@cache
def name_variants() -> tuple[tuple[str, str], ...]:
    """Every ``(name, ISO alpha-2 code)`` the sources give, short forms included."""
    forms = {(form, code) for form, code in _source_forms() if form}
    codes_of: dict[str, set[str]] = {}
    for form, code in forms:
        codes_of.setdefault(form.casefold(), set()).add(code)
    shorts: dict[str, set[str]] = {}
    # Catalogue forms count as long forms too: "Korea, Republic of" is "Republic of
    # Korea", which shares "Korea" with the North.
    catalogue = {
        (" ".join(reversed(_PARENTHESES.sub("", country.name).split(", ", 1))), code)
        for country in pycountry.countries
        if "," in country.name
        for code in [country.alpha_2]
    }
    for form, code in forms | catalogue:
        match = _LONG_FORM.match(form)
        if match:
            shorts.setdefault(match.group("short"), set()).add(code)
    for short, codes in shorts.items():
        known = codes_of.get(short.casefold(), set())
        if len(codes) == 1 and known <= codes:
            forms.add((short, next(iter(codes))))
    return tuple(sorted(forms))


@cache
def given_names() -> frozenset[str]:
    """English given names, as written ("Chad", "Jordan", "Michael")."""
    from faker.providers.person import en_GB, en_US

    return frozenset(en_US.Provider.first_names) | frozenset(en_GB.Provider.first_names)


@cache
def surnames() -> frozenset[str]:
    """English surnames, as written ("Smith", "Peterson", "Jordan")."""
    from faker.providers.person import en_GB, en_US

    return frozenset(en_US.Provider.last_names) | frozenset(en_GB.Provider.last_names)


@cache
def country_name_words() -> frozenset[str]:
    """Every word of every country's names, lower-cased ("korea", "saudi").

    Words that are also parts of people's names ("de", "Jordan", "Chad") are left
    out, so a byline's name may hold them.
    """
    words: set[str] = set()
    for form, _ in name_variants():
        words.update(re.findall(r"[^\W\d_]+", form.lower()))
    personal = {name.lower() for name in given_names() | surnames()}
    return frozenset(words - _NAME_PARTICLES - personal)
