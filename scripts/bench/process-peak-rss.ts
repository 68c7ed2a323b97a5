/**
 * Peak resident memory of one live process (Linux): `VmHWM` from `/proc/<pid>/status`, the kernel's
 * high-water mark of its RSS since it started — a peak that sampling cannot miss. Undefined once the
 * process has exited.
 */
import { readFileSync } from 'node:fs';

export function processPeakRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}
