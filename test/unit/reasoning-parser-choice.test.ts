/**
 * reasoningParserFor on real templates: Qwen3's (tools/fixtures and the qwen3-f32 fixture's
 * tokenizer_config.json) → qwen3; Qwen2.5's → none; DeepSeek-R1-Distill-Qwen's → deepseek_r1.
 * test/fixtures/templates/deepseek-r1-distill-qwen.jinja is the chat_template of
 * deepseek-ai/DeepSeek-R1-Distill-Qwen-*'s tokenizer_config.json (public, MIT): the text as first
 * published, with the generation prompt DeepSeek later changed from `<｜Assistant｜>` to
 * `<｜Assistant｜><think>\n` so that the model always thinks. QwQ-32B's and a Qwen3.5-style
 * generation prompt are tested as excerpts on top of the Qwen2.5 template.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../src/chat/chat-template.ts';
import { reasoningParserFor } from '../../src/chat/reasoning-parser-choice.ts';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const qwen3 = read('../../tools/fixtures/templates/qwen3.jinja');
const qwen25 = read('../../tools/fixtures/templates/qwen2.5.jinja');
const deepseekR1Distill = read('../fixtures/templates/deepseek-r1-distill-qwen.jinja');
const qwen3Fixture = (JSON.parse(read('../fixtures/qwen3-f32/tokenizer_config.json')) as { chat_template: string }).chat_template;

const QWEN25_PROMPT = "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}";

/** The Qwen2.5 template with another generation prompt (and QwQ's history rewrite, which mentions </think>). */
function withGenerationPrompt(prompt: string): string {
  expect(qwen25).toContain(QWEN25_PROMPT);
  return `{%- set strip_reasoning = '</think>' %}${qwen25.replace(QWEN25_PROMPT, prompt)}`;
}

describe('reasoningParserFor', () => {
  it('Qwen3 templates (the model writes <think>; enable_thinking closes it in the prompt) → qwen3', () => {
    expect(reasoningParserFor(qwen3)).toBe('qwen3');
    expect(reasoningParserFor(qwen3Fixture)).toBe('qwen3');
  });

  it('templates that never mention thinking → no reasoning parser', () => {
    expect(reasoningParserFor(qwen25)).toBeUndefined();
    expect(reasoningParserFor(undefined)).toBeUndefined();
    expect(reasoningParserFor("{{ messages[0]['content'] }}")).toBeUndefined();
  });

  it('DeepSeek-R1-Distill-Qwen (its generation prompt opens <think>) → deepseek_r1', () => {
    const prompt = new ChatTemplate(deepseekR1Distill).render({ messages: [{ role: 'user', content: 'Hi' }], addGenerationPrompt: true, bosToken: '<｜begin▁of▁sentence｜>' });
    expect(prompt).toBe('<｜begin▁of▁sentence｜><｜User｜>Hi<｜Assistant｜><think>\n');
    expect(reasoningParserFor(deepseekR1Distill)).toBe('deepseek_r1');
  });

  it('the same template as first published (no <think> in the prompt) → qwen3, as it mentions </think>', () => {
    const original = deepseekR1Distill.replace("{{'<｜Assistant｜><think>\\n'}}", "{{'<｜Assistant｜>'}}");
    expect(original).not.toBe(deepseekR1Distill);
    expect(reasoningParserFor(original)).toBe('qwen3');
  });

  it('QwQ-32B (generation prompt `<|im_start|>assistant\\n<think>\\n`) → deepseek_r1', () => {
    expect(reasoningParserFor(withGenerationPrompt("{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n<think>\\n' }}\n{%- endif %}"))).toBe('deepseek_r1');
  });

  it('a prompt that opens <think> but closes it for enable_thinking: false (Qwen3.5 style) → qwen3', () => {
    const prompt = "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
      + "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- else %}{{- '<think>\\n' }}{%- endif %}{%- endif %}";
    expect(reasoningParserFor(withGenerationPrompt(prompt))).toBe('qwen3');
  });

  it('<think> outside the generation prompt does not count; a template that fails to render is judged by its source', () => {
    expect(reasoningParserFor("{% for m in messages %}<think>{{ m.content }}</think>{% endfor %}{% if add_generation_prompt %}A:{% endif %}")).toBe('qwen3');
    expect(reasoningParserFor("{{ raise_exception('no') }}<think>")).toBeUndefined();
    expect(reasoningParserFor("{{ raise_exception('no') }}</think>")).toBe('qwen3');
  });
});
