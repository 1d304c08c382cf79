/**
 * The live metrics panel. Engine-wide numbers come from `engine.stats()`, polled four times a
 * second: running and waiting requests, the largest batch, decode throughput over decode steps
 * only (the engine counts the tokens and time of steps that only decode, so prefill and idle time
 * do not dilute it), KV cache in use as tokens of the pool's capacity, prefix-cache hits and the
 * last engine step. The last request's time to first token and prefill speed are timed on the
 * page (request-timing.ts). Everything resets when another model is loaded.
 */
import type { EngineStats, LlmEngine } from '../src/index.ts';
import { KvChart, type ChartSample } from './kv-chart.ts';
import { prefillRate, type RoundTiming } from './request-timing.ts';
import { formatMs } from './turn-view.ts';

const POLL_MS = 250;
const HISTORY_MS = 60_000;
/** Decode throughput over at least this much decode time, so one step's jitter does not show. */
const RATE_WINDOW_MS = 1000;

const ROWS = {
  running: 'Requests',
  maxRunning: 'Largest batch',
  decode: 'Decode',
  kv: 'KV cache',
  prefix: 'Prefix hits',
  step: 'Last step',
  ttft: 'TTFT',
  prefill: 'Prefill',
} as const;

const TITLES: Record<keyof typeof ROWS, string> = {
  running: 'Requests in the running batch, and requests waiting for KV blocks or a batch slot',
  maxRunning: 'The most requests the engine has run in one batch since this model loaded',
  decode: 'Tokens per second over the engine\'s decode steps (all conversations together), over the last second of decoding',
  kv: 'Token slots of the paged KV cache in use (whole blocks), of its capacity',
  prefix: 'Prompt tokens served from the prefix cache instead of recomputed',
  step: 'The engine\'s last step: sequences in it, tokens it computed, its time',
  ttft: 'Time to first token of the last request (measured on the page)',
  prefill: 'Prompt tokens computed per second of the last request\'s time to first token',
};

type Row = keyof typeof ROWS;

export class MetricsPanel {
  private readonly values = new Map<Row, HTMLElement>();
  private readonly chart = new KvChart(HISTORY_MS);
  private samples: ChartSample[] = [];
  private engine: LlmEngine | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  /** Decode counters at the start of the rate window. */
  private windowStart: { tokens: number; ms: number } | undefined;

  constructor(list: HTMLElement, chartHolder: HTMLElement) {
    for (const [key, label] of Object.entries(ROWS) as [Row, string][]) {
      const term = document.createElement('dt');
      term.textContent = label;
      term.title = TITLES[key];
      const value = document.createElement('dd');
      value.dataset['metric'] = key;
      value.title = TITLES[key];
      list.append(term, value);
      this.values.set(key, value);
    }
    chartHolder.append(this.chart.root);
    this.reset();
  }

  /** Starts polling `engine` (undefined stops: no engine is loaded); every number starts over. */
  watch(engine: LlmEngine | undefined): void {
    this.engine = engine;
    this.reset();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = engine === undefined ? undefined : setInterval(() => void this.poll(), POLL_MS);
  }

  /** A finished request round, timed on the page. */
  recordRound(timing: RoundTiming): void {
    this.set('ttft', formatMs(timing.ttftMs));
    const cached = timing.cachedTokens > 0 ? `, ${timing.cachedTokens} cached` : '';
    this.set('prefill', `${prefillRate(timing).toFixed(0)} tok/s · ${timing.promptTokens} tok${cached}`);
  }

  private reset(): void {
    this.samples = [];
    this.windowStart = undefined;
    for (const value of this.values.values()) value.textContent = '—';
    this.chart.clear();
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
    this.showDecode(stats);
    const tokens = (blocks: number) => (blocks * stats.blockSize).toLocaleString('en-US');
    this.set('kv', `${tokens(stats.blocksUsed)} / ${tokens(stats.blocksTotal)} tokens`);
    this.set('prefix', `${stats.prefixCacheHitTokens.toLocaleString('en-US')} tokens`);
    const last = stats.last;
    this.set('step', last === undefined ? '—' : `${last.scheduledSeqs} seq · ${last.batchedTokens} tok · ${last.durationMs.toFixed(1)} ms`);
    this.samples.push({ at, blocksUsed: stats.blocksUsed, running: stats.running });
    while (this.samples.length > 0 && this.samples[0]!.at < at - HISTORY_MS - 1000) this.samples.shift();
    this.chart.draw(this.samples, stats.blocksTotal, stats.blockSize);
  }

  /** Tokens over time of decode-only steps since the window started; the window moves once it spans a second. */
  private showDecode(stats: EngineStats): void {
    const now = { tokens: stats.decodeTokens, ms: stats.decodeMs };
    this.windowStart ??= now;
    const tokens = now.tokens - this.windowStart.tokens;
    const ms = now.ms - this.windowStart.ms;
    if (ms <= 0 || tokens <= 0) return; // no decoding since: keep the last rate
    this.set('decode', `${((tokens * 1000) / ms).toFixed(1)} tok/s`);
    if (ms >= RATE_WINDOW_MS) this.windowStart = now;
  }

  private set(row: Row, text: string): void {
    const element = this.values.get(row);
    if (element !== undefined && element.textContent !== text) element.textContent = text;
  }
}
