"""Greedy-decoding checks of the written model on city names it never saw in training.

    /usr/bin/python3 tools/train/evaluate.py [--per-kind 50]

Reads the folder back from disk (weights rounded to f16 as the runtime holds them, f32 math),
renders each prompt with the Qwen2.5 template and the four demo tools, decodes until <|im_end|>,
and compares with the exact expected text. Prints one line per kind and a few failures.
"""

import argparse
import json
import os
import random
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

from chat_render import render, tool_call_text  # noqa: E402
from conversations import CALC, GREETINGS, HELP, TIME_1, WEATHER_1, ChatGenerator, assistant_msg, dumps, user_msg  # noqa: E402
from names import HELDOUT_NAME_SEED, HELDOUT_REAL_CITIES, REAL_CITIES, heldout_names, training_names  # noqa: E402
from tool_specs import TOOLS, as_template_tool  # noqa: E402

DEFAULT_FOLDER = os.path.normpath(os.path.join(HERE, "..", "..", "public", "models", "tiny-tool-qwen"))
EVAL_SEED = 4242
DEFAULT_TOOLS = [as_template_tool(t) for t in TOOLS]

# Phrasings not in the training lists: does the call survive new wording?
NEW_WEATHER = [
    "Any idea what the weather is doing in {X}?", "Weather report for {X}, please.",
    "Is it hot in {X} this afternoon?", "I wonder how the weather is in {X}.",
    "Could you look up the weather in {X} for me?",
]
NEW_GREETINGS = ["Hello again!", "Hi friend", "Good day", "Hey hey", "Hi there, nice to meet you"]
NEW_HELP = ["Who are you, and what are you for?", "What can this demo do?", "Please introduce yourself.",
            "What are your abilities?", "Hey, what can you help with?"]
# What a newcomer types first in the demo page (its suggestion chips and the examples).
DEMO_CITIES = ["Paris", "Tokyo", "New York", "São Paulo", "London", "Zürich", "Mexico City", "Reykjavík"]
DEMO_PROMPTS = [
    ("What's the weather in Paris?", [("get_weather", {"city": "Paris"}, None)]),
    ("What's the weather in São Paulo?", [("get_weather", {"city": "São Paulo"}, None)]),
    ("What's the weather in New York?", [("get_weather", {"city": "New York"}, None)]),
    ("What time is it in Tokyo?", [("get_time", {"city": "Tokyo"}, None)]),
    ("Calculate 12*(3+4)", [("calculate", {"expression": "12*(3+4)"}, None)]),
    ("What is 3.5 * (2 + 4)?", [("calculate", {"expression": "3.5 * (2 + 4)"}, None)]),
    ("Switch to dark mode", [("set_theme", {"theme": "dark"}, None)]),
]


class Decoder:
    """Greedy decoding with the system block's KV computed once per tool set."""

    def __init__(self, model, tok):
        self.model, self.tok = model, tok
        self.im_end = tok.id("<|im_end|>")
        self.stop = {self.im_end, tok.id("<|endoftext|>")}
        self.prefix = {}

    def reply(self, msgs, tools=DEFAULT_TOOLS, max_tokens=80):
        text = render(msgs, tools, add_generation_prompt=True)
        cut = text.index("<|im_end|>\n") + len("<|im_end|>\n")
        key = text[:cut]
        if key not in self.prefix:
            ids = self.tok.encode(key)
            cache = []
            self.model.step(torch.tensor(ids, dtype=torch.long), cache)
            self.prefix[key] = (ids, cache)
        ids, cache = self.prefix[key]
        rest = self.tok.encode(text[cut:])
        assert self.tok.encode(text) == ids + rest
        out = self.model.generate(rest, self.stop, max_tokens, cache=cache)
        return self.tok.decode(out)


def calls_text(calls):
    return "\n".join(tool_call_text({"name": n, "arguments": a}) for n, a, _ in calls) + "<|im_end|>"


def after_results(user, calls):
    msgs = [user_msg(user), {"role": "assistant", "content": None,
                             "tool_calls": [{"name": n, "arguments": a} for n, a, _ in calls]}]
    return msgs + [{"role": "tool", "content": dumps(r, True)} for _, _, r in calls]


def build_cases(per_kind, names, tools=None):
    ALL_TOOLS = tools or DEFAULT_TOOLS
    gen = ChatGenerator(random.Random(EVAL_SEED), names)
    r = gen.rng
    train = training_names()
    heldout_real = [c for c in HELDOUT_REAL_CITIES if c not in train]
    cases = []  # (kind, messages, tools, expected, check)
    for user, calls in DEMO_PROMPTS:
        cases.append(("demo prompts", [user_msg(user)], ALL_TOOLS, calls_text(calls), "exact"))
    for i in range(per_kind):
        g = GREETINGS[i % len(GREETINGS)] if i % 3 else NEW_GREETINGS[i % len(NEW_GREETINGS)]
        cases.append(("greeting", [user_msg(g)], ALL_TOOLS, None, "short_text"))
        cases.append(("greeting, no tools", [user_msg(g)], None, None, "short_text"))
        for kind in ("weather1", "weather2", "time1", "time2", "weather_time", "calc", "theme"):
            user, calls, answer = gen._plan(kind)
            cases.append((kind + " call", [user_msg(user)], ALL_TOOLS, calls_text(calls), "exact"))
            cases.append((kind + " answer", after_results(user, calls), ALL_TOOLS, answer + "<|im_end|>", "exact"))
        x = gen.name()
        user = r.choice(NEW_WEATHER).format(X=x)
        cases.append(("weather1 call, new wording", [user_msg(user)], ALL_TOOLS,
                      calls_text([("get_weather", {"city": x}, None)]), "exact"))
        user, _, _ = gen._plan("weather1")
        cases.append(("weather1 with no tools: refusal", [user_msg(user)], None,
                      "Sorry, I can't check the weather right now.<|im_end|>", "exact"))
        user, calls, _ = gen._plan("weather1")
        some = [t for t in ALL_TOOLS if t["function"]["name"] in ("get_weather", "set_theme")]
        cases.append(("weather1 call, two tools offered", [user_msg(user)], some, calls_text(calls), "exact"))
        # A second question after a finished exchange: calls for the new city, not the old one.
        user1, calls1, answer1 = gen._plan("weather1")
        user2, calls2, _ = gen._plan("weather1")
        history = after_results(user1, calls1) + [assistant_msg(answer1), user_msg(user2)]
        cases.append(("weather1 call, second turn", history, ALL_TOOLS, calls_text(calls2), "exact"))
        # Real cities: the demo's own examples and trained ones, then ones never trained on.
        city = DEMO_CITIES[i % len(DEMO_CITIES)] if i % 2 == 0 else r.choice(REAL_CITIES)
        cases.append(("weather1 call, real city", [user_msg(r.choice(WEATHER_1).format(X=city))], ALL_TOOLS,
                      calls_text([("get_weather", {"city": city}, None)]), "exact"))
        cases.append(("time1 call, real city", [user_msg(r.choice(TIME_1).format(X=city))], ALL_TOOLS,
                      calls_text([("get_time", {"city": city}, None)]), "exact"))
        city = heldout_real[i % len(heldout_real)]
        cases.append(("weather1 call, held-out real city", [user_msg(r.choice(WEATHER_1).format(X=city))], ALL_TOOLS,
                      calls_text([("get_weather", {"city": city}, None)]), "exact"))
        w = gen.weather(city)
        calls = [("get_weather", {"city": city}, w)]
        user = r.choice(WEATHER_1).format(X=city)
        cases.append(("weather1 answer, held-out real city", after_results(user, calls), ALL_TOOLS,
                      "It is %d°C and %s in %s.<|im_end|>" % (w["temperature_c"], w["condition"], city), "exact"))
        while True:  # an expression with parentheses or decimals
            typed, expr, value = gen.expression()
            if "(" in expr or "." in expr:
                break
        cases.append(("calc call, parentheses or decimals", [user_msg(r.choice(CALC).format(E=typed))], ALL_TOOLS,
                      calls_text([("calculate", {"expression": expr}, None)]), "exact"))
        question = HELP[i % len(HELP)] if i % 3 else NEW_HELP[i % len(NEW_HELP)]
        cases.append(("who are you / help", [user_msg(question)], ALL_TOOLS, None, "self_description"))
    return cases


def passes(check, expected, got):
    if check == "exact":
        return got == expected
    if check == "self_description":  # no call; names the weather, the time, math and the theme
        low = got.lower()
        return (got.endswith("<|im_end|>") and "<tool_call>" not in got
                and all(w in low for w in ("weather", "time", "math")) and ("theme" in low or "dark mode" in low))
    # short_text: a sentence, no tool call, ends the turn
    return got.endswith("<|im_end|>") and "<tool_call>" not in got and 0 < len(got) - 10 <= 100


def evaluate(model, tok, per_kind=50, verbose=True, tools=None):
    model.eval()
    train = training_names()
    names = heldout_names(HELDOUT_NAME_SEED, 400, train)
    assert not (set(names) & train)
    dec = Decoder(model, tok)
    results = {}
    failures = {}
    for kind, msgs, case_tools, expected, check in build_cases(per_kind, names, tools):
        got = dec.reply(msgs, case_tools)
        ok = passes(check, expected, got)
        n, k = results.get(kind, (0, 0))
        results[kind] = (n + 1, k + ok)
        if not ok:
            failures.setdefault(kind, []).append((msgs[-1]["content"], expected, got))
    if verbose:
        for kind, (n, k) in results.items():
            print("  %-36s %3d/%-3d %5.1f%%" % (kind, k, n, 100.0 * k / n))
        for kind, fails in failures.items():
            for user, expected, got in fails[:3]:
                print("  FAIL %s: %r\n       expected %r\n       got      %r" % (kind, user, expected, got))
    return {k: v[1] / v[0] for k, v in results.items()}


def main():
    from export import load_weights
    from model import Qwen2
    from train_config import model_config
    from tokenizer_build import CachedTokenizer

    ap = argparse.ArgumentParser()
    ap.add_argument("--folder", default=DEFAULT_FOLDER)
    ap.add_argument("--per-kind", type=int, default=50)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with open(os.path.join(args.folder, "tokenizer.json"), encoding="utf-8") as f:
        merges = [tuple(m.split(" ")) for m in json.load(f)["model"]["merges"]]
    tok = CachedTokenizer(merges)
    model = load_weights(Qwen2(model_config(tok)), args.folder)
    evaluate(model, tok, args.per_kind, tools=folder_tools(args.folder))


def folder_tools(folder):
    """The tool definitions a model folder ships (tools.json), as the runtime hands them to the
    template: each model is evaluated with the tools it documents."""
    with open(os.path.join(folder, "tools.json"), encoding="utf-8") as f:
        return [as_template_tool(t) for t in json.load(f)]


if __name__ == "__main__":
    main()
