/**
 * config.json → ModelConfig, validated once. Anything we cannot run exactly (an unknown
 * architecture, an unsupported rope scaling, Qwen's per-layer sliding window) is an error naming
 * the value, never a silent approximation.
 */
import { LlmError } from '../errors.ts';
import { parseQuantizationConfig, type Quantization } from './quantization-config.ts';

export type Architecture = 'Qwen2ForCausalLM' | 'Qwen3ForCausalLM' | 'LlamaForCausalLM' | 'MistralForCausalLM';

export type RopeScaling =
  | { readonly type: 'none' }
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

export interface ModelConfig {
  readonly architecture: Architecture;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling;
  readonly vocabSize: number;
  readonly tieWordEmbeddings: boolean;
  readonly maxPositionEmbeddings: number;
  /** Qwen2: always true; Llama/Qwen3: `attention_bias` (default false; true is refused, see below). */
  readonly qkvBias: boolean;
  /** Per-head RMSNorm on q and k before rope (Qwen3 only). */
  readonly qkNorm: boolean;
  /**
   * Mistral's `sliding_window`, in every layer: a query at position p attends to keys s with
   * p − W < s ≤ p (W keys, itself included). Undefined: full causal attention.
   */
  readonly slidingWindow: number | undefined;
  readonly torchDtype: string | undefined;
  readonly bosTokenId: number | undefined;
  /** `eos_token_id` may be a number or a list in config.json. */
  readonly eosTokenIds: readonly number[];
  /** `quantization_config`: the 4-bit scheme of the Linear weights; undefined when they are floats. */
  readonly quantization: Quantization | undefined;
}

const ARCHITECTURES: readonly Architecture[] = ['Qwen2ForCausalLM', 'Qwen3ForCausalLM', 'LlamaForCausalLM', 'MistralForCausalLM'];

/** transformers' MistralConfig default when config.json has no `sliding_window` key at all. */
const MISTRAL_DEFAULT_WINDOW = 4096;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads fields of one JSON object, throwing 'invalid_config' that names file and field. */
class FieldReader {
  constructor(
    private readonly json: Json,
    private readonly fileName: string,
    private readonly prefix = '',
  ) {}

  fail(field: string, why: string): never {
    const name = this.prefix + field;
    throw new LlmError('invalid_config', `${this.fileName}: field "${name}" ${why}`, name);
  }

  has(field: string): boolean {
    return this.json[field] !== undefined && this.json[field] !== null;
  }

  positiveInt(field: string, fallback?: number): number {
    const value = this.json[field] ?? fallback;
    if (value === undefined || value === null) this.fail(field, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      this.fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  positiveNumber(field: string, fallback?: number): number {
    const value = this.json[field] ?? fallback;
    if (value === undefined || value === null) this.fail(field, 'is required');
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      this.fail(field, `must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.json[field] ?? fallback;
    if (typeof value !== 'boolean') this.fail(field, `must be a boolean, got ${JSON.stringify(value)}`);
    return value;
  }

  optionalString(field: string): string | undefined {
    const value = this.json[field] ?? undefined;
    if (value !== undefined && typeof value !== 'string') this.fail(field, 'must be a string');
    return value;
  }

  optionalTokenId(field: string): number | undefined {
    const value = this.json[field] ?? undefined;
    if (value === undefined) return undefined;
    if (!isTokenId(value)) this.fail(field, `must be a token id, got ${JSON.stringify(value)}`);
    return value;
  }

  /** A token id or a list of them (HF writes either); absent → []. */
  tokenIdList(field: string): number[] {
    const value = this.json[field] ?? undefined;
    if (value === undefined) return [];
    const list: unknown[] = Array.isArray(value) ? value : [value];
    if (!list.every(isTokenId)) this.fail(field, `must be a token id or a list of them, got ${JSON.stringify(value)}`);
    return list;
  }
}

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Reads `eos_token_id` (number or list) from any HF json; shared with generation_config. */
export function readTokenIdList(json: Json, field: string, fileName: string): number[] {
  return new FieldReader(json, fileName).tokenIdList(field);
}

export function parseModelConfig(json: unknown, fileName = 'config.json'): ModelConfig {
  if (!isObject(json)) throw new LlmError('invalid_config', `${fileName}: not a JSON object`, fileName);
  const fields = new FieldReader(json, fileName);
  const architecture = parseArchitecture(json['architectures'], fields, fileName);

  const hiddenSize = fields.positiveInt('hidden_size');
  const numHeads = fields.positiveInt('num_attention_heads');
  // HF defaults num_key_value_heads to num_attention_heads (plain multi-head attention).
  const numKvHeads = fields.positiveInt('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    fields.fail('num_key_value_heads', `(${numKvHeads}) must divide num_attention_heads (${numHeads})`);
  }
  // Qwen3 sets head_dim explicitly and it may differ from hidden/heads.
  if (!fields.has('head_dim') && hiddenSize % numHeads !== 0) {
    fields.fail('head_dim', `is absent and hidden_size (${hiddenSize}) is not divisible by num_attention_heads (${numHeads})`);
  }
  const headDim = fields.has('head_dim') ? fields.positiveInt('head_dim') : hiddenSize / numHeads;
  if (headDim % 2 !== 0) fields.fail('head_dim', `must be even (rope rotates pairs; the f16 KV cache packs pairs), got ${headDim}`);

  const hiddenAct = fields.optionalString('hidden_act') ?? 'silu';
  if (hiddenAct !== 'silu') {
    throw new LlmError('unsupported_option', `${fileName}: hidden_act "${hiddenAct}" is not supported (only "silu")`, 'hidden_act');
  }
  // Qwen2/Qwen3 window only the layers from max_window_layers on (a per-layer choice we do not
  // model); Mistral windows every layer (slidingWindow below).
  if (json['use_sliding_window'] === true) {
    throw new LlmError('unsupported_option', `${fileName}: use_sliding_window=true is not supported`, 'use_sliding_window');
  }

  // HF gives o_proj a bias too when attention_bias is set (Llama/Qwen3), and mlp_bias adds
  // biases to gate/up/down; ModelConfig has no field for either, so refuse rather than drop them.
  if (architecture !== 'Qwen2ForCausalLM' && json['attention_bias'] === true) {
    throw new LlmError('unsupported_option', `${fileName}: attention_bias=true (o_proj bias) is not supported`, 'attention_bias');
  }
  if (json['mlp_bias'] === true) {
    throw new LlmError('unsupported_option', `${fileName}: mlp_bias=true is not supported`, 'mlp_bias');
  }

  // transformers ≥ 5 moves rope_theta and the scaling into `rope_parameters`.
  const ropeParameters = json['rope_parameters'];
  const ropeSource = isObject(ropeParameters) ? ropeParameters : json;
  const ropeFields = new FieldReader(ropeSource, fileName, ropeSource === json ? '' : 'rope_parameters.');
  const ropeTheta = ropeFields.positiveNumber('rope_theta', 10000);
  const ropeScaling = parseRopeScaling(ropeSource === json ? json['rope_scaling'] : ropeSource, fileName);

  return {
    architecture,
    hiddenSize,
    intermediateSize: fields.positiveInt('intermediate_size'),
    numLayers: fields.positiveInt('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: fields.positiveNumber('rms_norm_eps'),
    ropeTheta,
    ropeScaling,
    vocabSize: fields.positiveInt('vocab_size'),
    tieWordEmbeddings: fields.boolean('tie_word_embeddings', false),
    maxPositionEmbeddings: fields.positiveInt('max_position_embeddings'),
    qkvBias: architecture === 'Qwen2ForCausalLM' ? true : fields.boolean('attention_bias', false),
    qkNorm: architecture === 'Qwen3ForCausalLM',
    slidingWindow: architecture === 'MistralForCausalLM' ? parseSlidingWindow(json, fields) : undefined,
    torchDtype: fields.optionalString('torch_dtype') ?? fields.optionalString('dtype'),
    bosTokenId: fields.optionalTokenId('bos_token_id'),
    eosTokenIds: fields.tokenIdList('eos_token_id'),
    quantization: parseQuantizationConfig(json['quantization_config']),
  };
}

/**
 * Mistral's window: null means full attention, an absent key the class default (as
 * transformers reads it). Other architectures' `sliding_window` is inert unless
 * `use_sliding_window` (refused above), so it is not read for them.
 */
function parseSlidingWindow(json: Json, fields: FieldReader): number | undefined {
  if (!('sliding_window' in json)) return MISTRAL_DEFAULT_WINDOW;
  if (json['sliding_window'] === null) return undefined;
  return fields.positiveInt('sliding_window');
}

function parseArchitecture(value: unknown, fields: FieldReader, fileName: string): Architecture {
  if (!Array.isArray(value) || value.length === 0 || typeof value[0] !== 'string') {
    fields.fail('architectures', 'must be a non-empty list of names');
  }
  const name: string = value[0];
  const known = ARCHITECTURES.find((candidate) => candidate === name);
  if (known === undefined) {
    throw new LlmError(
      'unsupported_architecture',
      `${fileName}: architecture "${name}" is not supported (supported: ${ARCHITECTURES.join(', ')})`,
      name,
    );
  }
  return known;
}

function parseRopeScaling(value: unknown, fileName: string): RopeScaling {
  if (value === undefined || value === null) return { type: 'none' };
  if (!isObject(value)) {
    throw new LlmError('invalid_config', `${fileName}: field "rope_scaling" must be an object or null`, 'rope_scaling');
  }
  const fields = new FieldReader(value, fileName, 'rope_scaling.');
  const kind = value['rope_type'] ?? value['type'] ?? 'default';
  switch (kind) {
    case 'default':
    case 'none':
      return { type: 'none' };
    case 'linear':
      return { type: 'linear', factor: fields.positiveNumber('factor') };
    case 'llama3':
      return {
        type: 'llama3',
        factor: fields.positiveNumber('factor'),
        lowFreqFactor: fields.positiveNumber('low_freq_factor'),
        highFreqFactor: fields.positiveNumber('high_freq_factor'),
        originalMaxPositionEmbeddings: fields.positiveInt('original_max_position_embeddings'),
      };
    default:
      throw new LlmError(
        'unsupported_option',
        `${fileName}: rope_scaling type ${JSON.stringify(kind)} is not supported (supported: none, linear, llama3)`,
        String(kind),
      );
  }
}

/**
 * Rope inverse frequencies f_i, i in [0, headDim/2), after scaling. Each step is rounded to
 * f32 the way PyTorch's float32 tensor ops do (scalars cast to f32, `s / t` = reciprocal(t)·s),
 * so the angles match transformers bit for bit in the common case.
 */
export function ropeInverseFrequencies(config: ModelConfig): Float32Array {
  const f32 = Math.fround;
  const dim = config.headDim;
  const theta = f32(config.ropeTheta);
  const half = dim / 2;
  const result = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const exponent = f32((2 * i) / dim); // arange(0, d, 2).float() / d
    const inverse = f32(1 / f32(Math.pow(theta, exponent)));
    result[i] = scaleFrequency(inverse, config.ropeScaling);
  }
  return result;
}

function scaleFrequency(frequency: number, scaling: RopeScaling): number {
  const f32 = Math.fround;
  switch (scaling.type) {
    case 'none':
      return frequency;
    case 'linear':
      return f32(frequency / f32(scaling.factor));
    case 'llama3': {
      const { factor, lowFreqFactor: low, highFreqFactor: high, originalMaxPositionEmbeddings: context } = scaling;
      const wavelength = f32(f32(1 / frequency) * f32(2 * Math.PI));
      if (wavelength < f32(context / high)) return frequency; // high frequencies: unchanged
      if (wavelength > f32(context / low)) return f32(frequency / f32(factor)); // low: divided
      const smooth = f32(f32(f32(f32(1 / wavelength) * f32(context)) - f32(low)) / f32(high - low));
      const scaled = f32(f32(f32(1 - smooth) * frequency) / f32(factor));
      return f32(scaled + f32(smooth * frequency));
    }
  }
}
