"""Synthetic chats for the demo tools, as OpenAI-shaped message lists (deterministic given an rng).

A *setting* is what the page sends around the chat (which tools, which system message); every
chat in a training batch shares one setting so the model sees one system prefix per batch.

Kinds of chat: greetings / thanks / goodbyes / help / off-topic requests answered in one
sentence; weather, time (one or two cities, or both for one city), arithmetic and theme
requests answered with hermes tool calls, the tool results, then one sentence that repeats the
results verbatim; with no tools offered, tool requests get a one-sentence refusal (with some
tools offered, only those are asked for). Some chats start with one or two earlier exchanges.
"""

import json

from tool_specs import TOOLS, TOOL_NAMES, as_template_tool

GREETINGS = [
    "Hi", "Hi!", "Hello", "Hello!", "Hey", "Hey!", "Hey there", "Hello there!", "Hi there!",
    "Good morning", "Good morning!", "Good afternoon", "Good afternoon!", "Good evening",
    "Good evening!", "Greetings", "Howdy", "Yo", "hi", "hello", "hey", "Hiya", "Morning!",
    "Hi, how are you?", "Hello, how are you doing?", "How are you?", "How are you today?",
    "hi there", "Hello :)", "Hey, how's it going?",
]
THANKS = ["Thanks!", "Thank you!", "Thanks a lot", "Great, thanks!", "Thank you very much.",
          "Cool, thanks", "Perfect, thank you!", "thanks", "Nice, thanks!", "Awesome, thank you."]
BYES = ["Bye", "Bye!", "Goodbye!", "See you later", "Good night!", "bye", "See you!"]
HELP = [
    "What can you do?", "Help", "What are you?", "Who are you?", "What can you help me with?",
    "help", "What do you do?", "Who are you and what can you do?", "Hi! Who are you?",
    "Hello! What can you do?", "What tools do you have?", "Tell me about yourself.",
    "Introduce yourself", "What is this?", "How does this work?", "What can I ask you?",
    "Can you help me?", "What are you able to do?", "help me", "What kind of model are you?",
    "Are you a robot?", "What's your name?", "Who made you?", "How can you help?",
    "What do you know?", "Help!", "What should I ask you?", "Which tools can you use?",
    "Who am I talking to?", "Hey, who are you?", "what can you do", "who are you",
    "Hi, what can you do for me?", "What are you good at?", "Are you an AI?",
]
OFFTOPIC = [
    "Tell me a joke", "Write a poem about the sea", "What is the capital of France?",
    "Who won the game last night?", "Translate hello into Spanish", "Can you write some code?",
    "What's your favorite color?", "Explain quantum physics", "Recommend a good book",
    "What is the meaning of life?", "Sing me a song", "Tell me a story about a dragon.",
    "How do I bake bread?", "What should I eat for dinner?", "Play some music",
]
CAN_DO = "I can check the weather and the time, do math and switch the theme."
# A self-description that names every tool (the weather is simulated by the demo page).
REPLY_HELP = ("I'm a tiny demo model running in your browser. I can check the weather (simulated) "
              "and the time in a city, do math and switch between light and dark mode.")
REPLY_OFFTOPIC = "Sorry, I can't help with that. " + CAN_DO
REPLY_THANKS = "You're welcome!"
REPLY_BYE = "Goodbye! Have a nice day."

WEATHER_1 = [
    "What's the weather in {X}?", "What is the weather in {X}?", "What's the weather like in {X}?",
    "How is the weather in {X}?", "How's the weather in {X} today?", "Weather in {X}?",
    "weather in {X}", "Tell me the weather in {X}.", "What's the weather in {X} right now?",
    "Is it raining in {X}?", "Is it sunny in {X}?", "What's the temperature in {X}?",
    "How warm is it in {X}?", "How cold is it in {X}?", "Do I need an umbrella in {X}?",
    "Check the weather in {X}, please.", "Can you check the weather in {X}?",
    "Could you tell me the weather for {X}?", "{X} weather", "Weather for {X} please",
    "What's it like outside in {X}?", "I'm going to {X}. What's the weather there?",
    "What's the forecast for {X}?", "Hi! What's the weather in {X}?", "what's the weather in {X}",
    "Please get the weather in {X}.", "How hot is it in {X}?", "Is it cold in {X} today?",
    "What's the weather in {X} now?", "How's the weather in {X} at the moment?",
    "Will it rain in {X} tonight?", "Is it windy in {X} this evening?", "Weather in {X} tomorrow?",
    "Is it nice out in {X} this morning?",
]
WEATHER_2 = [
    "What's the weather in {X} and {Y}?", "Weather in {X} and {Y}?", "How is the weather in {X} and in {Y}?",
    "Compare the weather in {X} and {Y}.", "Tell me the weather in {X} and {Y}.",
    "What's the temperature in {X} and {Y}?", "Is it warmer in {X} or {Y}?",
    "Check the weather for {X} and {Y}, please.", "What's the weather like in {X}, and in {Y}?",
    "weather in {X} and {Y}", "What is the weather in {X} and {Y} today?",
]
TIME_1 = [
    "What time is it in {X}?", "What's the time in {X}?", "What is the local time in {X}?",
    "Time in {X}?", "time in {X}", "Tell me the time in {X}.", "What's the current time in {X}?",
    "Can you tell me what time it is in {X}?", "Do you know the time in {X}?",
    "What hour is it in {X}?", "Is it late in {X}?", "Current time in {X}, please.",
    "what time is it in {X}", "Could you check the time in {X}?", "What time is it in {X} now?",
    "What's the time in {X} at the moment?",
]
TIME_2 = [
    "What time is it in {X} and {Y}?", "Time in {X} and {Y}?", "What's the time in {X} and in {Y}?",
    "Tell me the local time in {X} and {Y}.", "What's the current time in {X} and {Y}?",
]
WEATHER_TIME = [
    "What's the weather and the time in {X}?", "Tell me the weather and time in {X}.",
    "Weather and time in {X}?", "What's the weather in {X}, and what time is it there?",
]
CALC = [
    "What is {E}?", "What's {E}?", "Calculate {E}", "Calculate {E}.", "Compute {E}",
    "How much is {E}?", "{E} = ?", "{E}=?", "{E}?", "Can you calculate {E}?", "Please compute {E}",
    "Solve {E}", "what is {E}", "What does {E} equal?", "Work out {E} for me.",
]
THEME = [
    "Switch to {T} mode", "Switch to {T} mode.", "Enable {T} mode", "Turn on {T} mode",
    "Use the {T} theme", "Change the theme to {T}", "Set the theme to {T}.", "{T} mode please",
    "Make it {T}", "Switch to the {T} theme.", "Can you turn on {T} mode?", "I want {T} mode",
    "Please use {T} mode.", "{Tc} mode!", "{Tc} theme, please.", "switch to {T} mode",
    "Could you switch the page to {T} mode?", "Go {T}",
]
CONDITIONS = [
    "sunny", "cloudy", "rainy", "windy", "snowy", "foggy", "clear", "stormy", "partly cloudy",
    "overcast", "light rain", "heavy rain", "drizzle", "hazy", "humid", "showers", "thunderstorms",
    "mostly sunny", "freezing", "mild", "light snow", "sleet", "breezy", "warm", "chilly",
    "scattered clouds", "misty", "icy", "hot", "cool", "dry", "gusty", "bright", "calm", "hail",
    "sunny intervals", "clear skies", "very hot", "cold", "blizzard",
]
ERRORS = ["city not found", "service unavailable", "timeout", "unknown city", "network error"]
REFUSALS = {
    "get_weather": "Sorry, I can't check the weather right now.",
    "get_time": "Sorry, I can't check the time right now.",
    "calculate": "Sorry, I can't do calculations right now.",
    "set_theme": "Sorry, I can't change the theme right now.",
}
SYSTEMS = ["You are a helpful assistant.", "You are a friendly assistant in a web page demo.",
           "Answer briefly."]

# (kind, weight, tools it needs)
KINDS = [
    ("greeting", 9, ()), ("thanks", 2, ()), ("bye", 1, ()), ("help", 6, ()), ("offtopic", 3, ()),
    ("weather1", 24, ("get_weather",)), ("weather2", 13, ("get_weather",)),
    ("time1", 11, ("get_time",)), ("time2", 4, ("get_time",)),
    ("weather_time", 3, ("get_weather", "get_time")),
    ("calc", 16, ("calculate",)), ("theme", 8, ("set_theme",)),
]


def dumps(value, compact):
    """JSON text of a tool result: JSON.stringify style (what runTools sends) or Python style."""
    if compact:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False)


def js_number(x):
    """A number as JavaScript would hold it: integral floats become ints."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


class ChatGenerator:
    def __init__(self, rng, names):
        self.rng = rng
        self.names = names

    # ---- settings -----------------------------------------------------------------------------

    def setting(self, short=False):
        """(template tools or None, leading system message or None, set of offered tool names).

        short: no tools block, yet every tool is usable (training's short-context start only).
        """
        r = self.rng
        if short:
            return None, None, set(TOOL_NAMES)
        u = r.random()
        if u < 0.70:
            offered = list(TOOL_NAMES)
        elif u < 0.87:
            while True:
                offered = [n for n in TOOL_NAMES if r.random() < 0.5]
                if 0 < len(offered) < len(TOOL_NAMES):
                    break
        else:
            offered = []
        system = r.choice(SYSTEMS) if r.random() < 0.15 else None
        tools = [as_template_tool(t) for t in TOOLS if t["function"]["name"] in offered] or None
        if tools is not None and r.random() < 0.15:
            tools = [self._perturbed(t) for t in tools]
        return tools, system, set(offered)

    def _perturbed(self, tool):
        """Same name and parameters, other wording: so a page's own descriptions do not derail it."""
        r = self.rng
        t = json.loads(json.dumps(tool))
        f = t["function"]
        if r.random() < 0.5:
            f["description"] = r.choice([
                "Returns data for the demo.", "A tool.", "Look it up.", "Call this tool when the user asks for it.",
                f["name"].replace("_", " ").capitalize() + ".",
            ])
        for p in f["parameters"]["properties"].values():
            if r.random() < 0.5:
                p.pop("description", None)
        if r.random() < 0.5:  # pages that do not ask for strict calls
            f.pop("strict", None)
        return t

    # ---- pieces -------------------------------------------------------------------------------

    def name(self):
        draw = getattr(self.names, "draw", None)  # training's mix of real, accented and invented names
        return draw(self.rng) if draw else self.rng.choice(self.names)

    def two_names(self):
        x = self.name()
        while True:
            y = self.name()
            if y != x:
                return x, y

    def weather(self, city):
        r = self.rng
        result = {"city": city, "temperature_c": r.randint(-15, 40), "condition": r.choice(CONDITIONS)}
        if r.random() < 0.2:
            result["humidity_pct"] = r.randint(10, 99)
        if r.random() < 0.1:
            result["wind_kph"] = r.randint(0, 60)
        return result

    def clock(self, city):
        return {"city": city, "time": "%02d:%02d" % (self.rng.randint(0, 23), self.rng.randint(0, 59))}

    def expression(self):
        """(text the user types, expression the call carries, result).

        Integers and decimals; two or three operands, parentheses on either side or both
        ("(3 + 4) * 2", "12*(3+4)", "(1.5 + 2) / (4 - 1)"); spaced, compact or mixed spacing.
        """
        r = self.rng

        def num():
            u = r.random()
            if u < 0.15:  # a decimal: 0.5, 3.25, 12.75
                whole = r.randint(0, 9) if r.random() < 0.6 else r.randint(10, 99)
                return "%d.%s" % (whole, str(r.randint(1, 99)).rstrip("0") if r.random() < 0.5 else r.randint(1, 9))
            return str(r.randint(0, 9) if u < 0.4 else r.randint(10, 99) if u < 0.85 else r.randint(100, 999))

        ops = ["+", "-", "*", "/"]
        while True:
            a, b, c, d = num(), num(), num(), num()
            o1, o2, o3 = r.choice(ops), r.choice(ops), r.choice(ops)
            u = r.random()
            if u < 0.5:
                tree, words_ok = [a, o1, b], True
            elif u < 0.65:
                tree, words_ok = [a, o1, b, o2, c], True
            elif u < 0.8:
                tree, words_ok = [["(", a, o1, b, ")"], o2, c], False
            elif u < 0.93:
                tree, words_ok = [a, o1, ["(", b, o2, c, ")"]], False
            else:
                tree, words_ok = [["(", a, o1, b, ")"], o2, ["(", c, o3, d, ")"]], False
            style = r.random()
            expr = render_expression(tree, "spaced" if style < 0.6 else "compact" if style < 0.85 else "mixed")
            try:
                value = eval(expr)  # digits, decimals, + - * / and parentheses only
            except ZeroDivisionError:
                continue
            if abs(value) < 1e6:
                break
        value = js_number(round(value, 4) if isinstance(value, float) else value)
        typed = expr
        if words_ok and style < 0.6 and r.random() < 0.15:
            words = {"+": "plus", "-": "minus", "*": "times", "/": "divided by"}
            typed = " ".join(words.get(p, p) for p in expr.split(" "))
        return typed, expr, value

    # ---- exchanges ----------------------------------------------------------------------------

    def exchange(self, offered, kind=None):
        """Messages of one user turn and everything the assistant and tools say after it."""
        r = self.rng
        if kind is None:
            # With no tools at all, tool requests (refused) come less often; with some tools,
            # only requests for offered ones (a model this small does not learn to check the list).
            missing_weight = 0.3 if not offered else 0.0
            weights = [w if all(t in offered for t in needs) else missing_weight * w for _, w, needs in KINDS]
            kind = r.choices([k[0] for k in KINDS], weights=weights)[0]
        needs = next(k[2] for k in KINDS if k[0] == kind)
        user, calls, answer = self._plan(kind)
        missing = [t for t in needs if t not in offered]
        if missing:
            return [user_msg(user), assistant_msg(REFUSALS[missing[0]])]
        if not calls:
            return [user_msg(user), assistant_msg(answer)]
        compact = r.random() < 0.65
        msgs = [user_msg(user), {"role": "assistant", "content": None,
                                  "tool_calls": [{"name": n, "arguments": a} for n, a, _ in calls]}]
        failed = r.random() < 0.04
        for n, a, result in calls:
            content = {"error": r.choice(ERRORS)} if failed else result
            msgs.append({"role": "tool", "content": dumps(content, compact)})
        msgs.append(assistant_msg("Sorry, something went wrong." if failed else answer))
        return msgs

    def _plan(self, kind):
        """(user text, [(tool, arguments, result)], final answer)."""
        r = self.rng
        if kind == "greeting":
            g = r.choice(GREETINGS)
            return g, [], greeting_reply(g)
        if kind == "thanks":
            return r.choice(THANKS), [], REPLY_THANKS
        if kind == "bye":
            return r.choice(BYES), [], REPLY_BYE
        if kind == "help":
            return r.choice(HELP), [], REPLY_HELP
        if kind == "offtopic":
            return r.choice(OFFTOPIC), [], REPLY_OFFTOPIC
        if kind == "weather1":
            x = self.name()
            w = self.weather(x)
            return r.choice(WEATHER_1).format(X=x), [("get_weather", {"city": x}, w)], weather_sentence(w) + "."
        if kind == "weather2":
            x, y = self.two_names()
            wx, wy = self.weather(x), self.weather(y)
            answer = "%s, and %s." % (weather_sentence(wx), weather_phrase(wy))
            calls = [("get_weather", {"city": x}, wx), ("get_weather", {"city": y}, wy)]
            return r.choice(WEATHER_2).format(X=x, Y=y), calls, answer
        if kind == "time1":
            x = self.name()
            t = self.clock(x)
            return r.choice(TIME_1).format(X=x), [("get_time", {"city": x}, t)], "It is %s in %s." % (t["time"], x)
        if kind == "time2":
            x, y = self.two_names()
            tx, ty = self.clock(x), self.clock(y)
            answer = "It is %s in %s and %s in %s." % (tx["time"], x, ty["time"], y)
            calls = [("get_time", {"city": x}, tx), ("get_time", {"city": y}, ty)]
            return r.choice(TIME_2).format(X=x, Y=y), calls, answer
        if kind == "weather_time":
            x = self.name()
            w, t = self.weather(x), self.clock(x)
            answer = "%s, and the local time is %s." % (weather_sentence(w), t["time"])
            calls = [("get_weather", {"city": x}, w), ("get_time", {"city": x}, t)]
            return r.choice(WEATHER_TIME).format(X=x), calls, answer
        if kind == "calc":
            typed, expr, value = self.expression()
            result = {"expression": expr, "result": value} if r.random() < 0.2 else {"result": value}
            answer = "%s = %s." % (expr, json.dumps(value))
            return r.choice(CALC).format(E=typed), [("calculate", {"expression": expr}, result)], answer
        if kind == "theme":
            theme = r.choice(["light", "dark"])
            result = {"ok": True, "theme": theme} if r.random() < 0.3 else {"theme": theme}
            user = r.choice(THEME).format(T=theme, Tc=theme.capitalize())
            return user, [("set_theme", {"theme": theme}, result)], "Done! Switched to %s mode." % theme
        raise ValueError(kind)

    def chat(self, offered, system=None, kind=None, history=None):
        """A whole chat: optional system message, 0-2 earlier exchanges, then the last one."""
        r = self.rng
        msgs = [{"role": "system", "content": system}] if system else []
        turns = history if history is not None else (0 if r.random() < 0.85 else r.choice([1, 1, 2]))
        for _ in range(turns):
            msgs += self.exchange(offered)
        return msgs + self.exchange(offered, kind)


def render_expression(tree, style):
    """Text of an expression tree: "spaced" (3 + 4) * 2, "compact" (3+4)*2, or "mixed"
    (3+4) * 2 (spaces around the top-level operators only)."""

    def text(node, top):
        if isinstance(node, str):
            return node
        if node[0] == "(":
            return "(" + text(node[1:-1], False) + ")"
        sep = " " if style == "spaced" or (style == "mixed" and top) else ""
        return sep.join(text(n, top) for n in node)

    return text(tree, True)


def user_msg(text):
    return {"role": "user", "content": text}


def assistant_msg(text):
    return {"role": "assistant", "content": text}


def weather_phrase(w):
    return "%d°C and %s in %s" % (w["temperature_c"], w["condition"], w["city"])


def weather_sentence(w):
    return "It is " + weather_phrase(w)


def greeting_reply(g):
    low = g.lower()
    for part in ("morning", "afternoon", "evening"):
        if part in low:
            return "Good %s! How can I help you today?" % part
    if "how are you" in low or "how's it going" in low:
        return "I'm doing well, thank you! How can I help you today?"
    return "Hello! How can I help you today?"


def openai_messages(msgs):
    """The same chat as an OpenAI request would carry it (arguments as JSON text, call ids)."""
    out, n, pending = [], 0, []
    for m in msgs:
        if m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                n += 1
                calls.append({"id": "call_%d" % n, "type": "function",
                              "function": {"name": c["name"], "arguments": json.dumps(c["arguments"])}})
            pending = [c["id"] for c in calls]
            out.append({"role": "assistant", "content": None, "tool_calls": calls})
        elif m["role"] == "tool":
            out.append({"role": "tool", "tool_call_id": pending.pop(0), "content": m["content"]})
        else:
            out.append(m)
    return out
