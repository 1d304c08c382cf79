/**
 * The kinds of corrupted model folder the model-file abuse suite loads (test/gpu/abuse-model-files
 * .test.ts): each a fixture, the damage done to a copy of it, and the typed error its load must
 * give — the code, the subject (file, field or tensor: OpenAI's `param`) and the file the message
 * names.
 */
import { appendFile, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorCode } from '../../src/errors.ts';
import { editHeader, editJson, newTensor, plant, rewriteTensors, type FixtureName, type Header, type Json, type RawTensor } from './model-folder-edits.ts';

export interface Kind {
  readonly name: string;
  readonly fixture: FixtureName;
  readonly corrupt: (folder: string) => Promise<void>;
  readonly code: ErrorCode;
  /** LlmError.subject (OpenAI `param`): the file, field or tensor at fault. */
  readonly subject: string | RegExp;
  /** The file the message must name. */
  readonly file: string;
  readonly message?: string | RegExp;
}

export const SINGLE = 'model.safetensors';
const SHARD_1 = 'model-00001-of-00002.safetensors';
const SHARD_2 = 'model-00002-of-00002.safetensors';
const INDEX = 'model.safetensors.index.json';

// Corruptions, as functions of the copied folder.
const json = (file: string, edit: (value: Json) => void) => (folder: string) => editJson(folder, file, edit);
const config = (edit: (value: Json) => void) => json('config.json', edit);
const text = (file: string, content: string) => (folder: string) => writeFile(join(folder, file), content);
const remove = (file: string) => (folder: string) => unlink(join(folder, file));
const header = (edit: (value: Header) => void, file = SINGLE) => (folder: string) => editHeader(folder, file, edit);
const tensors = (edit: (value: Map<string, RawTensor>) => void, file = SINGLE) => (folder: string) => rewriteTensors(folder, file, edit);
const planted = (name: string, index: number, value: number, file = SINGLE) => tensors((all) => plant(all.get(name)!, index, value), file);
const quantization = (edit: (value: Json) => void) => config((value) => edit(value['quantization_config'] as Json));
/** Rewrites the file's first 8 bytes (the header length). */
const headerLength = (length: (size: number) => bigint) => async (folder: string) => {
  const path = join(folder, SINGLE);
  const bytes = new Uint8Array(await readFile(path));
  new DataView(bytes.buffer, bytes.byteOffset, 8).setBigUint64(0, length(bytes.byteLength), true);
  await writeFile(path, bytes);
};
/** A safetensors file whose header is `headerText` (padded), with no data. */
const rawHeader = (headerText: string) => async (folder: string) => {
  const body = new TextEncoder().encode(headerText.padEnd(Math.ceil(headerText.length / 8) * 8, ' '));
  const bytes = new Uint8Array(8 + body.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  bytes.set(body, 8);
  await writeFile(join(folder, SINGLE), bytes);
};
const tokenizerModel = (edit: (model: Json, file: Json) => void) => json('tokenizer.json', (file) => edit(file['model'] as Json, file));
export const tokenizerConfig = (edit: (value: Json) => void) => json('tokenizer_config.json', edit);
const generation = (edit: (value: Json) => void) => json('generation_config.json', edit);

const L0 = 'model.layers.0';
const L1 = 'model.layers.1';
const bf16 = (name: string, code: ErrorCode, subject: string | RegExp, corrupt: Kind['corrupt'], file: string, message?: string | RegExp): Kind =>
  ({ name, fixture: 'qwen2-bf16', corrupt, code, subject, file, ...(message === undefined ? {} : { message }) });
const on = (fixture: FixtureName) => (name: string, code: ErrorCode, subject: string | RegExp, corrupt: Kind['corrupt'], file: string, message?: string | RegExp): Kind =>
  ({ ...bf16(name, code, subject, corrupt, file, message), fixture });
const f32 = on('qwen3-f32');
const sharded = on('llama-f16-sharded');
const awq = on('qwen2-awq');
const gptq = on('qwen2-gptq-act-order');

export const kinds: Kind[] = [
  // Files missing, empty, cut short, not JSON.
  bf16('config.json missing', 'missing_file', 'config.json', remove('config.json'), 'config.json'),
  bf16('config.json empty', 'invalid_config', 'config.json', text('config.json', ''), 'config.json', /not valid JSON/),
  bf16('config.json cut mid-object', 'invalid_config', 'config.json', text('config.json', '{"architectures": ["Qwen2ForCausalLM"], "hidden_'), 'config.json'),
  bf16('config.json a JSON list', 'invalid_config', 'config.json', text('config.json', '[1, 2]'), 'config.json', /not a JSON object/),
  bf16('config.json binary garbage', 'invalid_config', 'config.json', text('config.json', '\u0000\u0001PK\u0003\u0004'), 'config.json'),
  bf16('generation_config.json not JSON', 'invalid_config', 'generation_config.json', text('generation_config.json', 'temperature = 0.7'), 'generation_config.json'),
  bf16('generation_config.json a string', 'invalid_config', 'generation_config.json', text('generation_config.json', '"greedy"'), 'generation_config.json'),
  bf16('tokenizer.json cut short', 'invalid_config', 'tokenizer.json', async (folder) => truncate(join(folder, 'tokenizer.json'), 5000), 'tokenizer.json'),
  bf16('tokenizer.json a JSON list', 'invalid_config', 'tokenizer.json', text('tokenizer.json', '[]'), 'tokenizer.json'),
  bf16('tokenizer_config.json not JSON', 'invalid_config', 'tokenizer_config.json', text('tokenizer_config.json', '{chat_template: x}'), 'tokenizer_config.json'),
  bf16('tokenizer_config.json a number', 'invalid_config', 'tokenizer_config.json', text('tokenizer_config.json', '42'), 'tokenizer_config.json'),
  bf16('model.safetensors missing', 'missing_file', SINGLE, remove(SINGLE), SINGLE),
  bf16('model.safetensors empty', 'truncated_file', SINGLE, text(SINGLE, ''), SINGLE),
  bf16('model.safetensors of 3 bytes', 'truncated_file', SINGLE, text(SINGLE, 'abc'), SINGLE, /8-byte header length/),
  sharded('a shard missing', 'missing_file', SHARD_2, remove(SHARD_2), SHARD_2),
  sharded('the index not JSON', 'invalid_config', INDEX, text(INDEX, '{"weight_map": '), INDEX),
  sharded('the index weight_map a list', 'invalid_safetensors', INDEX, json(INDEX, (index) => (index['weight_map'] = [])), INDEX),
  sharded('the index naming a shard that does not exist', 'missing_file', 'model-00003-of-00003.safetensors',
    json(INDEX, (index) => ((index['weight_map'] as Json)['model.norm.weight'] = 'model-00003-of-00003.safetensors')), 'model-00003-of-00003.safetensors'),
  sharded('the index walking out of the folder', 'invalid_safetensors', 'model.norm.weight',
    json(INDEX, (index) => ((index['weight_map'] as Json)['model.norm.weight'] = '../model.safetensors')), INDEX),
  sharded('the index placing a tensor in the wrong shard', 'missing_tensor', 'model.norm.weight',
    json(INDEX, (index) => ((index['weight_map'] as Json)['model.norm.weight'] = SHARD_1)), SHARD_1),

  // config.json fields.
  bf16('architectures missing', 'invalid_config', 'architectures', config((c) => delete c['architectures']), 'config.json'),
  bf16('architectures a string', 'invalid_config', 'architectures', config((c) => (c['architectures'] = 'Qwen2ForCausalLM')), 'config.json'),
  bf16('architectures unknown', 'unsupported_architecture', 'GPT2LMHeadModel', config((c) => (c['architectures'] = ['GPT2LMHeadModel'])), 'config.json'),
  bf16('hidden_size a string', 'invalid_config', 'hidden_size', config((c) => (c['hidden_size'] = '64')), 'config.json'),
  bf16('hidden_size negative', 'invalid_config', 'hidden_size', config((c) => (c['hidden_size'] = -64)), 'config.json'),
  bf16('hidden_size zero', 'invalid_config', 'hidden_size', config((c) => (c['hidden_size'] = 0)), 'config.json'),
  bf16('hidden_size missing', 'invalid_config', 'hidden_size', config((c) => delete c['hidden_size']), 'config.json', /required/),
  bf16('hidden_size fractional', 'invalid_config', 'hidden_size', config((c) => (c['hidden_size'] = 64.5)), 'config.json'),
  bf16('hidden_size not divisible by the heads', 'invalid_config', 'head_dim', config((c) => (c['hidden_size'] = 66)), 'config.json', /not divisible/),
  bf16('hidden_size a different width', 'tensor_shape_mismatch', 'model.embed_tokens.weight', config((c) => (c['hidden_size'] = 128)), SINGLE),
  bf16('num_attention_heads zero', 'invalid_config', 'num_attention_heads', config((c) => (c['num_attention_heads'] = 0)), 'config.json'),
  bf16('num_attention_heads null', 'invalid_config', 'num_attention_heads', config((c) => (c['num_attention_heads'] = null)), 'config.json'),
  bf16('num_key_value_heads not dividing the heads', 'invalid_config', 'num_key_value_heads', config((c) => (c['num_key_value_heads'] = 3)), 'config.json'),
  bf16('num_key_value_heads above the heads', 'invalid_config', 'num_key_value_heads', config((c) => (c['num_key_value_heads'] = 8)), 'config.json'),
  bf16('num_key_value_heads of another model', 'tensor_shape_mismatch', `${L0}.self_attn.k_proj.weight`, config((c) => (c['num_key_value_heads'] = 4)), SINGLE),
  bf16('num_hidden_layers missing', 'invalid_config', 'num_hidden_layers', config((c) => delete c['num_hidden_layers']), 'config.json'),
  bf16('num_hidden_layers negative', 'invalid_config', 'num_hidden_layers', config((c) => (c['num_hidden_layers'] = -2)), 'config.json'),
  bf16('num_hidden_layers below the checkpoint\'s', 'unexpected_tensor', /^model\.layers\.1\./, config((c) => (c['num_hidden_layers'] = 1)), SINGLE, /beyond num_hidden_layers 1/),
  sharded('num_hidden_layers 2 over a 3-layer checkpoint', 'unexpected_tensor', /^model\.layers\.2\./, config((c) => (c['num_hidden_layers'] = 2)), SHARD_2),
  bf16('num_hidden_layers above the checkpoint\'s', 'missing_tensor', 'model.layers.2.input_layernorm.weight', config((c) => (c['num_hidden_layers'] = 4)), SINGLE),
  bf16('intermediate_size zero', 'invalid_config', 'intermediate_size', config((c) => (c['intermediate_size'] = 0)), 'config.json'),
  bf16('intermediate_size of another model', 'tensor_shape_mismatch', `${L0}.mlp.gate_proj.weight`, config((c) => (c['intermediate_size'] = 161)), SINGLE),
  bf16('vocab_size a string', 'invalid_config', 'vocab_size', config((c) => (c['vocab_size'] = '704')), 'config.json'),
  bf16('vocab_size above the embedding', 'tensor_shape_mismatch', 'model.embed_tokens.weight', config((c) => (c['vocab_size'] = 705)), SINGLE),
  bf16('vocab_size below the tokenizer', 'invalid_config', 'vocab_size', async (folder) => {
    // A consistent 600-row model (embedding, stop ids) whose tokenizer has ids up to 662.
    await config((c) => Object.assign(c, { vocab_size: 600, eos_token_id: 5, bos_token_id: 1 }))(folder);
    await generation((g) => (g['eos_token_id'] = 5))(folder);
    await rewriteTensors(folder, SINGLE, (all) => {
      const embed = all.get('model.embed_tokens.weight')!;
      all.set('model.embed_tokens.weight', { ...embed, shape: [600, 64], data: embed.data.slice(0, 600 * 64 * 2) });
    });
  }, 'tokenizer.json', /config\.json vocab_size is 600/),
  bf16('rms_norm_eps zero', 'invalid_config', 'rms_norm_eps', config((c) => (c['rms_norm_eps'] = 0)), 'config.json'),
  bf16('rms_norm_eps missing', 'invalid_config', 'rms_norm_eps', config((c) => delete c['rms_norm_eps']), 'config.json'),
  bf16('rope_theta negative', 'invalid_config', 'rope_theta', config((c) => (c['rope_theta'] = -1e6)), 'config.json'),
  bf16('rope_scaling yarn', 'unsupported_option', 'yarn', config((c) => (c['rope_scaling'] = { rope_type: 'yarn', factor: 4 })), 'config.json'),
  bf16('rope_scaling a string', 'invalid_config', 'rope_scaling', config((c) => (c['rope_scaling'] = 'linear')), 'config.json'),
  bf16('rope_scaling linear without a factor', 'invalid_config', 'rope_scaling.factor', config((c) => (c['rope_scaling'] = { type: 'linear' })), 'config.json'),
  bf16('max_position_embeddings zero', 'invalid_config', 'max_position_embeddings', config((c) => (c['max_position_embeddings'] = 0)), 'config.json'),
  bf16('tie_word_embeddings a string', 'invalid_config', 'tie_word_embeddings', config((c) => (c['tie_word_embeddings'] = 'yes')), 'config.json'),
  bf16('tie_word_embeddings false without an lm_head', 'missing_tensor', 'lm_head.weight', config((c) => (c['tie_word_embeddings'] = false)), SINGLE),
  bf16('head_dim odd', 'invalid_config', 'head_dim', config((c) => (c['head_dim'] = 15)), 'config.json', /even/),
  bf16('head_dim of another model', 'tensor_shape_mismatch', `${L0}.self_attn.q_proj.weight`, config((c) => (c['head_dim'] = 32)), SINGLE),
  bf16('hidden_act gelu', 'unsupported_option', 'hidden_act', config((c) => (c['hidden_act'] = 'gelu')), 'config.json'),
  bf16('use_sliding_window true', 'unsupported_option', 'use_sliding_window', config((c) => (c['use_sliding_window'] = true)), 'config.json'),
  bf16('torch_dtype a number', 'invalid_config', 'torch_dtype', config((c) => (c['torch_dtype'] = 16)), 'config.json'),
  bf16('eos_token_id a string', 'invalid_config', 'eos_token_id', config((c) => (c['eos_token_id'] = '<|im_end|>')), 'config.json'),
  bf16('eos_token_id beyond vocab_size', 'invalid_config', 'eos_token_id', config((c) => (c['eos_token_id'] = [658, 9000])), 'config.json', /9000/),
  bf16('bos_token_id negative', 'invalid_config', 'bos_token_id', config((c) => (c['bos_token_id'] = -1)), 'config.json'),
  bf16('mlp_bias true', 'unsupported_option', 'mlp_bias', config((c) => (c['mlp_bias'] = true)), 'config.json'),
  sharded('attention_bias true on Llama', 'unsupported_option', 'attention_bias', config((c) => (c['attention_bias'] = true)), 'config.json'),
  bf16('quantization_config on a float checkpoint', 'missing_tensor', `${L0}.self_attn.q_proj.qweight`,
    config((c) => (c['quantization_config'] = { quant_method: 'awq', bits: 4, group_size: 32, zero_point: true, version: 'gemm' })), SINGLE),
  bf16('quantization_config a list', 'invalid_config', 'quantization_config.', config((c) => (c['quantization_config'] = [])), 'config.json'),
  awq('quantization_config removed from a 4-bit checkpoint', 'missing_tensor', `${L0}.self_attn.q_proj.weight`, config((c) => delete c['quantization_config']), SINGLE),
  gptq('quantization_config bits 8', 'unsupported_option', 'quantization_config.bits', quantization((q) => (q['bits'] = 8)), 'config.json'),
  awq('quantization_config group_size 7', 'invalid_config', 'quantization_config.group_size', quantization((q) => (q['group_size'] = 7)), 'config.json'),
  gptq('quantization_config desc_act a string', 'invalid_config', 'quantization_config.desc_act', quantization((q) => (q['desc_act'] = 'yes')), 'config.json'),

  // generation_config.json values.
  bf16('generation temperature a string', 'invalid_config', 'temperature', generation((g) => (g['temperature'] = 'hot')), 'generation_config.json'),
  bf16('generation top_p above 1', 'invalid_config', 'top_p', generation((g) => (g['top_p'] = 2)), 'generation_config.json'),
  bf16('generation top_k fractional', 'invalid_config', 'top_k', generation((g) => (g['top_k'] = 1.5)), 'generation_config.json'),
  bf16('generation repetition_penalty negative', 'invalid_config', 'repetition_penalty', generation((g) => (g['repetition_penalty'] = -1)), 'generation_config.json'),
  bf16('generation do_sample a string', 'invalid_config', 'do_sample', generation((g) => (g['do_sample'] = 'yes')), 'generation_config.json'),
  bf16('generation eos_token_id list with a string', 'invalid_config', 'eos_token_id', generation((g) => (g['eos_token_id'] = [658, 'x'])), 'generation_config.json'),
  bf16('generation eos_token_id beyond vocab_size', 'invalid_config', 'eos_token_id', generation((g) => (g['eos_token_id'] = 5000)), 'generation_config.json', /5000/),

  // safetensors headers that lie.
  bf16('header length beyond the file', 'truncated_file', SINGLE, headerLength((size) => BigInt(size) * 2n), SINGLE),
  bf16('header length zero', 'invalid_safetensors', SINGLE, headerLength(() => 0n), SINGLE, /not valid JSON/),
  bf16('header not JSON', 'invalid_safetensors', SINGLE, rawHeader('{"model.norm.weight": {'), SINGLE),
  bf16('header a JSON list', 'invalid_safetensors', SINGLE, rawHeader('[]'), SINGLE, /not a JSON object/),
  bf16('header entry a number', 'invalid_safetensors', 'model.norm.weight', header((h) => ((h as Json)['model.norm.weight'] = 7)), SINGLE),
  bf16('dtype I8', 'unknown_dtype', `${L1}.mlp.up_proj.weight`, header((h) => (h[`${L1}.mlp.up_proj.weight`]!.dtype = 'I8')), SINGLE, /I8/),
  bf16('dtype F64', 'unknown_dtype', 'model.norm.weight', header((h) => (h['model.norm.weight']!.dtype = 'F64')), SINGLE),
  bf16('dtype missing', 'unknown_dtype', 'model.norm.weight', header((h) => delete (h['model.norm.weight'] as Partial<Record<string, unknown>>)['dtype']), SINGLE),
  bf16('shape negative', 'invalid_safetensors', 'model.norm.weight', header((h) => (h['model.norm.weight']!.shape = [-64])), SINGLE),
  bf16('shape of strings', 'invalid_safetensors', 'model.norm.weight', header((h) => ((h['model.norm.weight'] as Json)['shape'] = ['64'])), SINGLE),
  bf16('shape not matching the bytes', 'invalid_safetensors', `${L0}.self_attn.k_proj.weight`, header((h) => (h[`${L0}.self_attn.k_proj.weight`]!.shape = [32, 63])), SINGLE, /needs/),
  bf16('shape transposed', 'tensor_shape_mismatch', `${L1}.self_attn.k_proj.weight`, header((h) => h[`${L1}.self_attn.k_proj.weight`]!.shape.reverse()), SINGLE),
  bf16('shape with an extra axis', 'tensor_shape_mismatch', 'model.norm.weight', header((h) => (h['model.norm.weight']!.shape = [64, 1])), SINGLE),
  bf16('data_offsets missing', 'invalid_safetensors', 'model.norm.weight', header((h) => delete (h['model.norm.weight'] as Partial<Record<string, unknown>>)['data_offsets']), SINGLE),
  bf16('data_offsets end before begin', 'invalid_safetensors', 'model.norm.weight', header((h) => h['model.norm.weight']!.data_offsets.reverse()), SINGLE),
  bf16('data_offsets leaving a hole', 'invalid_safetensors', /./, header((h) => {
    const last = Object.values(h).filter((entry) => entry.data_offsets !== undefined).sort((a, b) => b.data_offsets[1] - a.data_offsets[1])[0]!;
    last.data_offsets = [last.data_offsets[0] + 2, last.data_offsets[1] + 2];
  }), SINGLE, /contiguous/),
  bf16('data_offsets of two tensors overlapping', 'invalid_safetensors', /self_attn\.[kv]_proj\.weight$/,
    header((h) => (h[`${L0}.self_attn.v_proj.weight`]!.data_offsets = [...h[`${L0}.self_attn.k_proj.weight`]!.data_offsets])), SINGLE, /contiguous/),
  bf16('the file cut short', 'truncated_file', /^model\./, async (folder) => truncate(join(folder, SINGLE), (await stat(join(folder, SINGLE))).size - 100), SINGLE),
  bf16('bytes after the last tensor', 'invalid_safetensors', SINGLE, (folder) => appendFile(join(folder, SINGLE), new Uint8Array(64)), SINGLE, /extra data/),

  // Tensors missing, extra, duplicated.
  bf16('a tensor missing', 'missing_tensor', 'model.norm.weight', tensors((all) => all.delete('model.norm.weight')), SINGLE),
  f32('the lm_head of an untied model missing', 'missing_tensor', 'lm_head.weight', tensors((all) => all.delete('lm_head.weight')), SINGLE),
  bf16('a layer the config does not have', 'unexpected_tensor', 'model.layers.2.mlp.up_proj.weight',
    tensors((all) => all.set('model.layers.2.mlp.up_proj.weight', newTensor('BF16', [160, 64]))), SINGLE, /layer 2/),
  bf16('a tensor of no known name', 'unexpected_tensor', 'model.visual.proj.weight', tensors((all) => all.set('model.visual.proj.weight', newTensor('BF16', [8, 8]))), SINGLE),
  bf16('a bias the architecture has not', 'unexpected_tensor', `${L0}.self_attn.o_proj.bias`, tensors((all) => all.set(`${L0}.self_attn.o_proj.bias`, newTensor('BF16', [64]))), SINGLE),
  bf16('4-bit tensors in a float checkpoint', 'unexpected_tensor', `${L0}.mlp.up_proj.qweight`, tensors((all) => all.set(`${L0}.mlp.up_proj.qweight`, newTensor('I32', [8, 160]))), SINGLE),
  bf16('a tensor name with a control character', 'unexpected_tensor', 'model.\u0007bell.weight', tensors((all) => all.set('model.\u0007bell.weight', newTensor('BF16', [8]))), SINGLE, /\\u0007bell/),
  bf16('a tensor name that is not UTF-8', 'unexpected_tensor', 'model.\ufffd\ufffd\ufffd\ufffd.weight', async (folder) => {
    await rewriteTensors(folder, SINGLE, (all) => all.set('model.XXXX.weight', newTensor('BF16', [8])));
    const bytes = new Uint8Array(await readFile(join(folder, SINGLE)));
    const at = Buffer.from(bytes).indexOf('model.XXXX.weight') + 'model.'.length;
    bytes.set([0xff, 0xfe, 0xff, 0xfe], at);
    await writeFile(join(folder, SINGLE), bytes);
  }, SINGLE, /\\ufffd/),
  sharded('a shard name with a control character', 'invalid_safetensors', 'model.norm.weight',
    json(INDEX, (index) => ((index['weight_map'] as Json)['model.norm.weight'] = 'model\u0000.safetensors')), INDEX, /bad file/),
  bf16('a tied lm_head in another shape', 'unexpected_tensor', 'lm_head.weight', tensors((all) => all.set('lm_head.weight', newTensor('BF16', [700, 64]))), SINGLE, /vocab_size 704/),
  awq('a g_idx in an AWQ checkpoint', 'unexpected_tensor', `${L0}.self_attn.q_proj.g_idx`, tensors((all) => all.set(`${L0}.self_attn.q_proj.g_idx`, newTensor('I32', [64]))), SINGLE, /awq/),
  awq('a float weight beside the 4-bit tensors', 'unexpected_tensor', `${L1}.mlp.down_proj.weight`, tensors((all) => all.set(`${L1}.mlp.down_proj.weight`, newTensor('F16', [64, 160]))), SINGLE),
  sharded('one tensor in both shards', 'invalid_safetensors', 'model.embed_tokens.weight',
    async (folder) => {
      let embed: RawTensor | undefined;
      await rewriteTensors(folder, SHARD_1, (all) => void (embed = all.get('model.embed_tokens.weight')));
      await rewriteTensors(folder, SHARD_2, (all) => all.set('model.embed_tokens.weight', embed!));
    }, SHARD_2, /in both/),

  // NaN, ±Inf and values beyond f16, as the weights stream.
  bf16('BF16 NaN in the embedding', 'non_finite_weight', 'model.embed_tokens.weight', planted('model.embed_tokens.weight', 640, NaN), SINGLE, /NaN at row 10, column 0/),
  bf16('BF16 +Inf in a norm', 'non_finite_weight', `${L1}.input_layernorm.weight`, planted(`${L1}.input_layernorm.weight`, 63, Infinity), SINGLE, /Infinity at 63/),
  bf16('BF16 -Inf in a bias', 'non_finite_weight', `${L0}.self_attn.q_proj.bias`, planted(`${L0}.self_attn.q_proj.bias`, 0, -Infinity), SINGLE, /-Infinity/),
  bf16('BF16 1e5, beyond f16', 'non_finite_weight', `${L1}.mlp.down_proj.weight`, planted(`${L1}.mlp.down_proj.weight`, 5000, 1e5), SINGLE, /beyond the ±65504/),
  f32('F32 NaN in the lm_head', 'non_finite_weight', 'lm_head.weight', planted('lm_head.weight', 704 * 64 - 1, NaN), SINGLE, /row 703, column 63/),
  f32('F32 +Inf in q_norm', 'non_finite_weight', `${L0}.self_attn.q_norm.weight`, planted(`${L0}.self_attn.q_norm.weight`, 3, Infinity), SINGLE),
  f32('F32 70000, beyond f16', 'non_finite_weight', `${L1}.self_attn.k_proj.weight`, planted(`${L1}.self_attn.k_proj.weight`, 17, 70000), SINGLE, /70000/),
  f32('F32 -Inf in the final norm', 'non_finite_weight', 'model.norm.weight', planted('model.norm.weight', 9, -Infinity), SINGLE),
  sharded('F16 NaN in the second shard', 'non_finite_weight', 'model.norm.weight', planted('model.norm.weight', 1, NaN, SHARD_2), SHARD_2),
  sharded('F16 +Inf in the first shard', 'non_finite_weight', `${L0}.self_attn.v_proj.weight`, planted(`${L0}.self_attn.v_proj.weight`, 100, Infinity, SHARD_1), SHARD_1),
  awq('NaN in AWQ scales', 'non_finite_weight', `${L0}.self_attn.q_proj.scales`, planted(`${L0}.self_attn.q_proj.scales`, 7, NaN), SINGLE, /F16/),
  gptq('+Inf in GPTQ scales', 'non_finite_weight', `${L0}.mlp.up_proj.scales`, planted(`${L0}.mlp.up_proj.scales`, 2, Infinity, SHARD_1), SHARD_1),
  on('qwen3-gptq-sym')('F16 NaN in a 4-bit model\'s embedding', 'non_finite_weight', 'model.embed_tokens.weight', planted('model.embed_tokens.weight', 0, NaN), SINGLE),

  // tokenizer.json and tokenizer_config.json.
  bf16('tokenizer model.type unknown', 'invalid_config', 'model.type', tokenizerModel((m) => (m['type'] = 'Bogus')), 'tokenizer.json', /"Bogus"/),
  bf16('tokenizer model.type WordLevel', 'unsupported_option', 'model.type', tokenizerModel((m) => (m['type'] = 'WordLevel')), 'tokenizer.json'),
  bf16('tokenizer model.type a number', 'invalid_config', 'model.type', tokenizerModel((m) => (m['type'] = 1)), 'tokenizer.json'),
  bf16('tokenizer model.type absent, nothing to infer', 'unsupported_option', 'model.type', tokenizerModel((m) => { delete m['type']; delete m['continuing_subword_prefix']; }), 'tokenizer.json'),
  bf16('tokenizer model missing', 'invalid_config', 'model', tokenizerModel((_, f) => delete f['model']), 'tokenizer.json'),
  bf16('tokenizer vocab a list', 'invalid_config', 'model.vocab', tokenizerModel((m) => (m['vocab'] = ['a'])), 'tokenizer.json'),
  bf16('tokenizer vocab id beyond vocab_size', 'invalid_config', 'vocab_size', tokenizerModel((m) => ((m['vocab'] as Json)['zzz'] = 704)), 'tokenizer.json', /vocab_size is 704/),
  bf16('tokenizer merges a string', 'invalid_config', 'model.merges', tokenizerModel((m) => (m['merges'] = 'a b')), 'tokenizer.json'),
  bf16('tokenizer added_tokens an object', 'invalid_config', 'added_tokens', tokenizerModel((_, f) => (f['added_tokens'] = {})), 'tokenizer.json'),
  bf16('tokenizer added token beyond vocab_size', 'invalid_config', 'vocab_size', tokenizerModel((_, f) => (f['added_tokens'] as Json[]).push({ id: 800, content: '<x>', special: true })), 'tokenizer.json', /800/),
  bf16('tokenizer normalizer the library does not know', 'invalid_config', 'tokenizer.json', tokenizerModel((_, f) => (f['normalizer'] = { type: 'Bogus' })), 'tokenizer.json', /Normalizer/),
  bf16('chat_template a number', 'invalid_config', 'chat_template', tokenizerConfig((t) => (t['chat_template'] = 42)), 'tokenizer_config.json'),
  bf16('chat_template an object', 'invalid_config', 'chat_template', tokenizerConfig((t) => (t['chat_template'] = { default: '{{ x }}' })), 'tokenizer_config.json'),
  bf16('chat_template a list without "default"', 'invalid_config', 'chat_template', tokenizerConfig((t) => (t['chat_template'] = [{ name: 'rag', template: 'x' }])), 'tokenizer_config.json', /default/),
  bf16('chat_template a list with a number template', 'invalid_config', 'chat_template', tokenizerConfig((t) => (t['chat_template'] = [{ name: 'default', template: 7 }])), 'tokenizer_config.json'),
  bf16('eos_token a number', 'invalid_config', 'eos_token', tokenizerConfig((t) => (t['eos_token'] = 658)), 'tokenizer_config.json'),
];
