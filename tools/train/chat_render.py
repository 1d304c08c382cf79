"""Qwen2.5's chat template (tools/fixtures/templates/qwen2.5.jinja), written out by hand.

There is no jinja2 here. This covers what the training data uses: an optional leading system
message, user / assistant / tool messages, assistant messages with either content or tool calls,
the `# Tools` block, and add_generation_prompt. `tojson` is transformers' json.dumps with
ensure_ascii=False and default separators.

`render_chunks` returns [(text, is_target)]: the concatenated text is exactly the template's
output; target chunks are what the assistant generates (content or tool calls, then <|im_end|>).
"""

import json

DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def tojson(value):
    return json.dumps(value, ensure_ascii=False)


def _system_chunks(messages, tools):
    first_is_system = bool(messages) and messages[0]["role"] == "system"
    system = messages[0]["content"] if first_is_system else DEFAULT_SYSTEM
    if tools:
        text = "<|im_start|>system\n" + system
        text += (
            "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
        )
        for tool in tools:
            text += "\n" + tojson(tool)
        text += (
            "\n</tools>\n\nFor each function call, return a json object with function name and "
            "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n'
        )
        return text
    return "<|im_start|>system\n" + system + "<|im_end|>\n"


def tool_call_text(call):
    """One rendered call, as the template writes it (and as the model must generate it)."""
    return '<tool_call>\n{"name": "' + call["name"] + '", "arguments": ' + tojson(call["arguments"]) + "}\n</tool_call>"


def render_chunks(messages, tools=None, add_generation_prompt=False):
    """tools: list of tool dicts as the template receives them (see tool_specs.as_template_tool)."""
    chunks = [(_system_chunks(messages, tools), False)]
    for i, m in enumerate(messages):
        role = m["role"]
        if role == "system" and i == 0:
            continue
        if role in ("user", "system") or (role == "assistant" and not m.get("tool_calls")):
            if role == "assistant":
                chunks.append(("<|im_start|>assistant\n", False))
                chunks.append((m["content"] + "<|im_end|>", True))
                chunks.append(("\n", False))
            else:
                chunks.append(("<|im_start|>" + role + "\n" + m["content"] + "<|im_end|>\n", False))
        elif role == "assistant":
            if m.get("content"):
                raise ValueError("content beside tool calls is not used in training")
            # '<|im_start|>assistant' + ('\n<tool_call>...</tool_call>')* + '<|im_end|>\n'
            chunks.append(("<|im_start|>assistant\n", False))
            body = "\n".join(tool_call_text(c) for c in m["tool_calls"])
            chunks.append((body + "<|im_end|>", True))
            chunks.append(("\n", False))
        elif role == "tool":
            text = ""
            if i == 0 or messages[i - 1]["role"] != "tool":
                text += "<|im_start|>user"
            text += "\n<tool_response>\n" + m["content"] + "\n</tool_response>"
            if i == len(messages) - 1 or messages[i + 1]["role"] != "tool":
                text += "<|im_end|>\n"
            chunks.append((text, False))
        else:
            raise ValueError("unexpected role %r" % role)
    if add_generation_prompt:
        chunks.append(("<|im_start|>assistant\n", False))
    # Merge neighbours with the same flag so chunk boundaries are only at target edges.
    merged = []
    for text, target in chunks:
        if merged and merged[-1][1] == target:
            merged[-1] = (merged[-1][0] + text, target)
        else:
            merged.append((text, target))
    return merged


def render(messages, tools=None, add_generation_prompt=False):
    return "".join(t for t, _ in render_chunks(messages, tools, add_generation_prompt))
