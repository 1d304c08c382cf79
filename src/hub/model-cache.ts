/**
 * What Cache Storage holds for a model, and clearing it: `modelCacheStatus` for a page to show
 * whether a load will download, `clearModelCache` to free the space. Both run on the page (no
 * worker, no GPU): Cache Storage is shared by the page and its workers.
 */
import { FileCache } from './file-cache.ts';
import { hubRepoPrefix, resolveModelLocation, type HubOptions } from './model-location.ts';

export interface CachedFile {
  /** The file's name within the model folder, e.g. 'model.safetensors'. */
  readonly name: string;
  readonly bytes: number;
}

export interface ModelCacheStatus {
  /** The folder URL the files are keyed under (a Hub id's includes its revision). */
  readonly url: string;
  /** False where there is no Cache Storage (Node, insecure pages) or for a local folder. */
  readonly available: boolean;
  readonly files: readonly CachedFile[];
  /** Sum of the files' sizes. */
  readonly bytes: number;
  /** config.json and every weight file are cached: loading downloads no weights. */
  readonly complete: boolean;
}

/** The cached files of a model (a Hub id at `revision`, default 'main', or a folder URL). */
export async function modelCacheStatus(model: string | URL, options: HubOptions = {}): Promise<ModelCacheStatus> {
  const location = resolveModelLocation(model, options);
  const url = location.kind === 'local' ? location.path : location.url;
  const cache = location.kind === 'local' ? undefined : await FileCache.open();
  if (cache === undefined) return { url, available: false, files: [], bytes: 0, complete: false };
  const files: CachedFile[] = [];
  for (const entry of await cache.entries(url)) {
    if (entry.size !== null) files.push({ name: entry.url.slice(url.length), bytes: entry.size });
  }
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(files.map((file) => file.name));
  return {
    url,
    available: true,
    files,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    complete: names.has('config.json') && (await weightsCached(cache, url, names)),
  };
}

async function weightsCached(cache: FileCache, url: string, names: ReadonlySet<string>): Promise<boolean> {
  const index = 'model.safetensors.index.json';
  if (!names.has(index)) return names.has('model.safetensors');
  const cached = await cache.match(`${url}${index}`);
  try {
    const weightMap = ((await cached?.response.json()) as { weight_map?: Record<string, unknown> } | undefined)?.weight_map ?? {};
    const shards = new Set(Object.values(weightMap).map(String));
    return shards.size > 0 && [...shards].every((shard) => names.has(shard));
  } catch {
    return false;
  }
}

/**
 * Deletes a model's cached files (and remembered 404s); returns how many entries went. For a Hub
 * id, every revision unless `revision` is given.
 */
export async function clearModelCache(model: string | URL, options: HubOptions = {}): Promise<number> {
  const location = resolveModelLocation(model, options);
  if (location.kind === 'local') return 0;
  const cache = await FileCache.open();
  if (cache === undefined) return 0;
  const prefix = location.kind === 'hub' && options.revision === undefined ? hubRepoPrefix(location.id, options) : location.url;
  let deleted = 0;
  for (const entry of await cache.entries(prefix)) if (await cache.delete(entry.url)) deleted++;
  return deleted;
}
