"""The held-out evaluation (evaluate.py) and the perplexity of its expected replies, with the
weights as the runtime holds them (f16) and quantized at load as the runtime's quantization 'q4'
does (tools/fixtures/quant_reference.py load_time_q4: every layer Linear and the tied
embedding / LM head, groups of G inputs), for each G given.

    /usr/bin/python3 tools/train/evaluate_q4.py [--per-kind N] [--groups 32,64,128] [--no-eval]

Perplexity: exp(mean NLL) of the expected reply tokens (each "exact" case's expected text after
its rendered prompt), teacher-forced.
"""

import argparse
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))

import torch  # noqa: E402

from chat_render import render  # noqa: E402
from evaluate import DEFAULT_FOLDER, build_cases, evaluate  # noqa: E402
from names import HELDOUT_NAME_SEED, heldout_names, training_names  # noqa: E402
from quant_reference import load_time_q4  # noqa: E402
from safetensors_reader import read_checkpoint  # noqa: E402


@torch.no_grad()
def perplexity(model, tok, per_kind):
    names = heldout_names(HELDOUT_NAME_SEED, 400, set(training_names()))
    nll, count = 0.0, 0
    for _, msgs, tools, expected, check in build_cases(per_kind, names):
        if check != "exact":
            continue
        prompt = render(msgs, tools, add_generation_prompt=True)
        ids = tok.encode(prompt + expected)
        start = len(tok.encode(prompt))
        assert ids[:start] == tok.encode(prompt)
        # Hidden states at positions 1 … T-2, predicting ids[2:]; the reply starts at `start`.
        h = model.forward_shared(torch.tensor(ids[:1]), torch.tensor([ids[1:-1]]))[0]
        logp = torch.log_softmax(model.logits(h).float(), dim=-1)
        targets = torch.tensor(ids[2:])
        picked = logp[torch.arange(len(targets)), targets][start - 2:]
        nll -= float(picked.sum())
        count += len(picked)
    return math.exp(nll / count), count


def main():
    from model import Qwen2
    from tokenizer_build import CachedTokenizer
    from train_config import model_config

    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", default=DEFAULT_FOLDER)
    ap.add_argument("--per-kind", type=int, default=50)
    ap.add_argument("--groups", default="32")
    ap.add_argument("--no-eval", action="store_true", help="perplexity only")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.folder, "tokenizer.json"), encoding="utf-8") as f:
        merges = [tuple(m.split(" ")) for m in json.load(f)["model"]["merges"]]
    tok = CachedTokenizer(merges)
    raw = read_checkpoint(args.folder)
    settings = [("f16", None)] + [("q4 G%d" % int(g), int(g)) for g in args.groups.split(",")]
    for label, group in settings:
        state = {k: (load_time_q4(v, group) if group and v.dim() == 2 else v.to(torch.float16).to(torch.float32))
                 for k, v in raw.items()}
        model = Qwen2(model_config(tok))
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not missing and not unexpected, (missing, unexpected)
        model.eval()
        ppl, tokens = perplexity(model, tok, args.per_kind)
        print("%-8s perplexity %.4f over %d reply tokens" % (label, ppl, tokens), flush=True)
        if args.no_eval:
            continue
        scores = evaluate(model, tok, args.per_kind, verbose=False)
        mean = sum(scores.values()) / len(scores)
        print("%-8s held-out exact match %.1f%% (%d kinds x %d), worst kind %.0f%%" % (
            label, 100 * mean, len(scores), args.per_kind, 100 * min(scores.values())), flush=True)


if __name__ == "__main__":
    main()
