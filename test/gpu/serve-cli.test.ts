/**
 * `cli serve` as a user runs it (a child process): `--port 0` prints the real address on one line,
 * the key comes from WEBGPU_LLM_API_KEY, a request streams, and SIGTERM while it streams lets it
 * finish (the grace) before the process exits 0.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseSseData } from '../../src/api/sse.ts';

const root = new URL('../../', import.meta.url).pathname;
const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
const apiKey = 'sk-cli-serve-test';

describe('cli serve', () => {
  it('prints its address, serves a streamed request through SIGTERM, and exits 0', async () => {
    // node --import tsx (not npx): the signal goes straight to the server's process.
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', './tools/register-wgsl.mjs', 'tools/cli.ts', 'serve', '--model', fixture, '--port', '0', '--shutdown-timeout', '30'], {
      cwd: root, env: { ...process.env, WEBGPU_LLM_API_KEY: apiKey },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (data: Buffer) => {
          stdout += data.toString();
          const match = /^serving qwen2-bf16 at (http:\/\/127\.0\.0\.1:\d+)\/v1 \(adapter: .+\)$/m.exec(stdout);
          if (match !== null) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${stderr}`)));
      });
      console.log(`[cli serve] ${stdout.trim()}`);
      expect(Number(new URL(baseUrl).port)).toBeGreaterThan(0);

      expect((await fetch(`${baseUrl}/v1/models`)).status).toBe(401);
      const response = await fetch(`${baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'qwen2-bf16', messages: [{ role: 'user', content: 'hi' }], max_tokens: 200, ignore_eos: true, stream: true }),
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = decoder.decode((await reader.read()).value, { stream: true });
      // The request is in flight: the signal must wait for it.
      child.kill('SIGTERM');
      for (let next = await reader.read(); next.done !== true; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
      const events = parseSseData(text);
      expect(events.at(-1)).toBe('[DONE]');
      const finish = events.slice(0, -1).map((event) => (JSON.parse(event) as { choices: Array<{ finish_reason: string | null }> }).choices[0]?.finish_reason).filter(Boolean);
      expect(finish).toEqual(['length']);

      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGTERM: draining');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
