/**
 * The models the picker offers: the embedded tiny tool-calling model (public/models/, served at
 * /models/), the random-weight development fixture, and Qwen checkpoints loaded from the Hugging
 * Face Hub by id. `?model=<folder url or owner/name>` preselects any other model too, and
 * `?hubUrl=<url>` points Hub ids at a mirror. `?quantization=q4` quantizes a float checkpoint to 4
 * bits at load (createEngine's `quantization`).
 */
import { isHubId } from '../src/index.ts';

export type ModelSource = 'embedded' | 'fixture' | 'hub' | 'custom';

export interface CatalogEntry {
  /** What createEngine's `model` gets: a folder URL (path) or a Hub id. */
  readonly model: string;
  readonly label: string;
  readonly source: ModelSource;
  /** Roughly what a Hub download weighs (safetensors, BF16). */
  readonly approxBytes?: number;
}

export const EMBEDDED_MODEL = '/models/tiny-tool-qwen/';
/** Random weights, gibberish replies: shows batching and streaming without a trained model. */
export const FIXTURE_MODEL = '/test/fixtures/qwen2-bf16/';

const GB = 1e9;
const HUB_MODELS: CatalogEntry[] = [
  { model: 'Qwen/Qwen2.5-0.5B-Instruct', label: 'Qwen2.5 0.5B Instruct', source: 'hub', approxBytes: 0.99 * GB },
  { model: 'Qwen/Qwen2.5-1.5B-Instruct', label: 'Qwen2.5 1.5B Instruct', source: 'hub', approxBytes: 3.09 * GB },
  { model: 'Qwen/Qwen3-0.6B', label: 'Qwen3 0.6B (thinks)', source: 'hub', approxBytes: 1.5 * GB },
  { model: 'Qwen/Qwen3-1.7B', label: 'Qwen3 1.7B (thinks)', source: 'hub', approxBytes: 4.06 * GB },
];

export interface Catalog {
  readonly entries: readonly CatalogEntry[];
  /** The entry to load first. */
  readonly selected: CatalogEntry;
  readonly hubUrl: string | undefined;
  /** createEngine's `quantization` (any other value is refused by the load with a typed error). */
  readonly quantization: 'q4' | undefined;
}

export function loadCatalog(search: URLSearchParams): Catalog {
  const embedded: CatalogEntry = { model: EMBEDDED_MODEL, label: 'tiny-tool-qwen (embedded, calls tools)', source: 'embedded' };
  const fixture: CatalogEntry = { model: FIXTURE_MODEL, label: 'qwen2-bf16 test fixture (random weights)', source: 'fixture' };
  const entries = [embedded, fixture, ...HUB_MODELS];
  const requested = search.get('model')?.trim();
  let selected = embedded;
  if (requested !== undefined && requested !== '') {
    const known = entries.find((entry) => entry.model === requested || entry.model === `${requested}/`);
    selected = known ?? { model: requested, label: requested, source: isHubId(requested) ? 'hub' : 'custom' };
    if (known === undefined) entries.push(selected);
  }
  const hubUrl = search.get('hubUrl')?.trim() || undefined;
  const quantization = (search.get('quantization')?.trim() || undefined) as 'q4' | undefined;
  return { entries, selected, hubUrl, quantization };
}

export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
