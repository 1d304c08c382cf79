/**
 * Tool-call parsers by name: the built-in ones (vLLM's names: hermes, llama3_json, pythonic,
 * mistral) and any a page registers, the in-browser analogue of vLLM's `--tool-parser-plugin`.
 * The registry is per JavaScript realm: an engine in a Web Worker sees what was registered in that
 * worker (a page's own worker script registers its parsers, then calls `hostChatEngine()`); an
 * in-process engine (Node, `worker: false`) sees the page's.
 */
import { LlmError } from '../errors.ts';
import { hermesToolParser } from './hermes-tool-parser.ts';
import { llama3JsonToolParser } from './llama3-json-tool-parser.ts';
import { mistralToolParser } from './mistral-tool-parser.ts';
import { pythonicToolParser } from './pythonic-tool-parser.ts';
import type { ToolCallParserFactory } from './tool-parser.ts';

const builtIn: ReadonlyMap<string, ToolCallParserFactory> = new Map([
  ['hermes', hermesToolParser],
  ['llama3_json', llama3JsonToolParser],
  ['pythonic', pythonicToolParser],
  ['mistral', mistralToolParser],
]);
const registered = new Map<string, ToolCallParserFactory>();

/** Adds (or replaces) a parser; later engines and requests that name it use it. */
export function registerToolCallParser(name: string, factory: ToolCallParserFactory): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new LlmError('invalid_argument', `a tool-call parser name must be 1 to 64 letters, digits, "_", "." or "-", got ${JSON.stringify(name)}`, 'toolCallParser');
  }
  if (typeof factory !== 'function') throw new LlmError('invalid_argument', `the tool-call parser "${name}" must be a factory function`, 'toolCallParser');
  registered.set(name, factory);
}

export function unregisterToolCallParser(name: string): boolean {
  return registered.delete(name);
}

/** Registered parsers first: a page may replace a built-in one. */
export function toolCallParserFactory(name: string): ToolCallParserFactory {
  const factory = registered.get(name) ?? builtIn.get(name);
  if (factory === undefined) {
    throw new LlmError('invalid_argument', `unknown tool-call parser ${JSON.stringify(name)} (known: ${toolCallParserNames().join(', ')})`, 'toolCallParser');
  }
  return factory;
}

export function toolCallParserNames(): string[] {
  return [...new Set([...builtIn.keys(), ...registered.keys()])];
}
