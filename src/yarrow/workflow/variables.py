"""The variable pool: node outputs, system, environment and conversation variables.

Contract (Dify §6.1): the pool stores two levels, ``node_id -> name -> value``. A selector is
``[node_id, name, *keys]``; extra keys index into objects or read file attributes. Templates use
``{{#node_id.name.key#}}``. Reserved node ids are ``sys``, ``env`` and ``conversation``. Secret
environment variables are readable by nodes but never appear in anything the pool returns for
display (:meth:`VariablePool.environment_view`).

A child pool (:meth:`VariablePool.child`) reads through to its parent and writes locally, except
that writes to a node id the parent already owns (conversation variables, loop variables) go to
the owner, so iteration items run isolated while assigners still mutate shared state.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yarrow.workflow.errors import NodeRunError

SYSTEM = "sys"
ENVIRONMENT = "env"
CONVERSATION = "conversation"
RESERVED_NODE_IDS = frozenset({SYSTEM, ENVIRONMENT, CONVERSATION, "rag"})
SECRET_MASK = "[__HIDDEN__]"

#: ``{{#node_id.var.key#}}``: node id 1-50 of [A-Za-z0-9_], 1-10 dotted segments (Dify's regex).
TEMPLATE_PATTERN = re.compile(
    r"\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}"
)
_FILE_ALIASES = {"name": "filename"}
_MISSING = object()


@dataclass(frozen=True)
class EnvironmentVariable:
    """One ``environment_variables[]`` entry; ``value_type`` is string, number or secret."""

    name: str
    value: Any
    value_type: str = "string"
    description: str = ""
    id: str = ""

    @property
    def is_secret(self) -> bool:
        return self.value_type == "secret"


@dataclass(frozen=True)
class TextSegment:
    """Literal text of a template."""

    text: str


@dataclass(frozen=True)
class VariableSegment:
    """A ``{{#...#}}`` reference of a template."""

    selector: tuple[str, ...]


Segment = TextSegment | VariableSegment


def parse_template(text: str) -> list[Segment]:
    """Split a Dify template into literal text and variable references, in order."""
    segments: list[Segment] = []
    position = 0
    for match in TEMPLATE_PATTERN.finditer(text):
        if match.start() > position:
            segments.append(TextSegment(text[position : match.start()]))
        segments.append(VariableSegment(tuple(match.group(1).split("."))))
        position = match.end()
    if position < len(text):
        segments.append(TextSegment(text[position:]))
    return segments


def to_text(value: Any) -> str:
    """Render a value the way Dify renders a segment into text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if is_file(value):
        return str(value.get("url") or value.get("filename") or "")
    if isinstance(value, list) and value and all(is_file(item) for item in value):
        return "\n".join(to_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def is_file(value: Any) -> bool:
    """Files are dicts marked the way Dify serialises them (``dify_model_identity``)."""
    return isinstance(value, dict) and value.get("dify_model_identity") == "__dify__file__"


class VariablePool:
    """Values by ``[node_id, name]``; see the module docstring for the contract."""

    def __init__(
        self,
        *,
        system: Mapping[str, Any] | None = None,
        environment: Sequence[EnvironmentVariable] = (),
        conversation: Mapping[str, Any] | None = None,
        conversation_types: Mapping[str, str] | None = None,
        max_variable_size: int | None = None,
        parent: VariablePool | None = None,
    ) -> None:
        self._parent = parent
        self._values: dict[str, dict[str, Any]] = {}
        self._secrets: set[str] = set() if parent is None else parent._secrets
        self.declared_types: dict[str, str] = (
            dict(conversation_types or {}) if parent is None else parent.declared_types
        )
        self.max_variable_size: int | None = (
            max_variable_size if parent is None else parent.max_variable_size
        )
        if parent is None:
            self._values[SYSTEM] = dict(system or {})
            self._values[ENVIRONMENT] = {var.name: var.value for var in environment}
            self._secrets.update(var.name for var in environment if var.is_secret)
            self._values[CONVERSATION] = dict(conversation or {})

    def child(self) -> VariablePool:
        """A scope for one iteration item or loop round; see the module docstring."""
        return VariablePool(parent=self)

    # -- writing -------------------------------------------------------------------------
    def add(self, node_id: str, name: str, value: Any) -> None:
        """Store one value; the owning scope of ``node_id`` receives it (see module doc)."""
        self._check_size(node_id, name, value)
        owner = self._owner(node_id) or self
        owner._values.setdefault(node_id, {})[name] = value

    def add_outputs(
        self, node_id: str, outputs: Mapping[str, Any], *, check_size: bool = True
    ) -> None:
        """Store a node's outputs in this scope (never in a parent).

        ``check_size=False`` is for values the engine itself produces (error outputs).
        """
        scope = self._values.setdefault(node_id, {})
        for name, value in outputs.items():
            if check_size:
                self._check_size(node_id, name, value)
            scope[name] = value

    def set_selector(self, selector: Sequence[str], value: Any) -> None:
        """Write ``[node_id, name]``; nested keys are not writable (as in Dify)."""
        if len(selector) < 2:
            raise NodeRunError(f"Invalid variable selector {list(selector)!r}.")
        self.add(selector[0], selector[1], value)

    def _owner(self, node_id: str) -> VariablePool | None:
        pool: VariablePool | None = self
        while pool is not None:
            if node_id in pool._values:
                return pool
            pool = pool._parent
        return None

    def _check_size(self, node_id: str, name: str, value: Any) -> None:
        limit = self.max_variable_size
        if limit is None or isinstance(value, int | float | bool) or value is None:
            return
        text = value if isinstance(value, str) else to_text(value)
        size = len(text) if len(text) * 4 <= limit else len(text.encode())
        if size > limit:
            raise NodeRunError(
                f"Variable {node_id}.{name} is {size} bytes, over MAX_VARIABLE_SIZE ({limit})."
            )

    # -- reading -------------------------------------------------------------------------
    def get(self, selector: Sequence[str], default: Any = None) -> Any:
        """The value at ``selector`` (with nested keys), or ``default`` when absent."""
        if len(selector) < 2:
            return default
        owner = self._owner(selector[0])
        if owner is None:
            return default
        value = owner._values[selector[0]].get(selector[1], _MISSING)
        for key in selector[2:]:
            if value is _MISSING:
                break
            value = _index(value, key)
        return default if value is _MISSING else value

    def has(self, selector: Sequence[str]) -> bool:
        return self.get(selector, _MISSING) is not _MISSING

    def node_outputs(self, node_id: str) -> dict[str, Any]:
        owner = self._owner(node_id)
        return dict(owner._values[node_id]) if owner is not None else {}

    def render(self, template: str) -> str:
        """Replace every ``{{#...#}}`` reference with its text; absent values become ''."""
        if "{{#" not in template:
            return template
        return TEMPLATE_PATTERN.sub(lambda m: to_text(self.get(m.group(1).split("."))), template)

    def conversation_values(self) -> dict[str, Any]:
        root = self._root()
        return dict(root._values[CONVERSATION])

    def system_values(self) -> dict[str, Any]:
        return dict(self._root()._values[SYSTEM])

    def environment_view(self) -> dict[str, Any]:
        """Environment variables for display: secret values replaced by a mask."""
        env = self._root()._values[ENVIRONMENT]
        return {k: (SECRET_MASK if k in self._secrets else v) for k, v in env.items()}

    def mask_secrets(self, text: str) -> str:
        """Replace secret environment values appearing in ``text`` (error messages, logs)."""
        env = self._root()._values[ENVIRONMENT]
        for name in self._secrets:
            secret = env.get(name)
            if isinstance(secret, str) and secret:
                text = text.replace(secret, SECRET_MASK)
        return text

    def _root(self) -> VariablePool:
        pool = self
        while pool._parent is not None:
            pool = pool._parent
        return pool


def matches_type(value_type: str, value: Any) -> bool:
    """Whether ``value`` fits a Dify SegmentType name (string, number, array[object], ...)."""
    kind = value_type.lower()
    if kind.startswith("array"):
        item = kind[6:-1] if kind.startswith("array[") else "any"
        return isinstance(value, list) and all(matches_type(item, v) for v in value)
    checks: dict[str, Any] = {
        "string": lambda v: isinstance(v, str),
        "secret": lambda v: isinstance(v, str),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "file": is_file,
    }
    check = checks.get(kind)
    return True if check is None else bool(check(value))


def _index(value: Any, key: str) -> Any:
    if isinstance(value, Mapping):
        if key in value:
            return value[key]
        if is_file(value) and key in _FILE_ALIASES:
            return value.get(_FILE_ALIASES[key], _MISSING)
        return _MISSING
    if isinstance(value, list) and key.isdigit() and int(key) < len(value):
        return value[int(key)]
    return _MISSING
