#include "script_runner.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

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

ScriptRunner::ScriptRunner(KeyspaceGate* gate) : gate_(gate) { thread_ = std::thread([this] { Loop(); }); }

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

KillResult ScriptRunner::Kill() {
  if (started_ms_.load() == 0) return KillResult::kNotBusy;
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
  task->script_flags = engine_.Flags(sha);
  gate_->EnterExclusive();
  kill_.store(false);
  wrote_.store(false);
  started_ms_.store(NowMs());
  Host host(this, task);
  task->reply = engine_.Run(sha, task->keys, task->args, task->resp, &host);
  started_ms_.store(0);
  kill_.store(false);
  gate_->LeaveExclusive();
}

}  // namespace kiwi
