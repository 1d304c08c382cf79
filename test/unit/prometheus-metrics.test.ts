/**
 * /metrics text from made-up engine statistics: every family has HELP and TYPE, gauges and
 * counters carry the stats' values, histogram buckets are cumulative with +Inf equal to the count,
 * label values are escaped, and HTTP counts add up per (route, status).
 */
import { describe, expect, it } from 'vitest';
import type { EngineStats } from '../../src/engine/engine-types.ts';
import { HttpRequestCounts, renderMetrics } from '../../src/server/prometheus-metrics.ts';
import { metricValue, parseMetrics } from '../support/prometheus-text.ts';

const stats: EngineStats = {
  steps: 40, running: 3, waiting: 2, maxRunning: 5, blocksTotal: 64, blocksUsed: 16, blocksFree: 48, blockSize: 16,
  prefixCacheHitTokens: 32, promptTokens: 120, generatedTokens: 77, discardedTokens: 1, preemptions: 4,
  finishedRequests: 9, abortedRequests: 2, decodeSteps: 30, decodeTokens: 70, decodeMs: 300,
  // Per bucket, not cumulative, +Inf last.
  timeToFirstTokenSeconds: { buckets: [0.1, 1, 10], counts: [2, 0, 3, 1], sum: 25.5, count: 6 },
  interTokenLatencySeconds: { buckets: [0.01, 0.1], counts: [5, 4, 0], sum: 0.3, count: 9 },
  last: undefined,
};

describe('renderMetrics', () => {
  const http = new HttpRequestCounts();
  http.add('/v1/chat/completions', 200);
  http.add('/v1/chat/completions', 200);
  http.add('/v1/models', 401);
  const text = renderMetrics({ stats, http, modelName: 'org/model "q4"\\x' });
  const samples = parseMetrics(text);
  const model = { model_name: 'org/model "q4"\\x' };

  it('gives gauges and counters the statistics, labelled with the escaped model name', () => {
    expect(metricValue(samples, 'webgpu_llm:num_requests_running', model)).toBe(3);
    expect(metricValue(samples, 'webgpu_llm:num_requests_waiting', model)).toBe(2);
    expect(metricValue(samples, 'webgpu_llm:kv_cache_usage_perc', model)).toBe(0.25);
    expect(metricValue(samples, 'webgpu_llm:prefix_cache_hit_tokens_total', model)).toBe(32);
    expect(metricValue(samples, 'webgpu_llm:prompt_tokens_total', model)).toBe(120);
    expect(metricValue(samples, 'webgpu_llm:generation_tokens_total', model)).toBe(77);
    expect(metricValue(samples, 'webgpu_llm:num_preemptions_total', model)).toBe(4);
    expect(metricValue(samples, 'webgpu_llm:request_success_total', model)).toBe(9);
    expect(metricValue(samples, 'webgpu_llm:request_aborted_total', model)).toBe(2);
    expect(text).toContain('model_name="org/model \\"q4\\"\\\\x"');
  });

  it('renders histograms with cumulative buckets, +Inf = count, then sum and count', () => {
    const bucket = (le: string) => metricValue(samples, 'webgpu_llm:time_to_first_token_seconds_bucket', { le });
    expect([bucket('0.1'), bucket('1'), bucket('10'), bucket('+Inf')]).toEqual([2, 2, 5, 6]);
    expect(metricValue(samples, 'webgpu_llm:time_to_first_token_seconds_sum')).toBe(25.5);
    expect(metricValue(samples, 'webgpu_llm:time_to_first_token_seconds_count')).toBe(6);
    const itl = (le: string) => metricValue(samples, 'webgpu_llm:inter_token_latency_seconds_bucket', { le });
    expect([itl('0.01'), itl('0.1'), itl('+Inf')]).toEqual([5, 9, 9]);
    expect(text).toMatch(/# TYPE webgpu_llm:time_to_first_token_seconds histogram\nwebgpu_llm:time_to_first_token_seconds_bucket\{/);
  });

  it('counts HTTP responses per route and status, without the model label', () => {
    expect(metricValue(samples, 'webgpu_llm:http_requests_total', { route: '/v1/chat/completions', status: '200' })).toBe(2);
    expect(metricValue(samples, 'webgpu_llm:http_requests_total', { route: '/v1/models', status: '401' })).toBe(1);
    expect(samples.filter((sample) => sample.name === 'webgpu_llm:http_requests_total').every((sample) => !('model_name' in sample.labels))).toBe(true);
  });

  it('gives every family one HELP and one TYPE line before its samples', () => {
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => `${name} ${type}`);
    expect(families).toEqual([
      'webgpu_llm:num_requests_running gauge', 'webgpu_llm:num_requests_waiting gauge', 'webgpu_llm:kv_cache_usage_perc gauge',
      'webgpu_llm:kv_cache_blocks_total gauge', 'webgpu_llm:kv_cache_blocks_used gauge', 'webgpu_llm:kv_cache_block_size gauge',
      'webgpu_llm:max_num_requests_running gauge', 'webgpu_llm:engine_steps_total counter',
      'webgpu_llm:prefix_cache_hit_tokens_total counter', 'webgpu_llm:prompt_tokens_total counter', 'webgpu_llm:generation_tokens_total counter',
      'webgpu_llm:num_preemptions_total counter', 'webgpu_llm:request_success_total counter', 'webgpu_llm:request_aborted_total counter',
      'webgpu_llm:time_to_first_token_seconds histogram', 'webgpu_llm:inter_token_latency_seconds histogram', 'webgpu_llm:http_requests_total counter',
    ]);
    expect(text.match(/^# HELP /gm)).toHaveLength(families.length);
    expect(text.endsWith('\n')).toBe(true);
  });
});
