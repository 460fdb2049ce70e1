"""Search text, pure: the Lucene query built from words, and the highlighted fragment."""

from __future__ import annotations

import pytest

from graph_registry.domain.search import highlight, lucene, terms
from graph_registry.errors import InvalidInput


def test_words_become_exact_prefix_and_fuzzy_clauses() -> None:
    assert terms("Fraud-Detector  v2!") == ["fraud", "detector", "v2"]
    assert lucene(["fraud", "v2"]) == "(fraud^4 OR fraud*^2 OR fraud~1) AND (v2^4 OR v2*^2)"


def test_lucene_syntax_in_the_text_is_only_words() -> None:
    assert lucene(terms('a AND "b" OR c~2 *:* (d)')) == " AND ".join(
        f"({w}^4 OR {w}*^2)" for w in ["a", "and", "b", "or", "c", "2", "d"]
    )


@pytest.mark.parametrize("query", ["", "  ", "!!!", "x" * 201])
def test_empty_or_oversized_queries_are_refused(query: str) -> None:
    with pytest.raises(InvalidInput):
        terms(query)


def test_highlight_marks_exact_prefix_and_one_edit_matches() -> None:
    assert highlight(["Scores card payments"], ["payment"]) == "Scores card <em>payments</em>"
    assert highlight(["fraud-detector"], ["frud"]) == "<em>fraud</em>-detector"
    assert highlight(["fraud-detector"], ["fruad"]) == "<em>fraud</em>-detector"  # transposition
    assert highlight(["nothing here", "second <b>fraud</b>"], ["fraud"]) == "second &lt;b&gt;<em>fraud</em>&lt;/b&gt;"
    assert highlight(["nothing here"], ["fraud"]) is None
    long = "word " * 40 + "target " + "tail " * 40
    fragment = highlight([long], ["target"])
    assert (
        fragment is not None and fragment.startswith("…") and fragment.endswith("…") and "<em>target</em>" in fragment
    )
