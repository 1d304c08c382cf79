/**
 * The contract every tool-call parser meets (vLLM's `--tool-call-parser`, one per output format):
 * a whole-output parse and a fresh incremental parser per output whose deltas concatenate to the
 * whole-output result for any split of the text. Model output never makes either throw; a call
 * that does not parse turns the whole output back into content (all or nothing). The built-ins
 * are in tool-parser-registry.ts, which also takes a page's own parsers.
 */
import type { ToolCallFormat } from '../constraint/constraint-spec.ts';
import type { ChatCompletionFunctionTool } from './chat-template.ts';
import type { ParsedToolCall, StreamDelta } from './types.ts';

export interface ParsedToolCalls {
  /** Text that is not a call (null when there is none). */
  readonly content: string | null;
  readonly toolCalls: ParsedToolCall[];
}

/** Incremental parse of one output. */
export interface ToolCallStream {
  /** The next piece of output text; returns the deltas it makes certain. */
  push(text: string): StreamDelta[];
  /** After the last piece: flushes held-back text and settles an unclosed final call. */
  finish(): StreamDelta[];
}

export { toolCallFormats, type ToolCallFormat } from '../constraint/constraint-spec.ts';

export interface ToolCallParser {
  parse(text: string): ParsedToolCalls;
  stream(): ToolCallStream;
  /**
   * The format this parser reads, when it is one of the built-in ones: `tool_choice: "required"`
   * and strict tools then decode under that format's grammar. A parser without one cannot be
   * forced to call (such requests are refused, naming the parser).
   */
  readonly format?: ToolCallFormat | undefined;
  /**
   * Special tokens the parser must see in the text (`[TOOL_CALLS]`, `<|python_tag|>`): the
   * detokenizer keeps these where it drops other special tokens, as vLLM's parsers ask for
   * `skip_special_tokens: false`.
   */
  readonly specialTokens?: readonly string[] | undefined;
  /** Ids for calls the chat layer makes itself (a named tool_choice); default `chatcmpl-tool-…`. */
  readonly makeToolCallId?: (() => string) | undefined;
}

/** What a parser is made for: the request it parses (vLLM hands its parsers the request too). */
export interface ToolParserContext {
  /** The tools the model was shown (after allowed_tools); empty when there are none. */
  readonly tools: readonly ChatCompletionFunctionTool[];
}

/** Makes a parser for one request. */
export type ToolCallParserFactory = (context: ToolParserContext) => ToolCallParser;
