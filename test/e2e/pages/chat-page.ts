/**
 * e2e test page: `createEngine` as an app uses it — the engine in its built-in Web Worker, the
 * chat API on the page. `window.chatScenario.run(fixture)` makes a whole and a streamed reply, an
 * aborted stream, a bad request, and a chat through the real `openai` client over `engine.fetch`;
 * then a two-prompt text completion, whole, streamed, refused and through the client.
 */
import OpenAI from 'openai';
import { createEngine } from '../../../src/api/create-engine.ts';

export interface ChatScenarioReport {
  adapterName: string;
  whole: { content: string | null; finishReason: string; completionTokens: number };
  streamed: { content: string; chunks: number; finishReason: string | null };
  aborted: { name: string; code: string; blocksFree: number; blocksTotal: number };
  badRequest: { name: string; code: string; subject: string | null; isError: boolean };
  sdk: { content: string | null; streamed: string };
  completions: { texts: string[]; streamed: string[]; sdk: string[]; completionTokens: number; badRequest: { code: string; subject: string | null } };
  /** A json_schema reply (its grammar on the grammar worker), and a schema XGrammar refuses. */
  constrained: { content: string | null; finishReason: string; badSchema: { code: string; subject: string | null } };
}

async function run(fixture: string): Promise<ChatScenarioReport> {
  const engine = await createEngine({ model: new URL(`/test/fixtures/${fixture}/`, location.href).href, maxModelLen: 256 });
  try {
    const base = { model: fixture, messages: [{ role: 'user' as const, content: 'Hello from the page' }], temperature: 0, max_tokens: 8, ignore_eos: true };
    const whole = await engine.chat.completions.create(base);
    let content = '';
    let chunks = 0;
    let finishReason: string | null = null;
    for await (const chunk of await engine.chat.completions.create({ ...base, stream: true })) {
      chunks++;
      content += chunk.choices[0]?.delta.content ?? '';
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    const controller = new AbortController();
    let abortError: { name: string; code: string } = { name: '', code: '' };
    try {
      let seen = 0;
      for await (const _ of await engine.chat.completions.create({ ...base, max_tokens: 150, stream: true }, { signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    } catch (error) {
      abortError = { name: (error as Error).name, code: (error as { code: string }).code };
    }
    const stats = await engine.stats();
    let badRequest: ChatScenarioReport['badRequest'] = { name: '', code: '', subject: null, isError: false };
    try {
      await engine.chat.completions.create({ ...base, temperature: -1 });
    } catch (error) {
      const e = error as { name: string; code: string; subject?: string };
      badRequest = { name: e.name, code: e.code, subject: e.subject ?? null, isError: error instanceof Error };
    }
    const client = new OpenAI({ baseURL: 'http://engine.local/v1', apiKey: 'unused', fetch: engine.fetch, dangerouslyAllowBrowser: true });
    const sdkWhole = await client.chat.completions.create(base);
    let sdkStreamed = '';
    for await (const chunk of await client.chat.completions.create({ ...base, stream: true })) sdkStreamed += chunk.choices[0]?.delta.content ?? '';
    const text = { model: fixture, prompt: ['Hello from the page', 'A second prompt'], temperature: 0, max_tokens: 8, ignore_eos: true };
    const textWhole = await engine.completions.create(text);
    const textStreamed: string[] = [];
    for await (const chunk of await engine.completions.create({ ...text, stream: true })) {
      for (const choice of chunk.choices) textStreamed[choice.index] = (textStreamed[choice.index] ?? '') + choice.text;
    }
    const textBad = await engine.completions.create({ ...text, prompt: [[1, 1_000_000]] }).then(() => ({ code: '', subject: null }), (error: { code: string; subject?: string }) => ({ code: error.code, subject: error.subject ?? null }));
    const textSdk = await client.completions.create(text);
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    const constrained = await engine.chat.completions.create({ ...base, max_tokens: 40, ignore_eos: false, response_format: { type: 'json_schema', json_schema: { name: 'ok', schema } } });
    const badSchema = await engine.chat.completions.create({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'bad', schema: { type: 'bogus' } } } })
      .then(() => ({ code: '', subject: null }), (error: { code: string; subject?: string }) => ({ code: error.code, subject: error.subject ?? null }));
    return {
      adapterName: engine.info.adapterName,
      whole: { content: whole.choices[0]!.message.content, finishReason: whole.choices[0]!.finish_reason, completionTokens: whole.usage!.completion_tokens },
      streamed: { content, chunks, finishReason },
      aborted: { ...abortError, blocksFree: stats.blocksFree, blocksTotal: stats.blocksTotal },
      badRequest,
      sdk: { content: sdkWhole.choices[0]!.message.content, streamed: sdkStreamed },
      completions: {
        texts: textWhole.choices.map((choice) => choice.text),
        streamed: textStreamed,
        sdk: textSdk.choices.map((choice) => choice.text),
        completionTokens: textWhole.usage!.completion_tokens,
        badRequest: textBad,
      },
      constrained: { content: constrained.choices[0]!.message.content, finishReason: constrained.choices[0]!.finish_reason, badSchema },
    };
  } finally {
    await engine.dispose();
  }
}

declare global {
  interface Window {
    chatScenario?: { run: typeof run };
  }
}

window.chatScenario = { run };
document.getElementById('report')!.textContent = 'ready';
