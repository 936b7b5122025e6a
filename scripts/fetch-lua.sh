#!/usr/bin/env bash
# Finds the Lua that Redis 7.0 embeds (Lua 5.1.5 plus cjson, cmsgpack, struct and bit:
# redis/redis' deps/lua at tag 7.0.15) for the addon build, and prints the path of its
# src/ folder on stdout (the last line); everything else goes to stderr. CMakeLists.txt
# compiles those files into a static library linked into the .node. Nothing is copied
# into the repository.
#
# Source, first found:
#   1. $KIWI_LUA_SOURCE_DIR (a deps/lua folder)
#   2. native/redis/deps/lua (the native/redis submodule, pinned to tag 7.0.15)
#   3. $KIWI_VENDOR_DIR/redis-7.0.15-lua.tar.gz (default /work/shared/vendor, else
#      ../shared/vendor beside the checkout), checked
#      against its sha256 and extracted into the cache ($KIWI_CACHE_DIR, default
#      ${XDG_CACHE_HOME:-~/.cache}/kiwi-server)
set -euo pipefail
cd "$(dirname "$0")/.."

LUA_TARBALL=redis-7.0.15-lua.tar.gz
LUA_TARBALL_SHA256=5972e3b622a898c1193c7f7416b711407280167b6e4fd2fab570587309c8da67
REDIS_COMMIT=f35f36a265403c07b119830aa4bb3b7d71653ec9

cache_root="${KIWI_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?is not set: set KIWI_CACHE_DIR}/.cache}/kiwi-server}"
vendor_dir="${KIWI_VENDOR_DIR:-/work/shared/vendor}"
log() { printf 'fetch-lua: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
# Redis' own additions: a plain Lua 5.1 tree lacks them and would build a different runtime.
check_tree() { [ -f "$1/src/lua_cjson.c" ] && [ -f "$1/src/lua_cmsgpack.c" ] && [ -f "$1/src/lapi.c" ] || die "$1 is not Redis' deps/lua"; }

if [ -n "${KIWI_LUA_SOURCE_DIR:-}" ]; then
  check_tree "$KIWI_LUA_SOURCE_DIR"
  echo "$(cd "$KIWI_LUA_SOURCE_DIR" && pwd)/src"
  exit 0
fi
if [ -f native/redis/deps/lua/src/lapi.c ]; then
  check_tree native/redis/deps/lua
  echo "$PWD/native/redis/deps/lua/src"
  exit 0
fi

dest="$cache_root/src/redis-7.0.15-lua"
if [ ! -f "$dest/.kiwi-extracted" ]; then
  tarball="$vendor_dir/$LUA_TARBALL"
  # CI lays shared/ beside the clone: ../shared/vendor when the default is absent.
  if [ ! -f "$tarball" ] && [ -z "${KIWI_VENDOR_DIR:-}" ] && [ -f "../shared/vendor/$LUA_TARBALL" ]; then
    tarball="$(cd ../shared/vendor && pwd)/$LUA_TARBALL"
  fi
  [ -f "$tarball" ] || die "no Lua source found. Looked for \$KIWI_LUA_SOURCE_DIR (unset), native/redis/deps/lua \
(empty: run \`git submodule update --init native/redis\`) and $tarball (set KIWI_VENDOR_DIR to the folder holding it)."
  got="$(sha256 "$tarball")"
  [ "$got" = "$LUA_TARBALL_SHA256" ] || die "$tarball has sha256 $got, expected $LUA_TARBALL_SHA256"
  mkdir -p "$cache_root/src"
  # Extract beside the destination and rename, so a half-extracted tree is never used.
  tmp="$(mktemp -d "$cache_root/src/.lua.XXXXXX")"
  tar -xzf "$tarball" -C "$tmp"
  check_tree "$tmp/redis-7.0.15-lua/deps/lua"
  touch "$tmp/redis-7.0.15-lua/.kiwi-extracted"
  rm -rf "$dest"
  mv "$tmp/redis-7.0.15-lua" "$dest" 2>/dev/null || [ -f "$dest/.kiwi-extracted" ] || die "could not move the tree to $dest"
  rm -rf "$tmp"
  log "extracted $tarball (redis $REDIS_COMMIT) into $dest"
fi
check_tree "$dest/deps/lua"
echo "$dest/deps/lua/src"
