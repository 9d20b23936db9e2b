import type * as z from 'zod';
import { InvalidRequestError } from '../errors';

/**
 * A zod error's issues as `path: message` lines (the root named `root`), the one format every rejection
 * message of the project uses.
 * @example
 * formatIssues(r.error, '(request)'); // ['target: must name exactly one of userName, ...']
 */
export function formatIssues(error: z.ZodError, root = '(input)'): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : root}: ${i.message}`);
}

/**
 * Parses `input` with `schema`, or throws an InvalidRequestError (`invalid <what>`) listing every issue.
 * @example
 * const request = parseOrReject(lockdownSchema, event, 'lockdown request', '(request)');
 */
export function parseOrReject<T>(schema: z.ZodType<T>, input: unknown, what: string, root?: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new InvalidRequestError(`invalid ${what}`, formatIssues(r.error, root));
}
