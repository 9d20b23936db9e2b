import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  describeError,
  InvalidRequestError,
  NotFoundError,
  RevocationError,
  SignatureError,
  TransientError,
} from '../errors';
import { logger } from '../logger';

/** The body is larger than the webhook accepts (413, never retried). */
export class PayloadTooLargeError extends RevocationError {
  constructor(readonly limitBytes: number) {
    super(`body larger than ${limitBytes} bytes`);
  }
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * The response of an error, by class: 404 unknown provider, 413 too large, 401 bad signature (never why),
 * 400 malformed, 503 secret or queue unavailable (the sender retries), 500 anything else.
 */
export function errorResponse(err: unknown): APIGatewayProxyStructuredResultV2 {
  if (err instanceof NotFoundError) return json(404, { message: 'not found' });
  if (err instanceof PayloadTooLargeError) return json(413, { message: err.message });
  if (err instanceof SignatureError) return json(401, { message: 'unauthorized' });
  if (err instanceof InvalidRequestError) return json(400, { message: err.message });
  if (err instanceof TransientError) return json(503, { message: 'temporarily unavailable, retry later' });
  return json(500, { message: 'internal error' });
}

/** Turns the receiver's errors into responses, once, logging each at the level it deserves. */
export function webhookErrorResponses(): MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const err = request.error;
      const response = errorResponse(err);
      const status = response.statusCode ?? 500;
      const fields = { statusCode: status, errorType: err?.name, error: describeError(err) };
      if (status >= 500) logger.error('webhook failed', fields);
      else logger.warn('webhook rejected', fields);
      request.response = response;
    },
  };
}
