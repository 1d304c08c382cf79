/**
 * Shared setup for the client-library tests (test/gpu/client-*.test.ts): the demo's tiny model
 * (public/models/tiny-tool-qwen) loaded in-process, its tool definitions exactly as tools.json has
 * them, city names it never saw in training, tool results shaped as it was trained on, and a
 * recording wrapper around `engine.fetch` that keeps every request body a client sent, so a test
 * can check what went over the wire and a refused request prints the body that caused it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { heldoutNames, trainingNames } from './tiny-model-names.ts';

export const tinyModelFolder = fileURLToPath(new URL('../../public/models/tiny-tool-qwen/', import.meta.url));
export const tinyModelId = 'tiny-tool-qwen';
/** The model's own tool definitions; it behaves only with these names, descriptions and schemas. */
export const tinyModelTools = JSON.parse(readFileSync(`${tinyModelFolder}tools.json`, 'utf-8')) as ChatCompletionFunctionTool[];
/** Where an HTTP client is pointed; `engine.fetch` only looks at the path. */
export const baseURL = 'http://localhost/v1';

export function tinyTool(name: string): ChatCompletionFunctionTool['function'] & { parameters: Record<string, unknown> } {
  const tool = tinyModelTools.find((candidate) => candidate.function.name === name);
  if (tool === undefined) throw new Error(`tools.json has no ${name}`);
  return tool.function as ChatCompletionFunctionTool['function'] & { parameters: Record<string, unknown> };
}

/** `count` city names the model never saw in training (tools/train/names.py's generator, another seed). */
export function heldoutCities(count: number, skip = 0): string[] {
  return heldoutNames(count + skip, trainingNames()).slice(skip);
}

/**
 * A get_weather result shaped as the model was trained on (README: `{"city", "temperature_c",
 * "condition"}`), with a temperature derived from the name so that each city gets its own; the
 * model's answer is "It is <t>°C and <condition> in <city>."
 */
export function weatherFor(city: string): { city: string; temperature_c: number; condition: string } {
  const conditions = ['sunny', 'cloudy', 'rainy', 'windy'];
  const code = [...city].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  return { city, temperature_c: 5 + (code % 25), condition: conditions[code % conditions.length]! };
}

/** get_time's trained result shape (`{"city", "time"}`); the answer is "It is <time> in <city>." */
export function timeFor(city: string): { city: string; time: string } {
  const code = [...city].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  return { city, time: `${String(code % 24).padStart(2, '0')}:${String((code * 7) % 60).padStart(2, '0')}` };
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** The parsed JSON body the client sent (undefined for a GET). */
  readonly body: Record<string, unknown> | undefined;
  status?: number;
}

export interface TinyModelServer {
  readonly engine: LlmEngine;
  /** `engine.fetch`, recording each request into `requests`; give this to the client. */
  readonly fetch: typeof fetch;
  readonly requests: RecordedRequest[];
  /** The chat request bodies sent since `mark` (an index into `requests`). */
  chatBodies(mark?: number): Record<string, unknown>[];
}

export async function openTinyModel(): Promise<TinyModelServer> {
  const engine = await createEngine({ model: tinyModelFolder, worker: false });
  console.log(`[webgpu] adapter: ${engine.info.adapterName}`);
  const requests: RecordedRequest[] = [];
  const recording = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input), baseURL);
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const text = typeof init?.body === 'string' ? init.body : request !== undefined && method !== 'GET' ? await request.clone().text() : undefined;
    const entry: RecordedRequest = { method, path: url.pathname, body: text === undefined || text === '' ? undefined : JSON.parse(text) as Record<string, unknown> };
    requests.push(entry);
    const response = await engine.fetch(input, init);
    entry.status = response.status;
    if (!response.ok) {
      // The exact body a client sent and what the engine answered: the first thing to look at.
      const answer = await response.clone().text();
      console.error(`[client request refused] ${method} ${url.pathname} -> ${response.status} ${answer}\nrequest body: ${text ?? ''}`);
    }
    return response;
  };
  return {
    engine,
    fetch: recording as typeof fetch,
    requests,
    chatBodies: (mark = 0) => requests.slice(mark).filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body ?? {}),
  };
}
