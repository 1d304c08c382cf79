/**
 * The `pythonic` tool-call format (Llama 3.2 1B/3B with vLLM's pythonic template, ToolACE): the
 * whole output is a Python list of calls, `[get_weather(city='Paris'), get_time(tz=None)]`, read
 * by PythonicCallScanner; each call's arguments are the JSON json.dumps writes for its keyword
 * arguments. Anything else — text before or after the list, a call that does not parse — is
 * content, all of it (vLLM's parser does the same). Model output never makes these throw.
 *
 * Streaming: text that does not start (after whitespace) with `[` streams as content at once.
 * Inside a list, each call goes out whole — id, name and arguments in one delta — when its `)`
 * arrives: the arguments are JSON this parser writes, not the model's text, and a complete call
 * is the first point at which they never change. A list that breaks before its first call is
 * complete comes out as content from finish(), as the whole-output parse has it; calls already
 * sent when a later part breaks cannot be taken back (the whole-output parse then says content).
 */
import { makeToolCallId } from './hermes-tool-parser.ts';
import { isPythonSpace, PythonicCallScanner } from './pythonic-call-scanner.ts';
import type { ParsedToolCalls, ToolCallParserFactory, ToolCallStream } from './tool-parser.ts';
import type { StreamDelta } from './types.ts';

/** Whole-output parse: the calls, or (content = the text) none. */
export function parsePythonicToolCalls(text: string): ParsedToolCalls {
  const scanner = new PythonicCallScanner();
  scanner.feed(text);
  scanner.end();
  if (scanner.failed) return { content: text === '' ? null : text, toolCalls: [] };
  return {
    content: null,
    toolCalls: scanner.calls.map((call) => ({ id: makeToolCallId(), type: 'function', function: { name: call.name, arguments: call.arguments } })),
  };
}

export class PythonicStreamParser implements ToolCallStream {
  private readonly scanner = new PythonicCallScanner();
  /** The text while it may still be calls: content if they fail before the first one. */
  private text = '';
  private mode: 'undecided' | 'content' | 'calls' = 'undecided';
  private callsSent = 0;

  push(piece: string): StreamDelta[] {
    if (this.mode === 'content') return piece === '' ? [] : [{ content: piece }];
    this.text += piece;
    if (this.mode === 'undecided') {
      let first = 0;
      while (first < piece.length && isPythonSpace(piece[first])) first++;
      if (first === piece.length) {
        this.scanner.feed(piece); // whitespace only: nothing is decided yet
        return [];
      }
      if (piece[first] !== '[') {
        this.mode = 'content';
        const content = this.text;
        this.text = '';
        return [{ content }];
      }
      this.mode = 'calls';
    }
    this.scanner.feed(piece);
    return this.newCalls();
  }

  finish(): StreamDelta[] {
    if (this.mode === 'content') return [];
    this.scanner.end();
    const deltas = this.newCalls();
    if (this.scanner.failed && this.callsSent === 0 && this.text !== '') deltas.push({ content: this.text });
    return deltas;
  }

  /** Calls the scanner completed since the last look, one delta each. */
  private newCalls(): StreamDelta[] {
    const deltas: StreamDelta[] = [];
    for (; this.callsSent < this.scanner.calls.length; this.callsSent++) {
      const { name, arguments: args } = this.scanner.calls[this.callsSent]!;
      deltas.push({ tool_calls: [{ index: this.callsSent, id: makeToolCallId(), type: 'function', function: { name, arguments: args } }] });
    }
    return deltas;
  }
}

/** vLLM's `pythonic` parser; it needs no special tokens in the text. */
export const pythonicToolParser: ToolCallParserFactory = () => ({
  format: 'pythonic',
  parse: parsePythonicToolCalls,
  stream: () => new PythonicStreamParser(),
});
