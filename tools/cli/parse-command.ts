/**
 * `parse`: runs the output parsers over a model's raw text from stdin and prints one JSON line
 * {"content","reasoning_content","tool_calls"}, as the chat layer would fill the message. With
 * --reasoning the Qwen3 `<think>` split comes first and tool calls are parsed from the content
 * part only; without it all the text is content. `tool_calls` is [] when there are none (the API
 * omits the field then; a fixed shape is easier to script against).
 */
import { parseToolCalls } from '../../src/api/hermes-tool-parser.ts';
import { parseReasoning } from '../../src/api/reasoning-parser.ts';

export const parseOptions = {
  reasoning: { type: 'boolean', default: false },
} as const;

interface ParseArgs {
  reasoning?: boolean | undefined;
}

export async function parseCommand(args: ParseArgs): Promise<void> {
  const text = await readStdin();
  const split = args.reasoning === true ? parseReasoning(text) : { reasoningContent: null, content: text };
  const { content, toolCalls } = split.content === null ? { content: null, toolCalls: [] } : parseToolCalls(split.content);
  process.stdout.write(`${JSON.stringify({ content, reasoning_content: split.reasoningContent, tool_calls: toolCalls })}\n`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
