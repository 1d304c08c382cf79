/**
 * An in-memory Cache Storage for Node tests, with the semantics the loader relies on: `put` reads
 * the whole response body first and stores nothing when the body errors (a partial download never
 * lands), 206 responses are refused, `match` returns a fresh Response each time.
 */
interface Stored {
  readonly status: number;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
}

const urlOf = (request: RequestInfo | URL): string => (typeof request === 'string' ? request : request instanceof URL ? request.href : request.url);

export class FakeCache {
  readonly stored = new Map<string, Stored>();
  /** put calls that committed / that were refused because the body failed. */
  committed = 0;
  refused = 0;

  async match(request: RequestInfo | URL): Promise<Response | undefined> {
    const entry = this.stored.get(urlOf(request));
    if (entry === undefined) return undefined;
    return new Response(entry.status === 200 ? entry.body.slice() : null, { status: entry.status, headers: entry.headers });
  }

  async put(request: RequestInfo | URL, response: Response): Promise<void> {
    if (response.status === 206) throw new TypeError('Partial response (status code 206) is unsupported');
    let body: Uint8Array;
    try {
      body = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      this.refused++;
      throw error;
    }
    this.stored.set(urlOf(request), { status: response.status, headers: [...response.headers], body });
    this.committed++;
  }

  async delete(request: RequestInfo | URL): Promise<boolean> {
    return this.stored.delete(urlOf(request));
  }

  async keys(): Promise<Request[]> {
    return [...this.stored.keys()].map((url) => new Request(url));
  }

  /** Cached file names under a folder URL (200 entries only). */
  files(folder: string): string[] {
    return [...this.stored].filter(([url, entry]) => url.startsWith(folder) && entry.status === 200).map(([url]) => url.slice(folder.length)).sort();
  }
}

export class FakeCacheStorage {
  readonly caches = new Map<string, FakeCache>();

  async open(name: string): Promise<FakeCache> {
    let cache = this.caches.get(name);
    if (cache === undefined) this.caches.set(name, (cache = new FakeCache()));
    return cache;
  }
}
