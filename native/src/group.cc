// What commands read and write through: ReadView (a read run, optionally on one
// snapshot) and WriteGroup (a locked write group, plain or indexed).
#include <rocksdb/db.h>

#include "exec.h"

namespace kiwi {

void RangeIterator::Seek(std::string_view from) {
  const rocksdb::Slice target(from.data(), from.size());
  it_->Seek(from.empty() || target.compare(lower_slice_) < 0 ? lower_slice_ : target);
}

void RangeIterator::SeekBefore(std::string_view to) {
  const rocksdb::Slice target = to.empty() || rocksdb::Slice(to.data(), to.size()).compare(upper_slice_) > 0
                                    ? upper_slice_
                                    : rocksdb::Slice(to.data(), to.size());
  it_->SeekForPrev(target);
  // SeekForPrev stops at the target itself; the indexed iterator of a write group may
  // also stop past the upper bound.
  while (it_->Valid() && it_->key().compare(target) >= 0) it_->Prev();
}

bool RangeIterator::Valid() const {
  // The indexed iterator of a write group may not honour the bounds itself.
  return it_->Valid() && it_->key().compare(upper_slice_) < 0 && it_->key().compare(lower_slice_) >= 0;
}

void FinishLookup(Lookup* l, int64_t now) {
  l->value = Value();
  if (l->status.IsNotFound()) {
    // RocksDB may leave a value covered by a range tombstone (FLUSHDB) in the slice:
    // empty it, so a record left behind means "found expired" (exec.cc reports those).
    l->pinned.Reset();
    l->status = rocksdb::Status::OK();
    return;
  }
  if (!l->status.ok()) return;
  if (!DecodeValue(std::string_view(l->pinned.data(), l->pinned.size()), &l->value)) {
    l->status = rocksdb::Status::Corruption("unreadable value (corrupt or newer format)");
    l->value = Value();
    return;
  }
  if (l->value.expired(now)) l->value = Value();
}

ReadView::ReadView(Database* db, int64_t now, bool snapshot) : db_(db), now_(now) {
  if (snapshot) {
    snapshot_ = db_->db()->GetSnapshot();
    ro_.snapshot = snapshot_;
  }
}

ReadView::~ReadView() {
  if (snapshot_ != nullptr) db_->db()->ReleaseSnapshot(snapshot_);
}

void ReadView::Read(uint8_t db, std::string_view key, Lookup* out) {
  out->pinned.Reset();
  out->status = db_->db()->Get(ro_, db_->data(), DataKey(db, key), &out->pinned);
  FinishLookup(out, now_);
}

rocksdb::Status ReadView::GetMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) {
  out->Reset();
  return db_->db()->Get(ro_, db_->member(cf), key, out);
}

std::unique_ptr<RangeIterator> ReadView::Members(MemberFamily cf, std::string lower, std::string upper) {
  auto r = std::make_unique<RangeIterator>(std::move(lower), std::move(upper));
  r->lower_slice_ = rocksdb::Slice(r->lower_);
  r->upper_slice_ = rocksdb::Slice(r->upper_);
  rocksdb::ReadOptions ro = ro_;
  ro.iterate_lower_bound = &r->lower_slice_;
  ro.iterate_upper_bound = &r->upper_slice_;
  r->it_.reset(db_->db()->NewIterator(ro, db_->member(cf)));
  return r;
}

namespace {

// A data key as RocksDB slice parts, without building it: the db byte, then the key.
// Writes take the parts as they are; nothing is allocated per key.
class KeyParts {
 public:
  KeyParts(uint8_t db, std::string_view key) : db_(static_cast<char>(db)) {
    parts_[0] = rocksdb::Slice(&db_, 1);
    parts_[1] = rocksdb::Slice(key.data(), key.size());
  }
  KeyParts(const KeyParts&) = delete;
  KeyParts& operator=(const KeyParts&) = delete;
  rocksdb::SliceParts slices() const { return rocksdb::SliceParts(parts_, 2); }

 private:
  char db_;
  rocksdb::Slice parts_[2];
};

}  // namespace

WriteGroup::WriteGroup(Database* db, int64_t now_ms, bool indexed)
    : db_(db), now_(now_ms), track_(db->watch().active()) {
  if (indexed) indexed_.emplace(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true);
}

const std::string& WriteGroup::KeyOf(uint8_t db, std::string_view key) {
  scratch_.clear();
  scratch_.push_back(static_cast<char>(db));
  scratch_.append(key.data(), key.size());
  return scratch_;
}

void WriteGroup::Read(uint8_t db, std::string_view key, Lookup* out) {
  const std::string& data_key = KeyOf(db, key);
  out->pinned.Reset();
  if (indexed_) {
    auto it = overlay_.find(data_key);
    if (it != overlay_.end()) {
      if (!it->second) {
        out->status = rocksdb::Status::NotFound();
      } else {
        out->status = rocksdb::Status::OK();
        out->pinned.PinSelf(*it->second);
      }
      FinishLookup(out, now_);
      return;
    }
  }
  // Commands read in key order; one that skips a key (RENAME of a missing source) only
  // moves the cursor on. Keys do not repeat in plain mode, so each lookup is used once.
  for (size_t i = prefetch_next_; i < prefetched_.size(); i++) {
    if (prefetched_key_[i] != data_key) continue;
    prefetch_next_ = i + 1;
    out->status = prefetched_[i].status;
    out->pinned = std::move(prefetched_[i].pinned);
    FinishLookup(out, now_);
    return;
  }
  out->status = db_->db()->Get(rocksdb::ReadOptions(), db_->data(), data_key, &out->pinned);
  FinishLookup(out, now_);
}

void WriteGroup::Prefetch(const std::vector<KeyRef>& keys) {
  size_t total = 0;
  for (const auto& k : keys) total += k.key.size() + 1;
  prefetch_keys_.reserve(total);  // no reallocation: the views below stay valid
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const auto& k : keys) {
    const size_t at = prefetch_keys_.size();
    prefetch_keys_.push_back(static_cast<char>(k.db));
    prefetch_keys_.append(k.key.data(), k.key.size());
    prefetched_key_.emplace_back(prefetch_keys_.data() + at, k.key.size() + 1);
    slices.emplace_back(prefetch_keys_.data() + at, k.key.size() + 1);
  }
  std::vector<rocksdb::PinnableSlice> pinned(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->db()->MultiGet(rocksdb::ReadOptions(), db_->data(), keys.size(), slices.data(), pinned.data(), statuses.data());
  prefetched_.resize(keys.size());
  for (size_t i = 0; i < keys.size(); i++) {
    prefetched_[i].status = statuses[i];
    prefetched_[i].pinned = std::move(pinned[i]);
  }
}

void WriteGroup::IndexExpiry(uint8_t db, std::string_view key, int64_t expire_ms) {
  std::string when;
  PutFixed64BE(&when, static_cast<uint64_t>(expire_ms));
  const char d = static_cast<char>(db);
  const rocksdb::Slice index_parts[3] = {when, rocksdb::Slice(&d, 1), rocksdb::Slice(key.data(), key.size())};
  const rocksdb::Slice empty;
  batch()->Put(db_->expire(), rocksdb::SliceParts(index_parts, 3), rocksdb::SliceParts(&empty, 1)).PermitUncheckedError();
}

void WriteGroup::Put(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
                     std::string_view payload) {
  large_ = large_ || payload.size() >= kLargeValueBytes;
  if (expire_ms != 0 && expire_ms <= now_) {
    Delete(db, key);
    return;
  }
  Touched(db, key);
  if (indexed_) {
    std::string encoded;
    EncodeValue(type, expire_ms, payload, &encoded);
    overlay_[DataKey(db, key)] = std::move(encoded);
    return;
  }
  const KeyParts data_key(db, key);
  char header[kMaxHeaderSize];
  const size_t header_size = EncodeHeader(type, expire_ms, header);
  const rocksdb::Slice value_parts[2] = {rocksdb::Slice(header, header_size),
                                         rocksdb::Slice(payload.data(), payload.size())};
  plain_.Put(db_->data(), data_key.slices(), rocksdb::SliceParts(value_parts, 2)).PermitUncheckedError();
  if (expire_ms != 0) IndexExpiry(db, key, expire_ms);
}

void WriteGroup::PutPieces(uint8_t db, std::string_view key, uint8_t type, int64_t expire_ms,
                           const std::vector<rocksdb::Slice>& pieces) {
  if (expire_ms != 0 && expire_ms <= now_) {
    Delete(db, key);
    return;
  }
  if (indexed_) {
    std::string payload;
    size_t total = 0;
    for (const auto& p : pieces) total += p.size();
    payload.reserve(total);
    for (const auto& p : pieces) payload.append(p.data(), p.size());
    Put(db, key, type, expire_ms, payload);
    return;
  }
  size_t total = 0;
  for (const auto& p : pieces) total += p.size();
  large_ = large_ || total >= kLargeValueBytes;
  const KeyParts data_key(db, key);
  char header[kMaxHeaderSize];
  std::vector<rocksdb::Slice> parts;
  parts.reserve(pieces.size() + 1);
  parts.emplace_back(header, EncodeHeader(type, expire_ms, header));
  parts.insert(parts.end(), pieces.begin(), pieces.end());
  plain_.Put(db_->data(), data_key.slices(), rocksdb::SliceParts(parts.data(), static_cast<int>(parts.size())))
      .PermitUncheckedError();
  if (expire_ms != 0) IndexExpiry(db, key, expire_ms);
}

void WriteGroup::Delete(uint8_t db, std::string_view key) {
  Touched(db, key);
  if (indexed_) {
    overlay_[DataKey(db, key)] = std::nullopt;
    return;
  }
  const KeyParts data_key(db, key);
  plain_.Delete(db_->data(), data_key.slices()).PermitUncheckedError();
}

void WriteGroup::DeleteExpired(uint8_t db, std::string_view key) {
  if (indexed_) {
    overlay_[DataKey(db, key)] = std::nullopt;
    return;
  }
  const KeyParts data_key(db, key);
  plain_.Delete(db_->data(), data_key.slices()).PermitUncheckedError();
}

void WriteGroup::PutRaw(uint8_t db, std::string_view key, std::string_view raw) {
  Touched(db, key);
  if (indexed_) {
    overlay_[DataKey(db, key)] = std::string(raw);
    return;
  }
  const KeyParts data_key(db, key);
  const rocksdb::Slice value(raw.data(), raw.size());
  plain_.Put(db_->data(), data_key.slices(), rocksdb::SliceParts(&value, 1)).PermitUncheckedError();
}

namespace {
std::string AheadKey(MemberFamily cf, const rocksdb::Slice& key) {
  std::string k;
  k.reserve(key.size() + 1);
  k.push_back(static_cast<char>(cf));
  k.append(key.data(), key.size());
  return k;
}
// Bounds what one group holds read ahead, whatever the values' sizes.
constexpr size_t kMaxAheadBytes = 1 << 20;
}  // namespace

void WriteGroup::ReadAhead(MemberFamily cf, std::string lower, std::string upper, bool reverse, size_t max) {
  if (ahead_bytes_ >= kMaxAheadBytes) return;
  // The group's own view (its batch over the database), so what is kept is current; later
  // writes of these members drop them (PutMember, DeleteMember).
  auto it = Members(cf, std::move(lower), std::move(upper));
  if (reverse) {
    it->SeekBefore();
  } else {
    it->Seek();
  }
  for (size_t n = 0; n < max && it->Valid() && ahead_bytes_ < kMaxAheadBytes; n++, reverse ? it->Prev() : it->Next()) {
    const rocksdb::Slice v = it->value();
    ahead_bytes_ += v.size();
    ahead_[AheadKey(cf, it->key())].assign(v.data(), v.size());
  }
}

bool WriteGroup::ReadAheadHas(MemberFamily cf, const rocksdb::Slice& key) const {
  return !ahead_.empty() && ahead_.count(AheadKey(cf, key)) > 0;
}

bool WriteGroup::RepeatedRead(std::string_view prefix) {
  for (const auto& p : read_prefixes_) {
    if (p == prefix) return true;
  }
  if (read_prefixes_.size() < 16) read_prefixes_.emplace_back(prefix);
  return false;
}

rocksdb::Status WriteGroup::GetMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) {
  out->Reset();
  if (!ahead_.empty()) {
    auto it = ahead_.find(AheadKey(cf, key));
    if (it != ahead_.end()) {
      out->PinSelf(it->second);
      return rocksdb::Status::OK();
    }
  }
  if (indexed_) return indexed_->GetFromBatchAndDB(db_->db(), rocksdb::ReadOptions(), db_->member(cf), key, out);
  return db_->db()->Get(rocksdb::ReadOptions(), db_->member(cf), key, out);
}

std::unique_ptr<RangeIterator> WriteGroup::Members(MemberFamily cf, std::string lower, std::string upper) {
  auto r = std::make_unique<RangeIterator>(std::move(lower), std::move(upper));
  r->lower_slice_ = rocksdb::Slice(r->lower_);
  r->upper_slice_ = rocksdb::Slice(r->upper_);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &r->lower_slice_;
  ro.iterate_upper_bound = &r->upper_slice_;
  rocksdb::Iterator* base = db_->db()->NewIterator(ro, db_->member(cf));
  if (indexed_) {
    r->it_.reset(indexed_->NewIteratorWithBase(db_->member(cf), base));
  } else {
    r->it_.reset(base);
  }
  return r;
}

uint64_t WriteGroup::NewVersion() {
  const uint64_t v = db_->NextVersion();
  fresh_.insert(v);
  return v;
}

rocksdb::Status WriteGroup::GetFreshMember(MemberFamily cf, const rocksdb::Slice& key, rocksdb::PinnableSlice* out) {
  out->Reset();
  if (!indexed_) return rocksdb::Status::NotFound();
  static const rocksdb::DBOptions kOptions;  // only consulted for merge operators (none here)
  std::string value;
  const rocksdb::Status s = indexed_->GetFromBatch(db_->member(cf), kOptions, key, &value);
  if (s.ok()) out->PinSelf(value);
  return s;
}

void WriteGroup::PutMember(MemberFamily cf, const rocksdb::Slice& key, const rocksdb::Slice& value) {
  member_writes_++;
  if (!ahead_.empty()) ahead_.erase(AheadKey(cf, key));
  batch()->Put(db_->member(cf), key, value).PermitUncheckedError();
}

void WriteGroup::DeleteMember(MemberFamily cf, const rocksdb::Slice& key) {
  member_writes_++;
  if (!ahead_.empty()) ahead_.erase(AheadKey(cf, key));
  batch()->Delete(db_->member(cf), key).PermitUncheckedError();
}

bool WriteGroup::empty() const {
  if (!poison_.ok()) return false;
  if (indexed_) return overlay_.empty() && const_cast<rocksdb::WriteBatchWithIndex&>(*indexed_).GetWriteBatch()->Count() == 0;
  return plain_.Count() == 0;
}

rocksdb::Status WriteGroup::Commit() {
  const rocksdb::Status s = CommitBatch();
  // Still under the group's stripe locks: an EXEC checking these keys waits for us.
  if (s.ok() && track_ && !touched_.empty()) db_->watch().Touch(touched_);
  touched_.clear();
  return s;
}

rocksdb::Status WriteGroup::CommitBatch() {
  if (!poison_.ok()) return poison_;
  if (!indexed_) return db_->Write(&plain_);
  // Each top-level record once, in its final state.
  rocksdb::WriteBatch* wb = indexed_->GetWriteBatch();
  for (const auto& [data_key, value] : overlay_) {
    if (!value) {
      wb->Delete(db_->data(), data_key).PermitUncheckedError();
      continue;
    }
    wb->Put(db_->data(), data_key, *value).PermitUncheckedError();
    Value v;
    if (DecodeValue(*value, &v) && v.expire_ms != 0) {
      IndexExpiry(static_cast<uint8_t>(data_key[0]), std::string_view(data_key).substr(1), v.expire_ms);
    }
  }
  overlay_.clear();
  return db_->Write(wb);
}

}  // namespace kiwi
