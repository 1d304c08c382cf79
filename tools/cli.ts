/**
 * Command-line entry (Node, Dawn): `npm run --silent cli -- <command> [options]`.
 * Errors print as JSON on stderr with exit code 1, so scripts can read them.
 */
import { parseArgs } from 'node:util';
import { isLlmError } from '../src/errors.ts';
import { batchCommand, batchOptions } from './cli/batch-command.ts';
import { chatCommand, chatOptions } from './cli/chat-command.ts';
import { generateCommand, generateOptions } from './cli/generate-command.ts';
import { parseCommand, parseOptions } from './cli/parse-command.ts';
import { serveCommand, serveOptions } from './cli/serve-command.ts';

const usage = `usage: npm run --silent cli -- <command> …
  generate --model <dir-or-url> (--prompt-ids 1,2,3 | --prompt "text") --max-tokens N [--json] [--ignore-eos] [--quantization q4]
  batch --model <dir-or-url> --requests <file.jsonl> [--max-num-seqs N] [--max-batched-tokens N] [--kv-blocks N] [--no-prefix-cache] [--json]
  chat --model <dir-or-url> --request <file.json> [--stream] [--quantization q4] [--tool-call-parser NAME] [--reasoning-parser NAME] [--chat-template FILE]
  serve --model <dir|url|hub-id> [--host 127.0.0.1] [--port 8000] [--api-key K] [--cors-origin O] [--max-num-seqs N] [--quantization q4] [--tool-call-parser NAME] [--reasoning-parser NAME] [--chat-template FILE] [--served-model-name NAME] [--shutdown-timeout S]
  parse [--tool-parser hermes|llama3_json|pythonic|mistral] [--reasoning-parser qwen3|deepseek_r1] [--reasoning (= qwen3)] [--no-thinking] < model-output.txt`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'generate':
      await generateCommand(parseArgs({ args: rest, options: generateOptions, strict: true }).values);
      return;
    case 'chat':
      process.exitCode = await chatCommand(parseArgs({ args: rest, options: chatOptions, strict: true }).values);
      return;
    case 'batch':
      await batchCommand(parseArgs({ args: rest, options: batchOptions, strict: true }).values);
      return;
    case 'serve':
      await serveCommand(parseArgs({ args: rest, options: serveOptions, strict: true }).values);
      return;
    case 'parse':
      await parseCommand(parseArgs({ args: rest, options: parseOptions, strict: true }).values);
      return;
    default:
      throw new UsageError(command === undefined ? 'no command given' : `unknown command '${command}'`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (isLlmError(error)) {
      process.stderr.write(`${JSON.stringify({ error: { code: error.code, message: error.message, subject: error.subject ?? null } })}\n`);
    } else if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`${error.message}\n${usage}\n`);
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    process.exit(1);
  },
);
