import { actions } from '../src/engine/actions';
import { RESOLVE_PERMISSIONS } from '../src/engine/resolve';
import { SNAPSHOT_PERMISSIONS } from '../src/engine/snapshot';
import { RESTORE_STATE_PERMISSIONS, STATE_PERMISSIONS } from '../src/engine/state';
import type { StepType } from '../src/engine/types';
import { VERIFY_PERMISSIONS } from '../src/engine/verify';
import { NOTIFY_PERMISSIONS } from '../src/notify';
import { SWEEP_PERMISSIONS } from '../src/sweep/permissions';
import {
  WEBHOOK_PERMISSIONS,
  WORKER_PERMISSIONS,
  WORKER_QUEUE_PERMISSIONS,
} from '../src/webhooks/permissions';

/**
 * The IAM actions each function's code path calls, composed from what the code declares next to itself:
 * each engine action's `permissions` and `undo.permissions` (src/engine/actions), the engine's
 * `SNAPSHOT_`/`RESOLVE_`/`STATE_PERMISSIONS`, `NOTIFY_PERMISSIONS`, and the webhook's and sweep's own lists.
 * `serverless.yml` grants exactly these to each function's role (besides writing its own logs), and
 * test/unit/template.test.ts proves it from the packaged CloudFormation template. Never bundled in a handler.
 */

/** The functions of serverless.yml. */
export const FUNCTION_NAMES = ['hrWebhook', 'revocationWorker', 'keySweep', 'lockdown', 'restore'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Step types planned for a role only (src/engine/plan.ts `planRoleRevocation`). */
const ROLE_ONLY_STEPS: readonly StepType[] = ['put-role-session-deny'];

/**
 * Role APIs (`iam:GetRole`, `iam:TagRole`, `iam:PutRolePolicy`...). Some declarations cover users and roles
 * together (`tag-principal` declares `iam:TagUser` and `iam:TagRole`; the snapshot reads both): a path that
 * only ever handles users (departures, the sweep) leaves the role half out.
 */
const isRoleApi = (action: string): boolean => /^iam:[A-Za-z]*Role/.test(action);

/**
 * A webhook secret stored as a SecureString under a customer managed KMS key needs `kms:Decrypt` (through
 * SSM only: the grant is conditioned on `kms:ViaService`); the AWS managed `aws/ssm` key needs no grant.
 */
const WEBHOOK_SECRET_KMS_PERMISSIONS = ['kms:Decrypt'] as const;

const allSteps = Object.keys(actions) as StepType[];

function forward(steps: readonly StepType[]): string[] {
  return steps.flatMap((t) => actions[t].permissions);
}

function undo(steps: readonly StepType[]): string[] {
  return steps.flatMap((t) => {
    const action: { readonly undo?: { readonly permissions: readonly string[] } } = actions[t];
    return action.undo?.permissions ?? [];
  });
}

const unique = (list: readonly string[]): readonly string[] => Object.freeze([...new Set(list)].sort());
const usersOnly = (list: readonly string[]): string[] => list.filter((a) => !isRoleApi(a));

/** A revocation of users (snapshot, deny first, every user step, verify, record, notify). */
const userRevocation = usersOnly([
  ...SNAPSHOT_PERMISSIONS,
  ...forward(allSteps.filter((t) => !ROLE_ONLY_STEPS.includes(t))),
  ...STATE_PERMISSIONS,
  ...NOTIFY_PERMISSIONS,
]);

/**
 * Per function, the sorted, de-duplicated IAM actions its code path calls.
 * @example
 * FUNCTION_PERMISSIONS.hrWebhook; // ['kms:Decrypt', 'sqs:SendMessage', 'ssm:GetParameter']
 */
export const FUNCTION_PERMISSIONS: Readonly<Record<FunctionName, readonly string[]>> = Object.freeze({
  /** Verify (secret from SSM), normalize, queue. No IAM at all. */
  hrWebhook: unique([...WEBHOOK_PERMISSIONS, ...WEBHOOK_SECRET_KMS_PERMISSIONS]),
  /** A departure: the person's users by tags (account authorization details), each user revoked. */
  revocationWorker: unique([
    ...userRevocation,
    ...RESOLVE_PERMISSIONS,
    ...WORKER_PERMISSIONS,
    ...WORKER_QUEUE_PERMISSIONS,
  ]),
  /**
   * The credential report, the revoked-users index, candidates' tags and keys, revoked users' deny, batched
   * restore records, deactivation, and the drift re-revocation of users through the engine.
   */
  keySweep: unique([...SWEEP_PERMISSIONS, ...userRevocation]),
  /** A user, an access key's owner, a person's users, or a role: every forward action. */
  lockdown: unique([
    ...SNAPSHOT_PERMISSIONS,
    ...RESOLVE_PERMISSIONS,
    ...forward(allSteps),
    ...VERIFY_PERMISSIONS,
    ...STATE_PERMISSIONS,
    ...NOTIFY_PERMISSIONS,
  ]),
  /**
   * Every undo, the user re-read that verifies it, the records (read, and a new restore record: a restore
   * never updates a revocation record), the notification.
   */
  restore: unique([
    ...undo(allSteps),
    ...usersOnly(SNAPSHOT_PERMISSIONS),
    ...STATE_PERMISSIONS.filter((a) => a !== 'dynamodb:UpdateItem'),
    ...RESTORE_STATE_PERMISSIONS,
    ...NOTIFY_PERMISSIONS,
  ]),
});
