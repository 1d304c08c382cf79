/**
 * e2e test page: one tab of an app that uses `createEngine({ shared: true })`. The test opens it in
 * several tabs and drives each through `window.sharedTab`: load the fixture, run a request, start
 * a long stream that keeps going, read the shared engine's stats.
 */
import { createEngine } from '../../../src/api/create-engine.ts';
import type { EngineStats } from '../../../src/engine/engine-types.ts';
import type { LlmEngine } from '../../../src/api/llm-engine.ts';

let engine: LlmEngine | undefined;
const live = (): LlmEngine => {
  if (engine === undefined) throw new Error('open() first');
  return engine;
};
const request = (maxTokens: number) => ({
  model: 'fixture', messages: [{ role: 'user' as const, content: 'Hello from a tab' }], temperature: 0, max_tokens: maxTokens, ignore_eos: true,
});

const sharedTab = {
  async open(fixture: string): Promise<{ adapterName: string; maxModelLen: number }> {
    engine = await createEngine({ model: new URL(`/test/fixtures/${fixture}/`, location.href).href, maxModelLen: 512, shared: true });
    return { adapterName: engine.info.adapterName, maxModelLen: engine.info.maxModelLen };
  },
  async chat(maxTokens: number): Promise<{ completionTokens: number; finishReason: string }> {
    const reply = await live().chat.completions.create(request(maxTokens));
    return { completionTokens: reply.usage?.completion_tokens ?? -1, finishReason: reply.choices[0]?.finish_reason ?? '' };
  },
  /** Starts a long stream and resolves after its first content chunk; the stream keeps running. */
  async startLong(maxTokens: number): Promise<void> {
    const stream = await live().chat.completions.create({ ...request(maxTokens), stream: true });
    const iterator = stream[Symbol.asyncIterator]();
    for (;;) {
      const { value, done } = await iterator.next();
      if (done === true || (value.choices[0]?.delta.content ?? '') !== '') break;
    }
    void (async () => {
      for (;;) if ((await iterator.next()).done === true) return;
    })().catch(() => undefined);
  },
  stats: (): Promise<EngineStats> => live().stats(),
  async dispose(): Promise<void> {
    await engine?.dispose();
    engine = undefined;
  },
};

declare global {
  interface Window {
    sharedTab?: typeof sharedTab;
  }
}
window.sharedTab = sharedTab;
document.getElementById('report')!.textContent = 'ready';
