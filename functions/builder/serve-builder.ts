/**
 * One build task (docs/build-on-lambda.md): validate the event, run the task, answer its result.
 *
 * Design decisions:
 * - A malformed event is `InvalidInputError` (not the search path's `InvalidQueryError`): the build
 *   driver retries every failure but bad input, and a task that cannot parse will never parse.
 * - Typed errors go back as `{ error: { code, message } }` (`replyOf`, as the allocator and processor
 *   answer), so the caller rebuilds them by code; anything else (a crash, S3 failing) escapes as the
 *   invocation's FunctionError and the driver retries the task. Tasks are idempotent, so a retry after
 *   a killed or timed-out environment redoes or reuses what the first attempt wrote.
 * - The work and index locations come from the task (s3://bucket/prefix): the function holds no
 *   configuration of its own beyond its IAM grants.
 */
import {
  type BuildTask,
  type BuildTaskResult,
  buildTaskSchema,
  runBuildTask,
  taskName,
} from '../../shared/build/build-task.ts';
import { InvalidInputError, InvalidQueryError } from '../../shared/errors/index.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { parsePayload } from '../parse-payload.ts';
import { type ErrorReply, replyOf } from '../wire/function-reply.ts';

export async function serveBuilder(
  event: unknown,
  telemetry: Telemetry,
): Promise<BuildTaskResult | ErrorReply> {
  const { logger } = telemetry;
  return replyOf(async () => {
    const task = parseTask(event);
    const started = performance.now();
    logger.appendKeys({ task: taskName(task), work: task.work });
    const result = await runBuildTask(task);
    logger.info('build task done', { kind: task.kind, ms: Math.round(performance.now() - started) });
    return result;
  }, logger);
}

function parseTask(event: unknown): BuildTask {
  try {
    return parsePayload(
      buildTaskSchema,
      event,
      'builder event (a build task: sample, train, assign or encode)',
    );
  } catch (error) {
    if (error instanceof InvalidQueryError) throw new InvalidInputError(error.message);
    throw error;
  }
}
