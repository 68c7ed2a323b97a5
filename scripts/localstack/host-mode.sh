# shellcheck shell=bash
# LocalStack's S3 in host mode (no Docker): install, start, wait, stop. Sourced by start-host.sh,
# stop-host.sh and test-localstack.sh; defines functions only.
#
# Decisions (each one fixes an error met on the project's machine; see docs/localstack.md):
# - localstack-core 4.14.0 is the last release that needs no auth token. It declares
#   Requires-Python >=3.10 but needs 3.13: on 3.11 its S3 plugin fails with "SyntaxError: invalid
#   syntax" (PEP 695 `class RegionBundle[T]`), on 3.12 with "cannot import name 'deprecated' from
#   'warnings'" (new in 3.13). So we look for CPython >= 3.13.
# - Its dependencies are unbounded and newer ones break it (cbor2 6, pyOpenSSL 26.x), so the install
#   uses constraints.txt, the dependency set of its release day.
# - `python -m localstack.runtime.main` is the runtime itself: localstack-core ships no `localstack`
#   CLI (`localstack start --host` needs the separate `localstack` package). No uid check exists in
#   the runtime: it runs as root without any flag.
# - The machine has /.dockerenv, so LocalStack believes it runs in its own container and writes to
#   /var/lib/localstack; OVERRIDE_IN_DOCKER=0 plus FILESYSTEM_ROOT keep all state in .venv-ls/run/.
# - SKIP_SSL_CERT_DOWNLOAD and DISABLE_EVENTS stop the calls to api.localstack.cloud (certificate,
#   analytics) that an offline machine can only fail.

LS_HOST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LS_ROOT="$(cd "$LS_HOST_DIR/../.." && pwd)"
LS_VERSION="4.14.0"
LS_VENV="$LS_ROOT/.venv-ls"
LS_RUN_DIR="$LS_VENV/run"
LS_S3_STORAGE=/tmp/localstack-s3-storage # DEFAULT_S3_TMP_DIR in localstack/services/s3/provider.py
LS_PID_FILE="$LS_RUN_DIR/localstack.pid"
LS_LOG_FILE="$LS_RUN_DIR/localstack.log"
LS_PORT="${LOCALSTACK_PORT:-4566}"
LS_ENDPOINT="http://127.0.0.1:$LS_PORT"

ls_die() {
  echo "localstack: $*" >&2
  exit 1
}

ls_now() { date +%s.%N; }
ls_seconds_since() { awk -v a="$1" -v b="$(ls_now)" 'BEGIN { printf "%.1f", b - a }'; }

ls_python_is_usable() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1
}

# Prints the path of a CPython >= 3.13: $LOCALSTACK_PYTHON, else python3.13/python3.14/python3 on
# PATH, else a pyenv-installed 3.13.x/3.14.x (pyenv shims of inactive versions do not run).
ls_find_python() {
  if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
    ls_python_is_usable "$LOCALSTACK_PYTHON" ||
      ls_die "LOCALSTACK_PYTHON=$LOCALSTACK_PYTHON is not a runnable Python >= 3.13"
    echo "$LOCALSTACK_PYTHON"
    return
  fi
  local candidate
  for candidate in python3.13 python3.14 python3; do
    if command -v "$candidate" >/dev/null && ls_python_is_usable "$candidate"; then
      command -v "$candidate"
      return
    fi
  done
  local pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
  for candidate in "$pyenv_root"/versions/3.13*/bin/python3 "$pyenv_root"/versions/3.14*/bin/python3; do
    if [[ -x "$candidate" ]] && ls_python_is_usable "$candidate"; then
      echo "$candidate"
      return
    fi
  done
  ls_die "localstack-core $LS_VERSION needs CPython >= 3.13 (it imports warnings.deprecated); found none" \
    "on PATH or under $pyenv_root/versions. Install one, or set LOCALSTACK_PYTHON=/path/to/python3.13"
}

# Creates .venv-ls/ with localstack-core[runtime] when missing or made from other inputs.
ls_ensure_installed() {
  local python stamp
  python="$(ls_find_python)"
  stamp="localstack-core==$LS_VERSION python=$("$python" -c 'import sys; print(sys.version.split()[0])')"
  stamp="$stamp constraints=$(sha256sum "$LS_HOST_DIR/constraints.txt" | cut -c1-16)"
  if [[ -f "$LS_VENV/installed.txt" && "$(cat "$LS_VENV/installed.txt")" == "$stamp" ]]; then
    return
  fi
  echo "localstack: installing $stamp into $LS_VENV"
  local started
  started="$(ls_now)"
  rm -rf "$LS_VENV"
  "$python" -m venv "$LS_VENV"
  "$LS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$LS_HOST_DIR/constraints.txt" "localstack-core[runtime]==$LS_VERSION" ||
    ls_die "pip install of localstack-core[runtime]==$LS_VERSION failed (see the pip output above)"
  echo "$stamp" >"$LS_VENV/installed.txt"
  echo "localstack: installed in $(ls_seconds_since "$started") s"
}

ls_running_pid() {
  [[ -f "$LS_PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$LS_PID_FILE")"
  # The pid must still be our runtime, not a recycled id.
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'localstack.runtime.main' || return 1
  echo "$pid"
}

# Polls /_localstack/health until S3 is available or running; prints the health JSON's version.
ls_wait_for_s3() {
  local pid="$1" timeout_s="$2"
  "$LS_VENV/bin/python" - "$LS_ENDPOINT" "$pid" "$timeout_s" <<'PY'
import json, os, sys, time, urllib.request
endpoint, pid, timeout_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout_s
last = "no answer yet"
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"localstack: the runtime (pid {pid}) exited before S3 was ready; last health: {last}")
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=2) as response:
            health = json.load(response)
        last = json.dumps(health.get("services", {}).get("s3"))
        state = health.get("services", {}).get("s3")
        if state in ("available", "running"):
            print(health.get("version", "unknown"))
            sys.exit(0)
        if state == "error":
            sys.exit("localstack: S3 failed to load (health reports s3=error); the log says why")
    except OSError as error:
        last = str(error)
    time.sleep(0.25)
sys.exit(f"localstack: S3 not ready at {endpoint} after {timeout_s:.0f} s; last health: {last}")
PY
}

ls_port_is_taken() {
  "$LS_VENV/bin/python" -c '
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$LS_PORT"
}

# Starts the runtime in the background and returns when S3 answers; the pid goes to $LS_PID_FILE.
ls_start() {
  local started pid version python_version
  ls_ensure_installed
  if pid="$(ls_running_pid)"; then
    ls_die "already running (pid $pid, $LS_ENDPOINT); stop it with scripts/localstack/stop-host.sh"
  fi
  if ls_port_is_taken; then
    ls_die "127.0.0.1:$LS_PORT is already in use; stop what listens there or set LOCALSTACK_PORT"
  fi
  rm -rf "$LS_RUN_DIR"
  mkdir -p "$LS_RUN_DIR"
  # LocalStack's S3 keeps object bodies in a fixed folder, not under FILESYSTEM_ROOT; remove it on
  # stop only when this run created it (another LocalStack may be using it).
  if [[ ! -e "$LS_S3_STORAGE" ]]; then touch "$LS_RUN_DIR/owns-s3-storage"; fi
  started="$(ls_now)"
  env GATEWAY_LISTEN="127.0.0.1:$LS_PORT" SERVICES="${LOCALSTACK_SERVICES:-s3}" EAGER_SERVICE_LOADING=1 DNS_ADDRESS=0 \
    OVERRIDE_IN_DOCKER=0 FILESYSTEM_ROOT="$LS_RUN_DIR/filesystem" \
    SKIP_SSL_CERT_DOWNLOAD=1 DISABLE_EVENTS=1 \
    "$LS_VENV/bin/python" -m localstack.runtime.main >"$LS_LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$LS_PID_FILE"
  if ! version="$(ls_wait_for_s3 "$pid" "${LOCALSTACK_START_TIMEOUT_S:-120}")"; then
    echo "localstack: last lines of $LS_LOG_FILE:" >&2
    tail -n 30 "$LS_LOG_FILE" >&2
    ls_stop >&2
    exit 1
  fi
  python_version="$("$LS_VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
  echo "localstack: LocalStack $version (localstack-core, host mode, CPython $python_version):" \
    "S3 ready at $LS_ENDPOINT in $(ls_seconds_since "$started") s (pid $pid, log ${LS_LOG_FILE#"$LS_ROOT"/})"
}

# SIGTERM, then SIGKILL after LOCALSTACK_STOP_TIMEOUT_S (default 30).
ls_stop() {
  local pid
  if ! pid="$(ls_running_pid)"; then
    rm -f "$LS_PID_FILE"
    echo "localstack: not running"
    return 0
  fi
  local started deadline
  started="$(ls_now)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + ${LOCALSTACK_STOP_TIMEOUT_S:-30}))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    echo "localstack: pid $pid ignored SIGTERM for ${LOCALSTACK_STOP_TIMEOUT_S:-30} s; killed"
  else
    echo "localstack: stopped pid $pid in $(ls_seconds_since "$started") s"
  fi
  rm -f "$LS_PID_FILE"
  if [[ -e "$LS_RUN_DIR/owns-s3-storage" ]]; then rm -rf "$LS_S3_STORAGE" "$LS_RUN_DIR/owns-s3-storage"; fi
}
