#!/usr/bin/env bash
# Starts LocalStack's S3 in host mode (no Docker) on 127.0.0.1:${LOCALSTACK_PORT:-4566}, in the
# background, installing localstack-core[runtime]==4.14.0 into .venv-ls/ on first use. Returns when
# /_localstack/health reports S3 ready and prints the LocalStack version. Stop it with stop-host.sh.
#
# Environment: LOCALSTACK_PORT (4566), LOCALSTACK_PYTHON (auto: a CPython >= 3.13),
# LOCALSTACK_START_TIMEOUT_S (120), LOCALSTACK_SERVICES (s3; e.g. s3,cloudformation,iam,sts,ssm,lambda).
set -euo pipefail
# shellcheck source=scripts/localstack/host-mode.sh
source "$(dirname "${BASH_SOURCE[0]}")/host-mode.sh"
ls_start
