/**
 * The nine cases the subgroup linear tests (f16 and 4-bit) run: cases 0-7 each combination of
 * norm, bias and accumulate once, with the decode kernel's lanes taking turns (32, 8, 2), so every
 * lane count sees each epilogue on and off; case 8 has more rows than the decode kernel takes, so
 * the subgroup RMSNorm runs before the tiled kernel. `seen` records which paths each case covered.
 */
export interface SubgroupLinearCase {
  readonly index: number;
  readonly tiled: boolean;
  readonly lanes: number;
  readonly withNorm: boolean;
  readonly withBias: boolean;
  readonly accumulate: boolean;
  /** Marks the (path, epilogue, on/off) combinations this case exercised. */
  record(seen: Set<string>): void;
}

export function subgroupLinearCases(): SubgroupLinearCase[] {
  return Array.from({ length: 9 }, (_, c) => {
    const tiled = c === 8;
    const lanes = [32, 8, 2][c % 3]!;
    const withNorm = tiled || (c & 1) === 1;
    const withBias = (c & 2) === 2;
    const accumulate = (c & 4) === 4;
    const path = tiled ? 'tiled' : `decode lanes ${lanes}`;
    return {
      index: c, tiled, lanes, withNorm, withBias, accumulate,
      record: (seen) => {
        for (const [feature, on] of [['norm', withNorm], ['bias', withBias], ['accumulate', accumulate]] as const) seen.add(`${path} ${feature} ${on}`);
      },
    };
  });
}

/** Paths × epilogues × on/off the nine cases cover, plus the tiled path's three. */
export const subgroupLinearCombinations = 3 * 3 * 2 + 3;
