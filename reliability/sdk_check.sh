#!/bin/sh
# Third-party check: the official Python SDKs (versions pinned in bench/python/requirements.txt,
# installed into reliability/.work/venv) send through `bramka serve --sandbox`, and Twilio's
# RequestValidator accepts the sandbox's callback signatures. Needs cargo and python3 with venv;
# the SDKs come from PyPI on the first run. Usage: reliability/sdk_check.sh
set -eu
cd "$(dirname "$0")/.."
WORK=reliability/.work
mkdir -p "$WORK"
if ! cmp -s bench/python/requirements.txt "$WORK/requirements.txt" 2>/dev/null; then
    rm -rf "$WORK/venv"
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check -r bench/python/requirements.txt
    cp bench/python/requirements.txt "$WORK/requirements.txt"
fi
cargo build --quiet -p bramka-cli --features serve
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DIR=$(mktemp -d)
# No configuration file: --sandbox runs in memory and needs no account.
(cd "$DIR" && exec "$OLDPWD/target/debug/bramka" serve --sandbox --listen "127.0.0.1:$PORT") > "$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DIR"' EXIT
for _ in $(seq 50); do
    curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break
    sleep 0.1
done
"$WORK/venv/bin/python" reliability/sdk_check.py "http://127.0.0.1:$PORT"
