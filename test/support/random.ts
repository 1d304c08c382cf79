/** Seeded random numbers for tests: every random shape and value is reproducible from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, maxInclusive: number): number {
    return min + Math.floor(this.next() * (maxInclusive - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  floats(length: number, scale = 1): Float32Array {
    const values = new Float32Array(length);
    for (let i = 0; i < length; i++) values[i] = (this.next() * 2 - 1) * scale;
    return values;
  }
  /** Random IEEE half bit patterns with magnitudes in [2^minExp, 2^(maxExp+1)) and random sign. */
  halves(length: number, minExp = -6, maxExp = 0): Uint16Array {
    const bits = new Uint16Array(length);
    for (let i = 0; i < length; i++) {
      const exponent = this.int(minExp, maxExp) + 15;
      bits[i] = (this.next() < 0.5 ? 0x8000 : 0) | (exponent << 10) | this.int(0, 1023);
    }
    return bits;
  }
}

/** IEEE half bits → number (exact). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function halvesToFloats(bits: Uint16Array): Float64Array {
  return Float64Array.from(bits, halfToFloat);
}
