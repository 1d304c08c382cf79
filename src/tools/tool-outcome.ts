/**
 * What the model reads back from one tool call: the function's result as text, or an error result,
 * never longer than the run's `maxToolResultChars`. A long text result is cut and says so; a long
 * JSON result is not sent (a cut would not parse) and the model is told it was too large. Turning
 * a value or an error into text never throws, whatever the page's function returned or threw.
 */

export interface ToolOutcome {
  /** The tool message's content. */
  readonly content: string;
  readonly ok: boolean;
  /** Why it failed, for UIs; the model reads the same text inside `content`. */
  readonly error?: string;
  /** Set when a text result was cut to the limit: its full length in characters. */
  readonly truncatedFrom?: number;
}

/** The longest error text sent back: enough for any real message, short for the model. */
const maxErrorChars = 2_000;

/** The first `limit` UTF-16 units of `text`, never splitting a surrogate pair. */
function head(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}

export function failure(error: string, maxChars: number = maxErrorChars): ToolOutcome {
  const limit = Math.min(maxChars, maxErrorChars);
  const text = error.length > limit ? `${head(error, limit)}… [error text cut at ${limit} of ${error.length} characters]` : error;
  return { content: JSON.stringify({ error: text }), ok: false, error: text };
}

/** A thrown value as text, even one whose `message` getter or `toString` throws. */
export function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return String(error.message);
    return typeof error === 'string' ? error : String(error);
  } catch {
    return `the tool threw a value that cannot be shown as text (${typeof error})`;
  }
}

/** A return value as tool message text: strings as they are, anything else as JSON. */
export function resultContent(value: unknown, toolName: string, maxChars: number): ToolOutcome {
  if (typeof value === 'string') {
    if (value.length <= maxChars) return { content: value, ok: true };
    const note = `\n[truncated: the result of tool '${toolName}' had ${value.length} characters; only the first ${maxChars} are shown]`;
    return { content: `${head(value, maxChars)}${note}`, ok: true, truncatedFrom: value.length };
  }
  if (value === undefined) return { content: '', ok: true };
  let text: string;
  try {
    text = JSON.stringify(value) ?? ''; // functions and symbols stringify to undefined
  } catch (error) {
    return failure(`the result of tool '${toolName}' could not be turned into JSON: ${messageOf(error)}`);
  }
  if (text.length > maxChars) {
    return failure(`the result of tool '${toolName}' was too large to send: ${text.length} characters of JSON, the limit is ${maxChars}; nothing of it was sent`);
  }
  return { content: text, ok: true };
}
