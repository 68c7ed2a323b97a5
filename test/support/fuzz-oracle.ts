/**
 * What every answer to a hostile request must be (issue 9): a status below 500, JSON, and for a 4xx an
 * error message that is a short string (`message` from the coordinator, `Message` from the Function URL
 * itself, e.g. its 413). `FuzzTally` counts requests, statuses (by kind) and crashes, prints them, and
 * writes them to `bench-results/<name>.json` for docs/robustness.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { describeRequest, type HostileRequest } from './hostile-requests.ts';

/** Longest error message accepted: a message quotes what it received, never the whole of it. */
export const MAX_MESSAGE_CHARS = 4096;

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** Fails (with the request in the message) unless `answer` is a well-formed answer to `request`. */
export function expectWellFormed(request: HostileRequest, answer: Answer): void {
  const context = `${describeRequest(request)} → ${answer.status} ${answer.body.slice(0, 300)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(200);
  expect(answer.status, context).toBeLessThan(500);
  if (request.method === 'HEAD') return;
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new Error(`answer is not JSON: ${context}`);
  }
  if (answer.status >= 400) {
    const record = (json ?? {}) as Record<string, unknown>;
    const message = record.message ?? record.Message;
    expect(typeof message, `no error message: ${context}`).toBe('string');
    expect((message as string).length, `message too long: ${context}`).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  }
}

export class FuzzTally {
  requests = 0;
  crashes = 0;
  readonly statuses: Record<string, number> = {};
  readonly byKind: Record<string, Record<string, number>> = {};
  private readonly started = performance.now();

  constructor(
    private readonly name: string,
    private readonly seed: number,
  ) {}

  record(request: HostileRequest, status: number): void {
    this.requests++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    const kind = this.byKind[request.kind] ?? {};
    kind[status] = (kind[status] ?? 0) + 1;
    this.byKind[request.kind] = kind;
  }

  /** Prints the counts and writes them to bench-results/<name>.json. */
  report(extra: Record<string, unknown> = {}): void {
    const summary = {
      suite: this.name,
      seed: this.seed,
      requests: this.requests,
      statuses: this.statuses,
      fiveHundreds: Object.entries(this.statuses)
        .filter(([status]) => Number(status) >= 500)
        .reduce((sum, [, count]) => sum + count, 0),
      crashes: this.crashes,
      byKind: this.byKind,
      seconds: Math.round((performance.now() - this.started) / 100) / 10,
      ...extra,
    };
    console.log(`${this.name}: ${JSON.stringify(summary)}`);
    const dir = resolve(import.meta.dirname, '../../bench-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(resolve(dir, `${this.name}.json`), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
