// The f32 convolution family's ordered variant lists (the builder's tactics): fastest-first by
// ISA, each says whether it applies to a shape; the plain-loop scalar reference is last and
// always applies.
#pragma once

#include <cstddef>

#include "conv.h"

namespace kiln::f32_conv {

const ConvVariant* conv_variants();
size_t conv_variant_count();
const ConvVariant* find_conv_variant(const char* name);

const DeconvVariant* deconv_variants();
size_t deconv_variant_count();
const DeconvVariant* find_deconv_variant(const char* name);

// Whether the host (best ISA `host`) can run the variant on this shape.
bool applies(const ConvVariant& variant, Isa host, const ConvShape& shape);
bool applies(const DeconvVariant& variant, Isa host, const DeconvShape& shape);

}  // namespace kiln::f32_conv
