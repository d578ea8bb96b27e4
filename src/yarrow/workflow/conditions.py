"""Dify's comparison operators, shared by if-else, loop break conditions and list-operator.

Semantics follow Dify's condition processor: an absent (``None``) value makes ``contains``,
``is``, ``start with`` and the numeric comparisons false, and ``not contains``/``is not``/``empty``
true. Condition values may contain ``{{#...#}}`` references. Array-of-file variables can be
tested with ``sub_variable_condition`` (``contains`` = any file matches, ``not contains`` = none,
``all of`` = every file). ASCII spellings (``>=``, ``<=``, ``!=``) are accepted as aliases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from yarrow.workflow.errors import NodeConfigError
from yarrow.workflow.variables import VariablePool, is_file

_ALIASES = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}
_FILE_KEYS = {"name": "filename"}


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError as exc:
        raise NodeConfigError(f"Cannot compare {value!r} as a number.") from exc


def _numeric(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def compare(actual: Any, expected: Any) -> bool:
        if actual is None or actual == "":
            return False
        return op(_number(actual), _number(expected))

    return compare


def _is(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        return actual == _boolean(expected)
    return str(actual) == str(expected if expected is not None else "")


def _boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _contains(actual: Any, expected: Any) -> bool:
    if not actual:
        return False
    if isinstance(actual, str):
        return str(expected) in actual
    if isinstance(actual, list):
        return expected in actual or str(expected) in [str(a) for a in actual]
    return False


def _in(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    pool = expected if isinstance(expected, list) else [expected]
    if isinstance(actual, list):
        return bool(actual) and all(a in pool for a in actual)
    return actual in pool or str(actual) in [str(p) for p in pool]


def _all_of(actual: Any, expected: Any) -> bool:
    if not isinstance(actual, list | str):
        return False
    items = expected if isinstance(expected, list) else [expected]
    return all(item in actual for item in items)


def _empty(actual: Any, _: Any) -> bool:
    return actual is None or actual == "" or actual == [] or actual == {}


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "contains": _contains,
    "not contains": lambda a, e: not _contains(a, e),
    "start with": lambda a, e: isinstance(a, str) and a.startswith(str(e)),
    "end with": lambda a, e: isinstance(a, str) and a.endswith(str(e)),
    "is": _is,
    "is not": lambda a, e: not _is(a, e),
    "empty": _empty,
    "not empty": lambda a, e: not _empty(a, e),
    "in": _in,
    "not in": lambda a, e: not _in(a, e),
    "all of": _all_of,
    "=": _numeric(lambda a, e: a == e),
    "≠": lambda a, e: a is not None and a != "" and not _numeric(lambda x, y: x == y)(a, e),
    ">": _numeric(lambda a, e: a > e),
    "<": _numeric(lambda a, e: a < e),
    "≥": _numeric(lambda a, e: a >= e),
    "≤": _numeric(lambda a, e: a <= e),
    "null": lambda a, e: a is None,
    "not null": lambda a, e: a is not None,
    "exists": lambda a, e: a is not None and a != [],
    "not exists": lambda a, e: a is None or a == [],
}


def compare(operator: str, actual: Any, expected: Any) -> bool:
    """Apply one Dify comparison operator; unknown operators are a configuration error."""
    operator = _ALIASES.get(operator, operator)
    func = OPERATORS.get(operator)
    if func is None:
        raise NodeConfigError(f"Unknown comparison operator {operator!r}.")
    if isinstance(actual, bool) and operator in ("=", "≠"):
        equal = actual == _boolean(expected)
        return equal if operator == "=" else not equal
    return func(actual, expected)


def _expected(value: Any, pool: VariablePool) -> Any:
    if isinstance(value, str):
        return pool.render(value)
    return value


def file_attribute(file: Any, key: str) -> Any:
    if not isinstance(file, Mapping):
        return None
    return file.get(_FILE_KEYS.get(key, key), file.get(key))


def check_condition(condition: Mapping[str, Any], pool: VariablePool) -> bool:
    """Evaluate one ``{variable_selector, comparison_operator, value, sub_variable_condition}``."""
    selector = [str(s) for s in condition.get("variable_selector") or []]
    actual = pool.get(selector)
    operator = str(condition.get("comparison_operator") or "")
    expected = _expected(condition.get("value"), pool)
    sub = condition.get("sub_variable_condition")
    if isinstance(sub, Mapping) and sub.get("conditions") and isinstance(actual, list):
        return _check_files(actual, operator, sub)
    return compare(operator, actual, expected)


def _check_files(files: list[Any], operator: str, sub: Mapping[str, Any]) -> bool:
    def matches(file: Any) -> bool:
        results = [
            compare(
                str(c.get("comparison_operator")),
                file_attribute(file, str(c.get("key"))),
                c.get("value"),
            )
            for c in sub.get("conditions") or []
        ]
        return all(results) if sub.get("logical_operator", "and") == "and" else any(results)

    candidates = [f for f in files if is_file(f) or isinstance(f, Mapping)]
    if operator == "not contains":
        return not any(matches(f) for f in candidates)
    if operator == "all of":
        return bool(candidates) and all(matches(f) for f in candidates)
    return any(matches(f) for f in candidates)


def check_all(
    conditions: Sequence[Mapping[str, Any]], logical_operator: str, pool: VariablePool
) -> tuple[bool, list[bool]]:
    """Evaluate a condition group; ``and`` short-circuits like Dify, ``or`` too."""
    results: list[bool] = []
    for condition in conditions:
        result = check_condition(condition, pool)
        results.append(result)
        if logical_operator == "and" and not result:
            return False, results
        if logical_operator == "or" and result:
            return True, results
    if logical_operator == "or":
        return False, results
    return bool(results) or not conditions, results
