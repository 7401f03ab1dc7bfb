// Argument unpacking and checking for the N-API functions: each takes Float32Arrays (read in
// place, no copy) and integers/numbers, and writes into a preallocated output Float32Array.
// Nothing is trusted: a wrong type, a length that does not match the shapes or a size below 1
// throws a JavaScript error naming the kernel ("native conv2d: input length 100 does not match
// 1×8×8×3 = 192") and the function returns without running the kernel.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

namespace mammo {

class Args {
 public:
  /** `kernel` is the exported name, used in every error message. */
  Args(napi_env env, napi_callback_info info, const char* kernel);
  /** Float32Array argument i (its data pointer, length in `length` if given). */
  float* f32(size_t i, int64_t* length = nullptr);
  /** Float32Array argument i, or nullptr when the argument is null/undefined (length 0). */
  float* f32_or_null(size_t i, int64_t* length = nullptr);
  /** Int32Array argument i. */
  int32_t* i32(size_t i, int64_t* length = nullptr);
  /** A finite number argument, truncated to an integer. */
  int64_t integer(size_t i);
  double number(size_t i);
  size_t count() const { return argc_; }

  /** `what` length == the product of `dims`; otherwise throws "… length L does not match d×d = P". */
  bool length_is(const char* what, int64_t length, std::initializer_list<int64_t> dims);
  /** `what` ≥ 1; otherwise throws "… must be ≥ 1, got v". */
  bool positive(const char* what, int64_t value);
  /** lo ≤ `what` ≤ hi; otherwise throws "… must be in [lo, hi], got v". */
  bool in_range(const char* what, int64_t value, int64_t lo, int64_t hi);
  /** Throws a RangeError "native <kernel>: <message>" unless `ok` (only the first failure throws). */
  bool require(bool ok, const std::string& message);
  /** The same with the message built only on failure: `message()` returns it. */
  template <typename Message, typename = std::enable_if_t<std::is_invocable_r_v<std::string, Message>>>
  bool require(bool ok, Message message) {
    return ok ? !failed_ : require(false, std::string(message()));
  }
  /** Checks an N-API status; a failure throws "native <kernel>: <call> failed". */
  bool status(napi_status s, const char* call);

  /** True once a check failed; the function then returns nullptr (a JS error is pending). */
  bool failed() const { return failed_; }
  const char* kernel() const { return kernel_; }
  napi_env env() const { return env_; }

 private:
  void fail(size_t i, const char* expected);
  napi_env env_;
  const char* kernel_;
  size_t argc_ = 32;
  napi_value argv_[32];
  bool failed_ = false;
};

/** d₀·d₁·…, or -1 when a factor is below 1 or the product overflows int64. */
int64_t product(std::initializer_list<int64_t> dims);

/** "d₀×d₁×… = P" ("d₀" for one dimension; "… (not a valid shape)" when a size is < 1 or the product overflows). */
std::string shape_text(std::initializer_list<int64_t> dims);

}  // namespace mammo
