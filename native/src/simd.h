// Vector type for the kernels, chosen at compile time from the instruction set the compiler
// targets (-march=native at install): 16 floats with AVX-512, 8 with AVX2, 4 otherwise. GCC/Clang
// vector extensions lower the 4-wide type to SSE/NEON, or to scalar code where the target has no
// SIMD, so one source serves every machine. With -ffp-contract=fast, `acc += a * b` is one FMA.
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__SSE__)
#include <immintrin.h>
#endif

namespace mammo {

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
constexpr const char* kIsa = "avx512";
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kVecBytes = 32;
constexpr const char* kIsa = "avx2-fma";
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
constexpr const char* kIsa = "avx";
#else
constexpr int kVecBytes = 16;
constexpr const char* kIsa = "portable-4";
#endif

/** Floats per vector. */
constexpr int kV = kVecBytes / 4;

typedef float vf __attribute__((vector_size(kVecBytes)));
typedef float vfu __attribute__((vector_size(kVecBytes), aligned(4)));
typedef int32_t vi __attribute__((vector_size(kVecBytes)));

static inline vf vload(const float* p) { return *reinterpret_cast<const vfu*>(p); }
static inline void vstore(float* p, vf v) { *reinterpret_cast<vfu*>(p) = v; }
static inline vf vbroadcast(float x) {
#if defined(__AVX512F__)
  return (vf)_mm512_set1_ps(x);
#elif defined(__AVX__)
  return (vf)_mm256_set1_ps(x);
#elif defined(__SSE__)
  return (vf)_mm_set1_ps(x);
#else
  vf r;
  for (int i = 0; i < kV; i++) r[i] = x;
  return r;
#endif
}
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }

/** Loads n < kV floats, zero-filling the rest of the vector. */
static inline vf vload_partial(const float* p, int n) {
  float tmp[kV] = {};
  std::memcpy(tmp, p, sizeof(float) * n);
  return vload(tmp);
}

/** Sum of the lanes, in lane order (a fixed order, so results are reproducible). */
static inline double hsum_d(vf v) {
  double s = 0;
  for (int i = 0; i < kV; i++) s += v[i];
  return s;
}

}  // namespace mammo
