/**
 * The Qwen2.5, Qwen3, Llama 3.1 JSON, Llama 3.2 pythonic and Mistral v0.3 tool templates rendered
 * through ChatTemplate, against prompts Python's jinja2 rendered in transformers' environment
 * (tools/fixtures/make_template_goldens.py) from the same OpenAI-shaped requests; and the Python
 * %-formatting behind the pythonic template's `format` filter.
 */
import { readFileSync } from 'node:fs';
import { Environment } from '@huggingface/jinja';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, type ChatCompletionFunctionTool } from '../../src/chat/chat-template.ts';
import type { ChatCompletionMessageParam } from '../../src/chat/chat-types.ts';
import { percentFormat } from '../../src/text/python-format.ts';
import { PythonFloat } from '../../src/text/python-json.ts';
import type { RuntimeValue } from '../../src/text/python-values.ts';
import { isLlmError } from '../../src/errors.ts';

interface GoldenCase {
  name: string;
  template: string;
  messages: ChatCompletionMessageParam[];
  tools: ChatCompletionFunctionTool[] | null;
  add_generation_prompt: boolean;
  kwargs: Record<string, unknown>;
  special_tokens: { bos_token?: string; eos_token?: string };
  expected?: string;
  error?: string;
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/template-renders-golden.json', import.meta.url), 'utf8')) as {
  templates: string[];
  cases: GoldenCase[];
};

const templates = new Map(
  golden.templates.map((name) => [
    name,
    new ChatTemplate(readFileSync(new URL(`../../tools/fixtures/templates/${name}.jinja`, import.meta.url), 'utf8')),
  ]),
);

function renderCase(golden: GoldenCase): string {
  const template = templates.get(golden.template);
  if (template === undefined) throw new Error(`no template ${golden.template}`);
  return template.render({
    messages: golden.messages,
    tools: golden.tools ?? undefined,
    addGenerationPrompt: golden.add_generation_prompt,
    chatTemplateKwargs: golden.kwargs,
    bosToken: golden.special_tokens.bos_token,
    eosToken: golden.special_tokens.eos_token,
  });
}

describe.each(golden.templates)('%s template matches transformers', (name) => {
  const cases = golden.cases.filter((c) => c.template === name);

  it('has golden cases', () => {
    expect(cases.length).toBeGreaterThan(4);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    if (c.error === undefined) {
      expect(renderCase(c)).toBe(c.expected);
      return;
    }
    let thrown: unknown;
    try {
      renderCase(c);
    } catch (error) {
      thrown = error;
    }
    expect(isLlmError(thrown) && thrown.code).toBe('invalid_argument');
    expect((thrown as Error).message).toContain(c.error);
  });
});

// Expected texts below are what Python 3 prints for the same `%` expressions.
describe('Python % formatting (the format filter)', () => {
  const value = (x: unknown): RuntimeValue => new Environment().set('value', x);
  const formatted = (source: string, kwargs: Record<string, unknown> = {}): string =>
    new ChatTemplate(source).render({ messages: [], addGenerationPrompt: false, chatTemplateKwargs: kwargs });

  it('prints str() of nested values as Python does', () => {
    const v = new Map<string, unknown>([
      ['a', [1, 2.5, true, null]],
      ['b', new Map([['c', "it's"], ['d', 'say "hi"']])],
      ['e', 'tab\tnl\n\u0007 \u00a0é😀\u200b'],
      ['g', new PythonFloat(1e16)],
      ['h', 1e-5],
      ['i', 1e21],
      ['j', new PythonFloat(-0)],
    ]);
    expect(formatted('{{ "%s" | format(v) }}', { v })).toBe(
      `{'a': [1, 2.5, True, None], 'b': {'c': "it's", 'd': 'say "hi"'}, 'e': 'tab\\tnl\\n\\x07 \\xa0é😀\\u200b', 'g': 1e+16, 'h': 1e-05, 'i': 1000000000000000000000, 'j': -0.0}`,
    );
  });

  it('prints a str bare under %s and quoted under %r; %d truncates; flags, width and precision', () => {
    expect(formatted(`{{ "%r|%s|%d|%d|%5s|%-4d|%05d|%+d|%.2s|%.3f|%%" | format('x', none, 3.9, true, 'ab', 7, -42, 5, 'abcdef', 2.0) }}`)).toBe(
      "'x'|None|3|1|   ab|7   |-0042|+5|ab|2.000|%",
    );
    expect(formatted('{{ "%(name)s=%(v)r" | format(name="k", v=w) }}', { w: [new PythonFloat(1)] })).toBe('k=[1.0]');
  });

  it('percentFormat takes runtime values directly', () => {
    expect(percentFormat('%s and %r', [value('Zürich'), value({ x: [false] })])).toBe("Zürich and {'x': [False]}");
    expect(percentFormat('%s', new Map([['k', value(1)]]))).toBe("{'k': 1}");
  });

  it.each([
    ['%s %s', ['a'], 'not enough arguments for format string'],
    ['%s', ['a', 'b'], 'not all arguments converted during string formatting'],
    ['%d', ['x'], '%d format: a real number is required, not str'],
    ['%d', [null], '%d format: a real number is required, not NoneType'],
    ['%q', [1], "unsupported format character 'q' (0x71) at index 1"],
    ['%', [1], 'incomplete format'],
    ['%(a)s', [1], 'format requires a mapping'],
  ])('%s with %j fails as Python does', (format, args, message) => {
    expect(() => percentFormat(format, args.map(value))).toThrow(message);
  });

  it('a template whose format fails is an invalid_argument error naming the cause', () => {
    let thrown: unknown;
    try {
      formatted('{{ "%s %s" | format(1) }}');
    } catch (error) {
      thrown = error;
    }
    expect(isLlmError(thrown, 'invalid_argument')).toBe(true);
    expect((thrown as Error).message).toContain('not enough arguments for format string');
  });
});
