// Variant selection: a family's enumerator list is ordered best first with the scalar reference
// last; pick_variant returns the first entry the given ISA level can run (the reference always can).
#pragma once

#include <cstddef>
#include <cstring>

#include "platform/cpu.h"

namespace kiln {

template <class Variant, size_t N>
const Variant& pick_variant(const Variant (&list)[N], Isa isa) {
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<int>(list[i].isa) <= static_cast<int>(isa)) return list[i];
  }
  return list[N - 1];
}

// The variant compiled for exactly `isa`, or nullptr when the family has none for it.
template <class Variant, size_t N>
const Variant* find_variant(const Variant (&list)[N], Isa isa) {
  for (size_t i = 0; i < N; ++i) {
    if (list[i].isa == isa) return &list[i];
  }
  return nullptr;
}

}  // namespace kiln
