/**
 * Encoding text in which some spans are plain text: an added token (`<|im_end|>`, `<tool_call>`)
 * is matched only outside them, so chat message content that spells one is tokenized as the
 * text it is (api-semantics.md, "control tokens in content").
 *
 * The steps are the library's own encode, through the parts its typings make public: added
 * tokens split out (longest match, lstrip/rstrip trimming their neighbours), then each text
 * section normalized, pre-tokenized and run through the model, then the post-processor. A
 * section that holds plain spans is encoded whole, so its ids are those the same tokenizer gives
 * that text with no added tokens at all: what HF's Rust tokenizers give from the tokenizer.json
 * with `added_tokens` emptied (stronger than transformers' `split_special_tokens`, which still
 * matches non-special added tokens such as Qwen's `<tool_call>`).
 *
 * One difference from the library: added tokens marked `normalized` are matched in the text as
 * written rather than after the normalizer; no chat tokenizer here has one (Qwen's and Llama 3's
 * are all `normalized: false`), and text without plain spans goes through the library unchanged.
 */
import type { AddedToken, Tokenizer } from '@huggingface/tokenizers';

/** `[start, end)` in UTF-16 code units, as String.prototype.slice counts. */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  token?: AddedToken;
}

interface Section {
  text: string;
  readonly token?: AddedToken;
}

/** The tokenizer_config.json flags the library applies before its normalizer. */
export interface TextCleanup {
  readonly removeSpace: boolean;
  readonly lowercaseAndRemoveAccents: boolean;
}

export class PlainSpanEncoder {
  private readonly trie: TrieNode = { next: new Map() };

  constructor(private readonly tokenizer: Tokenizer, private readonly cleanup: TextCleanup) {
    for (const token of tokenizer.get_added_tokens_decoder().values()) {
      // By UTF-16 code unit, as the library's trie and String.prototype.slice count.
      let node = this.trie;
      for (let i = 0; i < token.content.length; i++) {
        const char = token.content[i]!;
        let child = node.next.get(char);
        if (child === undefined) node.next.set(char, (child = { next: new Map() }));
        node = child;
      }
      node.token = token;
    }
  }

  /** Ids of `text`; `spans` (sorted, not overlapping) never match an added token, in whole or in part. */
  encode(text: string, spans: readonly TextSpan[], addSpecialTokens: boolean): number[] {
    const sections = this.split(text, spans);
    trimAroundTokens(sections);
    const tokens = sections.flatMap((section, index) => this.sectionTokens(section, index));
    const processed = this.tokenizer.post_processor?._call(tokens, null, addSpecialTokens).tokens ?? tokens;
    const { model } = this.tokenizer;
    return processed.map((token) => {
      // The library's mapping: its model map also holds every added token's content.
      const id = model?.tokens_to_ids.get(token) ?? model?.unk_token_id;
      if (id === undefined) throw new Error(`the tokenizer has no id for the token ${JSON.stringify(token)}`);
      return id;
    });
  }

  /** Text sections and added tokens; a token is matched only where it lies wholly outside every span. */
  private split(text: string, spans: readonly TextSpan[]): Section[] {
    const sections: Section[] = [];
    let start = 0;
    let at = 0;
    let next = 0; // the first span that does not end at or before `at`
    while (at < text.length) {
      while (next < spans.length && spans[next]!.end <= at) next++;
      const span = spans[next];
      if (span !== undefined && span.start <= at) {
        at = span.end;
        continue;
      }
      const token = this.longestMatch(text, at, span?.start ?? text.length);
      if (token === undefined) {
        at++;
        continue;
      }
      if (at > start) sections.push({ text: text.slice(start, at) });
      sections.push({ text: token.content, token });
      at += token.content.length;
      start = at;
    }
    if (start < text.length) sections.push({ text: text.slice(start) });
    return sections;
  }

  private longestMatch(text: string, from: number, limit: number): AddedToken | undefined {
    let node: TrieNode | undefined = this.trie;
    let found: AddedToken | undefined;
    for (let at = from; at < limit; at++) {
      node = node.next.get(text[at]!);
      if (node === undefined) break;
      if (node.token !== undefined) found = node.token;
    }
    return found;
  }

  private sectionTokens(section: Section, index: number): string[] {
    if (section.token !== undefined) return [section.token.content];
    let text = section.text;
    if (this.cleanup.removeSpace) text = text.trim().split(/\s+/).join(' ');
    if (this.cleanup.lowercaseAndRemoveAccents) text = text.toLowerCase().replace(/\p{M}/gu, '');
    const { normalizer, pre_tokenizer: preTokenizer, model } = this.tokenizer;
    if (normalizer !== null) text = normalizer._call(text);
    if (text === '' || model === null) return [];
    // section_index: Metaspace's prepend_scheme "first" marks only the text's first section.
    const words = preTokenizer === null ? [text] : preTokenizer._call(text, { section_index: index });
    return model._call(words);
  }
}

/** An added token's lstrip / rstrip eat the whitespace of the text beside it, as the library does. */
function trimAroundTokens(sections: Section[]): void {
  sections.forEach(({ token }, index) => {
    const before = sections[index - 1];
    const after = sections[index + 1];
    if (token?.lstrip === true && before !== undefined) before.text = before.text.trimEnd();
    if (token?.rstrip === true && after !== undefined) after.text = after.text.trimStart();
  });
}
