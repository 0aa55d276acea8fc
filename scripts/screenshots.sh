#!/usr/bin/env bash
# Takes the screenshots shown in the README (docs/images/*.png) with headless
# Chromium (Debian package `chromium`; RTM_CHROMIUM names another binary):
# the report's overview diagram, one theme's diagram, and the first page of
# the review, all of the bundled tree.
#
#     scripts/screenshots.sh            # writes docs/images/
set -euo pipefail
cd "$(dirname "$0")/.."

browser="${RTM_CHROMIUM:-chromium}"
command -v "$browser" >/dev/null || { echo "needs Chromium: apt-get install chromium" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --quiet --release
target/release/rtm report requirements --format html --today 2026-01-01 -o "$work/report.html"
target/release/rtm review requirements --format html --today 2026-01-01 -o "$work/review.html"

shot() { # shot PAGE#FRAGMENT OUT.png WIDTH HEIGHT
  "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --screenshot="$2" "file://$work/$1" 2>/dev/null
  echo "wrote $2"
}

# Headless Chromium draws the top of a page only, so a drawing further down
# is shown on a page of its own: the report's <head> (the same stylesheet
# and Content-Security-Policy), its classification label, and the one
# figure, cut out of the report as rtm wrote it.
figure() { # figure ID OUT.html
  python3 - "$work/report.html" "$1" "$2" <<'PY'
import sys
page, fid, out = sys.argv[1:]
html = open(page, encoding="utf-8").read()
head = html[: html.index("<body>") + len("<body>")]
label = html[html.index('<p class="classification">') :]
label = label[: label.index("</p>") + 4]
start = html.index(f'<figure class="rtm-figure" id="{fid}">')
end = html.index("</figure>", start) + len("</figure>")
open(out, "w", encoding="utf-8").write(f"{head}\n{label}\n{html[start:end]}\n</body>\n</html>\n")
PY
}

mkdir -p docs/images
figure rtm-overview "$work/overview.html"
figure rtm-diagram-node-TH-03 "$work/theme.html"
shot overview.html docs/images/report-overview.png 1000 900
shot theme.html docs/images/report-theme.png 1300 320
shot review.html docs/images/review.png 1100 1200
