/**
 * Where a model load's time goes, seen from the page: starting the engine's worker and its GPU
 * device until the first file event, reading config and tokenizer files and safetensors headers
 * ('files'), streaming the weights onto the GPU while the kernels' pipelines compile ('weights':
 * it ends when both are done), and what follows (the engine's start) until `createEngine` resolves. Shown as the Load
 * time's tooltip and data attributes, and logged.
 */
import type { LoadProgress } from '../src/index.ts';
import { formatMs } from './turn-view.ts';

export class LoadTimer {
  private started = performance.now();
  private firstEvent: number | undefined;
  private weightsAt: number | undefined;
  private readyAt: number | undefined;
  private finished: number | undefined;
  private bytes = 0;

  /** Starts over (a retry after freeing the GPU). */
  restart(): void {
    this.started = performance.now();
    this.firstEvent = this.weightsAt = this.readyAt = this.finished = undefined;
  }

  progress(progress: LoadProgress): void {
    const now = performance.now();
    this.firstEvent ??= now;
    if (progress.phase === 'weights') this.weightsAt ??= now;
    if (progress.phase === 'ready') this.readyAt ??= now;
    this.bytes = progress.total;
  }

  done(): void {
    this.finished = performance.now();
  }

  get totalMs(): number {
    return (this.finished ?? performance.now()) - this.started;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Milliseconds per stage (0 for a stage with no event). */
  stages(): { startMs: number; filesMs: number; weightsMs: number; setupMs: number } {
    const end = this.finished ?? performance.now();
    const first = this.firstEvent ?? end;
    const weights = this.weightsAt ?? this.readyAt ?? end;
    const ready = this.readyAt ?? end;
    return { startMs: first - this.started, filesMs: weights - first, weightsMs: ready - weights, setupMs: end - ready };
  }

  breakdown(): string {
    const s = this.stages();
    return `worker and GPU start ${formatMs(s.startMs)} · config, tokenizer and headers ${formatMs(s.filesMs)} · weights and kernel compile ${formatMs(s.weightsMs)} · engine start ${formatMs(s.setupMs)}`;
  }

  dataset(): Record<string, string> {
    const s = this.stages();
    return { startMs: s.startMs.toFixed(0), filesMs: s.filesMs.toFixed(0), weightsMs: s.weightsMs.toFixed(0), setupMs: s.setupMs.toFixed(0) };
  }
}
