// N-API face of the storage runtime: a NativeStorage class with a handful of methods.
// Per-request work crosses the boundary only inside batches (submit), and results come
// back through one thread-safe function per handle that drains every finished batch at once.
//
//   new NativeStorage(dir, options, onComplete(id, status, resultBuffer))   opens the database
//   new NativeStorage(token, onComplete)     attaches another JS environment (a worker) to it
//   token() -> number                        what a worker attaches with
//   submit(id, priority, request, blobs, timeoutMs) -> 0 accepted | 1 backpressure | 2 closed
//   readFast(request, blobs) -> Buffer | null   point reads from memory, on the calling thread
//   cancel(id) -> boolean   close(callback(err)) (opening handle)   detach() (attached handle)
//   stats() -> object   setThreads(n)   setCapacity(n)   property(name)   health() -> object
//
// Every handle has its own completion sink: a job records the sink of the handle that
// submitted it, so completions return to that handle's thread. A handle that goes away
// (detach(), its worker exiting or being terminated) takes back its queued jobs and waits
// for its running ones, whose request buffers live in its heap, before its environment
// frees them; the other handles and the database go on.
#include <napi.h>
#include <rocksdb/version.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "db.h"
#include "exec.h"
#include "ops.h"
#include "pool.h"
#include "script/script_runner.h"
#include "shared_storage.h"
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

class NativeStorage;

// One handle's completions: filled by storage threads, drained on the handle's JS thread
// through its thread-safe function. Shared with the tsfn's queued calls, which may
// outlive the handle.
struct JsSink : CompletionSink, std::enable_shared_from_this<JsSink> {
  std::mutex mu;
  std::condition_variable idle;
  std::vector<Job*> done;
  bool signalled = false;
  bool detached = false;  // no JS to deliver to: completions are dropped
  bool close_finished = false;
  rocksdb::Status close_status;
  std::atomic<size_t> inflight{0};  // submitted, not yet completed
  std::atomic<NativeStorage*> handle{nullptr};
  Napi::ThreadSafeFunction tsfn;

  void Complete(Job* job) override;
  void Signal();
};

// One handle's side of scripting: the script thread asks it (through a thread-safe
// function) to run a script's redis.call on this JS thread, and hands back finished tasks.
// JS gets handler(0, id, argv[], resp, flags) for a call and handler(1, id, reply) at the end.
struct JsCallSink : CallSink {
  Napi::ThreadSafeFunction tsfn;
  std::mutex mu;
  std::unordered_map<uint64_t, ScriptTask*> calls;  // tasks waiting for an answer

  bool RequestCall(ScriptTask* task, std::vector<std::string> argv, int resp) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      calls[task->id] = task;
    }
    const uint64_t id = task->id;
    const uint32_t flags = task->script_flags;
    auto* data = new std::vector<std::string>(std::move(argv));
    const napi_status st = tsfn.BlockingCall(data, [id, resp, flags](Napi::Env env, Napi::Function fn, std::vector<std::string>* argv) {
      Napi::Array list = Napi::Array::New(env, argv->size());
      for (uint32_t i = 0; i < argv->size(); i++) list.Set(i, Napi::Buffer<char>::Copy(env, (*argv)[i].data(), (*argv)[i].size()));
      delete argv;
      fn.Call({Napi::Number::New(env, 0), Napi::Number::New(env, static_cast<double>(id)), list, Napi::Number::New(env, resp),
               Napi::Number::New(env, flags)});
    });
    if (st != napi_ok) {
      delete data;
      std::lock_guard<std::mutex> lock(mu);
      calls.erase(task->id);
      return false;
    }
    return true;
  }
  void Finish(ScriptTask* task) override {
    const napi_status st = tsfn.BlockingCall(task, [](Napi::Env env, Napi::Function fn, ScriptTask* t) {
      Napi::Buffer<char> reply = Napi::Buffer<char>::Copy(env, t->reply.data(), t->reply.size());
      const double id = static_cast<double>(t->id);
      delete t;
      fn.Call({Napi::Number::New(env, 1), Napi::Number::New(env, id), reply});
    });
    if (st != napi_ok) delete task;
  }
  // The JS thread's answer to a call.
  bool Answer(uint64_t id, std::string reply, bool wrote) {
    ScriptTask* task = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = calls.find(id);
      if (it == calls.end()) return false;
      task = it->second;
      calls.erase(it);
    }
    ScriptRunner::Answer(task, std::move(reply), wrote);
    return true;
  }
};

class NativeStorage : public Napi::ObjectWrap<NativeStorage> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeStorage(const Napi::CallbackInfo& info);
  ~NativeStorage() override;

  void Drain(Napi::Env env, Napi::Function on_complete);  // JS thread

 private:
  Napi::Value Token(const Napi::CallbackInfo& info);
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value ReadFast(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value DetachJs(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value SetThreads(const Napi::CallbackInfo& info);
  Napi::Value SetCapacity(const Napi::CallbackInfo& info);
  Napi::Value TakeQueuePeak(const Napi::CallbackInfo& info);
  Napi::Value TakeExpired(const Napi::CallbackInfo& info);
  Napi::Value Property(const Napi::CallbackInfo& info);
  Napi::Value Health(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value ScriptSetup(const Napi::CallbackInfo& info);
  Napi::Value ScriptSubmit(const Napi::CallbackInfo& info);
  Napi::Value ScriptAnswer(const Napi::CallbackInfo& info);
  Napi::Value ScriptKill(const Napi::CallbackInfo& info);
  Napi::Value ScriptBusyMs(const Napi::CallbackInfo& info);
  Napi::Value ScriptRunning(const Napi::CallbackInfo& info);
  Napi::Value RunNow(const Napi::CallbackInfo& info);

  bool Deliver(napi_env e, napi_value fn, napi_value recv, Job* job);
  void FinishClose(Napi::Env env);
  // Stops deliveries, takes back this handle's queued jobs and waits for its running ones.
  void Detach();
  void ShutdownNow();
  static void CleanupHook(void* self);
  bool usable() const { return state_ == State::kOpen && shared_ && !shared_->closing(); }

  enum class State { kOpen, kClosing, kClosed };
  State state_ = State::kOpen;
  bool owner_ = false;  // opened the database (close() is its to call)
  std::shared_ptr<SharedStorage> shared_;
  std::shared_ptr<JsSink> sink_ = std::make_shared<JsSink>();
  Napi::FunctionReference close_callback_;
  std::thread closer_;
  size_t pending_ = 0;  // submitted, not yet delivered to JS; JS thread only
  bool hook_registered_ = false;
  std::shared_ptr<JsCallSink> script_sink_;
};

void JsSink::Complete(Job* job) {
  bool signal = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (detached) {
      delete job;
    } else {
      done.push_back(job);
      signal = !signalled;
      signalled = true;
    }
  }
  if (signal) Signal();
  // Last: Detach() releases the tsfn once nothing is in flight, so not under a Signal().
  if (inflight.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu);
    idle.notify_all();
  }
}

void JsSink::Signal() {
  // napi_closing during environment teardown is fine: Detach frees what is left.
  tsfn.NonBlockingCall([self = shared_from_this()](Napi::Env env, Napi::Function on_complete) {
    NativeStorage* h = self->handle.load();
    if (h != nullptr) h->Drain(env, on_complete);
  });
}

Napi::Function NativeStorage::Define(Napi::Env env) {
  return DefineClass(env, "NativeStorage",
                     {InstanceMethod<&NativeStorage::Token>("token"),
                      InstanceMethod<&NativeStorage::Submit>("submit"),
                      InstanceMethod<&NativeStorage::ReadFast>("readFast"),
                      InstanceMethod<&NativeStorage::Cancel>("cancel"),
                      InstanceMethod<&NativeStorage::Close>("close"),
                      InstanceMethod<&NativeStorage::DetachJs>("detach"),
                      InstanceMethod<&NativeStorage::Stats>("stats"),
                      InstanceMethod<&NativeStorage::SetThreads>("setThreads"),
                      InstanceMethod<&NativeStorage::SetCapacity>("setCapacity"),
                      InstanceMethod<&NativeStorage::TakeQueuePeak>("takeQueuePeak"),
                      InstanceMethod<&NativeStorage::TakeExpired>("takeExpired"),
                      InstanceMethod<&NativeStorage::Property>("property"),
                      InstanceMethod<&NativeStorage::Health>("health"),
                      InstanceMethod<&NativeStorage::Resume>("resume"),
                      InstanceMethod<&NativeStorage::ScriptSetup>("scriptSetup"),
                      InstanceMethod<&NativeStorage::ScriptSubmit>("scriptSubmit"),
                      InstanceMethod<&NativeStorage::ScriptAnswer>("scriptAnswer"),
                      InstanceMethod<&NativeStorage::ScriptKill>("scriptKill"),
                      InstanceMethod<&NativeStorage::ScriptBusyMs>("scriptBusyMs"),
                      InstanceMethod<&NativeStorage::ScriptRunning>("scriptRunning"),
                      InstanceMethod<&NativeStorage::RunNow>("runNow")});
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

// A batch's request buffer and blobs as the executor reads them (views into JS memory).
bool ReadRequestArgs(const Napi::CallbackInfo& info, size_t at, const uint8_t** data, size_t* size,
                     std::vector<std::string_view>* blobs) {
  const Napi::Buffer<uint8_t> request = info[at].As<Napi::Buffer<uint8_t>>();
  *data = request.Data();
  *size = request.Length();
  if (!info[at + 1].IsArray()) return true;
  const Napi::Array list = info[at + 1].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    const Napi::Value b = list.Get(i);
    if (!b.IsBuffer()) return false;
    const Napi::Buffer<char> buf = b.As<Napi::Buffer<char>>();
    blobs->emplace_back(buf.Data(), buf.Length());
  }
  return true;
}

// (request, blobs) decoded for a batch run on the calling thread; `blobs` backs the views.
bool DecodeRequestArgs(const Napi::CallbackInfo& info, Request* req, std::vector<std::string_view>* blobs) {
  const uint8_t* data = nullptr;
  size_t size = 0;
  return ReadRequestArgs(info, 0, &data, &size, blobs) && req->Decode(data, size, *blobs);
}

}  // namespace

NativeStorage::NativeStorage(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeStorage>(info) {
  Napi::Env env = info.Env();
  Napi::Function on_complete;
  if (info.Length() >= 2 && info[0].IsNumber() && info[1].IsFunction()) {
    shared_ = SharedStorage::Find(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    if (!shared_ || shared_->closing()) {
      Napi::Error err = Napi::Error::New(env, "cannot attach: the storage runtime is closed");
      err.Set("storageCode", Napi::String::New(env, "CLOSED"));
      err.ThrowAsJavaScriptException();
      shared_.reset();
      return;
    }
    on_complete = info[1].As<Napi::Function>();
  } else if (info.Length() >= 3 && info[0].IsString() && info[1].IsObject() && info[2].IsFunction()) {
    DbOptions db_options;
    PoolOptions pool_options;
    ReadOptions(info[1].As<Napi::Object>(), &db_options, &pool_options);
    const rocksdb::Status s = SharedStorage::Open(info[0].As<Napi::String>().Utf8Value(), db_options, pool_options, &shared_);
    if (!s.ok()) {
      StatusError(env, "cannot open the data directory", s).ThrowAsJavaScriptException();
      return;
    }
    owner_ = true;
    on_complete = info[2].As<Napi::Function>();
  } else {
    Napi::TypeError::New(env, "NativeStorage(dir: string, options: object, onComplete: function) or NativeStorage(token: number, onComplete: function)")
        .ThrowAsJavaScriptException();
    return;
  }
  sink_->tsfn = Napi::ThreadSafeFunction::New(env, on_complete, "kiwi-storage-complete", 0, 1);
  // Idle storage must not keep the process (or worker) alive; submit() refs while work is pending.
  napi_unref_threadsafe_function(env, sink_->tsfn);
  sink_->handle.store(this);
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

void NativeStorage::Detach() {
  sink_->handle.store(nullptr);
  {
    std::lock_guard<std::mutex> lock(sink_->mu);
    sink_->detached = true;
    for (Job* job : sink_->done) delete job;
    sink_->done.clear();
  }
  if (shared_) shared_->pool()->CancelOwned(sink_.get());
  {
    std::unique_lock<std::mutex> lock(sink_->mu);
    sink_->idle.wait(lock, [&] { return sink_->inflight.load() == 0; });
  }
  if (sink_->tsfn) sink_->tsfn.Release();
  sink_->tsfn = Napi::ThreadSafeFunction();
  if (script_sink_ && script_sink_->tsfn) script_sink_->tsfn.Release();
}

// The environment is going away (worker exit, process exit) or the object was collected:
// no JS can run. This handle's queued batches never run, its running ones finish; the
// opening handle also closes the database (other handles' queued batches complete as
// CLOSED).
void NativeStorage::ShutdownNow() {
  if (state_ == State::kClosed) return;
  if (closer_.joinable()) closer_.join();
  state_ = State::kClosed;
  if (!shared_) return;
  Detach();
  if (owner_) shared_->Close(/*run_queued=*/false).PermitUncheckedError();
  shared_.reset();
}

// Raw N-API with checked statuses on purpose: while a worker terminates, calls into JS
// fail, and node-addon-api's wrappers would turn that failure into a fatal error.
void NativeStorage::Drain(Napi::Env env, Napi::Function on_complete) {
  std::vector<Job*> jobs;
  bool close_finished = false;
  {
    std::lock_guard<std::mutex> lock(sink_->mu);
    jobs.swap(sink_->done);
    sink_->signalled = false;
    close_finished = sink_->close_finished;
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
  if (pending_ == 0 && state_ == State::kOpen) napi_unref_threadsafe_function(e, sink_->tsfn);
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

Napi::Value NativeStorage::Token(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), shared_ ? static_cast<double>(shared_->token()) : 0);
}

Napi::Value NativeStorage::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable()) return Napi::Number::New(env, static_cast<int>(SubmitResult::kClosed));
  if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBuffer() ||
      !info[4].IsNumber()) {
    Napi::TypeError::New(env, "submit(id, priority, request, blobs, timeoutMs)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto job = std::make_unique<Job>();
  job->id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  job->sink = sink_.get();
  job->priority = static_cast<uint8_t>(std::min<int64_t>(std::max<int64_t>(info[1].As<Napi::Number>().Int64Value(), 0), kPriorityCount - 1));
  // The JS side keeps request and blobs referenced, and unchanged, until completion.
  if (!ReadRequestArgs(info, 2, &job->request, &job->request_size, &job->blobs)) {
    Napi::TypeError::New(env, "blobs must be Buffers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (job->request_size >= 4) std::memcpy(&job->commands, job->request, 4);
  const double timeout = info[4].As<Napi::Number>().DoubleValue();
  if (timeout > 0) {
    job->deadline = std::chrono::steady_clock::now() +
                    std::chrono::microseconds(static_cast<int64_t>(timeout * 1000));
  }
  sink_->inflight.fetch_add(1);
  const SubmitResult r = shared_->pool()->Submit(job.get());
  if (r != SubmitResult::kAccepted) {
    sink_->inflight.fetch_sub(1);
    return Napi::Number::New(env, static_cast<int>(r));
  }
  job.release();
  if (pending_++ == 0) napi_ref_threadsafe_function(env, sink_->tsfn);
  return Napi::Number::New(env, 0);
}

// A read-only batch answered on the calling (network) thread when RocksDB can answer it
// from memory alone; null means "submit it as usual". See fastpath.cc.
Napi::Value NativeStorage::ReadFast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable() || info.Length() < 1 || !info[0].IsBuffer()) return env.Null();
  std::vector<std::string_view> blobs;
  Request req;
  if (!DecodeRequestArgs(info, &req, &blobs)) return env.Null();
  std::string out;
  {
    ReadGuard guard(shared_.get());
    // While a script holds the keyspace, reads wait for it on the storage threads.
    if (!guard.entered() || !shared_->gate()->TryEnterShared()) return env.Null();
    const bool hit = shared_->executor()->RunFromMemory(req, &out);
    shared_->gate()->LeaveShared();
    if (!hit) return env.Null();
  }
  return Napi::Buffer<char>::Copy(env, out.data(), out.size());
}

Napi::Value NativeStorage::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable() || info.Length() < 1 || !info[0].IsNumber()) return Napi::Boolean::New(env, false);
  return Napi::Boolean::New(env, shared_->pool()->Cancel(sink_.get(), static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value())));
}

Napi::Value NativeStorage::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(env, "close(callback)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!owner_) {
    Napi::Error::New(env, "only the handle that opened the database closes it; attached handles detach()").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state_ != State::kOpen) {
    Napi::Error::New(env, "storage is already closed or closing").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  state_ = State::kClosing;
  close_callback_ = Napi::Persistent(info[0].As<Napi::Function>());
  napi_ref_threadsafe_function(env, sink_->tsfn);
  // Closing waits for every accepted batch (every handle's) and flushes: never on the JS thread.
  closer_ = std::thread([shared = shared_, sink = sink_] {
    const rocksdb::Status s = shared->Close(/*run_queued=*/true);
    {
      std::lock_guard<std::mutex> lock(sink->mu);
      sink->close_finished = true;
      sink->close_status = s;
      if (sink->signalled) return;
      sink->signalled = true;
    }
    sink->Signal();
  });
  return env.Undefined();
}

void NativeStorage::FinishClose(Napi::Env env) {
  closer_.join();
  state_ = State::kClosed;
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(env, CleanupHook, this);
    hook_registered_ = false;
  }
  rocksdb::Status s;
  {
    std::lock_guard<std::mutex> lock(sink_->mu);
    s = sink_->close_status;
  }
  Napi::FunctionReference callback = std::move(close_callback_);
  // Nothing of this handle is in flight: the pool ran every job before the close finished.
  Detach();
  shared_.reset();
  Napi::Value err = s.ok() ? env.Null() : StatusError(env, "close failed", s).Value();
  callback.Call({err});
}

// An attached handle leaves: its queued batches are cancelled (they complete as
// CANCELLED), running ones finish, and nothing more is delivered. Synchronous.
Napi::Value NativeStorage::DetachJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (owner_) {
    Napi::Error::New(env, "the handle that opened the database closes it (close())").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (state_ == State::kClosed) return env.Undefined();
  ShutdownNow();
  if (hook_registered_) {
    napi_remove_env_cleanup_hook(env, CleanupHook, this);
    hook_registered_ = false;
  }
  return env.Undefined();
}

Napi::Value NativeStorage::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!shared_ || state_ == State::kClosed) return o;
  const PoolStats s = shared_->pool()->Stats();
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
  {
    ReadGuard guard(shared_.get());
    set("expiredKeys", guard.entered() ? shared_->db()->expired_keys() : 0);
    set("stallMicros", guard.entered() ? shared_->db()->TickerCount(rocksdb::STALL_MICROS) : 0);
  }
  set("pending", pending_);
  return o;
}

Napi::Value NativeStorage::SetThreads(const Napi::CallbackInfo& info) {
  if (usable() && info.Length() > 0 && info[0].IsNumber()) {
    shared_->pool()->Resize(static_cast<size_t>(std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value())));
  }
  return info.Env().Undefined();
}

Napi::Value NativeStorage::SetCapacity(const Napi::CallbackInfo& info) {
  if (usable() && info.Length() > 0 && info[0].IsNumber()) {
    shared_->pool()->SetCapacity(static_cast<size_t>(std::max<int64_t>(1, info[0].As<Napi::Number>().Int64Value())));
  }
  return info.Env().Undefined();
}

Napi::Value NativeStorage::TakeQueuePeak(const Napi::CallbackInfo& info) {
  const size_t peak = usable() ? shared_->pool()->TakePeak() : 0;
  return Napi::Number::New(info.Env(), static_cast<double>(peak));
}

// takeExpired(keep): the data keys the expiry cycle deleted since the last call, and how
// many did not fit; `keep` says whether to go on collecting them (keyspace notifications).
Napi::Value NativeStorage::TakeExpired(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Array keys = Napi::Array::New(env);
  uint64_t dropped = 0;
  o.Set("keys", keys);
  if (!usable()) {
    o.Set("dropped", Napi::Number::New(env, 0));
    return o;
  }
  ReadGuard guard(shared_.get());
  if (guard.entered()) {
    Database* db = shared_->db();
    db->SetExpiredLog(info.Length() > 0 && info[0].ToBoolean().Value());
    std::vector<std::string> taken = db->TakeExpired(&dropped);
    for (size_t i = 0; i < taken.size(); i++) keys.Set(i, Napi::Buffer<char>::Copy(env, taken[i].data(), taken[i].size()));
  }
  o.Set("dropped", Napi::Number::New(env, static_cast<double>(dropped)));
  return o;
}

Napi::Value NativeStorage::Property(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable() || info.Length() < 1 || !info[0].IsString()) return env.Undefined();
  std::string value;
  ReadGuard guard(shared_.get());
  if (guard.entered() && shared_->db()->Property(info[0].As<Napi::String>().Utf8Value(), &value)) {
    return Napi::String::New(env, value);
  }
  return env.Undefined();
}

Napi::Value NativeStorage::Health(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!shared_ || state_ == State::kClosed) return o;
  HealthState& h = shared_->db()->health();
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
  if (!usable()) return env.Null();
  ReadGuard guard(shared_.get());
  if (!guard.entered()) return env.Null();
  const rocksdb::Status s = shared_->db()->Resume();
  if (s.ok()) return env.Null();
  return StatusError(env, "resume failed", s).Value();
}

// net.cc: sockets and thread names for the network runtimes.
void InitNet(Napi::Env env, Napi::Object exports);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeStorage", NativeStorage::Define(env));
  exports.Set("constants", Constants(env));
  InitNet(env, exports);
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

namespace kiwi {

// scriptSetup(handler): this handle's script callbacks (see JsCallSink).
Napi::Value NativeStorage::ScriptSetup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "scriptSetup(handler)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (script_sink_) return env.Undefined();
  script_sink_ = std::make_shared<JsCallSink>();
  script_sink_->tsfn = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "kiwi-script", 0, 1);
  napi_unref_threadsafe_function(env, script_sink_->tsfn);
  return env.Undefined();
}

namespace {
std::vector<std::string> StringList(const Napi::Value& v) {
  std::vector<std::string> out;
  if (!v.IsArray()) return out;
  const Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    const Napi::Value b = a.Get(i);
    if (b.IsBuffer()) out.emplace_back(b.As<Napi::Buffer<char>>().Data(), b.As<Napi::Buffer<char>>().Length());
    else out.push_back(b.ToString().Utf8Value());
  }
  return out;
}
}  // namespace

// scriptSubmit(id, op, body, keys[], args[], resp, readOnly) -> false when closed.
Napi::Value NativeStorage::ScriptSubmit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable() || !script_sink_) return Napi::Boolean::New(env, false);
  auto task = std::make_unique<ScriptTask>();
  task->id = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  task->op = static_cast<ScriptOp>(info[1].As<Napi::Number>().Uint32Value());
  if (info[2].IsBuffer()) task->body.assign(info[2].As<Napi::Buffer<char>>().Data(), info[2].As<Napi::Buffer<char>>().Length());
  task->keys = StringList(info[3]);
  task->args = StringList(info[4]);
  task->resp = info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 2;
  task->read_only = info[6].ToBoolean().Value();
  task->sink = script_sink_;
  shared_->scripts()->Submit(std::move(task));
  return Napi::Boolean::New(env, true);
}

// scriptAnswer(id, reply: Buffer, wrote: boolean)
Napi::Value NativeStorage::ScriptAnswer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!script_sink_ || !info[1].IsBuffer()) return Napi::Boolean::New(env, false);
  const Napi::Buffer<char> reply = info[1].As<Napi::Buffer<char>>();
  return Napi::Boolean::New(env, script_sink_->Answer(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()),
                                                      std::string(reply.Data(), reply.Length()), info[2].ToBoolean().Value()));
}

// scriptKill(function: boolean) -> 0 no script running, 1 killed, 2 it has written
// (UNKILLABLE), 3 the running one is of the other kind (EVAL vs FCALL)
Napi::Value NativeStorage::ScriptKill(const Napi::CallbackInfo& info) {
  if (!usable()) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), static_cast<int>(shared_->scripts()->Kill(info[0].ToBoolean().Value())));
}

// scriptRunning() -> { kind: 0 none | 1 EVAL | 2 FCALL, ms, name, command: Buffer[], libraries, functions }
Napi::Value NativeStorage::ScriptRunning(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  RunningInfo r;
  if (usable()) r = shared_->scripts()->Running();
  o.Set("kind", Napi::Number::New(env, r.kind));
  o.Set("ms", Napi::Number::New(env, static_cast<double>(r.ms)));
  o.Set("name", Napi::String::New(env, r.name));
  Napi::Array cmd = Napi::Array::New(env, r.command.size());
  for (uint32_t i = 0; i < r.command.size(); i++) cmd.Set(i, Napi::Buffer<char>::Copy(env, r.command[i].data(), r.command[i].size()));
  o.Set("command", cmd);
  o.Set("libraries", Napi::Number::New(env, static_cast<double>(r.libraries)));
  o.Set("functions", Napi::Number::New(env, static_cast<double>(r.functions)));
  return o;
}

Napi::Value NativeStorage::ScriptBusyMs(const Napi::CallbackInfo& info) {
  if (!usable()) return Napi::Number::New(info.Env(), 0);
  return Napi::Number::New(info.Env(), static_cast<double>(shared_->scripts()->BusyMs()));
}

// runNow(request, blobs) -> Buffer: a batch executed on this thread, for a command a running
// script called: the script thread holds the keyspace for it, so no gate is taken here.
Napi::Value NativeStorage::RunNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!usable() || info.Length() < 1 || !info[0].IsBuffer()) return env.Null();
  if (shared_->scripts()->BusyMs() == 0) {
    Napi::Error::New(env, "runNow is only for commands of a running script").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::vector<std::string_view> blobs;
  Request req;
  if (!DecodeRequestArgs(info, &req, &blobs)) return env.Null();
  std::string out;
  {
    ReadGuard guard(shared_.get());
    if (!guard.entered()) return env.Null();
    shared_->executor()->Run(req, &out);
  }
  return Napi::Buffer<char>::Copy(env, out.data(), out.size());
}

}  // namespace kiwi
