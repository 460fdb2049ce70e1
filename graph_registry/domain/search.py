"""Search text: a Lucene query for the full-text index, and the fragment that shows why a node matched."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from graph_registry.errors import InvalidInput

MAX_QUERY = 200
MAX_TERMS = 8
# Fuzzy matching needs a few letters to mean anything: "ab~1" matches half the dictionary.
FUZZY_FROM = 4
FRAGMENT = 60
_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str) -> list[str]:
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"a search query has at most {MAX_QUERY} characters", field="query")
    found = [word.lower() for word in _WORD.findall(query)][:MAX_TERMS]
    if not found:
        raise InvalidInput("the search query has no words", field="query")
    return found


def lucene(words: Sequence[str]) -> str:
    """Every word must match: exactly (boosted), as a prefix, or within one edit.

    Words are \\w+ runs, lowercased, so they hold no Lucene syntax (and no AND/OR/NOT operators).
    """
    clauses = []
    for word in words:
        options = [f"{word}^4", f"{word}*^2"]
        if len(word) >= FUZZY_FROM:
            options.append(f"{word}~1")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses)


def _distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differences = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        # one substitution, or (as Lucene's fuzzy queries count it) one transposition
        return len(differences) == 1 or (
            len(differences) == 2
            and differences[1] == differences[0] + 1
            and a[differences[0]] == b[differences[1]]
            and a[differences[1]] == b[differences[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _matches(word: str, term: str) -> bool:
    word = word.lower()
    return word.startswith(term) or (len(term) >= FUZZY_FROM and _distance_at_most_one(word, term))


def highlight(texts: Iterable[str], words: Sequence[str]) -> str | None:
    """The first text that holds a matching word, around it, matches marked <em>...</em>.

    The text around the marks is HTML-escaped, so the fragment is safe to show as HTML.
    """
    for text in texts:
        spans = [m for m in _WORD.finditer(text) if any(_matches(m.group(), term) for term in words)]
        if not spans:
            continue
        start = max(0, spans[0].start() - FRAGMENT // 2)
        end = min(len(text), spans[0].end() + FRAGMENT)
        pieces, at = [], start
        for span in spans:
            if span.start() < start or span.end() > end:
                continue
            pieces += [html.escape(text[at : span.start()]), f"<em>{html.escape(span.group())}</em>"]
            at = span.end()
        pieces.append(html.escape(text[at:end]))
        return ("…" if start > 0 else "") + "".join(pieces) + ("…" if end < len(text) else "")
    return None
