import { DRY_RUN_DEPARTURES_PK, DRY_RUN_PERMISSIONS } from '../src/departures/dry-run';
import {
  DEPARTURE_IDEMPOTENCY_PK,
  EVENT_SOURCE_PERMISSIONS,
  IDEMPOTENCY_PERMISSIONS,
} from '../src/departures/worker';
import {
  actions,
  KEY_DEACTIVATION_PERMISSIONS,
  RESOLVE_PERMISSIONS,
  RESTORE_STATE_PERMISSIONS,
  SNAPSHOT_PERMISSIONS,
  STATE_PARTITIONS,
  STATE_PERMISSIONS,
  type StepType,
  VERIFY_PERMISSIONS,
} from '../src/engine';
import { NOTIFY_PERMISSIONS } from '../src/notify';
import { CREDENTIAL_REPORT_PERMISSIONS } from '../src/sweep/credential-report';
import { DRIFT_PERMISSIONS } from '../src/sweep/drift';
import { RECHECK_PERMISSIONS } from '../src/sweep/recheck';
import { USER_TAGS_PERMISSIONS } from '../src/sweep/users';
import { QUEUE_PERMISSIONS } from '../src/webhooks/queue';
import { SECRET_PERMISSIONS } from '../src/webhooks/secrets';

/**
 * The deployment manifest: the IAM actions each function's code path calls, collected from what the code
 * declares one way, on the action or module that makes the call (each engine action's `permissions` and
 * `undo.permissions`, each module's `*_PERMISSIONS`). `serverless.yml` grants exactly these to each function's
 * role (besides writing its own logs), and test/unit/infra/template.test.ts proves it from the packaged template.
 * Outside src/: never bundled in a handler.
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

const allSteps = Object.keys(actions) as StepType[];
const forward = (steps: readonly StepType[]): string[] => steps.flatMap((t) => actions[t].permissions);
const undo = (steps: readonly StepType[]): string[] =>
  steps.flatMap((t) => {
    const action: { readonly undo?: { readonly permissions: readonly string[] } } = actions[t];
    return action.undo?.permissions ?? [];
  });

const unique = (list: readonly string[]): readonly string[] => Object.freeze([...new Set(list)].sort());
const usersOnly = (list: readonly string[]): string[] => list.filter((a) => !isRoleApi(a));

/** A revocation of users (snapshot, deny first, every user step, verify, record), and its notification. */
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
  hrWebhook: unique([...SECRET_PERMISSIONS, ...QUEUE_PERMISSIONS]),
  /** A departure: the person's users by tags (account authorization details), each user revoked. */
  revocationWorker: unique([
    ...userRevocation,
    ...RESOLVE_PERMISSIONS,
    ...IDEMPOTENCY_PERMISSIONS,
    ...DRY_RUN_PERMISSIONS,
    ...EVENT_SOURCE_PERMISSIONS,
  ]),
  /**
   * The credential report, the revoked-users index, candidates' tags and keys, revoked users' deny, the key
   * deactivations through the engine (batched records), and the drift re-revocation of users through it.
   */
  keySweep: unique([
    ...CREDENTIAL_REPORT_PERMISSIONS,
    ...USER_TAGS_PERMISSIONS,
    ...RECHECK_PERMISSIONS,
    ...DRIFT_PERMISSIONS,
    ...KEY_DEACTIVATION_PERMISSIONS,
    ...userRevocation,
  ]),
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

const { userRecords, roleRecords, revokedIndex } = STATE_PARTITIONS;

/**
 * Per function, the sorted state-table partitions (`pk` values, as `dynamodb:LeadingKeys` patterns) its code
 * path reads and writes; `serverless.yml` limits each function's DynamoDB statement to exactly these
 * (`ForAllValues:StringLike` `dynamodb:LeadingKeys`), and test/unit/infra/template.test.ts proves it.
 * @example
 * FUNCTION_PARTITIONS.keySweep; // ['index#revoked-users', 'principal#user#*']
 */
export const FUNCTION_PARTITIONS: Readonly<Record<FunctionName, readonly string[]>> = Object.freeze({
  /** No DynamoDB at all. */
  hrWebhook: unique([]),
  /**
   * The users' records and the revoked index (the engine), the departure idempotency records (Powertools),
   * the departures kept in dry run.
   */
  revocationWorker: unique([userRecords, revokedIndex, DEPARTURE_IDEMPOTENCY_PK, DRY_RUN_DEPARTURES_PK]),
  /** The revoked index (drift check, re-revocation), the users' records (key deactivations, re-revocation). */
  keySweep: unique([revokedIndex, userRecords]),
  /** Users' and roles' records, the revoked index (a user's lockdown enters it). */
  lockdown: unique([userRecords, roleRecords, revokedIndex]),
  /** Users' and roles' records (the history read, the restore record), the revoked index (a user leaves it). */
  restore: unique([userRecords, roleRecords, revokedIndex]),
});
