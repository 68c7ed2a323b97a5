/** Whether a process with this id exists (signal 0 tests without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `condition` every 25 ms for up to `limitMs`; resolves to its last value. */
export async function waitUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
  for (let waited = 0; waited < limitMs && !condition(); waited += 25) {
    await new Promise((r) => setTimeout(r, 25));
  }
  return condition();
}
