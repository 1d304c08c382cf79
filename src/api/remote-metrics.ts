/**
 * EngineStats read back from this project's serve `/metrics` (Prometheus text format 0.0.4). The
 * names are those src/server/prometheus-metrics.ts writes (vLLM's under our prefix); the server
 * sits above this layer, so they are spelled here and a unit test checks them against its output.
 * What /metrics does not carry is NaN (counts) or undefined (`last`), never a made-up zero.
 */
import type { EngineStats } from '../engine/engine-types.ts';
import type { HistogramSnapshot } from '../engine/latency-histogram.ts';

const PREFIX = 'webgpu_llm:';

/** EngineStats plus the KV cache fill the server reports as a fraction (it sends no block counts). */
export interface RemoteEngineStats extends EngineStats {
  /** Fraction of KV blocks in use, 0..1 (`kv_cache_usage_perc`). */
  readonly kvCacheUsage: number;
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const unescapeLabel = (value: string) => value.replace(/\\(["\\n])/g, (_, char: string) => (char === 'n' ? '\n' : char));

const parseValue = (text: string) => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));

/** Samples by full metric name (suffix included); comments and blank lines skipped. */
export function parsePrometheusText(text: string): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line.trim());
    if (match === null || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = unescapeLabel(pair[2]!);
    const list = samples.get(match[1]!) ?? [];
    list.push({ labels, value: parseValue(match[3]!) });
    samples.set(match[1]!, list);
  }
  return samples;
}

/** The serve's engine statistics, or undefined when the text is not from this project's serve. */
export function statsFromMetrics(text: string): RemoteEngineStats | undefined {
  const samples = parsePrometheusText(text);
  if (!samples.has(`${PREFIX}num_requests_running`)) return undefined;
  // One model per server; summing keeps the reading right if a label is ever added.
  const value = (name: string) => {
    const list = samples.get(PREFIX + name);
    return list === undefined ? NaN : list.reduce((sum, sample) => sum + sample.value, 0);
  };
  const histogram = (name: string): HistogramSnapshot => {
    // Prometheus buckets are cumulative; EngineStats keeps a count per bucket, +Inf last.
    const bounds = (samples.get(`${PREFIX}${name}_bucket`) ?? [])
      .map((sample) => ({ le: parseValue(sample.labels['le'] ?? 'NaN'), cumulative: sample.value }))
      .filter((bucket) => Number.isFinite(bucket.le))
      .sort((a, b) => a.le - b.le);
    const count = value(`${name}_count`);
    const counts = bounds.map((bucket, i) => bucket.cumulative - (bounds[i - 1]?.cumulative ?? 0));
    counts.push(count - (bounds.at(-1)?.cumulative ?? 0));
    return { buckets: bounds.map((bucket) => bucket.le), counts, sum: value(`${name}_sum`), count };
  };
  return {
    steps: value('engine_steps_total'),
    running: value('num_requests_running'),
    waiting: value('num_requests_waiting'),
    maxRunning: value('max_num_requests_running'),
    blocksTotal: value('kv_cache_blocks_total'),
    blocksUsed: value('kv_cache_blocks_used'),
    blocksFree: value('kv_cache_blocks_total') - value('kv_cache_blocks_used'),
    blockSize: value('kv_cache_block_size'),
    kvCacheUsage: value('kv_cache_usage_perc'),
    prefixCacheHitTokens: value('prefix_cache_hit_tokens_total'),
    promptTokens: value('prompt_tokens_total'),
    generatedTokens: value('generation_tokens_total'),
    discardedTokens: NaN,
    preemptions: value('num_preemptions_total'),
    finishedRequests: value('request_success_total'),
    abortedRequests: value('request_aborted_total'),
    decodeSteps: NaN,
    decodeTokens: NaN,
    decodeMs: NaN,
    timeToFirstTokenSeconds: histogram('time_to_first_token_seconds'),
    interTokenLatencySeconds: histogram('inter_token_latency_seconds'),
    last: undefined,
  };
}
