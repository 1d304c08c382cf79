/**
 * `generate`: greedy generation for one prompt. With --json, one line
 * {"completion_ids","text","first_logits_top","adapter"}; otherwise the text as it streams.
 */
import { LlmError } from '../../src/errors.ts';
import { getDevice } from '../../src/gpu/device.ts';
import { generate } from '../../src/engine/generate.ts';
import { loadModel } from '../../src/model/load-model.ts';
import { IncrementalDecoder } from '../../src/text/incremental-decoder.ts';
import { requireTokenizer } from '../../src/text/tokenizer.ts';

export const generateOptions = {
  model: { type: 'string' },
  quantization: { type: 'string' },
  'prompt-ids': { type: 'string' },
  prompt: { type: 'string' },
  'max-tokens': { type: 'string', default: '16' },
  json: { type: 'boolean', default: false },
  'ignore-eos': { type: 'boolean', default: false },
} as const;

interface GenerateArgs {
  model?: string | undefined;
  /** 'q4': quantize a float checkpoint to 4 bits at load. */
  quantization?: string | undefined;
  'prompt-ids'?: string | undefined;
  prompt?: string | undefined;
  'max-tokens'?: string | undefined;
  json?: boolean | undefined;
  'ignore-eos'?: boolean | undefined;
}

export async function generateCommand(args: GenerateArgs): Promise<void> {
  if (args.model === undefined) throw new LlmError('invalid_argument', '--model is required', 'model');
  if ((args['prompt-ids'] === undefined) === (args.prompt === undefined)) {
    throw new LlmError('invalid_argument', 'give exactly one of --prompt-ids and --prompt', 'prompt');
  }
  const maxTokens = Number(args['max-tokens']);
  const gpu = await getDevice();
  // loadModel refuses any value but 'q4' with a typed error.
  const model = await loadModel(gpu, args.model, { quantization: args.quantization as 'q4' | undefined });
  try {
    const promptIds = args.prompt !== undefined
      ? requireTokenizer(model.tokenizer, model.location).encode(args.prompt)
      : parseIds(args['prompt-ids'] ?? '');
    // Streaming text needs a tokenizer; JSON output reports text as null without one.
    const decoder = args.json === true ? undefined : new IncrementalDecoder(requireTokenizer(model.tokenizer, model.location));
    const result = await generate(model, {
      promptIds,
      maxTokens,
      ignoreEos: args['ignore-eos'] === true,
      returnFirstLogits: args.json === true,
      onToken: (id) => {
        if (decoder !== undefined) process.stdout.write(decoder.push(id));
      },
    });
    if (args.json !== true) {
      process.stdout.write('\n');
      return;
    }
    const line = {
      completion_ids: result.completionIds,
      text: model.tokenizer?.decode(result.completionIds) ?? null,
      finish_reason: result.finishReason,
      first_logits_top: topLogits(result.firstLogits!, 20),
      adapter: gpu.adapterName,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } finally {
    model.dispose();
  }
}

function parseIds(text: string): number[] {
  const ids = text.split(',').map((part) => part.trim()).filter((part) => part !== '').map(Number);
  if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id < 0)) {
    throw new LlmError('invalid_argument', `--prompt-ids must be comma-separated token ids, got '${text}'`, 'prompt-ids');
  }
  return ids;
}

/** The k largest logits as [id, logit] pairs, by descending logit (ties: lower id first). */
export function topLogits(logits: Float32Array, k: number): [number, number][] {
  const ids = Array.from(logits.keys());
  ids.sort((a, b) => logits[b]! - logits[a]! || a - b);
  return ids.slice(0, k).map((id) => [id, logits[id]!]);
}
