/**
 * Control tokens in content (api-semantics.md): text that a request puts in a chat (message
 * content, tool-call arguments, tool definitions, documents) and that spells an added token
 * (`<|im_end|>`, `<tool_call>`, `<|eot_id|>`) must reach the model as that text, or a fetched web
 * page could fake a turn or a tool call. Before the template renders, each such spelling is swapped
 * for a placeholder the template cannot mistake for anything; after rendering, each placeholder is
 * swapped back and its range handed to the tokenizer as a plain span. Only the template's own text
 * yields added tokens.
 *
 * Placeholders are runs of private-use characters; a request's own characters from that range
 * are swapped too, so every placeholder in the rendered text is one this table made. A template
 * that cuts a placeholder apart (slicing content) leaves private-use text, never a token; one
 * that escapes non-ASCII (`tojson(ensure_ascii=True)`) shows the escapes instead of the text.
 */
import type { TextSpan, TextTokenizer } from '../text/tokenizer.ts';
import { THINK_END, THINK_START } from './reasoning-layout.ts';

const OPEN = 0xe000;
const CLOSE = 0xe001;
const DIGIT_ZERO = 0xe002; // 16 digits: U+E002..U+E011
const RESERVED = /[\uE000-\uE011]/;
const PLACEHOLDER = /\uE000([\uE002-\uE011]+)\uE001/g;

const matchers = new WeakMap<TextTokenizer, RegExp>();

/** Every added token's text, longest first (so the regex takes the longest match, as the tokenizer does), and the reserved range. */
function addedTokenMatcher(tokenizer: TextTokenizer): RegExp {
  let matcher = matchers.get(tokenizer);
  if (matcher === undefined) {
    const { tokens, added } = tokenizer.vocabulary();
    const contents = [...added.keys()].map((id) => tokens[id]).filter((text): text is string => text !== undefined && text !== '');
    contents.sort((a, b) => b.length - a.length);
    const escaped = contents.map((text) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
    matcher = new RegExp([...escaped, RESERVED.source].join('|'), 'g');
    matchers.set(tokenizer, matcher);
  }
  return matcher;
}

export class ContentPlaceholders {
  private readonly originals: string[] = [];
  private readonly slots = new Map<string, string>();
  private readonly matcher: RegExp;

  /** `templateReadsReasoning`: the template splits reasoning out of assistant content at `</think>` (Qwen3, DeepSeek-R1). */
  constructor(tokenizer: TextTokenizer, private readonly templateReadsReasoning: boolean) {
    this.matcher = addedTokenMatcher(tokenizer);
  }

  /**
   * `text` with each added token's spelling swapped for its placeholder. `reasoningInside`: the
   * content of an assistant message without reasoning_content, where a template that reads
   * reasoning looks for it. There, if it has a `</think>`, every `</think>` and each `<think>`
   * before the first one stay as written: the model's own delimiters from an earlier reply, which
   * such a template splits on and leaves none of in its output (the reasoning moves between its
   * own markers or is dropped). Swapped, the template would replay the reasoning as answer text.
   */
  protect(text: string, reasoningInside = false): string {
    const firstEnd = reasoningInside && this.templateReadsReasoning ? text.indexOf(THINK_END) : -1;
    return text.replace(this.matcher, (found: string, offset: number) => {
      const splitOn = firstEnd >= 0 && (found === THINK_END || (found === THINK_START && offset < firstEnd));
      return splitOn ? found : this.slot(found);
    });
  }

  /** The rendered text with the originals back, and where they lie: the tokenizer's plain spans. */
  resolve(rendered: string): { text: string; plainSpans: TextSpan[] } {
    const plainSpans: TextSpan[] = [];
    let text = '';
    let copied = 0;
    for (const match of rendered.matchAll(PLACEHOLDER)) {
      const original = this.originals[decodeIndex(match[1]!)];
      if (original === undefined) continue; // not one of ours: the template's own characters
      text += rendered.slice(copied, match.index);
      plainSpans.push({ start: text.length, end: text.length + original.length });
      text += original;
      copied = match.index + match[0].length;
    }
    return { text: text + rendered.slice(copied), plainSpans };
  }

  /** The same text always gets the same placeholder, so a message protected twice renders the same. */
  private slot(original: string): string {
    let placeholder = this.slots.get(original);
    if (placeholder === undefined) {
      placeholder = String.fromCharCode(OPEN, ...encodeIndex(this.originals.length), CLOSE);
      this.originals.push(original);
      this.slots.set(original, placeholder);
    }
    return placeholder;
  }
}

function encodeIndex(index: number): number[] {
  return [...index.toString(16)].map((digit) => DIGIT_ZERO + parseInt(digit, 16));
}

function decodeIndex(digits: string): number {
  return [...digits].reduce((value, char) => value * 16 + (char.charCodeAt(0) - DIGIT_ZERO), 0);
}
