/**
 * `parse`: runs the output parsers over a model's raw text from stdin and prints one JSON line
 * {"content","reasoning_content","tool_calls"}, as the chat layer would fill the message.
 * --tool-parser hermes|llama3_json|pythonic|mistral picks the tool-call parser (default hermes). With
 * --reasoning-parser qwen3|deepseek_r1 (--reasoning is short for qwen3) that parser's reasoning
 * split comes first and tool calls are parsed from the content part only; --no-thinking is
 * `chat_template_kwargs.enable_thinking: false` (qwen3 then takes output without `</think>` as
 * content). Without a parser all the text is content. `tool_calls` is [] when there are none (the
 * API omits the field then; a fixed shape is easier to script against).
 */
import { LlmError } from '../../src/errors.ts';
import { toolCallParserFactory, toolCallParserNames } from '../../src/chat/tool-parser-registry.ts';
import { parseReasoning, reasoningParserNames, type ReasoningParserName, type ReasoningSplit } from '../../src/chat/reasoning-parser.ts';

export const parseOptions = {
  'tool-parser': { type: 'string', default: 'hermes' },
  'reasoning-parser': { type: 'string' },
  reasoning: { type: 'boolean', default: false },
  'no-thinking': { type: 'boolean', default: false },
} as const;

interface ParseArgs {
  'tool-parser'?: string | undefined;
  'reasoning-parser'?: string | undefined;
  reasoning?: boolean | undefined;
  'no-thinking'?: boolean | undefined;
}

export async function parseCommand(args: ParseArgs): Promise<void> {
  const parser = reasoningParser(args);
  const toolParser = toolCallParser(args['tool-parser'] ?? 'hermes');
  const text = await readStdin();
  const split: ReasoningSplit = parser === undefined
    ? { reasoningContent: null, content: text }
    : parseReasoning(text, { parser, thinkingEnabled: args['no-thinking'] !== true });
  const { content, toolCalls } = split.content === null ? { content: null, toolCalls: [] } : toolParser.parse(split.content);
  process.stdout.write(`${JSON.stringify({ content, reasoning_content: split.reasoningContent, tool_calls: toolCalls })}\n`);
}

function toolCallParser(name: string) {
  if (!toolCallParserNames().includes(name)) {
    throw new LlmError('invalid_argument', `--tool-parser must be one of ${toolCallParserNames().join(', ')}, not '${name}'`, 'tool-parser');
  }
  return toolCallParserFactory(name)({ tools: [] });
}

function reasoningParser(args: ParseArgs): ReasoningParserName | undefined {
  const named = args['reasoning-parser'];
  if (named === undefined) return args.reasoning === true ? 'qwen3' : undefined;
  const parser = reasoningParserNames.find((name) => name === named);
  if (parser === undefined) {
    throw new LlmError('invalid_argument', `--reasoning-parser must be one of ${reasoningParserNames.join(', ')}, not '${named}'`, 'reasoning-parser');
  }
  if (args.reasoning === true && parser !== 'qwen3') throw new LlmError('invalid_argument', `--reasoning means --reasoning-parser qwen3, not ${parser}`, 'reasoning');
  return parser;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
