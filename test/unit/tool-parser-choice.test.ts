/**
 * Which tool-call parser a model gets: detected from the real chat templates of each family (and
 * from the vocabulary when the template says nothing), and the registry a page adds parsers to.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toolCallParserFor } from '../../src/chat/tool-parser-choice.ts';
import { registerToolCallParser, toolCallParserFactory, toolCallParserNames, unregisterToolCallParser } from '../../src/chat/tool-parser-registry.ts';
import { isLlmError } from '../../src/errors.ts';

const templates = new URL('../../tools/fixtures/templates/', import.meta.url);
const template = (file: string) => readFileSync(new URL(file, templates), 'utf8');
const deepseek = readFileSync(new URL('../fixtures/templates/deepseek-r1-distill-qwen.jinja', import.meta.url), 'utf8');
const noTokens = () => false;

describe('toolCallParserFor', () => {
  it.each([
    ['qwen2.5.jinja', 'hermes'],
    ['qwen3.jinja', 'hermes'],
    ['llama3.1_json.jinja', 'llama3_json'],
    ['llama3.2_pythonic.jinja', 'pythonic'],
    ['mistral_v0.3_tools.jinja', 'mistral'],
  ])('%s → %s', (file, parser) => {
    expect(toolCallParserFor(template(file), noTokens)).toBe(parser);
  });

  it('the vocabulary decides when the template does not mention calls', () => {
    const plain = '{% for m in messages %}{{ m.content }}{% endfor %}';
    expect(toolCallParserFor(plain, (token) => token === '[TOOL_CALLS]')).toBe('mistral');
    expect(toolCallParserFor(plain, (token) => token === '<|python_tag|>')).toBe('llama3_json');
    expect(toolCallParserFor(plain, noTokens)).toBe('hermes');
    expect(toolCallParserFor(undefined, noTokens)).toBe('hermes');
  });

  it('a template that writes <tool_call> is hermes even in a Llama vocabulary', () => {
    expect(toolCallParserFor(template('qwen2.5.jinja'), (token) => token === '<|python_tag|>')).toBe('hermes');
  });

  it('DeepSeek-R1-Distill (no tool format of ours) falls back to hermes', () => {
    expect(toolCallParserFor(deepseek, noTokens)).toBe('hermes');
  });
});

describe('the parser registry', () => {
  it('has the four built-in parsers, each reading its own format', () => {
    expect(toolCallParserNames()).toEqual(expect.arrayContaining(['hermes', 'llama3_json', 'pythonic', 'mistral']));
    for (const name of ['hermes', 'llama3_json', 'pythonic', 'mistral']) expect(toolCallParserFactory(name)({ tools: [] }).format).toBe(name);
  });

  it('an unknown name is invalid_argument listing the known ones', () => {
    try {
      toolCallParserFactory('nope');
      expect.unreachable();
    } catch (error) {
      expect(isLlmError(error) && error.code).toBe('invalid_argument');
      expect((error as Error).message).toContain('hermes, llama3_json, pythonic, mistral');
    }
  });

  it('registers, replaces and removes a page parser; a built-in can be replaced and comes back', () => {
    const mine = () => ({ parse: (text: string) => ({ content: text, toolCalls: [] }), stream: () => ({ push: () => [], finish: () => [] }) });
    registerToolCallParser('mine', mine);
    expect(toolCallParserFactory('mine')).toBe(mine);
    expect(toolCallParserNames()).toContain('mine');
    registerToolCallParser('hermes', mine);
    expect(toolCallParserFactory('hermes')).toBe(mine);
    expect(unregisterToolCallParser('hermes')).toBe(true);
    expect(toolCallParserFactory('hermes')).not.toBe(mine);
    expect(unregisterToolCallParser('mine')).toBe(true);
    expect(() => toolCallParserFactory('mine')).toThrow(/unknown tool-call parser/);
  });

  it.each([[''], ['has space'], ['x'.repeat(65)]])('refuses the name %j', (name) => {
    expect(() => registerToolCallParser(name, () => ({ parse: () => ({ content: null, toolCalls: [] }), stream: () => ({ push: () => [], finish: () => [] }) })))
      .toThrow(/tool-call parser name/);
  });

  it('refuses a factory that is not a function', () => {
    expect(() => registerToolCallParser('bad', {} as never)).toThrow(/factory function/);
  });
});
