/**
 * One chat pane: a title bar, the list of turns, and a composer with Send and Stop. The pane owns
 * a Conversation; each send adds the user's turn and a TurnView that the conversation streams
 * into. Every pane sends through the same engine, so replies of several panes share its batches.
 * An empty pane says what the loaded model can do and offers suggestions that work on it.
 */
import type { ChatApi } from '../src/index.ts';
import { Conversation, type SendSettings } from './conversation.ts';
import type { CatalogEntry } from './model-catalog.ts';
import type { RoundTiming } from './request-timing.ts';
import { TurnView } from './turn-view.ts';

export interface ChatContext {
  /** The loaded engine, or undefined while none is. */
  api(): ChatApi | undefined;
  settings(): SendSettings;
  /** Each finished request round, for the page's metrics. */
  onRound(timing: RoundTiming): void;
  /** The pane's close button; absent → the pane cannot be closed. */
  close?: ((pane: ChatPane) => void) | undefined;
  /** The pane started or finished a reply. */
  onBusy?: ((busy: boolean) => void) | undefined;
}

/** Each one exercises something the embedded model does (tested end to end on it). */
export const SUGGESTIONS = [
  'Hello!', 'Who are you?', "What's the weather in Paris?", 'What time is it in Tokyo?', 'Calculate 12*(3+4)', 'Switch to dark mode',
];

function button(className: string, text: string, type: 'button' | 'submit' = 'button'): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = type;
  node.className = className;
  node.textContent = text;
  return node;
}

export class ChatPane {
  readonly root = document.createElement('section');
  private readonly turns = document.createElement('ol');
  private readonly form = document.createElement('form');
  private readonly input = document.createElement('textarea');
  private readonly sendButton = button('send', 'Send', 'submit');
  private readonly stopButton = button('stop', 'Stop');
  private readonly conversation = new Conversation();
  private ready = false;
  private followOutput = true;
  private about: CatalogEntry | undefined;

  constructor(readonly index: number, private readonly context: ChatContext) {
    this.root.className = 'pane';
    this.root.dataset['pane'] = String(index);
    this.root.setAttribute('aria-label', `Conversation ${index}`);
    this.root.append(this.header(), this.turns, this.form);
    this.turns.className = 'turns';
    this.turns.setAttribute('aria-live', 'polite');
    this.turns.addEventListener('scroll', () => {
      this.followOutput = this.turns.scrollHeight - this.turns.scrollTop - this.turns.clientHeight < 40;
    });
    new MutationObserver(() => {
      if (this.followOutput) this.turns.scrollTop = this.turns.scrollHeight;
    }).observe(this.turns, { childList: true, subtree: true, characterData: true });
    this.showEmptyState();
    this.composer();
    this.update();
  }

  /** What the empty state says: the model's description. */
  describe(entry: CatalogEntry): void {
    this.about = entry;
    const empty = this.turns.querySelector('.empty-state');
    if (empty !== null) empty.replaceWith(this.emptyState());
    this.update();
  }

  /** A line in a conversation that goes on with another model. */
  noteModel(modelName: string): void {
    if (this.turns.querySelector('.turn') === null) return;
    const note = document.createElement('li');
    note.className = 'model-note';
    note.textContent = `Now talking to ${modelName}`;
    this.turns.append(note);
  }

  /** Enables sending once an engine is loaded. */
  setReady(ready: boolean): void {
    this.ready = ready;
    this.update();
  }

  /** Stops any reply and forgets the conversation. */
  clear(): void {
    this.conversation.clear();
    this.turns.replaceChildren();
    this.showEmptyState();
    this.update();
  }

  stop(): void {
    this.conversation.stop();
  }

  async send(text: string): Promise<void> {
    const api = this.context.api();
    const prompt = text.trim();
    if (api === undefined || prompt === '' || this.conversation.busy) return;
    this.turns.querySelector('.empty-state')?.remove();
    const user = document.createElement('li');
    user.className = 'turn user';
    user.textContent = prompt;
    const turn = new TurnView();
    this.followOutput = true;
    this.turns.append(user, turn.root);
    const sending = this.conversation.send(api, prompt, this.context.settings(), {
      content: (delta) => turn.content(delta),
      reasoning: (delta) => turn.reasoning(delta),
      toolCall: (call) => turn.toolCall(call),
      toolResult: (result) => turn.toolResult(result),
      prefill: (done, total) => turn.prefill(done, total),
      round: (timing) => {
        turn.round(timing);
        this.context.onRound(timing);
      },
      finish: (outcome, detail) => turn.finish(outcome, detail),
    });
    this.update();
    this.context.onBusy?.(true);
    await sending;
    this.context.onBusy?.(false);
    this.update();
  }

  /** Shows `text` as an assistant reply through the same renderer as a streamed one (test hook). */
  showReply(text: string): void {
    this.turns.querySelector('.empty-state')?.remove();
    const turn = new TurnView();
    this.turns.append(turn.root);
    turn.content(text);
    turn.finish('done');
  }

  private header(): HTMLElement {
    const header = document.createElement('header');
    header.className = 'pane-header';
    const title = document.createElement('h2');
    title.textContent = `Conversation ${this.index}`;
    const clear = button('pane-clear', 'Clear');
    clear.addEventListener('click', () => this.clear());
    header.append(title, clear);
    const close = this.context.close;
    if (close !== undefined) {
      const closeButton = button('pane-close', '×');
      closeButton.setAttribute('aria-label', `Close conversation ${this.index}`);
      closeButton.addEventListener('click', () => close(this));
      header.append(closeButton);
    }
    return header;
  }

  private composer(): void {
    this.form.className = 'composer';
    this.input.name = 'prompt';
    this.input.rows = 2;
    this.input.placeholder = 'Message (Enter sends, Shift+Enter for a new line)';
    this.input.setAttribute('aria-label', `Message for conversation ${this.index}`);
    this.stopButton.hidden = true;
    this.form.append(this.input, this.sendButton, this.stopButton);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!this.ready || this.conversation.busy) return;
      const text = this.input.value;
      this.input.value = '';
      void this.send(text);
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.stopButton.addEventListener('click', () => this.stop());
  }

  private showEmptyState(): void {
    this.turns.append(this.emptyState());
  }

  private emptyState(): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'empty-state';
    const about = document.createElement('p');
    about.className = 'about';
    about.textContent = this.about?.about ?? 'Loading a model…';
    const chips = document.createElement('div');
    chips.className = 'suggestions';
    chips.setAttribute('aria-label', 'Suggestions');
    for (const text of SUGGESTIONS) {
      const chip = button('suggestion', text);
      chip.addEventListener('click', () => void this.send(text));
      chips.append(chip);
    }
    item.append(about, chips);
    return item;
  }

  private update(): void {
    const busy = this.conversation.busy;
    this.sendButton.disabled = !this.ready || busy;
    this.stopButton.hidden = !busy;
    this.root.dataset['busy'] = String(busy);
    for (const chip of this.turns.querySelectorAll<HTMLButtonElement>('.suggestion')) chip.disabled = !this.ready || busy;
  }
}
