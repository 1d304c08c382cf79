"""A short synthetic warm-up before the chats: copy a random token string seen earlier.

Copying a never-seen city name into the tool call needs an induction circuit (a head that marks
each token with its predecessor, and a head that finds "the token after the one I just wrote").
Trained from scratch on the chats alone, a model this small sits on a plateau for thousands of
steps before that circuit forms, and long contexts make the plateau longer. So training starts
with rows like

    filler A s1 s2 .. sk B filler C s1 s2 .. sk D

(A-D fixed marker tokens, s a random string of BPE tokens, loss on the second s1..sk and D), with
the filler growing from nothing to COPY_MAX_FILLER tokens. Once the circuit exists it carries
over to the chats; a copy batch every few chat steps keeps it while the chat format is learned.
The markers are control bytes that never occur in chat text.
"""

import itertools

import torch


def marker_ids(tok):
    # GPT-2's byte-to-unicode map sends control bytes 0x00-0x20 to U+0100-U+0120.
    return [tok.vocab[chr(0x100 + b)] for b in (1, 2, 3, 4)]


def copy_batches(tok, seed, ramp_steps, rows, max_filler):
    """Yields (prefix [1], inputs [B, S], labels [B, S]) forever; the filler grows over the first
    `ramp_steps` batches."""
    g = torch.Generator().manual_seed(seed)
    a, b, c, d = marker_ids(tok)
    markers = {a, b, c, d}
    prefix = torch.tensor([tok.id("<|endoftext|>")], dtype=torch.long)

    def rand(n):  # any BPE id but the markers
        return [i if i not in markers else i + 100 for i in torch.randint(0, tok.bpe_size, (n,), generator=g).tolist()]

    def below(n):
        return int(torch.randint(0, n, (1,), generator=g))

    for step in itertools.count():
        filler = int(max_filler * min(1.0, step / max(1, ramp_steps - 1)))
        seqs, targets = [], []
        for _ in range(rows):
            s = rand(2 + below(7))
            head = rand(below(filler + 1)) + [a] + s + [b] + rand(below(filler + 1)) + [c]
            seqs.append(head + s + [d])
            targets.append(len(head))  # positions >= this are copied tokens (and D)
        S = max(len(x) for x in seqs)
        inputs = torch.zeros(rows, S, dtype=torch.long)
        labels = torch.full((rows, S), -100, dtype=torch.long)
        for i, (x, start) in enumerate(zip(seqs, targets)):
            inputs[i, : len(x)] = torch.tensor(x)
            labels[i, start - 1 : len(x) - 1] = torch.tensor(x[start:])
        yield prefix, inputs, labels


def schedule(copy, chats, copy_steps, copy_every):
    """copy_steps copy batches, then chat batches with a copy batch after every copy_every - 1."""
    for _ in range(copy_steps):
        yield next(copy)
    for step in itertools.count():
        yield next(copy) if step % copy_every == copy_every - 1 else next(chats)
