/**
 * One engine per model for every tab of an origin: a SharedWorker holds one ChatHost per model,
 * and each tab that connects gets a TabSession over the one it loads. Requests from all tabs go to the same engine, so they
 * batch together and share its prefix cache; a tab's keys are its own (namespaced), and when a tab
 * goes away (closed, crashed, navigated) its requests are aborted, which frees their KV blocks.
 *
 * A MessagePort says nothing when its tab dies, so each tab holds a Web Lock for its lifetime and
 * the worker queues for the same lock: the browser grants it the moment the tab is gone.
 */
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { Completion } from 'openai/resources/completions';
import type { LoadedInfo } from './engine-worker.ts';
import type { EngineStats } from '../engine/engine-types.ts';
import type { ProgressListener } from '../model/load-progress.ts';
import { LlmError } from '../errors.ts';
import { ChatHost, type ChatLoadOptions } from './chat-host.ts';
import type { ModelList } from '../chat/chat-types.ts';

/** One loaded model, shared by the tabs that asked for it. */
interface SharedModel {
  readonly host: ChatHost;
  readonly loading: Promise<LoadedInfo>;
  tabs: number;
}

/** The engines all tabs share: one per model (location), loaded once, freed when its last tab leaves. */
export class SharedEngine {
  private readonly models = new Map<string, SharedModel>();
  private nextTab = 0;

  session(): TabSession {
    return new TabSession(this, `tab${++this.nextTab}`);
  }

  /** The first tab loads a model; later ones wait for that load and share it. */
  join(location: string, options: ChatLoadOptions, onProgress?: ProgressListener): { readonly host: ChatHost; readonly loading: Promise<LoadedInfo> } {
    let model = this.models.get(location);
    if (model === undefined) {
      const host = new ChatHost();
      const created: SharedModel = { host, loading: host.load(location, options, onProgress), tabs: 0 };
      model = created;
      this.models.set(location, created);
      // A failed load leaves the place free for the next tab to try again.
      created.loading.catch(() => {
        if (this.models.get(location) === created) this.models.delete(location);
        void host.dispose();
      });
    }
    model.tabs++;
    return model;
  }

  /** A tab left `location`: the last one out frees the model. */
  async left(location: string): Promise<void> {
    const model = this.models.get(location);
    if (model === undefined || --model.tabs > 0) return;
    this.models.delete(location);
    await model.host.dispose();
  }
}

/** What one tab holds (through comlink): the ChatBackend calls, under keys only it uses. */
export class TabSession {
  private readonly keys = new Set<string>();
  private joined: { readonly location: string; readonly host: ChatHost } | undefined;
  private gone = false;

  constructor(private readonly shared: SharedEngine, private readonly id: string) {}

  /** Joins the tabs using `location` (loading it if this tab is the first); a session serves one model. */
  async load(location: string, options: ChatLoadOptions = {}, onProgress?: ProgressListener): Promise<LoadedInfo> {
    if (this.joined !== undefined) throw new LlmError('invalid_argument', `this session already serves ${this.joined.location}`, 'model');
    const { host, loading } = this.shared.join(location, options, onProgress);
    this.joined = { location, host };
    try {
      return await loading;
    } catch (error) {
      this.joined = undefined;
      await this.shared.left(location);
      throw error;
    }
  }

  /** Watches the tab's lock: granted when the tab is gone, then its requests are aborted. */
  watch(lockName: string): void {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (locks === undefined) return;
    void locks.request(lockName, () => this.dispose());
  }

  chat(key: string, params: unknown, onChunks?: (chunks: ChatCompletionChunk[]) => void): Promise<ChatCompletion | undefined> {
    return this.track(key, (host, scoped) => host.chat(scoped, params, onChunks));
  }

  completions(key: string, params: unknown, onChunks?: (chunks: Completion[]) => void): Promise<Completion | undefined> {
    return this.track(key, (host, scoped) => host.completions(scoped, params, onChunks));
  }

  abortChat(key: string): boolean {
    return this.joined?.host.abortChat(this.scoped(key)) ?? false;
  }

  models(): ModelList {
    return this.require().models();
  }

  stats(): EngineStats {
    return this.require().stats();
  }

  /** This tab is done: its requests end; the engine stays for the other tabs. */
  async dispose(): Promise<void> {
    if (this.gone) return;
    this.gone = true;
    for (const key of this.keys) this.joined?.host.abortChat(key);
    this.keys.clear();
    if (this.joined !== undefined) await this.shared.left(this.joined.location);
  }

  private require(): ChatHost {
    if (this.joined === undefined) throw new Error('no model is loaded: call load() first');
    return this.joined.host;
  }

  private scoped(key: string): string {
    return `${this.id}:${key}`;
  }

  private async track<T>(key: string, run: (host: ChatHost, scoped: string) => Promise<T>): Promise<T> {
    if (this.gone) throw new LlmError('aborted', 'this tab\'s engine session has ended');
    const host = this.require();
    const scoped = this.scoped(key);
    this.keys.add(scoped);
    try {
      return await run(host, scoped);
    } finally {
      this.keys.delete(scoped);
    }
  }
}
