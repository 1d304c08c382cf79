"""Training batches: token ids and loss masks for chats that share one system prefix.

Each batch is one setting (tools offered, system message): its rendered system block is the
shared prefix, and the rest of each chat is a padded row. Loss is on assistant tokens only (the
reply or tool calls and the closing <|im_end|>). Rows are grouped by length under a token budget
so little compute goes to padding.
"""

import torch

from chat_render import render_chunks


class BatchMaker:
    def __init__(self, tok, gen, chats_per_setting=48, token_budget=4096):
        self.tok = tok
        self.gen = gen
        self.chats_per_setting = chats_per_setting
        self.token_budget = token_budget
        self.checked = 0

    def encode_chat(self, msgs, tools):
        """(prefix ids, suffix ids, suffix target flags): prefix is the system block."""
        chunks = render_chunks(msgs, tools)
        head, first_target = chunks[0]
        assert not first_target
        cut = head.index("<|im_end|>\n") + len("<|im_end|>\n")
        prefix = self.tok.encode(head[:cut])
        suffix, target = [], []
        pieces = [(head[cut:], False)] + chunks[1:]
        for text, is_target in pieces:
            ids = self.tok.encode(text)
            suffix += ids
            target += [is_target] * len(ids)
        if self.checked < 200:  # chunk-wise encoding must equal encoding the whole text
            self.checked += 1
            full = "".join(t for t, _ in chunks)
            assert self.tok.encode(full) == prefix + suffix, "chunk boundary changed tokenization"
        return prefix, suffix, target

    def batches(self, short_steps=0):
        """Yields (prefix [P], inputs [B, S], labels [B, S] with -100 where no loss). The first
        `short_steps` batches are short chats without the tools block."""
        made = 0
        while True:
            tools, system, offered = self.gen.setting(short=made < short_steps)
            rows = []
            prefix = None
            for _ in range(self.chats_per_setting):
                p, s, t = self.encode_chat(self.gen.chat(offered, system), tools)
                assert prefix is None or p == prefix
                prefix = p
                rows.append((s, t))
            rows.sort(key=lambda r: len(r[0]))
            group = []
            for row in rows:
                if group and (len(group) + 1) * len(row[0]) > self.token_budget:
                    made += 1
                    yield make_tensors(prefix, group)
                    group = []
                group.append(row)
            if group:
                made += 1
                yield make_tensors(prefix, group)


def make_tensors(prefix, rows):
    S = max(len(s) for s, _ in rows)
    inputs = torch.zeros(len(rows), S, dtype=torch.long)
    labels = torch.full((len(rows), S), -100, dtype=torch.long)
    for i, (s, t) in enumerate(rows):
        inputs[i, : len(s)] = torch.tensor(s)
        # Position j predicts token j + 1; the first suffix token (<|im_start|>) is never a target.
        for j in range(len(s) - 1):
            if t[j + 1]:
                labels[i, j] = s[j + 1]
    return torch.tensor(prefix, dtype=torch.long), inputs, labels
