// Depthwise Conv2D driver: weight packing and the split of output rows over threads.
#include <algorithm>
#include <cassert>
#include <cstring>

#include "dwconv.h"
#include "runtime/thread_pool.h"

namespace kiln::f32_conv {

bool dwconv_applies(const ConvShape& s) {
  return s.valid() && s.groups == s.in_c && s.out_c == s.in_c;
}

bool dwconv_3x3_applies(const ConvShape& s) {
  return dwconv_applies(s) && s.kernel_h == 3 && s.kernel_w == 3;
}

size_t dwconv_packed_size(const ConvShape& s) {
  assert(dwconv_applies(s));
  return static_cast<size_t>(s.kernel_h * s.kernel_w * dw_padded_channels(s.in_c));
}

void dwconv_pack(const ConvShape& s, const float* weights, float* packed) {
  assert(dwconv_applies(s) && weights != nullptr && packed != nullptr);
  const int64_t taps = s.kernel_h * s.kernel_w, cpad = dw_padded_channels(s.in_c);
  std::memset(packed, 0, sizeof(float) * taps * cpad);
  for (int64_t c = 0; c < s.in_c; ++c) {
    for (int64_t t = 0; t < taps; ++t) packed[t * cpad + c] = weights[c * taps + t];
  }
}

void dwconv_run(DwRowFn row, const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  assert(dwconv_applies(s) && p.input != nullptr && p.packed_weights != nullptr);
  assert(p.output != nullptr && p.input != p.output);
  const int64_t oh_count = s.out_h(), ow_count = s.out_w(), rows = s.batch * oh_count;
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t chunks = dw_row_chunks(s, threads);
  const int64_t per_chunk = (rows + chunks - 1) / chunks;
  // A chunk's rows of one image go to the row kernel at once (it may walk them slice by slice).
  auto run = [&](int64_t chunk) {
    const int64_t end = std::min(rows, (chunk + 1) * per_chunk);
    for (int64_t index = chunk * per_chunk; index < end;) {
      const int64_t n = index / oh_count;
      const int64_t count = std::min(end, (n + 1) * oh_count) - index;
      const int64_t offset = index * ow_count * s.out_c;
      DwRowArgs args;
      args.shape = &s;
      args.input = p.input + n * s.in_h * s.in_w * s.in_c;
      args.weights = p.packed_weights;
      args.bias = p.epilogue.bias;
      args.residual = p.epilogue.residual != nullptr ? p.epilogue.residual + offset : nullptr;
      args.output = p.output + offset;
      args.epilogue = &p.epilogue;
      args.oh = index % oh_count;
      args.rows = count;
      row(args);
      index += count;
    }
  };
  if (chunks == 1) {
    run(0);
  } else {
    pool->parallel_for(chunks, run);
  }
}

}  // namespace kiln::f32_conv
