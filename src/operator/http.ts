import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Caller } from '../engine';
import {
  InvalidRequestError,
  NotFoundError,
  NothingToRestoreError,
  ProtectedPrincipalError,
  RevocationError,
} from '../errors';
import { logFailure } from '../middleware';

/** The HTTP API route was reached without a verified IAM caller (the route is not `AWS_IAM`-authorized). */
export class UnverifiedCallerError extends RevocationError {}

/** An operator request, from a direct invoke or the IAM-authorized HTTP API, with who asked. */
export interface OperatorCall {
  readonly request: unknown;
  readonly caller: Caller;
}

/** True for an HTTP API (payload 2.0) event: the `POST /ops/lockdown` and `POST /ops/restore` routes. */
export function isHttpApiEvent(event: unknown): event is APIGatewayProxyEventV2WithIAMAuthorizer {
  const e = event as { version?: unknown; requestContext?: { http?: unknown } } | null;
  return (
    typeof e === 'object' && e !== null && e.version === '2.0' && typeof e.requestContext?.http === 'object'
  );
}

/**
 * The request and its caller. Through the HTTP API the body is the request and the caller is the ARN API
 * Gateway verified (`AWS_IAM` authorization: SigV4); a direct invoke's event is the request, its caller
 * unverified (Lambda passes no identity of the invoker).
 * @throws InvalidRequestError for a body that is not JSON; UnverifiedCallerError for an HTTP call without a
 *   verified IAM identity.
 */
export function operatorCall(event: unknown): OperatorCall {
  if (!isHttpApiEvent(event)) return { request: event, caller: { verified: false, via: 'direct-invoke' } };
  const arn = event.requestContext.authorizer?.iam?.userArn;
  if (!arn) throw new UnverifiedCallerError('the route must be AWS_IAM-authorized: no verified caller');
  const raw = event.isBase64Encoded
    ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
    : (event.body ?? '');
  try {
    return { request: JSON.parse(raw), caller: { verified: true, via: 'http-api', arn } };
  } catch {
    throw new InvalidRequestError('body is not JSON');
  }
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The HTTP status of an operator error: 400 malformed, 403 unverified, 404 unknown, 409 refused, 500 else. */
export function operatorStatus(err: unknown): number {
  if (err instanceof InvalidRequestError) return 400;
  if (err instanceof UnverifiedCallerError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof NothingToRestoreError || err instanceof ProtectedPrincipalError) return 409;
  return 500;
}

/**
 * For lockdown and restore: a direct invoke returns the report (an error propagates, so the invoker sees
 * `errorType`); through the HTTP API the report is the 200 body and an error becomes its status with
 * `{ errorType, message }`. Each error is logged once, at `warn` for the caller's mistakes, `error` otherwise.
 */
export function operatorResponses(): MiddlewareObj {
  return {
    after: async (request) => {
      if (isHttpApiEvent(request.event)) request.response = json(200, request.response);
    },
    onError: async (request) => {
      const err = request.error;
      const status = operatorStatus(err);
      logFailure(err, status < 500);
      if (isHttpApiEvent(request.event)) {
        request.response = json(status, {
          errorType: err?.name,
          message: status < 500 ? err?.message : 'internal error',
        });
      }
    },
  };
}
