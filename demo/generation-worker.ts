/**
 * The demo's Web Worker: owns the GPU device, the model and the engine, so that loading and
 * generating never block the page, and prompts sent while others stream join the same batch.
 * Exposed to the page through comlink; text streams back through a callback.
 */
import * as Comlink from 'comlink';
import { Engine, getDevice, IncrementalDecoder, loadModel } from '../src/index.ts';

type Gpu = Awaited<ReturnType<typeof getDevice>>;
type Model = Awaited<ReturnType<typeof loadModel>>;

export interface GenerationStats {
  promptTokens: number;
  completionTokens: number;
  milliseconds: number;
}

let gpu: Gpu | undefined;
let model: Model | undefined;
let engine: Engine | undefined;
let requests = 0;

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
    model?.dispose();
    model = await loadModel(gpu, modelUrl);
    engine = new Engine(model);
    return model.tokenizer !== undefined;
  },

  async generate(prompt: string, maxTokens: number, onText: (delta: string) => void): Promise<GenerationStats> {
    if (!model || !engine) throw new Error('The model is not loaded yet.');
    const current = model;
    const ids = promptIds(current, prompt);
    // Deltas never split a UTF-8 character; without a tokenizer the ids themselves are the text.
    const decoder = current.tokenizer ? new IncrementalDecoder(current.tokenizer) : undefined;
    const toText = (id: number) => (decoder ? decoder.push(id) : ` ${id}`);
    const start = performance.now();
    const result = await engine.submit(
      { id: `demo-${++requests}`, promptIds: ids, sampling: { maxTokens, temperature: 0 } },
      (output) => {
        for (const id of output.tokenIds) {
          const delta = toText(id);
          // Each onText call is a comlink message; they arrive in order, so no need to await them.
          if (delta !== '') void onText(delta);
        }
      },
    );
    return {
      promptTokens: ids.length,
      completionTokens: result.completionIds.length,
      milliseconds: performance.now() - start,
    };
  },
};

export type GenerationWorker = typeof api;

Comlink.expose(api);
