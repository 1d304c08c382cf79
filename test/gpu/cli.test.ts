/**
 * The CLI as a user runs it (a child process): `generate --json` on a fixture gives the golden
 * greedy tokens and top-20 first logits; a folder without tokenizer files still runs from token
 * ids; text features and bad folders give JSON errors and exit code 1.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;
const fixture = join(root, 'test/fixtures/qwen3-f32');
const golden = JSON.parse(readFileSync(join(fixture, 'golden.json'), 'utf8')) as { prompt_ids: number[]; greedy_ids: number[]; first_logits: number[] };

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
    const expectedTop = golden.first_logits.map((logit, id) => [id, logit] as const).sort((a, b) => b[1] - a[1]).slice(0, 20);
    expect(line.first_logits_top.map(([id]) => id)).toEqual(expectedTop.map(([id]) => id));
    line.first_logits_top.forEach(([, logit], i) => expect(Math.abs(logit - expectedTop[i]![1])).toBeLessThan(1e-3));
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
