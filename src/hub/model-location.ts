/**
 * What a `model` string names. The rule, checked in this order:
 *   1. a URL object, or a string starting with `http://` / `https://` → that folder over HTTP;
 *      `file://` → a local folder (Node);
 *   2. exactly `owner/name` — one `/`, each part letters, digits, `.`, `_`, `-`, starting and
 *      ending with a letter or digit, no `..` (Hugging Face's repository naming) → a Hub id,
 *      fetched from `<hubUrl>/<owner>/<name>/resolve/<revision>/<file>`;
 *   3. anything else → a local folder in Node, or a URL relative to the page in a browser.
 * So a relative folder that looks like an id must be written `./owner/name`. The rule is syntax
 * only (no probing of the disk or the network), so a string always means the same thing.
 */
import { LlmError } from '../errors.ts';

export const DEFAULT_HUB_URL = 'https://huggingface.co';
export const DEFAULT_REVISION = 'main';

export interface HubOptions {
  /** The Hub's base URL; default https://huggingface.co (tests point it at a local server). */
  readonly hubUrl?: string | undefined;
  /** Branch, tag or commit of a Hub id; default 'main'. Ignored for URLs and paths. */
  readonly revision?: string | undefined;
}

export type ModelLocation =
  | { readonly kind: 'hub'; readonly location: string; readonly url: string; readonly id: string; readonly revision: string }
  | { readonly kind: 'url'; readonly location: string; readonly url: string }
  | { readonly kind: 'local'; readonly location: string; readonly path: string; readonly isFileUrl: boolean };

const part = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
const hubIdPattern = new RegExp(`^${part}/${part}$`);

export function isHubId(model: string): boolean {
  return hubIdPattern.test(model) && !model.includes('..');
}

/** The folder URL a Hub id's files resolve under, ending in '/'. */
export function hubFolderUrl(id: string, options: HubOptions = {}): string {
  return `${hubBase(options.hubUrl)}/${id}/resolve/${encodeURIComponent(options.revision ?? DEFAULT_REVISION)}/`;
}

/** The prefix every revision of a Hub id's files shares (for clearing all of them). */
export function hubRepoPrefix(id: string, options: HubOptions = {}): string {
  return `${hubBase(options.hubUrl)}/${id}/resolve/`;
}

function hubBase(hubUrl: string | undefined): string {
  const base = hubUrl ?? DEFAULT_HUB_URL;
  if (!/^https?:\/\//i.test(base)) {
    throw new LlmError('invalid_argument', `hubUrl must be an http(s) URL, got ${JSON.stringify(base)}`, 'hubUrl');
  }
  return base.replace(/\/+$/, '');
}

export function resolveModelLocation(model: string | URL, options: HubOptions = {}): ModelLocation {
  if (model instanceof URL) return fromUrl(model.href, model.href);
  if (/^(https?|file):\/\//i.test(model)) return fromUrl(model, model);
  if (isHubId(model)) {
    const revision = options.revision ?? DEFAULT_REVISION;
    if (revision === '') throw new LlmError('invalid_argument', 'revision must not be empty', 'revision');
    return { kind: 'hub', location: model, url: hubFolderUrl(model, options), id: model, revision };
  }
  // In a page, a bare path ('/models/qwen') means a URL relative to the page, not a disk path.
  const page = (globalThis as { location?: { href?: unknown } }).location?.href;
  if (!isNode() && typeof page === 'string') return { kind: 'url', location: model, url: folderUrl(new URL(model, page).href) };
  return { kind: 'local', location: model, path: model, isFileUrl: false };
}

function fromUrl(href: string, location: string): ModelLocation {
  if (/^file:/i.test(href)) return { kind: 'local', location, path: href, isFileUrl: true };
  return { kind: 'url', location, url: folderUrl(href) };
}

/** new URL(name, base) only keeps the last path segment when the base ends with '/'. */
function folderUrl(href: string): string {
  return href.endsWith('/') ? href : `${href}/`;
}

export function isNode(): boolean {
  const process = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof process?.versions?.node === 'string';
}
