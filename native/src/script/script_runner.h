// Where scripts run: one script thread per storage runtime, shared by every network
// runtime, running script work (EVAL*, SCRIPT LOAD/EXISTS/FLUSH) one task at a time in
// submission order. An EVAL takes the keyspace exclusively (KeyspaceGate) for its whole
// run, so no other client's command touches any key meanwhile, whichever network runtime
// it came through. Commands the script calls go back to the JS thread of the runtime that
// submitted it (a CallSink), which parses and executes them with the normal command table,
// running their storage work synchronously on that thread (the gate is already held for
// them); the script thread waits for each reply.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "function_engine.h"
#include "lua_engine.h"

namespace kiwi {

// Storage threads and fast reads share the keyspace; a script takes it alone. Waiting
// scripts stop new shared entries, so a steady stream of batches cannot starve them.
class KeyspaceGate {
 public:
  void EnterShared();
  bool TryEnterShared();
  void LeaveShared();
  void EnterExclusive();
  void LeaveExclusive();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int shared_ = 0;
  int waiting_ = 0;
  bool exclusive_ = false;
};

struct ScriptTask;

// The JS side of a task: one per network runtime (N-API handle).
class CallSink {
 public:
  virtual ~CallSink() = default;
  // Asks the JS thread to run argv (async); false when that thread is gone.
  virtual bool RequestCall(ScriptTask* task, std::vector<std::string> argv, int resp) = 0;
  // Hands the finished task to the JS thread, which deletes it.
  virtual void Finish(ScriptTask* task) = 0;
};

enum class ScriptOp : uint8_t {
  kEval = 0, kEvalSha = 1, kLoad = 2, kExists = 3, kFlush = 4,
  // FUNCTION: body is the code (LOAD; args[0] "REPLACE" or empty), the function (FCALL),
  // the library (DELETE); LIST takes args {withcode "1"|"0", pattern?}.
  kFunctionLoad = 5, kFcall = 6, kFunctionList = 7, kFunctionDelete = 8, kFunctionFlush = 9,
  // FUNCTION DUMP; FUNCTION RESTORE: body is the payload, args[0] the policy
  // ("APPEND", "REPLACE" or "FLUSH").
  kFunctionDump = 10, kFunctionRestore = 11,
};

struct ScriptTask {
  uint64_t id = 0;
  ScriptOp op = ScriptOp::kEval;
  std::shared_ptr<CallSink> sink;
  std::string body;                         // kEval, kLoad: the script; kEvalSha: the sha
  std::vector<std::string> keys, args;      // kExists: args are the shas
  int resp = 2;                             // the caller's protocol
  uint32_t script_flags = 0;                // the running script's shebang flags
  bool read_only = false;                   // EVAL_RO / EVALSHA_RO
  std::string reply;                        // RESP, for the caller's protocol

  // A pending redis.call: filled by Answer() on the JS thread.
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  bool answer_wrote = false;
  std::string answer;
};

enum class KillResult { kNotBusy = 0, kKilled = 1, kUnkillable = 2, kOtherKind = 3 };

// What FUNCTION STATS and BUSY replies need while a script runs.
struct RunningInfo {
  int kind = 0;  // 0 none, 1 EVAL, 2 FCALL
  int64_t ms = 0;
  std::string name;
  std::vector<std::string> command;
  size_t libraries = 0, functions = 0;
};

class ScriptRunner {
 public:
  // persist_path: where FUNCTION libraries are kept (empty: in memory only).
  ScriptRunner(KeyspaceGate* gate, std::string persist_path);
  ~ScriptRunner();

  void Submit(std::unique_ptr<ScriptTask> task);
  // The JS thread's reply to a RequestCall; `wrote`: the command was a write.
  static void Answer(ScriptTask* task, std::string reply, bool wrote);
  // SCRIPT KILL (function=false) or FUNCTION KILL (true).
  KillResult Kill(bool function);
  RunningInfo Running() const;
  // Milliseconds the running EVAL has run, 0 when none.
  int64_t BusyMs() const;
  // Stops the thread; a running script is killed (even after writes).
  void Shutdown();

 private:
  class Host;
  void Loop();
  void Execute(ScriptTask* task);
  void ExecuteFunction(ScriptTask* task);
  // Runs a loaded EVAL script or a function holding the keyspace alone.
  void RunExclusive(ScriptTask* task, int kind, const std::string& name, uint32_t flags);
  void LoadPersisted();
  void Persist();

  KeyspaceGate* gate_;
  LuaEngine engine_;
  std::unique_ptr<FunctionEngine> functions_ = std::make_unique<FunctionEngine>();
  std::string persist_path_;
  mutable std::mutex info_mu_;
  RunningInfo running_;  // kind/name/command under info_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<ScriptTask>> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<int64_t> started_ms_{0};  // steady-clock ms when the running EVAL began
  std::atomic<bool> kill_{false};
  std::atomic<bool> force_kill_{false};
  std::atomic<bool> wrote_{false};
};

}  // namespace kiwi
