/**
 * The tools a run may execute: checked once when the run starts (a runnable function per tool,
 * unique names, a compilable schema), each `parameters` schema compiled once with ajv, and the
 * plain chat tools (without `run`) that go to the model.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { LlmError } from '../errors.ts';
import type { ChatCompletionTool } from './chat-types.ts';
import type { RunnableTool, ToolRunnerOptions } from './tool-types.ts';

export interface RegisteredTool {
  readonly tool: RunnableTool;
  /** Undefined when the tool has no `parameters`: any arguments are accepted. */
  readonly validate: ValidateFunction | undefined;
}

const isPositive = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value > 0;

export class ToolRegistry {
  private readonly byName = new Map<string, RegisteredTool>();
  /** Created only when some tool has a schema: compiling is the expensive part of ajv. */
  private ajv: Ajv | undefined;

  constructor(tools: unknown) {
    if (tools === undefined) return;
    if (!Array.isArray(tools)) throw new LlmError('invalid_argument', 'tools must be an array', 'tools');
    tools.forEach((tool: unknown, i) => this.register(tool, i));
  }

  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** The tools as the model sees them: `run` and `timeoutMs` are the page's business. */
  chatTools(): ChatCompletionTool[] {
    return [...this.byName.values()].map(({ tool }) => ({ type: 'function', function: tool.function }) as ChatCompletionTool);
  }

  private register(value: unknown, i: number): void {
    const at = `tools[${i}]`;
    if (typeof value !== 'object' || value === null) throw new LlmError('invalid_argument', `${at} must be an object`, at);
    const tool = value as Partial<RunnableTool>;
    if (tool.type !== 'function') throw new LlmError('invalid_argument', `${at}.type must be 'function'`, `${at}.type`);
    const name = tool.function?.name;
    if (typeof name !== 'string' || name === '') {
      throw new LlmError('invalid_argument', `${at}.function.name must be a non-empty string`, `${at}.function.name`);
    }
    if (typeof tool.run !== 'function') {
      throw new LlmError('invalid_argument', `${at}.run must be a function (tool '${name}' has ${tool.run === undefined ? 'none' : typeof tool.run})`, `${at}.run`);
    }
    if (this.byName.has(name)) {
      throw new LlmError('invalid_argument', `${at}.function.name '${name}' is registered twice`, `${at}.function.name`);
    }
    if (tool.timeoutMs !== undefined && !isPositive(tool.timeoutMs)) {
      throw new LlmError('invalid_argument', `${at}.timeoutMs must be a positive number`, `${at}.timeoutMs`);
    }
    this.byName.set(name, { tool: tool as RunnableTool, validate: this.compile(tool.function?.parameters, at) });
  }

  private compile(schema: unknown, at: string): ValidateFunction | undefined {
    if (schema === undefined) return undefined;
    const subject = `${at}.function.parameters`;
    if (typeof schema !== 'object' || schema === null) throw new LlmError('invalid_argument', `${subject} must be a JSON schema object`, subject);
    // Not strict: tool schemas in the wild carry keywords and formats ajv does not know.
    this.ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false, logger: false });
    try {
      return this.ajv.compile(schema);
    } catch (error) {
      throw new LlmError('invalid_argument', `${subject} is not a valid JSON schema: ${error instanceof Error ? error.message : String(error)}`, subject);
    }
  }

  errorsText(validate: ValidateFunction): string {
    return (this.ajv as Ajv).errorsText(validate.errors, { dataVar: 'arguments' });
  }
}

/** Checks the runner's own options; returns them with defaults filled in. */
export function runnerOptions(options: ToolRunnerOptions): { maxRounds: number; toolTimeoutMs: number } {
  const { maxRounds = 10, toolTimeoutMs = 30_000 } = options;
  if (!Number.isInteger(maxRounds) || maxRounds < 1) throw new LlmError('invalid_argument', 'maxRounds must be a positive integer', 'maxRounds');
  if (!isPositive(toolTimeoutMs)) throw new LlmError('invalid_argument', 'toolTimeoutMs must be a positive number', 'toolTimeoutMs');
  return { maxRounds, toolTimeoutMs };
}
