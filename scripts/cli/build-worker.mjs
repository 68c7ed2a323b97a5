// A worker thread of `squash build --threads N`: runs the build tasks it is sent (shared/build/build-task.ts).
// Plain JavaScript so that it can register tsx in its own thread before importing the TypeScript.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runBuildTask } = await import('../../shared/build/build-task.ts');
const { InvalidInputError } = await import('../../shared/errors/index.ts');

parentPort.on('message', async ({ id, task }) => {
  try {
    parentPort.postMessage({ id, result: await runBuildTask(task) });
  } catch (error) {
    const invalidInput = error instanceof InvalidInputError;
    parentPort.postMessage({ id, error: { message: String(error?.message ?? error), invalidInput } });
  }
});
