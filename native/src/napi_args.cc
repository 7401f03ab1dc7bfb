#include "napi_args.h"

#include <cmath>

namespace mammo {

Args::Args(napi_env env, napi_callback_info info, const char* kernel) : env_(env), kernel_(kernel) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) {
    argc_ = 0;
    status(napi_generic_failure, "napi_get_cb_info");
  }
  if (argc_ > 32) argc_ = 32;
}

bool Args::require(bool ok, const std::string& message) {
  if (ok || failed_) return ok && !failed_;
  failed_ = true;
  const std::string msg = std::string("native ") + kernel_ + ": " + message;
  napi_throw_range_error(env_, nullptr, msg.c_str());
  return false;
}

bool Args::status(napi_status s, const char* call) {
  return require(s == napi_ok, [&] { return std::string(call) + " failed (napi_status " + std::to_string(s) + ")"; });
}

void Args::fail(size_t i, const char* expected) {
  if (failed_) return;
  failed_ = true;
  const std::string msg = std::string("native ") + kernel_ + ": argument " + std::to_string(i) + " must be " + expected;
  napi_throw_type_error(env_, nullptr, msg.c_str());
}

static void* typed(napi_env env, napi_value v, napi_typedarray_type want, int64_t* length, bool* ok) {
  bool is = false;
  *ok = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return nullptr;
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr) != napi_ok || type != want) return nullptr;
  if (length) *length = static_cast<int64_t>(len);
  *ok = true;
  return data;
}

float* Args::f32(size_t i, int64_t* length) {
  bool ok = false;
  void* p = i < argc_ ? typed(env_, argv_[i], napi_float32_array, length, &ok) : nullptr;
  if (!ok) fail(i, "a Float32Array");
  return static_cast<float*>(p);
}

float* Args::f32_or_null(size_t i, int64_t* length) {
  if (length) *length = 0;
  if (i >= argc_) return nullptr;
  napi_valuetype t;
  if (!status(napi_typeof(env_, argv_[i], &t), "napi_typeof")) return nullptr;
  if (t == napi_null || t == napi_undefined) return nullptr;
  return f32(i, length);
}

int32_t* Args::i32(size_t i, int64_t* length) {
  bool ok = false;
  void* p = i < argc_ ? typed(env_, argv_[i], napi_int32_array, length, &ok) : nullptr;
  if (!ok) fail(i, "an Int32Array");
  return static_cast<int32_t*>(p);
}

int64_t Args::integer(size_t i) {
  const double v = number(i);
  // int64 holds every integer a double below 2^63 can be; beyond it the check that follows fails
  if (!require(std::abs(v) < 9.2e18, [&] { return "argument " + std::to_string(i) + " is out of the int64 range"; })) return 0;
  return static_cast<int64_t>(v);
}

double Args::number(size_t i) {
  double v = 0;
  if (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != napi_ok) {
    fail(i, "a number");
    return 0;
  }
  if (!require(std::isfinite(v), [&] { return "argument " + std::to_string(i) + " must be finite, got " + std::to_string(v); })) return 0;
  return v;
}

bool Args::length_is(const char* what, int64_t length, std::initializer_list<int64_t> dims) {
  if (failed_) return false;
  const int64_t want = product(dims);
  return require(length == want,
                 [&] { return std::string(what) + " length " + std::to_string(length) + " does not match " + shape_text(dims); });
}

bool Args::positive(const char* what, int64_t value) {
  return require(value >= 1, [&] { return std::string(what) + " must be ≥ 1, got " + std::to_string(value); });
}

bool Args::in_range(const char* what, int64_t value, int64_t lo, int64_t hi) {
  return require(value >= lo && value <= hi, [&] {
    return std::string(what) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(value);
  });
}

int64_t product(std::initializer_list<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    if (d < 1 || __builtin_mul_overflow(p, d, &p)) return -1;
  return p;
}

std::string shape_text(std::initializer_list<int64_t> dims) {
  std::string s;
  for (int64_t d : dims) s += (s.empty() ? "" : "×") + std::to_string(d);
  const int64_t p = product(dims);
  if (p < 0) return s + " (not a valid shape)";
  return dims.size() == 1 ? s : s + " = " + std::to_string(p);
}

}  // namespace mammo
