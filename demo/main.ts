/**
 * The demo page's wiring: the model picker loads an engine with `createEngine` (which runs it in
 * its own Web Worker), the chat panes send through it with the page's tools, and the metrics
 * panel polls it. Uses the package's public API only.
 *
 * A new model loads while the current one keeps serving; only once it is ready do the panes move
 * to it (their conversations carry on, re-rendered through the new model's template) and the old
 * engine is disposed. A failed load leaves everything as it was and says why in the banner.
 *
 * `window.demo` is for tests and the console: the engine, and `renderReplyForTest(text)`, which
 * shows a crafted reply through the same markdown renderer a streamed reply uses.
 */
import { createEngine, isLlmError, type ChatCompletionTool, type LlmEngine, type LoadProgress } from '../src/index.ts';
import { Banner } from './banner.ts';
import { loadFailureText } from './load-errors.ts';
import { LoadTimer } from './load-timer.ts';
import { MetricsPanel } from './metrics.ts';
import { loadCatalog, type CatalogEntry } from './model-catalog.ts';
import { ModelPicker } from './model-picker.ts';
import { Panes } from './panes.ts';
import { SettingsPanel } from './settings.ts';
import { Sidebar } from './sidebar.ts';
import { applyTheme, initTheme } from './theme.ts';
import { createTools } from './tools.ts';
import { formatMs } from './turn-view.ts';

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo/index.html has no #${id}`);
  return found as T;
}

type Status = 'loading' | 'ready' | 'error';

/** The badge: one short line (its title has the whole text). */
function setStatus(state: Status, text: string, title = text): void {
  const status = byId('status');
  status.dataset['state'] = state;
  status.textContent = text;
  status.title = title;
}

/** The engine in use, the name requests carry, and the catalog entry it came from. */
let current: { engine: LlmEngine; modelName: string; entry: CatalogEntry } | undefined;

initTheme(byId<HTMLButtonElement>('theme-toggle'));
new Sidebar(byId('sidebar'), byId<HTMLButtonElement>('sidebar-toggle'));
const banner = new Banner(byId('banner'));
const settings = new SettingsPanel(
  byId('tool-list'), createTools(applyTheme),
  byId<HTMLInputElement>('temperature'), byId<HTMLInputElement>('max-tokens'), byId<HTMLInputElement>('thinking'),
  byId<HTMLInputElement>('ignore-eos'),
);
const metrics = new MetricsPanel(byId('metrics'), byId('kv-chart'));
const panes = new Panes(byId('panes'), byId<HTMLButtonElement>('add-pane'), byId('pane-tabs'), {
  api: () => current?.engine,
  settings: () => ({ model: current?.modelName ?? '', ...settings.current() }),
  onRound: (timing) => metrics.recordRound(timing),
});

function showFacts(engine: LlmEngine, modelName: string, timer: LoadTimer): void {
  const { info } = engine;
  byId('adapter').textContent = `${info.adapterName}${info.isSoftware ? ' (software)' : ''}`;
  byId('model-name').textContent = `${modelName} (${info.architecture})`;
  const loadTime = byId('load-time');
  loadTime.textContent = formatMs(timer.totalMs);
  loadTime.title = timer.breakdown();
  Object.assign(loadTime.dataset, timer.dataset());
  byId('context-size').textContent = `${info.maxModelLen.toLocaleString('en-US')} tokens`;
}

async function load(entry: CatalogEntry, picker: ModelPicker, hubUrl: string | undefined, quantization: 'q4' | undefined): Promise<void> {
  const previous = current;
  setStatus('loading', 'Loading…', `Loading ${entry.label}…`);
  const timer = new LoadTimer();
  const options = {
    model: entry.model,
    ...(hubUrl === undefined ? {} : { hubUrl }),
    quantization,
    onProgress: (progress: LoadProgress) => {
      timer.progress(progress);
      picker.showProgress(progress);
    },
  };
  let engine: LlmEngine;
  try {
    try {
      engine = await createEngine(options);
    } catch (error) {
      // Two models may not fit the GPU together: free the previous one and try once more.
      if (previous === undefined || !isLlmError(error, 'adapter_insufficient')) throw error;
      await retire(previous);
      timer.restart();
      engine = await createEngine(options);
    }
  } catch (error) {
    console.warn(error); // handled: the banner says what happened
    picker.showFailed();
    const kept = current === undefined ? undefined : current.entry.label;
    banner.show('error', loadFailureText(error, entry, kept));
    if (kept === undefined) {
      setStatus('error', 'Load failed', loadFailureText(error, entry, undefined));
    } else {
      setStatus('ready', 'Ready', `Ready: ${current!.modelName}`);
      picker.select(current!.entry);
    }
    return;
  }
  timer.done();
  const modelName = (await engine.models.list()).data[0]?.id ?? entry.model;
  if (current !== undefined) await retire(current);
  current = { engine, modelName, entry };
  banner.hide();
  picker.showLoaded(timer.totalBytes);
  showFacts(engine, modelName, timer);
  settings.fitModel(engine.info.reasoningParser);
  metrics.watch(engine);
  panes.switchedModel(entry, previous === undefined ? undefined : modelName);
  if (!engine.info.hasTokenizer) {
    panes.setReady(false);
    setStatus('error', 'No tokenizer');
    banner.show('error', `${modelName} has no tokenizer.json: the chat API needs one.`);
    return;
  }
  panes.setReady(true);
  setStatus('ready', 'Ready', `Ready: ${modelName}, loaded in ${formatMs(timer.totalMs)}`);
  void warmPrefixCache(engine, modelName);
  console.log(`[demo] ${modelName} loaded in ${formatMs(timer.totalMs)}: ${timer.breakdown()}`);
}

/**
 * Computes the system prompt with the tools block once, right after a load, so the engine's
 * prefix cache holds it: on a software adapter that block (~500 tokens) is seconds of prefill
 * that the first message would otherwise wait for. A one-token request, whose reply is dropped.
 */
async function warmPrefixCache(engine: LlmEngine, modelName: string): Promise<void> {
  const { tools } = settings.current();
  try {
    await engine.chat.completions.create({
      model: modelName, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, temperature: 0,
      // The definitions only: a tool's `run` is the page's, and cannot cross to the worker.
      ...(tools.length > 0 ? { tools: tools.map(({ type, function: definition }) => ({ type, function: definition }) as ChatCompletionTool) } : {}),
    });
  } catch {
    // Only a head start: a failure here (the engine was disposed meanwhile) costs nothing.
  }
}

/** Stops the replies an engine is serving and disposes it. */
async function retire(old: { engine: LlmEngine }): Promise<void> {
  if (current === old) {
    current = undefined;
    panes.setReady(false);
    metrics.watch(undefined);
  }
  panes.stopAll();
  await old.engine.dispose();
}

async function start(): Promise<void> {
  const catalog = loadCatalog(new URLSearchParams(location.search));
  const picker: ModelPicker = new ModelPicker(
    {
      select: byId<HTMLSelectElement>('model-select'),
      loadButton: byId<HTMLButtonElement>('load-model'),
      progress: byId<HTMLProgressElement>('load-progress'),
      progressText: byId('load-progress-text'),
      cacheStatus: byId('cache-status'),
      clearButton: byId<HTMLButtonElement>('clear-cache'),
    },
    catalog,
    (entry) => load(entry, picker, catalog.hubUrl, catalog.quantization),
  );
  panes.describe(catalog.selected);
  await picker.load(catalog.selected);
}

declare global {
  interface Window {
    demo?: {
      readonly engine: LlmEngine | undefined;
      renderReplyForTest(text: string): void;
    };
  }
}

window.demo = {
  get engine() {
    return current?.engine;
  },
  renderReplyForTest: (text) => panes.all[0]?.showReply(text),
};

start().catch((error: unknown) => {
  console.error(error);
  setStatus('error', 'Failed to start');
  banner.show('error', String(error instanceof Error ? error.message : error));
});
