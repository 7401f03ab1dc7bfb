#include "scratch.h"

#include <cstdint>
#include <cstdlib>
#include <new>

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
    if (floats > SIZE_MAX / 8) throw std::bad_alloc();  // its byte count (with the 1/4 spare) would wrap around
    std::free(b.p);
    b.n = floats + floats / 4;
    b.p = static_cast<float*>(std::aligned_alloc(64, ((b.n * 4 + 63) / 64) * 64));
    if (b.p == nullptr) {
      b.n = 0;
      throw std::bad_alloc();
    }
  }
  return b.p;
}

}  // namespace mammo
