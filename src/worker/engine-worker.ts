/**
 * The engine's half of the worker host: the worker owns the device, the model and the step loop,
 * so the page never blocks on the GPU. ChatHost (chat-host.ts) extends it with the chat layer and
 * is the one host a worker serves; each step sends one message per running request (its output),
 * never one per layer or kernel.
 */
import { orderedDelivery } from './ordered-delivery.ts';
import * as Comlink from 'comlink';
import { createModelConstraintCompiler } from '../constraint/model-constraints.ts';
import type { ConstraintCompiler } from '../constraint/token-constraint.ts';
import { getDevice, type GpuContext } from '../gpu/device.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../model/load-model.ts';
import type { LoadProgress, ProgressListener } from '../model/load-progress.ts';
import { Engine } from '../engine/engine.ts';
import type { EngineRequest, EngineStats, RequestOutput, RequestResult } from '../engine/engine-types.ts';

/** Load options that cross the worker boundary (progress goes as load's own callback argument). */
export interface WorkerLoadOptions extends Omit<LoadModelOptions, 'onProgress'> {
  readonly enablePrefixCaching?: boolean;
}

export interface LoadedInfo {
  readonly adapterName: string;
  readonly isSoftware: boolean;
  readonly location: string;
  readonly architecture: string;
  readonly vocabSize: number;
  readonly maxModelLen: number;
  readonly numKvBlocks: number;
  readonly blockSize: number;
  readonly hasTokenizer: boolean;
  /**
   * Set by the chat layer: the reasoning parser the model's chat template calls for ('qwen3':
   * thinks unless `enable_thinking: false`; 'deepseek_r1': always thinks); absent: no reasoning.
   */
  readonly reasoningParser?: 'qwen3' | 'deepseek_r1';
  /** Set by the chat layer: the tool-call parser's name (chosen, or detected from the chat template). */
  readonly toolCallParser?: string;
}

export class EngineHost {
  private gpu: GpuContext | undefined;
  private model: LoadedModel | undefined;
  private constraints: ConstraintCompiler | undefined;
  protected engine: Engine | undefined;

  /**
   * Loads a model (a Hub id or a folder URL) and starts an engine on it, replacing any earlier one.
   * `onProgress` (a comlink proxy when the caller is a page) gets load-progress events, all of
   * them before this resolves or rejects.
   */
  async load(location: string, options: WorkerLoadOptions = {}, onProgress?: ProgressListener): Promise<LoadedInfo> {
    const { enablePrefixCaching, ...loadOptions } = options;
    // Events are posted without waiting for the page; the last delivery is awaited below.
    const events = orderedDelivery<[LoadProgress]>(onProgress);
    const progress = events.post === undefined ? {} : { onProgress: events.post };
    let model: LoadedModel;
    try {
      this.gpu ??= await getDevice();
      await this.releaseModel();
      model = await loadModel(this.gpu, location, { ...loadOptions, ...progress });
    } finally {
      await events.delivered();
      // A page's callback came as a comlink proxy: free its channel.
      (onProgress as Partial<Comlink.Remote<ProgressListener>> | undefined)?.[Comlink.releaseProxy]?.();
    }
    this.model = model;
    // Grammars compile and match on their own thread, which starts now beside the engine.
    const constraints = createModelConstraintCompiler(model);
    this.constraints = constraints;
    this.engine = new Engine(model, {
      ...(enablePrefixCaching === undefined ? {} : { enablePrefixCaching }),
      compileConstraint: (spec) => constraints.compile(spec),
    });
    return {
      adapterName: this.gpu.adapterName,
      isSoftware: this.gpu.isSoftware,
      location: model.location,
      architecture: model.config.architecture,
      vocabSize: model.config.vocabSize,
      maxModelLen: model.maxModelLen,
      numKvBlocks: model.kvCache.numBlocks,
      blockSize: model.kvCache.blockSize,
      hasTokenizer: model.tokenizer !== undefined,
    };
  }

  /** Runs a request to completion, calling `onOutput` (a comlink proxy) once per step. */
  async submit(request: EngineRequest, onOutput?: (output: RequestOutput) => void): Promise<RequestResult> {
    const outputs = orderedDelivery(onOutput);
    try {
      return await this.require().submit(request, outputs.post);
    } finally {
      await outputs.delivered();
    }
  }

  abort(id: string): boolean {
    return this.require().abort(id);
  }

  stats(): EngineStats {
    return this.require().stats();
  }

  /**
   * Aborts what runs, destroys the model's buffers, then the device. The host always made that
   * device itself (getDevice), so nobody else holds it. Destroyed buffers are only freed when the
   * device next processes its deletions, which an idle device never does (in Node each load kept
   * about its KV pool and weights); destroying the device frees them and all else it owns at once.
   * A later load makes a new device.
   */
  async dispose(): Promise<void> {
    const grammarGone = this.releaseModel();
    this.gpu?.device.destroy();
    this.gpu = undefined;
    await grammarGone;
  }

  /** Aborts every request, then frees the model's GPU buffers and the grammar runtime (resolves once its thread is gone). */
  private async releaseModel(): Promise<void> {
    for (const id of this.engine?.requestIds() ?? []) this.engine?.abort(id);
    this.engine = undefined;
    const constraints = this.constraints;
    this.constraints = undefined;
    this.model?.dispose();
    this.model = undefined;
    await constraints?.dispose();
  }

  protected require(): Engine {
    if (this.engine === undefined) throw new Error('no model is loaded: call load() first');
    return this.engine;
  }
}
