"""MLflow's search grammar: `filter_string` and `order_by` parsed, and matched against plain rows.

What users write in MLflow searches: `name = 'x'`, `name LIKE 'x%'`, `tags.k = 'v'`,
`metrics.acc > 0.9`, `params.lr = '0.1'`, `attributes.status = 'FINISHED'`,
`run_id IN ('a', 'b')`, comparisons joined by AND (MLflow has no OR). Pure: a
malformed filter is an InvalidInput, which the adapter reports as
INVALID_PARAMETER_VALUE.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph_registry.errors import InvalidInput

MAX_FILTER = 4000
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<backtick>`[^`]*`)
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.:/-]*)
    )""",
    re.VERBOSE,
)
_KINDS = {
    "metric": "metric",
    "metrics": "metric",
    "param": "param",
    "params": "param",
    "parameter": "param",
    "parameters": "param",
    "tag": "tag",
    "tags": "tag",
    "attribute": "attribute",
    "attributes": "attribute",
    "attr": "attribute",
    "run": "attribute",
    "dataset": "dataset",
    "datasets": "dataset",
}
_OPERATORS = {"=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN"}


@dataclass(frozen=True, slots=True)
class Comparison:
    """One `kind.key op value` clause; kind is attribute, metric, param, tag or dataset."""

    kind: str
    key: str
    operator: str
    value: Any


@dataclass(frozen=True, slots=True)
class Ordering:
    kind: str
    key: str
    ascending: bool


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].isspace():
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise InvalidInput(f"invalid filter near {text[position : position + 30]!r}", field="filter")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def _unquote(token: str) -> str:
    # As MLflow's SearchUtils: the quotes go, the text stays as written (backslashes too).
    return token[1:-1]


def _identifier(kind: str, token: str, *, default_kind: str) -> tuple[str, str]:
    if kind == "backtick":
        return default_kind, token[1:-1]
    if kind != "word":
        raise InvalidInput(f"expected a field name, got {token!r}", field="filter")
    prefix, dot, rest = token.partition(".")
    if dot and prefix.lower() in _KINDS:
        return _KINDS[prefix.lower()], rest.strip('`"')
    return default_kind, token


def parse_filter(text: str | None, *, default_kind: str = "attribute") -> list[Comparison]:
    """`a = 'x' AND tags.k LIKE 'v%'` -> comparisons; an empty filter matches everything."""
    if not text or not text.strip():
        return []
    if len(text) > MAX_FILTER:
        raise InvalidInput(f"the filter is longer than {MAX_FILTER} characters", field="filter")
    tokens = _tokens(text)
    comparisons: list[Comparison] = []
    index = 0

    def take() -> tuple[str, str]:
        nonlocal index
        if index >= len(tokens):
            raise InvalidInput(f"the filter {text[:80]!r} ends too early", field="filter")
        index += 1
        return tokens[index - 1]

    while True:
        kind, token = take()
        # A backticked or quoted key after a prefix: tags.`my key`, tags."my key".
        if (
            kind == "word"
            and token.endswith(".")
            and index < len(tokens)
            and tokens[index][0] in {"backtick", "string"}
        ):
            _, key_token = take()
            field_kind = _KINDS.get(token[:-1].lower())
            if field_kind is None:
                raise InvalidInput(f"unknown field kind {token[:-1]!r}", field="filter")
            key = key_token[1:-1]
        else:
            field_kind, key = _identifier(kind, token, default_kind=default_kind)
        op_kind, operator = take()
        if op_kind == "word" and operator.upper() == "NOT":
            _, following = take()
            operator = "NOT " + following.upper()
        elif op_kind == "word":
            operator = operator.upper()
        if operator not in _OPERATORS:
            raise InvalidInput(f"invalid comparator {operator!r} in the filter", field="filter")
        value: Any
        if operator in {"IN", "NOT IN"}:
            if take() != ("punct", "("):
                raise InvalidInput("IN takes a parenthesised list of strings", field="filter")
            items: list[str] = []
            while True:
                item_kind, item = take()
                if item_kind != "string":
                    raise InvalidInput("IN takes a parenthesised list of strings", field="filter")
                items.append(_unquote(item))
                separator = take()
                if separator == ("punct", ")"):
                    break
                if separator != ("punct", ","):
                    raise InvalidInput("IN takes a parenthesised list of strings", field="filter")
            value = tuple(items)
        else:
            value_kind, raw = take()
            if value_kind == "string":
                value = _unquote(raw)
            elif value_kind == "number":
                value = float(raw)
            else:
                raise InvalidInput(f"expected a quoted string or a number, got {raw!r}", field="filter")
        comparisons.append(Comparison(kind=field_kind, key=key, operator=operator, value=value))
        if index >= len(tokens):
            return comparisons
        kind, token = take()
        if not (kind == "word" and token.upper() == "AND"):
            raise InvalidInput(f"expected AND between comparisons, got {token!r}", field="filter")


def parse_order_by(clauses: Sequence[str], *, default_kind: str = "attribute") -> list[Ordering]:
    """`["metrics.acc DESC", "name"]` -> orderings (ASC unless said)."""
    orderings = []
    for clause in clauses:
        parts = clause.strip().split()
        if not parts or len(parts) > 2:
            raise InvalidInput(f"invalid order_by clause {clause[:80]!r}", field="order_by")
        direction = parts[1].upper() if len(parts) == 2 else "ASC"
        if direction not in {"ASC", "DESC"}:
            raise InvalidInput(f"invalid order_by direction {parts[1][:20]!r}", field="order_by")
        token = parts[0]
        kind, key = _identifier("backtick" if token.startswith("`") else "word", token, default_kind=default_kind)
        orderings.append(Ordering(kind=kind, key=key.strip("`"), ascending=direction == "ASC"))
    return orderings


def like_pattern(pattern: str, *, ignore_case: bool = False) -> str:
    """SQL LIKE (`%` any run of characters, `_` one character) as a regular expression that Python's
    `re` and Neo4j's `=~` (Java) read alike: every other character but letters and digits escaped."""
    body = "".join(".*" if c == "%" else "." if c == "_" else c if c.isalnum() else "\\" + c for c in pattern)
    return ("(?siu)" if ignore_case else "(?s)") + body


def like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return re.fullmatch(like_pattern(pattern, ignore_case=ignore_case), value) is not None


def _compare(operator: str, actual: Any, expected: Any) -> bool:
    if actual is None:
        return False  # as in MLflow: a run without the field matches no comparison on it
    if operator in {"IN", "NOT IN"}:
        inside = str(actual) in expected
        return inside if operator == "IN" else not inside
    if operator in {"LIKE", "ILIKE"}:
        return isinstance(expected, str) and like(expected, str(actual), ignore_case=operator == "ILIKE")
    if isinstance(expected, float):
        try:
            number = float(actual)
        except (TypeError, ValueError):
            return False
        if math.isnan(number):
            return False
        actual, expected_value = number, expected
    else:
        actual, expected_value = str(actual), expected
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "=": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return checks[operator](actual, expected_value)


Lookup = Callable[[str, str], Any]
"""(kind, key) -> the row's value of that field, or None when it has none."""


def _holds(comparison: Comparison, lookup: Lookup) -> bool:
    actual = lookup(comparison.kind, comparison.key)
    if actual is None and comparison.kind == "tag" and comparison.operator in {"!=", "NOT IN"}:
        # A missing tag differs from every value: MLflow's own searches add
        # `tags.mlflow.prompt.is_prompt != 'true'` and expect untagged models back.
        return True
    return _compare(comparison.operator, actual, comparison.value)


def matches(comparisons: Sequence[Comparison], lookup: Lookup) -> bool:
    return all(_holds(c, lookup) for c in comparisons)


def sort_key(orderings: Sequence[Ordering], lookup: Lookup) -> tuple[Any, ...]:
    """A key for sorted(): missing values last whatever the direction, numbers before text."""
    parts: list[Any] = []
    for ordering in orderings:
        value = lookup(ordering.kind, ordering.key)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            parts.append((1, 0, ""))
            continue
        if isinstance(value, int | float):
            parts.append((0, value if ordering.ascending else -value, ""))
        else:
            text = str(value)
            parts.append((0, 0, _Reversed(text) if not ordering.ascending else text))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class _Reversed:
    text: str

    def __lt__(self, other: _Reversed) -> bool:
        return self.text > other.text


def allowed(comparisons: Sequence[Comparison], fields: Mapping[str, set[str]]) -> None:
    """Refuse comparisons on fields a search does not know (`fields`: kind -> keys, empty = any key)."""
    for comparison in comparisons:
        keys = fields.get(comparison.kind)
        if keys is None or (keys and comparison.key not in keys):
            raise InvalidInput(
                f"invalid filter field {comparison.kind}.{comparison.key}: "
                f"searchable are {', '.join(sorted(f'{kind}.{key}' for kind, ks in fields.items() for key in ks or {'*'}))}",
                field="filter",
            )


MAX_ORDERINGS = 6  # the sort slots of the mlflow_search_runs query


def query_parameters(comparisons: Sequence[Comparison], orderings: Sequence[Ordering]) -> dict[str, Any]:
    """A parsed filter and order as the data of a search query whose text stays fixed: `fields`
    ({kind, key}, each once), `conditions` ({field: its index, op, number | text | texts | regex})
    and `orderings` ({field, ascending})."""
    if len(orderings) > MAX_ORDERINGS:
        raise InvalidInput(f"at most {MAX_ORDERINGS - 1} order_by clauses are allowed", field="order_by")
    fields: list[dict[str, str]] = []

    def index(kind: str, key: str) -> int:
        wanted = {"kind": kind, "key": key}
        if wanted not in fields:
            fields.append(wanted)
        return fields.index(wanted)

    conditions = []
    for comparison in comparisons:
        value = comparison.value
        condition: dict[str, Any] = {"field": index(comparison.kind, comparison.key), "op": comparison.operator}
        if isinstance(value, tuple):
            condition["texts"] = list(value)
        elif isinstance(value, float):
            condition["number"] = value
        else:
            condition["text"] = value
            if comparison.operator in {"LIKE", "ILIKE"}:
                condition["regex"] = like_pattern(value, ignore_case=comparison.operator == "ILIKE")
        conditions.append(condition)
    ordered = [{"field": index(o.kind, o.key), "ascending": o.ascending} for o in orderings]
    return {"fields": fields, "conditions": conditions, "orderings": ordered}
