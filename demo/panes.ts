/**
 * The conversations on screen: side-by-side chat panes, two to start with (so batching shows at
 * once), up to four; "New conversation" adds one, a pane's × removes it (its reply is stopped).
 * Below 700 px only the active pane shows, full width, and a row of tabs switches between them
 * (a tab marks a conversation that is replying). A model switch keeps every conversation.
 */
import { ChatPane, type ChatContext } from './chat-view.ts';
import type { CatalogEntry } from './model-catalog.ts';

const MAX_PANES = 4;

export class Panes {
  private readonly panes: ChatPane[] = [];
  private readonly tabs = new Map<ChatPane, HTMLButtonElement>();
  private nextIndex = 1;
  private ready = false;
  private active: ChatPane | undefined;
  private about: CatalogEntry | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly addButton: HTMLButtonElement,
    private readonly tabList: HTMLElement,
    private readonly context: Omit<ChatContext, 'close' | 'onBusy'>,
    initial = 2,
  ) {
    for (let i = 0; i < initial; i++) this.add();
    this.activate(this.panes[0]!);
    addButton.addEventListener('click', () => {
      const pane = this.add();
      if (pane !== undefined) this.activate(pane);
    });
  }

  get all(): readonly ChatPane[] {
    return this.panes;
  }

  add(): ChatPane | undefined {
    if (this.panes.length >= MAX_PANES) return undefined;
    const pane = new ChatPane(this.nextIndex++, {
      ...this.context,
      close: (closing) => this.remove(closing),
      onBusy: (busy) => this.tabs.get(pane)?.toggleAttribute('data-busy', busy),
    });
    pane.setReady(this.ready);
    if (this.about !== undefined) pane.describe(this.about);
    this.panes.push(pane);
    this.container.append(pane.root);
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = 'pane-tab';
    tab.setAttribute('role', 'tab');
    tab.textContent = `Chat ${pane.index}`;
    tab.addEventListener('click', () => this.activate(pane));
    this.tabs.set(pane, tab);
    this.tabList.append(tab);
    this.update();
    return pane;
  }

  remove(pane: ChatPane): void {
    if (this.panes.length <= 1) return;
    pane.clear();
    pane.root.remove();
    this.tabs.get(pane)?.remove();
    this.tabs.delete(pane);
    const at = this.panes.indexOf(pane);
    this.panes.splice(at, 1);
    if (this.active === pane) this.activate(this.panes[Math.min(at, this.panes.length - 1)]!);
    this.update();
  }

  /** Shows `pane` (the only one shown on a narrow screen). */
  activate(pane: ChatPane): void {
    this.active = pane;
    for (const [each, tab] of this.tabs) {
      const selected = each === pane;
      each.root.classList.toggle('active', selected);
      tab.setAttribute('aria-selected', String(selected));
    }
  }

  setReady(ready: boolean): void {
    this.ready = ready;
    for (const pane of this.panes) pane.setReady(ready);
  }

  /** What the empty conversations say about the model (before it has loaded too). */
  describe(entry: CatalogEntry): void {
    this.about = entry;
    for (const pane of this.panes) pane.describe(entry);
  }

  /** Another model now serves: empty panes describe it, others get a note and carry on. */
  switchedModel(entry: CatalogEntry, modelName: string | undefined): void {
    this.describe(entry);
    if (modelName !== undefined) for (const pane of this.panes) pane.noteModel(modelName);
  }

  /** Stops every reply (the engine serving them is going away). */
  stopAll(): void {
    for (const pane of this.panes) pane.stop();
  }

  private update(): void {
    this.addButton.disabled = this.panes.length >= MAX_PANES;
    this.container.dataset['count'] = String(this.panes.length);
    for (const pane of this.panes) pane.root.classList.toggle('closable', this.panes.length > 1);
  }
}
