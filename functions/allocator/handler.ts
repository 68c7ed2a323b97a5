/**
 * Allocator entry: every node of the allocator tree is an invocation of this function. The runtime
 * (config, Lambda client, cached index data) lives at module scope and is reused while warm.
 */
import type { Context } from 'aws-lambda';
import { loadConfig } from '../config.ts';
import { createRuntime, deadlineOf } from '../runtime.ts';
import { serveAllocator } from './serve-allocator.ts';

const runtime = createRuntime(loadConfig());

export function handler(event: unknown, context?: Context) {
  return serveAllocator(event, runtime, deadlineOf(context));
}
