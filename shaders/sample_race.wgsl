// sample_race.wgsl — the sampler's exponential race over the vocabulary (semantics and scratch
// layout in sampler_common.wgsl), for rows whose kept set is a plain threshold bits(e) ≥ low: no
// filter (every token), min_p alone, or the threshold the fallback search found. One workgroup
// per chunk writes the chunk's best e / E; sample_finish takes the best chunk. Other rows' chunks
// return at once.
//
// Bindings:
//   0 rows, 1 shape                         (sampler_common.wgsl)
//   2 params   array<Params> [≥ S]          per-row parameters
//   3 scratch  array<u32> [S, ROW_WORDS]    reads s (or e) and the state; writes the races
// Grid: (CHUNKS, S, 1)

@group(0) @binding(2) var<storage, read> params: array<Params>;
@group(0) @binding(3) var<storage, read_write> scratch: array<u32>;

var<workgroup> row_route: u32;

@compute @workgroup_size(WORKGROUP)
fn main(ids: Ids, @builtin(workgroup_id) wid: vec3<u32>) {
  let lid = ids.index;
  let slot = reduce_slot(ids);
  let chunk = wid.x;
  let row = wid.y;
  if (row >= rows.count) { return; }
  let state = state_at(row);
  if (lid == 0u) { row_route = scratch[state + ROUTE]; }
  let route = workgroupUniformLoad(&row_route);
  if (route == DONE) { return; }
  let p = params[row];
  let low = min(scratch[state + KEPT_LOW], ONE_BITS);
  let top = bitcast<f32>(scratch[state + MAX_S]);
  let base = row * shape.row_words;
  // Branch-free: a CPU adapter runs every branch of a loop body anyway. Scores are ≥ 0; a strict
  // > keeps the lower id of equal scores.
  var best_score = -1.0;
  var best_token = NONE;
  let from_e = route == RACE_E;
  let key = race_key(p);
  for (var i = chunk * shape.chunk + lid; i < min((chunk + 1u) * shape.chunk, shape.vocab); i += WORKGROUP) {
    let v = bitcast<f32>(scratch[base + i]);
    let e = select(weight(v, top), v, from_e);
    let score = select(-1.0, race_score(key, e, i), bitcast<u32>(e) >= low);
    let wins = score > best_score;
    best_score = select(best_score, score, wins);
    best_token = select(best_token, i, wins);
  }
  let best = candidate(best_score, best_token);
  let chunk_best = reduce(ids, slot, best, true);
  if (lid == 0u) {
    scratch[race_at(row, chunk)] = chunk_best.x;
    scratch[race_at(row, chunk) + 1u] = chunk_best.y;
  }
}
