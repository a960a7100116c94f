#!/usr/bin/env bash
# Installs the real editors that test/editors/ drives (run as root on Debian bookworm; safe to run again):
#   - Neovim 0.7 (Debian), Vim 9 with ALE (Debian vim + vim-ale), tmux (Vim and Emacs run in a terminal under it);
#   - Emacs 30 with its built-in Eglot: emacs-nox from bookworm-backports, whose suite is added to apt's sources.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

backports=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -e "$backports" ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "editors-setup: adding bookworm-backports to apt's sources"
  cat > "$backports" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
fi

emacs_major() { emacs --version 2>/dev/null | sed -n '1s/^GNU Emacs \([0-9]*\).*/\1/p'; }
need=()
command -v nvim >/dev/null 2>&1 || need+=(neovim)
command -v vim >/dev/null 2>&1 || need+=(vim)
[ -e /usr/share/vim-ale/autoload/ale.vim ] || [ -e /usr/share/vim/addons/autoload/ale.vim ] || need+=(vim-ale)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ] || [ "$(emacs_major)" != 30 ]; then
  echo "editors-setup: apt-get update; install ${need[*]} emacs-nox (bookworm-backports)"
  apt-get update -qq
  [ ${#need[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ "$(emacs_major)" = 30 ] || apt-get install -y -qq --no-install-recommends -t bookworm-backports emacs-nox >/dev/null
fi
echo "editors-setup: $(nvim --version | head -1); $(vim --version | head -1); $(emacs --version | head -1); $(tmux -V)"
