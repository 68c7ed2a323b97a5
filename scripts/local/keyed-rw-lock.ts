/**
 * Per-key readers–writer lock. Requests queue FIFO per key; a request is granted when it is compatible
 * with the holders (any number of readers, or one writer) and nothing is queued ahead of it, so a
 * stream of readers cannot starve a writer. Keys with no holder and no waiter are forgotten.
 */
export type Release = () => void;

type Mode = 'read' | 'write';

interface KeyState {
  readers: number;
  writing: boolean;
  readonly queue: { mode: Mode; grant: () => void }[];
}

export class KeyedReadWriteLock {
  readonly #keys = new Map<string, KeyState>();

  read(key: string): Promise<Release> {
    return this.#acquire(key, 'read');
  }

  write(key: string): Promise<Release> {
    return this.#acquire(key, 'write');
  }

  #acquire(key: string, mode: Mode): Promise<Release> {
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { readers: 0, writing: false, queue: [] };
      this.#keys.set(key, state);
    }
    const current = state;
    return new Promise((resolve) => {
      current.queue.push({ mode, grant: () => resolve(once(() => this.#release(key, current, mode))) });
      this.#drain(current);
    });
  }

  #release(key: string, state: KeyState, mode: Mode): void {
    if (mode === 'write') state.writing = false;
    else state.readers -= 1;
    this.#drain(state);
    if (!state.writing && state.readers === 0 && state.queue.length === 0) this.#keys.delete(key);
  }

  #drain(state: KeyState): void {
    for (let next = state.queue[0]; next !== undefined; next = state.queue[0]) {
      if (state.writing) return;
      if (next.mode === 'write' && state.readers > 0) return;
      state.queue.shift();
      if (next.mode === 'write') state.writing = true;
      else state.readers += 1;
      next.grant();
    }
  }
}

function once(release: () => void): Release {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
