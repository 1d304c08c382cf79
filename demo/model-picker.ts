/**
 * The model picker: a select over the catalog, a Load button, the download progress bar (overall
 * bytes, and the file being read), and the chosen model's cache status with a button that clears
 * it. Hub models are kept in Cache Storage by the engine, so a second load downloads nothing;
 * folders served by the page itself are not cached.
 */
import { clearModelCache, modelCacheStatus, type LoadProgress } from '../src/index.ts';
import { formatBytes, type Catalog, type CatalogEntry } from './model-catalog.ts';

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
      option.textContent = entry.approxBytes === undefined ? entry.label : `${entry.label} · ~${formatBytes(entry.approxBytes)}`;
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

  /** Progress of the load in flight; undefined resets the bar. */
  showProgress(progress: LoadProgress | undefined): void {
    const { progress: bar, progressText } = this.elements;
    bar.parentElement!.dataset['phase'] = progress?.phase ?? 'files';
    if (progress === undefined) {
      bar.removeAttribute('value');
      progressText.textContent = 'Starting…';
      return;
    }
    const { loaded, total, file, phase } = progress;
    bar.max = Math.max(total, 1);
    bar.value = phase === 'ready' ? bar.max : loaded;
    const percent = total > 0 ? Math.floor((100 * loaded) / total) : 0;
    const overall = `${formatBytes(loaded)} of ${formatBytes(total)} (${phase === 'ready' ? 100 : percent}%)`;
    const current = file === undefined ? '' : ` · ${file.name}: ${formatBytes(file.loaded)} / ${formatBytes(file.total)}${file.fromCache ? ' from cache' : ''}`;
    progressText.textContent = phase === 'ready' ? `Loaded ${formatBytes(total)}` : `${overall}${current}`;
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
