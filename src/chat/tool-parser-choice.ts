/**
 * Which tool-call parser a model needs, read from its chat template and tokenizer (vLLM makes the
 * user pick with --tool-call-parser; here the template tells, and `createEngine({ toolCallParser })`
 * overrides):
 * - the template writes `<tool_call>` (Qwen2.5, Qwen3, Hermes): `hermes`;
 * - it writes `[TOOL_CALLS]`, or the vocabulary has that token (Mistral): `mistral`;
 * - it asks for "a python list" of calls (Llama 3.2 pythonic, ToolACE): `pythonic`;
 * - it mentions `<|python_tag|>` or asks for `"parameters"` (Llama 3.1 / 3.2 / 3.3 JSON calls), or
 *   the vocabulary has `<|python_tag|>`: `llama3_json`;
 * - otherwise `hermes`, the format the built-in models and most fine-tunes use.
 */
import type { ToolCallFormat } from './tool-parser.ts';

export function toolCallParserFor(chatTemplateSource: string | undefined, hasToken: (token: string) => boolean): ToolCallFormat {
  const source = chatTemplateSource ?? '';
  if (source.includes('<tool_call>')) return 'hermes';
  if (source.includes('[TOOL_CALLS]') || hasToken('[TOOL_CALLS]')) return 'mistral';
  if (/python list|\[func_name1\(/.test(source)) return 'pythonic';
  if (source.includes('<|python_tag|>') || source.includes('"parameters"') || hasToken('<|python_tag|>')) return 'llama3_json';
  return 'hermes';
}
