/**
 * `serve`: an OpenAI-compatible HTTP server on one model (src/server/openai-server.ts), with
 * vLLM's flags where it has them (--api-key or WEBGPU_LLM_API_KEY, --max-num-seqs,
 * --tool-call-parser, --reasoning-parser, --chat-template, --served-model-name). Prints one line
 * when it listens; SIGINT / SIGTERM drain in-flight requests for --shutdown-timeout seconds,
 * abort the rest, free the model and exit 0 (a second signal cuts the wait short).
 */
import { readFileSync } from 'node:fs';
import { createEngine } from '../../src/api/create-engine.ts';
import { LlmError } from '../../src/errors.ts';
import { startOpenAIServer } from '../../src/server/openai-server.ts';

export const serveOptions = {
  model: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8000' },
  'api-key': { type: 'string' },
  'cors-origin': { type: 'string' },
  'max-num-seqs': { type: 'string' },
  quantization: { type: 'string' },
  'tool-call-parser': { type: 'string' },
  'reasoning-parser': { type: 'string' },
  'chat-template': { type: 'string' },
  'served-model-name': { type: 'string' },
  'shutdown-timeout': { type: 'string', default: '10' },
} as const;

interface ServeArgs {
  model?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  'api-key'?: string | undefined;
  'cors-origin'?: string | undefined;
  'max-num-seqs'?: string | undefined;
  quantization?: string | undefined;
  'tool-call-parser'?: string | undefined;
  'reasoning-parser'?: string | undefined;
  'chat-template'?: string | undefined;
  'served-model-name'?: string | undefined;
  'shutdown-timeout'?: string | undefined;
}

function number(value: string | undefined, flag: string, { min, integer }: { min: number; integer: boolean }): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < min || (integer && !Number.isInteger(parsed))) {
    throw new LlmError('invalid_argument', `--${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${JSON.stringify(value)}`, flag);
  }
  return parsed;
}

/** Resolves once a signal has shut the server down and the engine is disposed. */
export async function serveCommand(args: ServeArgs): Promise<void> {
  if (args.model === undefined) throw new LlmError('invalid_argument', '--model is required', 'model');
  const port = number(args.port, 'port', { min: 0, integer: true }) ?? 8000;
  if (port > 65535) throw new LlmError('invalid_argument', `--port must be at most 65535, got ${port}`, 'port');
  const maxNumSeqs = number(args['max-num-seqs'], 'max-num-seqs', { min: 1, integer: true });
  const graceSeconds = number(args['shutdown-timeout'], 'shutdown-timeout', { min: 0, integer: false }) ?? 10;
  // vLLM reads VLLM_API_KEY the same way; the flag wins.
  const apiKey = args['api-key'] ?? (process.env['WEBGPU_LLM_API_KEY'] || undefined);
  const engine = await createEngine({
    model: args.model, worker: false, quantization: args.quantization as 'q4' | undefined,
    ...(maxNumSeqs === undefined ? {} : { maxNumSeqs }),
    ...(args['chat-template'] === undefined ? {} : { chatTemplate: readFileSync(args['chat-template'], 'utf8') }),
    ...(args['served-model-name'] === undefined ? {} : { modelId: args['served-model-name'] }),
    // createEngine refuses unknown parser names with a typed error, before the weights load.
    ...(args['tool-call-parser'] === undefined ? {} : { toolCallParser: args['tool-call-parser'] }),
    ...(args['reasoning-parser'] === undefined ? {} : { reasoningParser: args['reasoning-parser'] as 'qwen3' }),
  });
  try {
    const server = await startOpenAIServer(engine, {
      host: args.host ?? '127.0.0.1', port,
      ...(apiKey === undefined ? {} : { apiKey }),
      ...(args['cors-origin'] === undefined ? {} : { corsOrigin: args['cors-origin'] }),
    });
    const { data } = await engine.models.list();
    const software = engine.info.isSoftware ? ', software' : '';
    process.stdout.write(`serving ${data[0]?.id ?? args.model} at ${server.url}/v1 (adapter: ${engine.info.adapterName}${software}; key ${apiKey === undefined ? 'off' : 'on'})\n`);
    await new Promise<void>((resolve, reject) => {
      const onSignal = (signal: NodeJS.Signals) => {
        process.stderr.write(`${signal}: draining in-flight requests for up to ${graceSeconds} s\n`);
        server.close(graceSeconds * 1000).then(resolve, reject);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  } finally {
    await engine.dispose();
  }
}
