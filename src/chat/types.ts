/**
 * Message pieces the output parsers produce, in the OpenAI wire shape so the chat layer can put
 * them into a `ChatCompletion` message or a `ChatCompletionChunk` delta unchanged.
 */

/** A complete tool call, as in `choices[i].message.tool_calls`. */
export interface ParsedToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

/** One entry of `delta.tool_calls`: first the header (id, type, name), then argument fragments. */
export interface ToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function: { readonly name?: string; readonly arguments?: string };
}

/** One streamed piece; each variant is a valid `ChatCompletionChunk` delta on its own. */
export type StreamDelta =
  | { readonly content: string }
  | { readonly reasoning_content: string }
  | { readonly tool_calls: readonly ToolCallDelta[] };

/** Length of the longest proper prefix of `tag` that `text` ends with: text to hold back. */
export function partialTagSuffix(text: string, tag: string): number {
  for (let length = Math.min(tag.length - 1, text.length); length > 0; length--) {
    if (text.endsWith(tag.slice(0, length))) return length;
  }
  return 0;
}
