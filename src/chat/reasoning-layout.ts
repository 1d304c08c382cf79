/**
 * Where the reasoning and the content lie in a model's output, for each reasoning parser. The
 * parsers differ only in their rules (below); the whole-output parse and the streaming parser
 * both read their boundaries from `layoutReasoning`, so they cannot disagree.
 *
 * The shared rules (api-semantics.md, "Reasoning", after vLLM's parsers of the same names):
 * - a leading `<think>` is dropped, with the whitespace before it;
 * - the text before the first `</think>` is reasoning (a string even when empty), the rest content;
 * - without `</think>`, the output was cut off while thinking: all of it is reasoning.
 * `qwen3` adds two rules that apply only when there is no `</think>`: with
 * `enable_thinking: false` everything is content, and a `<tool_call>` ends the reasoning (the call
 * and all after it are content, so the hermes parser still finds the call).
 *
 * Two choices differ from vLLM's code, both so that any split into deltas streams the same result
 * with bounded hold-back:
 * - `<think>` counts only when nothing but whitespace comes before it. vLLM's whole-output parse
 *   drops any text before the first `<think>`; streaming that would hold back all reasoning of a
 *   template that opens `<think>` in the prompt (DeepSeek-R1, QwQ) until `</think>`, since a
 *   `<think>` could still come. vLLM's own streaming parser cannot retract such text either.
 * - With `enable_thinking: false` the output is content without looking for `</think>` (what
 *   vLLM's serving layer does when streaming: the prompt already closed the think block). Taken
 *   literally, api-semantics.md and vLLM's whole-output parse would still split at a `</think>`;
 *   streaming that would hold back the whole answer until the output ends.
 * vLLM (since Qwen3.5) also waits for `<function=` after `<tool_call>` before ending reasoning;
 * that is Qwen3-Coder's XML call format. Calls here are hermes JSON, so any `<tool_call>` counts.
 */
import { partialTagSuffix } from './types.ts';

export type ReasoningParserName = 'qwen3' | 'deepseek_r1';
export const reasoningParserNames: readonly ReasoningParserName[] = ['qwen3', 'deepseek_r1'];

export const THINK_START = '<think>';
export const THINK_END = '</think>';
const TOOL_CALL = '<tool_call>';

interface ReasoningRules {
  /** `enable_thinking: false` (the template closes the think block in the prompt) makes all content. */
  readonly thinkingSwitch: boolean;
  /** Without `</think>`, a `<tool_call>` ends the reasoning implicitly. */
  readonly toolCallEndsReasoning: boolean;
}

const rules: Readonly<Record<ReasoningParserName, ReasoningRules>> = {
  // Qwen3's template opens `<think>` in the output (or, in later templates, in the prompt) and
  // honours enable_thinking; Qwen3.5 models may call a tool without closing `</think>` first.
  qwen3: { thinkingSwitch: true, toolCallEndsReasoning: true },
  // DeepSeek-R1-Distill and QwQ: the template opens `<think>` itself and has no switch.
  deepseek_r1: { thinkingSwitch: false, toolCallEndsReasoning: false },
};

/** Offsets into the output. */
export interface ReasoningLayout {
  /** The reasoning is `[start, end)`; undefined: there is none, or it is not known yet. */
  readonly reasoning: { readonly start: number; readonly end: number } | undefined;
  /** The content runs from here to the end of the text; undefined: none, or not known yet. */
  readonly contentStart: number | undefined;
  /** `</think>` closed the reasoning: it is a string even when empty. */
  readonly closed: boolean;
}

/**
 * `final` false: more text may follow, so only what no continuation can change is laid out;
 * reasoning that a tag arriving later could still cut short is left out until it is decided.
 * `knownStart`: where the reasoning starts, when an earlier look at the text decided it (the
 * streaming parser passes 0 for the text it has not sent yet, so it never rescans sent text).
 */
export function layoutReasoning(
  text: string, parser: ReasoningParserName, thinkingEnabled: boolean, final: boolean, knownStart?: number,
): ReasoningLayout {
  const { thinkingSwitch, toolCallEndsReasoning } = rules[parser];
  if (thinkingSwitch && !thinkingEnabled) return { reasoning: undefined, contentStart: 0, closed: false };
  const start = knownStart ?? reasoningStart(text, final);
  if (start === undefined) return { reasoning: undefined, contentStart: undefined, closed: false };
  const end = text.indexOf(THINK_END, start);
  if (end >= 0) return { reasoning: { start, end }, contentStart: end + THINK_END.length, closed: true };
  const toolCall = toolCallEndsReasoning ? text.indexOf(TOOL_CALL, start) : -1;
  if (toolCall >= 0) {
    // A `</think>` later on would make the call part of the reasoning: until the output ends, only
    // the text before the call is certain.
    return { reasoning: { start, end: toolCall }, contentStart: final ? toolCall : undefined, closed: false };
  }
  const held = final ? 0 : Math.max(partialTagSuffix(text, THINK_END), toolCallEndsReasoning ? partialTagSuffix(text, TOOL_CALL) : 0);
  return { reasoning: { start, end: Math.max(start, text.length - held) }, contentStart: undefined, closed: false };
}

/** Just after a leading `<think>`, else 0; undefined while the text may still turn into one. */
function reasoningStart(text: string, final: boolean): number | undefined {
  let space = 0;
  while (space < text.length && ' \t\r\n'.includes(text[space]!)) space++;
  if (text.startsWith(THINK_START, space)) return space + THINK_START.length;
  const mayBecomeStart = text.length - space < THINK_START.length && THINK_START.startsWith(text.slice(space));
  return mayBecomeStart && !final ? undefined : 0;
}
