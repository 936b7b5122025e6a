// Redis 7.0's script environment over the Lua it embeds. Semantics and error texts follow
// Redis' script_lua.c and eval.c (7.0.15); test/compat checks them against redis-server.
#include "lua_engine.h"

#include <cmath>
#include <cstdio>
#include <cstring>

extern "C" {
#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
int luaopen_cjson(lua_State* L);
int luaopen_struct(lua_State* L);
int luaopen_cmsgpack(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include "lua_api.h"
#include "sha1.h"

namespace kiwi {

namespace luaapi {


// Globals scripts may have: what Redis' allow lists hold. Anything else a library tries
// to define (print, loadfile, dofile...) is dropped while the environment is built.
const char* const kAllowedGlobals[] = {
    "string", "cjson", "bit", "cmsgpack", "math", "table", "struct",            // libraries
    "redis", "__redis__err__handler",                                           // Redis API
    "xpcall", "tostring", "getfenv", "setmetatable", "next", "assert", "tonumber",
    "rawequal", "collectgarbage", "getmetatable", "rawset", "pcall", "coroutine", "type",
    "_G", "select", "unpack", "gcinfo", "pairs", "rawget", "loadstring", "ipairs",
    "_VERSION", "setfenv", "load", "error",                                     // builtins
    "newproxy",                                                                 // undocumented builtin
    "debug",  // removed again once the error handler holds it
    nullptr};

// Redis' rand.c: the 48-bit linear congruential generator of drand48, so math.random
// gives the same sequence as Redis for the same seed on every platform.
// Redis 7.0 never reseeds it per script: the state runs on from rand.c's initial value.
uint64_t g_rand48 = 0x1234ABCD330Eull;
void Srand48(int32_t seed) { g_rand48 = ((uint64_t(uint32_t(seed)) << 16) | 0x330E) & 0xFFFFFFFFFFFFull; }
int32_t Lrand48() {
  g_rand48 = (g_rand48 * 0x5DEECE66Dull + 0xB) & 0xFFFFFFFFFFFFull;
  return int32_t(g_rand48 >> 17);
}
constexpr int32_t kLrand48Max = INT32_MAX;

LuaEngine::RunState* State(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kRunStateKey);
  auto* s = static_cast<LuaEngine::RunState*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return s;
}

// Redis' luaPushErrorBuff: "-CODE msg" keeps its code, a bare message gets ERR; trailing
// CR/LF trimmed. Pushes {err = "CODE msg"}.
void PushError(lua_State* L, std::string text) {
  std::string code = "ERR", msg;
  if (!text.empty() && text[0] == '-') {
    const size_t sp = text.find(' ');
    if (sp == std::string::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, sp - 1);
      msg = text.substr(sp + 1);
    }
  } else {
    msg = std::move(text);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  size_t start = 0;
  while (start < msg.size() && (msg[start] == '\r' || msg[start] == '\n')) start++;
  const std::string final_msg = code + " " + msg.substr(start);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, final_msg.data(), final_msg.size());
  lua_settable(L, -3);
}

int RaiseError(lua_State* L, const char* text) {
  PushError(L, text);
  return lua_error(L);
}

// ---- RESP (a command's reply) to Lua ------------------------------------------------

class RespToLua {
 public:
  RespToLua(lua_State* L, const std::string& s) : L_(L), s_(s) {}
  // Pushes one value (or, with push=false, skips it: attributes). False on bad input.
  bool Parse(bool push = true) {
    if (p_ >= s_.size()) return false;
    if (push && !lua_checkstack(L_, 5)) return false;
    const char type = s_[p_++];
    const size_t eol = s_.find("\r\n", p_);
    if (eol == std::string::npos) return false;
    const std::string line = s_.substr(p_, eol - p_);
    p_ = eol + 2;
    switch (type) {
      case '+':
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "ok");
          lua_pushlstring(L_, line.data(), line.size());
          lua_settable(L_, -3);
        }
        return true;
      case '-':
        if (push) PushError(L_, "-" + line);
        return true;
      case ':':
        if (push) lua_pushnumber(L_, lua_Number(std::strtoll(line.c_str(), nullptr, 10)));
        return true;
      case '$': case '=': {
        const long long n = std::strtoll(line.c_str(), nullptr, 10);
        if (n < 0) {
          if (push) lua_pushboolean(L_, 0);
          return true;
        }
        if (p_ + size_t(n) + 2 > s_.size()) return false;
        const char* data = s_.data() + p_;
        p_ += size_t(n) + 2;
        if (!push) return true;
        if (type == '$') {
          lua_pushlstring(L_, data, size_t(n));
        } else {
          if (n < 4) return false;
          lua_newtable(L_);
          lua_pushstring(L_, "verbatim_string");
          lua_newtable(L_);
          lua_pushstring(L_, "string");
          lua_pushlstring(L_, data + 4, size_t(n) - 4);
          lua_settable(L_, -3);
          lua_pushstring(L_, "format");
          lua_pushlstring(L_, data, 3);
          lua_settable(L_, -3);
          lua_settable(L_, -3);
        }
        return true;
      }
      case '*': {
        const long long n = std::strtoll(line.c_str(), nullptr, 10);
        if (n < 0) {
          if (push) lua_pushboolean(L_, 0);
          return true;
        }
        if (push) lua_newtable(L_);
        for (long long j = 0; j < n; j++) {
          if (push) lua_pushnumber(L_, lua_Number(j + 1));
          if (!Parse(push)) return false;
          if (push) lua_settable(L_, -3);
        }
        return true;
      }
      case '%': case '~': {
        const long long n = std::strtoll(line.c_str(), nullptr, 10);
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, type == '%' ? "map" : "set");
          lua_newtable(L_);
        }
        for (long long j = 0; j < n; j++) {
          if (!Parse(push)) return false;
          if (type == '%') {
            if (!Parse(push)) return false;
          } else if (push) {
            lua_pushboolean(L_, 1);
          }
          if (push) lua_settable(L_, -3);
        }
        if (push) lua_settable(L_, -3);
        return true;
      }
      case '|': {  // attributes are not shown to scripts
        const long long n = std::strtoll(line.c_str(), nullptr, 10);
        for (long long j = 0; j < 2 * n; j++)
          if (!Parse(false)) return false;
        return Parse(push);
      }
      case '_':
        if (push) lua_pushnil(L_);
        return true;
      case '#':
        if (push) lua_pushboolean(L_, line == "t");
        return true;
      case ',':
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "double");
          lua_pushnumber(L_, std::strtod(line.c_str(), nullptr));
          lua_settable(L_, -3);
        }
        return true;
      case '(':
        if (push) {
          lua_newtable(L_);
          lua_pushstring(L_, "big_number");
          lua_pushlstring(L_, line.data(), line.size());
          lua_settable(L_, -3);
        }
        return true;
      default:
        return false;
    }
  }

 private:
  lua_State* L_;
  const std::string& s_;
  size_t p_ = 0;
};

// ---- Lua (a script's return value) to RESP --------------------------------------------

class LuaToResp {
 public:
  LuaToResp(lua_State* L, int caller_resp, int script_resp) : L_(L), resp_(caller_resp), script_resp_(script_resp) {}
  std::string out;

  // Converts and pops the value on top of the stack (Redis' luaReplyToRedisReply).
  void Write() {
    if (!lua_checkstack(L_, 4)) {
      out += "-ERR reached lua stack limit\r\n";
      lua_pop(L_, 1);
      return;
    }
    switch (lua_type(L_, -1)) {
      case LUA_TSTRING: {
        size_t n;
        const char* s = lua_tolstring(L_, -1, &n);
        Bulk(s, n);
        break;
      }
      case LUA_TBOOLEAN:
        if (script_resp_ == 2) {
          if (lua_toboolean(L_, -1)) out += ":1\r\n";
          else Null();
        } else if (resp_ == 2) {
          out += lua_toboolean(L_, -1) ? ":1\r\n" : ":0\r\n";
        } else {
          out += lua_toboolean(L_, -1) ? "#t\r\n" : "#f\r\n";
        }
        break;
      case LUA_TNUMBER:
        out += ":" + std::to_string(static_cast<long long>(lua_tonumber(L_, -1))) + "\r\n";
        break;
      case LUA_TTABLE:
        if (Table()) return;  // popped by the table writer
        break;
      default:
        Null();
    }
    lua_pop(L_, 1);
  }

 private:
  void Bulk(const char* s, size_t n) {
    out += "$" + std::to_string(n) + "\r\n";
    out.append(s, n);
    out += "\r\n";
  }
  void Null() { out += resp_ == 3 ? "_\r\n" : "$-1\r\n"; }
  static std::string NoNewlines(const char* s, size_t n) {
    std::string r(s, n);
    for (char& c : r)
      if (c == '\r' || c == '\n') c = ' ';
    return r;
  }
  // The string field `name` of the table on top, or null (stack unchanged).
  const char* Field(const char* name, size_t* len) {
    lua_getfield(L_, -1, name);
    const char* s = lua_type(L_, -1) == LUA_TSTRING ? lua_tolstring(L_, -1, len) : nullptr;
    lua_pop(L_, 1);  // the table keeps the string alive
    return s;
  }
  static std::string FormatDouble(double d) {
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  // Returns true when it popped the table itself.
  bool Table() {
    size_t n;
    if (const char* err = Field("err", &n)) {
      // Redis' luaExtractErrorInformation + addReplyErrorFormatEx("-%s").
      out += "-" + NoNewlines(err, n) + "\r\n";
      return false;
    }
    if (const char* ok = Field("ok", &n)) {
      out += "+" + NoNewlines(ok, std::strlen(ok)) + "\r\n";
      return false;
    }
    lua_getfield(L_, -1, "double");
    if (lua_type(L_, -1) == LUA_TNUMBER) {
      const std::string d = FormatDouble(lua_tonumber(L_, -1));
      lua_pop(L_, 1);
      if (resp_ == 3) out += "," + d + "\r\n";
      else Bulk(d.data(), d.size());
      return false;
    }
    lua_pop(L_, 1);
    if (const char* big = Field("big_number", &n)) {
      const std::string b = NoNewlines(big, n);
      if (resp_ == 3) out += "(" + b + "\r\n";
      else Bulk(b.data(), b.size());
      return false;
    }
    lua_getfield(L_, -1, "verbatim_string");
    if (lua_type(L_, -1) == LUA_TTABLE) {
      size_t flen, slen;
      const char* format = Field("format", &flen);
      const char* str = Field("string", &slen);
      if (format != nullptr && str != nullptr) {
        if (resp_ == 3) {
          out += "=" + std::to_string(slen + 4) + "\r\n";
          out.append(format, flen < 3 ? flen : 3);
          out.append(flen < 3 ? 3 - flen : 0, ' ');
          out += ":";
          out.append(str, slen);
          out += "\r\n";
        } else {
          Bulk(str, slen);
        }
        lua_pop(L_, 1);
        return false;
      }
    }
    lua_pop(L_, 1);
    for (const char* kind : {"map", "set"}) {
      lua_getfield(L_, -1, kind);
      if (lua_type(L_, -1) == LUA_TTABLE) {
        const bool map = kind[0] == 'm';
        std::string body;
        body.swap(out);
        size_t count = 0;
        lua_pushnil(L_);
        while (lua_next(L_, -2)) {
          if (map) {
            lua_pushvalue(L_, -2);
            Write();  // key
            Write();  // value
          } else {
            lua_pop(L_, 1);
            lua_pushvalue(L_, -1);
            Write();
          }
          count++;
        }
        std::string items;
        items.swap(out);
        out.swap(body);
        if (resp_ == 3) out += (map ? "%" : "~") + std::to_string(count) + "\r\n";
        else out += "*" + std::to_string(map ? count * 2 : count) + "\r\n";
        out += items;
        lua_pop(L_, 2);
        return true;
      }
      lua_pop(L_, 1);
    }
    // An array: elements 1, 2, ... up to the first nil.
    std::string body;
    body.swap(out);
    size_t count = 0;
    for (int j = 1;; j++) {
      lua_pushnumber(L_, j);
      lua_gettable(L_, -2);
      if (lua_type(L_, -1) == LUA_TNIL) {
        lua_pop(L_, 1);
        break;
      }
      Write();
      count++;
    }
    std::string items;
    items.swap(out);
    out.swap(body);
    out += "*" + std::to_string(count) + "\r\n" + items;
    return false;
  }

  lua_State* L_;
  int resp_;
  int script_resp_;
};

// ---- redis.* ----------------------------------------------------------------------------

// Lua arguments to a command's argv; false (error table pushed) when one is not a string
// or number. Numbers as %.17g: lua_tolstring's %.14g would lose precision.
bool ArgsToArgv(lua_State* L, std::vector<std::string>* argv) {
  const int argc = lua_gettop(L);
  if (argc == 0) {
    PushError(L, "Please specify at least one argument for this redis lib call");
    return false;
  }
  for (int j = 1; j <= argc; j++) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      char buf[64];
      const int n = std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(lua_tonumber(L, j)));
      argv->emplace_back(buf, size_t(n));
      continue;
    }
    size_t n;
    const char* s = lua_tolstring(L, j, &n);
    if (s == nullptr) {
      lua_pop(L, argc);
      PushError(L, "Lua redis lib command arguments must be strings or integers");
      return false;
    }
    argv->emplace_back(s, n);
  }
  lua_pop(L, argc);
  return true;
}

int GenericCommand(lua_State* L, bool raise) {
  LuaEngine::RunState* rs = State(L);
  if (rs == nullptr) return RaiseError(L, "redis.call/pcall can only be called inside a script invocation");
  std::vector<std::string> argv;
  if (!ArgsToArgv(L, &argv)) return raise ? lua_error(L) : 1;
  const std::string reply = rs->host->Call(argv, rs->resp);
  RespToLua parser(L, reply);
  if (!parser.Parse()) {
    lua_settop(L, 0);
    return RaiseError(L, "ERR kiwi: unreadable command reply in script");
  }
  if (raise && !reply.empty() && reply[0] == '-') return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) { return GenericCommand(L, true); }
int RedisPcall(lua_State* L) { return GenericCommand(L, false); }

// Lua's pcall, replaced as Redis does: an error raised as a table (redis.call's) comes
// back as its message string, as in Redis 6.
int LuaPcall(lua_State* L) {
  const int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) lua_replace(L, -2);
      else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int Sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  const std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? n : 0));
  lua_pushstring(L, hex.c_str());
  return 1;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  std::string err = lua_tostring(L, -1);
  if (err.empty() || err[0] != '-') err = "-" + err;
  PushError(L, err);
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushError(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int Log(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, -argc)) return RaiseError(L, "First argument must be a number (log level).");
  const int level = static_cast<int>(lua_tonumber(L, -argc));
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  std::string msg;
  for (int j = 1; j < argc; j++) {
    size_t n;
    const char* s = lua_tolstring(L, -argc + j, &n);
    if (s == nullptr) continue;
    if (j != 1) msg += ' ';
    msg.append(s, n);
  }
  if (LuaEngine::RunState* rs = State(L)) rs->host->Log(level, msg);
  return 0;
}

int SetResp(lua_State* L) {
  LuaEngine::RunState* rs = State(L);
  if (rs == nullptr) return RaiseError(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  const int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  rs->resp = resp;
  return 0;
}

// Replication flags are accepted and checked, then ignored: kiwi has no replicas or AOF.
int SetRepl(lua_State* L) {
  if (State(L) == nullptr) return RaiseError(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  const int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0) return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  return 0;
}

int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);  // no debugger session (SCRIPT DEBUG is not supported)
  return 1;
}

int DebugNoop(lua_State*) { return 0; }

int MathRandom(lua_State* L) {
  if (State(L) == nullptr) return luaL_error(L, "math.random can only be called inside a script invocation");
  const lua_Number r = lua_Number(Lrand48() % kLrand48Max) / lua_Number(kLrand48Max);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      const int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      const int l = luaL_checkint(L, 1);
      const int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  if (State(L) == nullptr) return luaL_error(L, "math.randomseed can only be called inside a script invocation");
  Srand48(luaL_checkint(L, 1));
  return 0;
}

// __newindex of the globals while the environment is built: only allow-listed names.
int NewIndexAllowList(lua_State* L) {
  if (lua_gettop(L) != 3 || !lua_istable(L, -3) || (!lua_isstring(L, -2) && !lua_isnumber(L, -2))) {
    return luaL_error(L, "Wrong arguments to luaNewIndexAllowList");
  }
  const char* name = lua_tostring(L, -2);
  for (const char* const* a = kAllowedGlobals; *a != nullptr; a++) {
    if (std::strcmp(*a, name) == 0) {
      lua_rawset(L, -3);
      return 0;
    }
  }
  return 0;
}

// __index of the globals once built: reading a missing global is an error.
int ProtectedTableError(lua_State* L) {
  if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1)) return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", lua_tostring(L, -1));
}

void ProtectRecursively(lua_State* L) {
  if (lua_isreadonlytable(L, -1)) return;
  lua_enablereadonlytable(L, -1, 1);
  lua_checkstack(L, 2);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    if (lua_istable(L, -1)) ProtectRecursively(L);
    lua_pop(L, 1);
  }
  if (lua_getmetatable(L, -1)) {
    ProtectRecursively(L);
    lua_pop(L, 1);
  }
}

void LoadLib(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void SetFn(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, fn);
  lua_settable(L, -3);
}

void SetNum(lua_State* L, const char* name, lua_Number v) {
  lua_pushstring(L, name);
  lua_pushnumber(L, v);
  lua_settable(L, -3);
}

// Count hook: kill requests and time checks happen here, every 100k instructions.
void CountHook(lua_State* L, lua_Debug*) {
  LuaEngine::RunState* rs = State(L);
  if (rs == nullptr || !rs->host->Interrupted()) return;
  rs->killed = true;
  // Every line from now on, so a pcall that catches the error cannot keep the script alive.
  lua_sethook(L, CountHook, LUA_MASKLINE, 0);
  RaiseError(L, "Script killed by user with SCRIPT KILL...");
}

void PushArray(lua_State* L, const std::vector<std::string>& items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t j = 0; j < items.size(); j++) {
    lua_pushlstring(L, items[j].data(), items[j].size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
}

std::string Trimmed(std::string s) {
  for (char& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace luaapi

using namespace luaapi;

bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* error) {
  *flags = kScriptFlagCompat;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") return true;
  const size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    *error = "Invalid script shebang";
    return false;
  }
  *shebang_len = end;
  const std::vector<std::string> parts = luaapi::ShebangWords(body.substr(0, end));
  if (parts.empty()) {
    *error = "Invalid engine in script shebang";
    return false;
  }
  if (parts[0] != "#!lua") {
    *error = "Unexpected engine in script shebang: " + parts[0];
    return false;
  }
  *flags = 0;
  static const std::pair<const char*, uint32_t> kFlags[] = {
      {"no-writes", kScriptFlagNoWrites}, {"allow-oom", kScriptFlagAllowOom}, {"allow-stale", kScriptFlagAllowStale},
      {"no-cluster", kScriptFlagNoCluster}, {"allow-cross-slot-keys", kScriptFlagAllowCrossSlot}};
  for (size_t j = 1; j < parts.size(); j++) {
    if (parts[j].rfind("flags=", 0) != 0) {
      *error = "Unknown lua shebang option: " + parts[j];
      return false;
    }
    std::string list = parts[j].substr(6);
    size_t start = 0;
    while (true) {
      const size_t comma = list.find(',', start);
      const std::string f = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      uint32_t bit = 0;
      for (const auto& [name, value] : kFlags)
        if (f == name) bit = value;
      if (bit == 0) {
        *error = "Unexpected flag in script shebang: " + f;
        return false;
      }
      *flags |= bit;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

LuaEngine::LuaEngine() { Init(); }

LuaEngine::~LuaEngine() {
  if (L_ != nullptr) luaapi::CloseState(L_);
}

void LuaEngine::Init() {
  lua_State* L = luaapi::NewState();
  L_ = L;
  luaapi::OpenRedisApi(L);
  luaapi::DefineErrorHandler(L, /*eval=*/true);
  luaapi::LockGlobals(L);
}

namespace luaapi {

void OpenRedisApi(lua_State* L) {
  // Globals: only allow-listed names may be defined while the environment is built.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_newtable(L);
  lua_pushcfunction(L, NewIndexAllowList);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);
  lua_pop(L, 1);

  LoadLib(L, "", luaopen_base);
  LoadLib(L, LUA_TABLIBNAME, luaopen_table);
  LoadLib(L, LUA_STRLIBNAME, luaopen_string);
  LoadLib(L, LUA_MATHLIBNAME, luaopen_math);
  LoadLib(L, LUA_DBLIBNAME, luaopen_debug);
  LoadLib(L, "cjson", luaopen_cjson);
  LoadLib(L, "struct", luaopen_struct);
  LoadLib(L, "cmsgpack", luaopen_cmsgpack);
  LoadLib(L, "bit", luaopen_bit);

  lua_pushcfunction(L, LuaPcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFn(L, "call", RedisCall);
  SetFn(L, "pcall", RedisPcall);
  RegisterLogAndVersion(L);
  SetFn(L, "setresp", SetResp);
  SetFn(L, "sha1hex", Sha1hex);
  SetFn(L, "error_reply", ErrorReply);
  SetFn(L, "status_reply", StatusReply);
  SetFn(L, "set_repl", SetRepl);
  SetNum(L, "REPL_NONE", 0);
  SetNum(L, "REPL_AOF", 1);
  SetNum(L, "REPL_SLAVE", 2);
  SetNum(L, "REPL_REPLICA", 2);
  SetNum(L, "REPL_ALL", 3);
  SetFn(L, "breakpoint", Breakpoint);
  SetFn(L, "debug", DebugNoop);
  SetFn(L, "replicate_commands", ReplicateCommands);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  SetFn(L, "random", MathRandom);
  SetFn(L, "randomseed", MathRandomseed);
  lua_pop(L, 1);
}

void DefineErrorHandler(lua_State* L, bool eval) {
  // The pcall error handler Redis defines (eval.c): it reports the caller of a C function
  // that raised, and turns a string error into {err='ERR ...'} with source and line.
  // The body both engines' handlers share (eval.c, function_lua.c).
  static const std::string kHandlerBody =
      "  local i = dbg.getinfo(2,'nSl')\n"
      "  if i and i.what == 'C' then\n"
      "    i = dbg.getinfo(3,'nSl')\n"
      "  end\n"
      "  if type(err) ~= 'table' then\n"
      "    err = {err='ERR ' .. tostring(err)}"
      "  end"
      "  if i then\n"
      "    err['source'] = i.source\n"
      "    err['line'] = i.currentline\n"
      "  end"
      "  return err\n"
      "end\n";
  static const std::string kErrHandler = "local dbg = debug\ndebug = nil\nfunction __redis__err__handler(err)\n" + kHandlerBody;
  // FUNCTION's engine keeps it in the registry instead of a global (function_lua.c).
  static const std::string kFunctionErrHandler = "local dbg = debug\ndebug = nil\nlocal error_handler = function (err)\n" + kHandlerBody + "return error_handler";
  if (eval) {
    luaL_loadbuffer(L, kErrHandler.data(), kErrHandler.size(), "@err_handler_def");
    lua_pcall(L, 0, 0, 0);
  } else {
    lua_pushstring(L, kErrorHandlerKey);
    luaL_loadbuffer(L, kFunctionErrHandler.data(), kFunctionErrHandler.size(), "@err_handler_def");
    lua_pcall(L, 0, 1, 0);
    lua_settable(L, LUA_REGISTRYINDEX);
  }
}

void RegisterLogAndVersion(lua_State* L) {
  SetFn(L, "log", Log);
  SetNum(L, "LOG_DEBUG", 0);
  SetNum(L, "LOG_VERBOSE", 1);
  SetNum(L, "LOG_NOTICE", 2);
  SetNum(L, "LOG_WARNING", 3);
  SetNum(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, "REDIS_VERSION");
  lua_pushstring(L, kRedisVersion);
  lua_settable(L, -3);
}

void SetErrorMetatable(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, ProtectedTableError);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

void LockGlobals(lua_State* L) {
  // Lock the globals: reading a missing one is an error, and every table reachable from
  // them (string, math, redis...) becomes read-only.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  SetErrorMetatable(L);
  ProtectRecursively(L);
  lua_pop(L, 1);
}

}  // namespace luaapi

void LuaEngine::Reset() {
  luaapi::CloseState(L_);
  L_ = nullptr;
  scripts_.clear();
  Init();
}

size_t LuaEngine::MemoryBytes() const { return size_t(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024; }

bool LuaEngine::Exists(std::string_view sha) const { return scripts_.count(std::string(sha)) > 0; }

uint32_t LuaEngine::Flags(std::string_view sha) const {
  auto it = scripts_.find(std::string(sha));
  return it == scripts_.end() ? 0 : it->second.flags;
}

bool LuaEngine::Load(std::string_view body, std::string* sha, std::string* error) {
  *sha = Sha1Hex(body);
  if (scripts_.count(*sha)) return true;
  uint32_t flags;
  size_t shebang_len;
  std::string err;
  if (!ParseShebang(body, &flags, &shebang_len, &err)) {
    *error = "ERR " + err;
    return false;
  }
  // The shebang line is skipped but its newline kept, so line numbers stay the user's.
  if (luaL_loadbuffer(L_, body.data() + shebang_len, body.size() - shebang_len, "@user_script")) {
    *error = Trimmed("ERR Error compiling script (new function): " + std::string(lua_tostring(L_, -1)));
    lua_pop(L_, 1);
    return false;
  }
  lua_setfield(L_, LUA_REGISTRYINDEX, ("f_" + *sha).c_str());
  scripts_.emplace(*sha, Script{flags, body.size()});
  return true;
}

namespace luaapi {

std::vector<std::string> ShebangWords(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r') {
      if (!cur.empty()) words.push_back(std::move(cur)), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

namespace {

struct StateMemoryCounter {
  size_t used = 0;
  bool enforce = false;  // only inside a script body (Invoke)
};

void* CountingAlloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* m = static_cast<StateMemoryCounter*>(ud);
  if (nsize == 0) {
    free(ptr);
    m->used -= osize;
    return nullptr;
  }
  if (m->enforce && nsize > osize && m->used + (nsize - osize) > kScriptMemoryLimit) return nullptr;
  void* p = realloc(ptr, nsize);
  if (p != nullptr) m->used = m->used - osize + nsize;
  return p;
}

int Panic(lua_State* L) {
  fprintf(stderr, "kiwi: unprotected error in a Lua script state: %s\n", lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
  return 0;
}

StateMemoryCounter* CounterOf(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<StateMemoryCounter*>(ud);
}

}  // namespace

lua_State* NewState() {
  auto* m = new StateMemoryCounter();
  lua_State* L = lua_newstate(CountingAlloc, m);
  if (L == nullptr) {
    delete m;
    return nullptr;
  }
  lua_atpanic(L, Panic);
  return L;
}

void CloseState(lua_State* L) {
  StateMemoryCounter* m = CounterOf(L);
  lua_close(L);
  delete m;
}

std::string Invoke(lua_State* L, int nargs, std::string_view name, int caller_resp, LuaEngine::RunState* rs) {
  StateMemoryCounter* memory = CounterOf(L);
  // Garbage of earlier scripts is not this script's: collect it first when it takes
  // half the limit.
  if (memory->used > kScriptMemoryLimit / 2) lua_gc(L, LUA_GCCOLLECT, 0);
  memory->enforce = true;
  const int err = lua_pcall(L, nargs, 1, -(nargs + 2));
  memory->enforce = false;

  std::string reply;
  if (err) {
    if (!lua_istable(L, -1)) {
      std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      if (msg.size() > 100) msg.resize(100);
      reply = "-" + Trimmed("ERR Error running script " + std::string(name) + ", " + msg) + "\r\n";
    } else {
      std::string msg, source, line;
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "source");
      if (lua_isstring(L, -1)) source = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "line");
      const bool has_line = lua_isstring(L, -1);
      if (has_line) line = lua_tostring(L, -1);
      lua_pop(L, 1);
      std::string text = msg;
      if (has_line && !source.empty()) text += " script: " + std::string(name) + ", on " + source + ":" + line + ".";
      reply = "-" + Trimmed(text) + "\r\n";
    }
    lua_pop(L, 1);
  } else {
    LuaToResp w(L, caller_resp, rs->resp);
    w.Write();
    reply = std::move(w.out);
  }
  return reply;
}

}  // namespace luaapi

std::string LuaEngine::Run(std::string_view sha, const std::vector<std::string>& keys,
                           const std::vector<std::string>& args, int caller_resp, ScriptHost* host) {
  lua_State* L = L_;
  const std::string funcname = "f_" + std::string(sha);
  RunState rs;
  rs.host = host;
  lua_pushlightuserdata(L, &rs);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunStateKey);

  lua_getglobal(L, "__redis__err__handler");
  lua_getfield(L, LUA_REGISTRYINDEX, funcname.c_str());
  lua_sethook(L, CountHook, LUA_MASKCOUNT, 100000);

  PushArray(L, keys);
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
  lua_setglobal(L, "KEYS");
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
  PushArray(L, args);
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
  lua_setglobal(L, "ARGV");
  lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);

  std::string reply = luaapi::Invoke(L, 0, sha, caller_resp, &rs);
  // A collection step every 50 runs, as Redis: a full cycle by Lua itself costs latency.
  if (++runs_ % 50 == 0) lua_gc(L, LUA_GCSTEP, 50);
  lua_pop(L, 1);  // the error handler
  lua_sethook(L, nullptr, 0, 0);
  lua_pushnil(L);
  lua_setfield(L, LUA_REGISTRYINDEX, kRunStateKey);
  return reply;
}

}  // namespace kiwi
