// sample_chunks.wgsl — the sampler's first pass (semantics and scratch layout in
// sampler_common.wgsl): one workgroup per CHUNK tokens of a sampled row writes s for its tokens,
// the chunk's statistics, and, for rows that need them, its candidates: the best s (rows with
// top-k or top-p) and the best raw logits (rows asking for top logprobs), sorted, with a bound.
//
// Candidates: while scanning, each invocation keeps its KEEP best values and the best value it
// dropped; the chunk's bound is the best value any invocation dropped, so every value above it is
// among the kept ones. Those are ranked (value desc, id asc) and the first LIST (RAW_LIST) written;
// when there are more, the bound rises to the first value left out.
//
// Bindings:
//   0 rows, 1 shape                         (sampler_common.wgsl)
//   2 logits   array<f32> [S, VOCAB]        raw LM-head output (read only)
//   3 params   array<Params> [≥ S]          per-row parameters (SamplerInputs)
//   4 entries  array<Entry> [≥ 1]           penalised / biased tokens, row r's at
//                                           [entry_start, entry_start + entry_count)
//   5 scratch  array<u32> [S, ROW_WORDS]    see sampler_common.wgsl
//   6 masks    array<u32> [≥ 1, MASK_WORDS]  allowed tokens of the rows that have a mask, row r's
//                                           at slot mask_row (NONE: no mask); token t allowed iff
//                                           bit (t & 31) of word (t >> 5) is set
// Grid: (CHUNKS, S, 1)
// Also flags (NON_FINITE) a chunk whose raw logits hold a NaN or ±Inf: from the bits, not from
// comparisons an implementation may assume never see NaN.
struct Entry { token: u32, output_count: u32, seen: u32, bias: f32 }

@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<Params>;
@group(0) @binding(4) var<storage, read> entries: array<Entry>;
@group(0) @binding(5) var<storage, read_write> scratch: array<u32>;
@group(0) @binding(6) var<storage, read> masks: array<u32>;

// Values an invocation keeps while scanning: 2 on GPUs (4 tokens an invocation, many
// invocations), 3 on CPU adapters (few invocations, hundreds of tokens each).
override KEEP: u32 = 2u;
override COLLECT: u32 = KEEP * WORKGROUP;  // room for every kept value, per list

// Tokens above the bound, COLLECT for s, then COLLECT for raw logits. Tokens only: a CPU adapter
// pays for workgroup memory (in compile time too); values are read back by token.
var<workgroup> collected: array<u32, 2u * COLLECT>;
var<workgroup> collected_count: array<atomic<u32>, 2>;
var<workgroup> chunk_non_finite: atomic<u32>;

fn allowed(p: Params, token: u32) -> bool {
  if (p.mask_row == NONE) { return true; }
  return ((masks[p.mask_row * shape.mask_words + (token >> 5u)] >> (token & 31u)) & 1u) != 0u;
}

fn penalised_logit(raw: f32, entry: Entry, p: Params) -> f32 {
  var x = raw + entry.bias;
  if (entry.seen != 0u) { x = select(x * p.repetition, x / p.repetition, x > 0.0); }
  x -= p.frequency * f32(entry.output_count);
  x -= p.presence * select(0.0, 1.0, entry.output_count > 0u);
  return x;
}

// An invocation's KEEP (2 or 3) best (value, token), best first, and the best value it dropped;
// vectors, not arrays, so they stay in registers. An insertion is a chain of compare-exchanges,
// without branches: a CPU adapter runs every branch of a loop body anyway. Equal values may keep
// either token: values equal to the bound are not trusted, whichever tokens were kept.
struct Kept { values: vec3<f32>, tokens: vec3<u32>, dropped: f32 }

fn keep(kept: Kept, value: f32, token: u32) -> Kept {
  // At each place the larger of (held, incoming) stays and the other moves down; NaN never moves in.
  let in_x = value > kept.values.x;
  let down_x = select(value, kept.values.x, in_x);
  let down_x_token = select(token, kept.tokens.x, in_x);
  let in_y = down_x > kept.values.y;
  let down_y = select(down_x, kept.values.y, in_y);
  let down_y_token = select(down_x_token, kept.tokens.y, in_y);
  let in_z = down_y > kept.values.z;
  let values = vec3(select(kept.values.x, value, in_x), select(kept.values.y, down_x, in_y), select(kept.values.z, down_y, in_z));
  let tokens = vec3(select(kept.tokens.x, token, in_x), select(kept.tokens.y, down_x_token, in_y), select(kept.tokens.z, down_y_token, in_z));
  // With KEEP = 2 the third place is scratch: what falls from the second is dropped.
  let fell = select(select(down_y, kept.values.z, in_z), down_y, KEEP == 2u);
  return Kept(values, tokens, max(kept.dropped, select(LOWEST, fell, fell == fell)));
}

fn append(kept: Kept, bound: f32, list: u32) {
  for (var j = 0u; j < KEEP; j++) {
    if (kept.tokens[j] != NONE && kept.values[j] > bound) {
      collected[list * COLLECT + atomicAdd(&collected_count[list], 1u)] = kept.tokens[j];
    }
  }
}

// List 0: s (in scratch, this workgroup's), list 1: raw logits.
fn value_of(list: u32, row: u32, token: u32) -> f32 {
  if (list == 0u) { return bitcast<f32>(scratch[row * shape.row_words + token]); }
  return logits[row * shape.vocab + token];
}

// Writes this invocation's collected values at their rank among all collected, the first `slots`
// of them; the value ranked `slots` becomes the chunk's bound. Returns how many were collected.
fn write_ranked(kept: Kept, bound: f32, row: u32, list: u32, slots: u32, values_at: u32, tokens_at: u32, bound_at: u32) -> u32 {
  let count = atomicLoad(&collected_count[list]);
  for (var k = 0u; k < KEEP; k++) {
    let value = kept.values[k];
    let token = kept.tokens[k];
    if (token == NONE || !(value > bound)) { continue; }
    var rank = 0u;
    for (var j = 0u; j < count; j++) {
      let other = collected[list * COLLECT + j];
      rank += select(0u, 1u, better(value_of(list, row, other), other, value, token));
    }
    if (rank < slots) {
      scratch[values_at + rank] = bitcast<u32>(value);
      scratch[tokens_at + rank] = token;
    } else if (rank == slots) {
      scratch[bound_at] = bitcast<u32>(value);
    }
  }
  return count;
}

@compute @workgroup_size(WORKGROUP)
fn main(ids: Ids, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = ids.index;
  let slot = reduce_slot(ids);
  let chunk = wid.x;
  let row = wid.y;
  if (row >= rows.count) { return; }
  let p = params[row];
  let f = filters(p);
  let wants_list = f.top_k || f.top_p;
  let wants_raw = p.num_logprobs > 0u;
  // Σ exp(s − max) over the vocabulary: top-p's kept mass when every token is kept before it.
  let wants_mass = f.top_p && !f.top_k && f.low == 0u;
  let start = chunk * shape.chunk;
  let end = min(start + shape.chunk, shape.vocab);
  let base = row * shape.row_words;
  let logit_base = row * shape.vocab;

  // On a CPU adapter a loop pays for all of its body, taken or not, so what only some rows need
  // (penalties, the mask, candidates, sums) has a loop of its own over the chunk (cached).
  // Raw (max, Σ exp(x − max)), online, NaN skipped; x / temperature into scratch (rows that are
  // rewritten below, and rows that may race or search need it there), its max and argmax at once
  // when nothing rewrites it. Ties keep the lower id; NaN is never the argmax nor a candidate; an
  // invocation that saw only lowest values keeps NONE (sample_finish maps NONE to token 0).
  let penalised = p.entry_count > 0u;
  let masked = p.mask_row != NONE;
  let rewritten = penalised || masked;
  var raw_stats = vec2(LOWEST, 0.0);
  var s_max = LOWEST;
  var argmax = NONE;
  var exponents = 0u;  // the largest exponent field seen: all ones iff a NaN or ±Inf
  for (var i = start + lid; i < end; i += WORKGROUP) {
    let x = logits[logit_base + i];
    exponents = max(exponents, bitcast<u32>(x) & EXPONENT_BITS);
    // One exp: exp(−|x − max|) rescales the sum when x is the new max, else is x's term.
    let up = x > raw_stats.x;
    let term = select(0.0, exp(-abs(x - raw_stats.x)), x == x);
    raw_stats = select(vec2(raw_stats.x, raw_stats.y + term), vec2(x, raw_stats.y * term + 1.0), up);
    let s = x / f.temperature;
    if (rewritten || !f.greedy) { scratch[base + i] = bitcast<u32>(s); }
    let best = !rewritten && s > s_max;
    s_max = select(s_max, s, best);
    argmax = select(argmax, i, best);
  }
  if (rewritten) {
    // Penalties and bias, and the mask (disjoint tokens), over the copy; then s read back.
    storageBarrier();
    for (var j = lid; j < p.entry_count; j += WORKGROUP) {
      let entry = entries[p.entry_start + j];
      if (entry.token >= start && entry.token < end && allowed(p, entry.token)) {
        scratch[base + entry.token] = bitcast<u32>(penalised_logit(logits[logit_base + entry.token], entry, p) / f.temperature);
      }
    }
    if (masked) {
      for (var i = start + lid; i < end; i += WORKGROUP) {
        if (!allowed(p, i)) { scratch[base + i] = bitcast<u32>(LOWEST); }
      }
    }
    storageBarrier();
    for (var i = start + lid; i < end; i += WORKGROUP) {
      let s = bitcast<f32>(scratch[base + i]);
      let best = s > s_max;
      s_max = select(s_max, s, best);
      argmax = select(argmax, i, best);
    }
  }
  // Read by invocation 0 at the end, after the reductions' barriers.
  if (exponents == EXPONENT_BITS) { atomicOr(&chunk_non_finite, 1u); }
  let nothing = Kept(vec3(LOWEST), vec3(NONE), LOWEST);
  var s_kept = nothing;
  var raw_kept = nothing;
  var s_sum = 0.0;
  if (wants_list) {
    for (var i = start + lid; i < end; i += WORKGROUP) {
      s_kept = keep(s_kept, bitcast<f32>(scratch[base + i]), i);  // NaN never > a kept value
    }
  }
  if (wants_raw) {
    for (var i = start + lid; i < end; i += WORKGROUP) {
      raw_kept = keep(raw_kept, logits[logit_base + i], i);
    }
  }
  if (wants_mass) {
    for (var i = start + lid; i < end; i += WORKGROUP) {
      let s = bitcast<f32>(scratch[base + i]);
      s_sum += select(0.0, exp(s - s_max), s == s);
    }
  }
  let s_stats = vec2(s_max, s_sum);
  let s_total = reduce(ids, slot, vec4(bitcast<u32>(s_stats.x), argmax, bitcast<u32>(s_stats.y), bitcast<u32>(s_kept.dropped)), true);
  let raw_total = reduce(ids, slot, vec4(bitcast<u32>(raw_stats.x), 0u, bitcast<u32>(raw_stats.y), bitcast<u32>(raw_kept.dropped)), true);
  let s_bound = bitcast<f32>(s_total.w);
  let raw_bound = bitcast<f32>(raw_total.w);

  append(s_kept, s_bound, 0u);
  append(raw_kept, raw_bound, 1u);
  storageBarrier();  // s of the collected tokens, read back by value_of
  workgroupBarrier();
  let at = stats_at(row, chunk);
  let s_collected = write_ranked(s_kept, s_bound, row, 0u, LIST, list_at(row) + chunk * LIST, list_ids_at(row) + chunk * LIST, at + 3u);
  let raw_collected = write_ranked(raw_kept, raw_bound, row, 1u, RAW_LIST, raw_at(row) + chunk * RAW_LIST, raw_ids_at(row) + chunk * RAW_LIST, at + 7u);
  if (lid == 0u) {
    scratch[at] = s_total.x;
    scratch[at + 1u] = s_total.y;
    scratch[at + 2u] = s_total.z;
    scratch[at + 4u] = raw_total.x;
    scratch[at + NON_FINITE] = atomicLoad(&chunk_non_finite);
    scratch[at + 6u] = raw_total.z;
    scratch[at + 8u] = min(s_collected, LIST);
    scratch[at + 9u] = min(raw_collected, RAW_LIST);
    // Bounds: the best dropped value, unless write_ranked raised it.
    if (s_collected <= LIST) { scratch[at + 3u] = s_total.w; }
    if (raw_collected <= RAW_LIST) { scratch[at + 7u] = raw_total.w; }
  }
}
