/**
 * `/metrics` in Prometheus text format 0.0.4, read from `engine.stats()`: vLLM's metric names
 * (`vllm:num_requests_running`, `vllm:time_to_first_token_seconds`, …) under our own prefix, each
 * labelled with `model_name` as vLLM labels them, plus HTTP requests by route and status.
 */
import type { EngineStats } from '../engine/engine-types.ts';

export const METRICS_PREFIX = 'webgpu_llm:';
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A histogram as the engine snapshots it: per-bucket counts (not cumulative), +Inf last. */
export interface HistogramData {
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
  /** buckets.length + 1 entries: one per bound, then the +Inf bucket. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** HTTP responses counted by (route, status); the route is a fixed name, never the raw path. */
export class HttpRequestCounts {
  private readonly counts = new Map<string, { route: string; status: number; count: number }>();

  add(route: string, status: number): void {
    const key = `${route} ${status}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { route, status, count: 1 });
    else entry.count++;
  }

  entries(): ReadonlyArray<{ readonly route: string; readonly status: number; readonly count: number }> {
    return [...this.counts.values()];
  }
}

type Labels = Readonly<Record<string, string>>;

/** Label values escape backslash, double quote and newline (the text format's three escapes). */
const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const formatLabels = (labels: Labels) => {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
};

const formatValue = (value: number) =>
  Number.isNaN(value) ? 'NaN' : value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : String(value);

/** Builds the exposition text family by family: HELP and TYPE once, then the samples. */
class Exposition {
  private readonly lines: string[] = [];

  constructor(private readonly prefix: string, private readonly labels: Labels) {}

  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string, samples: ReadonlyArray<{ suffix?: string; labels?: Labels; value: number }>): void {
    const full = this.prefix + name;
    this.lines.push(`# HELP ${full} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${full} ${type}`);
    for (const { suffix = '', labels = {}, value } of samples) {
      this.lines.push(`${full}${suffix}${formatLabels({ ...this.labels, ...labels })} ${formatValue(value)}`);
    }
  }

  gauge(name: string, help: string, value: number): void {
    this.family(name, 'gauge', help, [{ value }]);
  }

  counter(name: string, help: string, value: number): void {
    this.family(name, 'counter', help, [{ value }]);
  }

  /** Prometheus buckets are cumulative: each `le` counts every observation at or below it. */
  histogram(name: string, help: string, data: HistogramData): void {
    let cumulative = 0;
    const buckets = data.buckets.map((bound, i) => {
      cumulative += data.counts[i] ?? 0;
      return { suffix: '_bucket', labels: { le: formatValue(bound) }, value: cumulative };
    });
    this.family(name, 'histogram', help, [
      ...buckets,
      { suffix: '_bucket', labels: { le: '+Inf' }, value: data.count },
      { suffix: '_sum', value: data.sum },
      { suffix: '_count', value: data.count },
    ]);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export interface MetricsSource {
  readonly stats: EngineStats;
  readonly http: HttpRequestCounts;
  /** The `model_name` label on the engine's metrics. */
  readonly modelName: string;
}

export function renderMetrics({ stats, http, modelName }: MetricsSource, prefix = METRICS_PREFIX): string {
  const out = new Exposition(prefix, { model_name: modelName });
  out.gauge('num_requests_running', 'Requests in the running batch.', stats.running);
  out.gauge('num_requests_waiting', 'Requests waiting to be scheduled.', stats.waiting);
  out.gauge('kv_cache_usage_perc', 'Fraction of KV cache blocks in use (1 = full).', stats.blocksTotal === 0 ? 0 : stats.blocksUsed / stats.blocksTotal);
  // Block counts and the high-water batch, so a remote engine's stats() has them too.
  out.gauge('kv_cache_blocks_total', 'KV cache blocks in the pool.', stats.blocksTotal);
  out.gauge('kv_cache_blocks_used', 'KV cache blocks held by requests.', stats.blocksUsed);
  out.gauge('kv_cache_block_size', 'Tokens per KV cache block.', stats.blockSize);
  out.gauge('max_num_requests_running', 'The most requests that ran in one batch so far.', stats.maxRunning);
  out.counter('engine_steps_total', 'Engine steps run.', stats.steps);
  out.counter('prefix_cache_hit_tokens_total', 'Prompt tokens served from the prefix cache.', stats.prefixCacheHitTokens);
  out.counter('prompt_tokens_total', 'Prompt tokens of finished and aborted requests.', stats.promptTokens);
  out.counter('generation_tokens_total', 'Tokens generated (sampled and kept).', stats.generatedTokens);
  out.counter('num_preemptions_total', 'Requests preempted for lack of KV blocks.', stats.preemptions);
  out.counter('request_success_total', 'Requests finished (stop, length, tool call).', stats.finishedRequests);
  out.counter('request_aborted_total', 'Requests aborted (client gone, cancelled, shutdown).', stats.abortedRequests);
  out.histogram('time_to_first_token_seconds', 'Time from arrival to the first generated token.', stats.timeToFirstTokenSeconds);
  out.histogram('inter_token_latency_seconds', 'Time between consecutive generated tokens of a request.', stats.interTokenLatencySeconds);
  // HTTP counts are the server's, not the model's: no model_name label.
  const httpOut = new Exposition(prefix, {});
  httpOut.family('http_requests_total', 'counter', 'HTTP responses by route and status.',
    http.entries().map(({ route, status, count }) => ({ labels: { route, status: String(status) }, value: count })));
  return out.text() + httpOut.text();
}
