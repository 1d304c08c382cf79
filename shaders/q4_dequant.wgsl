// q4_dequant.wgsl — shared by the 4-bit kernels (matmul_q4_*.wgsl, embedding_q4.wgsl), appended to
// each one's source by its wrapper; no entry point and no bindings of its own. It reads the layout
// of src/gpu/q4-weights.ts through names every 4-bit kernel declares:
//   qweight  array<u32> [N, K/8]             nibble i of word (n, j) = q[n, 8j + i]
//   scales   array<u32> [N, SCALE_WORDS]     f16 pairs, group g in the low half when g is even
//   zeros    array<u32> [N, ZERO_WORDS]      byte (g & 3) of word (n, g >> 2) = z[n, g] (0..16)
//   group_index array<u32> [K]               act-order: the group of input k (read when ACT_ORDER)
//   overrides GROUP_SIZE, SCALE_WORDS, ZERO_WORDS, ACT_ORDER
// w[n, k] = (q[n, k] − z[n, g(k)]) · s[n, g(k)] in f32.

/** (scale, zero) of group g of weight row n. */
fn group_params(n: u32, g: u32) -> vec2<f32> {
  let pair = unpack2x16float(scales[n * SCALE_WORDS + g / 2u]);
  let s = select(pair.x, pair.y, (g & 1u) == 1u);
  let z = (zeros[n * ZERO_WORDS + g / 4u] >> (8u * (g & 3u))) & 255u;
  return vec2<f32>(s, f32(z));
}

struct Eight { lo: vec4<f32>, hi: vec4<f32> }

/** w[n, 8c .. 8c + 8], dequantized from qweight word c of row n (`row_words` words a row). */
fn dequant8(n: u32, c: u32, row_words: u32) -> Eight {
  let word = qweight[n * row_words + c];
  let q = Eight(vec4<f32>(vec4<u32>(word, word >> 4u, word >> 8u, word >> 12u) & vec4<u32>(15u)),
                vec4<f32>(vec4<u32>(word >> 16u, word >> 20u, word >> 24u, word >> 28u) & vec4<u32>(15u)));
  if (!ACT_ORDER) {
    let p = group_params(n, c * 8u / GROUP_SIZE);
    return Eight((q.lo - p.y) * p.x, (q.hi - p.y) * p.x);
  }
  var v = array<f32, 8>(q.lo.x, q.lo.y, q.lo.z, q.lo.w, q.hi.x, q.hi.y, q.hi.z, q.hi.w);
  for (var i = 0u; i < 8u; i++) {
    let p = group_params(n, group_index[c * 8u + i]);
    v[i] = (v[i] - p.y) * p.x;
  }
  return Eight(vec4<f32>(v[0], v[1], v[2], v[3]), vec4<f32>(v[4], v[5], v[6], v[7]));
}
