/**
 * The demo chat page end to end, as deployed: the test builds it once (`vite build -c
 * demo/vite.config.ts`, ~2 s, into test-results/demo-build/), serves the build with `vite preview`
 * and drives it in Chromium. On the default model: it loads and shows the adapter, a greeting
 * streams, a weather question makes a tool-call card whose result the answer repeats, every
 * suggestion chip ends in a tool card and an answer ("Who are you?" in a description, no call),
 * real city names (São Paulo, New York) and an expression with decimals and parentheses are
 * copied into their calls, a crafted reply's HTML stays text. Layout, errors and progress are in
 * demo-ux.test.ts. A screenshot of the chat goes to
 * test-results/demo-chat.png (and to docs/demo-screenshot.png with UPDATE_DEMO_SCREENSHOT=1).
 * Batching, stop, reasoning and Hub loading are in demo-serving.test.ts.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { fakeWeather } from '../../demo/tools.ts';
import { assertAdapterMatchesMode, gpuMode, type BrowserSession } from './browser.ts';
import { openDemoSession, type DemoDriver, type DemoSession } from './demo-server.ts';
import { heldoutNames, trainingNames } from '../support/tiny-model-names.ts';

const repo = new URL('../../', import.meta.url);
const resultsDir = fileURLToPath(new URL('test-results/', repo));

let opened: DemoSession;
let session: BrowserSession;
let driver: DemoDriver;

beforeAll(async () => {
  opened = await openDemoSession();
  ({ session, driver } = opened);
});

afterAll(async () => {
  await opened?.close();
});

test('the page loads the default model and shows the adapter and load time', async () => {
  const { page } = session;
  const started = Date.now();
  await driver.open('');
  const adapter = (await page.locator('#adapter').textContent())?.trim() ?? '';
  const loadTime = (await page.locator('#load-time').textContent())?.trim() ?? '';
  const model = (await page.locator('#model-name').textContent())?.trim() ?? '';
  console.log(`[e2e demo] adapter: ${adapter}; model: ${model}; load time ${loadTime} (page ready after ${Date.now() - started} ms)`);
  assertAdapterMatchesMode(adapter);
  if (gpuMode) expect(adapter, 'WEBGPU_E2E_GPU=1 wants a hardware adapter').not.toContain('(software)');
  expect(adapter).not.toBe('…');
  expect(loadTime).toMatch(/^\d+(\.\d+)? m?s$/);
  expect(model).toContain('tiny-tool-qwen');
  expect(await page.locator('#load-progress-text').textContent()).toMatch(/^Loaded /);
  expect(await page.locator('#cache-status').textContent()).toContain('Served by this page');
  expect(await page.locator('#tool-list input:checked').count()).toBe(4);
});

test('a greeting streams a reply into the chat', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '24' });
  const turn = page.locator('[data-pane="1"] .turn.assistant').last();
  // Record the reply's text lengths as the DOM changes, to tell streaming from one final write.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { replyLengths: number[] }).replyLengths = seen;
    const turns = document.querySelector('[data-pane="1"] .turns')!;
    new MutationObserver(() => {
      const reply = [...turns.querySelectorAll('.turn.assistant')].at(-1);
      seen.push([...(reply?.querySelectorAll('.markdown') ?? [])].reduce((sum, block) => sum + (block.textContent ?? '').length, 0));
    }).observe(turns, { childList: true, characterData: true, subtree: true });
  });
  await driver.send(1, 'Hello!');
  await expect.poll(() => turn.getAttribute('data-state'), { timeout: 120_000 }).not.toBe('streaming');
  expect(await turn.getAttribute('data-state')).toBe('done');
  const text = (await turn.locator('.markdown').allTextContents()).join('');
  const lengths = await page.evaluate(() => (window as unknown as { replyLengths: number[] }).replyLengths);
  const partial = new Set(lengths.filter((length) => length > 0 && length < text.length));
  const footer = (await turn.locator('.turn-footer').textContent()) ?? '';
  console.log(`[e2e demo] greeting: ${partial.size} partial lengths before ${text.length} characters, ${JSON.stringify(text)}; ${footer}`);
  expect(text.trim().length).toBeGreaterThan(0);
  expect(partial.size, 'the reply grew in steps').toBeGreaterThanOrEqual(2);
  expect(footer).toMatch(/^TTFT \d+/);
  expect(await page.locator('[data-metric="ttft"]').textContent()).not.toBe('—');
  expect(text).toMatch(/help/i);
});

test('a weather question runs the page\'s tool and the answer repeats its result', async () => {
  const { page } = session;
  // A name the tiny model never saw in training: the call and the answer must copy it.
  const training = trainingNames();
  const city = heldoutNames(5, training)[4]!;
  expect(training.all.has(city)).toBe(false);
  const weather = fakeWeather(city);
  await driver.settings({ temperature: '0', maxTokens: '200' });
  await driver.send(1, `What's the weather in ${city}?`);
  const turn = page.locator('[data-pane="1"] .turn.assistant').last();
  await expect.poll(() => turn.getAttribute('data-state'), { timeout: 120_000 }).not.toBe('streaming');
  const card = turn.locator('.tool-card[data-tool="get_weather"]');
  expect(await card.count()).toBe(1);
  expect(await card.getAttribute('data-state')).toBe('ok');
  expect(JSON.parse((await card.locator('.tool-arguments').textContent()) ?? '')).toEqual({ city });
  expect(JSON.parse((await card.locator('.tool-result').textContent()) ?? '')).toEqual(weather);
  expect(await card.locator('.tool-status').textContent()).toMatch(/^done in \d+/);
  const answer = (await turn.locator('.markdown').allTextContents()).join('');
  console.log(`[e2e demo] weather answer: ${JSON.stringify(answer)}`);
  expect(answer).toContain(`${weather.temperature_c}°C`);
  expect(answer).toContain(weather.condition);
  expect(answer).toContain(city);

  // set_theme changes the page itself.
  const target = (await page.evaluate(() => document.documentElement.dataset['theme'])) === 'dark' ? 'light' : 'dark';
  await driver.send(2, `Switch to ${target} mode`);
  const themeTurn = page.locator('[data-pane="2"] .turn.assistant').last();
  await expect.poll(() => themeTurn.getAttribute('data-state'), { timeout: 120_000 }).not.toBe('streaming');
  expect(await themeTurn.locator('.tool-card[data-tool="set_theme"]').getAttribute('data-state')).toBe('ok');
  expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe(target);
});

interface ToolExpectation {
  readonly tool: string;
  readonly arguments: unknown;
  /** Text of the tool's result the final answer must contain. */
  readonly answerHas: (result: Record<string, unknown>) => string;
}

/** The last turn of pane 1 ends 'done' with one tool card per `want` (ok, with these arguments) and an answer containing the result; none when `want` is undefined. Returns the answer. */
async function expectTurn(label: string, want: ToolExpectation | undefined): Promise<string> {
  const turn = await driver.finishedTurn(1);
  expect(await turn.getAttribute('data-state'), label).toBe('done');
  const answer = (await turn.locator('.markdown').allTextContents()).join('');
  const cards = turn.locator('.tool-card');
  console.log(`[e2e demo] ${JSON.stringify(label)}: ${await cards.count()} tool card(s), answer ${JSON.stringify(answer)}`);
  expect(answer.trim().length, label).toBeGreaterThan(0);
  expect(answer, label).not.toContain('<tool_call>');
  if (want === undefined) {
    expect(await cards.count(), label).toBe(0);
    return answer;
  }
  const card = cards.first();
  expect(await card.getAttribute('data-tool'), label).toBe(want.tool);
  expect(await card.getAttribute('data-state'), label).toBe('ok');
  expect(JSON.parse((await card.locator('.tool-arguments').textContent()) ?? ''), label).toEqual(want.arguments);
  const result = JSON.parse((await card.locator('.tool-result').textContent()) ?? '') as Record<string, unknown>;
  if (want.tool === 'get_weather') expect(result, label).toEqual(fakeWeather((want.arguments as { city: string }).city));
  expect(answer, label).toContain(want.answerHas(result));
  return answer;
}

const weatherOf = (city: string): ToolExpectation => ({ tool: 'get_weather', arguments: { city }, answerHas: (result) => `${String(result['temperature_c'])}°C and ${String(result['condition'])} in ${city}` });

test('every suggestion chip gets a tool card with a result and an answer that has it (or, for "Who are you?", a description and no call)', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '200' });
  const pane = page.locator('[data-pane="1"]');
  const expected: Record<string, ToolExpectation | undefined> = {
    'Hello!': undefined,
    'Who are you?': undefined,
    "What's the weather in Paris?": weatherOf('Paris'),
    'What time is it in Tokyo?': { tool: 'get_time', arguments: { city: 'Tokyo' }, answerHas: (result) => `${String(result['time'])} in Tokyo` },
    'Calculate 12*(3+4)': { tool: 'calculate', arguments: { expression: '12*(3+4)' }, answerHas: (result) => `12*(3+4) = ${String(result['result'])}` },
    'Switch to dark mode': { tool: 'set_theme', arguments: { theme: 'dark' }, answerHas: () => 'dark' },
  };
  await pane.locator('.pane-clear').click();
  const chips = await pane.locator('.suggestion').allTextContents();
  expect(chips.sort()).toEqual(Object.keys(expected).sort());
  for (const [chip, want] of Object.entries(expected)) {
    await pane.locator('.pane-clear').click();
    await pane.locator('.suggestion', { hasText: chip }).click();
    const answer = await expectTurn(chip, want);
    if (chip === 'Who are you?') {
      // A self-description that names what it can do.
      for (const word of ['weather', 'time', 'math', 'dark mode']) expect(answer.toLowerCase(), chip).toContain(word);
    }
  }
  expect(session.pageErrors).toEqual([]);
});

test('typed questions about real cities, with spaces and accents, call the tool with the name as typed', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '200' });
  for (const city of ['Paris', 'São Paulo', 'New York']) {
    await page.locator('[data-pane="1"] .pane-clear').click();
    await driver.send(1, `What's the weather in ${city}?`);
    await expectTurn(city, weatherOf(city));
  }
  await page.locator('[data-pane="1"] .pane-clear').click();
  await driver.send(1, 'What is 3.5 * (2 + 4)?');
  await expectTurn('decimals and parentheses', { tool: 'calculate', arguments: { expression: '3.5 * (2 + 4)' }, answerHas: () => '3.5 * (2 + 4) = 21' });
  expect(session.pageErrors).toEqual([]);
});

test('a screenshot of the chat is saved', async () => {
  const { page } = session;
  if ((await page.locator('[data-pane="2"] .turn.assistant').count()) === 0) {
    await driver.send(2, 'What time is it in Tokyo?');
    const turn = page.locator('[data-pane="2"] .turn.assistant').last();
    await expect.poll(() => turn.getAttribute('data-state'), { timeout: 120_000 }).not.toBe('streaming');
  }
  await page.waitForTimeout(600); // a few more metric polls for the chart
  await mkdir(resultsDir, { recursive: true });
  const path = `${resultsDir}demo-chat.png`;
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.locator('.sidebar').evaluate((sidebar) => sidebar.scrollTo(0, 0));
  await page.screenshot({ path });
  await page.setViewportSize({ width: 1000, height: 760 });
  console.log(`[e2e demo] screenshot: ${path}`);
  if (process.env.UPDATE_DEMO_SCREENSHOT === '1') await copyFile(path, fileURLToPath(new URL('docs/demo-screenshot.png', repo)));
});

test('model output is never HTML: a crafted reply renders as text and runs nothing', async () => {
  const { page } = session;
  const crafted = [
    'Here is **bold** and `code`.',
    '<img src=x onerror=window.__pwned=1>',
    '<script>window.__pwned=1</script>',
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    '[click](javascript:window.__pwned=1) ![pic](x" onerror="window.__pwned=1)',
    '```html\n<img src=x onerror=window.__pwned=1>\n```',
  ].join('\n\n');
  const before = await page.locator('.turns img, .turns script, .turns iframe').count();
  await page.evaluate((text) => window.demo!.renderReplyForTest(text), crafted);
  await page.waitForTimeout(300); // time for an onerror to fire, were there an <img>
  const reply = page.locator('[data-pane="1"] .turn.assistant').last();
  const text = (await reply.locator('.markdown').textContent()) ?? '';
  expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(await page.locator('.turns img, .turns script, .turns iframe').count()).toBe(before);
  expect(text).toContain('<img src=x onerror=window.__pwned=1>');
  expect(text).toContain('<script>window.__pwned=1</script>');
  expect(await reply.locator('strong').textContent()).toBe('bold');
  const hrefs = await reply.locator('a').evaluateAll((links) => links.map((link) => link.getAttribute('href')));
  expect(hrefs.filter((href) => href !== null && /^javascript:/i.test(href))).toEqual([]);
  expect(session.pageErrors).toEqual([]);
});

test('reloading the page loads the model again', async () => {
  // The second load meets the browser's HTTP cache: it must still get the file's own bytes.
  const { page } = session;
  await driver.open('');
  expect(await page.locator('#model-name').textContent()).toContain('tiny-tool-qwen');
  console.log(`[e2e demo] reloaded: load time ${(await page.locator('#load-time').textContent())?.trim()}`);
  expect(session.pageErrors).toEqual([]);
});
