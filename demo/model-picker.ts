/**
 * The model picker: a select over the catalog (names with sizes), a Load button, the progress bar
 * and the chosen model's cache status with a button that clears it. The bar only measures the
 * weights: while config, tokenizer and headers are read the total is not known yet, so it stays
 * indeterminate; after the last weight byte it says the GPU is being set up, and "Loaded" only
 * once the engine is ready. Hub models are kept in Cache Storage by the engine, so a second load
 * downloads nothing; folders served by the page itself are not cached.
 */
import { clearModelCache, modelCacheStatus, type LoadProgress } from '../src/index.ts';
import { entryLabel, formatBytes, type Catalog, type CatalogEntry } from './model-catalog.ts';

export interface PickerElements {
  readonly select: HTMLSelectElement;
  readonly loadButton: HTMLButtonElement;
  readonly progress: HTMLProgressElement;
  readonly progressText: HTMLElement;
  readonly cacheStatus: HTMLElement;
  readonly clearButton: HTMLButtonElement;
}

export class ModelPicker {
  private busy = false;

  constructor(
    private readonly elements: PickerElements,
    private readonly catalog: Catalog,
    private readonly onLoad: (entry: CatalogEntry) => Promise<void>,
  ) {
    const { select, loadButton, clearButton } = elements;
    for (const entry of catalog.entries) {
      const option = document.createElement('option');
      option.value = entry.model;
      option.textContent = entryLabel(entry);
      option.title = entryLabel(entry);
      select.append(option);
    }
    select.value = catalog.selected.model;
    select.addEventListener('change', () => void this.refreshCacheStatus());
    loadButton.addEventListener('click', () => void this.load(this.selected));
    clearButton.addEventListener('click', () => void this.clearCache());
  }

  get selected(): CatalogEntry {
    return this.catalog.entries.find((entry) => entry.model === this.elements.select.value) ?? this.catalog.selected;
  }

  /** Loads `entry` (the picker stays disabled meanwhile); the caller's onLoad does the work. */
  async load(entry: CatalogEntry): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.elements.select.value = entry.model;
    this.setDisabled(true);
    this.showProgress(undefined);
    try {
      await this.onLoad(entry);
    } finally {
      this.busy = false;
      this.setDisabled(false);
      await this.refreshCacheStatus();
    }
  }

  /** Shows `entry` as the selection (a failed load puts the serving model back). */
  select(entry: CatalogEntry): void {
    this.elements.select.value = entry.model;
    void this.refreshCacheStatus();
  }

  /** Progress of the load in flight; undefined resets the bar. */
  showProgress(progress: LoadProgress | undefined): void {
    const { progress: bar, progressText } = this.elements;
    const holder = bar.parentElement!;
    holder.dataset['phase'] = progress?.phase ?? 'files';
    if (progress === undefined || progress.phase === 'files') {
      bar.removeAttribute('value'); // indeterminate: the weights' size is not known yet
      progressText.textContent = progress?.file === undefined ? 'Starting…' : `Reading ${progress.file.name}…`;
      return;
    }
    const { loaded, total, file, phase } = progress;
    bar.max = Math.max(total, 1);
    if (phase === 'ready') {
      bar.removeAttribute('value');
      progressText.textContent = `Read ${formatBytes(total)}; setting up the GPU…`;
      return;
    }
    bar.value = loaded;
    const percent = total > 0 ? Math.floor((100 * loaded) / total) : 0;
    const current = file === undefined ? '' : ` · ${file.name}${file.fromCache ? ' (from cache)' : ''}`;
    progressText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} (${percent}%)${current}`;
  }

  /** The engine is ready: a full bar. */
  showLoaded(bytes: number): void {
    const { progress: bar, progressText } = this.elements;
    bar.parentElement!.dataset['phase'] = 'done';
    bar.max = Math.max(bytes, 1);
    bar.value = bar.max;
    progressText.textContent = `Loaded ${formatBytes(bytes)}`;
  }

  /** The load failed: the bar stops (the banner says why). */
  showFailed(): void {
    const { progress: bar, progressText } = this.elements;
    bar.parentElement!.dataset['phase'] = 'failed';
    bar.max = 1;
    bar.value = 0;
    progressText.textContent = 'Load failed';
  }

  async refreshCacheStatus(): Promise<void> {
    const { cacheStatus, clearButton } = this.elements;
    const entry = this.selected;
    clearButton.hidden = true;
    if (entry.source !== 'hub') {
      cacheStatus.dataset['cached'] = 'local';
      cacheStatus.textContent = 'Served by this page (not cached).';
      return;
    }
    try {
      const status = await modelCacheStatus(entry.model, this.hubOptions());
      if (this.selected !== entry) return; // the selection changed meanwhile
      cacheStatus.dataset['cached'] = status.complete ? 'complete' : status.files.length > 0 ? 'partial' : 'none';
      if (!status.available) cacheStatus.textContent = 'Cache Storage is not available here: every load downloads.';
      else if (status.complete) cacheStatus.textContent = `Cached (${formatBytes(status.bytes)}): loads without downloading.`;
      else if (status.files.length > 0) cacheStatus.textContent = `Partly cached (${formatBytes(status.bytes)}): the rest downloads.`;
      else cacheStatus.textContent = `Not cached: loading downloads ${entry.approxBytes === undefined ? 'the model' : `~${formatBytes(entry.approxBytes)}`} from the Hub.`;
      clearButton.hidden = status.files.length === 0;
    } catch (error) {
      cacheStatus.dataset['cached'] = 'unknown';
      cacheStatus.textContent = `Cache status unavailable: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private async clearCache(): Promise<void> {
    const entry = this.selected;
    if (entry.source !== 'hub') return;
    await clearModelCache(entry.model, this.hubOptions());
    await this.refreshCacheStatus();
  }

  private hubOptions(): { hubUrl?: string } {
    return this.catalog.hubUrl === undefined ? {} : { hubUrl: this.catalog.hubUrl };
  }

  private setDisabled(disabled: boolean): void {
    this.elements.select.disabled = disabled;
    this.elements.loadButton.disabled = disabled;
    this.elements.clearButton.disabled = disabled;
  }
}
