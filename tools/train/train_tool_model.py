"""Train the tiny tool-calling Qwen2 model on CPU and write it to public/models/tiny-tool-qwen/.

    /usr/bin/python3 tools/train/train_tool_model.py            # the committed model
    /usr/bin/python3 tools/train/train_tool_model.py --steps 200 --out /tmp/tiny   # a quick try

Deterministic: fixed seeds, single-threaded. Steps: train the BPE on rendered demo chats, train
the model on freshly generated chats (loss on assistant tokens only), write the Hub folder and
tools/train/golden_renders.json, read the folder back, and run the held-out evaluation.
"""

import argparse
import hashlib
import json
import math
import os
import random
import sys
import time

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import train_config as C  # noqa: E402
from batches import BatchMaker  # noqa: E402
from chat_render import render  # noqa: E402
from copy_warmup import copy_batches, schedule  # noqa: E402
from conversations import ChatGenerator, openai_messages  # noqa: E402
from evaluate import evaluate  # noqa: E402
from export import load_weights, write_model  # noqa: E402
from model import Qwen2  # noqa: E402
from model_card import model_card  # noqa: E402
from names import CODAS, LETTERS, ONSETS, REAL_CITIES, TRAIN_NAME_SEED, TRAIN_POOL_SIZE, VOWELS, TrainingNames  # noqa: E402
from tokenizer_build import CachedTokenizer, train_bpe  # noqa: E402

GOLDEN = os.path.join(HERE, "golden_renders.json")


def build_tokenizer(names):
    from corpus import CORPUS  # the fixture tokenizer's English text

    gen = ChatGenerator(random.Random(C.TOKENIZER_SEED), names)
    texts = []
    for _ in range(C.TOKENIZER_CHATS):
        tools, system, offered = gen.setting()
        texts.append(render(gen.chat(offered, system), tools))
    return CachedTokenizer(train_bpe(CORPUS + "".join(texts), C.NUM_MERGES))


def lr_at(step, steps):
    if step < C.WARMUP:
        return C.LR * (step + 1) / C.WARMUP
    t = (step - C.WARMUP) / max(1, steps - C.WARMUP)
    return C.LR * (C.MIN_LR_FRACTION + (1 - C.MIN_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * t)))


def train(model, batches, steps, phase_change, probe=None):
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": C.WEIGHT_DECAY}, {"params": other, "weight_decay": 0.0}],
                            lr=C.LR, betas=C.BETAS)
    model.train()
    start = time.time()
    tokens = targets = 0
    running = None
    for step in range(steps):
        prefix, inputs, labels = next(batches)
        for g in opt.param_groups:
            g["lr"] = lr_at(step, steps)
        keep = labels >= 0
        with torch.autocast("cpu", dtype=torch.bfloat16):  # oneDNN bf16 matmuls; norms/softmax in f32
            h = model.forward_shared(prefix, inputs)
            logits = model.logits(h[keep])
        loss = F.cross_entropy(logits.float(), labels[keep])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), C.GRAD_CLIP)
        opt.step()
        tokens += inputs.numel() + prefix.numel()
        targets += int(keep.sum())
        running = float(loss) if running is None else 0.95 * running + 0.05 * float(loss)
        if step % 50 == 0 or step == steps - 1 or step == phase_change:
            el = time.time() - start
            print("step %5d  loss %.4f  lr %.2e  rows %2d x %3d + prefix %3d  %.0f tok/s  %.0fs" % (
                step, running, lr_at(step, steps), inputs.shape[0], inputs.shape[1], prefix.numel(), tokens / el, el),
                flush=True)
        if probe is not None and step % 250 == 249 and step > phase_change:
            t = time.time()
            model.eval()
            print("  probe: %s" % probe(model), flush=True)
            model.train()
            start += time.time() - t  # probes do not count as training time
    return time.time() - start, tokens, targets


def write_golden(tok, names, path):
    """Rendered chats and their ids, for the runtime test to compare its template and tokenizer."""
    gen = ChatGenerator(random.Random(C.SEED + 1), names)
    cases = []
    kinds = ["greeting", "weather1", "weather2", "time1", "time2", "weather_time", "calc", "theme", "offtopic"]
    while len(cases) < 40:
        tools, system, offered = gen.setting()
        kind = kinds[len(cases) % len(kinds)]
        msgs = gen.chat(offered, system, kind=kind, history=1 if len(cases) % 4 == 0 else 0)
        text = render(msgs, tools)
        cases.append({"messages": openai_messages(msgs), "tools": tools, "text": text, "ids": tok.encode(text)})
    from tokenizer_cases import TOKENIZER_TEXTS  # the fixture tokenizer's edge cases (unicode, emoji, ...)
    texts = [{"text": t, "ids": tok.encode(t)} for t in TOKENIZER_TEXTS]
    name_meta = {
        "seed": TRAIN_NAME_SEED, "pool_size": TRAIN_POOL_SIZE,
        "pool_sha256": hashlib.sha256("\n".join(names.pool).encode("utf-8")).hexdigest(),
        "onsets": ONSETS, "vowels": VOWELS, "codas": CODAS, "letters": LETTERS, "real_cities": REAL_CITIES,
        "accented": names.accented,
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"training_names": name_meta, "chats": cases, "texts": texts}, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=C.STEPS)
    ap.add_argument("--out", default=C.OUT_FOLDER)
    ap.add_argument("--eval-per-kind", type=int, default=50)
    ap.add_argument("--probe", action="store_true", help="small evaluation every 250 steps (not counted in the training time)")
    args = ap.parse_args()

    t0 = time.time()
    torch.set_num_threads(C.THREADS)
    torch.manual_seed(C.SEED)
    names = TrainingNames()
    tok = build_tokenizer(names)
    print("tokenizer: %d BPE + %d added = %d ids (%.0fs)" % (tok.bpe_size, len(tok.added), tok.size, time.time() - t0))

    cfg = C.model_config(tok)
    model = Qwen2(cfg)
    model.reset_parameters(C.INIT_STD)
    model.install_previous_token_heads()
    n_params = sum(p.numel() for p in model.parameters())
    print("model: %s, %.2fM parameters" % (json.dumps(cfg), n_params / 1e6))
    maker = BatchMaker(tok, ChatGenerator(random.Random(C.SEED), names), C.CHATS_PER_SETTING, C.TOKEN_BUDGET)
    probe = None
    if args.probe:
        def probe(m):
            scores = evaluate(m, tok, 4, verbose=False)
            return " ".join("%s %.0f%%" % (k.replace(" ", "_"), 100 * v) for k, v in scores.items())
    steps = C.COPY_STEPS + args.steps
    copy = copy_batches(tok, C.SEED, C.COPY_STEPS, C.COPY_ROWS, C.COPY_MAX_FILLER)
    batches = schedule(copy, maker.batches(C.SHORT_CHAT_STEPS), C.COPY_STEPS, C.COPY_EVERY)
    seconds, tokens, targets = train(model, batches, steps, C.COPY_STEPS, probe)
    print("training: %d steps (%d copy warm-up, then %d chat steps with a copy step every %d), %.1f min, "
          "%d tokens (%d with loss)" % (steps, C.COPY_STEPS, args.steps, C.COPY_EVERY, seconds / 60, tokens, targets))

    card = model_card(cfg, n_params, steps, seconds, tokens)
    write_model(args.out, model, tok, card)
    if os.path.normpath(args.out) == C.OUT_FOLDER:
        write_golden(tok, names, GOLDEN)
    sizes = {f: os.path.getsize(os.path.join(args.out, f)) for f in sorted(os.listdir(args.out))}
    print("wrote %s: %s" % (args.out, ", ".join("%s %d" % kv for kv in sizes.items())))

    reloaded = load_weights(Qwen2(cfg), args.out)
    te = time.time()
    scores = evaluate(reloaded, tok, args.eval_per_kind)
    print("evaluation: %.1f%% mean over %d kinds (%.0fs); total %.1f min" % (
        100 * sum(scores.values()) / len(scores), len(scores), time.time() - te, (time.time() - t0) / 60))


if __name__ == "__main__":
    main()
