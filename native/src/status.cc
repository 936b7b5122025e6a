#include "status.h"

namespace kiwi {

ErrorCode StatusCode(const rocksdb::Status& s) {
  using rocksdb::Status;
  // Sub-codes first: "no space" arrives as an IOError and must stay recognisable.
  if (s.IsNoSpace()) return kErr_NO_SPACE;
  switch (s.code()) {
    case Status::kIOError: return kErr_IO_ERROR;
    case Status::kCorruption: return kErr_CORRUPTION;
    case Status::kNotSupported: return kErr_NOT_SUPPORTED;
    case Status::kInvalidArgument: return kErr_INVALID_ARGUMENT;
    case Status::kBusy: return kErr_BUSY;
    case Status::kTryAgain: return kErr_TRY_AGAIN;
    case Status::kTimedOut: return kErr_TIMED_OUT;
    case Status::kIncomplete: return kErr_INCOMPLETE;
    case Status::kShutdownInProgress: return kErr_SHUTDOWN_IN_PROGRESS;
    case Status::kAborted: return kErr_ABORTED;
    case Status::kMergeInProgress: return kErr_MERGE_IN_PROGRESS;
    default: return kErr_UNKNOWN;
  }
}

bool IsTransient(const rocksdb::Status& s) {
  return s.IsBusy() || s.IsTryAgain() || s.IsTimedOut() || s.IsIncomplete();
}

}  // namespace kiwi
