/**
 * One choice's pipeline on real token streams (the fixture tokenizer): the deltas it streams fold
 * into exactly the message it reports, for tool calls, reasoning, a named tool, stop strings and
 * parallel_tool_calls: false.
 */
import { describe, expect, it } from 'vitest';
import { ChoiceOutput, type ChoiceMode } from '../../src/chat/choice-output.ts';
import { hermesToolParser } from '../../src/chat/hermes-tool-parser.ts';
import type { StreamDelta } from '../../src/chat/types.ts';
import { openModelSource } from '../../src/hub/model-source.ts';
import { loadTokenizer, type TextTokenizer } from '../../src/text/tokenizer.ts';
import { Random } from '../support/random.ts';
import { HERMES_CALL, reasoningCases } from '../support/reasoning-cases.ts';

const fixture = new URL('../fixtures/qwen3-f32/', import.meta.url).pathname;
const tokenizer = async (): Promise<TextTokenizer> => (await loadTokenizer(openModelSource(fixture)))!;
const mode = (extra: Partial<ChoiceMode>): ChoiceMode => ({
  reasoning: false, thinkingEnabled: true, tools: 'parse', toolParser: hermesToolParser({ tools: [] }), parallelToolCalls: true, ...extra,
});

function fold(deltas: StreamDelta[]) {
  let content: string | null = null;
  let reasoning: string | null = null;
  const calls: { name: string; arguments: string }[] = [];
  for (const delta of deltas) {
    if ('content' in delta) content = (content ?? '') + delta.content;
    else if ('reasoning_content' in delta) reasoning = (reasoning ?? '') + delta.reasoning_content;
    else for (const call of delta.tool_calls) {
      if (call.id !== undefined) calls[call.index] = { name: call.function.name ?? '', arguments: call.function.arguments ?? '' };
      else calls[call.index]!.arguments += call.function.arguments ?? '';
    }
  }
  return { content, reasoning, calls };
}

async function run(text: string, choiceMode: ChoiceMode, stop: string[] = [], seed = 1) {
  const tok = await tokenizer();
  const ids = tok.encode(text);
  const random = new Random(seed);
  const choice = new ChoiceOutput(tok, stop, choiceMode);
  const deltas: StreamDelta[] = [];
  for (let i = 0; i < ids.length && !choice.stopped; ) {
    const take = random.int(1, 3);
    deltas.push(...choice.push(ids.slice(i, i + take), undefined));
    i += take;
  }
  deltas.push(...choice.finish());
  return { streamed: fold(deltas), message: choice.message(), choice };
}

const call = (city: string) => `<tool_call>\n{"name": "get_weather", "arguments": {"city": "${city}"}}\n</tool_call>`;

describe('ChoiceOutput', () => {
  it('streams hermes calls that fold into the parsed message', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { streamed, message, choice } = await run(`Let me check.\n${call('Paris')}\n${call('Zürich')}`, mode({}), [], seed);
      expect(message.content).toBe('Let me check.\n');
      expect(message.toolCalls.map((c) => [c.function.name, c.function.arguments])).toEqual([['get_weather', '{"city": "Paris"}'], ['get_weather', '{"city": "Zürich"}']]);
      expect(streamed.content).toBe(message.content);
      expect(streamed.calls).toEqual(message.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })));
      expect(choice.calledTools).toBe(true);
    }
  });

  it('keeps only the first call with parallel_tool_calls: false', async () => {
    const { streamed, message } = await run(`${call('Oslo')}\n${call('Rome')}`, mode({ parallelToolCalls: false }));
    expect(message.toolCalls).toHaveLength(1);
    expect(message.toolCalls[0]!.function.arguments).toBe('{"city": "Oslo"}');
    expect(streamed.calls).toEqual([{ name: 'get_weather', arguments: '{"city": "Oslo"}' }]);
    expect(message.content).toBeNull();
  });

  it('splits reasoning first and parses calls from the content only', async () => {
    const text = `<think>\nMaybe ${call('Fake')} here?\n</think>\n\nOK.${call('Lima')}`;
    const { streamed, message } = await run(text, mode({ reasoning: 'qwen3' }));
    expect(message.reasoningContent).toBe(`\nMaybe ${call('Fake')} here?\n`);
    expect(message.content).toBe('\n\nOK.');
    expect(message.toolCalls.map((c) => c.function.arguments)).toEqual(['{"city": "Lima"}']);
    expect(streamed.reasoning).toBe(message.reasoningContent);
    expect(streamed.content).toBe(message.content);
  });

  it('a named tool choice turns the whole output into that tool\'s arguments', async () => {
    const { streamed, message } = await run('{"city": "Kyoto"}', mode({ tools: 'named', namedTool: 'get_weather' }));
    expect(message.content).toBeNull();
    expect(message.toolCalls).toEqual([{ id: expect.stringMatching(/^chatcmpl-tool-[0-9a-f]{32}$/), type: 'function', function: { name: 'get_weather', arguments: '{"city": "Kyoto"}' } }]);
    expect(streamed.calls).toEqual([{ name: 'get_weather', arguments: '{"city": "Kyoto"}' }]);
  });

  it('a stop string ends the text before it and stops the choice; tools off leaves tags as text', async () => {
    const { streamed, message, choice } = await run(`Hello <tool_call> world. STOP here`, mode({ tools: 'none' }), ['STOP']);
    expect(choice.stopped).toBe(true);
    expect(message.content).toBe('Hello <tool_call> world. ');
    expect(message.toolCalls).toEqual([]);
    expect(streamed.content).toBe(message.content);
  });
});

describe('ChoiceOutput reasoning on vLLM\'s cases, token by token (the fixture tokenizer has <think>, </think>, <tool_call> as tokens)', () => {
  it.each(reasoningCases.map((testCase) => [testCase.parser, testCase.name, testCase] as const))('%s %s: streamed and whole', async (_, __, testCase) => {
    const choiceMode = mode({ reasoning: testCase.parser, thinkingEnabled: testCase.thinkingEnabled ?? true, tools: 'none' });
    for (let seed = 1; seed <= 5; seed++) {
      const { streamed, message } = await run(testCase.output, choiceMode, [], seed);
      expect({ reasoning: message.reasoningContent, content: message.content }).toEqual({ reasoning: testCase.reasoning, content: testCase.content });
      expect({ reasoning: streamed.reasoning, content: streamed.content }).toEqual({ reasoning: testCase.reasoning, content: testCase.content });
    }
  });

  it('qwen3: a call written before </think> ends the reasoning and is parsed as a call, streamed alike', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const { streamed, message, choice } = await run(`<think>I need to read the file.\n\n${HERMES_CALL}`, mode({ reasoning: 'qwen3' }), [], seed);
      expect(message.reasoningContent).toBe('I need to read the file.\n\n');
      expect(message.content).toBeNull();
      expect(message.toolCalls.map((c) => [c.function.name, c.function.arguments])).toEqual([['bash', '{"command": "cat /etc/hosts"}']]);
      expect(streamed.reasoning).toBe(message.reasoningContent);
      expect(streamed.content).toBeNull();
      expect(streamed.calls).toEqual([{ name: 'bash', arguments: '{"command": "cat /etc/hosts"}' }]);
      expect(choice.calledTools).toBe(true);
    }
  });

  it('deepseek_r1 and qwen3 with thinking off: the same call stays where the rules put it', async () => {
    const text = `I need to read the file.\n\n${HERMES_CALL}`;
    const deepseek = await run(text, mode({ reasoning: 'deepseek_r1' }));
    expect(deepseek.message).toMatchObject({ reasoningContent: text, content: null, toolCalls: [] });
    expect(deepseek.streamed.calls).toEqual([]);
    const noThinking = await run(text, mode({ reasoning: 'qwen3', thinkingEnabled: false }));
    expect(noThinking.message).toMatchObject({ reasoningContent: null, content: 'I need to read the file.\n\n' });
    expect(noThinking.message.toolCalls.map((c) => c.function.name)).toEqual(['bash']);
    expect(noThinking.streamed.calls).toEqual([{ name: 'bash', arguments: '{"command": "cat /etc/hosts"}' }]);
  });
});
