import * as z from 'zod';
import { parseOrReject } from '../util/zod';

/** IAM's user and role name pattern. */
const iamName = z.string().regex(/^[\w+=,.@-]{1,64}$/, "must match IAM's [\\w+=,.@-]{1,64}");
const accessKeyId = z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be an access key id (16-128 of A-Z, 0-9)');
const employeeId = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const email = z.email().max(256);
/** An Identity Center user's userName or email (Identity Store userNames are at most 128 characters). */
const identityCenterUser = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\p{Cc}\s]+$/u, 'must be a userName or email, without spaces or control characters');
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

const oneOf = <T extends Record<string, z.ZodType>>(shape: T) => {
  const keys = Object.keys(shape);
  return z
    .strictObject(
      Object.fromEntries(keys.map((k) => [k, (shape[k] as z.ZodType).optional()])) as {
        [K in keyof T]: z.ZodOptional<T[K]>;
      },
    )
    .refine((t) => keys.filter((k) => (t as Record<string, unknown>)[k] !== undefined).length === 1, {
      message: `must name exactly one of ${keys.join(', ')}`,
    });
};

/** The target account (absent: the function's own). */
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

const lockdownSchema = z.strictObject({
  target: oneOf({ userName: iamName, accessKeyId, roleName: iamName, employeeId, email, identityCenterUser }),
  accountId: accountId.optional(),
  reason: text(1024),
  requestedBy: text(256),
  dryRun: z.boolean().optional(),
  /** Also delete the console login profile (a lockdown keeps it by default; cannot be undone). */
  deleteLoginProfile: z.boolean().optional(),
  /** Also deactivate MFA devices (a lockdown keeps them by default). */
  deactivateMfa: z.boolean().optional(),
});

/** A run id: a UUID, or a departure id (`<provider>:<token>`). */
const runId = z.string().regex(/^[A-Za-z0-9_.:=+@-]{1,200}$/, 'must be a run id');

const restoreSchema = z.strictObject({
  target: oneOf({ userName: iamName, roleName: iamName, identityCenterUser }),
  accountId: accountId.optional(),
  /** The run to undo; absent, the latest unrestored lockdown. Restoring a departure needs its run named. */
  runId: runId.optional(),
  reason: text(1024),
  requestedBy: text(256),
  dryRun: z.boolean().optional(),
});

export type LockdownRequest = z.infer<typeof lockdownSchema>;
export type RestoreRequest = z.infer<typeof restoreSchema>;

/**
 * Validates a lockdown request before any AWS call.
 * @throws InvalidRequestError listing every problem.
 * @example
 * parseLockdown({ target: { userName: 'alice' }, reason: 'INC-42', requestedBy: 'secops' });
 */
export const parseLockdown = (input: unknown): LockdownRequest =>
  parseOrReject(lockdownSchema, input, 'lockdown request', '(request)');

/** Validates a restore request before any AWS call. @throws InvalidRequestError */
export const parseRestore = (input: unknown): RestoreRequest =>
  parseOrReject(restoreSchema, input, 'restore request', '(request)');
