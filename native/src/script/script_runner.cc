#include "script_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cctype>
#include <cstdio>

#include "function_dump.h"

namespace kiwi {

void KeyspaceGate::EnterShared() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !exclusive_ && waiting_ == 0; });
  shared_++;
}

bool KeyspaceGate::TryEnterShared() {
  std::lock_guard<std::mutex> lock(mu_);
  if (exclusive_ || waiting_ > 0) return false;
  shared_++;
  return true;
}

void KeyspaceGate::LeaveShared() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--shared_ == 0) cv_.notify_all();
}

void KeyspaceGate::EnterExclusive() {
  std::unique_lock<std::mutex> lock(mu_);
  waiting_++;
  cv_.wait(lock, [&] { return !exclusive_ && shared_ == 0; });
  waiting_--;
  exclusive_ = true;
}

void KeyspaceGate::LeaveExclusive() {
  std::lock_guard<std::mutex> lock(mu_);
  exclusive_ = false;
  cv_.notify_all();
}

namespace {
int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
constexpr const char* kNoScript = "-NOSCRIPT No matching script. Please use EVAL.\r\n";
constexpr const char* kWriteFlagRo = "-ERR Can not execute a script with write flag using *_ro command.\r\n";
}  // namespace

// The engine's view of one running task.
class ScriptRunner::Host : public ScriptHost {
 public:
  Host(ScriptRunner* runner, ScriptTask* task) : runner_(runner), task_(task) {}
  std::string Call(const std::vector<std::string>& argv, int resp) override {
    {
      std::lock_guard<std::mutex> lock(task_->mu);
      task_->answered = false;
    }
    if (!task_->sink->RequestCall(task_, argv, resp)) return "-ERR kiwi: the calling network runtime is gone\r\n";
    std::unique_lock<std::mutex> lock(task_->mu);
    task_->cv.wait(lock, [&] { return task_->answered; });
    if (task_->answer_wrote) runner_->wrote_.store(true);
    return std::move(task_->answer);
  }
  bool Interrupted() override { return runner_->force_kill_.load() || (runner_->kill_.load() && !runner_->wrote_.load()); }
  void Log(int level, const std::string& message) override {
    // redis.log goes to stderr with Redis' level marks; kiwi's logger is on the JS side.
    static const char marks[] = ".-*#";
    std::fprintf(stderr, "kiwi script %c %s\n", marks[level & 3], message.c_str());
  }

 private:
  ScriptRunner* runner_;
  ScriptTask* task_;
};

ScriptRunner::ScriptRunner(KeyspaceGate* gate, std::string persist_path) : gate_(gate), persist_path_(std::move(persist_path)) {
  thread_ = std::thread([this] {
    LoadPersisted();
    Loop();
  });
}

ScriptRunner::~ScriptRunner() { Shutdown(); }

void ScriptRunner::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  force_kill_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ScriptRunner::Submit(std::unique_ptr<ScriptTask> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(task));
      cv_.notify_one();
      return;
    }
  }
  task->reply = "-ERR kiwi: storage is closing\r\n";
  task->sink->Finish(task.release());
}

void ScriptRunner::Answer(ScriptTask* task, std::string reply, bool wrote) {
  std::lock_guard<std::mutex> lock(task->mu);
  task->answer = std::move(reply);
  task->answer_wrote = wrote;
  task->answered = true;
  task->cv.notify_all();
}

KillResult ScriptRunner::Kill(bool function) {
  if (started_ms_.load() == 0) return KillResult::kNotBusy;
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    if (running_.kind != (function ? 2 : 1)) return KillResult::kOtherKind;
  }
  if (wrote_.load()) return KillResult::kUnkillable;
  kill_.store(true);
  return KillResult::kKilled;
}

int64_t ScriptRunner::BusyMs() const {
  const int64_t s = started_ms_.load();
  return s == 0 ? 0 : std::max<int64_t>(1, NowMs() - s);
}

void ScriptRunner::Loop() {
  while (true) {
    std::unique_ptr<ScriptTask> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    if (stopping_) {
      task->reply = "-ERR kiwi: storage is closing\r\n";
    } else {
      Execute(task.get());
    }
    ScriptTask* t = task.release();
    t->sink->Finish(t);
  }
}

void ScriptRunner::Execute(ScriptTask* task) {
  switch (task->op) {
    case ScriptOp::kLoad: {
      std::string sha, err;
      task->reply = engine_.Load(task->body, &sha, &err) ? "$40\r\n" + sha + "\r\n" : "-" + err + "\r\n";
      return;
    }
    case ScriptOp::kExists: {
      task->reply = "*" + std::to_string(task->args.size()) + "\r\n";
      for (const std::string& sha : task->args) {
        std::string lower = sha;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        task->reply += engine_.Exists(lower) ? ":1\r\n" : ":0\r\n";
      }
      return;
    }
    case ScriptOp::kFlush:
      engine_.Reset();
      task->reply = "+OK\r\n";
      return;
    case ScriptOp::kEval:
    case ScriptOp::kEvalSha:
      break;
    default:
      ExecuteFunction(task);
      return;
  }
  std::string sha;
  if (task->op == ScriptOp::kEval) {
    std::string err;
    if (!engine_.Load(task->body, &sha, &err)) {
      task->reply = "-" + err + "\r\n";
      return;
    }
  } else {
    sha = task->body;
    for (char& c : sha) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (sha.size() != 40 || !engine_.Exists(sha)) {
      task->reply = kNoScript;
      return;
    }
  }
  const uint32_t flags = engine_.Flags(sha);
  if (task->read_only && (flags & kScriptFlagCompat) == 0 && (flags & kScriptFlagNoWrites) == 0) {
    task->reply = kWriteFlagRo;
    return;
  }
  RunExclusive(task, 1, sha, flags);
}

void ScriptRunner::RunExclusive(ScriptTask* task, int kind, const std::string& name, uint32_t flags) {
  task->script_flags = flags;
  gate_->EnterExclusive();
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    running_.kind = kind;
    running_.name = name;
    running_.command.clear();
    if (kind == 2) {
      running_.command = {task->read_only ? "fcall_ro" : "fcall", name, std::to_string(task->keys.size())};
      running_.command.insert(running_.command.end(), task->keys.begin(), task->keys.end());
      running_.command.insert(running_.command.end(), task->args.begin(), task->args.end());
    }
  }
  kill_.store(false);
  wrote_.store(false);
  started_ms_.store(NowMs());
  Host host(this, task);
  task->reply = kind == 1 ? engine_.Run(name, task->keys, task->args, task->resp, &host)
                          : functions_->Call(name, task->keys, task->args, task->resp, &host);
  started_ms_.store(0);
  kill_.store(false);
  {
    std::lock_guard<std::mutex> lock(info_mu_);
    running_.kind = 0;
  }
  gate_->LeaveExclusive();
}

RunningInfo ScriptRunner::Running() const {
  std::lock_guard<std::mutex> lock(info_mu_);
  RunningInfo info = running_;
  if (info.kind == 0) {
    info.name.clear();
    info.command.clear();
  }
  info.ms = BusyMs();
  return info;
}

void ScriptRunner::ExecuteFunction(ScriptTask* task) {
  switch (task->op) {
    case ScriptOp::kFunctionLoad:
      task->reply = functions_->Load(task->body, !task->args.empty() && task->args[0] == "REPLACE");
      if (task->reply[0] != '-') Persist();
      break;
    case ScriptOp::kFunctionDelete:
      task->reply = functions_->Delete(task->body);
      if (task->reply[0] != '-') Persist();
      break;
    case ScriptOp::kFunctionFlush:
      functions_->Flush();
      Persist();
      task->reply = "+OK\r\n";
      break;
    case ScriptOp::kFunctionDump: {
      const std::string payload = FunctionDumpPayload(functions_->Codes());
      task->reply = "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
      break;
    }
    case ScriptOp::kFunctionRestore: {
      const std::string policy = task->args.empty() ? "APPEND" : task->args[0];
      task->reply = FunctionEngine::Restore(&functions_, task->body,
                                            policy == "FLUSH"     ? FunctionEngine::RestorePolicy::kFlush
                                            : policy == "REPLACE" ? FunctionEngine::RestorePolicy::kReplace
                                                                  : FunctionEngine::RestorePolicy::kAppend);
      if (task->reply[0] != '-') Persist();
      break;
    }
    case ScriptOp::kFunctionList: {
      const bool with_code = !task->args.empty() && task->args[0] == "1";
      const std::string* pattern = task->args.size() > 1 ? &task->args[1] : nullptr;
      task->reply = functions_->List(with_code, pattern, task->resp);
      break;
    }
    case ScriptOp::kFcall: {
      uint32_t flags = 0;
      if (!functions_->Find(task->body, &flags)) {
        task->reply = "-ERR Function not found\r\n";
        break;
      }
      if (task->read_only && (flags & kScriptFlagNoWrites) == 0) {
        task->reply = kWriteFlagRo;
        break;
      }
      RunExclusive(task, 2, task->body, flags);
      break;
    }
    default:
      task->reply = "-ERR kiwi: unknown script operation\r\n";
  }
  std::lock_guard<std::mutex> lock(info_mu_);
  running_.libraries = functions_->LibraryCount();
  running_.functions = functions_->FunctionCount();
}

// FUNCTION libraries survive restarts in one file beside the database: "KIWIFN1\n", then
// each library's code as a 4-byte little-endian length and the bytes. Written whole to a
// temporary file, synced, renamed over the old one (a crash leaves the old or the new).
void ScriptRunner::LoadPersisted() {
  if (persist_path_.empty()) return;
  FILE* f = std::fopen(persist_path_.c_str(), "rb");
  if (f == nullptr) return;
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  std::fclose(f);
  if (data.rfind("KIWIFN1\n", 0) != 0) {
    std::fprintf(stderr, "kiwi: %s is not a function library file; ignored\n", persist_path_.c_str());
    return;
  }
  size_t p = 8;
  while (p + 4 <= data.size()) {
    uint32_t len = 0;
    std::memcpy(&len, data.data() + p, 4);
    p += 4;
    if (p + len > data.size()) break;
    const std::string reply = functions_->Load(std::string_view(data.data() + p, len), true);
    if (reply[0] == '-') std::fprintf(stderr, "kiwi: a saved function library failed to load: %s", reply.c_str() + 1);
    p += len;
  }
  std::lock_guard<std::mutex> lock(info_mu_);
  running_.libraries = functions_->LibraryCount();
  running_.functions = functions_->FunctionCount();
}

void ScriptRunner::Persist() {
  if (persist_path_.empty()) return;
  std::string data = "KIWIFN1\n";
  for (const std::string& code : functions_->Codes()) {
    const uint32_t len = static_cast<uint32_t>(code.size());
    data.append(reinterpret_cast<const char*>(&len), 4);
    data += code;
  }
  const std::string tmp = persist_path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = fd >= 0;
  size_t off = 0;
  while (ok && off < data.size()) {
    const ssize_t w = ::write(fd, data.data() + off, data.size() - off);
    if (w <= 0) ok = false;
    else off += size_t(w);
  }
  if (ok) ok = ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (ok) ok = std::rename(tmp.c_str(), persist_path_.c_str()) == 0;
  if (!ok) std::fprintf(stderr, "kiwi: could not save function libraries to %s\n", persist_path_.c_str());
}

}  // namespace kiwi
