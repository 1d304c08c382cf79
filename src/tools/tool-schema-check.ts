/**
 * Checks a tool's `parameters` schema before ajv compiles it, refusing what would disable or defer
 * validation (`$async`, `$data`, a `$ref` that leaves the schema, a format nobody checks) and what
 * would let the cost of checking one set of arguments grow without bound (recursion through
 * `$ref`, `uniqueItems` compared pairwise over an unbounded array, a schema that expands past a
 * budget). Ajv, in strict mode, then refuses unknown and ignored keywords. Each refusal is a 400
 * naming the tool, the keyword and where it is.
 */
import { LlmError } from '../errors.ts';
import { schemaLimits } from '../chat/schema-limits.ts';
import { toolFormats } from './tool-formats.ts';

/** Deepest nesting walked, counting each `$ref` followed as a level (the request limit). */
const maxDepth = schemaLimits.maxDepth;
/** Schema nodes after every `$ref` is expanded: bounds the work per argument value (the request limit). */
const maxExpandedNodes = schemaLimits.maxNodes;
/** JSON values walked in all (schemas, enums, defaults), each shared object once. */
const maxValues = 100_000;
/** `uniqueItems` over items that are not scalars compares every pair: at most this many items. */
const maxPairwiseUniqueItems = 256;

const schemaMaps = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const schemaValued = new Set(['additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties']);
const schemaLists = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const dataValued = new Set(['enum', 'const', 'default', 'examples', 'example']);
const scalarTypes = new Set(['string', 'number', 'integer', 'boolean', 'null']);

type Json = Record<string, unknown>;

const isPlainObject = (value: object): value is Json => {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
};

const pointerPart = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

export function checkToolSchema(schema: unknown, subject: string, toolName: string): void {
  const refuse = (message: string): never => {
    throw new LlmError('invalid_argument', `${subject}: tool '${toolName}': ${message}`, subject);
  };
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || !isPlainObject(schema)) {
    refuse('parameters must be a JSON schema object');
  }
  const root = schema as Json;
  const rootType = root.type;
  if (rootType !== undefined && !(rootType === 'object' || (Array.isArray(rootType) && rootType.includes('object')))) {
    refuse(`the root "type" is ${JSON.stringify(rootType)}, but a tool's arguments are always a JSON object`);
  }
  let values = 0;
  const onStack = new Set<object>();
  const expanded = new WeakMap<object, number>();

  /** Checks that a non-schema value is plain JSON (no cycles, functions, NaN, class instances). */
  const json = (value: unknown, at: string, depth: number): void => {
    if (++values > maxValues) refuse(`the schema holds more than ${maxValues} JSON values`);
    if (depth > maxDepth) refuse(`${at} is nested deeper than ${maxDepth} levels`);
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) refuse(`${at} is ${value}, which is not JSON`);
      return;
    }
    if (typeof value !== 'object') refuse(`${at} is a ${typeof value}, which is not JSON`);
    const object = value as object;
    if (onStack.has(object)) refuse(`${at} refers back to itself (a cycle), which is not JSON`);
    if (!Array.isArray(object) && !isPlainObject(object)) refuse(`${at} is a ${object.constructor?.name ?? 'class'} instance, which is not JSON`);
    onStack.add(object);
    for (const [key, item] of Object.entries(object)) {
      if (item === undefined && !Array.isArray(object)) continue; // dropped by JSON.stringify, as the model sees it
      json(item, `${at}/${pointerPart(key)}`, depth + 1);
    }
    onStack.delete(object);
  };

  /** Where a local `$ref` points: '#' or a JSON pointer '#/a/b' into the root schema. */
  const resolve = (ref: unknown, at: string): unknown => {
    if (typeof ref !== 'string') return refuse(`"$ref" at ${at} must be a string`);
    if (ref !== '#' && !ref.startsWith('#/')) {
      return refuse(`"$ref" at ${at} is ${JSON.stringify(ref)}: only references inside the schema ('#/…') are allowed, since one to another document would need loading it first`);
    }
    let target: unknown = root;
    for (const raw of ref === '#' ? [] : ref.slice(2).split('/')) {
      let key: string;
      try {
        key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      } catch {
        return refuse(`"$ref" at ${at} (${JSON.stringify(ref)}) is not a valid JSON pointer`);
      }
      const next = typeof target === 'object' && target !== null && Object.hasOwn(target, key) ? (target as Json)[key] : undefined;
      if (next === undefined) return refuse(`"$ref" at ${at} (${JSON.stringify(ref)}) points nowhere in the schema`);
      target = next;
    }
    return target;
  };

  /** Walks a schema, following `$ref`s; returns its size with references expanded. */
  const walk = (node: unknown, at: string, depth: number): number => {
    if (depth > maxDepth) refuse(`${at} is nested deeper than ${maxDepth} levels (counting each "$ref" followed)`);
    if (typeof node === 'boolean') return 1;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return refuse(`${at} must be a schema (an object or a boolean)`);
    const known = expanded.get(node);
    if (known !== undefined) return known;
    if (onStack.has(node)) {
      return refuse(`${at} leads back into itself (a recursive "$ref" or a cycle): checking recursive arguments has no bounded cost`);
    }
    if (!isPlainObject(node)) refuse(`${at} is a ${node.constructor?.name ?? 'class'} instance, not a JSON schema`);
    if (++values > maxValues) refuse(`the schema holds more than ${maxValues} JSON values`);
    onStack.add(node);
    const schema = node as Json;
    let size = 1;
    const add = (child: unknown, childAt: string) => {
      size += walk(child, childAt, depth + 1);
      if (size > maxExpandedNodes) refuse(`the schema expands to more than ${maxExpandedNodes} subschemas (with every "$ref" followed)`);
    };
    checkKeywords(schema, at, depth === 0);
    for (const [keyword, value] of Object.entries(schema)) {
      const keywordAt = `${at}/${pointerPart(keyword)}`;
      if (value === undefined) continue;
      if (keyword === '$ref') add(resolve(value, at), `${keywordAt} → ${String(value)}`);
      else if (schemaMaps.has(keyword) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [name, child] of Object.entries(value)) if (child !== undefined) add(child, `${keywordAt}/${pointerPart(name)}`);
      } else if (keyword === 'dependencies' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        for (const [name, child] of Object.entries(value)) {
          if (Array.isArray(child)) json(child, `${keywordAt}/${pointerPart(name)}`, depth + 1);
          else add(child, `${keywordAt}/${pointerPart(name)}`);
        }
      } else if (schemaValued.has(keyword)) add(value, keywordAt);
      else if (schemaLists.has(keyword) || keyword === 'items') {
        if (Array.isArray(value)) value.forEach((child, i) => add(child, `${keywordAt}/${i}`));
        else if (keyword === 'items') add(value, keywordAt);
        else json(value, keywordAt, depth + 1); // ajv refuses a non-array
      } else if (dataValued.has(keyword)) json(value, keywordAt, depth + 1);
      else {
        if (typeof value === 'object' && value !== null && Object.hasOwn(value, '$data')) {
          refuse(`"$data" at ${keywordAt} takes the keyword's value from the arguments themselves, which the runner does not allow`);
        }
        json(value, keywordAt, depth + 1);
      }
    }
    onStack.delete(node);
    expanded.set(node, size);
    return size;
  };

  const checkKeywords = (schema: Json, at: string, isRoot: boolean) => {
    if (Object.hasOwn(schema, '$async')) refuse(`"$async" at ${at} turns validation into a promise, so arguments would reach the function unchecked`);
    if (Object.hasOwn(schema, '$data')) refuse(`"$data" at ${at} takes a value from the arguments themselves, which the runner does not allow`);
    if (!isRoot && Object.hasOwn(schema, '$id')) refuse(`"$id" at ${at} changes how "$ref" resolves below it; only the root schema may have one`);
    const { format, uniqueItems, items, maxItems } = schema;
    if (format !== undefined && (typeof format !== 'string' || !Object.hasOwn(toolFormats, format))) {
      refuse(`"format": ${JSON.stringify(format)} at ${at} is not one the runner can check (${Object.keys(toolFormats).join(', ')}); remove it or use "pattern"`);
    }
    if (uniqueItems === true && !scalarItems(items) && !(typeof maxItems === 'number' && maxItems <= maxPairwiseUniqueItems)) {
      refuse(`"uniqueItems" at ${at} compares every pair of items: give "items" a scalar "type" or set "maxItems" to at most ${maxPairwiseUniqueItems}`);
    }
  };

  walk(root, '#', 0);
}

/** Items whose type is only scalars: ajv checks their uniqueness with a hash, in linear time. */
function scalarItems(items: unknown): boolean {
  if (typeof items !== 'object' || items === null || Array.isArray(items)) return false;
  const type = (items as Json).type;
  const types = Array.isArray(type) ? type : [type];
  return types.length > 0 && types.every((name) => typeof name === 'string' && scalarTypes.has(name));
}
