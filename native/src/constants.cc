// The wire constants of ops.h as the JS object `constants`, which src/storage/ops.ts is
// checked against.
#include <napi.h>

#include "ops.h"

namespace kiwi {

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  Napi::Object ops = Napi::Object::New(env);
#define KIWI_X(name, code, cls, keys, handler) ops.Set(#name, Napi::Number::New(env, code));
  KIWI_OPS(KIWI_X)
#undef KIWI_X
  Napi::Object flags = Napi::Object::New(env);
#define KIWI_X(name, bit) flags.Set(#name, Napi::Number::New(env, bit));
  KIWI_FLAGS(KIWI_X)
#undef KIWI_X
  Napi::Object kinds = Napi::Object::New(env);
  Napi::Object errors = Napi::Object::New(env);
  Napi::Object batch = Napi::Object::New(env);
  Napi::Object submit = Napi::Object::New(env);
  Napi::Object priorities = Napi::Object::New(env);
#define KIWI_X(name, code) kinds.Set(#name, Napi::Number::New(env, code));
  KIWI_REPLY_KINDS(KIWI_X)
#undef KIWI_X
#define KIWI_X(name, code) errors.Set(#name, Napi::Number::New(env, code));
  KIWI_ERRORS(KIWI_X)
#undef KIWI_X
#define KIWI_X(name, code) batch.Set(#name, Napi::Number::New(env, code));
  KIWI_BATCH_STATUS(KIWI_X)
#undef KIWI_X
#define KIWI_X(name, code) submit.Set(#name, Napi::Number::New(env, code));
  KIWI_SUBMIT_RESULTS(KIWI_X)
#undef KIWI_X
#define KIWI_X(name, code) priorities.Set(#name, Napi::Number::New(env, code));
  KIWI_PRIORITIES(KIWI_X)
#undef KIWI_X
  c.Set("ops", ops);
  c.Set("flags", flags);
  c.Set("replyKinds", kinds);
  c.Set("errors", errors);
  c.Set("batchStatus", batch);
  c.Set("submitResults", submit);
  c.Set("priorities", priorities);
  c.Set("blobMarker", Napi::Number::New(env, kBlobMarker));
  c.Set("commandHeaderSize", Napi::Number::New(env, static_cast<double>(kCommandHeaderSize)));
  return c;
}


}  // namespace kiwi
