/**
 * The demo's tiny tool-calling model (public/models/tiny-tool-qwen, trained by
 * tools/train/train_tool_model.py) through the engine, greedy: a greeting gets a sentence, a
 * weather question about a city it never saw in training gets one get_weather call with that
 * city, two cities get two calls, the other tools are picked, and runTools ends with a sentence
 * that carries the tool's result. First, the chats it was trained on render and tokenize in the
 * runtime exactly as the Python training code rendered and tokenized them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../src/chat/chat-template.ts';
import type { ChatCompletion, ChatCompletionTool } from '../../src/chat/chat-types.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import type { RunnableTool } from '../../src/tools/tool-runner.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { loadTokenizer, requireTokenizer, type TextTokenizer } from '../../src/text/tokenizer.ts';
import { golden, heldoutNames, trainingNames } from '../support/tiny-model-names.ts';

const folder = fileURLToPath(new URL('../../public/models/tiny-tool-qwen/', import.meta.url));
const tools = JSON.parse(readFileSync(`${folder}tools.json`, 'utf-8')) as ChatCompletionTool[];
const training = trainingNames();
const [cityA, cityB, cityC, cityD] = heldoutNames(4, training) as [string, string, string, string];

// ---- the engine -------------------------------------------------------------------------------------

let engine: LlmEngine;
let tokenizer: TextTokenizer;

beforeAll(async () => {
  const started = performance.now();
  engine = await createEngine({ model: folder, worker: false });
  console.log(`[tiny-tool-qwen] loaded in ${Math.round(performance.now() - started)} ms on ${engine.info.adapterName}`);
  tokenizer = requireTokenizer(await loadTokenizer(openModelSource(folder)), folder);
});
afterAll(async () => {
  await engine?.dispose();
});

const ask = (content: string, extra: Record<string, unknown> = {}): Promise<ChatCompletion> =>
  engine.chat.completions.create({ model: 'tiny-tool-qwen', messages: [{ role: 'user', content }], tools, temperature: 0, max_tokens: 96, ...extra });

function calls(reply: ChatCompletion): Array<{ name: string; args: unknown }> {
  return (reply.choices[0]!.message.tool_calls ?? []).map((call) => {
    if (call.type !== 'function') throw new Error(`unexpected tool call type ${call.type}`);
    return { name: call.function.name, args: JSON.parse(call.function.arguments) as unknown };
  });
}

describe('tiny-tool-qwen: training data and runtime agree', () => {
  it('the held-out cities come from the training generator with another seed and are not training names', () => {
    expect(training.digest, 'the TypeScript name generator reproduces the Python one').toBe(golden.training_names.pool_sha256);
    for (const city of [cityA, cityB, cityC, cityD]) expect(training.all.has(city)).toBe(false);
  });

  it('renders the training chats with the runtime chat template exactly as training did', () => {
    const template = new ChatTemplate(tokenizer.chatTemplate);
    for (const chat of golden.chats) {
      const text = template.render({ messages: chat.messages, tools: (chat.tools ?? undefined) as never, addGenerationPrompt: false });
      expect(text).toBe(chat.text);
    }
  });

  it('tokenizes them (and the fixture tokenizer edge cases) to the Python encoder ids', () => {
    for (const { text, ids } of [...golden.chats, ...golden.texts]) expect(tokenizer.encode(text)).toEqual(ids);
  });
});

describe('tiny-tool-qwen: greedy replies through the engine', () => {
  it('answers a greeting with a sentence and no tool calls', async () => {
    for (const greeting of ['Hello!', 'Good morning']) {
      const reply = await ask(greeting);
      const choice = reply.choices[0]!;
      expect(choice.message.tool_calls ?? []).toEqual([]);
      expect(choice.message.content?.trim().length ?? 0).toBeGreaterThan(3);
      expect(choice.finish_reason).toBe('stop');
    }
  });

  it(`calls get_weather with a city it never saw in training (${cityA})`, async () => {
    const reply = await ask(`What's the weather in ${cityA}?`);
    expect(calls(reply)).toEqual([{ name: 'get_weather', args: { city: cityA } }]);
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it(`calls get_weather twice for two cities (${cityB}, ${cityC})`, async () => {
    const reply = await ask(`What's the weather in ${cityB} and ${cityC}?`);
    expect(calls(reply)).toEqual([
      { name: 'get_weather', args: { city: cityB } },
      { name: 'get_weather', args: { city: cityC } },
    ]);
    expect(reply.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('picks get_time, calculate and set_theme', async () => {
    expect(calls(await ask(`What time is it in ${cityD}?`))).toEqual([{ name: 'get_time', args: { city: cityD } }]);
    expect(calls(await ask('What is 12 * 7?'))).toEqual([{ name: 'calculate', args: { expression: '12 * 7' } }]);
    expect(calls(await ask('Switch to dark mode'))).toEqual([{ name: 'set_theme', args: { theme: 'dark' } }]);
  });

  it('copies real city names (spaces, accents) and expressions with decimals and parentheses exactly', async () => {
    for (const city of ['Paris', 'Tokyo', 'São Paulo', 'New York', 'Zürich']) {
      expect(calls(await ask(`What's the weather in ${city}?`)), city).toEqual([{ name: 'get_weather', args: { city } }]);
    }
    expect(calls(await ask('Calculate 12*(3+4)'))).toEqual([{ name: 'calculate', args: { expression: '12*(3+4)' } }]);
    expect(calls(await ask('What is 3.5 * (2 + 4)?'))).toEqual([{ name: 'calculate', args: { expression: '3.5 * (2 + 4)' } }]);
  });

  it('answers "Who are you?" and "What can you do?" with a description of its tools, not a call', async () => {
    for (const question of ['Who are you?', 'Who are you and what can you do?', 'help']) {
      const reply = await ask(question);
      expect(calls(reply), question).toEqual([]);
      const text = (reply.choices[0]!.message.content ?? '').toLowerCase();
      for (const word of ['weather', 'time', 'math', 'dark mode']) expect(text, question).toContain(word);
    }
  });

  it('runTools: the final answer carries the tool result', async () => {
    const seen: unknown[] = [];
    const weather: RunnableTool = {
      ...(tools.find((t) => t.type === 'function' && t.function.name === 'get_weather') as Omit<RunnableTool, 'run'>),
      run: (args: { city: string }) => {
        seen.push(args);
        return { city: args.city, temperature_c: 23, condition: 'cloudy' };
      },
    };
    const others = tools.filter((t) => t.type === 'function' && t.function.name !== 'get_weather')
      .map((t) => ({ ...(t as Omit<RunnableTool, 'run'>), run: () => ({ error: 'not used in this test' }) }));
    const result = await engine.runTools({
      model: 'tiny-tool-qwen', messages: [{ role: 'user', content: `How is the weather in ${cityA}?` }],
      tools: [weather, ...others], temperature: 0, max_tokens: 96,
    }).done();
    expect(seen).toEqual([{ city: cityA }]);
    expect(result.rounds).toBe(2);
    expect(result.hitRoundLimit).toBe(false);
    expect(result.finalContent).toContain('23°C');
    expect(result.finalContent).toContain('cloudy');
    expect(result.finalContent).toContain(cityA);
    console.log(`[tiny-tool-qwen] ${cityA}: ${result.finalContent}`);
  });
});
