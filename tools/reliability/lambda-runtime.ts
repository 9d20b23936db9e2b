/**
 * The child side of {@link LambdaFunction}: one Lambda execution environment in its own Node process. It
 * loads the real handler module (its cold start builds config and clients from this process's environment,
 * exactly as in Lambda), then answers invocations over IPC one at a time, with a Lambda context whose
 * `getRemainingTimeInMillis` counts down to the invocation's deadline. The parent kills the process with
 * SIGKILL on a timeout or an injected crash: no `catch`, `finally` or cleanup of the handler runs, as when
 * Lambda kills a runtime. Started by `lambda.ts`; never bundled into a handler.
 */
import type { Context } from 'aws-lambda';
import type { ChildMessage, ParentMessage } from './lambda-protocol';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const send = (message: ChildMessage) => {
  process.send?.(message);
};

const errorOf = (err: unknown) => ({
  errorType: err instanceof Error ? err.name : typeof err,
  errorMessage: err instanceof Error ? err.message : String(err),
});

function contextFor(message: Extract<ParentMessage, { type: 'invoke' }>): Context {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '1024',
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function main(): Promise<void> {
  const modulePath = process.env.RELIABILITY_HANDLER_MODULE ?? '';
  const exportName = process.env.RELIABILITY_HANDLER_EXPORT ?? 'handler';
  const started = performance.now();
  let handler: Handler;
  try {
    // The handler module's top level is its cold start (config validated, clients built).
    const mod = (await import(modulePath)) as Record<string, unknown> & { default?: Record<string, unknown> };
    const candidate = mod[exportName] ?? mod.default?.[exportName];
    if (typeof candidate !== 'function') throw new Error(`${modulePath} has no export ${exportName}`);
    handler = candidate as Handler;
  } catch (err) {
    send({ type: 'init-error', ...errorOf(err) });
    process.exit(1);
  }
  // The parent (the local Lambda service) is gone: so is this environment.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'invoke') return;
    handler(message.event, contextFor(message)).then(
      (value) => send({ type: 'result', id: message.id, ok: true, value }),
      (err: unknown) => send({ type: 'result', id: message.id, ok: false, ...errorOf(err) }),
    );
  });
  send({ type: 'ready', initMs: Math.round(performance.now() - started) });
}

void main();
