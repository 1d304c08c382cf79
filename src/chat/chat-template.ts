/**
 * Renders a model's Jinja chat template as vLLM's chat endpoint does: OpenAI-shaped messages are
 * first turned into what HF templates expect (vLLM's chat_utils), then rendered the way
 * transformers' `apply_chat_template` renders them, including its Python `json.dumps` tojson.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { LlmError } from '../errors.ts';
import type { ChatCompletionMessageParam, ChatCompletionTool } from './chat-types.ts';
import { parsePythonJson, PythonFloat, pythonJson, type JsonOptions } from '../text/python-json.ts';
import { pythonBinary, pythonFilter } from '../text/python-filters.ts';
import { THINK_END } from './reasoning-layout.ts';

export type ChatCompletionFunctionTool = Extract<ChatCompletionTool, { type: 'function' }>;

export interface ChatTemplateInput {
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly tools?: readonly ChatCompletionFunctionTool[] | undefined;
  readonly addGenerationPrompt: boolean;
  /** The request's `chat_template_kwargs`, e.g. `{ enable_thinking: false }`. */
  readonly chatTemplateKwargs?: Readonly<Record<string, unknown>> | undefined;
  readonly bosToken?: string | undefined;
  readonly eosToken?: string | undefined;
  /** vLLM's `documents` (retrieval-augmented generation), for templates that render them. */
  readonly documents?: readonly Readonly<Record<string, string>>[] | undefined;
  /**
   * Applied to every string of the messages, tools and documents (keys too) as the template will
   * see them, e.g. to swap control tokens for placeholders (content-placeholders.ts);
   * `reasoningInside`: see `reasoningInContent`. Not to the caller's kwargs.
   */
  readonly protectText?: ((text: string, reasoningInside: boolean) => string) | undefined;
}

type RuntimeValue = ReturnType<Environment['set']>;
type Program = Template['parsed'];
type SyntaxNode = { type: string; value?: unknown; callee?: SyntaxNode; args?: SyntaxNode[]; key?: SyntaxNode };
type ApplyFilter = (operand: RuntimeValue, filter: SyntaxNode, scope: Environment) => RuntimeValue;
type Evaluate = Parameters<typeof pythonBinary>[2];
type Arguments = (args: SyntaxNode[], scope: Environment) => [RuntimeValue[], Map<string, RuntimeValue>];

/** What a template's `raise_exception(...)` throws, told apart from the library's own errors. */
class TemplateRaise extends Error {}

export class ChatTemplate {
  private readonly program: Program | undefined;
  /** The template looks for `</think>` (Qwen3, DeepSeek-R1): it splits reasoning out of assistant content. */
  readonly readsReasoning: boolean;

  /** `source` undefined: the model has none, and every render is refused. */
  constructor(source: string | undefined) {
    this.readsReasoning = source?.includes(THINK_END) ?? false;
    try {
      this.program = source === undefined ? undefined : new Template(source).parsed;
    } catch (error) {
      throw new LlmError('invalid_config', `the chat template does not parse: ${messageOf(error)}`, 'chat_template');
    }
  }

  render(input: ChatTemplateInput): string {
    if (this.program === undefined) throw new LlmError('invalid_argument', 'the model has no chat template', 'messages');
    const kwargs = input.chatTemplateKwargs ?? {};
    for (const reserved of ['messages', 'tools']) {
      if (reserved in kwargs) throw new LlmError('invalid_argument', `may not set ${reserved}`, `chat_template_kwargs.${reserved}`);
    }
    // After vLLM's conversions, so that text inside JSON-encoded arguments is protected as parsed.
    const protect = input.protectText;
    const protectAll = (value: unknown): unknown => (protect === undefined ? value : mapStrings(value, (text) => protect(text, false)));
    const messages = input.messages.map(templateMessage);
    // transformers: special tokens, then the caller's kwargs (which may override
    // add_generation_prompt, as vLLM's chat_template_kwargs do), then messages and tools.
    const context: Record<string, unknown> = {
      ...(input.bosToken === undefined ? {} : { bos_token: input.bosToken }),
      ...(input.eosToken === undefined ? {} : { eos_token: input.eosToken }),
      add_generation_prompt: input.addGenerationPrompt,
      ...kwargs,
      messages: protect === undefined ? messages : messages.map((message) => protectMessage(message, protect)),
      tools: input.tools === undefined ? null : protectAll(input.tools.map(templateTool)),
      // Documents in the kwargs are the caller's template input, like the other kwargs.
      documents: (input.documents === undefined ? undefined : protectAll(input.documents)) ?? kwargs['documents'] ?? null,
    };
    const environment = new Environment();
    defineGlobals(environment);
    for (const [name, value] of Object.entries(context)) environment.setVariable(name, toRuntime(value));
    const interpreter = pythonInterpreter(environment);
    try {
      return String(interpreter.run(this.program).value);
    } catch (error) {
      if (error instanceof TemplateRaise) throw new LlmError('invalid_argument', error.message, 'messages');
      throw new LlmError('invalid_argument', `the chat template failed: ${messageOf(error)}`, 'messages');
    }
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** vLLM's `_parse_chat_message_content` + `_postprocess_messages` for string-content templates. */
function templateMessage(message: ChatCompletionMessageParam): Record<string, unknown> {
  const source = message as unknown as Record<string, unknown>;
  // Text parts are joined with "\n"; null content becomes "" (vLLM joins an empty part list).
  // Templates know system, not OpenAI's newer developer role, which means the same.
  const out: Record<string, unknown> = { role: message.role === 'developer' ? 'system' : message.role, content: joinText(source['content']) };
  const calls = source['tool_calls'];
  // vLLM drops an empty tool_calls so the template takes the plain assistant path.
  if (message.role === 'assistant' && Array.isArray(calls) && calls.length > 0) {
    out['tool_calls'] = calls.map((call: { function: { arguments?: unknown } }) => ({
      ...call,
      function: { ...call.function, arguments: parseArguments(call.function.arguments) },
    }));
  }
  const reasoning = source['reasoning_content'] ?? source['reasoning'];
  if (message.role === 'assistant' && typeof reasoning === 'string') {
    out['reasoning'] = reasoning;
    out['reasoning_content'] = reasoning;
  }
  if (message.role === 'tool') out['tool_call_id'] = source['tool_call_id'];
  if (typeof source['name'] === 'string') out['name'] = source['name'];
  return out;
}

function protectMessage(message: Record<string, unknown>, protect: (text: string, reasoningInside: boolean) => string): Record<string, unknown> {
  const { content, ...rest } = message;
  const protectedRest = mapStrings(rest, (text) => protect(text, false)) as Record<string, unknown>;
  const reasoningInside = message['role'] === 'assistant' && message['reasoning_content'] === undefined;
  return { ...protectedRest, content: mapStrings(content, (text) => protect(text, reasoningInside)) };
}

/** Whether a thinking template looks for reasoning in this message's content: an assistant's, without reasoning_content. */
export function reasoningInContent(message: ChatCompletionMessageParam): boolean {
  return message.role === 'assistant' && templateMessage(message)['reasoning_content'] === undefined;
}

/** `value` with `map` applied to every string in it, object keys included (arguments are Maps, json.loads keeps key order). */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value instanceof Map) return new Map([...value].map(([key, item]) => [typeof key === 'string' ? map(key) : key, mapStrings(item, map)]));
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return value; // PythonFloat, numbers, null
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)]));
}

export function joinText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: string | { text?: unknown; refusal?: unknown }) => (typeof part === 'string' ? part : part.text ?? part.refusal))
    .filter((text): text is string => typeof text === 'string')
    .join('\n');
}

/**
 * json.loads of the arguments text, as vLLM does. Text that is not JSON (a call the model botched)
 * stays the string it wrote, where vLLM would refuse the request: the Qwen3 template prints a
 * string verbatim, Qwen2.5's tojson quotes it, and either way the model sees what it wrote.
 */
function parseArguments(argumentsText: unknown): unknown {
  if (typeof argumentsText !== 'string') return typeof argumentsText === 'object' && argumentsText !== null ? argumentsText : new Map();
  if (argumentsText.trim() === '') return new Map(); // vLLM: empty arguments are {}
  try {
    return parsePythonJson(argumentsText);
  } catch {
    return argumentsText;
  }
}

/** pydantic's model_dump of vLLM's tool model: description and parameters always present (null). */
function templateTool(tool: ChatCompletionFunctionTool): Record<string, unknown> {
  const { name, description, parameters, ...extra } = tool.function;
  return { type: 'function', function: { name, description: description ?? null, parameters: parameters ?? null, ...extra } };
}

// ---- Python values in the library's runtime ----------------------------------------------------

// The library's value classes are not exported; take them from values it converts itself.
const scratch = new Environment();
function libraryValue(value: unknown): RuntimeValue {
  scratch.variables.delete('value');
  return scratch.set('value', value);
}
type RuntimeClass = new (value: unknown) => RuntimeValue;
const FloatValue = libraryValue(0.5).constructor as RuntimeClass;
const StringValue = libraryValue('').constructor as RuntimeClass;
const ArrayValue = libraryValue([]).constructor as RuntimeClass;
const ObjectValue = libraryValue({}).constructor as RuntimeClass;

function toRuntime(value: unknown): RuntimeValue {
  if (value instanceof PythonFloat) return new FloatValue(value.value);
  if (Array.isArray(value)) return new ArrayValue(value.map(toRuntime));
  const entries = value instanceof Map ? [...value] : typeof value === 'object' && value !== null ? Object.entries(value) : undefined;
  if (entries === undefined) return libraryValue(value);
  return new ObjectValue(new Map(entries.map(([key, item]) => [String(key), toRuntime(item)])));
}

/** The globals transformers' sandbox provides beside jinja2's own (range, namespace). */
function defineGlobals(environment: Environment): void {
  for (const [name, value] of Object.entries({ true: true, false: false, none: null, True: true, False: false, None: null })) environment.set(name, value);
  environment.set('raise_exception', (message: unknown) => { throw new TemplateRaise(String(message)); });
  environment.set('range', (start: number, stop?: number, step = 1) => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    if (step === 0) throw new Error('range() arg 3 must not be zero');
    const out: number[] = [];
    for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
    return out;
  });
  environment.set('strftime_now', (format: string) => strftime(new Date(), format));
}

/** Python's strftime in the C locale, for the directives chat templates use (`%d %b %Y`). */
function strftime(date: Date, format: string): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const month = date.toLocaleString('en-US', { month: 'long' });
  const day = date.toLocaleString('en-US', { weekday: 'long' });
  const fields: Record<string, string> = {
    Y: String(date.getFullYear()), y: pad(date.getFullYear() % 100), m: pad(date.getMonth() + 1), d: pad(date.getDate()),
    H: pad(date.getHours()), M: pad(date.getMinutes()), S: pad(date.getSeconds()),
    B: month, b: month.slice(0, 3), A: day, a: day.slice(0, 3), '%': '%',
  };
  return format.replace(/%(.)/g, (whole, code: string) => fields[code] ?? whole);
}

// ---- tojson as transformers defines it: json.dumps(x, ensure_ascii=False, ...) --------------------


/**
 * An interpreter whose `tojson` is Python's json.dumps. The library's differs on floats (1.0 → 1,
 * 1e-05 → 0.00001) and `indent=0`, so this one run's filter lookup is wrapped; so are the filters
 * and `==` that pythonFilter / pythonBinary answer as jinja2 does. All else is the library's.
 */
function pythonInterpreter(environment: Environment): Interpreter {
  const interpreter = new Interpreter(environment);
  const hook = interpreter as unknown as { applyFilter?: ApplyFilter; evaluateBinaryExpression?: Evaluate; evaluateArguments?: Arguments };
  const { applyFilter: libraryFilter, evaluateBinaryExpression: libraryBinary, evaluateArguments } = hook;
  if (typeof libraryFilter !== 'function' || typeof libraryBinary !== 'function' || typeof evaluateArguments !== 'function') {
    throw new Error('@huggingface/jinja no longer has Interpreter.applyFilter / evaluateBinaryExpression / evaluateArguments');
  }
  const evaluate: Evaluate = (node, scope) => interpreter.evaluate(node as never, scope);
  hook.evaluateBinaryExpression = (node, scope) => pythonBinary(node as never, scope, evaluate) ?? libraryBinary.call(interpreter, node, scope);
  hook.applyFilter = (operand, filter, scope) => {
    const name = filter.type === 'CallExpression' ? filter.callee?.value : filter.value;
    const python = pythonFilter(String(name), operand, () => evaluateArguments.call(interpreter, filter.args ?? [], scope), scope);
    if (python !== undefined) return python;
    if (name !== 'tojson') return libraryFilter.call(interpreter, operand, filter, scope);
    // HF's signature: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
    const named: Record<string, RuntimeValue> = {};
    (filter.args ?? []).forEach((arg, index) => {
      const key = arg.type === 'KeywordArgumentExpression' ? String(arg.key?.value) : ['ensure_ascii', 'indent', 'separators', 'sort_keys'][index];
      if (key !== undefined) named[key] = interpreter.evaluate((arg.type === 'KeywordArgumentExpression' ? arg.value : arg) as never, scope);
    });
    const indent = named['indent']?.value;
    const separators = named['separators']?.value as RuntimeValue[] | undefined;
    const options: JsonOptions = {
      indent: typeof indent === 'number' ? ' '.repeat(Math.max(indent, 0)) : typeof indent === 'string' ? indent : null,
      itemSeparator: String(separators?.[0]?.value ?? (indent === undefined || indent === null ? ', ' : ',')),
      keySeparator: String(separators?.[1]?.value ?? ': '),
      sortKeys: named['sort_keys']?.value === true,
      ensureAscii: named['ensure_ascii']?.value === true,
    };
    return new StringValue(pythonJson(operand, options, 0));
  };
  return interpreter;
}
