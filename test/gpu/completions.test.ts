/**
 * engine.completions.create on the qwen2-bf16 fixture, in-process: a string prompt continues
 * exactly as a direct greedy run of the model on the same ids; a list of 4 prompts runs as one
 * batch (the engine's step count and last step show it) with each prompt's own result; token-id
 * prompts go in unchanged; echo; legacy logprobs agreeing with chat's for the same tokens;
 * streamed chunks concatenating to the whole result; n with a seed (choice j draws with seed + j);
 * abort; vLLM's min_tokens (holding off EOS and stop strings), allowed_token_ids and bad_words;
 * and the official `openai` client's completions.create through engine.fetch, whose refusals
 * (streamed or not) are HTTP 400s with the OpenAI error body.
 */
import OpenAI, { BadRequestError } from 'openai';
import type { Completion } from 'openai/resources/completions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../src/chat/chat-template.ts';
import { createEngine } from '../../src/api/create-engine.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { isLlmError } from '../../src/errors.ts';
import { generate } from '../../src/engine/generate.ts';
import { loadModel, type LoadedModel } from '../../src/model/load-model.ts';
import type { TextTokenizer } from '../../src/text/tokenizer.ts';
import { testGpu } from '../support/gpu-harness.ts';

const fixture = new URL('../fixtures/qwen2-bf16/', import.meta.url).pathname;
let engine: LlmEngine;
/** A second copy of the model, driven directly by generate(): the reference for the API's text. */
let model: LoadedModel;
let tokenizer: TextTokenizer;
let client: OpenAI;

beforeAll(async () => {
  engine = await createEngine({ model: fixture, worker: false, maxModelLen: 512 });
  model = await loadModel(await testGpu(), fixture, { maxModelLen: 512 });
  tokenizer = model.tokenizer!;
  client = new OpenAI({ baseURL: 'http://localhost/v1', apiKey: 'x', fetch: engine.fetch, dangerouslyAllowBrowser: true, maxRetries: 0 });
  console.log(`[webgpu] adapter: ${engine.info.adapterName}`);
});
afterAll(async () => {
  await engine?.dispose();
  model?.dispose();
});

// generation_config.json's repetition_penalty (1.05) applies by default, as in vLLM; generate() has none.
const greedy = { model: 'fixture', temperature: 0, ignore_eos: true, repetition_penalty: 1 } as const;
const eosIds = [656, 658]; // the fixture's generation_config eos_token_id

/** What the model itself continues `ids` with at temperature 0, as text. */
async function direct(ids: readonly number[], maxTokens: number): Promise<string> {
  const run = await generate(model, { promptIds: ids, maxTokens, ignoreEos: true });
  return tokenizer.decode(run.completionIds, { skipSpecialTokens: true });
}

interface Folded {
  texts: string[];
  finishReasons: (string | null)[];
  tokens: string[][];
  usage: Completion['usage'];
  chunks: Completion[];
}

/** Folds streamed chunks by choice index, checking that nothing follows a choice's finish_reason. */
async function fold(stream: AsyncIterable<Completion>): Promise<Folded> {
  const folded: Folded = { texts: [], finishReasons: [], tokens: [], usage: undefined, chunks: [] };
  for await (const chunk of stream) {
    folded.chunks.push(chunk);
    expect(chunk.object).toBe('text_completion');
    expect(chunk.id).toBe(folded.chunks[0]!.id);
    if (chunk.usage !== undefined) folded.usage = chunk.usage;
    for (const choice of chunk.choices) {
      expect(folded.finishReasons[choice.index] ?? null, 'nothing after finish_reason').toBeNull();
      folded.texts[choice.index] = (folded.texts[choice.index] ?? '') + choice.text;
      folded.finishReasons[choice.index] = choice.finish_reason ?? null;
      folded.tokens[choice.index] = [...(folded.tokens[choice.index] ?? []), ...(choice.logprobs?.tokens ?? [])];
    }
  }
  return folded;
}

describe('completions (qwen2-bf16)', () => {
  it('continues a string prompt exactly as the model does for the same ids, at temperature 0', async () => {
    const prompt = 'Once upon a time, in a small village';
    const ids = tokenizer.encode(prompt, { addSpecialTokens: true });
    const result = await engine.completions.create({ ...greedy, prompt, max_tokens: 10 });
    expect(result.object).toBe('text_completion');
    expect(result.id).toMatch(/^cmpl-[0-9a-f]{32}$/);
    expect(result.choices).toHaveLength(1);
    expect(result.choices[0]).toMatchObject({ index: 0, logprobs: null, finish_reason: 'length' });
    expect(result.choices[0]!.text).toBe(await direct(ids, 10));
    expect(result.usage).toMatchObject({ prompt_tokens: ids.length, completion_tokens: 10, total_tokens: ids.length + 10 });
    // OpenAI's and vLLM's default max_tokens is 16.
    const byDefault = await engine.completions.create({ ...greedy, prompt });
    expect(byDefault.usage!.completion_tokens).toBe(16);
    expect(byDefault.choices[0]!.text.startsWith(result.choices[0]!.text)).toBe(true);
  });

  it('runs a list of 4 prompts as one batch, each with the result it gets alone', async () => {
    const prompts = ['The sky is', 'In 1999 the committee decided that', 'Hello', 'A list of fruits: apples, pears,'];
    const alone: Completion[] = [];
    for (const prompt of prompts) alone.push(await engine.completions.create({ ...greedy, prompt, max_tokens: 8 }));
    const before = await engine.stats();
    const batched = await engine.completions.create({ ...greedy, prompt: prompts, max_tokens: 8 });
    const after = await engine.stats();
    expect(batched.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(batched.choices.map((choice) => choice.text)).toEqual(alone.map((result) => result.choices[0]!.text));
    // One step samples a token for all four: 8 steps in all, where one after another would take 32.
    console.log(`[completions] 4 prompts × 8 tokens: ${after.steps - before.steps} engine steps`);
    expect(after.steps - before.steps).toBe(8);
    expect(after.last).toMatchObject({ scheduledSeqs: 4, sampledSeqs: 4 });
    expect(batched.usage).toMatchObject({
      prompt_tokens: alone.reduce((sum, result) => sum + result.usage!.prompt_tokens, 0),
      completion_tokens: 32,
    });
  });

  it('takes token-id prompts unchanged, one list or several', async () => {
    // <|im_start|> (a special token) first: nothing is added in front of or around the ids.
    const first = [657, ...tokenizer.encode('user\nTell me a story')];
    const second = tokenizer.encode(' and then the dragon');
    const one = await engine.completions.create({ ...greedy, prompt: first, max_tokens: 6 });
    expect(one.usage!.prompt_tokens).toBe(first.length);
    expect(one.choices[0]!.text).toBe(await direct(first, 6));
    const both = await engine.completions.create({ ...greedy, prompt: [first, second], max_tokens: 6 });
    expect(both.usage!.prompt_tokens).toBe(first.length + second.length);
    expect(both.choices.map((choice) => choice.text)).toEqual([one.choices[0]!.text, await direct(second, 6)]);
    // echo of token ids: their text as written, special tokens included.
    const echoed = await engine.completions.create({ ...greedy, prompt: first, max_tokens: 6, echo: true });
    expect(echoed.choices[0]!.text).toBe(tokenizer.decode(first) + one.choices[0]!.text);
  });

  it('echo puts the prompt in front, whole and streamed; max_tokens 0 returns the prompt alone', async () => {
    const prompt = 'Echo this line, then go on:';
    const plain = await engine.completions.create({ ...greedy, prompt, max_tokens: 6 });
    const echoed = await engine.completions.create({ ...greedy, prompt, max_tokens: 6, echo: true });
    expect(echoed.choices[0]!.text).toBe(prompt + plain.choices[0]!.text);
    expect(echoed.usage).toEqual(plain.usage);
    const streamed = await fold(await engine.completions.create({ ...greedy, prompt, max_tokens: 6, echo: true, stream: true }));
    expect(streamed.texts).toEqual([echoed.choices[0]!.text]);
    expect(streamed.chunks[0]!.choices[0]!.text.startsWith(prompt)).toBe(true);
    const only = await engine.completions.create({ ...greedy, prompt: [prompt, 'Second'], max_tokens: 0, echo: true });
    expect(only.choices.map((choice) => [choice.text, choice.finish_reason])).toEqual([[prompt, 'length'], ['Second', 'length']]);
    expect(only.usage!.completion_tokens).toBe(0);
  });

  it('logprobs: the legacy layout, with the tokens and values chat reports for the same prompt ids', async () => {
    const messages = [{ role: 'user' as const, content: 'Hello there, how are you?' }];
    const prompt = new ChatTemplate(tokenizer.chatTemplate).render({
      messages, addGenerationPrompt: true, bosToken: tokenizer.bosToken, eosToken: tokenizer.eosToken,
    });
    const chat = await engine.chat.completions.create({ ...greedy, messages, max_tokens: 6, logprobs: true, top_logprobs: 3 });
    const result = await engine.completions.create({ ...greedy, prompt, max_tokens: 6, logprobs: 3 });
    expect(result.usage!.prompt_tokens).toBe(chat.usage!.prompt_tokens);
    const logprobs = result.choices[0]!.logprobs!;
    const content = chat.choices[0]!.logprobs!.content!;
    expect(logprobs.tokens).toEqual(content.map((entry) => entry.token));
    logprobs.token_logprobs!.forEach((value, i) => expect(value).toBeCloseTo(content[i]!.logprob, 3));
    let offset = 0;
    logprobs.top_logprobs!.forEach((top, i) => {
      const token = logprobs.tokens![i]!;
      // The sampled token first, then the 3 most likely; greedy: the sampled one is the most likely.
      const expected = new Set([token, ...content[i]!.top_logprobs.map((entry) => entry.token)]);
      expect(new Set(Object.keys(top))).toEqual(expected);
      expect(top[token]).toBe(logprobs.token_logprobs![i]);
      expect(Math.max(...Object.values(top))).toBe(top[token]);
      expect(logprobs.text_offset![i]).toBe(offset);
      offset += token.length;
    });
    const streamed = await fold(await engine.completions.create({ ...greedy, prompt, max_tokens: 6, logprobs: 3, stream: true }));
    expect(streamed.tokens[0]).toEqual(logprobs.tokens);
    expect(streamed.texts[0]).toBe(result.choices[0]!.text);
  });

  it('streams chunks that concatenate to the whole result, per choice; n: 2 with a seed draws seed + j', async () => {
    const request = { model: 'fixture', prompt: ['Write a poem about the sea', 'Numbers:'], max_tokens: 10, temperature: 0.9, n: 2, seed: 41 };
    const whole = await engine.completions.create(request);
    expect(whole.choices.map((choice) => choice.index)).toEqual([0, 1, 2, 3]);
    expect(await engine.completions.create(request)).toMatchObject({ choices: whole.choices });
    const streamed = await fold(await engine.completions.create({ ...request, stream: true, stream_options: { include_usage: true } }));
    expect(streamed.texts).toEqual(whole.choices.map((choice) => choice.text));
    expect(streamed.finishReasons).toEqual(whole.choices.map((choice) => choice.finish_reason));
    expect(streamed.chunks.at(-1)!.choices).toEqual([]);
    expect(streamed.usage).toMatchObject({ prompt_tokens: whole.usage!.prompt_tokens, completion_tokens: whole.usage!.completion_tokens });
    // Prompt-major order, and choice j of each prompt is that prompt alone with seed 41 + j.
    for (const [p, prompt] of request.prompt.entries()) {
      for (const j of [0, 1]) {
        const alone = await engine.completions.create({ ...request, prompt, n: 1, seed: 41 + j });
        expect(whole.choices[p * 2 + j]!.text).toBe(alone.choices[0]!.text);
      }
    }
    // Each prompt counted once, not once per choice.
    const single = await engine.completions.create({ ...request, prompt: request.prompt[0]!, n: 1 });
    const other = await engine.completions.create({ ...request, prompt: request.prompt[1]!, n: 1 });
    expect(whole.usage!.prompt_tokens).toBe(single.usage!.prompt_tokens + other.usage!.prompt_tokens);
  });

  it('n: 2 with the largest seed: choice 1 draws with seed + 1 wrapped into the safe integers (0)', async () => {
    const request = { model: 'fixture', prompt: 'Numbers:', max_tokens: 6, temperature: 1, ignore_eos: true, n: 2, seed: Number.MAX_SAFE_INTEGER };
    const whole = await engine.completions.create(request);
    expect(whole.choices.map((choice) => choice.index)).toEqual([0, 1]);
    const first = await engine.completions.create({ ...request, n: 1 });
    const wrapped = await engine.completions.create({ ...request, n: 1, seed: 0 });
    expect(whole.choices.map((choice) => choice.text)).toEqual([first.choices[0]!.text, wrapped.choices[0]!.text]);
    // The two seeds draw differently here, so the check above tells them apart.
    expect(wrapped.choices[0]!.text).not.toBe(first.choices[0]!.text);
  });

  it('a stop string ends the text before it, whole and streamed', async () => {
    const base = await engine.completions.create({ ...greedy, prompt: 'Count with me', max_tokens: 12 });
    const text = base.choices[0]!.text;
    const stop = text.slice(4, 6);
    const cut = text.slice(0, text.indexOf(stop));
    const stopped = await engine.completions.create({ ...greedy, prompt: 'Count with me', max_tokens: 12, stop });
    expect(stopped.choices[0]).toMatchObject({ text: cut, finish_reason: 'stop' });
    const streamed = await fold(await engine.completions.create({ ...greedy, prompt: 'Count with me', max_tokens: 12, stop, stream: true }));
    expect([streamed.texts[0], streamed.finishReasons[0]]).toEqual([cut, 'stop']);
  });

  it('min_tokens holds off EOS even when a bias makes it the argmax, whole and streamed', async () => {
    const logit_bias = Object.fromEntries(eosIds.map((id) => [id, 100]));
    const request = { ...greedy, ignore_eos: false, prompt: 'Hello there', max_tokens: 20, logit_bias };
    const free = await engine.completions.create(request);
    expect(free.usage!.completion_tokens).toBe(1);
    const held = await engine.completions.create({ ...request, min_tokens: 5 });
    // Five tokens that cannot be EOS, then EOS.
    expect(held.usage!.completion_tokens).toBe(6);
    expect(held.choices[0]!.finish_reason).toBe('stop');
    const streamed = await fold(await engine.completions.create({ ...request, min_tokens: 5, stream: true, stream_options: { include_usage: true } }));
    expect([streamed.texts[0], streamed.finishReasons[0], streamed.usage!.completion_tokens]).toEqual([held.choices[0]!.text, 'stop', 6]);
  });

  it('min_tokens holds off stop strings: a match must end after the first min_tokens tokens', async () => {
    const request = { ...greedy, prompt: 'Count with me', max_tokens: 12 };
    const base = await engine.completions.create({ ...request, logprobs: 0 });
    const text = base.choices[0]!.text;
    const tokens = base.choices[0]!.logprobs!.tokens!;
    expect(tokens.join('')).toBe(text);
    // The first token's text as the stop string: without min_tokens, nothing is left.
    const stop = tokens[0]!;
    expect((await engine.completions.create({ ...request, stop })).choices[0]).toMatchObject({ text: '', finish_reason: 'stop' });
    const unchecked = tokens.slice(0, 2).join('').length;
    const at = text.indexOf(stop, Math.max(0, unchecked - stop.length + 1));
    const expected = at < 0 ? { text, finish_reason: 'length' } : { text: text.slice(0, at), finish_reason: 'stop' };
    const held = await engine.completions.create({ ...request, stop, min_tokens: 2 });
    expect(held.choices[0]).toMatchObject(expected);
    expect(held.choices[0]!.text.length).toBeGreaterThanOrEqual(unchecked);
    const streamed = await fold(await engine.completions.create({ ...request, stop, min_tokens: 2, stream: true }));
    expect({ text: streamed.texts[0], finish_reason: streamed.finishReasons[0] }).toEqual(expected);
  });

  it('allowed_token_ids restricts every sampled token, in every choice', async () => {
    const allowed = [...new Set(tokenizer.encode(' bet things arguments ns'))];
    const allowedText = new Set(allowed.map((id) => tokenizer.decode([id])));
    const request = { model: 'fixture', prompt: 'Hello there', max_tokens: 12, temperature: 1, seed: 7, n: 3, ignore_eos: true, logprobs: 0 };
    const outside = (result: Completion) => result.choices.flatMap((choice) => choice.logprobs!.tokens!.filter((token) => !allowedText.has(token)));
    // Unrestricted, this request samples other tokens: the check below can fail.
    expect(outside(await engine.completions.create(request)).length).toBeGreaterThan(0);
    const restricted = await engine.completions.create({ ...request, allowed_token_ids: allowed });
    expect(restricted.usage!.completion_tokens).toBe(36);
    expect(restricted.choices.map((choice) => choice.logprobs!.tokens!.length)).toEqual([12, 12, 12]);
    expect(outside(restricted)).toEqual([]);
  });

  it('bad_words: a banned word never comes out', async () => {
    const request = { ...greedy, prompt: 'Hello there', max_tokens: 12, logprobs: 0 };
    const banned = (result: Completion) => result.choices[0]!.logprobs!.tokens!.filter((token) => token.trim() === 'ns');
    const free = await engine.completions.create(request);
    expect(banned(free).length).toBeGreaterThan(0);
    const clean = await engine.completions.create({ ...request, bad_words: ['ns'] });
    expect(clean.usage!.completion_tokens).toBe(12);
    expect(banned(clean)).toEqual([]);
    expect(clean.choices[0]!.text).not.toBe(free.choices[0]!.text);
  });

  it('an abort rejects with a typed error and frees every KV block', async () => {
    const controller = new AbortController();
    const stream = await engine.completions.create({ ...greedy, prompt: ['Go on and on', 'And on'], max_tokens: 200, stream: true }, { signal: controller.signal });
    const error = await (async () => {
      let seen = 0;
      for await (const _ of stream) if (++seen === 3) controller.abort();
    })().then(() => undefined, (caught: unknown) => caught);
    expect(isLlmError(error, 'aborted')).toBe(true);
    const stats = await engine.stats();
    expect(stats.blocksFree).toBe(stats.blocksTotal);
  });

  it('works through the official openai client, whole and streamed', async () => {
    const request = { ...greedy, prompt: ['The quick brown fox', 'Lorem ipsum'], max_tokens: 8 };
    const direct = await engine.completions.create(request);
    const whole = await client.completions.create(request);
    expect(whole.choices).toEqual(direct.choices);
    expect(whole.usage).toEqual(direct.usage);
    const texts: string[] = [];
    for await (const chunk of await client.completions.create({ ...request, stream: true })) {
      for (const choice of chunk.choices) texts[choice.index] = (texts[choice.index] ?? '') + choice.text;
    }
    expect(texts).toEqual(direct.choices.map((choice) => choice.text));
    const error = await client.completions.create({ ...request, prompt: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'prompt' });
    // A refused stream rejects at create, before any chunk.
    const streamed = await client.completions.create({ ...request, stream: true, prompt: [[1, 2], [3, 99_999]] }).catch((caught: unknown) => caught);
    expect(streamed).toBeInstanceOf(BadRequestError);
    expect((streamed as BadRequestError).message).toMatch(/prompt\[1\]/);
  });

  it('answers refused streamed requests with HTTP 400 and the OpenAI error body, before any byte', async () => {
    const long = Array.from({ length: 600 }, (_, i) => 10 + (i % 500));
    const cases: [Record<string, unknown>, string | null, string, RegExp][] = [
      [{ prompt: long }, 'prompt', 'context_length_exceeded', /maximum context length/],
      [{ prompt: long.slice(0, 505) }, 'max_tokens', 'context_length_exceeded', /max_tokens/],
      [{ prompt: [[5, 6], [7, 99_999]] }, 'prompt[1]', 'invalid_argument', /prompt\[1\].*99999/],
      [{ prompt: [] }, 'prompt', 'invalid_argument', /prompt:? must not be an empty list/],
      [{ prompt: ['fine', ''] }, 'prompt[1]', 'invalid_argument', /prompt\[1\]:? has no tokens/],
      [{ prompt: 'x', temperature: 3 }, 'temperature', 'invalid_argument', /temperature/],
      [{ prompt: 'x', stop_token_ids: [99_999] }, 'stop_token_ids', 'invalid_argument', /stop_token_ids/],
      [{ prompt: 'x', logprobs: 21 }, 'logprobs', 'invalid_argument', /logprobs/],
      [{ prompt: 'x', echo: true, logprobs: 1 }, 'echo', 'invalid_argument', /echo/],
      [{ prompt: 'x', suffix: 'y' }, 'suffix', 'invalid_argument', /suffix/],
      [{ prompt: 'x', best_of: 3 }, 'best_of', 'invalid_argument', /best_of/],
      [{ prompt: 'x', max_tokens: 0 }, 'max_tokens', 'invalid_argument', /max_tokens/],
      [{ prompt: 'x', frobnicate: 1 }, 'frobnicate', 'invalid_argument', /frobnicate/],
    ];
    for (const [fields, param, code, message] of cases) {
      const response = await engine.fetch('http://localhost/v1/completions', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'fixture', stream: true, ...fields }),
      });
      const what = JSON.stringify(fields).slice(0, 60);
      expect(response.status, what).toBe(400);
      expect(response.headers.get('content-type'), what).toBe('application/json');
      const body = await response.json() as { error: { message: string } };
      expect(body, what).toEqual({ error: { message: expect.stringMatching(message), type: 'invalid_request_error', param, code } });
    }
    const stats = await engine.stats();
    expect(stats.running + stats.waiting).toBe(0);
  });

  it('routes /chat/completions and /completions apart', async () => {
    const post = (path: string, body: unknown) => engine.fetch(`http://localhost/v1${path}`, { method: 'POST', body: JSON.stringify(body) });
    const chat = await (await post('/chat/completions', { ...greedy, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })).json();
    const text = await (await post('/completions', { ...greedy, prompt: 'hi', max_tokens: 2 })).json();
    expect([chat.object, text.object]).toEqual(['chat.completion', 'text_completion']);
  });
});
