/**
 * The ConstraintCompiler of a loaded model, on XGrammar: a TokenizerInfo built once from the
 * model's vocabulary, stop tokens and logit count, grammars compiled once per spec (an LRU keyed
 * by the spec's JSON), and a fresh GrammarMatcher per request. A schema XGrammar rejects is an
 * LlmError 'invalid_argument' naming the request field it came from.
 */
import { LlmError } from '../errors.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import { checkConstraintSpec, constraintKey, constraintSubject, type ConstraintSpec } from './constraint-spec.ts';
import { grammarSource, jsonSeparators, type GrammarSource } from './grammar-source.ts';
import { toolCallTrigger } from './tool-call-grammars.ts';
import type { ConstraintCompiler, TokenConstraint } from './token-constraint.ts';
import { tokenBytes, xgrammarVocabulary } from './token-vocabulary.ts';
import { Utf8Validity } from './utf8-validity.ts';
import { XGrammarConstraint, type FreeTextUntil } from './xgrammar-constraint.ts';
import { loadXGrammar, XGrammarError, type CompiledGrammarHandle, type CompilerHandle, type XGrammarRuntime } from './xgrammar-runtime.ts';
import type * as XGrammar from '@mlc-ai/web-xgrammar';

export interface XGrammarCompilerOptions {
  readonly tokenizer: Pick<TextTokenizer, 'vocabulary'>;
  /** Tokens that end the output (the model's EOS ids); the only tokens allowed once the grammar is complete. */
  readonly stopTokenIds: readonly number[];
  /** Logit rows (config vocab_size), ≥ the tokenizer's ids; padded rows are never allowed. */
  readonly vocabSize: number;
  /** Compiled grammars kept (default 32). */
  readonly cacheSize?: number;
}

export async function createXGrammarCompiler(options: XGrammarCompilerOptions): Promise<XGrammarCompiler> {
  const { tokenizer, stopTokenIds, vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new RangeError(`vocabSize ${vocabSize}`);
  const stops = [...new Set(stopTokenIds)];
  const outside = stops.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
  if (outside !== undefined) throw new RangeError(`stop token ${outside} outside the vocabulary (${vocabSize})`);
  const runtime = await loadXGrammar();
  const vocabulary = xgrammarVocabulary(tokenizer.vocabulary(), vocabSize);
  const { encodedVocab, vocabType, prependSpace } = vocabulary;
  const bytes = tokenBytes(vocabulary);
  const validity = new Utf8Validity(bytes, vocabSize);
  const info = await runtime.api.TokenizerInfo.createTokenizerInfo(encodedVocab, vocabType, prependSpace, vocabSize, stops.length > 0 ? stops : undefined);
  // XGrammar's own cache is off: an entry whose compile aborted stays pending, and the next
  // identical request would wait on it forever. Compiled grammars are cached here instead.
  const compiler = await runtime.api.GrammarCompiler.createGrammarCompiler(info, false);
  const freeText = { tokenBytes: bytes, stopTokenIds: new Set(stops) };
  return new XGrammarCompiler(runtime, info, compiler, vocabSize, validity, freeText, options.cacheSize ?? 32);
}

export class XGrammarCompiler implements ConstraintCompiler {
  private readonly compiled = new Map<string, CompiledGrammarHandle>();
  private disposed = false;

  constructor(
    private readonly runtime: XGrammarRuntime,
    private readonly info: XGrammar.TokenizerInfo,
    private readonly compiler: XGrammar.GrammarCompiler,
    readonly vocabSize: number,
    private readonly validity: Utf8Validity,
    private readonly freeText: Omit<FreeTextUntil, 'trigger'>,
    private readonly cacheSize: number,
  ) {}

  compile(spec: ConstraintSpec): TokenConstraint {
    if (this.disposed) throw new Error('the constraint compiler was disposed');
    const checked = checkConstraintSpec(spec);
    const compiled = this.grammar(checked);
    const matcher = this.runtime.call(() => new this.runtime.Matcher(compiled, undefined, false, -1));
    const freeText = checked.kind === 'auto_tool_calls' ? { ...this.freeText, trigger: toolCallTrigger(checked.format) } : undefined;
    return new XGrammarConstraint(this.runtime, matcher, this.vocabSize, this.validity, freeText);
  }

  /** Grammars compiled so far and still cached. */
  get cachedGrammars(): number {
    return this.compiled.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Matchers keep their own reference to the grammar, so live requests are unaffected.
    for (const handle of this.compiled.values()) handle.delete();
    this.compiled.clear();
    this.compiler.dispose();
    this.info.dispose();
  }

  private grammar(spec: ConstraintSpec): CompiledGrammarHandle {
    const key = constraintKey(spec);
    const cached = this.compiled.get(key);
    if (cached !== undefined) {
      // Most recently used last.
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached;
    }
    let handle: CompiledGrammarHandle;
    try {
      handle = this.runtime.call(() => this.compileSource(grammarSource(spec, (schema, strict) => this.schemaToEbnf(schema, strict))));
    } catch (error) {
      if (!(error instanceof XGrammarError)) throw error;
      const subject = constraintSubject(spec);
      throw new LlmError('invalid_argument', `${subject}: the JSON schema cannot be used for constrained decoding: ${error.message}`, subject);
    }
    this.compiled.set(key, handle);
    if (this.compiled.size > this.cacheSize) {
      const [oldestKey, oldest] = this.compiled.entries().next().value as [string, CompiledGrammarHandle];
      this.compiled.delete(oldestKey);
      oldest.delete();
    }
    return handle;
  }

  private compileSource(source: GrammarSource): CompiledGrammarHandle {
    const compiler = this.compiler.handle as CompilerHandle;
    if (source.kind === 'structural_tag') return compiler.CompileStructuralTag(source.json);
    return compiler.CompileJSONSchema(source.schema, false, undefined, jsonSeparators, source.strict, undefined);
  }

  private schemaToEbnf(schema: string, strict: boolean): string {
    const grammar = this.runtime.grammar.FromJSONSchema(schema, false, undefined, jsonSeparators, strict, undefined, false);
    try {
      return grammar.ToString();
    } finally {
      grammar.delete();
    }
  }
}
