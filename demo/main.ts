/**
 * The demo page: starts the generation worker, shows the adapter and load status, and streams
 * the completion of a typed prompt into the output area. Plain DOM; all GPU work is in the worker.
 */
import * as Comlink from 'comlink';
import type { GenerationWorker } from './generation-worker.ts';

/** The embedded default model; `?model=<folder url>` picks another (same layout as a Hub repo). */
const DEFAULT_MODEL = '/test/fixtures/qwen2-bf16/';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`demo/index.html has no #${id}`);
  return found as T;
}

const adapterLine = element<HTMLElement>('adapter');
const modelLine = element<HTMLElement>('model');
const statusLine = element<HTMLElement>('status');
const form = element<HTMLFormElement>('prompt-form');
const promptInput = element<HTMLTextAreaElement>('prompt');
const maxTokensInput = element<HTMLInputElement>('max-tokens');
const generateButton = element<HTMLButtonElement>('generate');
const output = element<HTMLPreElement>('output');

type State = 'loading' | 'ready' | 'generating' | 'error';

function setStatus(state: State, text: string): void {
  statusLine.dataset['state'] = state;
  statusLine.textContent = text;
}

function showError(error: unknown): void {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(error);
  setStatus('error', message);
}

function modelUrl(): string {
  const requested = new URLSearchParams(location.search).get('model') ?? DEFAULT_MODEL;
  const url = new URL(requested, location.href).href;
  return url.endsWith('/') ? url : `${url}/`;
}

const worker = new Worker(new URL('./generation-worker.ts', import.meta.url), { type: 'module', name: 'generation' });
worker.addEventListener('error', (event) => showError(event.message || 'the generation worker failed to start'));
const generator = Comlink.wrap<GenerationWorker>(worker);

async function start(): Promise<void> {
  const url = modelUrl();
  modelLine.textContent = url;
  setStatus('loading', 'Requesting a WebGPU device…');
  adapterLine.textContent = await generator.connect();
  setStatus('loading', 'Loading the model…');
  const started = performance.now();
  const hasTokenizer = await generator.load(url);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (!hasTokenizer) promptInput.value = '1, 2, 3';
  setStatus('ready', `Model loaded in ${seconds} s${hasTokenizer ? '' : ' (no tokenizer: prompt with token ids)'}`);
  generateButton.disabled = false;
}

async function run(): Promise<void> {
  const maxTokens = Math.max(1, Math.floor(Number(maxTokensInput.value) || 1));
  generateButton.disabled = true;
  output.textContent = '';
  setStatus('generating', 'Generating…');
  try {
    const onText = Comlink.proxy((delta: string) => output.append(delta));
    const stats = await generator.generate(promptInput.value, maxTokens, onText);
    const seconds = stats.milliseconds / 1000;
    const rate = stats.completionTokens / Math.max(seconds, 1e-3);
    setStatus(
      'ready',
      `${stats.promptTokens} prompt + ${stats.completionTokens} generated tokens in ${seconds.toFixed(2)} s ` +
        `(${rate.toFixed(1)} tokens/s)`,
    );
  } catch (error) {
    showError(error);
  } finally {
    generateButton.disabled = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  void run();
});

start().catch(showError);
