/**
 * The CLI as a user runs it (a child process): `generate --json` on a fixture gives the golden
 * greedy tokens and top-20 first logits; a folder without tokenizer files still runs from token
 * ids; text features and bad folders give JSON errors and exit code 1.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const fixture = join(root, 'test/fixtures/qwen3-f32');
const golden = JSON.parse(readFileSync(join(fixture, 'golden.json'), 'utf8')) as { prompt_ids: number[]; greedy_ids: number[]; first_logits_f16_kv: number[] };

function cli(...args: string[]) {
  return run('node', ['--import', 'tsx', '--import', './tools/register-wgsl.mjs', 'tools/cli.ts', ...args], { cwd: root, timeout: 120_000 });
}

describe('cli generate', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cli-test-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('prints golden tokens, top-20 logits and the adapter as one JSON line', async () => {
    const { stdout } = await cli('generate', '--model', fixture, '--prompt-ids', golden.prompt_ids.join(','), '--max-tokens', '16', '--ignore-eos', '--json');
    const line = JSON.parse(stdout.trim()) as { completion_ids: number[]; text: string; first_logits_top: [number, number][]; adapter: string };
    console.log(`[cli] adapter: ${line.adapter}`);
    expect(line.completion_ids).toEqual(golden.greedy_ids);
    // The reference's logits with an f16 KV cache, as the runtime has; tolerance as in model-golden.test.ts.
    const expectedTop = golden.first_logits_f16_kv.map((logit, id) => [id, logit] as const).sort((a, b) => b[1] - a[1]).slice(0, 20);
    expect(line.first_logits_top.map(([id]) => id)).toEqual(expectedTop.map(([id]) => id));
    line.first_logits_top.forEach(([, logit], i) => expect(Math.abs(logit - expectedTop[i]![1])).toBeLessThan(5e-3));
    expect(typeof line.text).toBe('string');
    expect(line.adapter.length).toBeGreaterThan(0);
  });

  it('runs a folder without tokenizer files from token ids; text needs a tokenizer', async () => {
    const bare = join(scratch, 'bare');
    cpSync(fixture, bare, { recursive: true });
    rmSync(join(bare, 'tokenizer.json'));
    rmSync(join(bare, 'tokenizer_config.json'));
    const { stdout } = await cli('generate', '--model', bare, '--prompt-ids', golden.prompt_ids.join(','), '--max-tokens', '4', '--ignore-eos', '--json');
    const line = JSON.parse(stdout.trim()) as { completion_ids: number[]; text: string | null };
    expect(line.completion_ids).toEqual(golden.greedy_ids.slice(0, 4));
    expect(line.text).toBeNull();
    const failure = await cli('generate', '--model', bare, '--prompt', 'hello', '--max-tokens', '4').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const error = JSON.parse((failure as { stderr: string }).stderr.trim().split('\n').at(-1)!) as { error: { code: string } };
    expect(error.error.code).toBe('no_tokenizer');
  });

  it('reports a missing model folder as a JSON error with exit code 1', async () => {
    const failure = await cli('generate', '--model', join(scratch, 'nothing-here'), '--prompt-ids', '1,2', '--json').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const error = JSON.parse((failure as { stderr: string }).stderr.trim().split('\n').at(-1)!) as { error: { code: string; subject: string } };
    expect(error.error).toMatchObject({ code: 'missing_file', subject: 'config.json' });
  });
});

describe('cli batch', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cli-batch-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs a JSONL file of requests together: golden greedy ids, stats, and per-line errors', async () => {
    const file = join(scratch, 'requests.jsonl');
    const lines = [
      { id: 'golden', prompt_ids: golden.prompt_ids, max_tokens: 16, temperature: 0, ignore_eos: true },
      { id: 'text', prompt: 'hello there', max_tokens: 5, temperature: 0.8, top_p: 0.9, top_k: 50, seed: 7 },
      { id: 'stop', prompt_ids: golden.prompt_ids, max_tokens: 16, temperature: 0, stop_token_ids: [golden.greedy_ids[2]] },
      { id: 'shared-a', prompt_ids: [...golden.prompt_ids, ...golden.greedy_ids], max_tokens: 2 },
      { id: 'shared-b', prompt_ids: [...golden.prompt_ids, ...golden.greedy_ids], max_tokens: 2 },
      { id: 'unknown-field', prompt_ids: [1, 2], max_tokens: 4, beam_width: 3 },
      { id: 'zero', prompt_ids: [1, 2], max_tokens: 0 },
    ];
    writeFileSync(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\nnot json\n`);
    const { stdout } = await cli('batch', '--model', fixture, '--requests', file, '--max-num-seqs', '4', '--max-batched-tokens', '32', '--json');
    const report = JSON.parse(stdout.trim()) as {
      results: { id: string; completion_ids?: number[]; finish_reason?: string; error?: { code: string } }[];
      stats: { steps: number; max_running: number; prefix_cache_hit_tokens: number; preemptions: number; blocks_total: number; blocks_free_after: number };
      adapter: string;
    };
    console.log(`[cli] batch on ${report.adapter}: ${JSON.stringify(report.stats)}`);
    const byId = new Map(report.results.map((result) => [result.id, result]));
    expect(byId.get('golden')).toMatchObject({ completion_ids: golden.greedy_ids, finish_reason: 'length' });
    expect(byId.get('text')!.completion_ids).toHaveLength(5);
    expect(byId.get('stop')).toMatchObject({ completion_ids: golden.greedy_ids.slice(0, 3), finish_reason: 'stop' });
    expect(byId.get('unknown-field')!.error!.code).toBe('invalid_argument');
    expect(byId.get('zero')!.error!.code).toBe('invalid_argument');
    expect(byId.get('line-8')!.error!.code).toBe('invalid_argument');
    expect(report.stats.max_running).toBeGreaterThanOrEqual(2);
    expect(report.stats.max_running).toBeLessThanOrEqual(4);
    // shared-a and shared-b have the same 30-token prompt: the second reuses the first's full block.
    expect(report.stats.prefix_cache_hit_tokens).toBeGreaterThan(0);
    expect(report.stats.blocks_free_after).toBe(report.stats.blocks_total);
  });
});

describe('cli chat', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'cli-chat-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const qwen2 = join(root, 'test/fixtures/qwen2-bf16');
  const request = (body: unknown) => {
    const file = join(scratch, `request-${Math.random().toString(16).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };
  const body = { model: 'qwen2-bf16', messages: [{ role: 'user', content: 'Hi!' }], temperature: 0, max_tokens: 6, ignore_eos: true };

  it('prints the ChatCompletion, or one chunk per line whose text adds up to it', async () => {
    const file = request(body);
    const whole = JSON.parse((await cli('chat', '--model', qwen2, '--request', file)).stdout.trim()) as { object: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    expect(whole.object).toBe('chat.completion');
    expect(whole.usage.completion_tokens).toBe(6);
    const lines = (await cli('chat', '--model', qwen2, '--request', file, '--stream')).stdout.trim().split('\n');
    const chunks = lines.map((line) => JSON.parse(line) as { object: string; choices: { delta: { content?: string }; finish_reason: string | null }[] });
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
  });

  it('prints an OpenAI-shaped error and exits 1 on a bad request', async () => {
    const failure = await cli('chat', '--model', qwen2, '--request', request({ ...body, top_p: 7 })).catch((error: { code: number; stdout: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const error = JSON.parse((failure as { stdout: string }).stdout.trim()) as { error: Record<string, unknown> };
    expect(error.error).toMatchObject({ type: 'invalid_request_error', param: 'top_p', code: 'invalid_argument' });
    expect(String(error.error['message'])).toContain('top_p');
  });
});
