// Semantics and error texts follow Redis 7.0.15's functions.c and function_lua.c;
// test/compat/scripting.test.ts compares them with redis-server.
#include "function_engine.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <strings.h>

#include "../glob.h"
#include "function_dump.h"
#include "lua_api.h"

namespace kiwi {

namespace {

using namespace luaapi;

constexpr const char* kEngineKey = "__kiwi_function_engine";
constexpr const char* kLibraryApiKey = "__LIBRARY_API__";
constexpr const char* kGlobalsApiKey = "__GLOBALS_API__";
constexpr const char* kLoadDeadlineKey = "__kiwi_load_deadline";
constexpr int64_t kLoadTimeoutMs = 500;  // Redis' FUNCTION LOAD timeout
constexpr const char* kBadName = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

// Redis 7.0 answers a bad *function* name with the library text too; kept as Redis has it.
bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string Error(const std::string& text) { return "-" + Trimmed(text) + "\r\n"; }
std::string Bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

FunctionEngine* EngineOf(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* e = static_cast<FunctionEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return e;
}

const std::pair<const char*, uint32_t> kFlagNames[] = {
    {"no-writes", kScriptFlagNoWrites}, {"allow-oom", kScriptFlagAllowOom}, {"allow-stale", kScriptFlagAllowStale},
    {"no-cluster", kScriptFlagNoCluster}, {"allow-cross-slot-keys", kScriptFlagAllowCrossSlot}};

// Reads the flags table on top of the stack; false on an unknown flag.
bool ReadFlags(lua_State* L, uint32_t* flags) {
  uint32_t f = 0;
  for (int j = 1;; j++) {
    lua_pushnumber(L, j);
    lua_gettable(L, -2);
    if (lua_type(L, -1) == LUA_TNIL) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 1);
      return false;
    }
    const char* s = lua_tostring(L, -1);
    bool found = false;
    for (const auto& [name, bit] : kFlagNames) {
      if (strcasecmp(name, s) == 0) {
        f |= bit;
        found = true;
      }
    }
    lua_pop(L, 1);
    if (!found) return false;
  }
  *flags = f;
  return true;
}

// redis.register_function(name, callback) or redis.register_function{function_name=...,
// callback=..., flags={...}, description=...}.
int RegisterFunction(lua_State* L) {
  FunctionEngine* engine = EngineOf(L);
  FunctionEngine::Library* lib = engine != nullptr ? engine->loading() : nullptr;
  if (lib == nullptr) return RaiseError(L, "redis.register_function can only be called on FUNCTION LOAD command");
  const int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return RaiseError(L, "wrong number of arguments to redis.register_function");
  FunctionEngine::Function fn;
  bool has_name = false, has_callback = false;
  const char* err = nullptr;
  if (argc == 1) {
    if (!lua_istable(L, 1)) return RaiseError(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      if (!lua_isstring(L, -2)) { err = "named argument key given to redis.register_function is not a string"; break; }
      const char* key = lua_tostring(L, -2);
      if (strcasecmp(key, "function_name") == 0) {
        if (!lua_isstring(L, -1)) { err = "function_name argument given to redis.register_function must be a string"; break; }
        fn.name = lua_tostring(L, -1);
        has_name = true;
      } else if (strcasecmp(key, "description") == 0) {
        if (!lua_isstring(L, -1)) { err = "description argument given to redis.register_function must be a string"; break; }
        fn.description = lua_tostring(L, -1);
        fn.has_description = true;
      } else if (strcasecmp(key, "callback") == 0) {
        if (!lua_isfunction(L, -1)) { err = "callback argument given to redis.register_function must be a function"; break; }
        if (has_callback) lua_unref(L, fn.ref);
        fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
        has_callback = true;
        continue;
      } else if (strcasecmp(key, "flags") == 0) {
        if (!lua_istable(L, -1)) { err = "flags argument to redis.register_function must be a table representing function flags"; break; }
        if (!ReadFlags(L, &fn.flags)) { err = "unknown flag given"; break; }
      } else {
        err = "unknown argument given to redis.register_function";
        break;
      }
      lua_pop(L, 1);
    }
    if (err == nullptr && !has_name) err = "redis.register_function must get a function name argument";
    if (err == nullptr && !has_callback) err = "redis.register_function must get a callback argument";
  } else {
    if (!lua_isstring(L, 1)) {
      err = "first argument to redis.register_function must be a string";
    } else if (!lua_isfunction(L, 2)) {
      err = "second argument to redis.register_function must be a function";
    } else {
      fn.name = lua_tostring(L, 1);
      fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);
      has_callback = true;
    }
  }
  if (err == nullptr && !ValidName(fn.name)) err = kBadName;
  if (err == nullptr) {
    for (const auto& other : lib->functions)
      if (other.name == fn.name) err = "Function already exists in the library";
  }
  if (err != nullptr) {
    if (has_callback) lua_unref(L, fn.ref);
    return RaiseError(L, err);
  }
  lib->functions.push_back(std::move(fn));
  return 0;
}

void LoadHook(lua_State* L, lua_Debug*) {
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadDeadlineKey);
  const int64_t deadline = static_cast<int64_t>(lua_tonumber(L, -1));
  lua_pop(L, 1);
  if (deadline > 0 && NowMs() > deadline) {
    lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
    RaiseError(L, "FUNCTION LOAD timeout");
  }
}

// Points the globals' __index at the library API (while loading) or the real globals.
void SetGlobalsView(lua_State* L, const char* key) {
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  lua_enablereadonlytable(L, -1, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  lua_setfield(L, -2, "__index");
  lua_enablereadonlytable(L, -1, 1);
  lua_pop(L, 1);
}

}  // namespace

FunctionEngine::FunctionEngine() { Init(); }

FunctionEngine::~FunctionEngine() {
  if (L_ != nullptr) CloseState(L_);
}

void FunctionEngine::Init() {
  lua_State* L = NewState();
  L_ = L;
  OpenRedisApi(L);
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kEngineKey);

  // What a library's top level sees: redis.register_function, redis.log and the version.
  lua_newtable(L);
  lua_newtable(L);
  SetFn(L, "register_function", RegisterFunction);
  RegisterLogAndVersion(L);
  SetErrorMetatable(L);
  lua_setfield(L, -2, "redis");
  SetErrorMetatable(L);
  ProtectRecursively(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kLibraryApiKey);

  DefineErrorHandler(L, /*eval=*/false);
  LockGlobals(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsApiKey);

  // New, empty globals whose __index is switched between the two views above.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  lua_enablereadonlytable(L, -1, 1);
  lua_setmetatable(L, -2);
  lua_enablereadonlytable(L, -1, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
}

void FunctionEngine::Release(Library& lib) {
  for (const Function& f : lib.functions) {
    lua_unref(L_, f.ref);
    auto it = functions_.find(f.name);
    if (it != functions_.end() && it->second == lib.name) functions_.erase(it);
  }
}

void FunctionEngine::Flush() {
  CloseState(L_);
  L_ = nullptr;
  libraries_.clear();
  functions_.clear();
  Init();
}

std::string FunctionEngine::Load(std::string_view code, bool replace) {
  if (code.substr(0, 2) != "#!") return Error("ERR Missing library metadata");
  const size_t end = code.find('\n');
  if (end == std::string_view::npos) return Error("ERR Invalid library metadata");
  const std::vector<std::string> parts = ShebangWords(code.substr(0, end));
  const std::string engine = parts.empty() ? "" : parts[0].substr(2);
  if (strcasecmp(engine.c_str(), "lua") != 0) return Error("ERR Engine '" + engine + "' not found");
  std::string name;
  bool named = false;
  for (size_t j = 1; j < parts.size(); j++) {
    if (parts[j].rfind("name=", 0) == 0) {
      name = parts[j].substr(5);
      named = true;
    } else {
      return Error("ERR Invalid metadata value given: " + parts[j]);
    }
  }
  if (!named) return Error("ERR Library name was not given");
  if (!ValidName(name)) return Error(std::string("ERR ") + kBadName);
  const auto old = libraries_.find(name);
  if (old != libraries_.end() && !replace) return Error("ERR Library '" + name + "' already exists");

  lua_State* L = L_;
  Library lib;
  lib.name = name;
  lib.code = std::string(code);
  // The header line is left out, its newline kept: line numbers stay the user's.
  if (luaL_loadbuffer(L, code.data() + end, code.size() - end, "@user_function")) {
    std::string err = "ERR Error compiling function: " + std::string(lua_tostring(L, -1));
    lua_pop(L, 1);
    return Error(err);
  }
  SetGlobalsView(L, kLibraryApiKey);
  loading_ = &lib;
  lua_pushnumber(L, static_cast<lua_Number>(NowMs() + kLoadTimeoutMs));
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadDeadlineKey);
  lua_sethook(L, LoadHook, LUA_MASKCOUNT, 100000);
  std::string err;
  if (lua_pcall(L, 0, 0, 0)) {
    std::string msg;
    if (lua_isstring(L, -1)) msg = std::string("ERR ") + lua_tostring(L, -1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    err = "ERR Error registering functions: " + msg;
  }
  lua_sethook(L, nullptr, 0, 0);
  loading_ = nullptr;
  SetGlobalsView(L, kGlobalsApiKey);
  if (err.empty() && lib.functions.empty()) err = "ERR No functions registered";
  if (err.empty()) {
    for (const Function& f : lib.functions) {
      auto it = functions_.find(f.name);
      if (it != functions_.end() && it->second != name) {
        err = "ERR Function " + f.name + " already exists";
        break;
      }
    }
  }
  if (!err.empty()) {
    for (const Function& f : lib.functions) lua_unref(L, f.ref);
    return Error(err);
  }
  if (old != libraries_.end()) {
    Release(old->second);
    libraries_.erase(old);
  }
  for (const Function& f : lib.functions) functions_[f.name] = name;
  std::sort(lib.functions.begin(), lib.functions.end(), [](const Function& a, const Function& b) { return a.name < b.name; });
  libraries_.emplace(name, std::move(lib));
  return Bulk(name);
}

std::string FunctionEngine::Delete(std::string_view library) {
  auto it = libraries_.find(std::string(library));
  if (it == libraries_.end()) return Error("ERR Library not found");
  Release(it->second);
  libraries_.erase(it);
  return "+OK\r\n";
}

bool FunctionEngine::Find(std::string_view name, uint32_t* flags) const {
  auto it = functions_.find(std::string(name));
  if (it == functions_.end()) return false;
  for (const Function& f : libraries_.at(it->second).functions) {
    if (f.name == name) {
      *flags = f.flags;
      return true;
    }
  }
  return false;
}

std::string FunctionEngine::Call(std::string_view name, const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args, int caller_resp, ScriptHost* host) {
  const Library& lib = libraries_.at(functions_.at(std::string(name)));
  int ref = 0;
  for (const Function& f : lib.functions)
    if (f.name == name) ref = f.ref;
  lua_State* L = L_;
  LuaEngine::RunState rs;
  rs.host = host;
  lua_pushlightuserdata(L, &rs);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunStateKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kErrorHandlerKey);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_sethook(L, CountHook, LUA_MASKCOUNT, 100000);
  PushArray(L, keys);
  PushArray(L, args);
  std::string reply = Invoke(L, 2, name, caller_resp, &rs);
  if (++runs_ % 50 == 0) lua_gc(L, LUA_GCSTEP, 50);
  lua_pop(L, 1);  // the error handler
  lua_sethook(L, nullptr, 0, 0);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunStateKey);
  return reply;
}

std::string FunctionEngine::List(bool with_code, const std::string* pattern, int resp) const {
  auto map_header = [&](size_t pairs) { return (resp == 3 ? "%" : "*") + std::to_string(resp == 3 ? pairs : pairs * 2) + "\r\n"; };
  std::string items;
  size_t count = 0;
  for (const auto& [name, lib] : libraries_) {
    if (pattern != nullptr && !Glob(*pattern).Match(name)) continue;
    count++;
    items += map_header(with_code ? 4 : 3);
    items += Bulk("library_name") + Bulk(name) + Bulk("engine") + Bulk("LUA") + Bulk("functions");
    items += "*" + std::to_string(lib.functions.size()) + "\r\n";
    for (const Function& f : lib.functions) {
      items += map_header(3) + Bulk("name") + Bulk(f.name) + Bulk("description");
      items += f.has_description ? Bulk(f.description) : (resp == 3 ? "_\r\n" : "$-1\r\n");
      items += Bulk("flags");
      std::vector<const char*> names;
      for (const auto& [flag, bit] : kFlagNames)
        if (f.flags & bit) names.push_back(flag);
      items += (resp == 3 ? "~" : "*") + std::to_string(names.size()) + "\r\n";
      for (const char* n : names) items += std::string("+") + n + "\r\n";
    }
    if (with_code) items += Bulk("library_code") + Bulk(lib.code);
  }
  return "*" + std::to_string(count) + "\r\n" + items;
}

std::vector<std::string> FunctionEngine::Codes() const {
  std::vector<std::string> out;
  for (const auto& [name, lib] : libraries_) out.push_back(lib.code);
  return out;
}

std::string FunctionEngine::Restore(std::unique_ptr<FunctionEngine>* current, std::string_view payload,
                                    RestorePolicy policy) {
  auto next = std::make_unique<FunctionEngine>();
  std::string err;
  // Duplicates inside the payload fail as Redis' functionsCreateWithLibraryCtx words them.
  const bool parsed = ParseFunctionPayload(payload, [&](std::string_view code) -> std::string {
    const std::string reply = next->Load(code, false);
    return reply[0] == '-' ? reply.substr(1, reply.size() - 3) : "";
  }, &err);
  if (!parsed) return "-" + err + "\r\n";
  if (policy != RestorePolicy::kFlush) {
    // libraryJoin: library collisions first, then functions of libraries that stay.
    const FunctionEngine& cur = **current;
    for (const auto& [name, lib] : next->libraries_)
      if (cur.HasLibrary(name) && policy == RestorePolicy::kAppend) return "-ERR Library " + name + " already exists\r\n";
    for (const auto& [name, lib] : next->libraries_) {
      for (const Function& f : lib.functions) {
        auto it = cur.functions_.find(f.name);
        if (it != cur.functions_.end() && !next->HasLibrary(it->second)) return "-ERR Function " + f.name + " already exists\r\n";
      }
    }
    for (const auto& [name, lib] : cur.libraries_) {
      if (next->HasLibrary(name)) continue;
      const std::string reply = next->Load(lib.code, false);
      if (reply[0] == '-') return reply;  // it loaded before; only a load timeout gets here
    }
  }
  *current = std::move(next);
  return "+OK\r\n";
}

}  // namespace kiwi
