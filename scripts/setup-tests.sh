#!/usr/bin/env bash
# Installs what the whole test suite needs on a fresh Debian machine (as root): kubectl (the cluster stand-in is
# checked against it), through e2e-setup.sh Chromium and code-server for the tests in a real VS Code, and through
# editors-setup.sh Neovim, Emacs and Vim with ALE for test/editors/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup-tests: apt-get install kubernetes-client (kubectl)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi
echo "setup-tests: $(kubectl version --client 2>/dev/null | head -1)"
if ! command -v unzip >/dev/null 2>&1; then
  echo "setup-tests: apt-get install unzip (the package tests unpack the .vsix)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends unzip >/dev/null
fi
bash scripts/e2e-setup.sh
bash scripts/editors-setup.sh
