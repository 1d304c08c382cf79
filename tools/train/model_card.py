"""The README.md written next to the model (a Hub-style model card)."""

CARD = """\
# tiny-tool-qwen

A {params:.1f}M-parameter Qwen2ForCausalLM trained from scratch on CPU for the demo page: it greets,
describes itself when asked ("Who are you?", "What can you do?", "help"), calls four tools in
Hermes format (`<tool_call>` JSON, Qwen2.5's chat template), and answers in one sentence from the
tool results. It knows nothing else. Reproduce with
`/usr/bin/python3 tools/train/train_tool_model.py` (see tools/train/README.md).

Shape: hidden {hidden}, {layers} layers, {heads} heads (head_dim {head_dim}), {kv_heads} KV heads,
MLP {intermediate}, vocab {vocab} ({tokenizer_size} tokenizer ids), RoPE theta {rope_theta:g},
tied embeddings, BF16. Trained {steps} steps ({minutes:.0f} min, {tokens:.1f}M tokens) on sequences up
to ~700 tokens; `max_position_embeddings` is {max_position_embeddings}.

## Tools

Send the definitions in `tools.json` (all four, or a subset in that order; with or without
`"strict": true`): `get_weather(city)`, `get_time(city)`, `calculate(expression)`,
`set_theme(theme: "light" | "dark")`. With no tools,
tool requests get a one-sentence refusal; with a subset it was only asked for offered tools (a
call to a missing one comes back from `runTools` as an error, answered "Sorry, something went
wrong."). The model copies the city or expression from the question into the call's arguments:
invented names and real ones (one to three words, accents: "São Paulo", "Zürich"), and
expressions with decimals and parentheses ("3.5 * (2 + 4)", "12*(3+4)"). It was trained on tool
results shaped like:

| tool | result it was trained on | reply |
|---|---|---|
| get_weather | `{{"city": "Paris", "temperature_c": 21, "condition": "sunny"}}` (extra keys are ignored) | `It is 21°C and sunny in Paris.` |
| get_time | `{{"city": "Paris", "time": "14:35"}}` | `It is 14:35 in Paris.` |
| calculate | `{{"result": 84}}` | `12 * 7 = 84.` |
| set_theme | `{{"theme": "dark"}}` | `Done! Switched to dark mode.` |
| any | `{{"error": "..."}}` | `Sorry, something went wrong.` |

Results were rendered both as `JSON.stringify` prints them and with Python's `", "`/`": "`
spacing. Numbers in results are copied digit by digit; keep them short (≤ 4 decimals).
"""


def model_card(c, n_params, steps, seconds, tokens):
    return CARD.format(params=n_params / 1e6, steps=steps, minutes=seconds / 60, tokens=tokens / 1e6, **c)
