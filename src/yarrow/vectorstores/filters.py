"""Typed metadata filters: the one filter language every backend compiles.

Fields are ``document_id`` and ``id`` (the record's own columns, string values only) or a metadata
key matching ``[A-Za-z_][A-Za-z0-9_]{0,63}``. Values are never spliced into a query: backends
bind them as parameters or quote them through one tested literal function.

Semantics, identical on every backend:

* ``Eq`` / ``In`` are type-strict: the string ``"3"`` does not equal the number ``3``; ``3`` equals
  ``3.0``; ``True`` only equals ``True``.
* ``Range`` compares numbers only; a missing, null or non-numeric value never matches.
* A condition on a missing key is false; ``Not`` turns it into true.
* ``And()`` with no conditions matches everything, ``Or()`` with none matches nothing; ``In`` with
  no values matches nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Union

from yarrow.vectorstores.errors import InvalidFilter
from yarrow.vectorstores.types import MetadataValue

BUILTIN_FIELDS = frozenset({"id", "document_id"})
METADATA_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_IN_VALUES = 10_000

ScalarValue = str | int | float | bool


def check_field(name: str) -> str:
    """Return ``name`` if it is a built-in field or a valid metadata key, else raise."""
    if not isinstance(name, str) or not METADATA_KEY_RE.fullmatch(name):
        raise InvalidFilter(f"Invalid filter field name: {name!r}.")
    return name


def check_value(name: str, value: MetadataValue) -> ScalarValue:
    """Return ``value`` if it is a filterable scalar for field ``name``, else raise."""
    if value is None or not isinstance(value, str | int | float | bool):
        raise InvalidFilter(f"Filter on {name!r} needs a string, number or boolean value.")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidFilter(f"Filter on {name!r} needs a finite number.")
    if isinstance(value, str) and "\x00" in value:
        raise InvalidFilter(f"Filter value for {name!r} contains a NUL character.")
    if name in BUILTIN_FIELDS and not isinstance(value, str):
        raise InvalidFilter(f"Field {name!r} holds strings; got {type(value).__name__}.")
    return value


@dataclass(frozen=True, slots=True)
class Eq:
    """``field == value`` (type-strict)."""

    field: str
    value: ScalarValue

    def __post_init__(self) -> None:
        check_value(check_field(self.field), self.value)


@dataclass(frozen=True, slots=True)
class In:
    """``field`` equals one of ``values``."""

    field: str
    values: tuple[ScalarValue, ...]

    def __post_init__(self) -> None:
        check_field(self.field)
        if isinstance(self.values, str | bytes) or not isinstance(self.values, tuple | list):
            raise InvalidFilter(f"In({self.field!r}) needs a tuple of values.")
        if len(self.values) > MAX_IN_VALUES:
            raise InvalidFilter(f"In({self.field!r}) takes at most {MAX_IN_VALUES} values.")
        object.__setattr__(self, "values", tuple(check_value(self.field, v) for v in self.values))


@dataclass(frozen=True, slots=True)
class Range:
    """Numeric comparison: every bound given must hold (``gt < field <= lte`` and so on)."""

    field: str
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None

    def __post_init__(self) -> None:
        check_field(self.field)
        if self.field in BUILTIN_FIELDS:
            raise InvalidFilter(f"Range does not apply to {self.field!r}.")
        given = [b for b in (self.gt, self.gte, self.lt, self.lte) if b is not None]
        if not given:
            raise InvalidFilter(f"Range({self.field!r}) needs at least one bound.")
        for bound in given:
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise InvalidFilter(f"Range({self.field!r}) bounds must be numbers.")
            if not math.isfinite(bound):
                raise InvalidFilter(f"Range({self.field!r}) bounds must be finite.")

    def bounds(self) -> list[tuple[str, float]]:
        """The given bounds as ``(operator, value)`` pairs, operator one of ``> >= < <=``."""
        pairs = [(">", self.gt), (">=", self.gte), ("<", self.lt), ("<=", self.lte)]
        return [(op, float(v)) for op, v in pairs if v is not None]


@dataclass(frozen=True, slots=True)
class And:
    """All conditions hold (vacuously true when empty)."""

    conditions: tuple[Filter, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", _check_children("And", self.conditions))


@dataclass(frozen=True, slots=True)
class Or:
    """At least one condition holds (false when empty)."""

    conditions: tuple[Filter, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", _check_children("Or", self.conditions))


@dataclass(frozen=True, slots=True)
class Not:
    """The condition does not hold (a condition on a missing key does not hold)."""

    condition: Filter

    def __post_init__(self) -> None:
        _check_children("Not", (self.condition,))


Filter = Union[Eq, In, Range, And, Or, Not]  # noqa: UP007 - recursive alias needs Union

_FILTER_TYPES = (Eq, In, Range, And, Or, Not)


def _check_children(kind: str, children: object) -> tuple[Filter, ...]:
    if not isinstance(children, tuple | list):
        raise InvalidFilter(f"{kind} needs a tuple of filters.")
    for child in children:
        if not isinstance(child, _FILTER_TYPES):
            raise InvalidFilter(f"{kind} got a non-filter: {type(child).__name__}.")
    return tuple(children)


def check_filter(flt: object) -> Filter | None:
    """Return ``flt`` if it is ``None`` or a filter object, else raise :class:`InvalidFilter`."""
    if flt is None or isinstance(flt, _FILTER_TYPES):
        return flt
    raise InvalidFilter(f"Expected a filter object, got {type(flt).__name__}.")


def document_ids(ids: list[str] | tuple[str, ...]) -> In:
    """Dify's ``document_ids_filter``: records of any of these documents."""
    return In("document_id", tuple(ids))


def value_kind(value: ScalarValue) -> str:
    """``"bool"``, ``"number"`` or ``"string"`` (``bool`` is checked before ``int``)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string"


__all__ = [
    "BUILTIN_FIELDS",
    "And",
    "Eq",
    "Filter",
    "In",
    "Not",
    "Or",
    "Range",
    "check_filter",
    "document_ids",
    "value_kind",
]
