/**
 * The demo's Web Worker: owns the GPU device and the model, so that loading and generating never
 * block the page. Exposed to the page through comlink; text streams back through a callback.
 */
import * as Comlink from 'comlink';
import { generate, getDevice, loadModel } from '../src/index.ts';

type Gpu = Awaited<ReturnType<typeof getDevice>>;
type Model = Awaited<ReturnType<typeof loadModel>>;

export interface GenerationStats {
  promptTokens: number;
  completionTokens: number;
  milliseconds: number;
}

let gpu: Gpu | undefined;
let model: Model | undefined;

/**
 * Turns a growing list of token ids into text deltas. It re-decodes all ids each time (a token
 * may only make sense with its neighbours) and holds back while the text ends in U+FFFD, i.e.
 * while a multi-byte UTF-8 character is still split across tokens.
 */
function textStream(decode: (ids: readonly number[]) => string, emit: (delta: string) => void) {
  const ids: number[] = [];
  let emitted = '';
  const flush = (final: boolean): void => {
    const text = decode(ids);
    if (!final && text.endsWith('\uFFFD')) return;
    if (text.length > emitted.length) emit(text.slice(emitted.length));
    emitted = text;
  };
  return {
    push(id: number): void {
      ids.push(id);
      flush(false);
    },
    end: (): void => flush(true),
  };
}

/** Prompt ids: the tokenizer's, or for a model folder without one, the prompt read as `1, 2, 3`. */
function promptIds(current: Model, prompt: string): number[] {
  if (current.tokenizer) return current.tokenizer.encode(prompt);
  if (!/^\s*\d+(\s*,\s*\d+)*\s*$/.test(prompt)) {
    throw new Error('This model has no tokenizer: type the prompt as token ids, e.g. "1, 2, 3".');
  }
  return prompt.split(',').map((part) => Number(part.trim()));
}

const api = {
  /** Acquires the device; returns the adapter's name. */
  async connect(): Promise<string> {
    gpu ??= await getDevice();
    return gpu.adapterName;
  },

  /** Loads the model folder at an absolute URL; returns whether it has a tokenizer. */
  async load(modelUrl: string): Promise<boolean> {
    gpu ??= await getDevice();
    model = await loadModel(gpu, modelUrl);
    return model.tokenizer !== undefined;
  },

  async generate(prompt: string, maxTokens: number, onText: (delta: string) => void): Promise<GenerationStats> {
    if (!model) throw new Error('The model is not loaded yet.');
    const current = model;
    const ids = promptIds(current, prompt);
    const tokenizer = current.tokenizer;
    const decode = tokenizer
      ? (tokens: readonly number[]) => tokenizer.decode(tokens)
      : (tokens: readonly number[]) => tokens.map((id) => ` ${id}`).join('');
    // Each onText call is a comlink message; they arrive in order, so no need to await them.
    const stream = textStream(decode, (delta) => void onText(delta));
    const start = performance.now();
    const result = await generate(current, { promptIds: ids, maxTokens, onToken: (id) => stream.push(id) });
    stream.end();
    return {
      promptTokens: ids.length,
      completionTokens: result.completionIds.length,
      milliseconds: performance.now() - start,
    };
  },
};

export type GenerationWorker = typeof api;

Comlink.expose(api);
