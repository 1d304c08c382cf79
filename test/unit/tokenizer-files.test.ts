/**
 * tokenizer-files.ts: tokenizer.json's model (type, vocab, merges, added tokens, ids below
 * vocab_size) and tokenizer_config.json's chat_template and special tokens are checked at load,
 * each problem a typed error naming the file and the field; good files load once through
 * loadTokenizer, and HF's list form of chat_template renders its "default" entry.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLlmError } from '../../src/errors.ts';
import { openModelSource, type ModelSource } from '../../src/hub/model-source.ts';
import { checkTokenizerConfig, checkTokenizerJson, openTokenizer } from '../../src/model/tokenizer-files.ts';

const fixture = fileURLToPath(new URL('../fixtures/qwen2-bf16/', import.meta.url));
type Json = Record<string, unknown>;
let tokenizerJson: Json;
let tokenizerConfig: Json;
const vocabSize = 704;

beforeAll(async () => {
  tokenizerJson = JSON.parse(await readFile(join(fixture, 'tokenizer.json'), 'utf8')) as Json;
  tokenizerConfig = JSON.parse(await readFile(join(fixture, 'tokenizer_config.json'), 'utf8')) as Json;
});

/** A deep copy of the fixture's tokenizer.json with `edit` applied to its model (and the file). */
function tokenizerWith(edit: (model: Json, json: Json) => void): Json {
  const json = structuredClone(tokenizerJson);
  edit(json['model'] as Json, json);
  return json;
}

function refusal(check: () => void): { code: string; subject: string; message: string } {
  try {
    check();
  } catch (error) {
    expect(isLlmError(error), String(error)).toBe(true);
    return error as { code: string; subject: string; message: string };
  }
  throw new Error('the check accepted the file');
}

describe('checkTokenizerJson', () => {
  it('accepts the fixtures and a tokenizer.json without model.type whose model the library infers (BPE)', () => {
    expect(() => checkTokenizerJson(tokenizerJson, vocabSize)).not.toThrow();
    expect(() => checkTokenizerJson(tokenizerWith((model) => delete model['type']), vocabSize)).not.toThrow();
    const unigram = { model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['▁a', -1.5]] } };
    expect(() => checkTokenizerJson(unigram, 2)).not.toThrow();
  });

  it.each([
    ['an unknown model.type', (model: Json) => (model['type'] = 'SentencePieceMagic'), 'invalid_config', 'model.type', '"SentencePieceMagic"'],
    ['HF WordLevel, which the library cannot run', (model: Json) => (model['type'] = 'WordLevel'), 'unsupported_option', 'model.type', 'WordLevel'],
    ['a model.type that is not a string', (model: Json) => (model['type'] = 3), 'invalid_config', 'model.type', 'must be a string'],
    ['no model.type and nothing to infer one from', (model: Json) => { delete model['type']; delete model['continuing_subword_prefix']; }, 'unsupported_option', 'model.type', 'absent'],
    ['a model that is a list', (_: Json, json: Json) => (json['model'] = []), 'invalid_config', 'model', 'must be an object'],
    ['a vocab that is a list in a BPE model', (model: Json) => (model['vocab'] = ['a', 'b']), 'invalid_config', 'model.vocab', 'token → id'],
    ['a vocab id that is a string', (model: Json) => ((model['vocab'] as Json)['hello'] = '5'), 'invalid_config', 'model.vocab', '"hello"'],
    ['a negative vocab id', (model: Json) => ((model['vocab'] as Json)['hello'] = -1), 'invalid_config', 'model.vocab', '-1'],
    ['merges that are not a list', (model: Json) => (model['merges'] = 'a b'), 'invalid_config', 'model.merges', 'list'],
    ['a merge that is a number', (model: Json) => (model['merges'] as unknown[]).push(7), 'invalid_config', 'model.merges', 'list'],
    ['added_tokens that is an object', (_: Json, json: Json) => (json['added_tokens'] = {}), 'invalid_config', 'added_tokens', 'must be a list'],
    ['an added token without content', (_: Json, json: Json) => (json['added_tokens'] as unknown[]).push({ id: 5 }), 'invalid_config', 'added_tokens', '{id, content}'],
    ['a vocab id beyond vocab_size', (model: Json) => ((model['vocab'] as Json)['zzz'] = 704), 'invalid_config', 'vocab_size', 'has id 704, but config.json vocab_size is 704'],
    ['an added token beyond vocab_size', (_: Json, json: Json) => (json['added_tokens'] as unknown[]).push({ id: 900, content: '<x>' }), 'invalid_config', 'vocab_size', '"<x>" has id 900'],
  ])('refuses %s, naming tokenizer.json and the field', (_, edit, code, subject, text) => {
    const error = refusal(() => checkTokenizerJson(tokenizerWith(edit), vocabSize));
    expect(error).toMatchObject({ code, subject });
    expect(error.message).toContain('tokenizer.json');
    expect(error.message).toContain(text);
  });

  it('refuses a Unigram vocab that is not [token, score] pairs, and a file that is not an object', () => {
    expect(refusal(() => checkTokenizerJson({ model: { type: 'Unigram', vocab: { a: 0 } } }, 10))).toMatchObject({ code: 'invalid_config', subject: 'model.vocab' });
    expect(refusal(() => checkTokenizerJson([1, 2], 10))).toMatchObject({ code: 'invalid_config', subject: 'tokenizer.json' });
  });
});

describe('checkTokenizerConfig', () => {
  const list = [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }];

  it('accepts a string template, none, HF\'s list with a "default", and AddedToken objects', () => {
    expect(() => checkTokenizerConfig(tokenizerConfig)).not.toThrow();
    expect(() => checkTokenizerConfig({})).not.toThrow();
    expect(() => checkTokenizerConfig({ chat_template: null, eos_token: null })).not.toThrow();
    expect(() => checkTokenizerConfig({ chat_template: list, eos_token: { content: '<|im_end|>', special: true } })).not.toThrow();
  });

  it.each([
    ['a number', { chat_template: 42 }, 'chat_template', 'got 42'],
    ['an object', { chat_template: { default: 'D' } }, 'chat_template', 'got an object'],
    ['a boolean', { chat_template: true }, 'chat_template', 'got true'],
    ['a list of strings', { chat_template: ['D'] }, 'chat_template', '{name, template}'],
    ['a list entry whose template is a number', { chat_template: [{ name: 'default', template: 1 }] }, 'chat_template', '{name, template}'],
    ['a list without "default"', { chat_template: [{ name: 'tool_use', template: 'T' }] }, 'chat_template', 'none named "default"'],
    ['a list naming a template twice', { chat_template: [...list, { name: 'default', template: 'E' }] }, 'chat_template', 'twice'],
    ['an eos_token that is a number', { eos_token: 5 }, 'eos_token', 'got 5'],
    ['a bos_token object without content', { bos_token: { special: true } }, 'bos_token', 'AddedToken'],
  ])('refuses a chat_template or special token that is %s, naming tokenizer_config.json and the field', (_, config, subject, text) => {
    const error = refusal(() => checkTokenizerConfig(config));
    expect(error).toMatchObject({ code: 'invalid_config', subject });
    expect(error.message).toContain('tokenizer_config.json');
    expect(error.message).toContain(text);
  });
});

describe('openTokenizer', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tokenizer-files-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  /** Counts whole-file reads, to check each file is read once. */
  function counting(source: ModelSource, reads: string[]): ModelSource {
    return { ...source, location: source.location, exists: (name) => source.exists(name), readHead: (name, length) => source.readHead(name, length),
      readFile: (name) => source.readFile(name), readText: (name) => (reads.push(name), source.readText(name)),
      readJson: (name) => (reads.push(name), source.readJson(name)), openStream: (name) => source.openStream(name) };
  }

  it('reads each file once and renders the "default" entry of a template list, wherever it stands', async () => {
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(tokenizerJson));
    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, chat_template: [{ name: 'tool_use', template: 'T' }, { name: 'default', template: 'D' }] }));
    const reads: string[] = [];
    const tokenizer = await openTokenizer(counting(openModelSource(folder), reads), vocabSize);
    expect(tokenizer?.chatTemplate).toBe('D');
    expect(tokenizer?.encode('<|im_end|>')).toEqual([tokenizer?.tokenId('<|im_end|>')]);
    expect(reads.sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);
  });

  it('refuses an unknown model.type before the library would take it for a legacy model', async () => {
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(tokenizerWith((model) => (model['type'] = 'Mystery'))));
    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
    const error = await openTokenizer(openModelSource(folder), vocabSize).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_config', subject: 'model.type' });
  });

  it('is undefined without tokenizer.json', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tokenizer-files-empty-'));
    expect(await openTokenizer(openModelSource(empty), vocabSize)).toBeUndefined();
    await rm(empty, { recursive: true, force: true });
  });
});
