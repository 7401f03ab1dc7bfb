#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace mammo {
namespace {

class Pool {
 public:
  explicit Pool(int threads) { start(threads); }
  ~Pool() { stop(); }

  int threads() const { return threads_; }

  void resize(int threads) {
    std::lock_guard<std::mutex> busy(run_mutex_);
    stop();
    start(threads);
  }

  void run(int64_t n, const std::function<void(int64_t)>& fn) {
    // A second caller (e.g. a worker_thread of the same process) runs its tasks inline
    // rather than waiting: the results are the same either way.
    std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
    if (!busy.owns_lock() || threads_ == 1 || n == 1) {
      for (int64_t i = 0; i < n; i++) fn(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      tasks_ = n;
      next_.store(0);
      pending_ = static_cast<int>(workers_.size());
      generation_++;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    // a task that threw (std::bad_alloc from scratch memory) is rethrown here, once every thread is done
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void drain() {
    for (int64_t i = next_.fetch_add(1); i < tasks_; i = next_.fetch_add(1)) {
      try {
        (*job_)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  void worker() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
      }
      drain();
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  void start(int threads) {
    threads_ = threads < 1 ? 1 : threads;
    quit_ = false;
    try {
      for (int i = 1; i < threads_; i++) workers_.emplace_back([this] { worker(); });
    } catch (...) {  // the system refused a thread: keep those that started, report the refusal
      threads_ = static_cast<int>(workers_.size()) + 1;
      throw;
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int64_t)>* job_ = nullptr;
  std::atomic<int64_t> next_{0};
  int64_t tasks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

int default_threads() {
  // MAMMO_NATIVE_THREADS overrides the hardware's count (tests compare 1 with 2 threads).
  if (const char* env = std::getenv("MAMMO_NATIVE_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1 && n <= kMaxThreads) return n;
    std::fprintf(stderr, "mammo native: MAMMO_NATIVE_THREADS=%s is not in [1, %d]; using the hardware's count\n", env, kMaxThreads);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : std::min(static_cast<int>(hw), kMaxThreads);
}

Pool& pool() {
  static Pool instance(default_threads());
  return instance;
}

}  // namespace

void parallel_for(int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  pool().run(n, fn);
}

int pool_threads() { return pool().threads(); }

void set_pool_threads(int n) { pool().resize(n); }

}  // namespace mammo
