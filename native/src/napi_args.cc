#include "napi_args.h"

namespace mammo {

Args::Args(napi_env env, napi_callback_info info) : env_(env) {
  napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr);
  if (argc_ > 32) argc_ = 32;
}

void Args::fail(size_t i, const char* expected) {
  if (failed_) return;
  failed_ = true;
  std::string msg = "mammo native: argument " + std::to_string(i) + " must be " + expected;
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

float* Args::f32_or_null(size_t i) {
  if (i >= argc_) return nullptr;
  napi_valuetype t;
  napi_typeof(env_, argv_[i], &t);
  if (t == napi_null || t == napi_undefined) return nullptr;
  return f32(i);
}

int32_t* Args::i32(size_t i, int64_t* length) {
  bool ok = false;
  void* p = i < argc_ ? typed(env_, argv_[i], napi_int32_array, length, &ok) : nullptr;
  if (!ok) fail(i, "an Int32Array");
  return static_cast<int32_t*>(p);
}

int64_t Args::integer(size_t i) {
  int64_t v = 0;
  if (i >= argc_ || napi_get_value_int64(env_, argv_[i], &v) != napi_ok) fail(i, "a number");
  return v;
}

double Args::number(size_t i) {
  double v = 0;
  if (i >= argc_ || napi_get_value_double(env_, argv_[i], &v) != napi_ok) fail(i, "a number");
  return v;
}

}  // namespace mammo
