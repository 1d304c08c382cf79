/**
 * The vocabulary in the form XGrammar's TokenizerInfo takes: one stored token string per id, how
 * to decode stored tokens to bytes (its "vocab type", read from tokenizer.json as XGrammar's own
 * `from_huggingface` does), and whether the tokenizer prepends a space.
 *
 * XGrammar treats a token that decodes to nothing as special and never allows it (stop tokens
 * excepted), so special added tokens (<|im_start|>, padding) and ids without a token become "".
 * Other added tokens (<tool_call>, <think>) are plain text, so their content is written in the
 * stored encoding, which XGrammar decodes back to exactly that text. So are the special tokens
 * that open a family's tool calls (Mistral's `[TOOL_CALLS]`, Llama's `<|python_tag|>`): a
 * constrained call writes them as the model was trained to, and the tool parser reads them.
 */
import type { TokenizerVocabulary } from '../text/tokenizer.ts';

export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface XGrammarVocabulary {
  /** Length ≤ vocabSize; ids past its end have no token. */
  readonly encodedVocab: string[];
  readonly vocabType: VocabType;
  readonly prependSpace: boolean;
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A pipeline section and, for a Sequence, its steps (decoders / normalizers / pretokenizers). */
function steps(section: unknown): Json[] {
  if (!isObject(section)) return [];
  const nested = section['decoders'] ?? section['normalizers'] ?? section['pretokenizers'];
  return Array.isArray(nested) ? nested.flatMap(steps) : [section];
}

export function detectVocabType(vocabulary: Pick<TokenizerVocabulary, 'decoder'>): VocabType {
  const types = steps(vocabulary.decoder).map((step) => step['type']);
  if (types.includes('ByteFallback')) return 'byte_fallback';
  if (types.includes('ByteLevel')) return 'byte_level';
  return 'raw';
}

/** SentencePiece-style: a '▁' Prepend normalizer, or a Metaspace pre-tokenizer that prepends. */
export function detectPrependSpace(vocabulary: Pick<TokenizerVocabulary, 'normalizer' | 'preTokenizer'>): boolean {
  if (steps(vocabulary.normalizer).some((step) => step['type'] === 'Prepend' && step['prepend'] === '▁')) return true;
  return steps(vocabulary.preTokenizer).some((step) =>
    step['type'] === 'Metaspace' && (step['prepend_scheme'] === 'always' || step['prepend_scheme'] === 'first' || step['add_prefix_space'] === true));
}

/** GPT-2's byte ↔ character table: printable Latin-1 bytes stand for themselves, the rest for U+0100… */
let byteCharacters: string[] | undefined;
function byteLevelCharacters(): string[] {
  if (byteCharacters !== undefined) return byteCharacters;
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table.push(String.fromCodePoint(printable ? b : next++));
  }
  byteCharacters = table;
  return table;
}

/** Text as a byte-level vocabulary stores it ("a b" → "aĠb"). */
export function byteLevelEncode(text: string): string {
  const table = byteLevelCharacters();
  return Array.from(new TextEncoder().encode(text), (b) => table[b]!).join('');
}

/** Special tokens that tool-call grammars write as text (tool-call-grammars.ts). */
export const callMarkerTokens: ReadonlySet<string> = new Set(['[TOOL_CALLS]', '<|python_tag|>']);

export function xgrammarVocabulary(vocabulary: TokenizerVocabulary, vocabSize: number): XGrammarVocabulary {
  const vocabType = detectVocabType(vocabulary);
  const length = Math.min(vocabulary.tokens.length, vocabSize);
  const encodedVocab: string[] = new Array<string>(length);
  for (let id = 0; id < length; id++) {
    const token = vocabulary.tokens[id];
    const added = vocabulary.added.get(id);
    if (token === undefined || (added?.special === true && !callMarkerTokens.has(token))) encodedVocab[id] = '';
    else if (added !== undefined && vocabType === 'byte_level') encodedVocab[id] = byteLevelEncode(token);
    else encodedVocab[id] = token;
  }
  return { encodedVocab, vocabType, prependSpace: detectPrependSpace(vocabulary) };
}

/**
 * Each token's bytes as XGrammar decodes them (undefined for tokens without text: special, stop
 * and padded ids): byte-level characters through GPT-2's table, SentencePiece '<0xHH>' byte
 * tokens and '▁' spaces, raw tokens as UTF-8.
 */
export function tokenBytes(vocabulary: XGrammarVocabulary): (Uint8Array | undefined)[] {
  const encoder = new TextEncoder();
  const byteOf = new Map<string, number>(byteLevelCharacters().map((character, byte) => [character, byte]));
  return vocabulary.encodedVocab.map((token) => {
    if (token === '') return undefined;
    if (vocabulary.vocabType === 'byte_level') {
      return Uint8Array.from(Array.from(token).flatMap((character) => {
        const byte = byteOf.get(character);
        return byte === undefined ? [...encoder.encode(character)] : [byte];
      }));
    }
    if (vocabulary.vocabType === 'byte_fallback') {
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
      return byte !== null ? Uint8Array.of(parseInt(byte[1]!, 16)) : encoder.encode(token.replaceAll('▁', ' '));
    }
    return encoder.encode(token);
  });
}
