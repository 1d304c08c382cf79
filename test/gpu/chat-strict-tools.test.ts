/**
 * Strict function calling under tool_choice "auto" on the random-weight qwen2 fixture: whatever
 * the weights, every tool call the model opens parses and validates against its tool's schema
 * (ajv, independent of XGrammar), across greedy and 20 seeds; the text of an output that opens no
 * call is exactly what the same prompt gives without a constraint.
 *
 * A random model rarely writes `<tool_call>` by itself, so the call-validity runs raise its logit
 * (logit_bias): calls then start within a few tokens, and the random weights fill them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { loadFixtureEngine } from '../support/fixture-engine.ts';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from '../../src/chat/chat-types.ts';
import { collectStream } from '../support/chat-stream.ts';
import { parseHermesCalls, qwenSpecialIds, schemaErrors, searchTool, weatherTool } from '../support/constraint-cases.ts';

let engine: LlmEngine;

beforeAll(async () => {
  engine = await loadFixtureEngine('qwen2-bf16', { maxModelLen: 2048 });
});
afterAll(async () => engine?.dispose());

const signatures = [weatherTool, searchTool];
const tools = (strict: boolean) => signatures.map((tool) => ({ type: 'function' as const, function: { name: tool.name, parameters: tool.parameters, strict } }));
const maxTokens = 120;
const samplings = [{ temperature: 0 }, ...Array.from({ length: 20 }, (_, i) => ({ temperature: 1, seed: 100 + i }))];
/**
 * XGrammar never allows a special token without text (`<|im_start|>`); unconstrained, the random
 * model may draw it, and since it prints nothing it would only shift the rest of the text.
 */
const noImStart = { [qwenSpecialIds.imStart]: -100 };

const request = (strict: boolean, extra: Partial<ChatCompletionCreateParamsNonStreaming>): ChatCompletionCreateParamsNonStreaming => ({
  model: 'fixture',
  messages: [{ role: 'user', content: 'Weather in Oslo, and search for cats.' }],
  tools: tools(strict),
  max_tokens: maxTokens,
  ...extra,
});

type Call = { function: { name: string; arguments: string } };

/** A strong pull toward `<tool_call>`: calls start within a few tokens, and again after each one. */
const favourCalls = { ...noImStart, [qwenSpecialIds.toolCall]: 30 };

function expectValidArguments(name: string, args: unknown, label: string): void {
  const schema = signatures.find((tool) => tool.name === name)?.parameters;
  expect(schema, `${label}: unknown tool ${name}`).toBeDefined();
  expect(schemaErrors(schema!, args), `${label}: ${JSON.stringify(args)}`).toBeUndefined();
}

/**
 * Every call names a declared tool and its arguments validate; returns the number of calls. An
 * output cut off by max_tokens inside a call is not parsed (all or nothing), so its closed blocks
 * are checked from the text.
 */
function expectValidCalls(reply: ChatCompletion, label: string): number {
  const choice = reply.choices[0]!;
  const calls = (choice.message.tool_calls ?? []) as Call[];
  for (const call of calls) expectValidArguments(call.function.name, JSON.parse(call.function.arguments), label);
  if (calls.length > 0) {
    expect(choice.finish_reason, label).toBe('tool_calls');
    return calls.length;
  }
  const text = choice.message.content ?? '';
  if (!text.includes('<tool_call>')) return 0;
  // A call that failed to parse would leave its tag in the content; only one cut off by max_tokens may.
  expect(reply.usage!.completion_tokens, `${label}: unparsed call in ${JSON.stringify(text)}`).toBe(maxTokens);
  expect(choice.finish_reason, label).toBe('length');
  const closed = [...text.matchAll(/<tool_call>.*?<\/tool_call>/gs)].map((match) => match[0]);
  expect(closed.length, label).toBeGreaterThanOrEqual(text.split('<tool_call>').length - 2);
  for (const block of closed) for (const call of parseHermesCalls(block)) expectValidArguments(call.name, call.arguments, label);
  return closed.length;
}

describe('strict tools under tool_choice "auto" (random weights)', () => {
  it('every opened call parses and validates, greedy and 20 seeds, parallel or not', async () => {
    let withCalls = 0;
    let afterText = 0;
    for (const [i, sampling] of samplings.entries()) {
      const parallel = i % 2 === 0;
      // Every third run samples the whole vocabulary with a weaker pull, so calls start after some text.
      const pull = i % 3 === 1 ? { top_k: -1, top_p: 1, logit_bias: { ...noImStart, [qwenSpecialIds.toolCall]: 11 } } : { logit_bias: favourCalls };
      const reply = await engine.chat.completions.create(request(true, { ...sampling, ...pull, parallel_tool_calls: parallel }));
      const count = expectValidCalls(reply, `sampling ${JSON.stringify(sampling)}`);
      if (!parallel) expect(count).toBeLessThanOrEqual(1);
      if (count > 0) withCalls++;
      const content = reply.choices[0]!.message.content ?? '';
      if (count > 0 && content !== '' && !content.startsWith('<tool_call>')) afterText++;
    }
    console.log(`[strict tools] ${withCalls} of ${samplings.length} outputs called tools, ${afterText} after some text`);
    expect(withCalls).toBeGreaterThanOrEqual(15);
    expect(afterText).toBeGreaterThanOrEqual(2);
  });

  it('streamed calls equal the whole reply', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      // One call, then only the end: the output is not cut off inside a next call.
      const params = request(true, { temperature: 1, seed, logit_bias: favourCalls, parallel_tool_calls: false });
      const whole = await engine.chat.completions.create(params);
      const calls = (whole.choices[0]!.message.tool_calls ?? []) as Call[];
      if (calls.length === 0) continue;
      const streamed = await collectStream(await engine.chat.completions.create({ ...params, stream: true }));
      expect(streamed.choices[0]!.tool_calls.map(({ name, arguments: args }) => ({ name, arguments: args })))
        .toEqual(calls.map((call) => ({ name: call.function.name, arguments: call.function.arguments })));
      expect(streamed.choices[0]!.content).toBe(whole.choices[0]!.message.content);
      return;
    }
    expect.fail('no seed made a tool call');
  });

  it('an output that opens no call is the same text as without a constraint', async () => {
    // tool_choice "none" renders the same prompt (the tools, `strict` included) and decodes freely.
    let compared = 0;
    for (const sampling of samplings) {
      const extra = { ...sampling, max_tokens: 40, logit_bias: noImStart };
      const free = await engine.chat.completions.create(request(true, { ...extra, tool_choice: 'none' }));
      if ((free.choices[0]!.message.content ?? '').includes('<tool_call>')) continue;
      const strict = await engine.chat.completions.create(request(true, extra));
      expect(strict.choices[0]!.message.content, `sampling ${JSON.stringify(sampling)}`).toBe(free.choices[0]!.message.content);
      expect(strict.choices[0]!.finish_reason).toBe(free.choices[0]!.finish_reason);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(15);
  });
});

describe('strict tools and ignore_eos', () => {
  it('run past EOS in free text, as without strict', async () => {
    // EOS is the likeliest token at every step: only ignore_eos keeps the output going.
    const extra = { temperature: 0, max_tokens: 24, ignore_eos: true, logit_bias: { ...noImStart, [qwenSpecialIds.imEnd]: 100 } };
    const free = await engine.chat.completions.create(request(true, { ...extra, tool_choice: 'none' }));
    const strict = await engine.chat.completions.create(request(true, extra));
    expect(free.usage!.completion_tokens).toBe(24);
    expect(strict.usage!.completion_tokens).toBe(24);
    expect(strict.choices[0]!.message.content).toBe(free.choices[0]!.message.content);
  });
});

describe('strict tools on a thinking template (qwen3 fixture)', () => {
  it('leave thinking on: the prompt is the unconstrained one, unlike a forced tool choice', async () => {
    const thinking = await loadFixtureEngine('qwen3-f32', { maxModelLen: 2048 });
    try {
      const promptTokens = async (extra: Partial<ChatCompletionCreateParamsNonStreaming>) =>
        (await thinking.chat.completions.create(request(true, { max_tokens: 1, temperature: 0, ...extra }))).usage!.prompt_tokens;
      const free = await promptTokens({ tool_choice: 'none' });
      expect(await promptTokens({})).toBe(free);
      // Forced calls start at the first token: the template closes the think block in the prompt.
      expect(await promptTokens({ tool_choice: 'required' })).not.toBe(free);
    } finally {
      await thinking.dispose();
    }
  });
});
