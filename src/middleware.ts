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
