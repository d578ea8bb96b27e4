"""Local token estimates for providers that report no usage.

No tokenizer that downloads files at run time is used. The estimate counts word pieces the way
BPE tokenizers roughly do (one token per short word, about four characters per token of a long
word, one token per CJK character or punctuation mark); it is within ~25 % of real counts on
ordinary prose, which is enough for usage statistics, and marked ``estimated`` wherever used.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from yarrow.models.types import ChatMessage

_PIECES = re.compile(r"[A-Za-z]+|\d+|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\sA-Za-z\d]")
_MESSAGE_OVERHEAD = 4


def estimate_tokens(text: str) -> int:
    """Estimated token count of ``text`` (0 for empty text)."""
    count = 0
    for piece in _PIECES.findall(text):
        if piece[0].isascii() and piece[0].isalnum() and len(piece) > 6:
            count += math.ceil(len(piece) / 4)
        else:
            count += 1
    return count


def estimate_prompt_tokens(messages: Iterable[ChatMessage]) -> int:
    """Estimated prompt tokens of a conversation, with a small per-message overhead."""
    total = 0
    for message in messages:
        total += _MESSAGE_OVERHEAD + estimate_tokens(message.text())
        for call in message.tool_calls:
            total += estimate_tokens(call.name) + estimate_tokens(call.arguments)
    return total


__all__ = ["estimate_prompt_tokens", "estimate_tokens"]
