#!/usr/bin/env bash
# Debian packages the browser tests need: Chromium (driven by Playwright through
# executable_path) and CJK fonts so Chinese renders; LibreOffice headless (Writer and
# Impress, no GUI), which reads the .doc/.wps/.rtf/.ppt files our own readers cannot
# (Word 6, Works, WordPerfect, damaged files) and builds the office test files.
# Installs only what is missing.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
# OCR (rapidocr-onnxruntime): the opencv-python wheel it requires links libGL and GLib.
dpkg -s libgl1 >/dev/null 2>&1 || need+=(libgl1)
dpkg -s libglib2.0-0 >/dev/null 2>&1 || need+=(libglib2.0-0)
# .doc/.wps/.rtf/.ppt the pure readers cannot take: LibreOffice headless reads them.
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
dpkg -s libreoffice-impress-nogui >/dev/null 2>&1 || need+=(libreoffice-impress-nogui)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
