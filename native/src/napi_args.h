// Argument unpacking for the N-API functions: each takes Float32Arrays (read in place, no copy)
// and integers/numbers, and writes into a preallocated output Float32Array.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <string>

namespace mammo {

class Args {
 public:
  Args(napi_env env, napi_callback_info info);
  /** Float32Array argument i (its data pointer, length in `length` if given). */
  float* f32(size_t i, int64_t* length = nullptr);
  /** Float32Array argument i, or nullptr when the argument is null/undefined. */
  float* f32_or_null(size_t i);
  /** Int32Array argument i. */
  int32_t* i32(size_t i, int64_t* length = nullptr);
  int64_t integer(size_t i);
  double number(size_t i);
  size_t count() const { return argc_; }
  /** True once an argument had the wrong type; the function then returns undefined (a JS error is pending). */
  bool failed() const { return failed_; }
  napi_env env() const { return env_; }

 private:
  void fail(size_t i, const char* expected);
  napi_env env_;
  size_t argc_ = 32;
  napi_value argv_[32];
  bool failed_ = false;
};

}  // namespace mammo
