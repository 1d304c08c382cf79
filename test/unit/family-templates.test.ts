/**
 * The Qwen2.5, Qwen3, Llama 3.1 JSON, Llama 3.2 pythonic and Mistral v0.3 tool templates rendered
 * through ChatTemplate, against prompts Python's jinja2 rendered in transformers' environment
 * (tools/fixtures/make_template_goldens.py) from the same OpenAI-shaped requests.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, type ChatCompletionFunctionTool } from '../../src/api/chat-template.ts';
import type { ChatCompletionMessageParam } from '../../src/api/chat-types.ts';
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
