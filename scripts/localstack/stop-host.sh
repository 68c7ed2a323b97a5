#!/usr/bin/env bash
# Stops the LocalStack started by start-host.sh (SIGTERM, SIGKILL after LOCALSTACK_STOP_TIMEOUT_S=30).
set -euo pipefail
# shellcheck source=scripts/localstack/host-mode.sh
source "$(dirname "${BASH_SOURCE[0]}")/host-mode.sh"
ls_stop
