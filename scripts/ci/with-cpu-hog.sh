#!/usr/bin/env bash
# Runs a command with a CPU hog beside it: one busy process per core (default: `nproc`), at normal
# priority, for as long as the command runs. The suites, the demo and the load script must pass on a
# machine that is busy with other work; this is how CI and developers check that they do.
#
#   bash scripts/ci/with-cpu-hog.sh npm run test:integration
#   SQUASH_HOG_PROCESSES=4 bash scripts/ci/with-cpu-hog.sh npm run demo
#
# The hog is plain Node (no extra package): each process spins and allocates a little, so it competes
# for the CPU and the memory bus as other work would. The command's exit code is returned.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: with-cpu-hog.sh <command> [args...]" >&2
  exit 2
fi

processes="${SQUASH_HOG_PROCESSES:-$(nproc)}"
pids=()
stop_hog() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_hog EXIT

for _ in $(seq "$processes"); do
  node -e '
    let sink = 0;
    for (;;) {
      const block = new Float64Array(1 << 16);
      for (let i = 0; i < block.length; i++) sink += Math.sqrt((block[i] = i * 1.000001));
      if (sink < 0) console.log(sink);
    }' &
  pids+=("$!")
done
echo "with-cpu-hog: $processes busy processes beside: $*" >&2

status=0
"$@" || status=$?
echo "with-cpu-hog: '$*' exited $status" >&2
exit "$status"
