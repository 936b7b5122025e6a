#!/usr/bin/env bash
# Builds the addon with RocksDB compiled from source and linked in (KIWI_ROCKSDB=bundled):
# the release build prebuilt packages ship, and what the recorded benchmarks use.
# Source tree: native/rocksdb (submodule) if checked out, else $ROCKSDB_SOURCE_DIR, else
# Debian's source package fetched into .rocksdb-src/ (needs a deb-src line and dpkg-dev).
# A clean build takes 10-20 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

src="${ROCKSDB_SOURCE_DIR:-}"
if [ -f native/rocksdb/CMakeLists.txt ]; then
  src="$PWD/native/rocksdb"
elif [ -z "$src" ]; then
  existing=$(ls -d .rocksdb-src/rocksdb-*/ 2>/dev/null | head -1 || true)
  if [ -z "$existing" ]; then
    echo "fetching Debian's rocksdb source package into .rocksdb-src/" >&2
    mkdir -p .rocksdb-src
    (cd .rocksdb-src && apt-get source rocksdb) || {
      echo "apt-get source failed: add a deb-src line (Types: deb deb-src) and install dpkg-dev, or set ROCKSDB_SOURCE_DIR" >&2
      exit 1
    }
    existing=$(ls -d .rocksdb-src/rocksdb-*/ | head -1)
  fi
  src="$PWD/${existing%/}"
fi
echo "building the addon against the RocksDB tree in $src" >&2
npx cmake-js compile --out "${KIWI_BUILD_DIR:-build}" --CDKIWI_ROCKSDB=bundled "--CDROCKSDB_SOURCE_DIR=$src"
