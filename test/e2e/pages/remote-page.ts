/**
 * e2e test page: `createEngine({ baseURL, apiKey, model })` against a server on another origin
 * (CORS, with the key's preflight), as a page uses a model served elsewhere: a streamed reply
 * read as SSE in the browser, an aborted stream, and runTools with a tool that runs on this page.
 */
import { createEngine } from '../../../src/api/create-engine.ts';
import type { ChatCompletionTool } from '../../../src/chat/chat-types.ts';
import type { RunnableTool } from '../../../src/tools/tool-runner.ts';

export interface RemoteScenarioInput {
  baseURL: string;
  apiKey: string;
  model: string;
  tools: ChatCompletionTool[];
}

export interface RemoteScenarioReport {
  adapterName: string;
  streamed: { content: string; chunks: number };
  aborted: { name: string; code: string };
  toolCalls: unknown[];
  rounds: number;
  finalContent: string | null;
}

async function run({ baseURL, apiKey, model, tools }: RemoteScenarioInput): Promise<RemoteScenarioReport> {
  const engine = await createEngine({ baseURL, apiKey, model });
  try {
    const ask = { model, messages: [{ role: 'user' as const, content: 'Hello!' }], tools, temperature: 0, max_tokens: 48 };
    let content = '';
    let chunks = 0;
    for await (const chunk of await engine.chat.completions.create({ ...ask, stream: true })) {
      chunks++;
      content += chunk.choices[0]?.delta.content ?? '';
    }
    const controller = new AbortController();
    let aborted = { name: '', code: '' };
    try {
      let seen = 0;
      for await (const _ of await engine.chat.completions.create({ ...ask, max_tokens: 400, ignore_eos: true, stream: true }, { signal: controller.signal })) {
        if (++seen === 3) controller.abort();
      }
    } catch (error) {
      aborted = { name: (error as Error).name, code: (error as { code: string }).code };
    }
    const toolCalls: unknown[] = [];
    // The page's own function: it runs here, the model runs on the server.
    const runnable = tools.map((tool) => ({
      ...(tool as Omit<RunnableTool, 'run'>),
      run: (args: { city?: string }) => {
        toolCalls.push({ name: tool.type === 'function' ? tool.function.name : tool.type, args, where: location.origin });
        return { city: args.city, temperature_c: 23, condition: 'cloudy' };
      },
    }));
    const result = await engine.runTools({ model, messages: [{ role: 'user', content: 'What is the weather in Paris?' }], tools: runnable, temperature: 0, max_tokens: 96 }).done();
    return { adapterName: engine.info.adapterName, streamed: { content, chunks }, aborted, toolCalls, rounds: result.rounds, finalContent: result.finalContent };
  } finally {
    await engine.dispose();
  }
}

declare global {
  interface Window {
    remoteScenario?: { run: typeof run };
  }
}

window.remoteScenario = { run };
document.querySelector('#report')!.textContent = 'ready';
