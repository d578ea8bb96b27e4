"""Cleaning rules: the fixed clean-up and Dify's optional pre-processing rules."""

from __future__ import annotations

import pytest

from yarrow.rag import CleaningRules, InvalidProcessRule, clean

OFF = CleaningRules(remove_extra_spaces=False, remove_urls_emails=False)


def test_fixed_cleanup_always_runs() -> None:
    text = "a<|im_start|>b|>c\x00d\x07e\ufffef\r\ng\th"
    assert clean(text, OFF) == "a<im_start>b>cdef\ng\th"


def test_remove_extra_spaces() -> None:
    text = "one  two\t\tthree\u3000\u3000four\n\n\n\nfive\n\nsix"
    assert clean(text, CleaningRules()) == "one two three four\n\nfive\n\nsix"
    assert clean(text, OFF) == text


def test_single_spaces_and_double_newlines_survive() -> None:
    assert clean("a b\n\nc", CleaningRules()) == "a b\n\nc"


def test_remove_urls_and_emails_keeps_markdown_links() -> None:
    text = (
        "Mail ops@example.com or visit https://example.com/path?q=1 and www.test.org today. "
        "See [the docs](https://docs.example.com/x) and ![logo](http://img.example.com/l.png)."
    )
    cleaned = clean(text, CleaningRules(remove_extra_spaces=True, remove_urls_emails=True))
    assert "ops@example.com" not in cleaned
    assert "https://example.com/path" not in cleaned and "www.test.org" not in cleaned
    assert "[the docs](https://docs.example.com/x)" in cleaned
    assert "![logo](http://img.example.com/l.png)" in cleaned
    assert cleaned.startswith("Mail or visit and today.")


def test_placeholder_characters_in_input_cannot_confuse_link_protection() -> None:
    text = "\ue0000\ue001 and [a](http://x.io) http://y.io"
    cleaned = clean(text, CleaningRules(remove_urls_emails=True))
    assert cleaned == "0 and [a](http://x.io) "


def test_from_dify() -> None:
    rules = CleaningRules.from_dify(
        [
            {"id": "remove_extra_spaces", "enabled": True},
            {"id": "remove_urls_emails", "enabled": True},
            {"id": "remove_stopwords", "enabled": True},
        ]
    )
    assert rules == CleaningRules(True, True)
    assert CleaningRules.from_dify([]) == CleaningRules(False, False)


@pytest.mark.parametrize(
    "rules",
    [
        [{"id": "remove_everything", "enabled": True}],
        [{"enabled": True}],
        [{"id": "remove_extra_spaces", "enabled": "yes"}],
        ["remove_extra_spaces"],
    ],
)
def test_from_dify_rejects_bad_rules(rules: list[object]) -> None:
    with pytest.raises(InvalidProcessRule):
        CleaningRules.from_dify(rules)  # type: ignore[arg-type]
