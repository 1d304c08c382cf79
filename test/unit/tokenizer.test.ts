import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, requireTokenizer, type TextTokenizer } from '../../src/text/tokenizer.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { isLlmError } from '../../src/errors.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const GOLDEN_FILE = join(FIXTURES, 'tokenizer_golden.json');
const golden: Array<{ text: string; ids: number[] }> = existsSync(GOLDEN_FILE)
  ? (JSON.parse(readFileSync(GOLDEN_FILE, 'utf-8')) as Array<{ text: string; ids: number[] }>)
  : [];
// Folders with Qwen's tokenizer files (tokenizer_golden.json's texts use its special tokens); the
// Llama 3 and Mistral ones are checked in family-tokenizers.test.ts.
const isQwenTokenizer = (name: string) =>
  (JSON.parse(readFileSync(join(FIXTURES, name, 'tokenizer_config.json'), 'utf-8')) as { tokenizer_class?: string }).tokenizer_class === 'Qwen2Tokenizer';
const tokenizerFolders = existsSync(FIXTURES)
  ? readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'tokenizer.json')) && isQwenTokenizer(name))
  : [];
const haveFixtures = golden.length > 0 && tokenizerFolders.length > 0;

if (!haveFixtures) {
  console.warn('tokenizer.test.ts: test/fixtures/tokenizer_golden.json or */tokenizer.json absent; run `npm run fixtures`. Golden tests skipped.');
}

describe.skipIf(!haveFixtures)('TextTokenizer on the fixture tokenizers (golden ids from the independent Python encoder)', () => {
  describe.each(tokenizerFolders)('%s', (folder) => {
    let tokenizer: TextTokenizer;
    beforeAll(async () => {
      tokenizer = requireTokenizer(await loadTokenizer(openModelSource(join(FIXTURES, folder))), folder);
    });

    it('encodes every golden text to its ids', () => {
      const failures = golden
        .map(({ text, ids }) => ({ text, expected: ids, actual: tokenizer.encode(text) }))
        .filter(({ expected, actual }) => JSON.stringify(expected) !== JSON.stringify(actual));
      expect(failures).toEqual([]);
    });

    it('decodes encode(text) back to the text (NFC, as the normalizer makes it)', () => {
      for (const { text } of golden) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text.normalize('NFC'));
    });

    it('encodes special tokens in text to their single ids', () => {
      const imStart = tokenizer.tokenId('<|im_start|>');
      const imEnd = tokenizer.tokenId('<|im_end|>');
      expect(imStart).toBeTypeOf('number');
      expect(tokenizer.encode('<|im_start|>')).toEqual([imStart]);
      expect(tokenizer.encode('x<|im_end|>')).toEqual([...tokenizer.encode('x'), imEnd]);
      expect(tokenizer.encode('<tool_call>')).toEqual([tokenizer.tokenId('<tool_call>')]);
    });

    it('skips only special tokens when asked', () => {
      const ids = tokenizer.encode('<|im_start|>user\n<tool_call>hi<|im_end|>');
      expect(tokenizer.decode(ids)).toBe('<|im_start|>user\n<tool_call>hi<|im_end|>');
      expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('user\n<tool_call>hi');
    });

    it('decodes an empty list and ids past the vocabulary (padded embedding rows) to nothing', () => {
      expect(tokenizer.decode([])).toBe('');
      const hello = tokenizer.encode('Hello');
      expect(tokenizer.decode([...hello, 100_000])).toBe('Hello');
      expect(tokenizer.decode([100_000])).toBe('');
    });

    it('reads eos_token and the chat template from tokenizer_config.json', () => {
      expect(tokenizer.eosToken).toBe('<|im_end|>');
      expect(tokenizer.chatTemplate).toContain('<|im_start|>');
    });

    it('keeps spaces before punctuation (no clean-up)', () => {
      expect(tokenizer.decode(tokenizer.encode('a , b . c'))).toBe('a , b . c');
    });
  });
});

describe('loadTokenizer without or with partial files', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'tokenizer-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('returns undefined without tokenizer.json, and requireTokenizer names the problem', async () => {
    const tokenizer = await loadTokenizer(openModelSource(folder));
    expect(tokenizer).toBeUndefined();
    let caught: unknown;
    try {
      requireTokenizer(tokenizer, folder);
    } catch (error) {
      caught = error;
    }
    expect(isLlmError(caught, 'no_tokenizer')).toBe(true);
  });

  it.skipIf(tokenizerFolders.length === 0)('prefers chat_template.jinja and works without tokenizer_config.json', async () => {
    await copyFile(join(FIXTURES, tokenizerFolders[0]!, 'tokenizer.json'), join(folder, 'tokenizer.json'));
    const bare = await loadTokenizer(openModelSource(folder));
    expect(bare?.chatTemplate).toBeUndefined();
    expect(bare?.eosToken).toBeUndefined();
    expect(bare?.encode('<|im_start|>')).toEqual([bare?.tokenId('<|im_start|>')]);

    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ chat_template: 'from config', eos_token: { content: '<|endoftext|>' } }));
    expect((await loadTokenizer(openModelSource(folder)))?.chatTemplate).toBe('from config');
    await writeFile(join(folder, 'chat_template.jinja'), 'from file');
    const withFile = await loadTokenizer(openModelSource(folder));
    expect(withFile?.chatTemplate).toBe('from file');
    expect(withFile?.eosToken).toBe('<|endoftext|>');
  });

  it('refuses a tokenizer.json the library cannot read', async () => {
    await writeFile(join(folder, 'tokenizer.json'), '{"model": {}}');
    const caught = await loadTokenizer(openModelSource(folder)).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isLlmError(caught, 'invalid_config')).toBe(true);
  });
});
