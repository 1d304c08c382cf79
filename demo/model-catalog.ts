/**
 * The models the picker offers: the embedded tiny tool-calling model (public/models/, served at
 * /models/) and Qwen, Llama 3.2 and DeepSeek-R1-Distill checkpoints (float and 4-bit) loaded from
 * the Hugging Face Hub by id, each with its size.
 * `?model=<folder url or owner/name>` loads any other model (the random-weight test fixture, say:
 * `?model=/test/fixtures/qwen2-bf16/`), which then joins the list; `?hubUrl=<url>` points Hub ids
 * at a mirror; `?quantization=q4` quantizes a float checkpoint to 4 bits at load.
 */
import { isHubId } from '../src/index.ts';

export type ModelSource = 'embedded' | 'hub' | 'custom';

export interface CatalogEntry {
  /** What createEngine's `model` gets: a folder URL (path) or a Hub id. */
  readonly model: string;
  readonly label: string;
  readonly source: ModelSource;
  /** What loading it reads: the embedded folder's files, or a Hub download (safetensors, BF16). */
  readonly approxBytes?: number;
  /** What the model can do, for the conversations' empty state. */
  readonly about: string;
}

export const EMBEDDED_MODEL = '/models/tiny-tool-qwen/';

const GB = 1e9;
const MB = 1e6;
const HUB_ABOUT = 'A general chat model from the Hugging Face Hub: it answers questions, writes, and calls this page\'s tools when they help.';
const THINKS = `${HUB_ABOUT} It thinks before it answers.`;
const FOUR_BIT = 'Its weights are 4-bit (AWQ or GPTQ, as published): about a third of the download and of the GPU memory.';
// Sizes are the checkpoint's safetensors (4-bit ones: packed weights plus f16 embedding and scales).
const HUB_MODELS: CatalogEntry[] = [
  { model: 'Qwen/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', source: 'hub', approxBytes: 0.99 * GB, about: HUB_ABOUT },
  { model: 'Qwen/Qwen2.5-0.5B-Instruct-GPTQ-Int4', label: 'Qwen2.5 0.5B GPTQ', source: 'hub', approxBytes: 0.46 * GB, about: `${HUB_ABOUT} ${FOUR_BIT}` },
  { model: 'Qwen/Qwen2.5-1.5B-Instruct', label: 'Qwen2.5 1.5B Instruct', source: 'hub', approxBytes: 3.09 * GB, about: HUB_ABOUT },
  { model: 'Qwen/Qwen2.5-1.5B-Instruct-AWQ', label: 'Qwen2.5 1.5B AWQ', source: 'hub', approxBytes: 1.16 * GB, about: `${HUB_ABOUT} ${FOUR_BIT}` },
  { model: 'Qwen/Qwen3-0.6B', label: 'Qwen3 0.6B, thinks', source: 'hub', approxBytes: 1.5 * GB, about: THINKS },
  { model: 'Qwen/Qwen3-1.7B', label: 'Qwen3 1.7B, thinks', source: 'hub', approxBytes: 4.06 * GB, about: THINKS },
  { model: 'Qwen/Qwen3-4B-AWQ', label: 'Qwen3 4B AWQ, thinks', source: 'hub', approxBytes: 2.7 * GB, about: `${THINKS} ${FOUR_BIT}` },
  // meta-llama's own repository is gated (a signed-in, accepted licence); this copy has the same files.
  {
    model: 'unsloth/Llama-3.2-1B-Instruct', label: 'Llama 3.2 1B Instruct', source: 'hub', approxBytes: 2.47 * GB,
    about: `${HUB_ABOUT} It writes tool calls as Llama 3's JSON ({"name": …, "parameters": …}).`,
  },
  {
    model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', label: 'DeepSeek-R1 1.5B', source: 'hub', approxBytes: 3.55 * GB,
    about: 'DeepSeek-R1 distilled into Qwen2.5-Math 1.5B: it always reasons first (shown apart from the answer), best at math. It was not trained to call tools.',
  },
];

export const EMBEDDED_ENTRY: CatalogEntry = {
  model: EMBEDDED_MODEL,
  label: 'tiny-tool-qwen (built in)',
  source: 'embedded',
  approxBytes: 3.9 * MB,
  about: 'A 1.9M-parameter model trained for this demo. It greets you, says what it can do, and calls this page\'s four tools: the weather (simulated), the local time in a city, a calculator, and the light / dark theme. It knows nothing else: for real chat, load a Qwen model from the Model panel (about 1 GB, kept in the browser\'s cache).',
};

export interface Catalog {
  readonly entries: readonly CatalogEntry[];
  /** The entry to load first. */
  readonly selected: CatalogEntry;
  readonly hubUrl: string | undefined;
  /** createEngine's `quantization` (any other value is refused by the load with a typed error). */
  readonly quantization: 'q4' | undefined;
}

export function loadCatalog(search: URLSearchParams): Catalog {
  const entries = [EMBEDDED_ENTRY, ...HUB_MODELS];
  const requested = search.get('model')?.trim();
  let selected = EMBEDDED_ENTRY;
  if (requested !== undefined && requested !== '') {
    const known = entries.find((entry) => entry.model === requested || entry.model === `${requested}/`);
    selected = known ?? customEntry(requested);
    if (known === undefined) entries.push(selected);
  }
  const hubUrl = search.get('hubUrl')?.trim() || undefined;
  const quantization = (search.get('quantization')?.trim() || undefined) as 'q4' | undefined;
  return { entries, selected, hubUrl, quantization };
}

function customEntry(model: string): CatalogEntry {
  const fixture = model.includes('/test/fixtures/');
  return {
    model,
    label: model,
    source: isHubId(model) ? 'hub' : 'custom',
    about: fixture
      ? 'A test fixture with random weights: its replies are gibberish, but it shows streaming, batching and the metrics.'
      : `${model}, loaded from the address in the page's URL.`,
  };
}

/** The picker's text for an entry: its name and what loading it reads. */
export function entryLabel(entry: CatalogEntry): string {
  return entry.approxBytes === undefined ? entry.label : `${entry.label} · ${formatBytes(entry.approxBytes)}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 0.95 * GB) return `${(bytes / GB).toFixed(1)} GB`;
  if (bytes >= MB) return `${(bytes / MB).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
