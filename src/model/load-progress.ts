/**
 * Load progress in bytes, per file and over the whole model. Phases: 'files' (config, tokenizer,
 * safetensors headers), 'weights' (tensor bytes streaming onto the GPU as they arrive), 'ready'
 * (the model is loaded; one last event with loaded === total). The overall total is the sum of the
 * sizes of the files known so far; every weight file is announced (from its header) before any
 * weight byte streams, so a progress bar does not jump back during the long phase. Events are
 * throttled, but each file's first and last (loaded === total) event always goes out.
 */
export type LoadPhase = 'files' | 'weights' | 'ready';

export interface FileProgress {
  /** The file's name within the model folder, e.g. 'model-00001-of-00002.safetensors'. */
  readonly name: string;
  readonly loaded: number;
  /** Its size in bytes (while unknown: the bytes read so far). */
  readonly total: number;
  /** Read from Cache Storage, not the network or disk. */
  readonly fromCache: boolean;
}

export interface LoadProgress {
  readonly phase: LoadPhase;
  /** The file this event is about; undefined on the 'ready' event. */
  readonly file: FileProgress | undefined;
  /** Bytes read over every file so far, and the sum of their sizes. */
  readonly loaded: number;
  readonly total: number;
}

export type ProgressListener = (progress: LoadProgress) => void;

interface FileState {
  loaded: number;
  total: number | undefined;
  fromCache: boolean;
}

export class ProgressTracker {
  private readonly files = new Map<string, FileState>();
  private phase: LoadPhase = 'files';
  private lastEmit = -Infinity;
  private failed = false;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 100,
  ) {}

  setPhase(phase: LoadPhase): void {
    this.phase = phase;
  }

  /** A file's size, known before its bytes are read. */
  expect(name: string, total: number): void {
    const state = this.files.get(name);
    if (state === undefined) this.files.set(name, { loaded: 0, total, fromCache: false });
    else state.total = total;
  }

  /** `loaded` bytes of `name` read so far; `total` undefined while the size is unknown. */
  update(name: string, loaded: number, total: number | undefined, fromCache: boolean): void {
    const state = this.files.get(name);
    const first = state === undefined || state.loaded === 0;
    const next: FileState = { loaded, total: total ?? state?.total, fromCache };
    this.files.set(name, next);
    const done = next.total !== undefined && loaded >= next.total;
    const now = Date.now();
    if (!first && !done && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.emit({ name, loaded, total: Math.max(loaded, next.total ?? loaded), fromCache });
  }

  ready(): void {
    this.phase = 'ready';
    this.emit(undefined);
  }

  private emit(file: FileProgress | undefined): void {
    if (this.listener === undefined) return;
    let loaded = 0;
    let total = 0;
    for (const state of this.files.values()) {
      loaded += state.loaded;
      total += Math.max(state.loaded, state.total ?? state.loaded);
    }
    try {
      this.listener({ phase: this.phase, file, loaded, total });
    } catch (error) {
      // A page's progress handler must not break the load; say so once.
      if (!this.failed) console.warn('[webgpu-llm] onProgress threw:', error);
      this.failed = true;
    }
  }
}
