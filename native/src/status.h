// The one place a rocksdb::Status becomes a stable error code (ops.h KIWI_ERRORS).
#pragma once

#include <rocksdb/status.h>

#include "ops.h"

namespace kiwi {

ErrorCode StatusCode(const rocksdb::Status& s);

// Whether a failed write may succeed if simply tried again (Busy, TryAgain, write stall
// timeouts). The TS retry layer decides; this only classifies.
bool IsTransient(const rocksdb::Status& s);

}  // namespace kiwi
