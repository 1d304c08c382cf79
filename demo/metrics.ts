/**
 * The live metrics panel. Engine-wide numbers come from `engine.stats()`, polled four times a
 * second: running batch size, waiting requests, KV blocks in use, prefix-cache hits, generation
 * throughput (generated tokens per second between polls) and the last engine step. Per-request
 * numbers come from the page's own timing of each streamed round (request-timing.ts): time to
 * first token, prefill and decode speed of the latest request.
 */
import type { EngineStats, LlmEngine } from '../src/index.ts';
import { KvChart, type ChartSample } from './kv-chart.ts';
import { decodeRate, prefillRate, type RoundTiming } from './request-timing.ts';
import { formatMs } from './turn-view.ts';

const POLL_MS = 250;
const HISTORY_MS = 60_000;

/** Engine-wide rows, then the last request's (TTFT, prefill, decode). */
const ROWS = {
  running: 'Batch',
  maxRunning: 'Largest batch',
  throughput: 'Generation',
  blocks: 'KV blocks',
  prefix: 'Prefix hits',
  step: 'Last step',
  ttft: 'TTFT',
  prefill: 'Prefill',
  decode: 'Decode',
} as const;

const TITLES: Partial<Record<keyof typeof ROWS, string>> = {
  running: 'Sequences in the running batch, and requests waiting for KV blocks or a batch slot',
  maxRunning: 'The largest running batch so far',
  throughput: 'Tokens the engine generated per second, all conversations together',
  blocks: 'KV-cache blocks in use, of the pool',
  prefix: 'Prompt tokens served from the prefix cache instead of recomputed',
  ttft: 'Time to first token of the last request (measured on the page)',
  prefill: 'Prompt tokens computed per second of the last request\'s time to first token',
  decode: 'Tokens per second after the first, last request',
};

type Row = keyof typeof ROWS;

export class MetricsPanel {
  private readonly values = new Map<Row, HTMLElement>();
  private readonly chart = new KvChart(HISTORY_MS);
  private samples: ChartSample[] = [];
  private engine: LlmEngine | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private previous: { at: number; generated: number } | undefined;

  constructor(list: HTMLElement, chartHolder: HTMLElement) {
    for (const [key, label] of Object.entries(ROWS) as [Row, string][]) {
      const term = document.createElement('dt');
      term.textContent = label;
      term.title = TITLES[key] ?? '';
      const value = document.createElement('dd');
      value.dataset['metric'] = key;
      value.textContent = '—';
      list.append(term, value);
      this.values.set(key, value);
    }
    chartHolder.append(this.chart.root);
  }

  /** Starts polling `engine` (undefined stops: no engine is loaded). */
  watch(engine: LlmEngine | undefined): void {
    this.engine = engine;
    this.samples = [];
    this.previous = undefined;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = engine === undefined ? undefined : setInterval(() => void this.poll(), POLL_MS);
  }

  /** A finished request round, timed on the page. */
  recordRound(timing: RoundTiming): void {
    this.set('ttft', formatMs(timing.ttftMs));
    const cached = timing.cachedTokens > 0 ? `, ${timing.cachedTokens} cached` : '';
    this.set('prefill', `${prefillRate(timing).toFixed(0)} tok/s · ${timing.promptTokens} tok${cached}`);
    const decode = decodeRate(timing);
    this.set('decode', decode === undefined ? '—' : `${decode.toFixed(1)} tok/s · ${timing.completionTokens} tok`);
  }

  private async poll(): Promise<void> {
    const engine = this.engine;
    if (engine === undefined || this.polling) return;
    this.polling = true;
    try {
      const stats = await engine.stats();
      if (engine === this.engine) this.show(stats);
    } catch {
      // The engine was disposed between polls; the next watch() starts over.
    } finally {
      this.polling = false;
    }
  }

  private show(stats: EngineStats): void {
    const at = performance.now();
    this.set('running', `${stats.running} running · ${stats.waiting} waiting`);
    this.set('maxRunning', String(stats.maxRunning));
    this.set('blocks', `${stats.blocksUsed} / ${stats.blocksTotal} of ${stats.blockSize} tok`);
    this.set('prefix', String(stats.prefixCacheHitTokens));
    const last = stats.last;
    this.set('step', last === undefined ? '—' : `#${last.step} · ${last.scheduledSeqs} seq · ${last.batchedTokens} tok · ${last.durationMs.toFixed(1)} ms`);
    if (this.previous !== undefined && at > this.previous.at) {
      const rate = ((stats.generatedTokens - this.previous.generated) * 1000) / (at - this.previous.at);
      this.set('throughput', `${rate.toFixed(1)} tok/s`);
    }
    this.previous = { at, generated: stats.generatedTokens };
    this.samples.push({ at, blocksUsed: stats.blocksUsed, running: stats.running });
    while (this.samples.length > 0 && this.samples[0]!.at < at - HISTORY_MS - 1000) this.samples.shift();
    this.chart.draw(this.samples, stats.blocksTotal);
  }

  private set(row: Row, text: string): void {
    const element = this.values.get(row);
    if (element !== undefined && element.textContent !== text) element.textContent = text;
  }
}
