/**
 * The constraint compiler for a loaded model: XGrammar over its tokenizer, its EOS ids as the
 * stop tokens and its logit width. When there is none to be had (no tokenizer, or XGrammar cannot
 * start here), a compiler that refuses every spec with the reason, so loading never fails on it.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from '../model/load-model.ts';
import type { ConstraintCompiler } from './token-constraint.ts';
import { createXGrammarCompiler } from './xgrammar-compiler.ts';
import { loadXGrammar } from './xgrammar-runtime.ts';

/**
 * Starts XGrammar's wasm while the model loads (in a browser it compiles on the worker thread
 * while the GPU process builds pipelines). A failure shows up again, with its reason, in
 * createModelConstraintCompiler.
 */
export function startConstraintRuntime(): void {
  loadXGrammar().catch(() => undefined);
}

export async function createModelConstraintCompiler(model: LoadedModel): Promise<ConstraintCompiler> {
  if (model.tokenizer === undefined) return unavailable(`${model.location} has no tokenizer.json`);
  try {
    return await createXGrammarCompiler({
      tokenizer: model.tokenizer,
      stopTokenIds: model.generationConfig.eosTokenIds,
      vocabSize: model.config.vocabSize,
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    console.warn(`constrained decoding is unavailable: XGrammar could not start: ${why}`);
    return unavailable(`XGrammar could not start: ${why}`);
  }
}

function unavailable(reason: string): ConstraintCompiler {
  return {
    compile() {
      throw new LlmError('unsupported_option', `constrained decoding (response_format, tool_choice) is unavailable: ${reason}`, 'constraint');
    },
    dispose() {},
  };
}
