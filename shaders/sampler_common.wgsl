// sampler_common.wgsl — what the sampler's four kernels share, appended to each one's source by
// the wrapper (src/gpu/kernels/sampler.ts) after a reduction library (sampler_reduce_*.wgsl).
// No entry point and no bindings of its own.
//
// Semantics, as vLLM v1's sampler (per-row parameters):
//   0. a row with a token mask (constrained decoding): tokens outside it get the lowest f32
//      (WGSL has no infinity literal; exp(lowest − max) is 0 all the same) before anything else,
//      so no bias, penalty or filter brings them back and greedy takes the best allowed token.
//   1. s = (logits + bias, repetition / frequency / presence penalties) / temperature;
//      logits stay untouched.
//   2. greedy (temperature 0): argmax of s, ties to the lowest id, NaN never wins.
//      random: e = exp(s − max) ∈ [0, 1]; keep e ≥ min_p (prob ≥ min_p · max prob);
//      keep e ≥ the k-th largest e (top_k); keep a token iff the kept mass strictly above it is
//      < top_p · kept mass; pick argmax e / E over kept tokens, E ~ Exp(1) from a counter-based
//      hash of (seed, counter, token) (the exponential race ≡ Gumbel-max), so a seeded row's
//      token depends on nothing else in the batch.
//   3. raw logprobs, log_softmax(logits): the sampled token's, and the top num_logprobs (ties to
//      the lower id).
//   4. a row whose raw logits hold a NaN or ±Inf is flagged in `out` (its token means nothing):
//      the model failed numerically for that request, and the host ends it.
// Thresholds are exact: a search over the f32 bits of e (monotone for e ≥ 0), each probe an
// integer count or an f32 sum in a fixed order, so every run gives the same answer.
//
// The work is split so that no single workgroup reads the whole vocabulary on the common paths:
//   sample_chunks (CHUNKS × S): s into scratch, per-chunk statistics and the chunk's best s and
//     raw values (its candidates), sorted;
//   sample_select (S): merges the chunks; greedy, top-k / top-p / min-p on the candidates when
//     they provably hold every kept token, else the whole-vocabulary search (the rare fallback);
//   sample_race (CHUNKS × S): the exponential race over the vocabulary, for rows whose kept set
//     is a plain threshold (no filter, min_p alone, or the fallback's result);
//   sample_finish (S): the chosen token and its logprob into `out`.
//
// Scratch, ROW_WORDS = VOCAB + CHUNK_SLOTS · (STAT_WORDS + 2 + 2 · LIST + 2 · RAW_LIST) + STATE_WORDS
// u32 words per row (floats as bits):
//   [0, VOCAB)                              s, then e where the fallback searched the vocabulary
//   stats   [CHUNK_SLOTS, STAT_WORDS]       per chunk: s (max, argmax, Σ exp(s − max), bound),
//                                           raw (max, NON_FINITE flag, Σ exp(x − max), bound),
//                                           list counts
//   races   [CHUNK_SLOTS, 2]                per chunk: the race's best (score, token)
//   list    [CHUNK_SLOTS, LIST] ×2          per chunk: best s (then e) and their tokens
//   raw     [CHUNK_SLOTS, RAW_LIST] ×2      per chunk: best raw logits and their tokens
//   state   [STATE_WORDS]                   chosen, route, kept threshold, max s, max raw,
//                                           log Σ exp(raw − max), top logprobs from the lists
// A chunk's bound: every token of the chunk whose value is above it is in the chunk's list.
// Bindings 0 (rows) and 1 (shape) are every kernel's; overrides: LANES (WORKGROUP = LANES²).

struct Rows { count: u32 }
// The vocabulary's shape, a uniform rather than overrides, so one pipeline serves every vocabulary.
struct Shape {
  vocab: u32,
  chunk: u32,        // tokens a chunk
  chunks: u32,       // ceil(vocab / chunk) ≤ WORKGROUP of sample_select and sample_finish
  chunk_slots: u32,  // chunk records a row of scratch has room for (≥ chunks)
  row_words: u32,    // ROW_WORDS
  mask_words: u32,   // ceil(vocab / 32)
}
struct Params {
  temperature: f32, top_p: f32, top_k: u32, min_p: f32,
  repetition: f32, presence: f32, frequency: f32, seed_lo: u32,
  seed_hi: u32, counter: u32, num_logprobs: u32, entry_start: u32,
  entry_count: u32, mask_row: u32, pad1: u32, pad2: u32,
}

// Every kernel's first two bindings.
@group(0) @binding(0) var<uniform> rows: Rows;  // number of sampled rows S
@group(0) @binding(1) var<uniform> shape: Shape;

// 16 (a workgroup of 256) on GPUs; 8 (64) or 4 (16) on CPU adapters, where every four
// invocations of a workgroup are a coroutine switched at each barrier.
override LANES: u32 = 16u;
override WORKGROUP: u32 = LANES * LANES;

const TOP = 20u;
const OUT_WORDS = 43u;
const OUT_FLAGS = 42u;  // out word: 1 when the row's raw logits hold a NaN or ±Inf
const NON_FINITE = 5u;  // stats word: 1 when the chunk's raw logits hold a NaN or ±Inf
const EXPONENT_BITS = 0x7f800000u;  // an f32 whose exponent bits are all set is NaN or ±Inf
const NONE = 0xffffffffu;
const ONE_BITS = 0x3f800000u;  // bits of 1.0, the largest e
const LOWEST = -0x1.fffffep+127f;  // the lowest finite f32
const LIST = 32u;
const RAW_LIST = 20u;
const STAT_WORDS = 12u;
const STATE_WORDS = 8u;

// State words.
const CHOSEN = 0u;
const ROUTE = 1u;
const KEPT_LOW = 2u;
const MAX_S = 3u;
const MAX_RAW = 4u;
const LOG_SUM = 5u;
const LISTED = 6u;
// Routes: the token is chosen; race over s in scratch; race over e in scratch (after the fallback).
const DONE = 0u;
const RACE_S = 1u;
const RACE_E = 2u;

fn stats_at(row: u32, chunk: u32) -> u32 { return row * shape.row_words + shape.vocab + chunk * STAT_WORDS; }
fn race_at(row: u32, chunk: u32) -> u32 { return row * shape.row_words + shape.vocab + shape.chunk_slots * STAT_WORDS + chunk * 2u; }
fn list_at(row: u32) -> u32 { return row * shape.row_words + shape.vocab + shape.chunk_slots * (STAT_WORDS + 2u); }
fn list_ids_at(row: u32) -> u32 { return list_at(row) + shape.chunk_slots * LIST; }
fn raw_at(row: u32) -> u32 { return list_ids_at(row) + shape.chunk_slots * LIST; }
fn raw_ids_at(row: u32) -> u32 { return raw_at(row) + shape.chunk_slots * RAW_LIST; }
fn state_at(row: u32) -> u32 { return row * shape.row_words + shape.row_words - STATE_WORDS; }

// What a row's parameters ask for.
struct Filters { greedy: bool, temperature: f32, top_k: bool, top_p: bool, low: u32 }

fn filters(p: Params) -> Filters {
  let greedy = p.temperature == 0.0;
  // kept: bits(e) ≥ low; min_p: e ≥ min_p (−0 and below: off).
  let low = select(bitcast<u32>(min(p.min_p, 1.0)), 0u, !(p.min_p > 0.0));
  return Filters(greedy, select(p.temperature, 1.0, greedy), !greedy && p.top_k > 0u && p.top_k < shape.vocab,
                 !greedy && p.top_p < 1.0, low);
}

// The best (value, index) — larger value, then lower index; index NONE never wins.
fn better(value: f32, index: u32, than_value: f32, than_index: u32) -> bool {
  if (index == NONE) { return false; }
  if (than_index == NONE) { return true; }
  return value > than_value || (value == than_value && index < than_index);
}

// sum · exp(old_max − new_max), exactly 0 for an empty sum whatever the maxima.
fn rescale(sum: f32, old_max: f32, new_max: f32) -> f32 {
  return select(0.0, sum * exp(old_max - new_max), sum > 0.0);
}

// A reduction item, floats as bits: four f32 sums, or "best" (value, index, Σ exp(· − value),
// aux): the better (value, index), the sums rescaled to the winner's value, the larger aux.
fn fold(acc: vec4<u32>, next: vec4<u32>, best: bool) -> vec4<u32> {
  let a = bitcast<vec4<f32>>(acc);
  let n = bitcast<vec4<f32>>(next);
  if (!best) { return bitcast<vec4<u32>>(a + n); }
  let win = select(acc.xy, next.xy, better(n.x, next.y, a.x, acc.y));
  let top = bitcast<f32>(win.x);
  return vec4(win, bitcast<u32>(rescale(a.z, a.x, top) + rescale(n.z, n.x, top)), bitcast<u32>(max(a.w, n.w)));
}

// A "best" item: no sum, no aux.
fn candidate(value: f32, index: u32) -> vec4<u32> {
  return vec4(bitcast<u32>(value), index, 0u, bitcast<u32>(LOWEST));
}

// e = exp(s − max): exactly 1 for the maximum whatever exp's accuracy; NaN → 0, never kept.
fn weight(s: f32, top: f32) -> f32 {
  let e = exp(s - top);
  return select(select(0.0, e, e == e), 1.0, s == top);
}

// lowbias32 (C. Wellons' hash-prospector, 0x21f0aaad / 0x735a2d97): a well-mixing u32 bijection.
fn mix(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u; x *= 0x21f0aaadu;
  x ^= x >> 15u; x *= 0x735a2d97u;
  x ^= x >> 15u;
  return x;
}

// The hash of (seed, counter) a row's draws start from; once a row, not once a token.
fn race_key(p: Params) -> u32 {
  return mix(mix(mix(p.seed_lo ^ 0x9e3779b9u) ^ p.seed_hi) ^ p.counter);
}

// E = −log(u), u = (top 23 bits of mix(key ^ token) + 0.5) / 2^23 ∈ (0, 1), exact in f32.
// Branch-free (a CPU adapter runs both sides of a branch in a loop anyway).
fn exponential(key: u32, token: u32) -> f32 {
  let h = mix(key ^ token);
  let u = (f32(h >> 9u) + 0.5) * (1.0 / 8388608.0);
  // log near 1 is only absolutely accurate, and E is tiny there: for u ≥ 0.5, −log(u) = 2·atanh(z)
  // with z = (1 − u) / (1 + u) ≤ 1/3, a series with relative accuracy (Horner, 1/17 … 1/1).
  let z = (1.0 - u) / (1.0 + u);
  let z2 = z * z;
  var series = 1.0 / 17.0;
  series = series * z2 + 1.0 / 15.0;
  series = series * z2 + 1.0 / 13.0;
  series = series * z2 + 1.0 / 11.0;
  series = series * z2 + 1.0 / 9.0;
  series = series * z2 + 1.0 / 7.0;
  series = series * z2 + 1.0 / 5.0;
  series = series * z2 + 1.0 / 3.0;
  series = series * z2 + 1.0;
  return select(2.0 * z * series, -log(u), u < 0.5);
}

// The race's score of a token: e / E; key = race_key(p).
fn race_score(key: u32, e: f32, token: u32) -> f32 {
  return e / exponential(key, token);
}
