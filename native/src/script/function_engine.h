// FUNCTION's engine (Redis 7.0 functions.c + function_lua.c): libraries loaded from code
// with a `#!lua name=<lib>` header, whose top level runs once with only
// redis.register_function (and log) in reach; functions are called with (keys, args).
// A Lua state of its own, separate from EVAL's, as in Redis. Not thread-safe: the
// script thread alone uses it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lua_engine.h"

namespace kiwi {

class FunctionEngine {
 public:
  FunctionEngine();
  ~FunctionEngine();
  FunctionEngine(const FunctionEngine&) = delete;
  FunctionEngine& operator=(const FunctionEngine&) = delete;

  // FUNCTION LOAD [REPLACE]: the reply (the library's name, or the error) as RESP.
  std::string Load(std::string_view code, bool replace);
  // FUNCTION DELETE: +OK or the error.
  std::string Delete(std::string_view library);
  void Flush();
  // FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern] for a client speaking `resp`.
  std::string List(bool with_code, const std::string* pattern, int resp) const;
  // The function's flags, or false when there is no such function.
  bool Find(std::string_view name, uint32_t* flags) const;
  // FCALL: runs a function found by Find().
  std::string Call(std::string_view name, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                   int caller_resp, ScriptHost* host);
  size_t LibraryCount() const { return libraries_.size(); }
  size_t FunctionCount() const { return functions_.size(); }
  // Every library's code, for persistence and FUNCTION DUMP (in name order).
  std::vector<std::string> Codes() const;
  bool HasLibrary(const std::string& name) const { return libraries_.count(name) != 0; }
  // FUNCTION RESTORE payload [APPEND|REPLACE|FLUSH] (functions.c functionRestoreCommand):
  // the libraries are loaded into a new engine which replaces *current only when all went
  // well, so a failed RESTORE changes nothing. Returns +OK or the error as RESP.
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  static std::string Restore(std::unique_ptr<FunctionEngine>* current, std::string_view payload, RestorePolicy policy);

  // Used by redis.register_function while a library loads.
  struct Function {
    std::string name;
    std::string description;
    bool has_description = false;
    int ref = 0;  // in the Lua registry
    uint32_t flags = 0;
  };
  struct Library {
    std::string name;
    std::string code;
    std::vector<Function> functions;
  };
  Library* loading() { return loading_; }

 private:
  void Init();
  void Release(Library& lib);
  lua_State* L_ = nullptr;
  std::map<std::string, Library> libraries_;                  // by name
  std::unordered_map<std::string, std::string> functions_;   // function -> library
  Library* loading_ = nullptr;
  uint64_t runs_ = 0;
};

}  // namespace kiwi
