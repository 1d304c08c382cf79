/**
 * The pieces under the XGrammar compiler, without XGrammar: the vocabulary handed to it (vocab
 * type, blanked special tokens, each token's bytes against the tokenizer's own decoding), the
 * UTF-8 automaton against TextDecoder on random bytes, and the wasm patch that exports a stack
 * pointer, on hand-made modules.
 */
import { describe, expect, it } from 'vitest';
import { byteLevelEncode, detectPrependSpace, detectVocabType, tokenBytes, xgrammarVocabulary } from '../../src/constraint/token-vocabulary.ts';
import { utf8Step, Utf8Validity } from '../../src/constraint/utf8-validity.ts';
import { exportStackPointer } from '../../src/constraint/wasm-stack-pointer.ts';
import { maskAllows } from '../../src/constraint/token-constraint.ts';
import { qwenSpecialIds, qwenTokenizer, qwenVocabSize } from '../support/constraint-cases.ts';
import { Random } from '../support/random.ts';

describe('the vocabulary XGrammar gets', () => {
  const tokenizer = qwenTokenizer();
  const vocabulary = tokenizer.vocabulary();
  const xgrammar = xgrammarVocabulary(vocabulary, qwenVocabSize);

  it('qwen2 is byte-level without a prepended space; SentencePiece configs are detected', () => {
    expect(xgrammar.vocabType).toBe('byte_level');
    expect(xgrammar.prependSpace).toBe(false);
    const llama2 = {
      decoder: { type: 'Sequence', decoders: [{ type: 'Replace' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip' }] },
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace' }] },
      preTokenizer: null,
    };
    expect(detectVocabType(llama2)).toBe('byte_fallback');
    expect(detectPrependSpace(llama2)).toBe(true);
    expect(detectVocabType({ decoder: null })).toBe('raw');
    expect(detectPrependSpace({ normalizer: null, preTokenizer: { type: 'Metaspace', prepend_scheme: 'never' } })).toBe(false);
  });

  it('blanks special tokens, keeps plain added tokens as text in the stored encoding', () => {
    expect(byteLevelEncode(' a\n')).toBe('ĠaĊ');
    expect(xgrammar.encodedVocab).toHaveLength(663);
    for (const id of [qwenSpecialIds.endOfText, qwenSpecialIds.imStart, qwenSpecialIds.imEnd]) expect(xgrammar.encodedVocab[id]).toBe('');
    expect(xgrammar.encodedVocab[qwenSpecialIds.toolCall]).toBe('<tool_call>');
    expect(xgrammarVocabulary(vocabulary, 600).encodedVocab).toHaveLength(600);
  });

  it("each token's bytes decode to the tokenizer's own text for it", () => {
    const bytes = tokenBytes(xgrammar);
    const strict = new TextDecoder('utf-8', { fatal: true });
    let compared = 0;
    bytes.forEach((token, id) => {
      if (token === undefined) return expect(xgrammar.encodedVocab[id]).toBe('');
      let text: string;
      try {
        text = strict.decode(token);
      } catch {
        return; // a piece of a multi-byte character: the tokenizer shows U+FFFD
      }
      expect(text, `token ${id}`).toBe(tokenizer.decode([id]));
      compared++;
    });
    expect(compared).toBeGreaterThan(500);
  });
});

describe('UTF-8 automaton', () => {
  /** Valid UTF-8, whole characters, no control character but "\n". */
  const reference = (bytes: Uint8Array) => {
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      return !/[\u0000-\u0009\u000b-\u001f]/.test(text);
    } catch {
      return false;
    }
  };
  const run = (bytes: Uint8Array, from = 0) => bytes.reduce((state, byte) => (state < 0 ? state : utf8Step(state, byte)), from);

  it('agrees with TextDecoder on 20,000 random byte strings', () => {
    const random = new Random(5);
    const interesting = [0x0a, 0x09, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff];
    let valid = 0;
    for (let n = 0; n < 20_000; n++) {
      const bytes = Uint8Array.from({ length: random.int(1, 6) }, () => (random.next() < 0.7 ? random.pick(interesting) : random.int(0, 255)));
      const expected = reference(bytes);
      expect(run(bytes) === 0, Array.from(bytes, (b) => b.toString(16)).join(' ')).toBe(expected);
      if (expected) valid++;
    }
    expect(valid).toBeGreaterThan(1000);
    // Whole characters split across tokens: "é" = C3 A9, "𝄞" = F0 9D 84 9E.
    expect(run(Uint8Array.of(0x9d, 0x84, 0x9e), run(Uint8Array.of(0xf0)))).toBe(0);
  });

  it('masks tokens by the state the output is in', () => {
    const bytes = [Uint8Array.of(0x61), Uint8Array.of(0xc3), Uint8Array.of(0xa9), Uint8Array.of(0xf4, 0x90), undefined, Uint8Array.of(0x09)];
    const validity = new Utf8Validity(bytes, 40);
    const allowed = (state: number) => [0, 1, 2, 3, 4, 5, 30].filter((id) => maskAllows(validity.allowedFrom(state), id));
    // Ids without text (4, and 30 past the list: stop and special tokens) only between characters.
    expect(allowed(Utf8Validity.start)).toEqual([0, 1, 4, 30]);
    const afterLead = validity.next(Utf8Validity.start, 1);
    expect(allowed(afterLead)).toEqual([2]);
    expect(validity.next(afterLead, 2)).toBe(Utf8Validity.start);
    expect(validity.next(Utf8Validity.start, 3)).toBe(-1);
  });
});

describe('exportStackPointer', () => {
  const u32 = (n: number) => [n]; // all values below 128
  const wasmSection = (id: number, content: number[]) => [id, ...u32(content.length), ...content];
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const mutableI32 = (value: number) => [0x7f, 0x01, 0x41, value, 0x0b];
  const name = (text: string) => [text.length, ...new TextEncoder().encode(text)];

  it('exports the first defined global, after imported ones', async () => {
    const plain = Uint8Array.from([...header, ...wasmSection(6, [1, ...mutableI32(42)]), ...wasmSection(7, [0])]);
    const one = await WebAssembly.instantiate(exportStackPointer(plain, 'sp'));
    const sp = one.instance.exports['sp'] as WebAssembly.Global;
    expect(sp.value).toBe(42);
    sp.value = 7;
    expect(sp.value).toBe(7);

    const imported = Uint8Array.from([
      ...header,
      ...wasmSection(2, [1, ...name('env'), ...name('g'), 0x03, 0x7f, 0x00]),
      ...wasmSection(6, [1, ...mutableI32(9)]),
      ...wasmSection(7, [1, ...name('x'), 0x03, 0x00]),
    ]);
    const env = { g: new WebAssembly.Global({ value: 'i32', mutable: false }, 5) };
    const two = await WebAssembly.instantiate(exportStackPointer(imported, 'sp'), { env });
    expect((two.instance.exports['sp'] as WebAssembly.Global).value).toBe(9);
    expect((two.instance.exports['x'] as WebAssembly.Global).value).toBe(5);
  });

  it('refuses a module whose first global is not a mutable i32', () => {
    const constant = Uint8Array.from([...header, ...wasmSection(6, [1, 0x7f, 0x00, 0x41, 1, 0x0b]), ...wasmSection(7, [0])]);
    expect(() => exportStackPointer(constant, 'sp')).toThrow(/mutable i32/);
    expect(() => exportStackPointer(Uint8Array.of(1, 2, 3, 4), 'sp')).toThrow(/not a wasm/);
  });
});
