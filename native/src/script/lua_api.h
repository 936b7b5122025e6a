// Pieces of Redis' Lua environment (lua_engine.cc) that both script engines use: EVAL's
// (LuaEngine) and FUNCTION's (FunctionEngine). Internal to native/src/script.
#pragma once

#include <string>
#include <string_view>
#include <vector>

extern "C" {
#include "lauxlib.h"
#include "lua.h"
}

#include "lua_engine.h"

namespace kiwi::luaapi {

inline constexpr const char* kRunStateKey = "__kiwi_run_state";
inline constexpr const char* kErrorHandlerKey = "__ERROR_HANDLER__";
inline constexpr const char* kRedisVersion = "7.0.15";
inline constexpr int kRedisVersionNum = 0x07000f;  // (major << 16) | (minor << 8) | patch

// What one script may allocate: a Lua state's memory is counted by its allocator, and
// while a script body runs (Invoke) an allocation past the limit fails, which Lua turns
// into a "not enough memory" error of that script (the server keeps serving). Outside
// script bodies (building KEYS/ARGV, converting replies) nothing is refused: an
// allocation failure there would be unprotected and end the process.
inline constexpr size_t kScriptMemoryLimit = size_t{1} << 30;  // 1 GiB
// lua_open() with the counting allocator; CloseState frees the state and its counter.
lua_State* NewState();
void CloseState(lua_State* L);

// The words of a `#!` line (EVAL's shebang, FUNCTION LOAD's library header), split at
// spaces, tabs and CRs.
std::vector<std::string> ShebangWords(std::string_view line);

// Libraries (allow-listed globals only), Lua's pcall replaced, the redis table, math.random.
void OpenRedisApi(lua_State* L);
// eval: the global __redis__err__handler; else the registry's kErrorHandlerKey.
void DefineErrorHandler(lua_State* L, bool eval);
// redis.log, its LOG_* levels and REDIS_VERSION(_NUM) into the table on top.
void RegisterLogAndVersion(lua_State* L);
// A metatable on the table on top whose __index raises Redis' nonexistent-global error.
void SetErrorMetatable(lua_State* L);
void LockGlobals(lua_State* L);
void ProtectRecursively(lua_State* L);
// {err = "CODE msg"} on the stack, as Redis' luaPushErrorBuff.
void PushError(lua_State* L, std::string text);
int RaiseError(lua_State* L, const char* text);
void PushArray(lua_State* L, const std::vector<std::string>& items);
void SetFn(lua_State* L, const char* name, lua_CFunction fn);
void SetNum(lua_State* L, const char* name, lua_Number v);
int Log(lua_State* L);
void CountHook(lua_State* L, lua_Debug* ar);
std::string Trimmed(std::string s);
// Calls the function below `nargs` arguments (the error handler below it) and turns the
// outcome into the reply (errors named after `name`, as Redis' luaCallFunction).
std::string Invoke(lua_State* L, int nargs, std::string_view name, int caller_resp, LuaEngine::RunState* rs);

}  // namespace kiwi::luaapi
