import type { MiddlewareObj } from '@middy/core';
import {
  describeError,
  InvalidRequestError,
  NotFoundError,
  NothingToRestoreError,
  ProtectedPrincipalError,
} from './errors';
import { logger } from './logger';

/**
 * For directly invoked functions: logs the error once, at `warn` for the caller's mistakes and `error`
 * otherwise, and lets it propagate so the invoker sees `errorType` (e.g. `InvalidRequestError`) and the message.
 */
export function errorReporting(): MiddlewareObj {
  return {
    onError: async (request) => {
      const err = request.error;
      const callerMistake =
        err instanceof InvalidRequestError ||
        err instanceof NotFoundError ||
        err instanceof NothingToRestoreError ||
        err instanceof ProtectedPrincipalError;
      (callerMistake ? logger.warn : logger.error).call(logger, 'invocation failed', {
        errorType: err?.name,
        error: describeError(err),
      });
    },
  };
}
