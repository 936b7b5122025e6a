// Sockets and thread names for the network runtimes (src/runtime/network-runtime.ts).
// Node 20 has no reusePort option, but server.listen({ fd }) takes a listening socket, so
// each network runtime gets its own socket bound to the same address with SO_REUSEPORT,
// and the kernel spreads new connections over them. The acceptor mode instead accepts on
// one thread and hands each connection's descriptor (a dup, since Node closes its own
// when the accepting socket is destroyed) to a runtime.
//
//   listenReusePort(host, port, backlog) -> { fd, port }   throws with .code (EADDRINUSE...)
//   dupFd(fd) -> fd        closeFd(fd)        setThreadName(name)   (15 bytes at most)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <napi.h>

namespace kiwi {

namespace {

Napi::Value ThrowErrno(Napi::Env env, const std::string& what, int err) {
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(err));
  const char* code = err == EADDRINUSE ? "EADDRINUSE" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : err == EACCES ? "EACCES" : err == EINVAL ? "EINVAL" : "ESOCKET";
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -err));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ListenReusePort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "listenReusePort(host, port, backlog)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string host = info[0].As<Napi::String>().Utf8Value();
  const int port = info[1].As<Napi::Number>().Int32Value();
  const int backlog = info[2].As<Napi::Number>().Int32Value();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  const int gai = getaddrinfo(host == "localhost" ? "127.0.0.1" : host.c_str(), service.c_str(), &hints, &res);
  if (gai != 0 || res == nullptr) return ThrowErrno(env, "listen " + host + ": not a numeric address", EADDRNOTAVAIL);
  const int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;
    freeaddrinfo(res);
    return ThrowErrno(env, "socket", err);
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (res->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  const int bound = bind(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (bound != 0 || listen(fd, backlog) != 0) {
    const int err = errno;
    close(fd);
    return ThrowErrno(env, "listen " + host + ":" + service, err);
  }
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int actual = port;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    actual = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                        : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("port", Napi::Number::New(env, actual));
  return out;
}

Napi::Value DupFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "dupFd(fd)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int fd = fcntl(info[0].As<Napi::Number>().Int32Value(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, "dup", errno);
  return Napi::Number::New(env, fd);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) close(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

// Names the calling thread (top -H, ps -L). Linux allows 15 bytes.
Napi::Value SetThreadName(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string name = info[0].As<Napi::String>().Utf8Value().substr(0, 15);
    pthread_setname_np(pthread_self(), name.c_str());
  }
  return info.Env().Undefined();
}

}  // namespace

void InitNet(Napi::Env env, Napi::Object exports) {
  exports.Set("listenReusePort", Napi::Function::New(env, ListenReusePort, "listenReusePort"));
  exports.Set("dupFd", Napi::Function::New(env, DupFd, "dupFd"));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd, "closeFd"));
  exports.Set("setThreadName", Napi::Function::New(env, SetThreadName, "setThreadName"));
}

}  // namespace kiwi
