#!/usr/bin/env sh
# Builds tiktok-ads once in release mode and installs the binary into a directory on PATH.
#
#   scripts/install.sh                      build, then install into ~/.local/bin
#   scripts/install.sh --prefix /usr/local  install into /usr/local/bin
#   scripts/install.sh --binary PATH        install an already-built binary (skips the build)
#
# The release build links the Swift runtime statically, so the installed binary runs without the toolchain
# (it needs glibc, libstdc++, zlib and libsqlite3). The first build compiles every dependency: about 10 minutes on 2 cores.
set -eu

prefix="${PREFIX:-}"
binary=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix="$2"; shift 2 ;;
    --binary) [ $# -ge 2 ] || { echo "install.sh: --binary needs a path" >&2; exit 2; }; binary="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (use --prefix DIR or --binary PATH)" >&2; exit 2 ;;
  esac
done

if [ -z "$prefix" ]; then
  [ -n "${HOME:-}" ] || { echo "install.sh: HOME is not set; name the directory with --prefix DIR" >&2; exit 2; }
  prefix="$HOME/.local"
fi

if [ -z "$binary" ]; then
  cd "$(dirname "$0")/.."
  echo "Building tiktok-ads in release mode (the first build compiles every dependency: about 10 minutes on 2 cores)..." >&2
  swift build -c release --product tiktok-ads --static-swift-stdlib
  binary="$(swift build -c release --show-bin-path)/tiktok-ads"
fi
[ -x "$binary" ] || { echo "install.sh: no executable at $binary" >&2; exit 1; }

mkdir -p "$prefix/bin"
cp "$binary" "$prefix/bin/tiktok-ads.new"
chmod 0755 "$prefix/bin/tiktok-ads.new"
mv "$prefix/bin/tiktok-ads.new" "$prefix/bin/tiktok-ads"   # atomic: a running copy keeps its file
version="$("$prefix/bin/tiktok-ads" --version)"
echo "installed $prefix/bin/tiktok-ads (version $version)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "$prefix/bin is not on your PATH; add it:  export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
