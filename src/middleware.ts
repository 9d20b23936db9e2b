import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { MiddlewareObj } from '@middy/core';
import {
  describeError,
  InvalidRequestError,
  NotFoundError,
  NothingToRestoreError,
  ProtectedPrincipalError,
} from './errors';
import { logger } from './logger';

/** True for the errors that are the caller's mistake (a 4xx), not the function's. */
export function isCallerMistake(err: unknown): boolean {
  return (
    err instanceof InvalidRequestError ||
    err instanceof NotFoundError ||
    err instanceof NothingToRestoreError ||
    err instanceof ProtectedPrincipalError
  );
}

/** Logs a failed invocation once: at `warn` for the caller's mistakes, `error` otherwise. */
export function logFailure(err: unknown, callerMistake = isCallerMistake(err)): void {
  (callerMistake ? logger.warn : logger.error).call(logger, 'invocation failed', {
    errorType: (err as Error | undefined)?.name,
    error: describeError(err),
  });
}

/**
 * For directly invoked functions: logs the error once and lets it propagate so the invoker sees `errorType`
 * (e.g. `InvalidRequestError`) and the message.
 */
export function errorReporting(): MiddlewareObj {
  return { onError: async (request) => logFailure(request.error) };
}

/**
 * The one tracer (X-Ray; `tracing.lambda` is Active in serverless.yml). Off outside Lambda (no
 * `AWS_EXECUTION_ENV`: tests, invoke local, offline) or with `POWERTOOLS_TRACE_ENABLED=false`.
 */
export const tracer = new Tracer();

/**
 * Every handler's first middleware: a subsegment for the invocation, errors recorded on it. Responses are not
 * captured: reports name people, users and key ids, which do not belong in trace metadata.
 * @example
 * export const handler = middy().use(tracing()).use(injectLambdaContext(logger)).handler(run);
 */
export function tracing(): MiddlewareObj {
  return captureLambdaHandler(tracer, { captureResponse: false });
}
