/**
 * The built demo as a newcomer meets it, on the embedded model: each conversation's empty state
 * says what the model does; the picker lists sizes and not the test fixture; the thinking switch
 * is hidden for a model that does not think; text contrast is at least 4.5:1 in both themes and
 * the theme survives a reload; at 390 px one conversation fills the width with tabs to switch and
 * nothing is cut off (screenshot: test-results/demo-390.png), at 1280 px four fit side by side; a
 * long message shows prefill progress; a Hub model that cannot be reached (offline) is a banner
 * saying so while the previous model keeps answering and no conversation is lost.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { BrowserSession } from './browser.ts';
import { openDemoSession, type DemoDriver, type DemoSession } from './demo-server.ts';

const resultsDir = fileURLToPath(new URL('../../test-results/', import.meta.url));
/** A Hub stand-in that never answers: every request to it fails as if the machine were offline. */
const OFFLINE_HUB = 'http://offline-hub.test';

let opened: DemoSession;
let session: BrowserSession;
let driver: DemoDriver;

beforeAll(async () => {
  opened = await openDemoSession();
  ({ session, driver } = opened);
  await session.page.route(`${OFFLINE_HUB}/**`, (route) => route.abort('internetdisconnected'));
  await driver.open(`?hubUrl=${encodeURIComponent(OFFLINE_HUB)}`);
});

afterAll(async () => {
  await opened?.close();
});

async function lastTurnDone(pane: number): Promise<string> {
  const turn = await driver.finishedTurn(pane);
  expect(await turn.getAttribute('data-state')).toBe('done');
  return (await turn.locator('.markdown').allTextContents()).join('');
}

test('the first screen says what the model does; the picker shows sizes and no test fixture; no thinking switch', async () => {
  const { page } = session;
  const about = await page.locator('[data-pane="1"] .empty-state .about').textContent();
  console.log(`[e2e demo-ux] empty state: ${about}`);
  for (const words of ['four tools', 'weather (simulated)', 'calculator', 'theme', 'Qwen model']) expect(about).toContain(words);
  expect(await page.locator('[data-pane="2"] .empty-state .suggestion').count()).toBeGreaterThanOrEqual(5);
  const options = await page.locator('#model-select option').allTextContents();
  expect(options.some((label) => /fixture|random/i.test(label))).toBe(false);
  for (const label of options) expect(label, 'every entry shows its size').toMatch(/· \d+(\.\d+)? (MB|GB)$/);
  // The select is wide enough for its longest label (nothing hidden behind the arrow).
  const fits = await page.locator('#model-select').evaluate((select: HTMLSelectElement) => {
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = getComputedStyle(select).font;
    const widest = Math.max(...[...select.options].map((option) => context.measureText(option.text).width));
    return { widest, room: select.clientWidth - 28 };
  });
  expect(fits.widest).toBeLessThanOrEqual(fits.room);
  expect(await page.locator('#thinking').isVisible()).toBe(false);
  expect(await page.locator('#load-progress-text').textContent()).toBe('Loaded 3.9 MB');
});

test('text contrast is at least 4.5:1 in both themes, and the theme is remembered across a reload', async () => {
  const { page } = session;
  const selectors = ['#status', '.hint', '.suggestion', '.empty-state .about', '.facts dt', '.chart-legend span', '.pane-header h2', 'h2'];
  for (const theme of ['light', 'dark']) {
    if ((await page.evaluate(() => document.documentElement.dataset['theme'])) !== theme) await page.click('#theme-toggle');
    const ratios = await page.evaluate((list) => {
      const rgb = (text: string) => (text.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r, g, b]: number[]) => {
        const channel = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
        return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
      };
      const background = (element: Element | null): number[] => {
        for (let node = element; node !== null; node = node.parentElement) {
          const color = rgb(getComputedStyle(node).backgroundColor);
          if (color.length === 3 || (color.length === 4 && color[3]! > 0.9)) return color.slice(0, 3);
        }
        return [255, 255, 255];
      };
      return list.map((selector) => {
        const element = document.querySelector(selector)!;
        const [a, b] = [luminance(rgb(getComputedStyle(element).color)), luminance(background(element))];
        return { selector, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      });
    }, selectors);
    console.log(`[e2e demo-ux] ${theme} contrast: ${ratios.map(({ selector, ratio }) => `${selector} ${ratio.toFixed(2)}`).join(', ')}`);
    for (const { selector, ratio } of ratios) expect(ratio, `${theme} ${selector}`).toBeGreaterThanOrEqual(4.5);
  }
  expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
  await driver.open(`?hubUrl=${encodeURIComponent(OFFLINE_HUB)}`);
  expect(await page.evaluate(() => document.documentElement.dataset['theme']), 'remembered').toBe('dark');
  await page.click('#theme-toggle');
  await driver.open(`?hubUrl=${encodeURIComponent(OFFLINE_HUB)}`);
  expect(await page.evaluate(() => document.documentElement.dataset['theme']), 'remembered').toBe('light');
});

test('a long message shows prefill progress (tokens done / total) before the reply', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '16' });
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { footers: string[] }).footers = seen;
    new MutationObserver(() => {
      const footer = [...document.querySelectorAll('[data-pane="1"] .turn-footer')].at(-1)?.textContent ?? '';
      if (seen.at(-1) !== footer) seen.push(footer);
    }).observe(document.querySelector('[data-pane="1"] .turns')!, { childList: true, characterData: true, subtree: true });
  });
  const message = 'Please read this carefully. '.repeat(66).trim(); // ~1,800 characters
  expect(message.length).toBeGreaterThan(1700);
  await driver.send(1, message);
  await lastTurnDone(1);
  const footers = await page.evaluate(() => (window as unknown as { footers: string[] }).footers);
  const progress = footers.map((text) => /Reading the prompt: ([\d,]+) \/ ([\d,]+) tokens/.exec(text)).filter((match) => match !== null);
  console.log(`[e2e demo-ux] prefill progress shown: ${progress.map((match) => `${match[1]}/${match[2]}`).join(', ')}`);
  expect(progress.length).toBeGreaterThanOrEqual(1);
  const [done, total] = [Number(progress[0]![1]!.replace(/,/g, '')), Number(progress[0]![2]!.replace(/,/g, ''))];
  expect(done).toBeGreaterThan(0);
  expect(done).toBeLessThan(total);
  expect(total).toBeGreaterThan(400);
  await page.locator('[data-pane="1"] .pane-clear').click();
});

test('a Hub model that cannot be reached: a banner says so, the previous model keeps answering, nothing is wiped', async () => {
  const { page } = session;
  await driver.settings({ temperature: '0', maxTokens: '40' });
  await driver.send(2, 'Hello!');
  await lastTurnDone(2);
  const turnsBefore = await page.locator('[data-pane="2"] .turn').count();
  await page.selectOption('#model-select', 'Qwen/Qwen2.5-0.5B-Instruct');
  await page.click('#load-model');
  await expect.poll(() => page.locator('#banner').isVisible(), { timeout: 60_000 }).toBe(true);
  const banner = (await page.locator('#banner .banner-text').textContent()) ?? '';
  console.log(`[e2e demo-ux] offline banner: ${banner}`);
  expect(banner).toContain('could not be reached (offline?)');
  expect(banner).toContain('Still using tiny-tool-qwen');
  expect(banner).not.toContain('missing_file');
  expect(await page.locator('#status').getAttribute('data-state')).toBe('ready');
  expect(await page.locator('#model-select').inputValue()).toBe('/models/tiny-tool-qwen/');
  expect(await page.locator('[data-pane="2"] .turn').count(), 'the conversation is kept').toBe(turnsBefore);
  // The status badge stays one line inside the top bar.
  const badge = await page.locator('#status').boundingBox();
  expect(badge!.height).toBeLessThan(40);
  await driver.send(2, 'What time is it in Tokyo?');
  const answer = await lastTurnDone(2);
  expect(answer).toContain('Tokyo');
  await page.click('#banner .banner-close');
  expect(await page.locator('#banner').isVisible()).toBe(false);
});

test('at 1280 px four conversations fit side by side', async () => {
  const { page } = session;
  await page.setViewportSize({ width: 1280, height: 800 });
  while ((await page.locator('.pane').count()) < 4) await page.click('#add-pane');
  const boxes = await page.locator('.pane').evaluateAll((panes) => panes.map((pane) => pane.getBoundingClientRect().toJSON() as DOMRect));
  for (const box of boxes) {
    expect(box.width).toBeGreaterThan(200);
    expect(box.right).toBeLessThanOrEqual(1280);
  }
  expect(await page.locator('.panes').evaluate((panes) => panes.scrollWidth <= panes.clientWidth)).toBe(true);
  while ((await page.locator('.pane').count()) > 2) await page.locator('.pane').last().locator('.pane-close').click();
});

test('at 390 px one conversation fills the width, tabs switch between them, and nothing is cut off', async () => {
  const { page } = session;
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.locator('#sidebar').isVisible()).toBe(false);
  const visible = page.locator('.pane:visible');
  expect(await visible.count()).toBe(1);
  const box = (await visible.boundingBox())!;
  expect(box.width).toBeGreaterThan(390 - 24);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const clipped = await page.evaluate(() =>
    [...document.querySelectorAll('.topbar > *, .workspace-bar > *, .pane-header > *, .composer > *')]
      .filter((element) => (element as HTMLElement).offsetParent !== null)
      .filter((element) => element.scrollWidth > element.clientWidth + 1 || element.getBoundingClientRect().right > 390)
      .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`));
  expect(clipped).toEqual([]);
  await page.getByRole('tab', { name: 'Chat 2' }).click();
  expect(await page.locator('[data-pane="2"]').isVisible()).toBe(true);
  expect(await page.locator('[data-pane="1"]').isVisible()).toBe(false);
  await mkdir(resultsDir, { recursive: true });
  await page.screenshot({ path: `${resultsDir}demo-390.png` });
  console.log(`[e2e demo-ux] screenshot: ${resultsDir}demo-390.png`);
  // The side panel opens over the conversation and closes with Escape.
  await page.click('#sidebar-toggle');
  expect(await page.locator('#sidebar').isVisible()).toBe(true);
  await page.keyboard.press('Escape');
  expect(await page.locator('#sidebar').isVisible()).toBe(false);
  await page.setViewportSize({ width: 1000, height: 760 });
  expect(session.pageErrors).toEqual([]);
});
