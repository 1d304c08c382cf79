/**
 * The added tokens of real chat vocabularies, as their tokenizer.json files list them, for the
 * control-tokens-in-content tests: the fixture and demo tokenizers hold only Qwen's first seven,
 * so `withAddedTokens` gives a tokenizer.json the others too (fresh ids after its last one), and
 * a Llama 3 style template to render them with.
 */

/** Qwen2.5: ids 151643..151664. `<tool_call>` / `</tool_call>` are added but not special. */
export const qwen25Tokens: readonly string[] = [
  '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>',
  '<|box_end|>', '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>',
  '<|image_pad|>', '<|video_pad|>', '<tool_call>', '</tool_call>', '<|fim_prefix|>', '<|fim_middle|>',
  '<|fim_suffix|>', '<|fim_pad|>', '<|repo_name|>', '<|file_sep|>',
];

/** Qwen3: Qwen2.5's, then 151665..151668 (not special). */
export const qwen3Tokens: readonly string[] = [...qwen25Tokens, '<tool_response>', '</tool_response>', '<think>', '</think>'];

/** Llama 3.1: 128000..128010 by name, then reserved tokens up to 128255 (the first and last of those here). */
export const llama3Tokens: readonly string[] = [
  '<|begin_of_text|>', '<|end_of_text|>', '<|reserved_special_token_0|>', '<|reserved_special_token_1|>',
  '<|finetune_right_pad_id|>', '<|reserved_special_token_2|>', '<|start_header_id|>', '<|end_header_id|>',
  '<|eom_id|>', '<|eot_id|>', '<|python_tag|>', '<|reserved_special_token_3|>', '<|reserved_special_token_247|>',
];

const notSpecial = new Set(['<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>', '<think>', '</think>']);

type Json = Record<string, unknown>;
interface AddedTokenJson { id: number; content: string }

/** `tokenizerJson` with each of `contents` it lacks appended as an added token, ids after its last. */
export function withAddedTokens(tokenizerJson: Json, contents: readonly string[]): Json {
  const added = [...(tokenizerJson['added_tokens'] as AddedTokenJson[])];
  let next = Math.max(...added.map((token) => token.id)) + 1;
  for (const content of new Set(contents)) {
    if (added.some((token) => token.content === content)) continue;
    added.push({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: !notSpecial.has(content) } as AddedTokenJson);
  }
  return { ...tokenizerJson, added_tokens: added };
}

/**
 * Llama 3.1's chat layout (header tokens, `| trim`med content, `<|eot_id|>`, tool results in the
 * ipython role, calls as `{"name", "parameters"}` JSON), cut down to what the tests send.
 */
export const llama3Template = [
  '{{- bos_token }}',
  '{%- for message in messages %}',
  "{%- set role = 'ipython' if message.role == 'tool' else message.role %}",
  "{{- '<|start_header_id|>' + role + '<|end_header_id|>\\n\\n' }}",
  '{%- if message.tool_calls %}',
  '{%- for call in message.tool_calls %}',
  '{{- \'{"name": "\' + call.function.name + \'", "parameters": \' + (call.function.arguments | tojson) + \'}\' }}',
  '{%- endfor %}',
  '{%- else %}',
  '{{- message.content | trim }}',
  '{%- endif %}',
  "{{- '<|eot_id|>' }}",
  '{%- endfor %}',
  "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
].join('\n');
