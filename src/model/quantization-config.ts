/**
 * config.json's `quantization_config` → the 4-bit scheme its weights are stored in, for the two
 * formats the Hub publishes most (model-math.md, "4-bit checkpoints"):
 *   AWQ  {"quant_method": "awq", "bits": 4, "group_size": G, "zero_point": true, "version": "gemm"}
 *   GPTQ {"quant_method": "gptq", "bits": 4, "group_size": G | -1, "desc_act": …, "sym": …,
 *         "checkpoint_format": "gptq" (or absent)}
 * Anything else (other bit widths, AWQ gemv, gptq_v2 zeros, marlin- or exllama-only packings,
 * modules left unquantized by name, a quantized lm_head) would load wrong or not at all, so it is
 * an `invalid_config` / `unsupported_option` error naming the field.
 */
import { LlmError } from '../errors.ts';

export type Quantization =
  | { readonly method: 'awq'; readonly bits: 4; readonly groupSize: number }
  | {
      readonly method: 'gptq';
      readonly bits: 4;
      /** undefined: one group over all input channels (group_size -1). */
      readonly groupSize: number | undefined;
      /** Act-order: each input channel's group comes from g_idx, never k / G. */
      readonly descAct: boolean;
      readonly sym: boolean;
    };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function refuse(field: string, why: string, code: 'invalid_config' | 'unsupported_option' = 'unsupported_option'): never {
  const name = `quantization_config.${field}`;
  throw new LlmError(code, `config.json: ${name} ${why}`, name);
}

const show = (value: unknown) => JSON.stringify(value);

/** `quantization_config` of config.json (absent or null: not quantized). */
export function parseQuantizationConfig(value: unknown): Quantization | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) refuse('', `must be an object, got ${show(value)}`, 'invalid_config');
  const method = value['quant_method'];
  if (value['bits'] !== 4) refuse('bits', `${show(value['bits'])} is not supported: only 4-bit weights load`);
  const unconverted = value['modules_to_not_convert'];
  if (unconverted !== undefined && unconverted !== null && !(Array.isArray(unconverted) && unconverted.length === 0)) {
    refuse('modules_to_not_convert', `${show(unconverted)} is not supported: every linear layer must be quantized alike`);
  }
  if (method === 'awq') return parseAwq(value);
  if (method === 'gptq') return parseGptq(value);
  return refuse('quant_method', `${show(method)} is not supported (supported: "awq", "gptq")`);
}

function groupSize(value: Json, allowWhole: boolean): number | undefined {
  const size = value['group_size'];
  if (allowWhole && size === -1) return undefined;
  if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0 || size % 8 !== 0) {
    refuse('group_size', `must be a positive multiple of 8${allowWhole ? ' or -1' : ''}, got ${show(size)}`, 'invalid_config');
  }
  return size;
}

function parseAwq(value: Json): Quantization {
  const version = value['version'];
  if (typeof version !== 'string' || version.toLowerCase() !== 'gemm') {
    refuse('version', `${show(version)} is not supported: only AWQ "gemm" packing loads`);
  }
  if (value['zero_point'] !== true) refuse('zero_point', `${show(value['zero_point'])} is not supported: AWQ "gemm" weights carry zero points`);
  return { method: 'awq', bits: 4, groupSize: groupSize(value, false)! };
}

function parseGptq(value: Json): Quantization {
  const format = value['checkpoint_format'];
  if (format !== undefined && format !== null && format !== 'gptq') {
    refuse('checkpoint_format', `${show(format)} is not supported: only the "gptq" (v1) packing loads`);
  }
  for (const field of ['is_marlin_format', 'lm_head']) {
    if (value[field] === true) refuse(field, 'true is not supported');
  }
  const flag = (field: string, fallback: boolean): boolean => {
    const flagValue = value[field] ?? fallback;
    if (typeof flagValue !== 'boolean') refuse(field, `must be a boolean, got ${show(flagValue)}`, 'invalid_config');
    return flagValue;
  };
  return { method: 'gptq', bits: 4, groupSize: groupSize(value, true), descAct: flag('desc_act', false), sym: flag('sym', true) };
}
