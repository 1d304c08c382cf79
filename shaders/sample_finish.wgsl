// sample_finish.wgsl — the sampler's last pass (semantics and scratch layout in
// sampler_common.wgsl): one workgroup per sampled row writes the chosen token — sample_select's,
// or the best of sample_race's chunks — and its raw logprob to `out`, and whether any chunk of
// the row saw a NaN or ±Inf logit (carried as the race reduction's aux: 1.0 or LOWEST).
//
// Bindings:
//   0 rows, 1 shape                         (sampler_common.wgsl)
//   2 logits   array<f32> [S, VOCAB]        raw LM-head output (read only)
//   3 scratch  array<u32> [S, ROW_WORDS]    the state, the races, the chunks' flags (read only)
//   4 out      array<u32> [S, OUT_WORDS]    writes words 0 (id), 1 (logprob, f32 bits), OUT_FLAGS
// Grid: (S, 1, 1)

@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> scratch: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WORKGROUP)
fn main(ids: Ids, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = ids.index;
  let slot = reduce_slot(ids);
  let row = wid.x;
  if (row >= rows.count) { return; }
  var part = candidate(0.0, NONE);
  if (lid < shape.chunks) {
    part = candidate(bitcast<f32>(scratch[race_at(row, lid)]), scratch[race_at(row, lid) + 1u]);
    part.w = select(part.w, bitcast<u32>(1.0), scratch[stats_at(row, lid) + NON_FINITE] != 0u);
  }
  let total = reduce(ids, slot, part, true);
  let raced = total.y;
  if (lid == 0u) {
    let state = state_at(row);
    var chosen = select(raced, scratch[state + CHOSEN], scratch[state + ROUTE] == DONE);
    chosen = select(chosen, 0u, chosen == NONE);
    let o = row * OUT_WORDS;
    out[o] = chosen;
    let max_raw = bitcast<f32>(scratch[state + MAX_RAW]);
    let log_sum = bitcast<f32>(scratch[state + LOG_SUM]);
    out[o + 1u] = bitcast<u32>(logits[row * shape.vocab + chosen] - max_raw - log_sum);
    out[o + OUT_FLAGS] = select(0u, 1u, bitcast<f32>(total.w) > 0.0);
  }
}
