// f32-rnn cells, avx2 variant (body in rnn_impl.h).
#include "kernels/f32-rnn/rnn_impl.h"

KILN_DEFINE_RNN(avx2)
