"""The model's byte-level BPE: trained on rendered demo chats, written in Qwen2.5's file layout.

Same machinery as the fixture tokenizer (tools/fixtures/bpe_tokenizer.py: Qwen's pre-tokenizer
regex, NFC, byte-level alphabet, the 7 added tokens after the BPE ids), with more merges so the
tools block is short, and two constraints on merges: a run of non-letters (a space, a quote) is
never merged with a following letter, and "(" and ")" are never merged. A word then has the same tokens
wherever it stands (" Paris" = "Ġ" + "Paris", '"Paris' = '"' + "Paris", " sunny" = "Ġ" + "sunny"
as in '"condition":"sunny"'), so copying a city, an expression or a tool result into the reply
is a token-for-token copy. (It costs about 20% more tokens on English text.)
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

from bpe_tokenizer import CHAR_TO_BYTE, Tokenizer, train  # noqa: E402
from tokenizer_files import write_tokenizer  # noqa: E402

TEMPLATE = "qwen2.5.jinja"


def _text(token):
    return bytes(CHAR_TO_BYTE[c] for c in token).decode("utf-8", errors="replace")


def merge_allowed(a, b):
    ta, tb = _text(a), _text(b)
    if any(p in ta or p in tb for p in "()"):
        # Parentheses stay alone: " (3" and '"(3' share the tokens after the prefix, and "4)" ends
        # on the same ")" whether "?" or '"}}' follows it (a merged ')"}}' was never copied).
        return False
    return not (tb[:1].isalpha() and not any(c.isalnum() for c in ta))


def train_bpe(text, num_merges):
    """The fixture tokenizer's BPE training, with merge_allowed."""
    return train(text, num_merges, merge_allowed)


class CachedTokenizer(Tokenizer):
    """The fixture reference encoder with a per-piece cache (training encodes a lot of text)."""

    def __init__(self, merges):
        super().__init__(merges)
        self._cache = {}

    def _bpe(self, piece):
        ids = self._cache.get(piece)
        if ids is None:
            ids = self._cache[piece] = super()._bpe(piece)
        return list(ids)

    def id(self, token):
        return self.added[token]


def write_files(folder, tok):
    write_tokenizer(folder, tok, TEMPLATE)
