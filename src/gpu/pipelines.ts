/**
 * Compute pipelines as handles that may still be compiling, and the bind groups made from them.
 * Outside a scope a handle is compiled synchronously and is ready at once. Inside
 * `deferPipelines(device, build)` the pipelines `build` asks for are only recorded; the scope's
 * `compile()` then compiles them all, so a model load can allocate first and stream its weights
 * while they compile, and bind groups from those handles are made once they are ready. Handles
 * are cached per device by (label, constants).
 */
import { awaitGpu } from './await-gpu.ts';

export type Constants = Record<string, number | boolean>;

/**
 * How a scope compiles. 'parallel': createComputePipelineAsync for every pipeline at once, which
 * the browser's GPU process (or Dawn) spreads over worker threads. 'serial': createComputePipeline
 * one at a time, each checked through error scopes. Neither blocks a page (its WebGPU calls run
 * in the GPU process), so downloads go on meanwhile. Serial is the default in Node, where Dawn's
 * binding polls for async results in a loop on the JS thread (compiles took 2x as long on 2
 * cores), and in browsers with 2 cores or fewer, where parallel was 18% slower (Chromium on
 * SwiftShader, one core busy elsewhere).
 */
export type CompileMode = 'parallel' | 'serial';

export class PipelineHandle {
  private value: GPUComputePipeline | undefined;
  private error: Error | undefined;
  private started = false;
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Resolves when the pipeline is ready, rejects when its compile failed. */
  readonly settled = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));

  constructor(
    private readonly device: GPUDevice,
    readonly label: string,
    private readonly descriptor: () => GPUComputePipelineDescriptor,
    /** Called on failure: the shader module may be what failed, so it is made again next time. */
    private readonly onFailure: () => void,
  ) {
    this.settled.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  get ready(): boolean {
    return this.value !== undefined;
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  /** The compiled pipeline; encoding with a handle that is still compiling is a bug. */
  get pipeline(): GPUComputePipeline {
    if (this.value === undefined) throw this.error ?? new Error(`pipeline ${this.label} is still compiling`);
    return this.value;
  }

  /** Compiles now, usable at once (an async compile still running then loses: first wins). */
  compileNow(): void {
    this.started = true;
    if (this.value === undefined && this.error === undefined) this.resolve(this.device.createComputePipeline(this.descriptor()));
  }

  /** Compiles with the synchronous call, its errors (the module's too) read from error scopes. */
  compileChecked(): void {
    if (this.started) return;
    this.started = true;
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('internal');
    const pipeline = this.device.createComputePipeline(this.descriptor());
    const errors = [this.device.popErrorScope(), this.device.popErrorScope()];
    void awaitGpu(Promise.all(errors)).then(([internal, invalid]) => {
      const error = internal ?? invalid;
      if (error === null || error === undefined) this.resolve(pipeline);
      else this.reject(asError(this.label, error));
    }, (error: unknown) => this.reject(asError(this.label, error)));
  }

  /** Starts an async compile unless one was started. */
  compileAsync(): void {
    if (this.started) return;
    this.started = true;
    this.device.pushErrorScope('validation');
    const compiling = this.device.createComputePipelineAsync(this.descriptor());
    // A WGSL error goes to the error scope; the promise only says the module is invalid.
    const moduleError = this.device.popErrorScope();
    void awaitGpu(Promise.allSettled([compiling, moduleError])).then(([pipeline, scoped]) => {
      const error = scoped.status === 'fulfilled' ? scoped.value : scoped.reason;
      if (error !== null) this.reject(asError(this.label, error));
      else if (pipeline.status === 'fulfilled') this.resolve(pipeline.value);
      else this.reject(asError(this.label, pipeline.reason));
    });
  }

  private resolve(pipeline: GPUComputePipeline): void {
    if (this.value !== undefined || this.error !== undefined) return;
    this.value = pipeline;
    this.settle.resolve();
  }

  private reject(error: Error): void {
    if (this.value !== undefined || this.error !== undefined) return;
    this.error = error;
    this.onFailure();
    this.settle.reject(error);
  }
}

/** A pipeline with its group-0 resources; the bind group is made once the pipeline is ready. */
export class KernelBinding {
  private group: GPUBindGroup | undefined;
  private resources: readonly (GPUBuffer | GPUBufferBinding)[] | undefined;

  constructor(private readonly device: GPUDevice, readonly label: string, readonly handle: PipelineHandle, resources: readonly (GPUBuffer | GPUBufferBinding)[]) {
    this.resources = resources;
    if (handle.ready) {
      this.bindGroup();
    } else if (active?.device === device) {
      active.bindings.push(this);
      active.pending.add(handle); // also when another scope asked for the pipeline first
    }
  }

  bindGroup(): GPUBindGroup {
    if (this.group !== undefined) return this.group;
    const layout = this.handle.pipeline.getBindGroupLayout(0);
    this.group = this.device.createBindGroup({
      label: `${this.label}.bindGroup`,
      layout,
      entries: this.resources!.map((resource, binding) => ({ binding, resource: 'usage' in resource ? { buffer: resource } : resource })),
    });
    this.resources = undefined;
    return this.group;
  }

  /** Sets the pipeline and its bind group on the pass (throws while the pipeline compiles). */
  set(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.handle.pipeline);
    pass.setBindGroup(0, this.bindGroup());
  }
}

interface Scope {
  readonly device: GPUDevice;
  readonly pending: Set<PipelineHandle>;
  readonly bindings: KernelBinding[];
}

/** The scope being built; builds are synchronous, so one at a time. */
let active: Scope | undefined;
const pipelineCaches = new WeakMap<GPUDevice, Map<string, PipelineHandle>>();
const moduleCaches = new WeakMap<GPUDevice, Map<string, GPUShaderModule>>();

export interface PipelineScope<T> {
  readonly value: T;
  /**
   * Compiles the pipelines `build` asked for (the first call; later calls return its promise) and
   * then makes the bind groups from them. Rejects with the first failure, naming the pipeline.
   */
  compile(mode?: CompileMode): Promise<void>;
}

/** Runs `build` with the pipelines it asks for recorded, to be compiled by `compile()`. */
export function deferPipelines<T>(device: GPUDevice, build: () => T): PipelineScope<T> {
  const outer = active;
  const scope: Scope = { device, pending: new Set(), bindings: [] };
  active = scope;
  let value: T;
  try {
    value = build();
  } finally {
    active = outer;
  }
  let compiled: Promise<void> | undefined;
  return {
    value,
    compile: (mode = defaultCompileMode()) => (compiled ??= compileScope(scope, mode)),
  };
}

async function compileScope({ device, pending, bindings }: Scope, mode: CompileMode): Promise<void> {
  for (const handle of pending) {
    if (mode === 'parallel') handle.compileAsync();
    else handle.compileChecked();
  }
  await awaitGpu(Promise.all([...pending].map((handle) => handle.settled)));
  // One synchronous stretch: no other code pushes or pops error scopes on the device meanwhile.
  device.pushErrorScope('validation');
  for (const binding of bindings) binding.bindGroup();
  const error = await awaitGpu(device.popErrorScope());
  if (error !== null) throw new Error(`bind groups: ${error.message}`);
}

let modeOverride: CompileMode | undefined;

/** Makes every scope compile `mode`'s way; undefined restores the default (tests, benchmarks). */
export function setCompileMode(mode: CompileMode | undefined): void {
  modeOverride = mode;
}

/** Parallel where a spare core can take a compile; see CompileMode. */
export function defaultCompileMode(): CompileMode {
  if (modeOverride !== undefined) return modeOverride;
  const node = typeof process !== 'undefined' && process.versions?.node !== undefined;
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency;
  return !node && cores > 2 ? 'parallel' : 'serial';
}

/**
 * Pipelines are created once per (shader, constants) and device. Inside a scope a handle still
 * waiting for another scope's compile is shared; outside one it is compiled at once.
 */
export function getPipeline(device: GPUDevice, label: string, code: string, constants: Constants): PipelineHandle {
  let pipelines = pipelineCaches.get(device);
  if (pipelines === undefined) pipelineCaches.set(device, (pipelines = new Map()));
  const key = `${label}|${JSON.stringify(constants)}`;
  let handle = pipelines.get(key);
  if (handle?.ready === true) return handle;
  // A failed compile is not kept: the next build tries again.
  if (handle === undefined || handle.failed) {
    const descriptor = (): GPUComputePipelineDescriptor => ({
      label: `${label}.pipeline`,
      layout: 'auto',
      compute: { module: getModule(device, label, code), entryPoint: 'main', constants: numericConstants(constants) },
    });
    handle = new PipelineHandle(device, `${label}.pipeline`, descriptor, () => moduleCaches.get(device)?.delete(label));
    pipelines.set(key, handle);
  }
  if (active?.device === device) active.pending.add(handle);
  else handle.compileNow();
  return handle;
}

function asError(label: string, error: unknown): Error {
  const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  return new Error(`${label}: ${message}`);
}

function getModule(device: GPUDevice, label: string, code: string): GPUShaderModule {
  let modules = moduleCaches.get(device);
  if (modules === undefined) moduleCaches.set(device, (modules = new Map()));
  let module = modules.get(label);
  if (module === undefined) {
    module = device.createShaderModule({ label: `${label}.module`, code });
    modules.set(label, module);
  }
  return module;
}

function numericConstants(constants: Constants): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [name, value] of Object.entries(constants)) result[name] = typeof value === 'boolean' ? Number(value) : value;
  return result;
}
