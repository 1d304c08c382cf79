/**
 * The models the picker offers: the embedded tiny tool-calling model (public/models/, served at
 * /models/) and Qwen checkpoints loaded from the Hugging Face Hub by id, each with its size.
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
const HUB_MODELS: CatalogEntry[] = [
  { model: 'Qwen/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', source: 'hub', approxBytes: 0.99 * GB, about: HUB_ABOUT },
  { model: 'Qwen/Qwen2.5-1.5B-Instruct', label: 'Qwen2.5 1.5B Instruct', source: 'hub', approxBytes: 3.09 * GB, about: HUB_ABOUT },
  { model: 'Qwen/Qwen3-0.6B', label: 'Qwen3 0.6B, thinks', source: 'hub', approxBytes: 1.5 * GB, about: `${HUB_ABOUT} It thinks before it answers.` },
  { model: 'Qwen/Qwen3-1.7B', label: 'Qwen3 1.7B, thinks', source: 'hub', approxBytes: 4.06 * GB, about: `${HUB_ABOUT} It thinks before it answers.` },
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
