/**
 * CPU time of processes from Linux `/proc/<pid>/stat` (user + system, in clock ticks of 10 ms), and of
 * this process from `process.cpuUsage()`. The calibration measures work as CPU rather than wall time:
 * on 2 shared cores a handler's wall time grows with whatever else runs, its CPU time does not.
 * Elsewhere than Linux the environments count 0.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: ticks per second of /proc's utime and stime. */
const CLOCK_TICKS = 100;

export function processesCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Exited meanwhile, or no /proc.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
