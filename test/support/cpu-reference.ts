/**
 * Plain-TypeScript references for every kernel, in f64, written from model-math.md rather than
 * from the shaders. Weights arrive as numbers already decoded from f16.
 */
export type Vec = ArrayLike<number>;

/** out[t, :] = table[ids[t], :] */
export function embeddingRef(table: Vec, hidden: number, ids: readonly number[]): Float64Array {
  const out = new Float64Array(ids.length * hidden);
  ids.forEach((id, t) => {
    for (let i = 0; i < hidden; i++) out[t * hidden + i] = table[id * hidden + i] as number;
  });
  return out;
}

export function rmsNormRef(x: Vec, rows: number, dim: number, weight: Vec, eps: number): Float64Array {
  const out = new Float64Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += (x[r * dim + i] as number) ** 2;
    const scale = 1 / Math.sqrt(sum / dim + eps);
    for (let i = 0; i < dim; i++) out[r * dim + i] = (weight[i] as number) * (x[r * dim + i] as number) * scale;
  }
  return out;
}

/** y[m, n] = Σ_k x[m, k] · w[n, k] + bias[n] — a Linear layer with weight [n, k]. */
export function linearRef(x: Vec, m: number, k: number, w: Vec, n: number, bias?: Vec): Float64Array {
  const y = new Float64Array(m * n);
  for (let row = 0; row < m; row++) {
    for (let col = 0; col < n; col++) {
      let sum = bias === undefined ? 0 : (bias[col] as number);
      for (let i = 0; i < k; i++) sum += (x[row * k + i] as number) * (w[col * k + i] as number);
      y[row * n + col] = sum;
    }
  }
  return y;
}

/**
 * Rotate-half RoPE of one head vector at `position` with frequencies f_i (i < d/2). The angle is
 * rounded to f32 as PyTorch computes it (position · inv_freq in float32); the rest is exact.
 */
export function ropeRef(head: Vec, position: number, invFreq: Vec): Float64Array {
  const d = head.length;
  const half = d / 2;
  const out = new Float64Array(d);
  for (let i = 0; i < half; i++) {
    const angle = Math.fround(position * (invFreq[i] as number));
    const a = head[i] as number;
    const b = head[i + half] as number;
    out[i] = a * Math.cos(angle) - b * Math.sin(angle);
    out[i + half] = b * Math.cos(angle) + a * Math.sin(angle);
  }
  return out;
}

export function siluRef(z: number): number {
  return z / (1 + Math.exp(-z));
}

/**
 * Causal GQA attention for one sequence: q [T, H, d] at positions[t], keys/values [S, KV, d]
 * for positions 0..S-1; token t sees keys 0..positions[t], or with a sliding window W > 0 only
 * keys s with positions[t] − s < W (transformers' sliding-window causal mask).
 */
export function attentionRef(
  q: Vec,
  keys: Vec,
  values: Vec,
  positions: readonly number[],
  numHeads: number,
  numKvHeads: number,
  headDim: number,
  window = 0,
): Float64Array {
  const out = new Float64Array(positions.length * numHeads * headDim);
  const group = numHeads / numKvHeads;
  positions.forEach((position, t) => {
    const first = window > 0 ? Math.max(0, position - window + 1) : 0;
    for (let h = 0; h < numHeads; h++) {
      const kvHead = Math.floor(h / group);
      const at = (t * numHeads + h) * headDim;
      const scores = new Float64Array(position + 1).fill(-Infinity);
      for (let s = first; s <= position; s++) {
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += (q[at + d] as number) * (keys[(s * numKvHeads + kvHead) * headDim + d] as number);
        scores[s] = dot / Math.sqrt(headDim);
      }
      const max = scores.reduce((a, b) => Math.max(a, b), -Infinity);
      // Weighted values summed key by key (each output dimension still in key order).
      let total = 0;
      for (let s = first; s <= position; s++) {
        const weight = Math.exp(scores[s]! - max);
        total += weight;
        for (let d = 0; d < headDim; d++) out[at + d]! += weight * (values[(s * numKvHeads + kvHead) * headDim + d] as number);
      }
      for (let d = 0; d < headDim; d++) out[at + d]! /= total;
    }
  });
  return out;
}

/**
 * x rounded to the nearest IEEE half (ties to even; ±Infinity past 65504), computed on the f16
 * grid directly rather than through bit patterns: the precision of the packed f16 KV cache.
 */
export function f16Round(x: number): number {
  const magnitude = Math.abs(x);
  if (magnitude === 0 || !Number.isFinite(magnitude)) return x;
  const ulp = f16Ulp(magnitude);
  const units = magnitude / ulp; // exact: ulp is a power of two
  const floor = Math.floor(units);
  const fraction = units - floor;
  const rounded = (fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor) * ulp;
  return Math.sign(x) * (rounded > 65504 ? Infinity : rounded);
}

/** The spacing of f16 values around |x|: 2^(e − 10) for 2^e ≤ |x| < 2^(e+1), 2^-24 below 2^-14. */
export function f16Ulp(x: number): number {
  const magnitude = Math.abs(x);
  let exponent = magnitude > 0 ? Math.floor(Math.log2(magnitude)) : -14;
  if (2 ** exponent > magnitude) exponent--;
  if (2 ** (exponent + 1) <= magnitude) exponent++;
  return 2 ** (Math.max(exponent, -14) - 10);
}

/** Keys or values as the KV cache holds them: each rounded to f16 (kv_write.wgsl). */
export function kvStoredRef(values: Vec): Float64Array {
  return Float64Array.from({ length: values.length }, (_, i) => f16Round(values[i] as number));
}
