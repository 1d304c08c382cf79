/**
 * The conversations on screen: side-by-side chat panes, two to start with (so batching shows at
 * once), up to four; "New conversation" adds one, a pane's × removes it (its reply is stopped).
 */
import { ChatPane, type ChatContext } from './chat-view.ts';

const MAX_PANES = 4;

export class Panes {
  private readonly panes: ChatPane[] = [];
  private nextIndex = 1;
  private ready = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly addButton: HTMLButtonElement,
    private readonly context: Omit<ChatContext, 'close'>,
    initial = 2,
  ) {
    for (let i = 0; i < initial; i++) this.add();
    addButton.addEventListener('click', () => this.add());
  }

  get all(): readonly ChatPane[] {
    return this.panes;
  }

  add(): ChatPane | undefined {
    if (this.panes.length >= MAX_PANES) return undefined;
    const pane = new ChatPane(this.nextIndex++, { ...this.context, close: (closing) => this.remove(closing) });
    pane.setReady(this.ready);
    this.panes.push(pane);
    this.container.append(pane.root);
    this.update();
    return pane;
  }

  remove(pane: ChatPane): void {
    if (this.panes.length <= 1) return;
    pane.clear();
    pane.root.remove();
    this.panes.splice(this.panes.indexOf(pane), 1);
    this.update();
  }

  setReady(ready: boolean): void {
    this.ready = ready;
    for (const pane of this.panes) pane.setReady(ready);
  }

  /** Stops every reply and empties every pane (another model is being loaded). */
  clearAll(): void {
    for (const pane of this.panes) pane.clear();
  }

  private update(): void {
    this.addButton.disabled = this.panes.length >= MAX_PANES;
    this.container.dataset['count'] = String(this.panes.length);
    for (const pane of this.panes) pane.root.classList.toggle('closable', this.panes.length > 1);
  }
}
