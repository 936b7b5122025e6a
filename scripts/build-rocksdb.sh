#!/usr/bin/env bash
# Builds RocksDB once as a static, position-independent release library and caches it
# outside the checkout, so every later addon build on this machine links against it in
# seconds instead of compiling RocksDB again (~14 min on 2 cores).
#
# Prints the cache entry's path on stdout (the last line); everything else goes to stderr.
# --check: build nothing; exit 0 when the entry exists or a source tree to build it from
# does (CMakeLists.txt uses this to choose its default), 1 otherwise.
# The entry holds lib/librocksdb.a, include/ and kiwi-rocksdb.cmake (version and link
# settings read by CMakeLists.txt); it is only complete once kiwi-rocksdb.cmake exists.
#
# Source tree, first found:
#   1. $ROCKSDB_SOURCE_DIR
#   2. native/rocksdb (the submodule, when checked out)
#   3. the vendored release tarball, $KIWI_VENDOR_DIR/rocksdb-<version>.tar.gz
#      (default /work/shared/vendor), checked against its sha256 and extracted into the cache
# Environment: KIWI_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/kiwi-server),
#   KIWI_BUILD_JOBS (default: the number of CPUs).
set -euo pipefail
cd "$(dirname "$0")/.."

# The release the packages ship. Keep in step with .gitmodules / the submodule gitlink.
ROCKSDB_VERSION=10.10.1
ROCKSDB_COMMIT=4595a5e95ae8525c42e172a054435782b3479c57
ROCKSDB_TARBALL_SHA256=2c9724d2264f3fd6f0b3e44ae1fb25cc07b4449c341a38b8dd413d3d1cc47884

check=0
[ "${1:-}" = "--check" ] && check=1
cache_root="${KIWI_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?is not set: set KIWI_CACHE_DIR}/.cache}/kiwi-server}"
vendor_dir="${KIWI_VENDOR_DIR:-/work/shared/vendor}"
log() { printf 'build-rocksdb: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
ncpu() { getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2; }

# --- the source tree (found without extracting anything, so --check stays quick) ----
src=""
tarball=""
if [ -n "${ROCKSDB_SOURCE_DIR:-}" ]; then
  src="$(cd "$ROCKSDB_SOURCE_DIR" && pwd)"
elif [ -f native/rocksdb/CMakeLists.txt ]; then
  src="$PWD/native/rocksdb"
else
  src="$cache_root/src/rocksdb-$ROCKSDB_VERSION"
  [ -f "$src/.kiwi-extracted" ] || tarball="$vendor_dir/rocksdb-$ROCKSDB_VERSION.tar.gz"
fi
not_found="no RocksDB source found. Looked for \$ROCKSDB_SOURCE_DIR (${ROCKSDB_SOURCE_DIR:-unset}), \
native/rocksdb (empty: run \`git submodule update --init native/rocksdb\`) and $vendor_dir/rocksdb-$ROCKSDB_VERSION.tar.gz \
(set KIWI_VENDOR_DIR to the folder holding it: the \`git archive\` of RocksDB's tag v$ROCKSDB_VERSION)."
if [ -n "$tarball" ]; then
  version="$ROCKSDB_VERSION"
  [ -f "$tarball" ] || [ "$check" = 1 ] || die "$not_found"
else
  [ -f "$src/include/rocksdb/version.h" ] || die "$src is not a RocksDB source tree"
  ver() { sed -n "s/^#define ROCKSDB_$1 \([0-9]*\).*/\1/p" "$src/include/rocksdb/version.h"; }
  version="$(ver MAJOR).$(ver MINOR).$(ver PATCH)"
  [ "$version" = "$ROCKSDB_VERSION" ] || log "note: $src is RocksDB $version, not the pinned $ROCKSDB_VERSION"
fi

# --- the flags: what makes it a release build -------------------------------------
# Release: NDEBUG and -O2 (RocksDB's own `make release` level; CMake's default is -O3).
# PORTABLE=1: no -march=native. On x86-64, SSE4.2 and PCLMUL (every x86-64 CPU since
# 2010) so WAL and block checksums use the CRC32C instruction: RocksDB 10 only takes the
# fast path when __SSE4_2__ and __PCLMUL__ are defined at compile time.
# USE_RTTI=ON: RocksDB's AUTO means -fno-rtti in Release, but the addon subclasses
# CompactionFilter and EventListener with RTTI; without it the .node fails to load
# (undefined typeinfo for rocksdb::Customizable).
# Compression: lz4, zstd, zlib and snappy; the addon links their static archives so the
# .node needs none of them at run time (see CMakeLists.txt).
arch="$(uname -m)"
isa_flags=""
case "$arch" in x86_64|amd64) isa_flags="-msse4.2 -mpclmul" ;; esac
cmake_flags=(
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
  "-DCMAKE_C_FLAGS_RELEASE=-O2 -DNDEBUG"
  "-DCMAKE_CXX_FLAGS=$isa_flags"
  "-DCMAKE_C_FLAGS=$isa_flags"
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DPORTABLE=1
  -DUSE_RTTI=ON
  -DWITH_LZ4=ON -DWITH_ZSTD=ON -DWITH_ZLIB=ON -DWITH_SNAPPY=ON
  -DWITH_BZ2=OFF -DWITH_GFLAGS=OFF -DWITH_LIBURING=OFF -DWITH_JEMALLOC=OFF
  -DWITH_TESTS=OFF -DWITH_TOOLS=OFF -DWITH_BENCHMARK_TOOLS=OFF -DWITH_CORE_TOOLS=OFF
  -DWITH_TRACE_TOOLS=OFF -DWITH_JNI=OFF -DWITH_EXAMPLES=OFF
  -DROCKSDB_BUILD_SHARED=OFF -DFAIL_ON_WARNINGS=OFF
)
cxx="${CXX:-c++}"
compiler="$("$cxx" --version 2>/dev/null | head -1)"
# The cache key: version, flags, compiler and CPU architecture. A different source tree
# of the same version (Debian's patched 7.8.3, say) is not told apart; set KIWI_CACHE_DIR
# to keep such builds apart.
key="$(printf '%s\n' "$version" "$arch" "$compiler" "${cmake_flags[@]}" | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-12)"
out="$cache_root/rocksdb-$version-$key"

if [ -f "$out/kiwi-rocksdb.cmake" ]; then
  log "cached: $out"
  echo "$out"
  exit 0
fi

if [ "$check" = 1 ]; then
  # Whether a bundled build is possible here: a cached build (above) or a source tree.
  if [ -n "$tarball" ] && [ ! -f "$tarball" ]; then log "$not_found"; exit 1; fi
  echo "$out"
  exit 0
fi

# --- build, one at a time per cache entry ------------------------------------------
mkdir -p "$cache_root"
lock="$out.lock"
if command -v flock >/dev/null; then
  exec 9>"$lock"
  flock -n 9 || { log "another build of $out is running; waiting for it"; flock 9; }
  if [ -f "$out/kiwi-rocksdb.cmake" ]; then log "cached: $out"; echo "$out"; exit 0; fi
fi

if [ -n "$tarball" ] && [ ! -f "$src/.kiwi-extracted" ]; then
  got="$(sha256 "$tarball")"
  [ "$got" = "$ROCKSDB_TARBALL_SHA256" ] || die "$tarball has sha256 $got, expected $ROCKSDB_TARBALL_SHA256"
  if command -v git >/dev/null; then
    commit="$(gzip -dc "$tarball" | git get-tar-commit-id || true)"
    [ "$commit" = "$ROCKSDB_COMMIT" ] || die "$tarball is commit '$commit', expected $ROCKSDB_COMMIT"
  fi
  log "extracting $tarball into $cache_root/src"
  mkdir -p "$cache_root/src"
  rm -rf "$src"
  tar -xzf "$tarball" -C "$cache_root/src"
  [ -f "$src/CMakeLists.txt" ] || die "$tarball did not hold rocksdb-$ROCKSDB_VERSION/"
  touch "$src/.kiwi-extracted"
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
build="$out.build"
rm -rf "$out"
mkdir -p "$build"
log "building RocksDB $version from $src into $out (takes 10-20 minutes on 2 cores)"
start=$(date +%s)
cmake -S "$src" -B "$build" "${generator[@]}" "${cmake_flags[@]}" >"$build/configure.log" 2>&1 ||
  { tail -40 "$build/configure.log" >&2; die "configure failed (log: $build/configure.log)"; }
cmake --build "$build" --target rocksdb -j "${KIWI_BUILD_JOBS:-$(ncpu)}" >"$build/build.log" 2>&1 ||
  { tail -40 "$build/build.log" >&2; die "build failed (log: $build/build.log)"; }

staging="$out.tmp"
rm -rf "$staging"
mkdir -p "$staging/lib" "$staging/include"
cp "$build/librocksdb.a" "$staging/lib/"
cp -R "$src/include/rocksdb" "$staging/include/"
cp "$build/configure.log" "$staging/"
{
  echo "# Written by scripts/build-rocksdb.sh: RocksDB $version, release, static PIC."
  echo "set(KIWI_ROCKSDB_VERSION \"$version\")"
  echo "set(KIWI_ROCKSDB_SOURCE \"$src\")"
  echo "set(KIWI_ROCKSDB_COMPRESSION snappy lz4 zstd zlib)"
  echo "set(KIWI_ROCKSDB_FLAGS \"${cmake_flags[*]//\"/}\")"
  echo "set(KIWI_ROCKSDB_COMPILER \"${compiler//\"/}\")"
} >"$staging/kiwi-rocksdb.cmake.tmp"
mv "$staging/kiwi-rocksdb.cmake.tmp" "$staging/kiwi-rocksdb.cmake"
mv "$staging" "$out"
rm -rf "$build"
log "built in $(( $(date +%s) - start )) s: $out"
echo "$out"
