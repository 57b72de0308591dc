"""A parsed user query -> Typesense ``filter_by`` and ``q``.

The query language is parsed by the same parser the embedded backend uses, so both
read "a OR b", "-x", ``title:``, ``"phrases"`` and ``prefix*`` the same way. Its
words are already folded and stemmed by :mod:`corpus.text`, and the collection
holds the same analysed terms (``*_terms`` arrays), so matching is an exact
boolean filter over terms: the same paragraphs match on both backends.

``q`` only ranks: it holds the query's required words (or its one phrase, or one
trailing prefix) so ``_text_match`` can score them. Typesense 0.24's filter
language has no NOT over a group and no phrase or prefix filter; negation is
pushed down to the terms (De Morgan), and a phrase or prefix that is not a
required part of the query is searched as its words, with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from corpus.text import fold, stem_word
from search.engine.base import EngineQuery, Resolver

# Parser field -> the collection's analysed-terms array.
TERM_FIELDS = {
    "text": "text_terms",
    "title": "title_terms",
    "heading": "heading_terms",
    "author": "author_terms",
}
# Parser field -> the collection's analysed string, for phrases and ranking.
STRING_FIELDS = {"text": "text_t", "title": "title_t", "heading": "heading_t"}
DEFAULT_FIELDS = frozenset({"title", "text", "heading"})
# Facet name -> the collection field it filters and counts.
FACET_FIELDS = {
    "country": "country",
    "topic": "topic",
    "author": "author",
    "year": "year",
}
TRUE = "paragraph_id:>=0"
FALSE = "paragraph_id:<0"
_BACKTICK_RE = re.compile(r"`")


def _is(node: Any, kind: str) -> bool:
    """Whether a node of the shared parser's tree (``search.engine.whoosh.parse``)
    is of this kind or a subclass of it; by name, so this backend does not
    depend on the Whoosh library itself."""
    return any(cls.__name__ == kind for cls in type(node).__mro__)


def _is_null(node: Any) -> bool:
    return node is None or _is(node, "_NullQuery")


def quote(value: str) -> str:
    """A filter value; Typesense's backtick quoting has no escape for a backtick."""
    return "`" + _BACKTICK_RE.sub("", value) + "`"


def values_filter(name: str, values: tuple[str, ...], *, negate: bool = False) -> str:
    operator = ":!=" if negate else ":="
    if name == "year":
        return f"year{operator}[{','.join(values)}]"
    return f"{name}{operator}[{','.join(quote(v) for v in values)}]"


def _and(parts: list[str]) -> str:
    parts = [p for p in dict.fromkeys(parts) if p != TRUE]
    if FALSE in parts:
        return FALSE
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else "(" + " && ".join(parts) + ")"


def _or(parts: list[str]) -> str:
    parts = [p for p in dict.fromkeys(parts) if p != FALSE]
    if TRUE in parts:
        return TRUE
    if not parts:
        return FALSE
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


@dataclass
class Translation:
    """``filter`` is the exact match; ``q`` and ``query_by`` rank it."""

    filter: str = TRUE
    q_tokens: list[str] = field(default_factory=list)
    phrase: list[str] = field(default_factory=list)
    phrase_fields: tuple[str, ...] = ()
    prefix: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def q(self) -> str:
        if self.phrase:
            return '"' + " ".join(self.phrase) + '"'
        tokens = [*self.q_tokens, *([self.prefix] if self.prefix else [])]
        return " ".join(tokens) if tokens else "*"

    @property
    def query_by(self) -> str:
        if self.phrase:
            return ",".join(self.phrase_fields)
        return "title_t,all_t"

    @property
    def query_by_weights(self) -> str:
        if self.phrase:
            return ",".join("3" if f == "title_t" else "1" for f in self.phrase_fields)
        return "3,1"

    @property
    def ranks(self) -> bool:
        return self.q != "*"


class _Translator:
    def __init__(self, resolve: Resolver | None) -> None:
        self.resolve = resolve
        self.out = Translation()

    def top(self, node: Any) -> None:
        conjuncts = node.subqueries if _is(node, "And") else [node]
        for sub in conjuncts:
            self._rank(sub)
        if self.out.phrase:
            # One ``q``: a phrase ranks, and a prefix beside it is left out.
            self.out.prefix = None
        self.out.filter = _and([self.node(sub, negated=False) for sub in conjuncts])

    def _rank(self, node: Any) -> None:
        """Required words, one phrase or one prefix become ``q`` for scoring."""
        terms = _default_field_term(node)
        if terms is None and _is(node, "Term"):
            terms = node.text if node.fieldname in DEFAULT_FIELDS else None
        if terms is not None:
            if terms not in self.out.q_tokens:
                self.out.q_tokens.append(terms)
            return
        if _is(node, "Or"):
            phrases = [s for s in node.subqueries if _is(s, "Phrase")]
            if (
                phrases
                and len(phrases) == len(node.subqueries)
                and not self.out.phrase
                and len({tuple(p.words) for p in phrases}) == 1
            ):
                self.out.phrase = list(phrases[0].words)
                self.out.phrase_fields = tuple(
                    STRING_FIELDS[p.fieldname]
                    for p in phrases
                    if p.fieldname in STRING_FIELDS
                )
            prefixes = [s for s in node.subqueries if _is(s, "Prefix")]
            if (
                prefixes
                and len(prefixes) == len(node.subqueries)
                and self.out.prefix is None
                and prefixes[0].fieldname in DEFAULT_FIELDS
            ):
                self.out.prefix = _prefix_head(prefixes[0].text)
        elif _is(node, "Phrase") and node.fieldname in STRING_FIELDS:
            if not self.out.phrase:
                self.out.phrase = list(node.words)
                self.out.phrase_fields = (STRING_FIELDS[node.fieldname],)
        elif (
            _is(node, "Prefix")
            and node.fieldname in DEFAULT_FIELDS
            and self.out.prefix is None
        ):
            self.out.prefix = _prefix_head(node.text)

    def node(self, node: Any, *, negated: bool) -> str:
        if _is_null(node):
            return TRUE if negated else FALSE
        if _is(node, "Every"):
            return FALSE if negated else TRUE
        if _is(node, "Not"):
            return self.node(node.query, negated=not negated)
        if _is(node, "And"):
            parts = [self.node(s, negated=negated) for s in node.subqueries]
            return _or(parts) if negated else _and(parts)
        if _is(node, "Or"):
            terms = _default_field_term(node)
            if terms is not None:
                return values_filter("terms", (terms,), negate=negated)
            parts = [self.node(s, negated=negated) for s in node.subqueries]
            return _and(parts) if negated else _or(parts)
        if _is(node, "AndNot"):
            a = self.node(node.a, negated=negated)
            b = self.node(node.b, negated=not negated)
            return _or([a, b]) if negated else _and([a, b])
        if _is(node, "Require"):
            parts = [self.node(n, negated=negated) for n in (node.a, node.b)]
            return _or(parts) if negated else _and(parts)
        if _is(node, "AndMaybe"):
            return self.node(node.a, negated=negated)
        if _is(node, "TermRange") and node.fieldname == "year":
            return self._year(
                node.start, node.end, node.startexcl, node.endexcl, negated=negated
            )
        if _is(node, "Phrase"):
            return self._phrase(node, negated=negated)
        if _is(node, "Prefix"):
            return self._prefix(node, negated=negated)
        if _is(node, "Wildcard"):
            self._say(
                f"“{node.text}”: wildcards inside a word are not supported here; "
                "it was left out."
            )
            return TRUE if negated else FALSE
        if _is(node, "Term"):
            return self._term(node.fieldname, node.text, negated=negated)
        self._say("Part of the query could not be searched here and was left out.")
        return TRUE if negated else FALSE

    def _term(self, name: str, text: str, *, negated: bool) -> str:
        if name in TERM_FIELDS:
            return values_filter(TERM_FIELDS[name], (text,), negate=negated)
        if name in ("country", "topic"):
            value, message = self.resolve(name, text) if self.resolve else (text, None)
            if message:
                self._say(message)
            if value is None:
                return TRUE if negated else FALSE
            return values_filter(name, (value,), negate=negated)
        if name == "year":
            return self._year(text, text, False, False, negated=negated)
        return TRUE if negated else FALSE

    def _year(
        self,
        start: str | None,
        end: str | None,
        start_excl: bool,
        end_excl: bool,
        *,
        negated: bool,
    ) -> str:
        low, high = 1, 1_000_000
        for bound, is_start, excl in (
            (start, True, start_excl),
            (end, False, end_excl),
        ):
            if bound is None or bound == "":
                continue
            try:
                value = int(bound)
            except ValueError:
                self._say(f"“{bound}” is not a year, so year: was ignored.")
                return TRUE
            if is_start:
                low = max(low, value + 1 if excl else value)
            else:
                high = min(high, value - 1 if excl else value)
        if low > high:
            return TRUE if negated else FALSE
        if negated:
            return f"(year:<{low} || year:>{high})"
        return f"year:[{low}..{high}]"

    def _phrase(self, node: Any, *, negated: bool) -> str:
        words = list(node.words)
        if node.fieldname in ("country", "topic"):
            return self._term(node.fieldname, " ".join(words), negated=negated)
        column = TERM_FIELDS.get(node.fieldname)
        if column is None or not words:
            return TRUE if negated else FALSE
        if len(words) > 1 and (negated or words != self.out.phrase):
            self._say(
                f"“{' '.join(words)}” was searched as words, not as a phrase: this "
                "search engine matches a phrase only as a required part of a query."
            )
        parts = [values_filter(column, (w,), negate=negated) for w in words]
        return _or(parts) if negated else _and(parts)

    def _prefix(self, node: Any, *, negated: bool) -> str:
        head = _prefix_head(node.text)
        if negated or head != self.out.prefix or node.fieldname not in DEFAULT_FIELDS:
            self._say(
                f"“{node.text}*”: a prefix is matched here only as the last required "
                "word of a query; it was left out."
            )
            return TRUE
        # The prefix is matched by ``q`` (prefix search); the filter lets it pass.
        return TRUE

    def _say(self, message: str) -> None:
        if message not in self.out.messages:
            self.out.messages.append(message)


def _default_field_term(node: Any) -> str | None:
    """The term of a plain word (the parser's OR of one term over title, text and
    heading), or None for anything else."""
    if not _is(node, "Or") or not node.subqueries:
        return None
    subs = node.subqueries
    if not all(_is(s, "Term") for s in subs):
        return None
    if {s.fieldname for s in subs} != DEFAULT_FIELDS or len(
        {s.text for s in subs}
    ) != 1:
        return None
    return subs[0].text


def _prefix_head(text: str) -> str:
    head = fold(text).split("*", 1)[0].split("?", 1)[0]
    # Terms are stems: "sanctions*" must still reach "sanction".
    stem = stem_word(head)
    return stem if head.startswith(stem) and len(stem) >= 2 else head


def translate(parsed_query: Any, *, resolve: Resolver | None) -> Translation:
    """``parsed_query`` is the parser's tree, or None to browse everything."""
    translator = _Translator(resolve)
    if _is_null(parsed_query):
        return translator.out
    translator.top(parsed_query)
    return translator.out


def filters_for(
    query_: EngineQuery, translation: Translation, *, without: str | None = None
) -> str:
    """The text filter, every facet filter except ``without``, and the year range."""
    parts = [translation.filter]
    for name, values in query_.filters:
        if name == without or not values or name not in FACET_FIELDS:
            continue
        if name == "year":
            years = tuple(v for v in values if v.isdigit())
            parts.append(values_filter("year", years) if years else FALSE)
        else:
            parts.append(values_filter(FACET_FIELDS[name], tuple(values)))
    if query_.year_from is not None or query_.year_to is not None:
        low = query_.year_from if query_.year_from is not None else 1
        high = query_.year_to if query_.year_to is not None else 1_000_000
        parts.append(f"year:[{max(low, 1)}..{high}]" if low <= high else FALSE)
    return _and(parts)
