/**
 * A page's own tool-call parser may throw on some output. As vLLM's parsers do (their extract
 * functions catch and return the text as content), a throwing parser never fails the request or
 * the engine: the whole-output parse falls back to the text as content, and a stream passes the
 * rest of the text through as content from the failing piece on (what it already sent stands).
 * The first failure per parser is logged, so the page can see its bug.
 */
import type { ParsedToolCalls, ToolCallParser, ToolCallStream } from './tool-parser.ts';
import type { StreamDelta } from './types.ts';

export function guardedToolParser(parser: ToolCallParser, name: string): ToolCallParser {
  let warned = false;
  const warn = (where: string, error: unknown) => {
    if (warned) return;
    warned = true;
    console.warn(`tool-call parser "${name}" threw in ${where}; the output is kept as content:`, error);
  };
  return {
    format: parser.format,
    specialTokens: parser.specialTokens,
    ...(parser.makeToolCallId === undefined ? {} : { makeToolCallId: parser.makeToolCallId }),
    parse(text: string): ParsedToolCalls {
      try {
        return parser.parse(text);
      } catch (error) {
        warn('parse()', error);
        return { content: text === '' ? null : text, toolCalls: [] };
      }
    },
    stream(): ToolCallStream {
      let inner: ToolCallStream | undefined;
      try {
        inner = parser.stream();
      } catch (error) {
        warn('stream()', error);
      }
      const passThrough = (text: string): StreamDelta[] => (text === '' ? [] : [{ content: text }]);
      return {
        push(text: string): StreamDelta[] {
          if (inner === undefined) return passThrough(text);
          try {
            return inner.push(text);
          } catch (error) {
            warn('push()', error);
            inner = undefined;
            return passThrough(text);
          }
        },
        finish(): StreamDelta[] {
          if (inner === undefined) return [];
          try {
            return inner.finish();
          } catch (error) {
            warn('finish()', error);
            inner = undefined;
            return [];
          }
        },
      };
    },
  };
}
