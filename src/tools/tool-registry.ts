/**
 * The tools a run may execute: checked once when the run starts (a runnable function per tool,
 * unique names, a schema the runner can check at a bounded cost: tool-schema-check.ts), each
 * `parameters` schema compiled once with ajv, and the plain chat tools (without `run`) that go to
 * the model.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { LlmError } from '../errors.ts';
import type { ChatCompletionTool } from '../chat/chat-types.ts';
import { linearRegExp } from './linear-regexp.ts';
import { toolFormats } from './tool-formats.ts';
import { timeoutOption } from './tool-options.ts';
import { checkToolSchema } from './tool-schema-check.ts';
import type { RunnableTool } from './tool-types.ts';

export interface RegisteredTool {
  readonly tool: RunnableTool;
  /** Undefined when the tool has no `parameters`: any object is accepted. */
  readonly validate: ValidateFunction | undefined;
  /** The tool's own timeout, clamped; undefined for the runner's. */
  readonly timeoutMs: number | undefined;
}

/** An ajv for one run's tools. Not shared between runs: it keeps every schema it compiled, by id too. */
function toolAjv(): Ajv {
  // Strict: an unknown keyword, or one ajv would ignore where it stands, is refused rather than
  // silently not checked. strictTypes and strictTuples stay off: they only ask for more explicit
  // schemas than tools in the wild carry, and checking stays complete without them.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    strictSchema: true,
    strictNumbers: true,
    allowMatchingProperties: true,
    validateFormats: true,
    logger: false,
    code: { regExp: linearRegExp },
  });
  for (const [name, validate] of Object.entries(toolFormats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

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

  errorsText(validate: ValidateFunction): string {
    return (this.ajv as Ajv).errorsText(validate.errors, { dataVar: 'arguments' });
  }

  private register(value: unknown, i: number): void {
    const at = `tools[${i}]`;
    if (typeof value !== 'object' || value === null) throw new LlmError('invalid_argument', `${at} must be an object`, at);
    const tool = value as Partial<RunnableTool>;
    if (tool.type !== 'function') throw new LlmError('invalid_argument', `${at}.type must be 'function'`, `${at}.type`);
    if (typeof tool.function !== 'object' || tool.function === null) throw new LlmError('invalid_argument', `${at}.function must be an object`, `${at}.function`);
    const name = tool.function.name;
    if (typeof name !== 'string' || name === '') {
      throw new LlmError('invalid_argument', `${at}.function.name must be a non-empty string`, `${at}.function.name`);
    }
    if (typeof tool.run !== 'function') {
      throw new LlmError('invalid_argument', `${at}.run must be a function (tool '${name}' has ${tool.run === undefined ? 'none' : typeof tool.run})`, `${at}.run`);
    }
    if (this.byName.has(name)) {
      throw new LlmError('invalid_argument', `${at}.function.name '${name}' is registered twice`, `${at}.function.name`);
    }
    const timeoutMs = timeoutOption(tool.timeoutMs, `${at}.timeoutMs`);
    const validate = this.compile(tool.function.parameters, at, name);
    this.byName.set(name, { tool: tool as RunnableTool, validate, timeoutMs });
  }

  private compile(schema: unknown, at: string, name: string): ValidateFunction | undefined {
    if (schema === undefined) return undefined;
    const subject = `${at}.function.parameters`;
    checkToolSchema(schema, subject, name);
    try {
      this.ajv ??= toolAjv();
      const validate = this.ajv.compile(schema as Record<string, unknown>);
      // Belt and braces: an asynchronous validator would return a promise, which is truthy.
      if ((validate as { $async?: unknown }).$async === true) throw new Error('the schema compiled to an asynchronous validator');
      return validate;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new LlmError('invalid_argument', `${subject}: tool '${name}' has a schema the runner cannot check: ${reason}`, subject);
    }
  }
}
