/**
 * planAttention routes every row of a step exactly once: a sequence's lone row to the decode list
 * (context = position + 1) while it has room, runs of consecutive positions to tiles of at most
 * `tile` rows of one sequence; the decode grid's partitions cover the longest decode context, and
 * decode entries past the count are zeroed. Random steps shaped like the scheduler's (each
 * sequence's rows together) and some that are not (a sequence split into several runs).
 */
import { describe, expect, it } from 'vitest';
import { planAttention } from '../../src/gpu/kernels/attention-work.ts';
import { Random } from '../support/random.ts';

function randomStep(random: Random): { positions: number[]; tokenSeq: number[] } {
  const positions: number[] = [];
  const tokenSeq: number[] = [];
  const seqs = random.int(1, 6);
  for (let seq = 0; seq < seqs; seq++) {
    const runs = random.next() < 0.8 ? 1 : 2;
    let position = random.int(0, 5000);
    for (let run = 0; run < runs; run++) {
      const rows = random.next() < 0.5 ? 1 : random.int(1, 40);
      for (let i = 0; i < rows; i++) {
        positions.push(position++);
        tokenSeq.push(seq);
      }
      position += random.int(1, 3);
    }
  }
  return { positions, tokenSeq };
}

describe('planAttention', () => {
  it('covers every row once, lone rows as decode rows up to the capacity, runs as tiles', () => {
    const random = new Random(41);
    for (let c = 0; c < 200; c++) {
      const { positions, tokenSeq } = randomStep(random);
      const split = { tile: random.pick([1, 4, 9, 32]), partition: random.pick([64, 256]) };
      const capacity = random.int(0, 6);
      const decodeRows = new Uint32Array(4 * capacity).fill(7);
      const tiles = new Uint32Array(4 * positions.length);
      const plan = planAttention(positions, tokenSeq, split, decodeRows, tiles);

      const seen = new Array<number>(positions.length).fill(0);
      let longest = 0;
      for (let i = 0; i < plan.decodeCount; i++) {
        const [row, seq, context, zero] = decodeRows.subarray(4 * i, 4 * i + 4);
        seen[row!]!++;
        expect([seq, context, zero]).toEqual([tokenSeq[row!], positions[row!]! + 1, 0]);
        // A decode row is alone in its run: its neighbours are other sequences or not adjacent.
        for (const other of [row! - 1, row! + 1]) {
          if (tokenSeq[other] === seq) expect(Math.abs(positions[other]! - positions[row!]!)).not.toBe(1);
        }
        longest = Math.max(longest, context!);
      }
      expect(Array.from(decodeRows.subarray(4 * plan.decodeCount))).toEqual(new Array(4 * (capacity - plan.decodeCount)).fill(0));
      expect(plan.partitions).toBe(Math.ceil(longest / split.partition));
      for (let i = 0; i < plan.tileCount; i++) {
        const [first, rows, seq, firstPosition] = tiles.subarray(4 * i, 4 * i + 4);
        expect(rows).toBeGreaterThan(0);
        expect(rows).toBeLessThanOrEqual(split.tile);
        for (let t = 0; t < rows!; t++) {
          seen[first! + t]!++;
          expect([tokenSeq[first! + t], positions[first! + t]]).toEqual([seq, firstPosition! + t]);
        }
        // A one-row tile is a lone row only when the decode list is full.
        if (rows === 1 && plan.decodeCount < capacity) {
          const neighbours = [first! - 1, first! + 1].filter((other) => tokenSeq[other] === seq && Math.abs(positions[other]! - firstPosition!) === 1);
          expect(neighbours.length, `case ${c}`).toBeGreaterThan(0);
        }
      }
      expect(seen, `case ${c}`).toEqual(new Array(positions.length).fill(1));
    }
  });

  it('routes a decode step, a prompt chunk and an overflowing decode row as expected', () => {
    // Rows: seq 0 decodes at 4095, seq 1 prefills 10 rows from 100, seq 2 decodes at 0, seq 3 at 300.
    const positions = [4095, ...Array.from({ length: 10 }, (_, i) => 100 + i), 0, 300];
    const tokenSeq = [0, ...new Array(10).fill(1), 2, 3];
    const decodeRows = new Uint32Array(4 * 2);
    const tiles = new Uint32Array(4 * positions.length);
    const plan = planAttention(positions, tokenSeq, { tile: 4, partition: 256 }, decodeRows, tiles);
    expect(plan).toEqual({ decodeCount: 2, partitions: 16, tileCount: 4 });
    expect(Array.from(decodeRows)).toEqual([0, 0, 4096, 0, 11, 2, 1, 0]);
    expect(Array.from(tiles.subarray(0, 16))).toEqual([1, 4, 1, 100, 5, 4, 1, 104, 9, 2, 1, 108, 12, 1, 3, 300]);
  });

  it('gives a decode row under a sliding window its first key, and partitions of its window only', () => {
    // Window 300: position 4095 sees keys 3796..4095; position 0 and 299 see all theirs; 300 drops key 0.
    const positions = [4095, 0, 299, 300];
    const tokenSeq = [0, 1, 2, 3];
    const decodeRows = new Uint32Array(4 * 4);
    const plan = planAttention(positions, tokenSeq, { tile: 4, partition: 256 }, decodeRows, new Uint32Array(16), 300);
    expect(plan).toEqual({ decodeCount: 4, partitions: 2, tileCount: 0 });
    expect(Array.from(decodeRows)).toEqual([0, 0, 4096, 3796, 1, 1, 1, 0, 2, 2, 300, 0, 3, 3, 301, 1]);
  });
});
