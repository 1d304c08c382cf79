/**
 * From checked messages to prompt token ids, with vLLM's prompt-building fields: the generation
 * prompt on or off, continuing the final message (a prefill the reply carries on from),
 * `documents` and a per-request `chat_template`, special tokens added on top of the template's,
 * and keeping only the last `truncate_prompt_tokens`. Text from the request that spells a
 * control token is tokenized as text unless the engine was made with `contentControlTokens:
 * 'raw'` (content-placeholders.ts). Also how many tokens may follow the prompt, and the context
 * errors when they do not fit.
 */
import { LlmError } from '../errors.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import { joinText, reasoningInContent, type ChatCompletionFunctionTool, type ChatTemplate } from './chat-template.ts';
import type { ChatCompletionMessageParam } from './chat-types.ts';
import { ContentPlaceholders } from './content-placeholders.ts';
import { invalidParam, isBoolean, isInteger, isRecord, isString, optional } from './param-checks.ts';

type Params = Record<string, unknown>;

/**
 * How added tokens spelled in chat content are tokenized: 'text' (the default) as the text they
 * are; 'raw' as the tokens, as vLLM and transformers do, for callers that write control tokens
 * into content on purpose. Raw completions prompts (/v1/completions) are always raw.
 */
export type ContentControlTokens = 'text' | 'raw';
export const contentControlTokenModes: readonly ContentControlTokens[] = ['text', 'raw'];

export interface PromptOptions {
  /** Undefined: on, unless the final message is continued. */
  readonly addGenerationPrompt: boolean | undefined;
  readonly continueFinalMessage: boolean;
  /** Start the reply with the last message's text (vLLM's chat `echo`). */
  readonly echo: boolean;
  readonly addSpecialTokens: boolean;
  /** Keep only the prompt's last this-many tokens; -1: the model's context length. */
  readonly truncatePromptTokens: number | undefined;
  readonly documents: readonly Readonly<Record<string, string>>[] | undefined;
  /** A Jinja chat template replacing the model's for this request. */
  readonly chatTemplate: string | undefined;
}

const isDocuments = (value: unknown): value is Record<string, string>[] =>
  Array.isArray(value) && value.every((doc) => isRecord(doc) && Object.values(doc).every(isString));

export function parsePromptOptions(params: Params): PromptOptions {
  const addGenerationPrompt = optional(params, 'add_generation_prompt', isBoolean, 'a boolean');
  const continueFinalMessage = optional(params, 'continue_final_message', isBoolean, 'a boolean') ?? false;
  // vLLM's rule: a continued message is not followed by a new assistant turn.
  if (continueFinalMessage && addGenerationPrompt === true) throw invalidParam('continue_final_message', 'cannot be combined with add_generation_prompt: true');
  const truncatePromptTokens = optional(params, 'truncate_prompt_tokens', isInteger, 'an integer');
  if (truncatePromptTokens !== undefined && truncatePromptTokens < 1 && truncatePromptTokens !== -1) {
    throw invalidParam('truncate_prompt_tokens', `must be at least 1, or -1 for the context length, got ${truncatePromptTokens}`);
  }
  return {
    addGenerationPrompt,
    continueFinalMessage,
    echo: optional(params, 'echo', isBoolean, 'a boolean') ?? false,
    addSpecialTokens: optional(params, 'add_special_tokens', isBoolean, 'a boolean') ?? false,
    truncatePromptTokens,
    documents: optional(params, 'documents', isDocuments, 'an array of objects with string values'),
    chatTemplate: optional(params, 'chat_template', isString, 'a string'),
  };
}

export interface PromptInput {
  readonly template: ChatTemplate;
  readonly tokenizer: TextTokenizer;
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly tools: readonly ChatCompletionFunctionTool[] | undefined;
  readonly chatTemplateKwargs: Readonly<Record<string, unknown>>;
  readonly options: PromptOptions;
  readonly maxModelLen: number;
  /** Default 'text'. */
  readonly contentControlTokens?: ContentControlTokens | undefined;
}

export interface Prompt {
  readonly promptIds: number[];
  /** The text the reply starts with (echo); '' when none. */
  readonly echoText: string;
}

export function buildPrompt(input: PromptInput): Prompt {
  const { options, tokenizer, messages } = input;
  const addGenerationPrompt = options.addGenerationPrompt ?? !options.continueFinalMessage;
  const placeholders = input.contentControlTokens === 'raw' ? undefined : new ContentPlaceholders(tokenizer, input.template.readsReasoning);
  let text = input.template.render({
    messages,
    tools: input.tools,
    addGenerationPrompt,
    chatTemplateKwargs: input.chatTemplateKwargs,
    bosToken: tokenizer.bosToken,
    eosToken: tokenizer.eosToken,
    documents: options.documents,
    protectText: placeholders === undefined ? undefined : (value, reasoningInside) => placeholders.protect(value, reasoningInside),
  });
  const last = messages[messages.length - 1]!;
  const lastText = joinText((last as { content?: unknown }).content);
  // Found in the rendered text as the template saw it, placeholders and all.
  if (options.continueFinalMessage) text = openFinalMessage(text, placeholders?.protect(lastText, reasoningInContent(last)) ?? lastText);
  const { text: promptText, plainSpans } = placeholders?.resolve(text) ?? { text, plainSpans: [] };
  const encoded = tokenizer.encode(promptText, { addSpecialTokens: options.addSpecialTokens, plainSpans });
  const keep = options.truncatePromptTokens === -1 ? input.maxModelLen : options.truncatePromptTokens;
  const promptIds = keep === undefined || encoded.length <= keep ? encoded : encoded.slice(encoded.length - keep);
  // vLLM echoes the last message when the reply has its role: assistant, or any without a generation prompt.
  const echoes = options.echo && (!addGenerationPrompt || last.role === 'assistant');
  return { promptIds, echoText: echoes ? lastText : '' };
}

/** The rendered chat cut just after the final message's text, as transformers' continue_final_message does. */
function openFinalMessage(rendered: string, finalText: string): string {
  const trimmed = finalText.trim();
  if (trimmed === '') throw invalidParam('continue_final_message', 'the final message has no text to continue');
  const at = rendered.lastIndexOf(trimmed);
  if (at < 0) throw invalidParam('continue_final_message', 'the chat template does not render the final message as written, so it cannot be continued');
  const withLeading = finalText.trimStart();
  // The template kept the message's trailing spacing: cut after it; otherwise after the trimmed text.
  return rendered.slice(0, at + (rendered.startsWith(finalText, at) ? withLeading.length : trimmed.length));
}

/** What the context and the KV pool leave for the completion after a prompt. */
export interface ContextLimits {
  readonly maxModelLen: number;
  /** Tokens the KV pool holds. */
  readonly poolTokens: number;
}

/**
 * The completion's token budget: `requested`, or what fits when undefined. A prompt that leaves no
 * room is `context_length_exceeded` naming `promptField` (OpenAI's `messages`); a prompt that
 * fits with too many tokens requested names the max-tokens field, the fix then, as vLLM does. The
 * message says the numbers and both fields.
 */
export function completionBudget(limits: ContextLimits, promptLength: number, requested: number | undefined, fields: { prompt: string; maxTokens: string }): number {
  const limit = Math.min(limits.maxModelLen, limits.poolTokens);
  const what = limits.poolTokens < limits.maxModelLen ? `the KV cache holds ${limits.poolTokens} tokens` : `this model's maximum context length is ${limits.maxModelLen} tokens`;
  if (promptLength >= limit) {
    throw new LlmError('context_length_exceeded', `${fields.prompt}: ${what}, and the ${fields.prompt} take ${promptLength}, which leaves no room for a reply; shorten the ${fields.prompt}`, fields.prompt);
  }
  if (requested !== undefined && promptLength + requested > limit) {
    throw new LlmError(
      'context_length_exceeded',
      `${fields.maxTokens}: ${what}, but ${promptLength + requested} were requested (${promptLength} in the ${fields.prompt}, ${requested} in the completion); lower ${fields.maxTokens} or shorten the ${fields.prompt}`,
      fields.maxTokens,
    );
  }
  return requested ?? limit - promptLength;
}
