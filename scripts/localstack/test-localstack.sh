#!/usr/bin/env bash
# npm run test:localstack — the integration suite (vitest project "integration") against LocalStack.
#
# LOCALSTACK_ENDPOINT unset (CI): installs localstack-core[runtime]==4.14.0 into .venv-ls/ if missing,
#   starts its S3 in host mode on 127.0.0.1 (no Docker), runs the suite with TEST_TARGET=localstack-s3
#   (S3 on LocalStack, Lambda on the project's local Lambda host) and stops LocalStack.
# LOCALSTACK_ENDPOINT set (LocalStack in Docker, e.g. docker compose up): cdklocal bootstrap, deploy
#   with --outputs-file cdk-outputs.localstack.json, runs the suite with TEST_TARGET=external against
#   the deployed stack, then cdklocal destroy.
# Extra arguments go to vitest (e.g. a test file filter). The exit code is vitest's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CDKLOCAL_VERSION="3.0.4"
cd "$ROOT"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_ENDPOINT_URL_LAMBDA

run_on_host_mode_s3() {
  # shellcheck source=scripts/localstack/host-mode.sh
  source "$HERE/host-mode.sh"
  trap 'status=$?; ls_stop; exit $status' EXIT
  ls_start
  # Only S3 is redirected: the suite's global setup starts the local Lambda host for Lambda.
  export AWS_ENDPOINT_URL_S3="$LS_ENDPOINT" SQUASH_S3_FORCE_PATH_STYLE=true TEST_TARGET=localstack-s3
  npx vitest run --project integration "$@"
}

# Prints LocalStack's version and service states; fails when the endpoint does not answer.
describe_endpoint() {
  node -e '
    const url = `${process.argv[1]}/_localstack/health`;
    fetch(url, { signal: AbortSignal.timeout(5000) })
      .then((response) => response.json())
      .then((health) => {
        const states = ["s3", "lambda", "cloudformation", "iam", "sts"]
          .map((name) => `${name}=${health.services?.[name] ?? "absent"}`).join(" ");
        console.log(`localstack: LocalStack ${health.version} (${health.edition ?? "unknown"} edition) at ${process.argv[1]}: ${states}`);
      })
      .catch((error) => {
        console.error(`localstack: LOCALSTACK_ENDPOINT=${process.argv[1]} does not answer ${url}: ${error.cause?.message ?? error.message}`);
        process.exit(1);
      });' "$1"
}

# Globals, not locals: the EXIT trap runs after the function that set them has gone.
LS_DOCKER_ENDPOINT=""
LS_ASSEMBLY_DIR=""

cdklocal() {
  # cdklocal finds the CDK CLI with require("aws-cdk"): NODE_PATH points it at the project's copy.
  NODE_PATH="$ROOT/node_modules" AWS_ENDPOINT_URL="$LS_DOCKER_ENDPOINT" AWS_ENDPOINT_URL_S3="$LS_DOCKER_ENDPOINT" \
    AWS_ENVAR_ALLOWLIST=AWS_REGION,AWS_DEFAULT_REGION,AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY \
    npx --yes "aws-cdk-local@$CDKLOCAL_VERSION" "$@" --output "$LS_ASSEMBLY_DIR"
}

destroy_stack() {
  local status=$?
  echo "localstack: cdklocal destroy"
  # After a failed create LocalStack may leave the stack in DELETE_FAILED; a second delete removes it.
  cdklocal destroy --all --force || cdklocal destroy --all --force ||
    echo "localstack: cdklocal destroy failed twice; the stack may remain" >&2
  rm -rf "$LS_ASSEMBLY_DIR"
  exit "$status"
}

run_on_deployed_stack() {
  # An IP endpoint makes every SDK client (the CDK CLI's asset uploads included) address S3 by path,
  # so no *.localhost.localstack.cloud DNS is needed.
  LS_DOCKER_ENDPOINT="${LOCALSTACK_ENDPOINT%/}"
  LS_DOCKER_ENDPOINT="${LS_DOCKER_ENDPOINT/\/\/localhost:/\/\/127.0.0.1:}"
  describe_endpoint "$LS_DOCKER_ENDPOINT"
  LS_ASSEMBLY_DIR="$(mktemp -d -t squash-cdklocal.XXXXXX)" # keeps the shared cdk.out untouched
  trap destroy_stack EXIT

  local outputs="$ROOT/cdk-outputs.localstack.json"
  cdklocal bootstrap
  cdklocal deploy --all --require-approval never --outputs-file "$outputs"
  AWS_ENDPOINT_URL="$LS_DOCKER_ENDPOINT" AWS_ENDPOINT_URL_S3="$LS_DOCKER_ENDPOINT" SQUASH_S3_FORCE_PATH_STYLE=true \
    TEST_TARGET=external SQUASH_OUTPUTS_FILE="$outputs" npx vitest run --project integration "$@"
}

if [[ -z "${LOCALSTACK_ENDPOINT:-}" ]]; then
  run_on_host_mode_s3 "$@"
else
  run_on_deployed_stack "$@"
fi
