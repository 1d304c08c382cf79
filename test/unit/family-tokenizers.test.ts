/**
 * The Llama 3.2 and Mistral fixtures' tokenizers (tools/fixtures/family_tokenizers.py: the shared
 * BPE with each family's special tokens, in its Hub layout): their golden prompts, chat ones
 * included, encode to the ids the independent Python encoder gave; special tokens are single ids;
 * bos and eos come from tokenizer_config.json; add_special_tokens prepends bos as their
 * TemplateProcessing post-processor says.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer, requireTokenizer } from '../../src/text/tokenizer.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { readGolden } from '../support/golden-cases.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

const families = [
  {
    name: 'llama3.2-tied',
    bos: '<|begin_of_text|>',
    eos: '<|eot_id|>',
    specials: ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eom_id|>', '<|eot_id|>', '<|python_tag|>'],
  },
  {
    name: 'mistral-sliding',
    bos: '<s>',
    eos: '</s>',
    specials: ['<unk>', '<s>', '</s>', '[INST]', '[/INST]', '[TOOL_CALLS]', '[AVAILABLE_TOOLS]', '[/AVAILABLE_TOOLS]', '[TOOL_RESULTS]', '[/TOOL_RESULTS]'],
  },
];

describe.each(families)('$name tokenizer', ({ name, bos, eos, specials }) => {
  const open = async () => requireTokenizer(await loadTokenizer(openModelSource(join(FIXTURES, name))), name);

  it('encodes the golden prompts (plain and chat-template rendered) to the reference ids', async () => {
    const tokenizer = await open();
    const { cases } = readGolden(name);
    for (const golden of cases) {
      const { prompt_text: text, prompt_ids: ids } = golden as unknown as { prompt_text: string; prompt_ids: number[] };
      expect(tokenizer.encode(text)).toEqual(ids);
      expect(tokenizer.decode(ids)).toBe(text);
    }
  });

  it('has its special tokens as single ids after the BPE vocabulary, bos and eos named', async () => {
    const tokenizer = await open();
    const ids = specials.map((token) => tokenizer.tokenId(token));
    expect(ids).toEqual(specials.map((_, i) => ids[0]! + i));
    for (const [i, token] of specials.entries()) expect(tokenizer.encode(`a${token}b`)).toEqual([...tokenizer.encode('a'), ids[i], ...tokenizer.encode('b')]);
    expect(tokenizer.bosToken).toBe(bos);
    expect(tokenizer.eosToken).toBe(eos);
    expect(tokenizer.encode('Hello', { addSpecialTokens: true })).toEqual([tokenizer.tokenId(bos), ...tokenizer.encode('Hello')]);
    expect(tokenizer.decode(tokenizer.encode(`${bos}Hello`), { skipSpecialTokens: true })).toBe('Hello');
  });
});
