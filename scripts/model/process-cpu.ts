/**
 * CPU time of processes from Linux `/proc/<pid>/task/<tid>/schedstat`, summed over the process's
 * threads (the scheduler's time on a CPU, in ns; `/proc/<pid>/stat`'s user + system ticks of 10 ms
 * where schedstat is missing), and of this process from `process.cpuUsage()`. Every thread counts:
 * `/proc/<pid>/schedstat` alone is the main thread's, and V8's garbage collector and compiler threads
 * took 60 % of an allocating Node process's CPU (996 of 2,510 ms on the main thread, measured). The calibration measures work as CPU rather than wall time: on 2 shared
 * cores a handler's wall time grows with whatever else runs, its CPU time does not. Nanoseconds
 * matter: a warm single query costs ~10 ms of CPU over some 20 processes, where rounding each to
 * 10 ms ticks moved a 100-request figure by up to ±20 %. Elsewhere than Linux the environments count 0.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: ticks per second of /proc's utime and stime. */
const CLOCK_TICKS = 100;

export function processesCpuMs(pids: readonly number[]): number {
  let ms = 0;
  for (const pid of pids) ms += processCpuMs(pid) ?? 0;
  return ms;
}

/** One process's CPU so far, ms; undefined when it has exited (or there is no /proc). */
export function processCpuMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += threadCpuNs(pid, tid);
    return ns / 1e6;
  } catch {
    // No schedstat (kernel without schedstats): fall back to ticks.
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A thread's CPU, ns; 0 when it exited between listing and reading. */
function threadCpuNs(pid: number, tid: string): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ESRCH'
    )
      return 0;
    throw error;
  }
}

export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
