// Sampler, one workgroup per sampled row, as vLLM v1's sampler (per-row parameters):
//   0. a row with a token mask (constrained decoding): tokens outside it get the lowest f32
//      (WGSL has no infinity literal; exp(lowest − max) is 0 all the same) before anything else,
//      so no bias, penalty or filter brings them back and greedy takes the best allowed token.
//   1. scratch = (logits + bias, repetition / frequency / presence penalties) / temperature;
//      logits stay untouched.
//   2. greedy (temperature 0): argmax of scratch, ties to the lowest id, NaN never wins.
//      random: e = exp(scratch − max) ∈ [0, 1]; keep e ≥ min_p (prob ≥ min_p · max prob);
//      keep e ≥ the k-th largest e (top_k); keep a token iff the kept mass strictly above it is
//      < top_p · kept mass; pick argmax e / E over kept tokens, E ~ Exp(1) from a counter-based
//      hash of (seed, counter, token) (the exponential race ≡ Gumbel-max), so a seeded row's
//      token depends on nothing else in the batch.
//   3. raw logprobs, log_softmax(logits): the sampled token's, and the top num_logprobs (ties to
//      the lower id).
// Thresholds are exact: a search over the f32 bits of e (monotone for e ≥ 0), each probe an
// integer count or an f32 sum in a fixed order, so every run gives the same answer.
// On a CPU adapter (SwiftShader) a workgroup pays for every barrier in the code, every barrier
// run and every byte of workgroup memory: hence five reductions in the code, ≤ 4 KiB of workgroup
// memory, and only the reductions a row needs (no searches for unused filters, no draw when
// greedy, no top-logprob passes for num_logprobs 0).
//
// Bindings:
//   0 rows     uniform { count }           number of sampled rows S
//   1 logits   array<f32> [S, VOCAB]        raw LM-head output (read only)
//   2 params   array<Params> [≥ S]          per-row parameters (SamplerInputs)
//   3 entries  array<Entry> [≥ 1]           penalised / biased tokens, row r's at
//                                           [entry_start, entry_start + entry_count)
//   4 scratch  array<f32> [S, VOCAB]        processed logits, then e
//   5 out      array<u32> [S, OUT_WORDS]    [id, logprob, top ids ×20, top logprobs ×20];
//                                           logprobs as f32 bits, missing top ids = 0xffffffff
//   6 masks    array<u32> [≥ 1, MASK_WORDS]  allowed tokens of the rows that have a mask, row r's
//                                           at slot mask_row (NONE: no mask); token t allowed iff
//                                           bit (t & 31) of word (t >> 5) is set
// Overrides: VOCAB (MASK_WORDS = ceil(VOCAB / 32)), LANES (WORKGROUP = LANES²)
// Grid: (S, 1, 1) — one workgroup per row
struct Rows { count: u32 }
struct Params {
  temperature: f32, top_p: f32, top_k: u32, min_p: f32,
  repetition: f32, presence: f32, frequency: f32, seed_lo: u32,
  seed_hi: u32, counter: u32, num_logprobs: u32, entry_start: u32,
  entry_count: u32, mask_row: u32, pad1: u32, pad2: u32,
}
struct Entry { token: u32, output_count: u32, seen: u32, bias: f32 }
// The best (value, index) — larger value, then lower index; index NONE never wins — and an
// f32 sum reduced alongside.
struct Best { value: f32, index: u32, sum: f32 }

@group(0) @binding(0) var<uniform> rows: Rows;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<Params>;
@group(0) @binding(3) var<storage, read> entries: array<Entry>;
@group(0) @binding(4) var<storage, read_write> scratch: array<f32>;
@group(0) @binding(5) var<storage, read_write> out: array<u32>;
@group(0) @binding(6) var<storage, read> masks: array<u32>;

override VOCAB: u32;
// Reductions fold LANES lanes of LANES partials. 16 (a workgroup of 256) on GPUs; 8 (64) on CPU
// adapters, where SwiftShader's compile time grows with the workgroup memory it zero-fills.
override LANES: u32 = 16u;
override WORKGROUP: u32 = LANES * LANES;
const TOP = 20u;
const OUT_WORDS = 42u;
const NONE = 0xffffffffu;
const ONE_BITS = 0x3f800000u;  // bits of 1.0, the largest e
const LOWEST = -0x1.fffffep+127f;  // the lowest finite f32
override MASK_WORDS: u32 = (VOCAB + 31u) / 32u;

// The threshold searches take two bits of e (e ≤ 1 < 2^30) per step, probing t + {1, 2, 3}·digit.
const SEARCH_STEPS = 15u;
const PROBES = vec3(1u, 2u, 3u);

// A reduction item: four f32 sums, or (best value, best index, an f32 sum, –), floats as bits.
// ≤ 4 KiB in all: a CPU adapter pays for every byte of workgroup memory in every workgroup.
var<workgroup> level1: array<vec4<u32>, WORKGROUP>;
var<workgroup> level2: array<vec4<u32>, LANES>;

fn better(value: f32, index: u32, than_value: f32, than_index: u32) -> bool {
  if (index == NONE) { return false; }
  if (than_index == NONE) { return true; }
  return value > than_value || (value == than_value && index < than_index);
}

fn fold(acc: vec4<u32>, next: vec4<u32>, best: bool) -> vec4<u32> {
  let sums = bitcast<vec4<u32>>(bitcast<vec4<f32>>(acc) + bitcast<vec4<f32>>(next));
  let next_wins = better(bitcast<f32>(next.x), next.y, bitcast<f32>(acc.x), acc.y);
  return select(sums, vec4(select(acc.xy, next.xy, next_wins), sums.zw), best);
}

// Two barriers instead of a log2(WORKGROUP)-step tree: LANES lanes fold LANES items each, then
// every invocation folds the LANES lanes, in a fixed order, so all get the same result in every run.
fn reduce(lid: u32, item: vec4<u32>, best: bool) -> vec4<u32> {
  level1[lid] = item;
  workgroupBarrier();
  if (lid < LANES) {
    var acc = level1[lid * LANES];
    for (var j = 1u; j < LANES; j++) { acc = fold(acc, level1[lid * LANES + j], best); }
    level2[lid] = acc;
  }
  workgroupBarrier();
  var acc = level2[0];
  for (var j = 1u; j < LANES; j++) { acc = fold(acc, level2[j], best); }
  return acc;
}

fn reduce_best(lid: u32, part: Best) -> Best {
  let r = reduce(lid, vec4(bitcast<u32>(part.value), part.index, bitcast<u32>(part.sum), 0u), true);
  return Best(bitcast<f32>(r.x), r.y, bitcast<f32>(r.z));
}

fn reduce_sums(lid: u32, sums: vec4<f32>) -> vec4<f32> {
  return bitcast<vec4<f32>>(reduce(lid, bitcast<vec4<u32>>(sums), false));
}

fn allowed(p: Params, token: u32) -> bool {
  if (p.mask_row == NONE) { return true; }
  return ((masks[p.mask_row * MASK_WORDS + (token >> 5u)] >> (token & 31u)) & 1u) != 0u;
}

fn penalised(raw: f32, entry: Entry, p: Params) -> f32 {
  var x = raw + entry.bias;
  if (entry.seen != 0u) { x = select(x * p.repetition, x / p.repetition, x > 0.0); }
  x -= p.frequency * f32(entry.output_count);
  x -= p.presence * select(0.0, 1.0, entry.output_count > 0u);
  return x;
}

// lowbias32 (C. Wellons' hash-prospector, 0x21f0aaad / 0x735a2d97): a well-mixing u32 bijection.
fn mix(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u; x *= 0x21f0aaadu;
  x ^= x >> 15u; x *= 0x735a2d97u;
  x ^= x >> 15u;
  return x;
}

// E = −log(u), u = (top 23 bits of the hash + 0.5) / 2^23 ∈ (0, 1), exact in f32.
fn exponential(p: Params, token: u32) -> f32 {
  let h = mix(mix(mix(mix(p.seed_lo ^ 0x9e3779b9u) ^ p.seed_hi) ^ p.counter) ^ token);
  let u = (f32(h >> 9u) + 0.5) * (1.0 / 8388608.0);
  if (u < 0.5) { return -log(u); }
  // log near 1 is only absolutely accurate, and E is tiny there: −log(u) = 2·atanh(z) with
  // z = (1 − u) / (1 + u) ≤ 1/3, a series with relative accuracy.
  let z = (1.0 - u) / (1.0 + u);
  let z2 = z * z;
  var series = 1.0 / 17.0;
  for (var k = 15.0; k > 0.0; k -= 2.0) { series = series * z2 + 1.0 / k; }
  return 2.0 * z * series;
}

// Per invocation: .xyz = Σ over tokens with bits(e) ≥ lowest[j] of e (mass) or 1 (count, exact
// in f32); .w = Σ e over tokens with bits(e) ≥ kept, the kept mass.
fn tally(lid: u32, base: u32, lowest: vec3<u32>, kept: u32, mass: bool) -> vec4<f32> {
  var total = vec4(0.0);
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let e = scratch[base + i];
    let bits = bitcast<u32>(e);
    total += select(vec4(0.0), vec4(vec3(select(1.0, e, mass)), e), vec4(vec3(bits) >= lowest, bits >= kept));
  }
  return total;
}

fn best_score(lid: u32, base: u32) -> Best {
  var best = Best(0.0, NONE, 0.0);
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let v = scratch[base + i];
    // v == v is false only for NaN.
    if (v == v && better(v, i, best.value, best.index)) { best.value = v; best.index = i; }
  }
  return best;
}

// The exponential race: argmax e / E over tokens with bits(e) ≥ low.
fn race(lid: u32, base: u32, low: u32, p: Params) -> Best {
  var best = Best(0.0, NONE, 0.0);
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let e = scratch[base + i];
    if (bitcast<u32>(e) >= low) {
      let score = e / exponential(p, i);
      if (better(score, i, best.value, best.index)) { best.value = score; best.index = i; }
    }
  }
  return best;
}

// The best raw logit after (after_value, after_index) in (value desc, id asc) order.
fn next_logit(lid: u32, base: u32, first: bool, after_value: f32, after_index: u32) -> Best {
  var best = Best(0.0, NONE, 0.0);
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let x = logits[base + i];
    let later = first || better(after_value, after_index, x, i);
    if (x == x && later && better(x, i, best.value, best.index)) { best.value = x; best.index = i; }
  }
  return best;
}

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  if (row >= rows.count) { return; }
  let p = params[row];
  let base = row * VOCAB;
  let greedy = p.temperature == 0.0;
  let temperature = select(p.temperature, 1.0, greedy);
  let top_k = !greedy && p.top_k > 0u && p.top_k < VOCAB;
  let top_p = !greedy && p.top_p < 1.0;

  // Processed logits, and this invocation's (max, Σ exp) of the raw ones (online softmax).
  var stats = vec2(LOWEST, 0.0);
  for (var i = lid; i < VOCAB; i += WORKGROUP) {
    let x = logits[base + i];
    scratch[base + i] = select(LOWEST, x / temperature, allowed(p, i));
    if (x > stats.x) {
      stats = vec2(x, stats.y * exp(stats.x - x) + 1.0);
    } else if (x == x) {
      stats.y += exp(x - stats.x);
    }
  }
  if (p.entry_count > 0u) {
    storageBarrier();  // the copy above also wrote the entries' tokens
    for (var j = lid; j < p.entry_count; j += WORKGROUP) {
      let entry = entries[p.entry_start + j];
      if (entry.token < VOCAB && allowed(p, entry.token)) {
        scratch[base + entry.token] = penalised(logits[base + entry.token], entry, p) / temperature;
      }
    }
    storageBarrier();
  }

  let max_raw = reduce_best(lid, Best(stats.x, lid, 0.0)).value;
  var part = best_score(lid, base);
  part.sum = stats.y * exp(stats.x - max_raw);
  let scores = reduce_best(lid, part);
  let log_sum = log(scores.sum);
  var chosen = scores.index;  // greedy: the argmax of the processed logits

  if (!greedy) {
    for (var i = lid; i < VOCAB; i += WORKGROUP) {
      let s = scratch[base + i];
      let e = exp(s - scores.value);
      // exp(0) is exactly 1 for the maximum whatever exp's accuracy; NaN → 0, never kept.
      scratch[base + i] = select(select(0.0, e, e == e), 1.0, s == scores.value);
    }
    var low = bitcast<u32>(clamp(p.min_p, 0.0, 1.0));  // kept: bits(e) ≥ low; min_p: e ≥ min_p
    // top_k: t = the largest bits with count(bits ≥ t) ≥ k, the k-th largest e.
    // top_p: t = the largest bits whose kept mass above is still ≥ top_p · kept mass (monotone: a
    // fixed-order sum of non-negative terms; t = 0 qualifies); keep bits > t.
    // Both searches run in one loop, so its reduction is one barrier site in the code.
    let k_steps = select(0u, SEARCH_STEPS, top_k);
    let steps = k_steps + select(0u, SEARCH_STEPS, top_p);
    var t = 0u;
    for (var n = 0u; n < steps; n++) {
      let searching_k = n < k_steps;
      if (n == k_steps && top_k) { low = max(low, t); t = 0u; }
      let digit = 1u << (28u - 2u * select(n - k_steps, n, searching_k));
      let probes = t + PROBES * digit;
      let r = reduce_sums(lid, tally(lid, base, select(max(vec3(low), probes + 1u), probes, searching_k), low, !searching_k));
      let at_least = select(p.top_p * r.w, f32(p.top_k), searching_k);
      // The tallies fall as the probe rises, so the passing probes are a prefix: the next digit.
      t += digit * dot(vec3<u32>(r.xyz >= vec3(at_least)), vec3(1u));
    }
    if (top_p) { low = max(low, t + 1u); } else if (top_k) { low = max(low, t); }
    chosen = reduce_best(lid, race(lid, base, min(low, ONE_BITS), p)).index;
  }
  chosen = select(chosen, 0u, chosen == NONE);
  let o = row * OUT_WORDS;
  if (lid == 0u) {
    out[o] = chosen;
    out[o + 1u] = bitcast<u32>(logits[base + chosen] - max_raw - log_sum);
  }

  // Top logprobs: the next (value, id) after the previous one, num_logprobs times.
  var previous = Best(0.0, NONE, 0.0);
  for (var j = 0u; j < min(p.num_logprobs, TOP); j++) {
    previous = reduce_best(lid, next_logit(lid, base, j == 0u, previous.value, previous.index));
    if (lid == 0u) {
      out[o + 2u + j] = previous.index;
      out[o + 2u + TOP + j] = bitcast<u32>(previous.value - max_raw - log_sum);
    }
  }
}
