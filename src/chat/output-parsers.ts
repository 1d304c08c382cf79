/**
 * The parsers a model's chat output goes through, chosen once per loaded model: the tool-call
 * parser (named by `createEngine({ toolCallParser })`, else detected from the chat template and
 * tokenizer: tool-parser-choice.ts) and the reasoning parser (`reasoningParser`, else detected:
 * reasoning-parser-choice.ts; 'none' turns reasoning off). A request gets its own tool parser from
 * the factory, and the set of special tokens to drop so the ones the parser reads survive
 * detokenizing.
 */
import { LlmError } from '../errors.ts';
import type { TextTokenizer } from '../text/tokenizer.ts';
import type { ChatCompletionFunctionTool } from './chat-template.ts';
import { reasoningParserFor } from './reasoning-parser-choice.ts';
import { reasoningParserNames, type ReasoningParserName } from './reasoning-parser.ts';
import { guardedToolParser } from './guarded-tool-parser.ts';
import type { ToolCallParser, ToolCallParserFactory } from './tool-parser.ts';
import { toolCallParserFor } from './tool-parser-choice.ts';
import { toolCallParserFactory } from './tool-parser-registry.ts';

export interface OutputParserOptions {
  /** A registered tool-call parser (tool-parser-registry.ts); default: what the template calls for. */
  readonly toolCallParser?: string | undefined;
  /** 'qwen3' | 'deepseek_r1', or 'none' for no reasoning split; default: what the template calls for. */
  readonly reasoningParser?: ReasoningParserName | 'none' | undefined;
}

export class OutputParsers {
  readonly toolCallParserName: string;
  readonly reasoning: ReasoningParserName | undefined;
  private readonly factory: ToolCallParserFactory;
  private readonly dropSets = new Map<string, ReadonlySet<number>>();

  constructor(private readonly tokenizer: TextTokenizer, templateSource: string | undefined, options: OutputParserOptions = {}) {
    const { toolCallParser, reasoningParser } = options;
    if (toolCallParser !== undefined && typeof toolCallParser !== 'string') {
      throw new LlmError('invalid_argument', `toolCallParser must be a parser name, got ${typeof toolCallParser}`, 'toolCallParser');
    }
    this.toolCallParserName = toolCallParser ?? toolCallParserFor(templateSource, (token) => tokenizer.tokenId(token) !== undefined);
    this.factory = toolCallParserFactory(this.toolCallParserName);
    if (reasoningParser !== undefined && reasoningParser !== 'none' && !reasoningParserNames.includes(reasoningParser)) {
      throw new LlmError('invalid_argument', `reasoningParser must be one of ${[...reasoningParserNames, 'none'].join(', ')}, got ${JSON.stringify(reasoningParser)}`, 'reasoningParser');
    }
    this.reasoning = reasoningParser === 'none' ? undefined : reasoningParser ?? reasoningParserFor(templateSource);
  }

  /** A parser for one request; a page's factory that throws or returns no parser is named in the error. */
  toolParser(tools: readonly ChatCompletionFunctionTool[]): ToolCallParser {
    let parser: ToolCallParser;
    try {
      parser = this.factory({ tools });
    } catch (error) {
      throw new LlmError('invalid_config', `the tool-call parser "${this.toolCallParserName}" failed to start: ${error instanceof Error ? error.message : String(error)}`, 'toolCallParser');
    }
    if (typeof parser?.parse !== 'function' || typeof parser.stream !== 'function') {
      throw new LlmError('invalid_config', `the tool-call parser "${this.toolCallParserName}" returned no {parse, stream} parser`, 'toolCallParser');
    }
    return guardedToolParser(parser, this.toolCallParserName);
  }

  /** Special token ids to drop from the text: all of them but those `parser` reads; undefined: drop all (the default). */
  dropIds(parser: ToolCallParser | undefined): ReadonlySet<number> | undefined {
    const keep = parser?.specialTokens ?? [];
    if (keep.length === 0) return undefined;
    const key = JSON.stringify(keep);
    let drop = this.dropSets.get(key);
    if (drop === undefined) {
      const keptIds = new Set(keep.map((token) => this.tokenizer.tokenId(token)));
      const special = [...this.tokenizer.vocabulary().added].filter(([id, token]) => token.special && !keptIds.has(id)).map(([id]) => id);
      drop = new Set(special);
      this.dropSets.set(key, drop);
    }
    return drop;
  }
}
