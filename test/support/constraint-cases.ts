/**
 * Shared by the constraint tests: the fixture tokenizer, schemas bounded enough that random
 * weights finish them (enums, bounded integers, maxLength, maxItems), two tools, and checkers
 * that parse an output and validate it with ajv — independent of XGrammar.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import type { ToolSignature } from '../../src/constraint/constraint-spec.ts';
import { createTokenizer, type TextTokenizer } from '../../src/text/tokenizer.ts';

export const qwenFixture = new URL('../fixtures/qwen2-bf16/', import.meta.url);
/** config.json vocab_size: 663 tokens, then padded rows. */
export const qwenVocabSize = 704;
/** generation_config.json eos_token_id: <|im_end|>, <|endoftext|>. */
export const qwenStopIds = [658, 656] as const;
export const qwenSpecialIds = { endOfText: 656, imStart: 657, imEnd: 658, toolCall: 659, toolCallEnd: 660, think: 661 } as const;

export function qwenTokenizer(): TextTokenizer {
  const read = (name: string) => JSON.parse(readFileSync(new URL(name, qwenFixture), 'utf8')) as Record<string, unknown>;
  return createTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
}

/** An object with an enum string, a bounded integer, a bounded string and a bounded nested array. */
export const recordSchema = {
  type: 'object',
  properties: {
    color: { type: 'string', enum: ['red', 'green', 'blue'] },
    count: { type: 'integer', minimum: 0, maximum: 99 },
    label: { type: 'string', maxLength: 6 },
    tags: {
      type: 'array',
      maxItems: 2,
      items: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: 9 }, on: { type: 'boolean' } }, required: ['id', 'on'] },
    },
  },
  required: ['color', 'count', 'label', 'tags'],
} as const;

export const weatherTool: ToolSignature = {
  name: 'get_weather',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string', maxLength: 8 }, unit: { type: 'string', enum: ['c', 'f'] } },
    required: ['city', 'unit'],
  },
};

export const searchTool: ToolSignature = {
  name: 'search',
  parameters: { type: 'object', properties: { query: { type: 'string', maxLength: 10 }, limit: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['query'] },
};

const ajv = new Ajv({ strict: false, allErrors: true });

/** ajv's verdict on `value` against `schema`: undefined when valid, else its errors. */
export function schemaErrors(schema: object, value: unknown): string | undefined {
  const validate = ajv.compile(schema);
  return validate(value) ? undefined : ajv.errorsText(validate.errors);
}

export interface HermesCall {
  readonly name: string;
  readonly arguments: unknown;
}

/**
 * Parses exactly `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>` blocks joined by "\n"
 * (the whole text, nothing around them); throws when the text is anything else.
 */
export function parseHermesCalls(text: string): HermesCall[] {
  const block = /<tool_call>\n(\{.*?\})\n<\/tool_call>/gsy;
  const calls: HermesCall[] = [];
  let position = 0;
  while (position < text.length) {
    if (calls.length > 0) {
      if (text[position] !== '\n') throw new Error(`expected "\\n" between calls at ${position}: ${JSON.stringify(text)}`);
      position++;
    }
    block.lastIndex = position;
    const match = block.exec(text);
    if (match === null) throw new Error(`no tool_call block at ${position}: ${JSON.stringify(text)}`);
    const call = JSON.parse(match[1]!) as Record<string, unknown>;
    if (JSON.stringify(Object.keys(call)) !== '["name","arguments"]') throw new Error(`call keys ${Object.keys(call).join(', ')}`);
    calls.push({ name: call['name'] as string, arguments: call['arguments'] });
    position = block.lastIndex;
  }
  if (calls.length === 0) throw new Error('no tool calls');
  return calls;
}

/** undefined when every call names one of `tools` and its arguments validate, else why not. */
export function toolCallErrors(calls: readonly HermesCall[], tools: readonly ToolSignature[]): string | undefined {
  for (const call of calls) {
    const tool = tools.find((candidate) => candidate.name === call.name);
    if (tool === undefined) return `unknown tool ${JSON.stringify(call.name)}`;
    const errors = schemaErrors(tool.parameters, call.arguments);
    if (errors !== undefined) return `${call.name}: ${errors}`;
  }
  return undefined;
}
