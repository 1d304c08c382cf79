/**
 * dispose() gives the GPU memory back: 20 times createEngine (in-process) → chat → dispose on a
 * fixture model, in a child process run with --expose-gc (test/support/load-dispose-loop.ts). Each
 * engine gets a device of its own, its dispose destroys every buffer and then the device (lost with
 * reason 'destroyed', never handed to a later engine), and the resident set size after the last
 * dispose is within 10% of that after the first. Before devices were destroyed it grew by about
 * the KV pool (64 MiB here) and the rest of the model each time.
 *
 * The child runs with glibc's mmap threshold fixed and two malloc arenas: otherwise the first
 * large free raises the threshold, and the memory a disposed engine gave back stays in the heap as
 * the allocator's high-water mark (reused, but counted in RSS), which hides a leak as well as it
 * fakes one; and with V8's young generation kept small, whose committed pages otherwise vary
 * between measurements. One load/dispose before the 20 warms up what every process pays once
 * (Dawn's and SwiftShader's process state, V8's code: about 15 MiB at the second load on
 * SwiftShader, flat after); it is printed, and the whole run must stay within one KV pool of it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { loadFixtureEngine } from '../support/fixture-engine.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const iterations = 20;
/** The fixture's default KV pool (kv-plan.ts: weights' size, at least 64 MiB). */
const kvPoolBytes = 64 * 2 ** 20;

interface Iteration {
  readonly iteration: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly adapter: string;
  readonly completionTokens: number;
  readonly threads: number;
  readonly devices: number;
  readonly lastDeviceLost: string | null;
  readonly reusedDevices: number;
  readonly buffersCreated: number;
  readonly undestroyedBuffers: readonly string[];
}

it(`${iterations}x createEngine / chat / dispose keeps memory flat and destroys each device`, async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--max-semi-space-size=1', '--import', 'tsx', '--import', './tools/register-wgsl.mjs', 'test/support/load-dispose-loop.ts', 'test/fixtures/qwen2-bf16/', String(iterations + 1)],
    { cwd: root, env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }, maxBuffer: 16 * 1024 * 1024, timeout: 900_000 },
  );
  const runs = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Iteration);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(`[webgpu] adapter: ${runs[0]?.adapter}`);
  console.log(`rss after dispose (MiB), warm-up first: ${runs.map((run) => mib(run.rss)).join(' ')}`);
  expect(runs).toHaveLength(iterations + 1);
  runs.forEach((run, i) => {
    expect(run.completionTokens, `iteration ${i} answered`).toBeGreaterThan(0);
    expect(run.devices, 'one new device per engine').toBe(i + 1);
    expect(run.lastDeviceLost, 'the device was destroyed on dispose').toBe('destroyed');
    expect(run.reusedDevices).toBe(0);
    expect(run.buffersCreated).toBeGreaterThan(10);
    expect(run.undestroyedBuffers, 'buffers the model and KV cache own are destroyed').toEqual([]);
  });
  const [warmUp, ...measured] = runs;
  const first = measured[0]!.rss;
  const last = measured.at(-1)!.rss;
  console.log(`rss after the warm-up ${mib(warmUp!.rss)} MiB, after the first of ${iterations} ${mib(first)} MiB, after the last ${mib(last)} MiB (${((last / first - 1) * 100).toFixed(1)}%)`);
  expect(last / first).toBeLessThan(1.1);
  expect(last - warmUp!.rss).toBeLessThan(kvPoolBytes);
}, 900_000);

it('dispose while a request streams: the request ends, nothing is left unhandled, and a new engine serves', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const engine = await loadFixtureEngine('qwen2-bf16');
    const stream = await engine.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 200, temperature: 0, ignore_eos: true, stream: true });
    const chunks: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of stream) {
        chunks.push(chunk);
        if (chunks.length === 3) void engine.dispose();
      }
    })();
    const error = await reading.then(() => undefined, (caught: unknown) => caught);
    expect(error, 'the stream ends with an error, not 200 tokens').toBeDefined();
    expect(chunks.length).toBeLessThan(50);
    await expect(engine.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 })).rejects.toThrow(/disposed/);
    const next = await loadFixtureEngine('qwen2-bf16');
    const reply = await next.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2, temperature: 0 });
    expect(reply.usage!.completion_tokens).toBe(2);
    await next.dispose();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
