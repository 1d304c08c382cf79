/**
 * Which reasoning parser a model's output needs, read from its chat template (vLLM makes the user
 * pick with --reasoning-parser; here the template tells):
 * - the generation prompt itself opens `<think>` and enable_thinking cannot close it
 *   (DeepSeek-R1-Distill-Qwen and QwQ end it with `<think>\n`): `deepseek_r1`;
 * - otherwise a template that mentions `</think>` (Qwen3, which strips past reasoning out of the
 *   history, and templates whose prompt opens `<think>` but honour enable_thinking): `qwen3`;
 * - neither: the model does not reason, and its output is all content.
 * The generation prompt is found by rendering one user turn with and without it, so the answer
 * comes from what the template produces, not from guessing at its source.
 */
import { ChatTemplate } from './chat-template.ts';
import { THINK_END, THINK_START, type ReasoningParserName } from './reasoning-layout.ts';

export function reasoningParserFor(chatTemplateSource: string | undefined): ReasoningParserName | undefined {
  if (chatTemplateSource === undefined) return undefined;
  if (opensThink(chatTemplateSource, {}) && opensThink(chatTemplateSource, { enable_thinking: false })) return 'deepseek_r1';
  return chatTemplateSource.includes(THINK_END) ? 'qwen3' : undefined;
}

/** Whether the generation prompt leaves a `<think>` open. A template that fails to render is judged by its source alone. */
function opensThink(source: string, chatTemplateKwargs: Record<string, unknown>): boolean {
  try {
    const template = new ChatTemplate(source);
    const input = { messages: [{ role: 'user' as const, content: 'Hi' }], chatTemplateKwargs };
    const without = template.render({ ...input, addGenerationPrompt: false });
    const withPrompt = template.render({ ...input, addGenerationPrompt: true });
    const prompt = withPrompt.startsWith(without) ? withPrompt.slice(without.length) : withPrompt;
    return prompt.lastIndexOf(THINK_START) > prompt.lastIndexOf(THINK_END);
  } catch {
    return false;
  }
}
