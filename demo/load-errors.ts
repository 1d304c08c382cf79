/**
 * What the banner says when a model fails to load: the cause in words a page's user can act on
 * (offline, no such repository, a GPU too small), the library's own message for the details, and
 * what the page is doing now (still serving the previous model, or nothing).
 */
import { isLlmError } from '../src/index.ts';
import { errorText } from './conversation.ts';
import type { CatalogEntry } from './model-catalog.ts';

function cause(error: unknown, entry: CatalogEntry): string {
  const where = entry.source === 'hub' ? 'the Hugging Face Hub' : 'the server';
  if (isLlmError(error, 'network_error')) return `${where} could not be reached (offline?)`;
  if (isLlmError(error, 'missing_file')) return `a file it needs is missing on ${where}`;
  if (isLlmError(error, 'webgpu_unavailable')) return 'this browser has no WebGPU';
  if (isLlmError(error, 'adapter_insufficient')) return 'the GPU is too small for it';
  if (isLlmError(error, 'aborted')) return 'the load was stopped';
  return 'it could not be loaded';
}

/** One paragraph: "Could not load X: cause. Still using Y. (details)". */
export function loadFailureText(error: unknown, entry: CatalogEntry, kept: string | undefined): string {
  const still = kept === undefined ? 'No model is loaded.' : `Still using ${kept}; your conversations are kept.`;
  return `Could not load ${entry.label}: ${cause(error, entry)}. ${still} (${errorText(error)})`;
}
