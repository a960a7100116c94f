#!/usr/bin/env bash
# Installs what `npm run test:e2e` and `npm run try` need on a fresh Debian machine (run as root):
#   - Debian's Chromium (Playwright drives it; never a downloaded browser), ripgrep (code-server's search),
#     libkrb5-dev + pkg-config (headers for a native module of code-server);
#   - test/e2e's own npm packages (code-server 4.100.3, playwright-core, mocha), kept out of the extension's dependencies.
# Safe to run again: apt skips what is installed, `npm ci` starts from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e-setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
else
  echo "e2e-setup: Debian packages already there (chromium, ripgrep, pkg-config, libkrb5-dev)"
fi

# @vscode/ripgrep's install step downloads a binary unless a cached archive exists: give it Debian's rg.
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
rg_archive="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_archive" ]; then
  mkdir -p "$rg_cache"
  tar czf "$rg_archive" -C "$(dirname "$(command -v rg)")" rg
fi

# As root, code-server's install script needs both of these.
echo "e2e-setup: npm ci in test/e2e"
(cd test/e2e && npm_config_unsafe_perm=true npm_config_yes=true npm ci --no-audit --no-fund --loglevel=error)
test -x test/e2e/node_modules/.bin/code-server
echo "e2e-setup: ready ($(chromium --version 2>/dev/null | head -1); code-server $(node test/e2e/node_modules/code-server/out/node/entry.js --version 2>/dev/null | head -1))"
