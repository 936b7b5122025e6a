// The script runtime: one Lua 5.1 state with Redis 7.0's environment (the Lua Redis
// embeds, its libraries, the redis.* API, protected globals, Redis' conversions between
// Lua values and RESP2/RESP3 both ways). It knows nothing of threads, storage or N-API:
// commands a script calls go to a ScriptHost, which answers with RESP bytes, exactly as
// Redis' script client reads its own reply buffer.
//
// Not thread-safe: one caller at a time (ScriptRunner holds the keyspace exclusively
// while it uses the engine).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct lua_State;

namespace kiwi {

// Script shebang flags (#!lua flags=...), Redis' scripts_flags_def.
enum ScriptFlag : uint32_t {
  kScriptFlagNoWrites = 1u << 0,
  kScriptFlagAllowOom = 1u << 1,
  kScriptFlagAllowStale = 1u << 2,
  kScriptFlagNoCluster = 1u << 3,
  kScriptFlagAllowCrossSlot = 1u << 4,
  kScriptFlagCompat = 1u << 5,  // no shebang: Redis' EVAL compatibility mode
};

class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // Runs one redis.call/pcall command; returns its reply encoded as RESP `resp` (2 or 3).
  // An error reply ("-...\r\n") is how a refused command answers too.
  virtual std::string Call(const std::vector<std::string>& argv, int resp) = 0;
  // Polled every 100k Lua instructions: true stops the script with Redis' kill error.
  virtual bool Interrupted() = 0;
  virtual void Log(int level, const std::string& message) = 0;
};

class LuaEngine {
 public:
  LuaEngine();
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // Compiles `body` (once per SHA-1) as SCRIPT LOAD and EVAL do. False: *error is the
  // error reply's text (no leading '-').
  bool Load(std::string_view body, std::string* sha, std::string* error);
  bool Exists(std::string_view sha) const;
  // The script's shebang flags, or 0 when it is not loaded.
  uint32_t Flags(std::string_view sha) const;
  // SCRIPT FLUSH: a fresh state, no scripts.
  void Reset();
  size_t ScriptCount() const { return scripts_.size(); }
  size_t MemoryBytes() const;

  // Runs a loaded script (sha in lowercase). Returns the reply as RESP `caller_resp`.
  std::string Run(std::string_view sha, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                  int caller_resp, ScriptHost* host);

  // Per-run state the C functions reach through the registry.
  struct RunState {
    ScriptHost* host = nullptr;
    int resp = 2;  // redis.setresp
    bool killed = false;
  };

 private:
  void Init();
  lua_State* L_ = nullptr;
  struct Script {
    uint32_t flags;
    size_t body_bytes;
  };
  std::unordered_map<std::string, Script> scripts_;
  uint64_t runs_ = 0;
};

// Redis' shebang parser (evalExtractShebangFlags). False: *error holds the error text.
bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error);

}  // namespace kiwi
