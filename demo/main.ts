/**
 * The demo page's wiring: the model picker loads an engine with `createEngine` (which runs it in
 * its own Web Worker), the chat panes send through it with the page's tools, and the metrics
 * panel polls it. Uses the package's public API only.
 *
 * `window.demo` is for tests and the console: the engine, and `renderReplyForTest(text)`, which
 * shows a crafted reply through the same markdown renderer a streamed reply uses.
 */
import { createEngine, type LlmEngine } from '../src/index.ts';
import { errorText } from './conversation.ts';
import { MetricsPanel } from './metrics.ts';
import { loadCatalog, type CatalogEntry } from './model-catalog.ts';
import { ModelPicker } from './model-picker.ts';
import { Panes } from './panes.ts';
import { SettingsPanel } from './settings.ts';
import { applyTheme, initTheme } from './theme.ts';
import { createTools } from './tools.ts';
import { formatMs } from './turn-view.ts';

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`demo/index.html has no #${id}`);
  return found as T;
}

type Status = 'loading' | 'ready' | 'error';

function setStatus(state: Status, text: string): void {
  const status = byId('status');
  status.dataset['state'] = state;
  status.textContent = text;
  status.title = text;
}

/** The engine in use and the name requests carry; undefined while loading. */
let current: { engine: LlmEngine; modelName: string } | undefined;

initTheme(byId<HTMLButtonElement>('theme-toggle'));
const settings = new SettingsPanel(
  byId('tool-list'), createTools(applyTheme),
  byId<HTMLInputElement>('temperature'), byId<HTMLInputElement>('max-tokens'), byId<HTMLInputElement>('thinking'),
  byId<HTMLInputElement>('ignore-eos'),
);
const metrics = new MetricsPanel(byId('metrics'), byId('kv-chart'));
const panes = new Panes(byId('panes'), byId<HTMLButtonElement>('add-pane'), {
  api: () => current?.engine,
  settings: () => ({ model: current?.modelName ?? '', ...settings.current() }),
  onRound: (timing) => metrics.recordRound(timing),
});

async function load(entry: CatalogEntry, picker: ModelPicker, hubUrl: string | undefined, quantization: 'q4' | undefined): Promise<void> {
  setStatus('loading', entry.source === 'hub' ? `Loading ${entry.model} from the Hub…` : `Loading ${entry.label}…`);
  const previous = current;
  current = undefined;
  panes.setReady(false);
  panes.clearAll();
  metrics.watch(undefined);
  for (const id of ['adapter', 'model-name', 'load-time', 'context-size']) byId(id).textContent = '…';
  await previous?.engine.dispose();
  const started = performance.now();
  try {
    const engine = await createEngine({
      model: entry.model,
      ...(hubUrl === undefined ? {} : { hubUrl }),
      quantization,
      onProgress: (progress) => picker.showProgress(progress),
    });
    const loadMs = performance.now() - started;
    const modelName = (await engine.models.list()).data[0]?.id ?? entry.model;
    const { info } = engine;
    current = { engine, modelName };
    byId('adapter').textContent = `${info.adapterName}${info.isSoftware ? ' (software)' : ''}`;
    byId('model-name').textContent = `${modelName} (${info.architecture})`;
    byId('load-time').textContent = formatMs(loadMs);
    byId('context-size').textContent = `${info.maxModelLen} tokens · ${info.numKvBlocks} KV blocks of ${info.blockSize}`;
    metrics.watch(engine);
    if (!info.hasTokenizer) {
      setStatus('error', `${modelName} has no tokenizer.json: the chat API needs one.`);
      return;
    }
    panes.setReady(true);
    setStatus('ready', `Ready: ${modelName}, loaded in ${formatMs(loadMs)}`);
  } catch (error) {
    console.error(error);
    setStatus('error', `Loading failed: ${errorText(error)}`);
  }
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
  setStatus('error', errorText(error));
});
