/**
 * Reasoning-parser cases, re-derived from vLLM's tests for the parsers of the same names
 * (tests/reasoning/test_qwen3_reasoning_parser.py, test_deepseekr1_reasoning_parser.py): the same
 * model outputs and what vLLM expects from them, plus our own cases for the rules api-semantics.md
 * adds. `vllm` notes where vLLM's streamed or whole result differs from ours and why; ours is the
 * same streamed and whole. Used by the parser's own tests and by ChoiceOutput's (real tokens).
 */
import type { ReasoningParserName } from '../../src/chat/reasoning-parser.ts';

export interface ReasoningCase {
  readonly name: string;
  readonly parser: ReasoningParserName;
  readonly output: string;
  readonly thinkingEnabled?: boolean;
  readonly reasoning: string | null;
  readonly content: string | null;
  /** How vLLM's result differs, where it does. */
  readonly vllm?: string;
}

// vLLM's qwen3 tool-call case uses Qwen3-Coder's XML call; ours are hermes JSON. Both count.
export const XML_CALL = '<tool_call>\n<function=bash>\n<parameter=command>\ncat /etc/hosts\n</parameter>\n</function>\n</tool_call>';
export const HERMES_CALL = '<tool_call>\n{"name": "bash", "arguments": {"command": "cat /etc/hosts"}}\n</tool_call>';

const SECTION = 'This is a reasoning section';
const REST = 'This is the rest';

export const qwen3Cases: readonly ReasoningCase[] = [
  // <think> in the prompt, only </think> in the output (Qwen3-Thinking-2507, Qwen3.5).
  { name: 'without_start_token', parser: 'qwen3', output: `${SECTION}</think>${REST}`, reasoning: SECTION, content: REST },
  { name: 'without_start_token_complete_reasoning', parser: 'qwen3', output: `${SECTION}</think>`, reasoning: SECTION, content: null },
  // The model writes <think> itself (Qwen3's original template).
  { name: 'with_think', parser: 'qwen3', output: `<think>${SECTION}</think>${REST}`, reasoning: SECTION, content: REST },
  { name: 'complete_reasoning', parser: 'qwen3', output: `<think>${SECTION}</think>`, reasoning: SECTION, content: null },
  { name: 'multiline_reasoning', parser: 'qwen3', output: '<think>This is a reasoning\nsection</think>This is the rest\nThat', reasoning: 'This is a reasoning\nsection', content: 'This is the rest\nThat' },
  // Rule: thinking on and no </think>: cut off while thinking, all reasoning.
  { name: 'without_think', parser: 'qwen3', output: REST, reasoning: REST, content: null },
  { name: 'only_open_tag', parser: 'qwen3', output: `<think>${SECTION}`, reasoning: SECTION, content: null },
  { name: 'truncated_no_start_token', parser: 'qwen3', output: SECTION, reasoning: SECTION, content: null },
  // Rule: no </think>, a <tool_call> ends the reasoning implicitly; the call is content.
  { name: 'tool_call_no_think_end', parser: 'qwen3', output: `I need to read the file.\n\n${XML_CALL}`, reasoning: 'I need to read the file.\n\n', content: XML_CALL },
  { name: 'tool_call_with_think_no_end', parser: 'qwen3', output: `<think>I need to read the file.\n\n${XML_CALL}`, reasoning: 'I need to read the file.\n\n', content: XML_CALL },
  {
    name: 'hermes_tool_call_no_think_end', parser: 'qwen3', output: `I need to read the file.\n\n${HERMES_CALL}`, reasoning: 'I need to read the file.\n\n', content: HERMES_CALL,
    vllm: 'current vLLM ends reasoning at <tool_call> only when <function= follows (Qwen3-Coder XML), so a hermes call stays reasoning',
  },
  { name: 'tool_call_multi_token_delta', parser: 'qwen3', output: 'I need to read the file.\n\n<tool_call>\n<function=bash>', reasoning: 'I need to read the file.\n\n', content: '<tool_call>\n<function=bash>' },
  { name: 'tool_call_first', parser: 'qwen3', output: HERMES_CALL, reasoning: null, content: HERMES_CALL },
  { name: 'think_then_tool_call_first', parser: 'qwen3', output: `<think>${HERMES_CALL}`, reasoning: null, content: HERMES_CALL },
  {
    name: 'tool_call_inside_closed_reasoning', parser: 'qwen3', output: `<think>Maybe ${HERMES_CALL}?</think>Answer`, reasoning: `Maybe ${HERMES_CALL}?`, content: 'Answer',
    vllm: 'vLLM\'s whole-output parse agrees; its streaming parser ends reasoning at a <tool_call> + <function= as soon as it arrives',
  },
  // Multi-token deltas of vLLM's test, as whole outputs.
  { name: 'start_and_end_in_one_delta_no_content', parser: 'qwen3', output: '<think>reasoning</think>', reasoning: 'reasoning', content: null },
  { name: 'no_start_end_grouped_with_content', parser: 'qwen3', output: 'reasoning section</think>content', reasoning: 'reasoning section', content: 'content' },
  // Rule: enable_thinking false and no </think>: everything is content (calls included).
  { name: 'thinking_disabled_plain_content', parser: 'qwen3', thinkingEnabled: false, output: 'This is plain content', reasoning: null, content: 'This is plain content' },
  { name: 'thinking_disabled_no_think_tokens', parser: 'qwen3', thinkingEnabled: false, output: 'Some output without think tokens', reasoning: null, content: 'Some output without think tokens' },
  { name: 'thinking_disabled_with_tool_call', parser: 'qwen3', thinkingEnabled: false, output: `I need to read the file.\n\n${XML_CALL}`, reasoning: null, content: `I need to read the file.\n\n${XML_CALL}` },
  {
    name: 'thinking_disabled_with_end_tag', parser: 'qwen3', thinkingEnabled: false, output: `${SECTION}</think>${REST}`, reasoning: null, content: `${SECTION}</think>${REST}`,
    vllm: 'vLLM streaming agrees (the prompt closed the think block, so the parser is skipped); its whole-output parse splits at </think>',
  },
  // api-semantics.md: empty reasoning with both tags is "", not null.
  { name: 'empty_reasoning_both_tags', parser: 'qwen3', output: `<think></think>${REST}`, reasoning: '', content: REST, vllm: 'vLLM streaming sends no reasoning (null)' },
  {
    name: 'text_before_think_dropped', parser: 'qwen3', output: `\n\n<think>${SECTION}</think>${REST}`, reasoning: SECTION, content: REST,
    vllm: 'vLLM streaming keeps the leading whitespace in the reasoning',
  },
  {
    name: 'think_after_text_is_text', parser: 'qwen3', output: `Hmm <think>${SECTION}</think>${REST}`, reasoning: `Hmm <think>${SECTION}`, content: REST,
    vllm: 'vLLM\'s whole-output parse drops "Hmm "; ours counts <think> only as the leading tag, so streaming need not hold all reasoning back',
  },
  { name: 'empty_output', parser: 'qwen3', output: '', reasoning: null, content: null },
];

export const deepseekR1Cases: readonly ReasoningCase[] = [
  { name: 'simple_reasoning', parser: 'deepseek_r1', output: `${SECTION}</think>${REST}`, reasoning: SECTION, content: REST },
  { name: 'complete_reasoning', parser: 'deepseek_r1', output: `${SECTION}</think>`, reasoning: SECTION, content: null },
  { name: 'no_content_token', parser: 'deepseek_r1', output: 'This is content', reasoning: 'This is content', content: null },
  { name: 'no_reasoning_token_streaming', parser: 'deepseek_r1', output: SECTION, reasoning: SECTION, content: null },
  { name: 'multiple_lines', parser: 'deepseek_r1', output: 'This\nThat</think>This is the rest\nThat', reasoning: 'This\nThat', content: 'This is the rest\nThat' },
  { name: 'shortest', parser: 'deepseek_r1', output: `</think>${REST}`, reasoning: '', content: REST, vllm: 'vLLM: "" whole, null streamed; the template opened <think>, so both tags are there' },
  { name: 'reasoning_with_think', parser: 'deepseek_r1', output: `<think>${SECTION}</think>${REST}`, reasoning: SECTION, content: REST },
  { name: 'complete_reasoning_with_think', parser: 'deepseek_r1', output: `<think>${SECTION}</think>`, reasoning: SECTION, content: null },
  { name: 'multiple_lines_with_think', parser: 'deepseek_r1', output: '<think>This\nThat</think>This is the rest\nThat', reasoning: 'This\nThat', content: 'This is the rest\nThat' },
  { name: 'think_no_end', parser: 'deepseek_r1', output: `<think>${SECTION}`, reasoning: SECTION, content: null },
  { name: 'empty', parser: 'deepseek_r1', output: '', reasoning: null, content: null, vllm: 'vLLM: "" whole (no tags at all), null streamed' },
  {
    name: 'new_line', parser: 'deepseek_r1', output: `\n<think>${SECTION}</think>\n${REST}`, reasoning: SECTION, content: `\n${REST}`,
    vllm: 'vLLM streaming keeps the "\\n" in the reasoning (its test says streaming cannot know); ours holds leading whitespace back',
  },
  // The two qwen3 rules do not apply.
  { name: 'ignores_enable_thinking', parser: 'deepseek_r1', thinkingEnabled: false, output: `${SECTION}</think>${REST}`, reasoning: SECTION, content: REST },
  { name: 'ignores_enable_thinking_cut_off', parser: 'deepseek_r1', thinkingEnabled: false, output: SECTION, reasoning: SECTION, content: null },
  { name: 'tool_call_does_not_end_reasoning', parser: 'deepseek_r1', output: `I need to read the file.\n\n${HERMES_CALL}`, reasoning: `I need to read the file.\n\n${HERMES_CALL}`, content: null },
];

export const reasoningCases: readonly ReasoningCase[] = [...qwen3Cases, ...deepseekR1Cases];
