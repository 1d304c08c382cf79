/**
 * The constraint compiler for a loaded model: XGrammar over its tokenizer, its EOS ids as the
 * stop tokens and its logit width, on a grammar thread of its own (threaded-compiler.ts). When
 * there is none to be had (no tokenizer, or XGrammar cannot start here), a compiler that refuses
 * every spec with the reason, so loading never fails on it.
 */
import { LlmError } from '../errors.ts';
import type { LoadedModel } from '../model/load-model.ts';
import { ThreadedConstraintCompiler } from './threaded-compiler.ts';
import type { ConstraintCompiler } from './token-constraint.ts';

/**
 * The grammar thread starts now, beside the engine (a page's worker loads XGrammar's wasm while
 * the first requests run); a constrained request that comes before it is ready waits for it.
 */
export function createModelConstraintCompiler(model: LoadedModel): ConstraintCompiler {
  if (model.tokenizer === undefined) return unavailable(`${model.location} has no tokenizer.json`);
  const compiler = new ThreadedConstraintCompiler({
    vocabulary: model.tokenizer.vocabulary(),
    stopTokenIds: model.generationConfig.eosTokenIds,
    vocabSize: model.config.vocabSize,
  });
  compiler.thread.start().catch((error: unknown) => {
    console.warn(`constrained decoding is unavailable: ${error instanceof Error ? error.message : String(error)}`);
  });
  return compiler;
}

function unavailable(reason: string): ConstraintCompiler {
  return {
    compile() {
      throw new LlmError('unsupported_option', `constrained decoding (response_format, tool_choice) is unavailable: ${reason}`, 'constraint');
    },
    dispose() {},
  };
}
