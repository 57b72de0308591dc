"""User query text -> a Whoosh query tree, without ever raising.

Power syntax ("phrases", OR, NOT, -term, prefix*, parentheses, title:, author:,
country:, topic:, year:2016, year:[2016 TO 2020]) goes through Whoosh's query
parser. Input the parser would misread (unbalanced quotes or parentheses, dangling
operators, leading wildcards, huge strings) is simplified first and the user is told
what was searched instead.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from typing import Any

from whoosh import fields, qparser, query

from search.engine.base import MAX_QUERY_CHARS
from search.engine.whoosh.schema import WORD_RE, FoldedText, TagField, analyze, fold

MAX_TERMS = 30
MIN_PREFIX_CHARS = 2
TITLE_BOOST = 3.0
DEFAULT_FIELDS = ("title", "text", "heading")
# Field names users type -> the field the parser builds terms for.
FIELD_ALIASES = {"author": "author", "country": "country", "topic": "topic"}
KNOWN_FIELDS = {"title", "text", "heading", "author", "country", "topic", "year"}
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TOKEN_RE = re.compile(r'"[^"]*"|\S+')
_FIELD_PREFIX_RE = re.compile(r"(?<![\w\"])(\w+):(?=\S)")
_EMPTY_FIELD_RE = re.compile(r"(?<![\w\"])(\w+):(?=\s|$|\))")
_MINUS_RE = re.compile(r"(?:(?<=\s)|(?<=\()|^)-(?=\S)")
_WILDCARD_WORD_RE = re.compile(r"^(?P<field>\w+:)?(?P<word>[^\s\"()]*[*?][^\s\"()]*)$")

_parser_lock = threading.Lock()
_parser: qparser.QueryParser | None = None


@dataclass(frozen=True)
class ParsedQuery:
    """What will be searched for: ``query`` is None when the whole library is
    browsed; ``messages`` explain any simplification."""

    text: str
    query: Any | None
    messages: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return repr(self.query)


def _parser_schema() -> fields.Schema:
    return fields.Schema(
        text=FoldedText(),
        title=FoldedText(),
        heading=FoldedText(),
        author=FoldedText(),
        country=TagField(),
        topic=TagField(),
        year=TagField(),
    )


def _get_parser() -> qparser.QueryParser:
    global _parser
    if _parser is None:
        with _parser_lock:
            if _parser is None:
                parser = qparser.MultifieldParser(
                    list(DEFAULT_FIELDS),
                    _parser_schema(),
                    fieldboosts={"title": TITLE_BOOST},
                    group=qparser.AndGroup,
                )
                for plugin in (
                    qparser.SingleQuotePlugin,
                    qparser.EveryPlugin,
                    qparser.BoostPlugin,
                ):
                    parser.remove_plugin_class(plugin)
                # "-" and "+" only count at the start of a word: "co-operation"
                # and "Iran-Turkmenistan" are words, not exclusions.
                start = r"(?:(?<=\s)|(?<=\()|(?<![\s\S]))"
                parser.add_plugin(
                    qparser.PlusMinusPlugin(
                        plusexpr=start + r"\+(?=\S)", minusexpr=start + r"-(?=\S)"
                    )
                )
                _parser = parser
    return _parser


def plain_terms_query(words: list[str]) -> Any | None:
    """All the words, ANDed, each searched in title, text and heading."""
    terms: list[str] = []
    for word in words:
        for term in analyze(word):
            if term not in terms:
                terms.append(term)
    terms = terms[:MAX_TERMS]
    if not terms:
        return None
    return query.And([_multifield_term(term) for term in terms])


def _multifield_term(term: str) -> Any:
    return query.Or(
        [
            query.Term(field, term, boost=TITLE_BOOST if field == "title" else 1.0)
            for field in DEFAULT_FIELDS
        ]
    )


def _words(text: str) -> list[str]:
    return [w for w in WORD_RE.findall(text) if w.upper() not in _OPERATORS]


def _balanced_parens(text: str) -> bool:
    depth = 0
    for char in re.sub(r'"[^"]*"', "", text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _dangling_operator(tokens: list[str]) -> bool:
    ops = [t in _OPERATORS for t in tokens]
    if not tokens:
        return False
    if (ops[0] and tokens[0] != "NOT") or ops[-1]:
        return True
    return any(
        a and b and tokens[i + 1] != "NOT"
        for i, (a, b) in enumerate(itertools.pairwise(ops))
    )


_QUOTED_OR_FIELD_RE = re.compile(r'"[^"]*"|(?<![\w"])(\w+):(?=\S)')


def _unknown_fields_as_words(text: str) -> str:
    """``name:rest`` with a name that is not a field becomes the words ``name rest``,
    each matched in any field like the other plain words."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None or name.lower() in KNOWN_FIELDS:
            return match.group(0)
        return f"{name} "

    return _QUOTED_OR_FIELD_RE.sub(replace, text)


def _fix_wildcards(text: str) -> tuple[str, list[str]]:
    """Drop wildcards Whoosh would have to scan the whole vocabulary for."""
    messages: list[str] = []
    out: list[str] = []
    for token in _TOKEN_RE.findall(text):
        match = _WILDCARD_WORD_RE.match(token)
        if not match or token.startswith('"'):
            out.append(token)
            continue
        field = match.group("field") or ""
        word = match.group("word")
        stripped = word.lstrip("*?")
        if not stripped.strip("*?"):
            messages.append("A lone * matches everything, so it was ignored.")
            continue
        if stripped != word:
            messages.append(
                f"Wildcards can't start a word; searched for “{stripped}” instead."
            )
            word = stripped
        head = re.split(r"[*?]", word, maxsplit=1)[0]
        if len(head) < MIN_PREFIX_CHARS:
            plain = word.replace("*", "").replace("?", "")
            messages.append(
                f"A wildcard needs at least {MIN_PREFIX_CHARS} letters before it; "
                f"searched for “{plain}” instead."
            )
            word = plain
        out.append(field + word)
    return " ".join(out), messages


def _count_terms(q: Any) -> int:
    if isinstance(q, query.compound.CompoundQuery):
        return sum(_count_terms(sub) for sub in q.subqueries)
    if isinstance(q, (query.Not,)):
        return _count_terms(q.query)
    if isinstance(q, query.wrappers.WrappingQuery):
        return _count_terms(q.child)
    if isinstance(q, query.BinaryQuery):
        return _count_terms(q.a) + _count_terms(q.b)
    if isinstance(q, query.Phrase):
        return len(q.words)
    return 1


def _is_null(q: Any) -> bool:
    return q is None or q is query.NullQuery


def parse_query(raw: str) -> ParsedQuery:
    """Parse what the user typed; never raises."""
    text = _CONTROL_RE.sub(" ", raw or "")
    text = " ".join(text.split())
    messages: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        messages.append(
            f"Your query was longer than {MAX_QUERY_CHARS} characters; "
            "only the start was searched."
        )
    if not text:
        if raw and raw.strip():
            messages.append(
                "Your query had no searchable characters; showing all paragraphs."
            )
        return ParsedQuery(text="", query=None, messages=tuple(messages))
    dangling = _EMPTY_FIELD_RE.findall(text)
    if dangling:
        text = " ".join(_EMPTY_FIELD_RE.sub(" ", text).split())
        names = ", ".join(f"“{name}:”" for name in dict.fromkeys(dangling))
        messages.append(f"{names} had nothing after it, so it was ignored.")
        if not text:
            messages.append("Showing all paragraphs instead.")
            return ParsedQuery(text="", query=None, messages=tuple(messages))

    problems = []
    if text.count('"') % 2:
        problems.append("an unbalanced quote")
    if not _balanced_parens(text):
        problems.append("an unbalanced parenthesis")
    if _dangling_operator(re.sub(r'"[^"]*"', " x ", text).split()):
        problems.append("an AND, OR or NOT with nothing to join")
    fallback_reason = f"Your query had {' and '.join(problems)}" if problems else ""

    parsed: Any | None = None
    if not fallback_reason:
        fixed, wildcard_messages = _fix_wildcards(text)
        messages.extend(wildcard_messages)
        unknown = [
            name
            for name in _FIELD_PREFIX_RE.findall(re.sub(r'"[^"]*"', " ", fixed))
            if name.lower() not in KNOWN_FIELDS
            and not name.isdigit()
            and name.lower() not in {"http", "https"}
        ]
        if unknown:
            names = ", ".join(f"“{name}:”" for name in dict.fromkeys(unknown))
            messages.append(
                f"{names} is not a search field, so it was searched as text."
            )
        fixed = _unknown_fields_as_words(fixed)
        if not fixed.strip():
            return ParsedQuery(
                text=text,
                query=None,
                messages=(*messages, "Showing all paragraphs instead."),
            )
        try:
            parsed = _get_parser().parse(fixed)
            if _is_null(parsed) and _MINUS_RE.search(fixed):
                # Whoosh drops a query made only of exclusions; "-x" means
                # "everything but x" here.
                parsed = _get_parser().parse(_MINUS_RE.sub("NOT ", fixed))
        except Exception:  # noqa: BLE001 - any parser failure falls back to words
            fallback_reason = "We couldn't read that query"
        else:
            if not _is_null(parsed) and _count_terms(parsed) > MAX_TERMS:
                fallback_reason = f"Your query had more than {MAX_TERMS} terms"

    if fallback_reason:
        words = _words(text)
        parsed = plain_terms_query(words)
        if len(words) > MAX_TERMS:
            fallback_reason += f" (only the first {MAX_TERMS} words were used)"
        messages.append(f"{fallback_reason}; searched for the words instead.")

    if _is_null(parsed):
        messages.append(
            "Your query has no searchable words (very common words and single "
            "letters are not indexed); showing all paragraphs instead."
        )
        return ParsedQuery(text=text, query=None, messages=tuple(messages))
    return ParsedQuery(text=text, query=parsed, messages=tuple(messages))


def query_terms(q: Any) -> tuple[frozenset[str], tuple[str, ...]]:
    """Indexed terms (and prefixes) a query looks for in the text fields, for
    highlighting; excluded (NOT) terms are left out."""
    terms: set[str] = set()
    prefixes: list[str] = []

    def walk(node: Any, negated: bool) -> None:
        if node is None or node is query.NullQuery:
            return
        if isinstance(node, query.Not):
            walk(node.query, not negated)
        elif isinstance(node, query.AndNot):
            walk(node.a, negated)
            walk(node.b, not negated)
        elif isinstance(node, query.BinaryQuery):
            walk(node.a, negated)
            walk(node.b, negated)
        elif isinstance(node, query.compound.CompoundQuery):
            for sub in node.subqueries:
                walk(sub, negated)
        elif isinstance(node, query.wrappers.WrappingQuery):
            walk(node.child, negated)
        elif negated or getattr(node, "fieldname", None) not in DEFAULT_FIELDS:
            return
        elif isinstance(node, query.Phrase):
            terms.update(word for word in node.words if word)
        elif isinstance(node, (query.Prefix, query.Wildcard)):
            head = re.split(r"[*?]", fold(node.text), maxsplit=1)[0]
            if head:
                prefixes.append(head)
        elif isinstance(node, query.Term) and node.text:
            # An empty term (a range's missing end, say) looks for nothing.
            terms.add(node.text)

    walk(q, False)
    return frozenset(terms), tuple(dict.fromkeys(prefixes))
