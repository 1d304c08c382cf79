/**
 * The tokenizer's files, checked as the model loads, before the tokenizer library reads them.
 * Without these checks a wrong file loads and fails at the first request, or never visibly: the
 * library takes a tokenizer.json model of unknown `type` for a "legacy" one that splits nothing,
 * and a `chat_template` that is neither a string nor HF's list of {name, template} silently
 * becomes "no template". Each problem is a typed error naming the file and the field:
 *   tokenizer.json: `model` an object; `model.type` one the library runs (BPE, WordPiece,
 *     Unigram; HF's WordLevel it cannot), or absent where the library infers a real one;
 *     `model.vocab` / `model.merges` / `added_tokens` of the right shapes; every token id below
 *     config.json's vocab_size (the model has no embedding row or logit for one above).
 *   tokenizer_config.json: `chat_template` a string, or a list of {name, template} with unique
 *     names and a "default" (transformers renders that one when no name is given, and raises
 *     without it); special tokens (`eos_token`, …) a string or an AddedToken {content}.
 * The parsed files are then handed to loadTokenizer, so nothing is read twice.
 */
import { LlmError } from '../errors.ts';
import { loadTokenizer, type TextTokenizer } from '../text/tokenizer.ts';
import { boundSource, type ModelSource } from '../hub/model-source.ts';

const TOKENIZER_FILE = 'tokenizer.json';
const CONFIG_FILE = 'tokenizer_config.json';
/** What @huggingface/tokenizers runs; HF's fourth type, WordLevel, it has no model for. */
const SUPPORTED_TYPES = ['BPE', 'WordPiece', 'Unigram'];
const SPECIAL_TOKENS = ['bos_token', 'eos_token', 'unk_token', 'pad_token'];

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isTokenId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const show = (value: unknown): string => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'an object' : JSON.stringify(value));

function fail(code: 'invalid_config' | 'unsupported_option', file: string, field: string, why: string): never {
  throw new LlmError(code, `${file}: field "${field}" ${why}`, field);
}

/** The model's tokenizer (undefined without tokenizer.json), its files checked against config.json's vocab_size first. */
export async function openTokenizer(source: ModelSource, vocabSize: number): Promise<TextTokenizer | undefined> {
  if (!(await source.exists(TOKENIZER_FILE))) return undefined;
  const [tokenizerJson, tokenizerConfig] = await Promise.all([
    source.readJson(TOKENIZER_FILE),
    source.exists(CONFIG_FILE).then((present) => (present ? source.readJson(CONFIG_FILE) : undefined)),
  ]);
  checkTokenizerJson(tokenizerJson, vocabSize);
  if (tokenizerConfig !== undefined) checkTokenizerConfig(tokenizerConfig);
  const parsed = new Map<string, unknown>([[TOKENIZER_FILE, tokenizerJson], [CONFIG_FILE, tokenizerConfig]]);
  return loadTokenizer({ ...boundSource(source), readJson: (name) => (parsed.get(name) !== undefined ? Promise.resolve(parsed.get(name)) : source.readJson(name)) });
}

export function checkTokenizerJson(json: unknown, vocabSize: number): void {
  if (!isObject(json)) throw new LlmError('invalid_config', `${TOKENIZER_FILE} is not a JSON object`, TOKENIZER_FILE);
  const model = json['model'];
  if (!isObject(model)) fail('invalid_config', TOKENIZER_FILE, 'model', `must be an object, got ${show(model)}`);
  const type = modelType(model);
  const vocab = model['vocab'];
  // id → token, for the vocab_size check's message.
  const ids = new Map<number, string>();
  if (type === 'Unigram') {
    if (!Array.isArray(vocab) || !vocab.every((entry) => Array.isArray(entry) && typeof entry[0] === 'string' && typeof entry[1] === 'number')) {
      fail('invalid_config', TOKENIZER_FILE, 'model.vocab', 'of a Unigram model must be a list of [token, score] pairs');
    }
    vocab.forEach((entry: [string, number], id) => ids.set(id, entry[0]));
  } else {
    if (!isObject(vocab)) fail('invalid_config', TOKENIZER_FILE, 'model.vocab', `of a ${type} model must be an object of token → id, got ${show(vocab)}`);
    for (const [token, id] of Object.entries(vocab)) {
      if (!isTokenId(id)) fail('invalid_config', TOKENIZER_FILE, 'model.vocab', `maps ${JSON.stringify(token)} to ${show(id)}, not a token id`);
      ids.set(id, token);
    }
  }
  const merges = model['merges'];
  if (type === 'BPE' && !(Array.isArray(merges) && merges.every(isMerge))) {
    fail('invalid_config', TOKENIZER_FILE, 'model.merges', 'of a BPE model must be a list of "a b" strings or [a, b] pairs');
  }
  const added = json['added_tokens'] ?? [];
  if (!Array.isArray(added)) fail('invalid_config', TOKENIZER_FILE, 'added_tokens', `must be a list, got ${show(added)}`);
  for (const token of added) {
    if (!isObject(token) || !isTokenId(token['id']) || typeof token['content'] !== 'string') {
      fail('invalid_config', TOKENIZER_FILE, 'added_tokens', `must hold {id, content} objects, got ${JSON.stringify(token)?.slice(0, 80)}`);
    }
    ids.set(token['id'], token['content']);
  }
  let largest = -1;
  for (const id of ids.keys()) largest = Math.max(largest, id);
  if (largest >= vocabSize) {
    throw new LlmError(
      'invalid_config',
      `${TOKENIZER_FILE}: token ${JSON.stringify(ids.get(largest))} has id ${largest}, but config.json vocab_size is ${vocabSize} (the model has no row for it)`,
      'vocab_size',
    );
  }
}

/** model.type, or the type the library infers when it is absent (as HF's older files allow). */
function modelType(model: Json): string {
  const type = model['type'] ?? undefined;
  if (type === undefined) {
    // The library's inference: a list vocabulary is Unigram; continuing_subword_prefix and
    // unk_token make BPE (with merges) or WordPiece; anything else a "legacy" model that splits nothing.
    if (Array.isArray(model['vocab'])) return 'Unigram';
    if ('continuing_subword_prefix' in model && 'unk_token' in model) return 'merges' in model ? 'BPE' : 'WordPiece';
    fail('unsupported_option', TOKENIZER_FILE, 'model.type', `is absent and the model is none the tokenizer library can infer (supported: ${SUPPORTED_TYPES.join(', ')})`);
  }
  if (typeof type !== 'string') fail('invalid_config', TOKENIZER_FILE, 'model.type', `must be a string, got ${show(type)}`);
  if (SUPPORTED_TYPES.includes(type)) return type;
  if (type === 'WordLevel') fail('unsupported_option', TOKENIZER_FILE, 'model.type', `"WordLevel" is not supported by the tokenizer library (supported: ${SUPPORTED_TYPES.join(', ')})`);
  return fail('invalid_config', TOKENIZER_FILE, 'model.type', `${JSON.stringify(type)} is not a tokenizer model type (supported: ${SUPPORTED_TYPES.join(', ')})`);
}

function isMerge(merge: unknown): boolean {
  return typeof merge === 'string' || (Array.isArray(merge) && merge.length === 2 && merge.every((part) => typeof part === 'string'));
}

export function checkTokenizerConfig(json: unknown): void {
  if (!isObject(json)) throw new LlmError('invalid_config', `${CONFIG_FILE} is not a JSON object`, CONFIG_FILE);
  checkChatTemplate(json['chat_template'] ?? undefined);
  for (const field of SPECIAL_TOKENS) {
    const value = json[field] ?? undefined;
    if (value !== undefined && typeof value !== 'string' && !(isObject(value) && typeof value['content'] === 'string')) {
      fail('invalid_config', CONFIG_FILE, field, `must be a token string or an AddedToken {content}, got ${show(value)}`);
    }
  }
}

function checkChatTemplate(template: unknown): void {
  if (template === undefined || typeof template === 'string') return;
  if (!Array.isArray(template)) {
    fail('invalid_config', CONFIG_FILE, 'chat_template', `must be a string or a list of {name, template} objects, got ${show(template)}`);
  }
  const names = new Set<string>();
  for (const entry of template) {
    if (!isObject(entry) || typeof entry['name'] !== 'string' || typeof entry['template'] !== 'string') {
      fail('invalid_config', CONFIG_FILE, 'chat_template', 'as a list must hold {name, template} objects with string values');
    }
    if (names.has(entry['name'])) fail('invalid_config', CONFIG_FILE, 'chat_template', `names the template ${JSON.stringify(entry['name'])} twice`);
    names.add(entry['name']);
  }
  if (!names.has('default')) {
    fail('invalid_config', CONFIG_FILE, 'chat_template', `lists templates ${JSON.stringify([...names])} but none named "default", the one rendered`);
  }
}
