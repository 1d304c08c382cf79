/**
 * The tokenizer adapter: tokenizer.json + tokenizer_config.json through `@huggingface/tokenizers`,
 * behind a small interface the engine and API use. Special tokens written in text
 * (`<|im_start|>`) encode to their single ids, since chat templates render them as text, except
 * inside the plain spans a caller marks (chat message content: plain-spans.ts).
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { LlmError } from '../errors.ts';
import type { ModelSource } from '../hub/model-source.ts';
import { PlainSpanEncoder, type TextSpan } from './plain-spans.ts';

export type { TextSpan } from './plain-spans.ts';

export interface TextTokenizer {
  /** Token ids for text. `addSpecialTokens` (default false) runs the post-processor (e.g. Llama's BOS);
   *  chat templates already contain their special tokens, as in vLLM's chat endpoint. `plainSpans`
   *  (sorted, not overlapping): ranges of `text` tokenized as text even where they spell an added token. */
  encode(text: string, options?: { addSpecialTokens?: boolean; plainSpans?: readonly TextSpan[] }): number[];
  /** Text for ids; ids the tokenizer has no token for (padded vocab rows) decode to nothing. */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  tokenId(token: string): number | undefined;
  /** The jinja chat template: chat_template.jinja, else tokenizer_config.json's chat_template. */
  readonly chatTemplate: string | undefined;
  readonly eosToken: string | undefined;
  readonly bosToken: string | undefined;
  /** The vocabulary as stored, for grammar-constrained decoding (src/constraint/). */
  vocabulary(): TokenizerVocabulary;
}

export interface TokenizerVocabulary {
  /** By id: the token as the model stores it (byte-level 'Ġthe', SentencePiece '▁the' or '<0x0A>'),
   *  or an added token's content; undefined for ids without a token. */
  readonly tokens: readonly (string | undefined)[];
  /** Added tokens by id: their content is plain text, not in the stored encoding; special ones are control tokens. */
  readonly added: ReadonlyMap<number, { readonly special: boolean }>;
  /** tokenizer.json's decoder, normalizer and pre_tokenizer as written: how stored tokens become text. */
  readonly decoder: unknown;
  readonly normalizer: unknown;
  readonly preTokenizer: unknown;
}

const TOKENIZER_FILE = 'tokenizer.json';
const CONFIG_FILE = 'tokenizer_config.json';
const TEMPLATE_FILE = 'chat_template.jinja';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** undefined when the folder has no tokenizer.json (token-id-only use). */
export async function loadTokenizer(source: ModelSource): Promise<TextTokenizer | undefined> {
  if (!(await source.exists(TOKENIZER_FILE))) return undefined;
  const [tokenizerJson, config, templateFile] = await Promise.all([
    source.readJson(TOKENIZER_FILE),
    source.exists(CONFIG_FILE).then((present) => (present ? source.readJson(CONFIG_FILE) : {})),
    source.exists(TEMPLATE_FILE).then((present) => (present ? source.readText(TEMPLATE_FILE) : undefined)),
  ]);
  if (!isObject(tokenizerJson)) throw new LlmError('invalid_config', `${TOKENIZER_FILE} is not a JSON object`, TOKENIZER_FILE);
  if (!isObject(config)) throw new LlmError('invalid_config', `${CONFIG_FILE} is not a JSON object`, CONFIG_FILE);
  return createTokenizer(tokenizerJson, config, templateFile);
}

/** Throws 'no_tokenizer' for code paths that need text when the model folder had no tokenizer. */
export function requireTokenizer(tokenizer: TextTokenizer | undefined, location: string): TextTokenizer {
  if (tokenizer === undefined) {
    throw new LlmError('no_tokenizer', `${location} has no ${TOKENIZER_FILE}; only token ids can be used`, TOKENIZER_FILE);
  }
  return tokenizer;
}

export function createTokenizer(tokenizerJson: Json, config: Json, templateFile?: string): TextTokenizer {
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, config);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new LlmError('invalid_config', `${TOKENIZER_FILE} could not be loaded: ${why}`, TOKENIZER_FILE);
  }
  // transformers lets a chat_template.jinja file override the config's template.
  const chatTemplate = templateFile ?? readChatTemplate(config['chat_template']);
  const eosToken = readTokenContent(config['eos_token']);
  const bosToken = readTokenContent(config['bos_token']);
  const pipeline = { decoder: tokenizerJson['decoder'], normalizer: tokenizerJson['normalizer'], preTokenizer: tokenizerJson['pre_tokenizer'] };
  let vocabulary: TokenizerVocabulary | undefined;
  let plainSpanEncoder: PlainSpanEncoder | undefined;

  return {
    chatTemplate,
    eosToken,
    bosToken,
    encode(text, options) {
      const addSpecialTokens = options?.addSpecialTokens ?? false;
      const spans = options?.plainSpans ?? [];
      if (spans.length === 0) return tokenizer.encode(text, { add_special_tokens: addSpecialTokens }).ids;
      plainSpanEncoder ??= new PlainSpanEncoder(tokenizer, {
        removeSpace: config['remove_space'] === true,
        lowercaseAndRemoveAccents: config['do_lowercase_and_remove_accent'] === true,
      });
      return plainSpanEncoder.encode(text, spans, addSpecialTokens);
    },
    decode(ids, options) {
      // The library throws on an empty list and maps unknown ids to an undefined token; the
      // Rust tokenizers skip unknown ids, so do that.
      const known = ids.filter((id) => tokenizer.id_to_token(id) !== undefined);
      if (known.length === 0) return '';
      // No clean-up of spaces before punctuation: vLLM's streamed text never applies it, and it
      // would break decode(encode(text)) === text.
      return tokenizer.decode(known, {
        skip_special_tokens: options?.skipSpecialTokens ?? false,
        clean_up_tokenization_spaces: false,
      });
    },
    tokenId(token) {
      return tokenizer.token_to_id(token);
    },
    vocabulary() {
      vocabulary ??= readVocabulary(tokenizer, pipeline);
      return vocabulary;
    },
  };
}

function readVocabulary(tokenizer: Tokenizer, pipeline: Pick<TokenizerVocabulary, 'decoder' | 'normalizer' | 'preTokenizer'>): TokenizerVocabulary {
  const tokens: (string | undefined)[] = [];
  for (const [token, id] of tokenizer.get_vocab(true)) tokens[id] = token;
  const added = new Map<number, { special: boolean }>();
  for (const [id, token] of tokenizer.get_added_tokens_decoder()) {
    tokens[id] = token.content;
    added.set(id, { special: token.special });
  }
  return { tokens: Array.from(tokens), added, ...pipeline };
}

/** chat_template is a string, or (older files) a list of {name, template}; 'default' wins. */
function readChatTemplate(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return undefined;
  const named = value.filter(isObject);
  const chosen = named.find((entry) => entry['name'] === 'default') ?? named[0];
  const template = chosen?.['template'];
  return typeof template === 'string' ? template : undefined;
}

/** Special tokens appear as a string or as an AddedToken object `{content, …}`. */
function readTokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value) && typeof value['content'] === 'string') return value['content'];
  return undefined;
}
