/**
 * The DOM of one assistant turn, fed by Conversation.send as a TurnSink. A turn is a column of
 * blocks in arrival order: reasoning (a collapsible <details>), reply text (markdown), and a card
 * per tool call (name, arguments, result, time). Text blocks re-render at most once per frame.
 * A footer shows the turn's timing; `data-state` is streaming | done | stopped | error, and
 * `data-first-token-at` / `data-finished-at` (performance.now()) let tests order events.
 */
import type { ToolCallView, ToolResultView, TurnOutcome, TurnSink } from './conversation.ts';
import { renderMarkdownInto } from './markdown.ts';
import { prefillRate, type RoundTiming } from './request-timing.ts';

interface TextBlock {
  readonly kind: 'content' | 'reasoning';
  /** Where the text goes: rendered markdown for content, plain text for reasoning. */
  readonly body: HTMLElement;
  text: string;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Arguments or a result on one line, `{ "city": "Paris" }`, when it is JSON; else as written. */
function inlineJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 1).replace(/\n\s*/g, ' ');
  } catch {
    return text;
  }
}

export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export class TurnView implements TurnSink {
  readonly root = element('li', 'turn assistant');
  private readonly blocks = element('div', 'turn-blocks');
  private readonly footer = element('footer', 'turn-footer', 'Waiting for the engine…');
  private readonly cards = new Map<string, HTMLElement>();
  private readonly timings: RoundTiming[] = [];
  private last: TextBlock | undefined;
  private dirty = new Set<TextBlock>();
  /** The footer shows prefill progress (until the next token). */
  private prefilling = false;
  private frame: number | undefined;

  constructor() {
    this.root.dataset['state'] = 'streaming';
    this.root.append(this.blocks, this.footer);
  }

  content(delta: string): void {
    this.append('content', delta);
  }

  reasoning(delta: string): void {
    this.append('reasoning', delta);
  }

  toolCall(call: ToolCallView): void {
    this.firstToken();
    this.last = undefined;
    const card = element('article', 'tool-card');
    Object.assign(card.dataset, { tool: call.name, callId: call.id, state: 'running' });
    const header = element('header');
    header.append(element('span', 'tool-icon', '⚙'), element('strong', 'tool-name', call.name), element('span', 'tool-status', 'running…'));
    const io = element('dl', 'tool-io');
    const row = (label: string, value: HTMLElement) => {
      const dd = element('dd');
      dd.append(value);
      io.append(element('dt', undefined, label), dd);
    };
    row('arguments', element('code', 'tool-arguments', inlineJson(call.arguments)));
    row('result', element('code', 'tool-result', '…'));
    card.append(header, io);
    this.cards.set(call.id, card);
    this.blocks.append(card);
  }

  toolResult(result: ToolResultView): void {
    const card = this.cards.get(result.callId);
    if (card === undefined) return;
    card.dataset['state'] = result.ok ? 'ok' : 'error';
    card.querySelector('.tool-status')!.textContent = `${result.ok ? 'done' : 'failed'} in ${formatMs(result.durationMs)}`;
    card.querySelector('.tool-result')!.textContent = inlineJson(result.content);
  }

  round(timing: RoundTiming): void {
    this.timings.push(timing);
  }

  prefill(done: number, total: number): void {
    this.prefilling = true;
    this.root.dataset['prefill'] = `${done}/${total}`;
    const bar = element('progress', 'prefill-bar');
    bar.max = Math.max(total, 1);
    bar.value = done;
    this.footer.replaceChildren(`Reading the prompt: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} tokens `, bar);
  }

  finish(outcome: TurnOutcome, detail?: string): void {
    this.flush();
    this.root.dataset['state'] = outcome;
    this.root.dataset['finishedAt'] = String(performance.now());
    for (const block of this.blocks.querySelectorAll<HTMLDetailsElement>('details.reasoning')) block.open = false;
    for (const card of this.cards.values()) {
      if (card.dataset['state'] !== 'running') continue;
      card.dataset['state'] = 'stopped';
      card.querySelector('.tool-status')!.textContent = 'stopped';
    }
    this.footer.textContent = (outcome === 'stopped' ? 'Stopped. ' : '') + this.summary();
    if (outcome === 'error') this.blocks.append(element('p', 'turn-error', detail ?? 'The request failed.'));
    if (this.blocks.childElementCount === 0) this.blocks.append(element('p', 'turn-empty', '(no reply)'));
  }

  private append(kind: TextBlock['kind'], delta: string): void {
    this.firstToken();
    let block = this.last;
    if (block?.kind !== kind) {
      block = kind === 'content' ? this.contentBlock() : this.reasoningBlock();
      this.last = block;
    }
    block.text += delta;
    this.dirty.add(block);
    this.frame ??= requestAnimationFrame(() => this.flush());
  }

  private contentBlock(): TextBlock {
    const body = element('div', 'markdown');
    this.blocks.append(body);
    // Reasoning above is done once the answer starts: fold it away.
    for (const details of this.blocks.querySelectorAll<HTMLDetailsElement>('details.reasoning')) details.open = false;
    return { kind: 'content', body, text: '' };
  }

  private reasoningBlock(): TextBlock {
    const details = element('details', 'reasoning');
    details.open = true;
    const body = element('div', 'reasoning-text');
    details.append(element('summary', undefined, 'Reasoning'), body);
    this.blocks.append(details);
    return { kind: 'reasoning', body, text: '' };
  }

  private flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    for (const block of this.dirty) {
      if (block.kind === 'content') renderMarkdownInto(block.body, block.text);
      else block.body.textContent = block.text;
    }
    this.dirty.clear();
  }

  private firstToken(): void {
    if (this.prefilling) {
      this.prefilling = false;
      this.footer.textContent = 'Streaming…';
    }
    if (this.root.dataset['firstTokenAt'] !== undefined) return;
    this.root.dataset['firstTokenAt'] = String(performance.now());
    this.footer.textContent = 'Streaming…';
  }

  private summary(): string {
    const first = this.timings[0];
    if (first === undefined) return '';
    // No per-turn decode rate: a tool call arrives whole when it closes, so chunk times say little
    // about decoding (the metrics panel has the engine's rate over decode steps).
    const tokens = this.timings.reduce((sum, timing) => sum + timing.completionTokens, 0);
    const ms = this.timings.reduce((sum, timing) => sum + timing.ttftMs + timing.decodeMs, 0);
    const rounds = this.timings.length > 1 ? ` · ${this.timings.length} rounds` : '';
    return `TTFT ${formatMs(first.ttftMs)} · prefill ${prefillRate(first).toFixed(0)} tok/s · ${tokens} tokens in ${formatMs(ms)}${rounds}`;
  }
}
