"""Country gazetteer and topic rules -> suggested paragraph tags with provenance.

``suggest_tags`` is pure given a ``Gazetteer`` and ``TopicRules``. ``apply_auto_tags``
writes the suggestions as AUTO rows and removes stale AUTO rows; it never touches a
MANUAL or REJECTED row, so nothing an editor decided is lost or re-added.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import justext
from django.db import transaction
from django.utils import timezone

from corpus.countries import given_names, name_variants, surnames
from corpus.models import (
    Country,
    CountryAlias,
    Paragraph,
    ParagraphCountry,
    ParagraphTopic,
    TagChange,
    TagStatus,
    Topic,
)
from corpus.text import stem_word

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The two tag tables share their columns; each is synced the same way.
_TagRow = TypeVar("_TagRow", ParagraphCountry, ParagraphTopic)

__all__ = [
    "AutoTagResult",
    "Gazetteer",
    "GazetteerEntry",
    "SuggestedTags",
    "TaggingContext",
    "TopicRules",
    "apply_auto_tags",
    "auto_tag",
    "build_gazetteer",
    "build_topic_rules",
    "find_countries",
    "find_topics",
    "load_gazetteer",
    "load_tagging_context",
    "load_topic_rules",
    "suggest_tags",
]

EVIDENCE_MAX_CHARS = 500
# Paragraph ids per round trip: small enough for any database's parameter limit.
BATCH_SIZE = 500

# Names that contain a country name or alias but do not refer to that country. They
# take part in the longest-match race and, when they win, tag nothing.
NOT_COUNTRIES = (
    "Persian Gulf",
    "Arabian Gulf",
    "Gulf of Oman",
    "New Mexico",
    "New Jersey",
    "New Guinea",
    "New England",
    "Indian Ocean",
    "American Indian",
    "West Indian",
    "West Indies",
    "Korean Peninsula",
    "Latin America",
    "Latin American",
    "South America",
    "South American",
    "North America",
    "North American",
    "Central America",
    "Central American",
    "Americas",
    "Washington Post",
    "Washington State",
    "George Washington",
    "Warsaw Pact",
    "Turkic",
    "Georgia Tech",
)


@dataclass(frozen=True)
class GazetteerEntry:
    """One surface form: ``code`` is None for names in ``NOT_COUNTRIES``."""

    form: str
    code: str | None
    case_sensitive: bool = False
    # An alias (a capital, "the Kremlin") stands for the country only as its
    # government: "Moscow said", not "tankers to Moscow" or "a summit in Moscow".
    stands_for_government: bool = False


@dataclass(frozen=True)
class Gazetteer:
    pattern: re.Pattern[str]
    # Lower-cased form with single spaces -> the entries spelled that way.
    entries: dict[str, tuple[GazetteerEntry, ...]] = field(repr=False)


@dataclass(frozen=True)
class TopicRule:
    slug: str
    # Stemmed words, or lower-cased words when ``exact`` (the rule was quoted).
    tokens: tuple[str, ...]
    exact: bool = False


@dataclass(frozen=True)
class TopicRules:
    # First word (stemmed, or as written for exact rules) -> rules, longest first.
    by_first_token: dict[str, tuple[TopicRule, ...]] = field(repr=False)


@dataclass(frozen=True)
class SuggestedTags:
    """Each tag as ``(code or slug, evidence)``: the text that matched."""

    countries: tuple[tuple[str, str], ...]
    topics: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AutoTagResult:
    added: int
    removed: int
    changed_paragraph_ids: frozenset[int]

    @property
    def changed(self) -> int:
        return self.added + self.removed


# --- Countries --------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _straight_apostrophes(text: str) -> str:
    # str.replace keeps every offset, which the evidence relies on.
    return text.replace("’", "'").replace("‘", "'").replace("ʼ", "'")


def _normalise_form(form: str) -> str:
    return _SPACES.sub(" ", _straight_apostrophes(form)).strip()


def _trie_regex(forms: Iterable[str]) -> str:
    """A regex alternation shaped like a trie, so matching does not try every form.

    At each node longer continuations are tried before stopping, which gives the
    longest form at a position ("North Korea" before "Korea").
    """
    trie: dict[str, dict] = {}
    for form in forms:
        node = trie
        for char in form:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [
            (r"\s+" if char == " " else re.escape(char)) + render(child)
            for char, child in sorted(node.items())
            if char
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?"
        return body

    return render(trie)


def build_gazetteer(entries: Iterable[GazetteerEntry]) -> Gazetteer:
    """Compile entries into one regex; later entries for the same spelling win."""
    by_key: dict[str, dict[tuple[str, bool], GazetteerEntry]] = {}
    for entry in entries:
        form = _normalise_form(entry.form)
        if not form:
            continue
        entry = dataclasses.replace(entry, form=form)
        by_key.setdefault(form.lower(), {})[(form, entry.case_sensitive)] = entry
    lookup = {key: tuple(variants.values()) for key, variants in by_key.items()}
    trie = _trie_regex(lookup) or "(?!)"
    # A form ending in a letter must end a word (an optional plural "s" aside); a form
    # ending in "-" ("Sino-") or "." ("U.S.") already ends at a boundary.
    pattern = re.compile(
        rf"(?<!\w)(?P<name>{trie})(?:(?<=\w)(?P<plural>s?)(?!\w)|(?<!\w))",
        re.IGNORECASE,
    )
    return Gazetteer(pattern=pattern, entries=lookup)


def _case_matches(found: str, entry: GazetteerEntry) -> bool:
    if found == entry.form:
        return True
    if entry.case_sensitive:
        return False
    if entry.code is None:
        return True
    # Proper nouns: "Iran", "IRAN" and "The Kremlin" match, "turkey" and "china" don't.
    return found == entry.form.upper() or found[:1].isupper()


# A country's name inside the name of a river, lake or region is not the country
# ("the Niger Delta", "the Congo River", "Lake Chad", "Inner Mongolia").
_FEATURE_AFTER = re.compile(
    r"\s+(?:River|Delta|Basin|Lake|Valley|Desert|Mountains|Highlands|Plateau|Canal"
    r"|Strait|Straits|Bay|Sea)\b"
)
_FEATURE_BEFORE = re.compile(r"\b(?:Lake|Inner|Mount|Mt\.|Cape)\s+$")
# A name that is also a US state's ("Georgia", "Washington") is the state where
# the words around it are a state's: its governor, legislature, counties, parties.
_STATE_AFTER = re.compile(
    r"(?:'s)?\s+(?:State\s+(?:Senate|House|Legislature|University)\b"
    r"|Gov\.|governor\b|Governor\b|General\s+Assembly\b"
    r"|state\s+(?:legislators|lawmakers|legislature)\b|Republicans\b)"
)
_STATE_BEFORE = re.compile(
    r"(?:\b(?:U\.?S\.?|American)\s+state\s+of|\bCounty,|\bGov\.)\s+$",
    re.IGNORECASE,
)
# "WASHINGTON —", "MOSCOW (Reuters) -": a dateline says where, not who.
_DATELINE_AFTER = re.compile(
    r"(?:\s*,\s*[A-Z][A-Za-z.]*(?:\s+[A-Z][A-Za-z.]*)?)?\s*(?:\([^)]{1,40}\)\s*)?[—–-]"
)
# A preposition of place or motion, unless a governing body is "in" the place.
_PLACE_BEFORE = re.compile(
    r"(?:\b(?P<actor>officials|authorities|government|leaders|leadership|regime"
    r"|rulers|diplomats|policymakers|ministers|ministry|hardliners)\s+)?"
    r"\b(?:to|into|towards?|via|in|at)\s+$"
)
# What follows a bare place: the end of the clause or a function word, not a noun
# ("to Russian officials") or a possessive ("Moscow's").
_PLACE_AFTER = re.compile(
    r"(?!'s\b)(?:\s*(?:$|[.,;:!?)\]—–])|\s+(?:on|in|at|for|and|or|last|this|next"
    r"|to|with|by|from|during|after|before|where|when|until|since|earlier|later"
    r"|yesterday|today|\d)\b)"
)
# A country's name that is also a personal name is a person's when it stands next
# to another part of a personal name: "Chad Smith", "Michael Jordan", "Mr. Jordan".
_HONORIFIC_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Dame|Sen|Rep|Coach)\.?[ \t]+$"
)
_WORD_BEFORE = re.compile(r"\b(?P<word>[A-Z][a-z]+)(?:[ \t]+[A-Z]\.)?[ \t]+$")
_WORD_AFTER = re.compile(r"[ \t]+(?:[A-Z]\.[ \t]+)?(?P<word>[A-Z][a-z]+)\b")
# "Turkey, cranberry sauce and stuffing": a name that opens a sentence and heads a
# list of lower-case common nouns is a common noun. The items are one to three
# lower-case words, the first neither a stopword nor a participle (", citing
# security concerns and ..." is a clause, not a list).
_ITEM = r"[a-z][a-z-]*(?:[ \t]+[a-z][a-z-]*){0,2}"
_LIST_AFTER = re.compile(
    rf",[ \t]+(?P<first>{_ITEM})(?:,[ \t]+{_ITEM})*,?[ \t]+(?:and|or)[ \t]+{_ITEM}\b"
)
_SENTENCE_END_BEFORE = re.compile(r"(?:^|[.!?]\s+|\n\s*)[\"'“‘(]*$")
_PARTICIPLE = re.compile(r"(?:ing|ed)$")


@lru_cache(maxsize=1)
def _english_stopwords() -> frozenset[str]:
    return frozenset(justext.get_stoplist("English"))


# Phrases that mean both Koreas.
_BOTH_KOREAS = re.compile(
    r"\b(?:(?:the\s+)?two\s+Koreas|Koreas|Korean\s+War|inter-Korean|Korean\s+Peninsula)\b"
)
_BOTH_KOREAS_CODES = ("KR", "KP")


def _names_something_else(text: str, start: int, end: int) -> bool:
    """Whether the country name at [start, end) is part of another name."""
    if _FEATURE_AFTER.match(text, end) or _FEATURE_BEFORE.search(text, 0, start):
        return True
    if _STATE_AFTER.match(text, end) or _STATE_BEFORE.search(text, 0, start):
        return True
    found = text[start:end]
    at_start = not text[:start].strip(" \"'“‘(")
    if at_start and found.isupper() and _DATELINE_AFTER.match(text, end):
        return True
    return _names_a_person(text, start, end) or _heads_common_nouns(text, start, end)


def _names_a_person(text: str, start: int, end: int) -> bool:
    """Whether the name at [start, end) is part of a person's name."""
    found = text[start:end]
    if " " in found or not found.istitle():
        return False
    if _HONORIFIC_BEFORE.search(text, max(0, start - 12), start):
        return True
    if found in given_names():
        after = _WORD_AFTER.match(text, end)
        if after and after.group("word") in surnames():
            return True
    if found in given_names() or found in surnames():
        before = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if before and before.group("word") in given_names():
            return True
    return False


def _heads_common_nouns(text: str, start: int, end: int) -> bool:
    """Whether the name opens a sentence as the first of a list of common nouns."""
    if not _SENTENCE_END_BEFORE.search(text, max(0, start - 6), start):
        return False
    listed = _LIST_AFTER.match(text, end)
    if listed is None:
        return False
    first = listed.group("first").split()[0]
    return first not in _english_stopwords() and not _PARTICIPLE.search(first)


def find_countries(text: str, gazetteer: Gazetteer) -> tuple[tuple[str, str], ...]:
    """Countries named in ``text`` as ``(code, evidence)``, first mentioned first."""
    normalised = _straight_apostrophes(text)
    found: dict[str, list[str]] = {}
    both = [match.span() for match in _BOTH_KOREAS.finditer(normalised)]
    claimed: list[tuple[int, int]] = []
    # Names and "both Koreas" phrases in the order they appear in the text.
    spans = sorted(
        [(low, high, None) for low, high in both]
        + [
            (match.start("name"), match.end(), match)
            for match in gazetteer.pattern.finditer(normalised)
        ],
        key=lambda span: span[0],
    )
    for low, high, match in spans:
        if match is None:
            for code in _BOTH_KOREAS_CODES:
                _note(found, code, text[low:high])
            claimed.append((low, high))
            continue
        if any(start <= low < end for start, end in claimed):
            continue
        country = _country_of(match, normalised, gazetteer)
        if country is not None:
            _note(found, country, text[low:high])
    return tuple((code, _join_evidence(words)) for code, words in found.items())


def _country_of(
    match: re.Match[str], normalised: str, gazetteer: Gazetteer
) -> str | None:
    if _names_something_else(normalised, match.start("name"), match.end()):
        return None
    spelled = _SPACES.sub(" ", match.group("name"))
    candidates = gazetteer.entries.get(spelled.lower(), ())
    entry = next((e for e in candidates if _case_matches(spelled, e)), None)
    if entry is None:
        return None
    if entry.stands_for_government and _only_a_place(
        normalised, match.start("name"), match.end()
    ):
        return None
    return entry.code


def _only_a_place(text: str, start: int, end: int) -> bool:
    """Whether the name at [start, end) is a destination or a venue, not an actor.

    "tankers to Baku." and "a summit in Moscow on Monday" name a place; "officials
    in Tbilisi", "Moscow's demands" and "to Russian officials" do not.
    """
    before = _PLACE_BEFORE.search(text, max(0, start - 40), start)
    if before is None or before.group("actor"):
        return False
    return bool(_PLACE_AFTER.match(text, end))


def _note(found: dict[str, list[str]], code: str, evidence: str) -> None:
    seen = found.setdefault(code, [])
    if evidence not in seen:
        seen.append(evidence)


def _join_evidence(words: Sequence[str]) -> str:
    return ", ".join(words)[:EVIDENCE_MAX_CHARS]


@lru_cache(maxsize=4)
def _compiled_gazetteer(
    countries: tuple[tuple[str, str, str], ...],
    aliases: tuple[tuple[str, str, bool], ...],
) -> Gazetteer:
    entries = [GazetteerEntry(form, code) for form, code in name_variants()]
    entries.extend(GazetteerEntry(form, None) for form in NOT_COUNTRIES)
    for name, official, code in countries:
        if "," not in official:
            entries.append(GazetteerEntry(re.sub(r"^the ", "", official), code))
        entries.append(GazetteerEntry(name, code))
    # An alias that is one of the country's own names ("Turkey") is tagged wherever
    # it stands; others (a capital, "the Kremlin") only where they act.
    names = {(_normalise_form(entry.form).casefold(), entry.code) for entry in entries}
    entries.extend(
        GazetteerEntry(
            alias,
            code,
            case_sensitive,
            stands_for_government=(_normalise_form(alias).casefold(), code)
            not in names,
        )
        for alias, code, case_sensitive in aliases
    )
    return build_gazetteer(entries)


def load_gazetteer() -> Gazetteer:
    """The gazetteer for the current names and aliases.

    The database rows themselves are the cache key (plain tuples hash quickly), so an
    edited alias gives a new gazetteer and unchanged rows reuse the compiled one.
    """
    countries = tuple(
        Country.objects.values_list("name", "official_name", "code").order_by("code")
    )
    aliases = tuple(
        CountryAlias.objects.values_list(
            "alias", "country__code", "case_sensitive"
        ).order_by("pk")
    )
    return _compiled_gazetteer(countries, aliases)


# --- Topics -----------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return stem_word(word)


def _words(text: str) -> tuple[str, list[str]]:
    """The text with possessives blanked out, and its lower-cased words."""
    cleaned = _POSSESSIVE.sub("  ", text)
    return cleaned, [word.lower() for word in _TOKEN.findall(cleaned)]


def parse_rules(rules: str) -> list[str]:
    """One keyword or phrase per line; blank lines and ``#`` comments are skipped."""
    return [
        line.strip()
        for line in rules.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def build_topic_rules(topics: Iterable[tuple[str, str]]) -> TopicRules:
    """``topics`` are ``(slug, rules text)`` pairs.

    A rule matches after stemming; a rule in double quotes matches the exact words.
    """
    grouped: dict[str, list[TopicRule]] = {}
    for slug, rules in topics:
        for line in parse_rules(rules):
            exact = len(line) > 2 and line[0] == line[-1] == '"'
            _, words = _words(line[1:-1] if exact else line)
            tokens = tuple(words if exact else map(_stem, words))
            if tokens:
                grouped.setdefault(tokens[0], []).append(TopicRule(slug, tokens, exact))
    return TopicRules(
        by_first_token={
            first: tuple(sorted(rules, key=lambda rule: -len(rule.tokens)))
            for first, rules in grouped.items()
        }
    )


def find_topics(text: str, rules: TopicRules) -> tuple[tuple[str, str], ...]:
    """Topics whose rules match ``text``, as ``(slug, evidence)``."""
    cleaned, words = _words(text)
    stems = list(map(_stem, words))
    first = rules.by_first_token
    starts = sorted(
        {index for index, stemmed in enumerate(stems) if stemmed in first}
        | {index for index, word in enumerate(words) if word in first}
    )
    spans: list[tuple[int, int]] = []
    found: dict[str, list[str]] = {}
    for index in starts:
        candidates = first.get(stems[index], ())
        if words[index] != stems[index]:
            candidates += first.get(words[index], ())
        for rule in candidates:
            end = index + len(rule.tokens)
            sequence = (words if rule.exact else stems)[index:end]
            if tuple(sequence) != rule.tokens:
                continue
            if not spans:
                spans = [match.span() for match in _TOKEN.finditer(cleaned)]
            evidence = text[spans[index][0] : spans[end - 1][1]]
            seen = found.setdefault(rule.slug, [])
            if evidence not in seen:
                seen.append(evidence)
    return tuple((slug, _join_evidence(words)) for slug, words in found.items())


@lru_cache(maxsize=4)
def _compiled_topic_rules(topics: tuple[tuple[str, str], ...]) -> TopicRules:
    return build_topic_rules(topics)


def load_topic_rules() -> TopicRules:
    """The rules as they stand in the database; recompiled only when they change."""
    topics = tuple(Topic.objects.values_list("slug", "rules").order_by("slug"))
    return _compiled_topic_rules(topics)


# --- Suggestions and auto tags ----------------------------------------------------


def suggest_tags(
    text: str,
    *,
    gazetteer: Gazetteer | None = None,
    rules: TopicRules | None = None,
) -> SuggestedTags:
    """Tags for ``text``; gazetteer and rules are loaded from the database if None."""
    gazetteer = load_gazetteer() if gazetteer is None else gazetteer
    rules = load_topic_rules() if rules is None else rules
    return SuggestedTags(
        countries=find_countries(text, gazetteer),
        topics=find_topics(text, rules),
    )


def apply_auto_tags(paragraph_ids: Iterable[int]) -> int:
    """Bring AUTO tags of these paragraphs in line with the suggestions.

    Returns how many tag rows were added or removed. MANUAL and REJECTED rows are left
    exactly as they are.
    """
    return auto_tag(paragraph_ids).changed


@dataclass(frozen=True)
class TaggingContext:
    """What tagging reads from the database, loaded once for a batch of articles."""

    gazetteer: Gazetteer
    rules: TopicRules
    country_ids: dict[str, int] = field(repr=False)
    topic_ids: dict[str, int] = field(repr=False)


def load_tagging_context() -> TaggingContext:
    return TaggingContext(
        gazetteer=load_gazetteer(),
        rules=load_topic_rules(),
        country_ids=dict(Country.objects.values_list("code", "pk")),
        topic_ids=dict(Topic.objects.values_list("slug", "pk")),
    )


def auto_tag(
    paragraph_ids: Iterable[int],
    *,
    audit: bool = False,
    user: User | None = None,
    note: str = "",
    dry_run: bool = False,
    context: TaggingContext | None = None,
) -> AutoTagResult:
    """``apply_auto_tags`` with details; ``audit`` writes a TagChange row per change.

    ``dry_run`` works out the same result and writes nothing (for "how many would
    change" confirmations). ``context`` is loaded from the database when None; an
    ingest run loads it once for all its files."""
    context = load_tagging_context() if context is None else context
    gazetteer, rules = context.gazetteer, context.rules
    country_ids, topic_ids = context.country_ids, context.topic_ids
    ids = sorted(set(paragraph_ids))
    added = removed = 0
    changed: set[int] = set()
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            texts = dict(
                Paragraph.objects.filter(pk__in=batch).values_list("pk", "text")
            )
            suggestions = {
                pk: suggest_tags(text, gazetteer=gazetteer, rules=rules)
                for pk, text in texts.items()
            }
            outcomes = (
                _sync_kind(
                    "country",
                    suggestions,
                    model=ParagraphCountry,
                    value_ids=country_ids,
                    audit=audit,
                    user=user,
                    note=note,
                    dry_run=dry_run,
                ),
                _sync_kind(
                    "topic",
                    suggestions,
                    model=ParagraphTopic,
                    value_ids=topic_ids,
                    audit=audit,
                    user=user,
                    note=note,
                    dry_run=dry_run,
                ),
            )
            for outcome in outcomes:
                added += outcome.added
                removed += outcome.removed
                changed |= outcome.changed_paragraph_ids
    return AutoTagResult(added, removed, frozenset(changed))


def _sync_kind(
    kind: str,
    suggestions: dict[int, SuggestedTags],
    *,
    model: type[_TagRow],
    value_ids: dict[str, int],
    audit: bool,
    user: User | None,
    note: str,
    dry_run: bool = False,
) -> AutoTagResult:
    value_field = "country_id" if kind == "country" else "topic_id"
    value_names = {pk: name for name, pk in value_ids.items()}
    existing: dict[tuple[int, int], tuple[int, str, str]] = {
        (paragraph_id, value_id): (pk, status, evidence)
        for pk, paragraph_id, value_id, status, evidence in model.objects.filter(
            paragraph_id__in=list(suggestions)
        ).values_list("pk", "paragraph_id", value_field, "status", "evidence")
    }
    wanted: dict[tuple[int, int], str] = {}
    for paragraph_id, suggested in suggestions.items():
        pairs = suggested.countries if kind == "country" else suggested.topics
        for value, evidence in pairs:
            value_id = value_ids.get(value)
            if value_id is not None:
                wanted[(paragraph_id, value_id)] = evidence

    now = timezone.now()
    to_create = [
        model(
            paragraph_id=key[0],
            status=TagStatus.AUTO,
            evidence=evidence,
            set_at=now,
            **{value_field: key[1]},
        )
        for key, evidence in wanted.items()
        if key not in existing
    ]
    stale = {
        key: row[0]
        for key, row in existing.items()
        if row[1] == TagStatus.AUTO and key not in wanted
    }
    refreshed = [
        model(pk=row[0], evidence=wanted[key])
        for key, row in existing.items()
        if row[1] == TagStatus.AUTO and key in wanted and row[2] != wanted[key]
    ]
    changed = {key[0] for key in stale} | {obj.paragraph_id for obj in to_create}
    result = AutoTagResult(len(to_create), len(stale), frozenset(changed))
    if dry_run:
        return result
    # ignore_conflicts: an editor's row written meanwhile wins over the suggestion.
    model.objects.bulk_create(to_create, ignore_conflicts=True, batch_size=BATCH_SIZE)
    if stale:
        model.objects.filter(pk__in=list(stale.values())).delete()
    if refreshed:
        model.objects.bulk_update(refreshed, ["evidence"], batch_size=BATCH_SIZE)
    if audit:
        created_keys = [
            (obj.paragraph_id, getattr(obj, value_field)) for obj in to_create
        ]
        TagChange.objects.bulk_create(
            [
                _audit_row(
                    kind,
                    key,
                    value_names,
                    before="",
                    after="auto",
                    user=user,
                    note=note,
                )
                for key in created_keys
            ]
            + [
                _audit_row(
                    kind,
                    key,
                    value_names,
                    before="auto",
                    after="",
                    user=user,
                    note=note,
                )
                for key in stale
            ],
            batch_size=BATCH_SIZE,
        )
    return result


def _audit_row(
    kind: str,
    key: tuple[int, int],
    value_names: dict[int, str],
    *,
    before: str,
    after: str,
    user: User | None,
    note: str,
) -> TagChange:
    return TagChange(
        user=user,
        paragraph_id=key[0],
        kind=kind,
        value=value_names[key[1]],
        before=before,
        after=after,
        note=note,
    )


def clear_caches() -> None:
    """Forget compiled gazetteers and rules (for tests that swap the database)."""
    _compiled_gazetteer.cache_clear()
    _compiled_topic_rules.cache_clear()
