"""The four demo tools (OpenAI function format), in the order the demo registers them.

These exact definitions are what the model saw in nearly every training sample; they are also
written next to the model as `tools.json` so a page can send them unchanged. Any subset (in this
order) is fine too: training covers subsets and refuses requests whose tool is missing.
They are `strict` (OpenAI's strict function calling, which the demo asks for); some training
settings drop it, so a page that does not ask for strict calls gets the same behaviour.
"""

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name, e.g. Paris"}},
                "required": ["city"],
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Get the current local time in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city name, e.g. Tokyo"}},
                "required": ["city"],
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "calculate",
            "description": "Evaluate an arithmetic expression.",
            "parameters": {
                "type": "object",
                "properties": {"expression": {"type": "string", "description": "The expression, e.g. 12 * 7"}},
                "required": ["expression"],
            },
            "strict": True,
        },
    },
    {
        "type": "function",
        "function": {
            "name": "set_theme",
            "description": "Switch the page between light and dark mode.",
            "parameters": {
                "type": "object",
                "properties": {"theme": {"type": "string", "enum": ["light", "dark"]}},
                "required": ["theme"],
            },
            "strict": True,
        },
    },
]

TOOL_NAMES = [t["function"]["name"] for t in TOOLS]


def tool_by_name(name):
    return next(t for t in TOOLS if t["function"]["name"] == name)


def as_template_tool(tool):
    """What the runtime (vLLM semantics) hands the template: description/parameters always present."""
    f = tool["function"]
    extra = {k: v for k, v in f.items() if k not in ("name", "description", "parameters")}
    return {
        "type": "function",
        "function": dict({"name": f["name"], "description": f.get("description"), "parameters": f.get("parameters")}, **extra),
    }
