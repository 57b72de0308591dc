"""ISO 3166 countries from pycountry, with the short names people actually use."""

from __future__ import annotations

import re
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
    name = re.sub(r"\s*\([^)]*\)", "", country.name)  # type: ignore[attr-defined]
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


@cache
def country_name_words() -> frozenset[str]:
    """Every word of every country's names, lower-cased ("korea", "saudi")."""
    words: set[str] = set()
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None) or ""
            words.update(re.findall(r"[^\W\d_]+", value.lower()))
        words.update(re.findall(r"[^\W\d_]+", familiar_name(country).lower()))
    # Words that also make up people's names stay possible in a name.
    return frozenset(words - _SHARED_WITH_PEOPLE)


# Words of country names that are function words or particles of people's names,
# and country names that are also given names ("Jordan Smith", "Chad Brown").
_SHARED_WITH_PEOPLE = frozenset(
    {"of", "the", "and", "da", "de", "del", "san", "la", "jordan", "chad", "georgia"}
)
