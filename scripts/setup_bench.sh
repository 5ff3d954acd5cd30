#!/usr/bin/env bash
# Set-up for `make bench` only (never for `make test`): the peers of the benchmark, the `bench` extra
# of setup.cfg (DeZero, MyGrad, tinygrad), and clang, which tinygrad's CPU device compiles its kernels
# with. Whatever cannot be installed is reported by the benchmark as "not available: <reason>".
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang >/dev/null 2>&1; then
  echo "setup-bench: installing the Debian package clang (tinygrad's CPU device needs it)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  ($SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends clang) \
    || echo "setup-bench: WARNING: could not install clang; tinygrad will show as not available" >&2
fi
.venv/bin/python -m pip install -q -e ".[torch,dev,bench]" \
  || echo "setup-bench: WARNING: the bench extra did not install fully; missing peers show as not available" >&2
