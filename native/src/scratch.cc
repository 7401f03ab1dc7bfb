#include "scratch.h"

#include <cstdlib>

namespace mammo {

float* scratch(ScratchSlot slot, size_t floats) {
  struct Buf {
    float* p = nullptr;
    size_t n = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[kScratchSlots];
  Buf& b = bufs[slot];
  if (b.n < floats) {
    std::free(b.p);
    b.n = floats + floats / 4;
    b.p = static_cast<float*>(std::aligned_alloc(64, ((b.n * 4 + 63) / 64) * 64));
  }
  return b.p;
}

}  // namespace mammo
