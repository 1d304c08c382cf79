// sample_select.wgsl — the sampler's second pass (semantics and scratch layout in
// sampler_common.wgsl): one workgroup per sampled row merges its chunks and decides.
//   greedy: the argmax of s (route DONE).
//   no top-k and no top-p: the kept set is e ≥ min_p, a plain threshold (route RACE_S).
//   top-k / top-p: the threshold search over the chunks' candidates, where every token above all
//     chunks' bounds is present (e above `trusted`); it stands when the threshold it finds is above
//     `trusted` (so every kept token is a candidate) and top-p's kept mass is known (the
//     candidates' own, or the vocabulary's when min_p and top-k keep everything); then the race
//     runs over the candidates (route DONE). Otherwise (top_k beyond the candidates, ties at the
//     bound, a long top-p tail) the same search runs over the whole vocabulary (route RACE_E).
//   (e = exp(s − max) is monotone in s, so e above `trusted`, the e of the largest bound, means s
//   above every bound; f32 exp rounding can only make that an ulp-level near tie.)
//   top logprobs: the chunks' sorted raw lists merged while their heads are above every raw bound,
//     then, if more are wanted, the next-best scans over the vocabulary.
//
// Bindings:
//   0 rows, 1 shape                         (sampler_common.wgsl)
//   2 logits   array<f32> [S, VOCAB]        raw LM-head output (read only)
//   3 params   array<Params> [≥ S]          per-row parameters
//   4 scratch  array<u32> [S, ROW_WORDS]    see sampler_common.wgsl; writes the state words
//   5 out      array<u32> [S, OUT_WORDS]    writes the top logprobs, words [2, OUT_FLAGS)
// Grid: (S, 1, 1)

@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<Params>;
@group(0) @binding(4) var<storage, read_write> scratch: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<u32>;

// The threshold searches take two bits of e (e ≤ 1 < 2^30) per step, probing t + {1, 2, 3}·digit.
const SEARCH_STEPS = 15u;
const PROBES = vec3(1u, 2u, 3u);

var<workgroup> proven: u32;  // the search's threshold stands

// Per invocation, over the e values at scratch[first, first + count): .xyz = Σ over values with
// bits(e) ≥ lowest[j] of e (mass) or 1 (count, exact in f32); .w = Σ e over bits(e) ≥ kept.
fn tally(lid: u32, first: u32, count: u32, lowest: vec3<u32>, kept: u32, mass: bool) -> vec4<f32> {
  var total = vec4(0.0);
  for (var i = lid; i < count; i += WORKGROUP) {
    let e = bitcast<f32>(scratch[first + i]);
    let bits = bitcast<u32>(e);
    total += select(vec4(0.0), vec4(vec3(select(1.0, e, mass)), e), vec4(vec3(bits) >= lowest, bits >= kept));
  }
  return total;
}

struct Threshold { low: u32, proven: bool }

// The kept threshold (bits(e) ≥ low) over the e values at scratch[first, first + count).
// top_k: t = the largest bits with count(bits ≥ t) ≥ k, the k-th largest e.
// top_p: t = the largest bits whose kept mass above is still ≥ top_p · kept mass (monotone: a
// fixed-order sum of non-negative terms; t = 0 qualifies); keep bits > t.
// Both searches run in one loop, so its reduction is one call site.
// `complete`: the values are the whole vocabulary; else only values above `trusted` are known
// to be all there, and `all_mass` is the vocabulary's Σ e (for top-p when nothing else filters).
fn search(ids: Ids, slot: u32, p: Params, f: Filters, first: u32, count: u32, trusted: u32, complete: bool, all_mass: f32) -> Threshold {
  var low = f.low;
  var proven = true;
  var use_all_mass = false;
  let k_steps = select(0u, SEARCH_STEPS, f.top_k);
  let steps = k_steps + select(0u, SEARCH_STEPS, f.top_p);
  var t = 0u;
  for (var n = 0u; n < steps; n++) {
    let searching_k = n < k_steps;
    if (n == k_steps) {
      if (f.top_k) { low = max(low, t); t = 0u; }
      if (!complete && low <= trusted) {
        use_all_mass = low == 0u && !f.top_k;
        proven = use_all_mass;
      }
    }
    let digit = 1u << (28u - 2u * select(n - k_steps, n, searching_k));
    let probes = t + PROBES * digit;
    let lowest = select(max(vec3(low), probes + 1u), probes, searching_k);
    let r = bitcast<vec4<f32>>(reduce(ids, slot, bitcast<vec4<u32>>(tally(ids.index, first, count, lowest, low, !searching_k)), false));
    let at_least = select(p.top_p * select(r.w, all_mass, use_all_mass), f32(p.top_k), searching_k);
    // The tallies fall as the probe rises, so the passing probes are a prefix: the next digit.
    t += digit * dot(vec3<u32>(r.xyz >= vec3(at_least)), vec3(1u));
  }
  if (f.top_p) { low = max(low, t + 1u); } else if (f.top_k) { low = max(low, t); }
  return Threshold(low, proven && (complete || low > trusted));
}

// The exponential race over the candidates: argmax e / E over those with bits(e) ≥ low.
fn race_list(lid: u32, row: u32, low: u32, p: Params) -> vec4<u32> {
  var best = candidate(0.0, NONE);
  let values = list_at(row);
  let tokens = list_ids_at(row);
  let key = race_key(p);
  for (var i = lid; i < shape.chunks * LIST; i += WORKGROUP) {
    let e = bitcast<f32>(scratch[values + i]);
    let token = scratch[tokens + i];
    if (token != NONE && bitcast<u32>(e) >= low) {
      let score = race_score(key, e, token);
      if (better(score, token, bitcast<f32>(best.x), best.y)) { best = candidate(score, token); }
    }
  }
  return best;
}

// The best raw logit after (after_value, after_index) in (value desc, id asc) order.
fn next_logit(lid: u32, base: u32, first: bool, after_value: f32, after_index: u32) -> vec4<u32> {
  var best = candidate(0.0, NONE);
  for (var i = lid; i < shape.vocab; i += WORKGROUP) {
    let x = logits[base + i];
    let later = first || better(after_value, after_index, x, i);
    if (x == x && later && better(x, i, bitcast<f32>(best.x), best.y)) { best = candidate(x, i); }
  }
  return best;
}

@compute @workgroup_size(WORKGROUP)
fn main(ids: Ids, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = ids.index;
  let slot = reduce_slot(ids);
  let row = wid.x;
  if (row >= rows.count) { return; }
  let p = params[row];
  let f = filters(p);
  let chunk = lid;  // CHUNKS ≤ WORKGROUP: one chunk per invocation
  let stats = stats_at(row, min(chunk, shape.chunks - 1u));

  // The chunks' statistics: s (max, argmax, Σ exp(s − max), bound), raw (max, –, Σ, bound).
  var s_part = candidate(LOWEST, NONE);
  var raw_part = candidate(LOWEST, NONE);
  if (chunk < shape.chunks) {
    s_part = vec4(scratch[stats], scratch[stats + 1u], scratch[stats + 2u], scratch[stats + 3u]);
    raw_part = vec4(scratch[stats + 4u], 0u, scratch[stats + 6u], scratch[stats + 7u]);
  }
  let s_total = reduce(ids, slot, s_part, true);
  let raw_total = reduce(ids, slot, raw_part, true);
  let top = bitcast<f32>(s_total.x);

  var chosen = s_total.y;  // greedy: the argmax of s
  var route = DONE;
  var low = 0u;
  if (!f.greedy) {
    route = RACE_S;
    low = f.low;
    if (f.top_k || f.top_p) {
      // e of each chunk's candidates; those not above every chunk's bound count as absent (0).
      let bound = bitcast<f32>(s_total.w);
      let values = list_at(row);
      let tokens = list_ids_at(row);
      if (chunk < shape.chunks) {
        let count = scratch[stats + 8u];
        for (var j = 0u; j < LIST; j++) {
          let at = chunk * LIST + j;
          let s = bitcast<f32>(scratch[values + at]);
          scratch[values + at] = bitcast<u32>(select(0.0, weight(s, top), j < count && s > bound));
          if (j >= count) { scratch[tokens + at] = NONE; }
        }
      }
      storageBarrier();
      // The search over the candidates, and, where it cannot stand, over the whole vocabulary
      // (the rare fallback: e in place of s); one call site, as every barrier costs a CPU adapter.
      var first = values;
      var count = shape.chunks * LIST;
      let trusted = bitcast<u32>(weight(bound, top));
      var complete = false;
      var fallback = false;
      for (var attempt = 0u; attempt < 2u; attempt++) {
        let threshold = search(ids, slot, p, f, first, count, trusted, complete, bitcast<f32>(s_total.z));
        low = threshold.low;
        if (lid == 0u) { proven = select(0u, 1u, threshold.proven); }
        if (workgroupUniformLoad(&proven) != 0u) { break; }
        fallback = true;
        first = row * shape.row_words;
        count = shape.vocab;
        complete = true;
        for (var i = lid; i < shape.vocab; i += WORKGROUP) {
          scratch[first + i] = bitcast<u32>(weight(bitcast<f32>(scratch[first + i]), top));
        }
        storageBarrier();
      }
      if (fallback) {
        route = RACE_E;
      } else {
        chosen = reduce(ids, slot, race_list(lid, row, min(low, ONE_BITS), p), true).y;
        route = DONE;
      }
    }
  }

  // Top logprobs: the next (value, id) after the previous one, from the raw lists while their
  // heads are above every raw bound, then from the vocabulary. One spare round for the switch.
  let max_raw = bitcast<f32>(raw_total.x);
  let log_sum = log(bitcast<f32>(raw_total.z));
  let raw_bound = bitcast<f32>(raw_total.w);
  let wanted = min(p.num_logprobs, TOP);
  let raw_count = select(0u, scratch[stats + 9u], chunk < shape.chunks);
  let raw_values = raw_at(row) + chunk * RAW_LIST;
  let raw_tokens = raw_ids_at(row) + chunk * RAW_LIST;
  let o = row * OUT_WORDS;
  var position = 0u;
  var from_lists = true;
  var listed = 0u;
  var taken = 0u;
  var previous = candidate(0.0, NONE);
  for (var round = 0u; round <= wanted; round++) {
    var part = candidate(0.0, NONE);
    if (taken < wanted) {
      if (!from_lists) {
        part = next_logit(lid, row * shape.vocab, taken == 0u, bitcast<f32>(previous.x), previous.y);
      } else if (position < raw_count) {
        let x = bitcast<f32>(scratch[raw_values + position]);
        if (x > raw_bound) { part = candidate(x, scratch[raw_tokens + position]); }
      }
    }
    let next = reduce(ids, slot, part, true);
    if (taken < wanted) {
      if (from_lists && next.y == NONE) {
        from_lists = false;
      } else {
        if (from_lists) {
          listed++;
          if (part.y == next.y) { position++; }
        }
        if (lid == 0u) {
          out[o + 2u + taken] = next.y;
          out[o + 2u + TOP + taken] = bitcast<u32>(bitcast<f32>(next.x) - max_raw - log_sum);
        }
        previous = next;
        taken++;
      }
    }
  }

  if (lid == 0u) {
    let state = state_at(row);
    scratch[state + CHOSEN] = chosen;
    scratch[state + ROUTE] = route;
    scratch[state + KEPT_LOW] = low;
    scratch[state + MAX_S] = s_total.x;
    scratch[state + MAX_RAW] = raw_total.x;
    scratch[state + LOG_SUM] = bitcast<u32>(log_sum);
    scratch[state + LISTED] = listed;
  }
}
