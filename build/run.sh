#!/usr/bin/env bash
# `make run`: one simulated candidate end to end on this machine.
#
# Starts a local central endpoint (SQLite under var/central), imports the
# simulated candidates' roster, provisions the kiosk against it with a
# one-time token, and runs the kiosk on simulated hardware with the
# embedded store. Without a display the kiosk runs under Xvfb, plays one
# simulated candidate through every step, writes each screen to
# var/screens/NN-name.png and exits once central has acknowledged the
# record. With a display it opens the kiosk window and runs until closed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin}
PORT=${KIOSK_CENTRAL_PORT:-18443}

# A clean demo each time: the candidate of the simulated card is confirmed
# once per run.
rm -rf var/central var/kiosk var/screens
mkdir -p var/central var/kiosk var/screens

# The kiosk's config for the demo: the repository's kiosk.toml, with the
# state in var/kiosk (paths relative to var/kiosk, where this file lives).
cat > var/kiosk/kiosk.toml <<TOML
# Written by build/run.sh for make run.
[hardware]
idcard = 'sim:../../sim/cards.toml'
# step=1: the simulated candidate performs on the camera's frames, none
# dropped, so a busy machine slows the demo down instead of failing it.
camera = 'sim-live:?step=1'
sigpad = 'sim:topaz:../../sim/signature.json'
gpio = 'sim:'

[paths]
state_dir = '.'
models = '../../models/manifest.toml'

[audio]
# each spoken prompt is written to var/kiosk/audio/NNNN-prompt_<screen>_<lang>.wav
speaker = 'sim:audio'
microphone = 'sim:../prompts/digits'
prompts = '../prompts'

[sync]
central = 'https://127.0.0.1:$PORT'
interval = '2s'
TOML

# The key that seals central's personal data at rest, apart from the database.
mkdir -p var/central-key && chmod 700 var/central-key
[[ -f var/central-key/central.key ]] || "$BIN/centrald" key create --key-file var/central-key/central.key >/dev/null
"$BIN/centrald" serve --listen "127.0.0.1:$PORT" --db var/central/central.db --tls-dir var/central/tls \
  --key-file var/central-key/central.key \
  >var/central/centrald.log 2>&1 &
central=$!
trap 'kill $central 2>/dev/null || true; wait $central 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  [[ -f var/central/tls/ca.pem ]] && curl -fsS --cacert var/central/tls/ca.pem "https://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $central 2>/dev/null || { cat var/central/centrald.log >&2; echo "run: centrald did not start" >&2; exit 1; }
  sleep 0.1
done
"$BIN/centrald" roster import --db var/central/central.db --key-file var/central-key/central.key --site "make run 演示考点" sim/roster.csv
# The demo's kiosk runs on simulated hardware, so its records are marked
# simulated: its site is a demo site (--demo), the only kind whose devices
# central takes simulated records from. The token carries central's CA
# fingerprint, which provisioning pins.
token=$("$BIN/centrald" token create --db var/central/central.db --tls-dir var/central/tls \
  --site "make run 演示考点" --name "make-run" --ttl 1h --demo)
"$BIN/kioskctl" provision --config var/kiosk/kiosk.toml --central "https://127.0.0.1:$PORT" --token "$token"

if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec "$BIN/kiosk" --config var/kiosk/kiosk.toml --sim-keys --screens var/screens
fi
xvfb-run -a -s "-screen 0 1280x800x24" \
  "$BIN/kiosk" --config var/kiosk/kiosk.toml --demo --screens var/screens
echo "run: screens in var/screens:"
ls var/screens
