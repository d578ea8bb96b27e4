"""Text cleaning before splitting (Dify's ``pre_processing_rules``).

Always applied: ``<|`` / ``|>`` become ``<`` / ``>`` (so text cannot forge chat-template tokens),
``\\r\\n`` becomes ``\\n``, and control characters other than tab and newline, plus the
non-characters U+FFFE/U+FFFF, are removed.

Optional rules:

* ``remove_extra_spaces``: three or more line breaks become two; runs of two or more spaces,
  tabs or other horizontal Unicode spaces become one space.
* ``remove_urls_emails``: e-mail addresses and bare URLs are removed; Markdown links and images
  (``[text](url)``, ``![alt](url)``) are kept whole.

``remove_stopwords`` is accepted for compatibility and, as in Dify, does nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yarrow.rag.errors import InvalidProcessRule

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_HORIZONTAL_SPACES = re.compile(r"[\t\f\v \u00a0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000]{2,}")
_MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")

KNOWN_RULES = frozenset({"remove_extra_spaces", "remove_urls_emails", "remove_stopwords"})


@dataclass(frozen=True, slots=True)
class CleaningRules:
    """Which optional cleaning rules run."""

    remove_extra_spaces: bool = True
    remove_urls_emails: bool = False

    @classmethod
    def from_dify(cls, rules: Sequence[Mapping[str, Any]]) -> CleaningRules:
        """From Dify's ``pre_processing_rules`` list of ``{"id": ..., "enabled": bool}``.

        Raises:
            InvalidProcessRule: an entry is malformed or names an unknown rule.
        """
        enabled: dict[str, bool] = {}
        for rule in rules:
            if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str):
                raise InvalidProcessRule("Each pre-processing rule needs an 'id'.")
            if rule["id"] not in KNOWN_RULES:
                raise InvalidProcessRule(f"Unknown pre-processing rule {rule['id']!r}.")
            flag = rule.get("enabled", False)
            if not isinstance(flag, bool):
                raise InvalidProcessRule(f"Rule {rule['id']!r}: 'enabled' must be a boolean.")
            enabled[rule["id"]] = flag
        return cls(
            remove_extra_spaces=enabled.get("remove_extra_spaces", False),
            remove_urls_emails=enabled.get("remove_urls_emails", False),
        )


def clean(text: str, rules: CleaningRules | None = None) -> str:
    """Apply the fixed clean-up and the enabled ``rules`` to ``text``."""
    rules = rules or CleaningRules()
    text = text.replace("<|", "<").replace("|>", ">").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if rules.remove_urls_emails:
        text = _remove_urls_emails(text)
    if rules.remove_extra_spaces:
        text = _MANY_NEWLINES.sub("\n\n", text)
        text = _HORIZONTAL_SPACES.sub(" ", text)
    return text


def _remove_urls_emails(text: str) -> str:
    kept: list[str] = []

    def protect(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return _PLACEHOLDER.format(len(kept) - 1)

    text = text.replace("\ue000", "").replace("\ue001", "")
    text = _MARKDOWN_LINK.sub(protect, text)
    text = _EMAIL.sub("", text)
    text = _URL.sub("", text)
    return _PLACEHOLDER_RE.sub(lambda m: kept[int(m.group(1))], text)


__all__ = ["KNOWN_RULES", "CleaningRules", "clean"]
