#!/usr/bin/env bash
# One-time set-up of a fresh clone: Debian packages, a virtual environment, pinned installs.
# Called by the Makefile before any target that needs it; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  graphviz                     # renders the autograd graph (tinygrad_edu.viz)
  dataset-fashion-mnist        # the real FashionMNIST as IDX files (experiments)
  texlive-latex-base texlive-latex-recommended latexmk   # derivations/ -> PDF
  lmodern                      # Latin Modern for LaTeX (derivations/edunotes.sty); only a Recommends of texlive
  chromium                     # the browser test of the report page
)
# The list is read from here (and only here) by scripts/check_setup.py: `bash scripts/setup.sh --list-packages`.
if [ "${1:-}" = "--list-packages" ]; then
  printf '%s\n' "${DEBIAN_PACKAGES[@]}"
  exit 0
fi

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    :
  else
    echo "setup: WARNING: could not install ${missing[*]}; the tests that need them will skip with a reason." >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# torch==2.13.0 is the CPU build (see setup.cfg); nothing here needs torchvision.
.venv/bin/python -m pip install -q -e ".[torch,data,dev]"
echo "setup: done ($(.venv/bin/python -c 'import numpy, torch; print("numpy", numpy.__version__, "torch", torch.__version__)'))"
