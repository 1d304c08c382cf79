/**
 * One choice's text pipeline, token by token: incremental detokenizer → stop strings → reasoning
 * split → tool-call parsing, producing the same deltas whether the caller streams or not. The
 * non-streaming message is parsed from the very text the deltas came from, so the two agree.
 */
import type { ChatCompletionTokenLogprob } from 'openai/resources/chat/completions';
import type { TokenLogprob } from '../engine/engine-types.ts';
import { IncrementalDecoder } from '../text/incremental-decoder.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import { makeToolCallId } from './hermes-tool-parser.ts';
import { parseReasoning, ReasoningStreamParser, type ReasoningParserName } from './reasoning-parser.ts';
import { StopStringMatcher, type StopOptions } from '../text/stop-strings.ts';
import type { ToolCallParser, ToolCallStream } from './tool-parser.ts';
import type { ParsedToolCall, StreamDelta } from './types.ts';

export interface ChoiceMode {
  /** The parser that splits reasoning_content off (templates that think); false: all is content. */
  readonly reasoning: ReasoningParserName | false;
  /** `chat_template_kwargs.enable_thinking` (qwen3 reads it). */
  readonly thinkingEnabled: boolean;
  /** 'parse': tool calls from the content, by `toolParser`; 'named': the whole output is the arguments of `namedTool`. */
  readonly tools: 'none' | 'parse' | 'named';
  readonly toolParser?: ToolCallParser | undefined;
  readonly namedTool?: string;
  readonly parallelToolCalls: boolean;
}

export interface ChoiceMessage {
  readonly content: string | null;
  readonly reasoningContent: string | null;
  readonly toolCalls: readonly ParsedToolCall[];
}

export class ChoiceOutput {
  /** The model's text so far, after stop-string truncation. */
  text = '';
  /** True once a stop string matched: the request should end. */
  stopped = false;
  readonly logprobs: ChatCompletionTokenLogprob[] = [];
  private readonly decoder: IncrementalDecoder;
  private readonly stops: StopStringMatcher;
  private readonly reasoning: ReasoningStreamParser | undefined;
  private readonly calls: ToolCallStream | undefined;
  private readonly dropIds: ReadonlySet<number> | undefined;
  private namedCallId: string | undefined;
  private readonly minTokens: number;
  private numTokens = 0;
  private streamedCalls = 0;

  /**
   * `dropIds`: when set, the special tokens to drop before detokenizing, in place of dropping all
   * of them (a tool parser that reads `[TOOL_CALLS]` or `<|python_tag|>` needs those kept).
   */
  constructor(
    private readonly tokenizer: TextTokenizer, stop: readonly string[], private readonly mode: ChoiceMode, stopOptions: StopOptions = {},
    dropIds?: ReadonlySet<number>,
  ) {
    this.dropIds = dropIds;
    this.decoder = new IncrementalDecoder(tokenizer, { skipSpecialTokens: dropIds === undefined });
    this.stops = new StopStringMatcher(stop, stopOptions.includeStopString);
    this.minTokens = stopOptions.minTokens ?? 0;
    this.reasoning = mode.reasoning === false ? undefined : new ReasoningStreamParser({ parser: mode.reasoning, thinkingEnabled: mode.thinkingEnabled });
    if (mode.tools === 'parse' && mode.toolParser === undefined) throw new Error('tool parsing needs a tool-call parser');
    this.calls = mode.tools === 'parse' ? mode.toolParser?.stream() : undefined;
  }

  /** Tool calls were streamed (or, for a named choice, the call was opened). */
  get calledTools(): boolean {
    return this.streamedCalls > 0;
  }

  /** Feeds one step's tokens; returns the deltas they make certain. */
  push(tokenIds: readonly number[], logprobs: readonly TokenLogprob[] | undefined): StreamDelta[] {
    if (this.stopped) return [];
    if (logprobs !== undefined) for (const entry of logprobs) this.logprobs.push(this.formatLogprob(entry));
    this.numTokens += tokenIds.length;
    const kept = this.dropIds === undefined ? tokenIds : tokenIds.filter((id) => !this.dropIds!.has(id));
    const match = this.stops.push(this.decoder.push(...kept), this.numTokens > this.minTokens);
    if (match.stop !== undefined) this.stopped = true;
    return this.route(match.text, false);
  }

  /** After the last token: flushes everything held back. */
  finish(): StreamDelta[] {
    const tail = this.stopped ? '' : this.stops.push(this.decoder.flush(), this.numTokens > this.minTokens).text;
    const held = this.stopped ? '' : this.stops.flush().text;
    return this.route(tail + held, true);
  }

  /** The whole message, parsed from the accumulated text (call after finish()). */
  message(): ChoiceMessage {
    const { content, reasoningContent } = this.mode.reasoning !== false
      ? parseReasoning(this.text, { parser: this.mode.reasoning, thinkingEnabled: this.mode.thinkingEnabled })
      : { content: this.text === '' ? null : this.text, reasoningContent: null };
    if (this.mode.tools === 'named') {
      const call: ParsedToolCall = { id: this.newCallId(), type: 'function', function: { name: this.mode.namedTool ?? '', arguments: content ?? '' } };
      return { content: null, reasoningContent, toolCalls: [call] };
    }
    if (this.mode.tools === 'none' || content === null) return { content, reasoningContent, toolCalls: [] };
    const parsed = this.mode.toolParser!.parse(content);
    const toolCalls = this.mode.parallelToolCalls ? parsed.toolCalls : parsed.toolCalls.slice(0, 1);
    return { content: parsed.content, reasoningContent, toolCalls };
  }

  private route(text: string, final: boolean): StreamDelta[] {
    this.text += text;
    const split = this.reasoning === undefined ? (text === '' ? [] : [{ content: text }])
      : [...this.reasoning.push(text), ...(final ? this.reasoning.finish() : [])];
    const out: StreamDelta[] = [];
    for (const delta of split) {
      if ('content' in delta) out.push(...this.content(delta.content));
      else out.push(delta);
    }
    if (final && this.calls !== undefined) out.push(...this.keepCalls(this.calls.finish()));
    return out;
  }

  private content(text: string): StreamDelta[] {
    if (this.calls !== undefined) return this.keepCalls(this.calls.push(text));
    if (this.mode.tools === 'none') return [{ content: text }];
    const deltas: StreamDelta[] = [];
    if (this.namedCallId === undefined) {
      this.namedCallId = this.newCallId();
      this.streamedCalls = 1;
      deltas.push({ tool_calls: [{ index: 0, id: this.namedCallId, type: 'function', function: { name: this.mode.namedTool ?? '', arguments: '' } }] });
    }
    if (text !== '') deltas.push({ tool_calls: [{ index: 0, function: { arguments: text } }] });
    return deltas;
  }

  private newCallId(): string {
    return this.mode.toolParser?.makeToolCallId?.() ?? makeToolCallId();
  }

  /** `parallel_tool_calls: false` keeps the first call only. */
  private keepCalls(deltas: StreamDelta[]): StreamDelta[] {
    const kept: StreamDelta[] = [];
    for (const delta of deltas) {
      if (!('tool_calls' in delta)) {
        kept.push(delta);
        continue;
      }
      const calls = delta.tool_calls.filter((call) => this.mode.parallelToolCalls || call.index === 0);
      for (const call of calls) this.streamedCalls = Math.max(this.streamedCalls, call.index + 1);
      if (calls.length > 0) kept.push({ tool_calls: calls });
    }
    return kept;
  }

  private formatLogprob(entry: TokenLogprob): ChatCompletionTokenLogprob {
    const piece = (tokenId: number, logprob: number) => {
      const token = this.tokenizer.decode([tokenId]);
      return { token, logprob, bytes: [...new TextEncoder().encode(token)] };
    };
    return { ...piece(entry.tokenId, entry.logprob), top_logprobs: entry.top.map((top) => piece(top.tokenId, top.logprob)) };
  }
}
