// A fixed set of worker threads that run numbered tasks. Kernels split their OUTPUT into tasks
// whose boundaries depend only on the shapes, and every output element is computed inside one
// task with a fixed summation order, so results are bit-identical whatever the number of threads
// and whichever thread runs which task.
#pragma once
#include <cstdint>
#include <functional>

namespace mammo {

/** Runs fn(0) … fn(n − 1), on the pool's threads and the calling thread; returns when all are
 *  done, rethrowing the first exception a task threw (std::bad_alloc from scratch memory). */
void parallel_for(int64_t n, const std::function<void(int64_t)>& fn);

/** Most threads the pool accepts (native/src/addon.cc refuses more; MAMMO_NATIVE_THREADS too). */
constexpr int kMaxThreads = 256;

/** Threads the pool uses (the caller included). */
int pool_threads();

/** Resizes the pool (n ≥ 1); the next parallel_for uses n threads. */
void set_pool_threads(int n);

/** Ceiling division. */
static inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace mammo
