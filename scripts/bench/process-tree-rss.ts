/**
 * Resident memory of a process and all its descendants (Linux): each process's `VmRSS` from
 * `/proc/<pid>/status`, children found through `/proc/<pid>/task/<tid>/children`. Pages shared
 * between processes are counted once per process, as `ps` does, so the total is an upper bound.
 * A process that exits while being read is skipped.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface TreeRss {
  /** Sum of VmRSS over the tree, in bytes. */
  readonly bytes: number;
  /** VmRSS of the root process alone, in bytes. */
  readonly rootBytes: number;
  readonly processes: number;
}

export function processTreeRss(rootPid: number = process.pid): TreeRss {
  let bytes = 0;
  let processes = 0;
  const rootBytes = vmRssBytes(rootPid) ?? 0;
  const pending = [rootPid];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const rss = vmRssBytes(pid);
    if (rss === undefined) continue;
    bytes += rss;
    processes += 1;
    pending.push(...childrenOf(pid));
  }
  return { bytes, rootBytes, processes };
}

function vmRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
