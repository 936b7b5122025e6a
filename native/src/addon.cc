// N-API face of the storage runtime: a NativeStorage class with a handful of methods.
// Per-request work crosses the boundary only inside batches (submit), and results come
// back through one thread-safe function that drains every finished batch at once.
//
//   new NativeStorage(dir, options, onComplete(id, status, resultBuffer))
//   submit(id, priority, request, blobs, timeoutMs) -> 0 accepted | 1 backpressure | 2 closed
//   cancel(id) -> boolean          close(callback(err))          stats() -> object
//   setThreads(n)   setCapacity(n)   property(name) -> string | undefined   health() -> object
#include <napi.h>
#include <rocksdb/version.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "db.h"
#include "exec.h"
#include "ops.h"
#include "pool.h"
#include "status.h"

namespace kiwi {
// constants.cc: the wire constants of ops.h as a JS object.
Napi::Object Constants(Napi::Env env);
}  // namespace kiwi

namespace kiwi {

namespace {

const char* ErrorName(ErrorCode code) {
  switch (code) {
#define KIWI_X(name, value) \
  case value:               \
    return #name;
    KIWI_ERRORS(KIWI_X)
#undef KIWI_X
  }
  return "UNKNOWN";
}

Napi::Error StatusError(Napi::Env env, const std::string& what, const rocksdb::Status& s) {
  Napi::Error err = Napi::Error::New(env, what + ": " + s.ToString());
  err.Set("code", Napi::String::New(env, std::string("KIWI_ERR_STORAGE_") + ErrorName(StatusCode(s))));
  err.Set("storageCode", Napi::String::New(env, ErrorName(StatusCode(s))));
  return err;
}

// Results at or above this size are handed to JS without a copy; smaller ones are cheaper
// to copy than to give a finalizer.
constexpr size_t kExternalResultBytes = 64 * 1024;

}  // namespace

class NativeStorage : public Napi::ObjectWrap<NativeStorage> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeStorage(const Napi::CallbackInfo& info);
  ~NativeStorage() override;

 private:
  // State shared with the thread-safe function's queued calls, which may outlive this
  // object if it is collected without close().
  struct Core {
    std::mutex mu;
    std::vector<Job*> done;
    bool signalled = false;
    bool close_finished = false;
    rocksdb::Status close_status;
    std::atomic<NativeStorage*> owner{nullptr};
  };

  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value SetThreads(const Napi::CallbackInfo& info);
  Napi::Value SetCapacity(const Napi::CallbackInfo& info);
  Napi::Value TakeQueuePeak(const Napi::CallbackInfo& info);
  Napi::Value Property(const Napi::CallbackInfo& info);
  Napi::Value Health(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);

  void OnDone(Job* job);  // any thread
  void Signal();
  void Drain(Napi::Env env, Napi::Function on_complete);  // main thread
  bool Deliver(napi_env e, napi_value fn, napi_value recv, Job* job);
  void FinishClose(Napi::Env env);
  void ShutdownNow();
  static void CleanupHook(void* self);

  enum class State { kOpen, kClosing, kClosed };
  State state_ = State::kOpen;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<Pool> pool_;
  std::shared_ptr<Core> core_ = std::make_shared<Core>();
  Napi::ThreadSafeFunction tsfn_;
  Napi::FunctionReference close_callback_;
  std::thread closer_;
  size_t pending_ = 0;  // submitted, not yet delivered to JS; main thread only
  bool hook_registered_ = false;
};

Napi::Function NativeStorage::Define(Napi::Env env) {
  return DefineClass(env, "NativeStorage",
                     {InstanceMethod<&NativeStorage::Submit>("submit"),
                      InstanceMethod<&NativeStorage::Cancel>("cancel"),
                      InstanceMethod<&NativeStorage::Close>("close"),
                      InstanceMethod<&NativeStorage::Stats>("stats"),
                      InstanceMethod<&NativeStorage::SetThreads>("setThreads"),
                      InstanceMethod<&NativeStorage::SetCapacity>("setCapacity"),
                      InstanceMethod<&NativeStorage::TakeQueuePeak>("takeQueuePeak"),
                      InstanceMethod<&NativeStorage::Property>("property"),
                      InstanceMethod<&NativeStorage::Health>("health"),
                      InstanceMethod<&NativeStorage::Resume>("resume")});
}

namespace {

double NumberOption(const Napi::Object& o, const char* name, double fallback) {
  const Napi::Value v = o.Get(name);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

void ReadOptions(const Napi::Object& o, DbOptions* db, PoolOptions* pool) {
  db->block_cache_bytes = static_cast<uint64_t>(NumberOption(o, "blockCacheBytes", static_cast<double>(db->block_cache_bytes)));
  db->write_buffer_bytes = static_cast<uint64_t>(NumberOption(o, "writeBufferBytes", static_cast<double>(db->write_buffer_bytes)));
  db->background_jobs = static_cast<int>(NumberOption(o, "backgroundJobs", db->background_jobs));
  db->sync_interval_ms = static_cast<int>(NumberOption(o, "syncIntervalMs", db->sync_interval_ms));
  db->expire_cycle_ms = static_cast<int>(NumberOption(o, "expireCycleMs", db->expire_cycle_ms));
  if (o.Get("compression").IsString()) db->compression = o.Get("compression").As<Napi::String>().Utf8Value();
  if (o.Get("compactionFilter").IsBoolean()) db->compaction_filter = o.Get("compactionFilter").As<Napi::Boolean>().Value();
  if (o.Get("sync").IsString()) {
    const std::string sync = o.Get("sync").As<Napi::String>().Utf8Value();
    db->sync = sync == "always" ? SyncMode::kAlways : sync == "none" ? SyncMode::kNone : SyncMode::kPeriodic;
  }
  pool->threads = static_cast<size_t>(NumberOption(o, "threads", static_cast<double>(pool->threads)));
  pool->capacity = static_cast<size_t>(NumberOption(o, "capacity", static_cast<double>(pool->capacity)));
  const Napi::Value weights = o.Get("weights");
  if (weights.IsArray()) {
    const Napi::Array w = weights.As<Napi::Array>();
    for (uint32_t i = 0; i < w.Length() && i < kPriorityCount; i++) {
      if (w.Get(i).IsNumber()) pool->weights[i] = w.Get(i).As<Napi::Number>().DoubleValue();
    }
  }
}

}  // namespace

NativeStorage::NativeStorage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeStorage>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction()) {
    Napi::TypeError::New(env, "NativeStorage(dir: string, options: object, onComplete: function)")
        .ThrowAsJavaScriptException();
    return;
  }
  DbOptions db_options;
  PoolOptions pool_options;
  ReadOptions(info[1].As<Napi::Object>(), &db_options, &pool_options);

  const rocksdb::Status s = Database::Open(info[0].As<Napi::String>().Utf8Value(), db_options, &db_);
  if (!s.ok()) {
    StatusError(env, "cannot open the data directory", s).ThrowAsJavaScriptException();
    return;
  }
  executor_ = std::make_unique<Executor>(db_.get());
  tsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "kiwi-storage-complete", 0, 1);
  // Idle storage must not keep the process alive; submit() refs while work is pending.
  napi_unref_threadsafe_function(env, tsfn_);
  core_->owner.store(this);

  Executor* executor = executor_.get();
  pool_ = std::make_unique<Pool>(
      pool_options,
      [executor](Job* job) {
        Request req;
        if (!req.Decode(job->request, job->request_size, job->blobs)) {
          job->status = kBatch_BAD_REQUEST;
          return;
        }
        job->failed = executor->Run(req, &job->result);
      },
      [this](Job* job) { OnDone(job); });

  napi_add_env_cleanup_hook(env, CleanupHook, this);
  hook_registered_ = true;
}

NativeStorage::~NativeStorage() {
  ShutdownNow();
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(Env(), CleanupHook, this);
    hook_registered_ = false;
  }
}

void NativeStorage::CleanupHook(void* self) {
  auto* storage = static_cast<NativeStorage*>(self);
  storage->hook_registered_ = false;
  storage->ShutdownNow();
}

// The environment is going away (worker exit, process exit) or the object was collected:
// no JS can run. Queued batches never run, running ones finish, the database closes.
void NativeStorage::ShutdownNow() {
  core_->owner.store(nullptr);
  if (state_ == State::kClosed) return;
  if (closer_.joinable()) {
    closer_.join();
  } else {
    if (pool_) pool_->Shutdown(/*run_queued=*/false);
    if (db_) db_->Close().PermitUncheckedError();
  }
  state_ = State::kClosed;
  std::lock_guard<std::mutex> lock(core_->mu);
  for (Job* job : core_->done) delete job;
  core_->done.clear();
  if (tsfn_) tsfn_.Release();
}

void NativeStorage::OnDone(Job* job) {
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    core_->done.push_back(job);
    if (core_->signalled) return;
    core_->signalled = true;
  }
  Signal();
}

void NativeStorage::Signal() {
  std::shared_ptr<Core> core = core_;
  // napi_closing during environment teardown is fine: ShutdownNow frees what is left.
  tsfn_.NonBlockingCall([core](Napi::Env env, Napi::Function on_complete) {
    NativeStorage* self = core->owner.load();
    if (self != nullptr) self->Drain(env, on_complete);
  });
}

// Raw N-API with checked statuses on purpose: while a worker terminates, calls into JS
// fail, and node-addon-api's wrappers would turn that failure into a fatal error.
void NativeStorage::Drain(Napi::Env env, Napi::Function on_complete) {
  std::vector<Job*> jobs;
  bool close_finished = false;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    jobs.swap(core_->done);
    core_->signalled = false;
    close_finished = core_->close_finished;
  }
  napi_env e = env;
  napi_value fn = on_complete;
  napi_value recv = nullptr;
  bool js_ok = napi_get_undefined(e, &recv) == napi_ok;
  for (Job* job : jobs) {
    pending_--;
    if (js_ok) js_ok = Deliver(e, fn, recv, job);
    delete job;
  }
  if (pending_ == 0 && state_ == State::kOpen) napi_unref_threadsafe_function(e, tsfn_);
  if (close_finished && state_ == State::kClosing && js_ok) FinishClose(env);
}

bool NativeStorage::Deliver(napi_env e, napi_value fn, napi_value recv, Job* job) {
  napi_handle_scope scope;
  if (napi_open_handle_scope(e, &scope) != napi_ok) return false;
  napi_value args[3];
  napi_status st = napi_create_double(e, static_cast<double>(job->id), &args[0]);
  if (st == napi_ok) st = napi_create_uint32(e, job->status, &args[1]);
  if (st == napi_ok) {
    if (job->status != kBatch_OK) {
      st = napi_get_null(e, &args[2]);
    } else if (job->result.size() >= kExternalResultBytes) {
      auto* owned = new std::string(std::move(job->result));
      st = napi_create_external_buffer(
          e, owned->size(), owned->data(),
          [](napi_env, void*, void* hint) { delete static_cast<std::string*>(hint); }, owned, &args[2]);
      if (st != napi_ok) delete owned;
    } else {
      void* unused = nullptr;
      st = napi_create_buffer_copy(e, job->result.size(), job->result.data(), &unused, &args[2]);
    }
  }
  if (st == napi_ok) st = napi_call_function(e, recv, fn, 3, args, nullptr);
  bool ok = st == napi_ok;
  if (st == napi_pending_exception) {
    napi_value error = nullptr;
    napi_valuetype type = napi_undefined;
    // A real exception from the callback is reported as uncaught and delivery goes on;
    // an undefined one means the environment is terminating: stop calling into JS.
    if (napi_get_and_clear_last_exception(e, &error) == napi_ok && error != nullptr &&
        napi_typeof(e, error, &type) == napi_ok && type != napi_undefined) {
      napi_fatal_exception(e, error);
      ok = true;
    }
  }
  napi_close_handle_scope(e, scope);
  return ok;
}

Napi::Value NativeStorage::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::kOpen) return Napi::Number::New(env, static_cast<int>(SubmitResult::kClosed));
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBuffer() ||
      !info[4].IsNumber()) {
    Napi::TypeError::New(env, "submit(id, priority, request, blobs, timeoutMs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto job = std::make_unique<Job>();
  job->id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  job->priority = static_cast<uint8_t>(std::min<int64_t>(std::max<int64_t>(info[1].As<Napi::Number>().Int64Value(), 0), kPriorityCount - 1));
  // The JS side keeps request and blobs referenced, and unchanged, until completion.
  const Napi::Buffer<uint8_t> request = info[2].As<Napi::Buffer<uint8_t>>();
  job->request = request.Data();
  job->request_size = request.Length();
  if (job->request_size >= 4) std::memcpy(&job->commands, job->request, 4);
  if (info[3].IsArray()) {
    const Napi::Array blobs = info[3].As<Napi::Array>();
    for (uint32_t i = 0; i < blobs.Length(); i++) {
      const Napi::Value b = blobs.Get(i);
      if (!b.IsBuffer()) {
        Napi::TypeError::New(env, "blobs must be Buffers").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      const Napi::Buffer<char> buf = b.As<Napi::Buffer<char>>();
      job->blobs.emplace_back(buf.Data(), buf.Length());
    }
  }
  const double timeout = info[4].As<Napi::Number>().DoubleValue();
  if (timeout > 0) {
    job->deadline = std::chrono::steady_clock::now() +
                    std::chrono::microseconds(static_cast<int64_t>(timeout * 1000));
  }
  const SubmitResult r = pool_->Submit(job.get());
  if (r != SubmitResult::kAccepted) return Napi::Number::New(env, static_cast<int>(r));
  job.release();
  if (pending_++ == 0) napi_ref_threadsafe_function(env, tsfn_);
  return Napi::Number::New(env, 0);
}

Napi::Value NativeStorage::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::kOpen || info.Length() < 1 || !info[0].IsNumber()) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, pool_->Cancel(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value())));
}

Napi::Value NativeStorage::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "close(callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state_ != State::kOpen) {
    Napi::Error::New(env, "storage is already closed or closing").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  state_ = State::kClosing;
  close_callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  napi_ref_threadsafe_function(env, tsfn_);
  // Closing waits for every accepted batch and flushes: never on the JS thread.
  closer_ = std::thread([this] {
    pool_->Shutdown(/*run_queued=*/true);
    const rocksdb::Status s = db_->Close();
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->close_finished = true;
      core_->close_status = s;
      if (core_->signalled) return;
      core_->signalled = true;
    }
    Signal();
  });
  return env.Undefined();
}

void NativeStorage::FinishClose(Napi::Env env) {
  closer_.join();
  state_ = State::kClosed;
  core_->owner.store(nullptr);
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(env, CleanupHook, this);
    hook_registered_ = false;
  }
  rocksdb::Status s;
  {
    std::lock_guard<std::mutex> lock(core_->mu);
    s = core_->close_status;
  }
  Napi::FunctionReference callback = std::move(close_callback_);
  tsfn_.Release();
  Napi::Value err = s.ok() ? env.Null() : StatusError(env, "close failed", s).Value();
  callback.Call({err});
}

Napi::Value NativeStorage::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!pool_ || state_ == State::kClosed) return o;
  const PoolStats s = pool_->Stats();
  auto set = [&](const char* k, double v) { o.Set(k, Napi::Number::New(env, v)); };
  set("submittedBatches", s.submitted_batches);
  set("submittedCommands", s.submitted_commands);
  set("completedBatches", s.completed_batches);
  set("completedCommands", s.completed_commands);
  set("failedCommands", s.failed_commands);
  set("deadlineExceeded", s.deadline_exceeded);
  set("cancelled", s.cancelled);
  set("backpressureEvents", s.backpressure_events);
  set("queueDepth", s.queue_depth);
  set("queueHighWater", s.queue_high_water);
  set("queuedHigh", s.queue_batches[0]);
  set("queuedNormal", s.queue_batches[1]);
  set("queuedLow", s.queue_batches[2]);
  set("running", s.running);
  set("threads", s.threads);
  set("capacity", s.capacity);
  set("serviceAvgUs", s.service_avg_us);
  set("serviceP99Us", s.service_p99_us);
  set("waitAvgUs", s.wait_avg_us);
  set("waitP99Us", s.wait_p99_us);
  set("expiredKeys", db_ ? db_->expired_keys() : 0);
  set("stallMicros", db_ ? db_->TickerCount(rocksdb::STALL_MICROS) : 0);
  set("pending", pending_);
  return o;
}

Napi::Value NativeStorage::SetThreads(const Napi::CallbackInfo& info) {
  if (state_ == State::kOpen && info.Length() > 0 && info[0].IsNumber()) {
    pool_->Resize(static_cast<size_t>(std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value())));
  }
  return info.Env().Undefined();
}

Napi::Value NativeStorage::SetCapacity(const Napi::CallbackInfo& info) {
  if (state_ == State::kOpen && info.Length() > 0 && info[0].IsNumber()) {
    pool_->SetCapacity(static_cast<size_t>(std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value())));
  }
  return info.Env().Undefined();
}

Napi::Value NativeStorage::TakeQueuePeak(const Napi::CallbackInfo& info) {
  const size_t peak = state_ == State::kOpen ? pool_->TakePeak() : 0;
  return Napi::Number::New(info.Env(), static_cast<double>(peak));
}

Napi::Value NativeStorage::Property(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string value;
  if (state_ == State::kOpen && info.Length() > 0 && info[0].IsString() &&
      db_->Property(info[0].As<Napi::String>().Utf8Value(), &value)) {
    return Napi::String::New(env, value);
  }
  return env.Undefined();
}

Napi::Value NativeStorage::Health(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!db_ || state_ == State::kClosed) return o;
  HealthState& h = db_->health();
  o.Set("degraded", Napi::Boolean::New(env, h.degraded.load()));
  o.Set("backgroundErrors", Napi::Number::New(env, static_cast<double>(h.background_errors.load())));
  o.Set("recoveries", Napi::Number::New(env, static_cast<double>(h.recoveries.load())));
  std::lock_guard<std::mutex> lock(h.mu);
  o.Set("lastError", h.last_error.empty() ? env.Null() : Napi::String::New(env, h.last_error));
  return o;
}

// DB::Resume after a background error. Rare and quick enough (it retries the failed
// flush) to run on the calling thread; the recovery manager calls it from a timer.
Napi::Value NativeStorage::Resume(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::kOpen) return env.Null();
  const rocksdb::Status s = db_->Resume();
  if (s.ok()) return env.Null();
  return StatusError(env, "resume failed", s).Value();
}



Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeStorage", NativeStorage::Define(env));
  exports.Set("constants", Constants(env));
#ifndef KIWI_ROCKSDB_BUILD
#define KIWI_ROCKSDB_BUILD "unknown"
#endif
  // "system" (the distribution's library) or "bundled" (built from source, linked in):
  // benchmark reports say which, since the two differ in speed.
  exports.Set("rocksdbBuild", Napi::String::New(env, KIWI_ROCKSDB_BUILD));
  exports.Set("rocksdbVersion", Napi::String::New(env, std::to_string(ROCKSDB_MAJOR) + "." +
                                                           std::to_string(ROCKSDB_MINOR) + "." +
                                                           std::to_string(ROCKSDB_PATCH)));
  return exports;
}

}  // namespace kiwi

static Napi::Object InitKiwiStorage(Napi::Env env, Napi::Object exports) {
  return kiwi::Init(env, exports);
}
NODE_API_MODULE(kiwi_storage, InitKiwiStorage)
