/**
 * City names for testing the demo's tiny model (public/models/tiny-tool-qwen) on names it never
 * saw in training: tools/train/names.py's generator mirrored in TypeScript (mulberry32 and the
 * syllable rules), checked against the training pool's digest that the training script wrote to
 * tools/train/golden_renders.json, then run with another seed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ChatCompletionMessageParam, ChatCompletionTool } from '../../src/chat/chat-types.ts';

export interface NameMeta {
  seed: number; pool_size: number; pool_sha256: string;
  onsets: string[]; vowels: string[]; codas: string[]; letters: string; real_cities: string[];
  /** Pool names with accented letters (names.py accented_names: Python's random, so listed, not regenerated). */
  accented?: string[];
}
export interface Golden {
  training_names: NameMeta;
  chats: Array<{ messages: ChatCompletionMessageParam[]; tools: ChatCompletionTool[] | null; text: string; ids: number[] }>;
  texts: Array<{ text: string; ids: number[] }>;
}

const goldenFile = fileURLToPath(new URL('../../tools/train/golden_renders.json', import.meta.url));
export const golden = JSON.parse(readFileSync(goldenFile, 'utf-8')) as Golden;

function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function nameGenerator(seed: number, meta: NameMeta): () => string {
  const next = mulberry32(seed);
  const below = (n: number) => Math.floor((next() / 4294967296) * n);
  const pick = <T>(items: ArrayLike<T>): T => items[below(items.length)]!;
  const word = (): string => {
    let w = '';
    if (below(10) === 0) {
      const n = 3 + below(6);
      for (let i = 0; i < n; i++) w += pick(meta.letters);
    } else {
      const n = 2 + Math.floor(below(3) / 2);
      for (let i = 0; i < n; i++) w += pick(meta.onsets) + pick(meta.vowels) + pick(meta.codas);
    }
    return w[0]!.toUpperCase() + w.slice(1);
  };
  return () => {
    const first = word();
    return below(5) === 0 ? `${first} ${word()}` : first;
  };
}

export interface TrainingNames {
  /** The generated pool in order, as names.py makes it. */
  readonly pool: string[];
  /** Every name a training chat can contain: the pool, its accented variants and the real cities. */
  readonly all: Set<string>;
  /** sha256 of the pool joined with "\n", to compare with golden.training_names.pool_sha256. */
  readonly digest: string;
}

export function trainingNames(meta: NameMeta = golden.training_names): TrainingNames {
  const next = nameGenerator(meta.seed, meta);
  const seen = new Set<string>();
  const pool: string[] = [];
  while (pool.length < meta.pool_size) {
    const name = next();
    if (!seen.has(name)) { seen.add(name); pool.push(name); }
  }
  const digest = createHash('sha256').update(pool.join('\n'), 'utf8').digest('hex');
  return { pool, all: new Set([...pool, ...meta.real_cities, ...(meta.accented ?? [])]), digest };
}

/** Names from the same generator with another seed (evaluate.py's), minus every training name. */
export function heldoutNames(count: number, training: TrainingNames, seed = 31337): string[] {
  const next = nameGenerator(seed, golden.training_names);
  const out: string[] = [];
  while (out.length < count) {
    const name = next();
    if (!training.all.has(name) && !out.includes(name)) out.push(name);
  }
  return out;
}
