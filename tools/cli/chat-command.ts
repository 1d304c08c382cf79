/**
 * `chat`: one chat completion request (a JSON file holding the request body) against a model
 * folder; prints the `ChatCompletion` JSON, or with `--stream` one `ChatCompletionChunk` JSON per
 * line. A bad request prints the OpenAI-shaped error JSON and exits 1. --tool-call-parser,
 * --reasoning-parser and --chat-template <file> are vLLM's flags of the same names.
 */
import { readFileSync } from 'node:fs';
import { createEngine } from '../../src/api/create-engine.ts';
import type { ChatCompletionCreateParams } from '../../src/chat/chat-types.ts';
import type { LlmEngine } from '../../src/api/llm-engine.ts';
import { describeError } from '../../src/api/openai-fetch.ts';
import { LlmError } from '../../src/errors.ts';

export const chatOptions = {
  model: { type: 'string' },
  quantization: { type: 'string' },
  request: { type: 'string' },
  stream: { type: 'boolean', default: false },
  'tool-call-parser': { type: 'string' },
  'reasoning-parser': { type: 'string' },
  'chat-template': { type: 'string' },
} as const;

interface ChatArgs {
  model?: string | undefined;
  /** 'q4': quantize a float checkpoint to 4 bits at load. */
  quantization?: string | undefined;
  request?: string | undefined;
  stream?: boolean | undefined;
  'tool-call-parser'?: string | undefined;
  'reasoning-parser'?: string | undefined;
  'chat-template'?: string | undefined;
}

/** Resolves to the process exit code. */
export async function chatCommand(args: ChatArgs): Promise<number> {
  if (args.model === undefined) throw new LlmError('invalid_argument', '--model is required', 'model');
  if (args.request === undefined) throw new LlmError('invalid_argument', '--request <file.json> is required', 'request');
  let body: ChatCompletionCreateParams;
  try {
    body = JSON.parse(readFileSync(args.request, 'utf8')) as ChatCompletionCreateParams;
  } catch (error) {
    return printError(new LlmError('invalid_argument', `${args.request} is not a JSON request body: ${(error as Error).message}`, 'request'));
  }
  // loadModel refuses any value but 'q4' with a typed error.
  const chatTemplate = args['chat-template'] === undefined ? {} : { chatTemplate: readFileSync(args['chat-template'], 'utf8') };
  const engine = await createEngine({
    model: args.model, worker: false, quantization: args.quantization as 'q4' | undefined, ...chatTemplate,
    // createEngine refuses unknown parser names with a typed error, before the weights load.
    ...(args['tool-call-parser'] === undefined ? {} : { toolCallParser: args['tool-call-parser'] }),
    ...(args['reasoning-parser'] === undefined ? {} : { reasoningParser: args['reasoning-parser'] as 'qwen3' }),
  });
  try {
    await run(engine, args.stream === true ? { ...body, stream: true } : body);
    return 0;
  } catch (error) {
    return printError(error);
  } finally {
    await engine.dispose();
  }
}

async function run(engine: LlmEngine, body: ChatCompletionCreateParams): Promise<void> {
  if (body.stream !== true) {
    process.stdout.write(`${JSON.stringify(await engine.chat.completions.create(body))}\n`);
    return;
  }
  for await (const chunk of await engine.chat.completions.create(body)) process.stdout.write(`${JSON.stringify(chunk)}\n`);
}

function printError(error: unknown): number {
  const { status, error: body } = describeError(error);
  if (status >= 500) throw error; // not a request problem: the CLI's own error path reports it
  process.stdout.write(`${JSON.stringify({ error: body })}\n`);
  return 1;
}
