#!/usr/bin/env bash
# Installs the Debian packages the portal needs when they are missing:
#   a CJK font (PDF reports); for tests also poppler-utils (PDF checks), Chromium (browser
#   tests) and LibreOffice Calc (the Excel exports must open in it).
# As root on Debian/Ubuntu it installs them with apt-get; otherwise it reports what is missing.
# Usage: scripts/system-deps.sh [runtime|test]
set -u
want="${1:-runtime}"
missing=()
have_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -qi "wqy\|noto"; }
command -v fc-list >/dev/null 2>&1 && have_cjk_font || missing+=(fonts-wqy-microhei fontconfig)
if [ "$want" = "test" ]; then
  command -v pdffonts >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v libreoffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/portal-apt.log 2>&1; then
    apt-get update -q >>/tmp/portal-apt.log 2>&1
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/portal-apt.log 2>&1 || {
      echo "!! Could not install ${missing[*]} (see /tmp/portal-apt.log)." >&2
      echo "   PDF reports need a CJK font; browser tests need /usr/bin/chromium and the Excel" >&2
      echo "   print tests (pytest -m libreoffice) need LibreOffice; without them they are skipped." >&2
      exit 0
    }
  fi
else
  echo "!! Missing system packages: ${missing[*]}" >&2
  echo "   Install them with: sudo apt-get install ${missing[*]}" >&2
  echo "   Until then PDF text may lack Chinese glyphs, and the browser tests and the Excel" >&2
  echo "   print tests (LibreOffice, pytest -m libreoffice) are skipped." >&2
fi
exit 0
