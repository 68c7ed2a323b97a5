// The runtime inside one local Lambda execution environment: a child process forked by
// lambda-environment.ts. It is plain JavaScript, not TypeScript, because it runs without any loader on
// whichever Node binary matches the function's Lambda runtime (as AWS's own runtime client does).
//
// argv: <code directory> <handler string>. The handler string is resolved as Lambda's Node runtime does:
// "dir/file.export.nested" → module dir/file(.js|.mjs|.cjs) in the code directory, export export.nested.
// IPC protocol (JSON):
//   child → host  {type:'ready'} | {type:'init-error', error}
//   host  → child {type:'invoke', id, payload, requestId, deadlineMs, invokedFunctionArn}
//   child → host  {type:'result', id, payload} | {type:'error', id, error}
// where payload is JSON text and error is Lambda's {errorType, errorMessage, trace}.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [codeDirectory, handlerString] = process.argv.slice(2);
let current; // id of the invocation in flight, if any

function toLambdaError(error) {
  if (
    error instanceof Error ||
    (error && typeof error.name === 'string' && typeof error.message === 'string')
  ) {
    return {
      errorType: error.name,
      errorMessage: error.message,
      trace: String(error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

async function loadHandler() {
  const slash = handlerString.lastIndexOf('/');
  const dot = handlerString.indexOf('.', slash + 1);
  if (dot < 0) {
    throw Object.assign(new Error(`Bad handler ${handlerString}: expected <module>.<export>`), {
      name: 'Runtime.MalformedHandlerName',
    });
  }
  const modulePath = handlerString.slice(0, dot);
  const exportPath = handlerString.slice(dot + 1).split('.');
  const file = ['.js', '.mjs', '.cjs'].map((ext) => join(codeDirectory, modulePath + ext)).find(existsSync);
  if (file === undefined) {
    throw Object.assign(new Error(`Error: Cannot find module '${modulePath}' in ${codeDirectory}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  const namespace = await import(pathToFileURL(file).href);
  const resolve = (root) =>
    exportPath.reduce((value, name) => (value == null ? undefined : value[name]), root);
  const handler = resolve(namespace) ?? resolve(namespace.default);
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerString} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

function callHandler(handler, event, context) {
  if (handler.length < 3) return handler(event, context);
  return new Promise((resolve, reject) => {
    const done = (error, result) => (error ? reject(error) : resolve(result));
    const returned = handler(event, context, done);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  });
}

function contextFor(message) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${process.pid}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
  };
}

process.on('unhandledRejection', (reason) => {
  const error = toLambdaError(reason);
  if (current !== undefined) {
    process.send({
      type: 'error',
      id: current,
      error: { ...error, errorType: 'Runtime.UnhandledPromiseRejection' },
    });
  }
  process.exitCode = 128;
  process.disconnect();
});

// The host went away (even killed outright): an environment never outlives it.
process.on('disconnect', () => process.exit());

let handler;
try {
  handler = await loadHandler();
  process.send({ type: 'ready' });
} catch (error) {
  process.send({ type: 'init-error', error: toLambdaError(error) });
  process.disconnect();
}

// Lambda's runtime sets the invocation's X-Ray header; here it is never sampled (there is no X-Ray),
// so a function with tracing on records nothing, and does not complain of a missing trace context.
function traceHeader() {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  const root = `1-${epoch}-${randomBytes(12).toString('hex')}`;
  return `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
}

process.on('message', async (message) => {
  if (message.type !== 'invoke' || handler === undefined) return;
  current = message.id;
  process.env._X_AMZN_TRACE_ID = traceHeader();
  try {
    const result = await callHandler(handler, JSON.parse(message.payload), contextFor(message));
    process.send({ type: 'result', id: message.id, payload: JSON.stringify(result) ?? 'null' });
  } catch (error) {
    process.send({ type: 'error', id: message.id, error: toLambdaError(error) });
  } finally {
    current = undefined;
  }
});
