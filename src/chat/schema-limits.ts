/**
 * Limits on the JSON a request carries before anything recursive sees it: the JSON schemas
 * (response_format.json_schema.schema, a tool's parameters, structured_outputs.json, guided_json)
 * that reach the chat template and XGrammar, and other free-form JSON (tool-call arguments given
 * as objects, chat_template_kwargs) that the template renders. XGrammar's schema converter
 * recurses on the wasm stack and runs out about 45 levels of nested properties deep (a 32-deep
 * chain of $ref'd objects, 64 nested arrays); the template and JSON.stringify recurse on the JS
 * stack. So depth is measured here by an explicit-stack walk that stops at the first level past
 * the limit, and a 100,000-deep object costs no more than a 65-deep one. Each refusal is an
 * `invalid_argument` naming the field. The README's API section lists the same numbers.
 */
import { invalidParam } from './param-checks.ts';

export const schemaLimits = {
  /**
   * Levels of nesting: each object or array is one level, and a local `$ref` followed is one
   * more above the level of what it points to. 64 fits 31 levels of nested `properties` (OpenAI
   * allows 10 in strict mode) and stays well under where XGrammar's converter fails (~90).
   */
  maxDepth: 64,
  /** Objects and arrays in one schema, or in all of a request's tool schemas together. */
  maxNodes: 10_000,
  /** About 1 MB of JSON text per schema, or for all of a request's tool schemas together. */
  maxChars: 1_000_000,
} as const;

/** OpenAI's limit on functions per request; every tool is rendered into the prompt. */
export const maxTools = 128;
/** OpenAI's rule for a function name: letters, digits, underscores and dashes, at most 64. */
export const maxToolNameLength = 64;

/** What several schemas of one request have used so far (its tools share one budget). */
export interface JsonBudget {
  nodes: number;
  chars: number;
}

export const newBudget = (): JsonBudget => ({ nodes: 0, chars: 0 });

interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly key: string;
  readonly parent: Frame | undefined;
}

/** `properties.a.anyOf[0]` for an error message: a path below a field, shortened. */
const shortPath = (path: string): string => {
  const trimmed = path.startsWith('.') ? path.slice(1) : path;
  return trimmed.length > 120 ? `${trimmed.slice(0, 120)}…` : trimmed;
};

/** Where the walk gave up, below the field. */
function location(frame: Frame): string {
  const keys: string[] = [];
  for (let at: Frame | undefined = frame; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return shortPath(keys.reverse().join(''));
}

/**
 * Checks `value` is plain JSON within the limits: no deeper than maxDepth, no more than maxNodes
 * objects and arrays and maxChars of text (counted into `budget` when given, so a request's
 * schemas share it; the error then names `budgetField`). Returns the objects holding a local `$ref`.
 */
export function checkJsonLimits(value: unknown, field: string, budget: JsonBudget = newBudget(), budgetField = field): Frame[] {
  const { maxDepth, maxNodes, maxChars } = schemaLimits;
  const refs: Frame[] = [];
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const item = frame.value;
    budget.chars += 1; // a separator
    if (typeof item === 'string') budget.chars += item.length + 2;
    else if (typeof item === 'number') {
      if (!Number.isFinite(item)) throw invalidParam(field, `holds ${item} at ${location(frame) || 'the top'}, which is not JSON`);
      budget.chars += String(item).length;
    } else if (typeof item === 'boolean' || item === null) budget.chars += 5;
    else if (typeof item !== 'object') throw invalidParam(field, `holds a ${typeof item} at ${location(frame) || 'the top'}, which is not JSON`);
    else {
      // A JS object that contains itself passed in-process fails here too, as infinitely deep.
      if (frame.depth > maxDepth) throw invalidParam(field, `is nested more than ${maxDepth} levels deep (at ${location(frame)}); the limit keeps constrained decoding safe`);
      if (++budget.nodes > maxNodes) throw invalidParam(budgetField, `holds more than ${maxNodes} objects and arrays${budgetField === field ? '' : ' in all'}`);
      const entries = Array.isArray(item) ? item.map((child, i): [string, unknown] => [`[${i}]`, child]) : Object.entries(item);
      for (const [key, child] of entries) {
        if (!Array.isArray(item)) budget.chars += key.length + 3;
        if (key === '$ref' && typeof child === 'string' && child.startsWith('#')) refs.push(frame);
        stack.push({ value: child, depth: frame.depth + 1, key: Array.isArray(item) ? key : `.${key}`, parent: frame });
      }
    }
    if (budget.chars > maxChars) throw invalidParam(budgetField, `is more than ${maxChars} characters of JSON${budgetField === field ? '' : ' in all'}`);
  }
  return refs;
}

/**
 * A JSON schema within the limits, `$ref`s included: checkJsonLimits, then, when the schema has
 * local references, the deepest path through them (a reference back to a schema being expanded
 * is recursion, which XGrammar turns into a rule, and adds nothing).
 */
export function checkSchemaLimits(schema: unknown, field: string, budget?: JsonBudget, budgetField?: string): void {
  const refs = checkJsonLimits(schema, field, budget, budgetField);
  if (refs.length === 0) return;
  if (deepestPath(schema) > schemaLimits.maxDepth) {
    throw invalidParam(field, `is nested more than ${schemaLimits.maxDepth} levels deep through its $refs; the limit keeps constrained decoding safe`);
  }
  const cycle = refs.find((frame) => onlyRefersToItself(frame.value as object, schema));
  if (cycle !== undefined) throw invalidParam(field, `the $ref at ${location(cycle) || 'the top'} leads only back to itself, so no value matches it`);
}

/**
 * `{"$ref": "#"}` and loops like it: a chain of references back to its start. XGrammar reads only
 * the `$ref` of a schema that has one (its other keywords are ignored), so such a loop compiles
 * to a grammar with no first token, and the request had nothing to sample (a 500). deepestPath
 * has bounded every chain to maxDepth links, so this stays cheap.
 */
function onlyRefersToItself(start: object, root: unknown): boolean {
  const seen = new Set<object>();
  for (let node: object | undefined = start; node !== undefined; ) {
    if (seen.has(node)) return node === start;
    seen.add(node);
    const ref: unknown = Array.isArray(node) ? undefined : (node as Record<string, unknown>)['$ref'];
    node = typeof ref === 'string' && ref.startsWith('#') ? resolvePointer(root, ref) : undefined;
  }
  return false;
}

/** The target of a local JSON pointer (`#/$defs/a`), or undefined when it names nothing. */
function resolvePointer(root: unknown, ref: string): object | undefined {
  let target: unknown = root;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (pointer !== '' && !pointer.startsWith('/')) return undefined; // an anchor: XGrammar decides
  for (const part of pointer === '' ? [] : pointer.slice(1).split('/')) {
    if (typeof target !== 'object' || target === null) return undefined;
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!Object.hasOwn(target, key)) return undefined;
    target = (target as Record<string, unknown>)[key];
  }
  return typeof target === 'object' && target !== null ? target : undefined;
}

/** The objects and arrays one level below `node`, and what its `$ref` points to. */
function edges(node: object, root: unknown): object[] {
  const children = (Array.isArray(node) ? node : Object.values(node)).filter((child): child is object => typeof child === 'object' && child !== null);
  const ref = Array.isArray(node) ? undefined : (node as Record<string, unknown>)['$ref'];
  const target = typeof ref === 'string' && ref.startsWith('#') ? resolvePointer(root, ref) : undefined;
  return target === undefined ? children : [...children, target];
}

/**
 * Levels on the longest path from the root, following `$ref`s, with an explicit stack and each
 * object's height remembered (checkJsonLimits bounded the objects, so this is linear in them).
 * Stops as soon as a path is known to be longer than the limit.
 */
function deepestPath(root: unknown): number {
  if (typeof root !== 'object' || root === null) return 0;
  const limit = schemaLimits.maxDepth;
  const heights = new Map<object, number>();
  const onPath = new Set<object>();
  const frames: { node: object; next: object[]; height: number }[] = [];
  const enter = (node: object) => {
    onPath.add(node);
    frames.push({ node, next: edges(node, root), height: 1 });
  };
  enter(root);
  while (frames.length > 0) {
    if (frames.length > limit) return frames.length;
    const top = frames.at(-1)!;
    const child = top.next.pop();
    if (child !== undefined) {
      if (onPath.has(child)) continue;
      const known = heights.get(child);
      if (known === undefined) enter(child);
      else if (frames.length + known > limit) return frames.length + known;
      else top.height = Math.max(top.height, known + 1);
      continue;
    }
    frames.pop();
    onPath.delete(top.node);
    heights.set(top.node, top.height);
    const parent = frames.at(-1);
    if (parent !== undefined) parent.height = Math.max(parent.height, top.height + 1);
  }
  return heights.get(root) ?? 0;
}

/**
 * Where free-form JSON starts inside a request (as an OpenAI param path): the schemas, tool-call
 * arguments given as objects; every top-level field is one too. Nesting is counted from these.
 */
const jsonRoots = [
  /^tools\[\d+\]\.function\.parameters$/, /^response_format\.json_schema\.schema$/, /^structured_outputs\.json$/,
  /^messages\[\d+\]\.tool_calls\[\d+\]\.function\.arguments$/,
];

/**
 * Checks, before a request is posted to the engine's worker, that nothing in it nests more than
 * maxDepth levels below the field that holds it (a top-level field, or one of jsonRoots) and that
 * it holds no function or symbol: structured cloning recurses (100,000 levels overflow it) and
 * cannot copy functions, and either would be a 500 in the page. The refusal names the field as
 * the checks in the worker do; shared objects are walked once.
 */
export function checkRequestShape(request: unknown): void {
  if (typeof request !== 'object' || request === null) return; // the service refuses it by name
  const { maxDepth } = schemaLimits;
  const seen = new Set<object>();
  const stack: { value: unknown; path: string; root: string; depth: number }[] = Object.entries(request).map(([key, value]) => ({ value, path: key, root: key, depth: 1 }));
  while (stack.length > 0) {
    const { value, path, root, depth } = stack.pop()!;
    if (typeof value === 'function' || typeof value === 'symbol') throw invalidParam(root, `holds a ${typeof value} at ${path}, which is not JSON`);
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    if (depth > maxDepth) throw invalidParam(root, `is nested more than ${maxDepth} levels deep (at ${shortPath(path.slice(root.length))}); the limit keeps constrained decoding safe`);
    seen.add(value);
    for (const [key, child] of Array.isArray(value) ? value.map((item, i): [string, unknown] => [`[${i}]`, item]) : Object.entries(value).map(([k, v]): [string, unknown] => [`.${k}`, v])) {
      const childPath = path + key;
      if (typeof child !== 'object' || child === null) {
        if (typeof child === 'function' || typeof child === 'symbol') stack.push({ value: child, path: childPath, root, depth });
        continue;
      }
      const isRoot = jsonRoots.some((pattern) => pattern.test(childPath));
      stack.push({ value: child, path: childPath, root: isRoot ? childPath : root, depth: isRoot ? 1 : depth + 1 });
    }
  }
}
