/**
 * One error taxonomy for the project. Handlers map these to responses by `instanceof` in one place;
 * the SDK error that caused one travels as `cause`.
 */
export class RevocationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is malformed: a 4xx, never retried, and nothing was sent to AWS. */
export class InvalidRequestError extends RevocationError {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length ? `${message}: ${issues.join('; ')}` : message);
  }
}

/** A webhook's signature (or static secret) did not verify. The message never says why. */
export class SignatureError extends RevocationError {
  constructor(message = 'signature verification failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The principal, key or record named by the request does not exist. */
export class NotFoundError extends RevocationError {}

/** A required environment variable is missing or invalid (thrown at cold start). */
export class ConfigError extends RevocationError {}

/** A dependency (AWS, the queue) is unavailable; the caller may retry. */
export class TransientError extends RevocationError {}

/** The principal is protected: the request is refused and nothing is changed. */
export class ProtectedPrincipalError extends RevocationError {}

/** Restore was asked for but there is nothing this project changed to undo. */
export class NothingToRestoreError extends RevocationError {}

/** Returns the AWS error code of an SDK error (its `name`), or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  if (
    err &&
    typeof err === 'object' &&
    'name' in err &&
    typeof (err as { name: unknown }).name === 'string'
  ) {
    return (err as { name: string }).name;
  }
  return undefined;
}

/** True for an IAM `NoSuchEntity` (the thing is already gone). */
export function isNoSuchEntity(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'NoSuchEntity' || code === 'NoSuchEntityException';
}

/** A short, secret-free description of an error for reports and logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = awsErrorCode(err);
    return code && code !== 'Error' && !err.message.startsWith(code)
      ? `${code}: ${err.message}`
      : err.message;
  }
  return String(err);
}
