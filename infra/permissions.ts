import {
  ACCESS_PERMISSIONS,
  COVERAGE_PARTITION,
  COVERAGE_PERMISSIONS,
  TARGET_PERMISSIONS,
} from '../src/accounts';
import { ACCOUNT_WORK_IDEMPOTENCY_PK, ACCOUNT_WORKER_PERMISSIONS } from '../src/accounts/worker';
import { DRY_RUN_DEPARTURES_PK, DRY_RUN_PERMISSIONS } from '../src/departures/dry-run';
import {
  SCHEDULE_PERMISSIONS,
  SCHEDULED_DEPARTURES_PK,
  SCHEDULED_STATE_PERMISSIONS,
} from '../src/departures/schedule';
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
import {
  FOLLOW_UP_PK_PREFIX,
  FOLLOW_UP_SCHEDULE_PERMISSIONS,
  FOLLOW_UP_TARGET_PERMISSIONS,
} from '../src/follow-up';
import { LOOKUP_PERMISSIONS } from '../src/follow-up/lookup';
import { FOLLOW_UP_STATE_PERMISSIONS, KEY_LAST_USED_PERMISSIONS } from '../src/follow-up/run';
import {
  IDC_DRIFT_PERMISSIONS,
  IDC_RESTORE_PERMISSIONS,
  IDC_REVOKE_PERMISSIONS,
  IDC_STATE_PARTITIONS,
} from '../src/identity-center';
import { NOTIFY_PERMISSIONS } from '../src/notify';
import { CREDENTIAL_REPORT_PERMISSIONS } from '../src/sweep/credential-report';
import { DRIFT_PERMISSIONS } from '../src/sweep/drift';
import { RECHECK_PERMISSIONS } from '../src/sweep/recheck';
import { USER_TAGS_PERMISSIONS } from '../src/sweep/users';
import { SEND_PERMISSIONS } from '../src/util/queue';
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
export const FUNCTION_NAMES = [
  'hrWebhook',
  'revocationWorker',
  'keySweep',
  'lockdown',
  'restore',
  'accountWorker',
  'followUp',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The functions whose code assumes `MEMBER_ROLE_NAME` in another account (src/accounts/access.ts `open`): the
 * account worker (every work item of another account), lockdown and restore (a request naming `accountId`).
 * Only these are granted `sts:AssumeRole` on the member role, and the member role (deploy/member-role.yml)
 * grants what these do inside an account (infra/member-permissions.ts). The departure worker and the key sweep
 * never act in another account themselves: they queue its work for the account worker.
 */
export const MEMBER_ROLE_FUNCTIONS: readonly FunctionName[] = Object.freeze([
  'accountWorker',
  'lockdown',
  'restore',
  'followUp',
]);

/**
 * The functions that schedule the CloudTrail follow-ups of the runs they revoke (src/follow-up/schedule.ts): the
 * departure worker (a departure revoked in one account), the key sweep (a drift re-revocation), lockdown, and the
 * account worker (its share of a departure over several accounts, or a sweep's drift re-revocation). Their schedules run as the scheduler role, which they pass to Scheduler.
 */
export const FOLLOW_UP_SCHEDULERS: readonly FunctionName[] = Object.freeze([
  'revocationWorker',
  'keySweep',
  'lockdown',
  'accountWorker',
]);

/** Scheduling a run's follow-ups: its targets recorded, then its one-time schedules (passing the scheduler role). */
const followUpScheduling = [...FOLLOW_UP_TARGET_PERMISSIONS, ...FOLLOW_UP_SCHEDULE_PERMISSIONS];

/**
 * The follow-up partition pattern: `followup#<runId>` of every run (the run ids are not known in advance).
 */
export const FOLLOW_UP_PARTITION = `${FOLLOW_UP_PK_PREFIX}*`;

/**
 * The functions that list the organization's accounts (src/accounts/targets.ts `targetAccounts`, with
 * `TARGET_ACCOUNTS=organization`): the fan-out of departures and sweeps, and a person's lockdown over every
 * target account (src/operator/across.ts). Each lists them with its own credentials or through `ORG_ROLE_ARN`
 * ({@link ORG_ROLE_DEPENDENT}).
 */
export const ACCOUNT_LISTERS: readonly FunctionName[] = Object.freeze([
  'revocationWorker',
  'keySweep',
  'lockdown',
]);

/**
 * AWS APIs the code calls that need no IAM permission, so no role is granted them and none declares them:
 * `sts:GetCallerIdentity` (src/accounts/access.ts: the function's own account id and partition, in every
 * function that builds `accountAccess`). AWS: "No permissions are required to perform this operation. If an
 * administrator attaches a policy to your identity that explicitly denies access to the
 * sts:GetCallerIdentity action, you can still perform this operation" (STS API reference, GetCallerIdentity).
 * test/unit/infra/template.test.ts lets a bundle call these ungranted, and proves no role names them.
 */
export const NEEDS_NO_GRANT: readonly string[] = Object.freeze(['sts:GetCallerIdentity']);

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

/**
 * What publishing on the stack's topics takes besides `sns:Publish`: they are encrypted with the stack's customer
 * managed key (serverless.yml resources.TopicKey), and SNS encrypts each message with the publisher's own
 * permission on it (called by SNS for the function, never by its code).
 */
export const TOPIC_KEY_PERMISSIONS = Object.freeze(['kms:GenerateDataKey', 'kms:Decrypt']);
/** A run's notification: the publish and the topic key. */
const notifying = [...NOTIFY_PERMISSIONS, ...TOPIC_KEY_PERMISSIONS];

/**
 * X-Ray segments of every function (serverless.yml `tracing.lambda`: Active; Powertools Tracer, src/middleware.ts),
 * sent by the Lambda runtime with the function's role.
 */
export const TRACING_PERMISSIONS = Object.freeze(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
const usersOnly = (list: readonly string[]): string[] => list.filter((a) => !isRoleApi(a));

/** A revocation of users (snapshot, deny first, every user step, verify, record), and its notification. */
const userRevocation = usersOnly([
  ...SNAPSHOT_PERMISSIONS,
  ...forward(allSteps.filter((t) => !ROLE_ONLY_STEPS.includes(t))),
  ...STATE_PERMISSIONS,
  ...notifying,
]);

/**
 * One account's key sweep: the credential report, the revoked-users index, candidates' tags and keys, revoked
 * users' deny, the key deactivations through the engine (batched records), and the drift re-revocation of
 * users through it.
 */
const accountSweep = [
  ...CREDENTIAL_REPORT_PERMISSIONS,
  ...USER_TAGS_PERMISSIONS,
  ...RECHECK_PERMISSIONS,
  ...DRIFT_PERMISSIONS,
  ...KEY_DEACTIVATION_PERMISSIONS,
  ...userRevocation,
];

/**
 * A fan-out over the target accounts (`TARGET_ACCOUNTS` other than `self`, src/accounts/fanout.ts): the
 * organization's accounts listed (`organizations:ListAccounts`, through `sts:AssumeRole` of `ORG_ROLE_ARN` when
 * it is set), one work item per account queued on the account queue (`sqs:SendMessage`).
 */
const fanOut = [...TARGET_PERMISSIONS, ...ACCESS_PERMISSIONS, ...SEND_PERMISSIONS];

/**
 * The account worker's own calls beyond the engine's and the sweep's, as src/accounts/worker.ts declares them
 * (its idempotency records and the queue's RedrivePolicy), and what its SQS event source needs.
 */
const accountWorkerOwn = [...ACCOUNT_WORKER_PERMISSIONS, ...EVENT_SOURCE_PERMISSIONS];

/**
 * The functions that revoke an Identity Center user (src/identity-center `revokeIdentityCenterUser`, when
 * `IDENTITY_STORE_ID` and `SSO_INSTANCE_ARN` are set): the departure worker (a departure revokes the person's
 * Identity Center user beside their IAM users; over several accounts, once, in the central account), the key
 * sweep (the drift re-check of revoked Identity Center users, once per sweep, and their re-revocation in enforce
 * mode: src/sweep/identity-center.ts) and lockdown (`identityCenterUser`, or a person's). The account worker never
 * does: the instance is organization-wide.
 */
export const IDC_REVOKERS: readonly FunctionName[] = Object.freeze([
  'revocationWorker',
  'keySweep',
  'lockdown',
]);
/** The function that restores an Identity Center user's run (`restoreIdentityCenterUser`). */
export const IDC_RESTORERS: readonly FunctionName[] = Object.freeze(['restore']);

/**
 * The Identity Center path's actions of `fn`: a revocation (the sweep's also reads every revoked user's access
 * first, `IDC_DRIFT_PERMISSIONS`), a restore, or none.
 */
function identityCenterPath(fn: FunctionName): readonly string[] {
  if (fn === 'keySweep') return unique([...IDC_DRIFT_PERMISSIONS, ...IDC_REVOKE_PERMISSIONS]);
  if (IDC_REVOKERS.includes(fn)) return IDC_REVOKE_PERMISSIONS;
  if (IDC_RESTORERS.includes(fn)) return IDC_RESTORE_PERMISSIONS;
  return [];
}

/** The Identity Center services' actions (identitystore, sso-admin's `sso:`), signed by `IDC_ROLE_ARN` when set. */
const isIdcServiceAction = (action: string): boolean => /^(identitystore|sso):/.test(action);

/** Every function's actions, with what each one's runtime needs beside its path ({@link TRACING_PERMISSIONS}). */
const traced = (
  byFunction: Readonly<Record<FunctionName, readonly string[]>>,
): Readonly<Record<FunctionName, readonly string[]>> =>
  Object.freeze(
    Object.fromEntries(
      FUNCTION_NAMES.map((fn) => [fn, unique([...byFunction[fn], ...TRACING_PERMISSIONS])]),
    ) as Record<FunctionName, readonly string[]>,
  );

/** Per function, the IAM actions its code path calls with Identity Center off (the organization's in). */
const WITHOUT_IDENTITY_CENTER: Readonly<Record<FunctionName, readonly string[]>> = traced({
  /** Verify (secret from SSM), normalize, queue. No IAM at all. */
  hrWebhook: unique([...SECRET_PERMISSIONS, ...QUEUE_PERMISSIONS]),
  /**
   * A departure: the person's users by tags (account authorization details), each user revoked; or, over
   * several accounts, the fan-out and the departure's coverage header (`startCoverage` PutItem, `readCoverage`
   * Query); or, effective ahead, its record and one-time schedule (`iam:PassRole` of the scheduler role, the
   * departure queue's ARN), and a cancellation's.
   */
  revocationWorker: unique([
    ...userRevocation,
    ...RESOLVE_PERMISSIONS,
    ...IDEMPOTENCY_PERMISSIONS,
    ...DRY_RUN_PERMISSIONS,
    ...EVENT_SOURCE_PERMISSIONS,
    ...fanOut,
    ...COVERAGE_PERMISSIONS,
    ...SCHEDULE_PERMISSIONS,
    ...SCHEDULED_STATE_PERMISSIONS,
    ...followUpScheduling,
  ]),
  /** The account's sweep; or, over several accounts, the fan-out of one sweep work item per account. */
  keySweep: unique([...accountSweep, ...fanOut, ...followUpScheduling]),
  /**
   * A user, an access key's owner, a person's users, or a role: every forward action; in another account
   * (`accountId`) through its member role; a person's users in every target account (the accounts listed);
   * an Identity Center user (`identityCenterUser`, or the person's), when configured.
   */
  lockdown: unique([
    ...SNAPSHOT_PERMISSIONS,
    ...RESOLVE_PERMISSIONS,
    ...forward(allSteps),
    ...VERIFY_PERMISSIONS,
    ...STATE_PERMISSIONS,
    ...notifying,
    ...ACCESS_PERMISSIONS,
    ...TARGET_PERMISSIONS,
    ...followUpScheduling,
  ]),
  /**
   * Every undo, the user re-read that verifies it, the records (read, and a new restore record: a restore
   * never updates a revocation record), the notification; in another account through its member role; an
   * Identity Center user's run, when configured.
   */
  restore: unique([
    ...undo(allSteps),
    ...usersOnly(SNAPSHOT_PERMISSIONS),
    ...STATE_PERMISSIONS.filter((a) => a !== 'dynamodb:UpdateItem'),
    ...RESTORE_STATE_PERMISSIONS,
    ...notifying,
    ...ACCESS_PERMISSIONS,
  ]),
  /**
   * One account's share of a departure (the person's users there revoked, as the departure worker would) or
   * of a sweep, through the account's member role (or its own credentials at home); the run's coverage
   * (`recordAccount`, `claimNotification`, `releaseNotification` UpdateItem, `readCoverage` Query) and its
   * completion and dead-letter notifications; its idempotency records and the account queue.
   */
  accountWorker: unique([
    ...userRevocation,
    ...RESOLVE_PERMISSIONS,
    ...accountSweep,
    ...ACCESS_PERMISSIONS,
    ...COVERAGE_PERMISSIONS,
    ...accountWorkerOwn,
    ...followUpScheduling,
  ]),
  /**
   * The CloudTrail follow-up of a run (src/follow-up/run.ts): its targets read and its result recorded, LookupEvents
   * and each key's last use in every account (the member role in another), the notification.
   */
  followUp: unique([
    ...FOLLOW_UP_STATE_PERMISSIONS,
    ...LOOKUP_PERMISSIONS,
    ...KEY_LAST_USED_PERMISSIONS,
    ...ACCESS_PERMISSIONS,
    ...notifying,
  ]),
});

/**
 * Per function, the sorted, de-duplicated IAM actions its code path calls: under every setting of the stack
 * (`orgRoleArn`, Identity Center), the union; what the role holds under one setting is {@link rolePermissions}.
 * @example
 * FUNCTION_PERMISSIONS.hrWebhook; // ['kms:Decrypt', 'sqs:SendMessage', 'ssm:GetParameter', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']
 */
export const FUNCTION_PERMISSIONS: Readonly<Record<FunctionName, readonly string[]>> = Object.freeze(
  Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [fn, unique([...WITHOUT_IDENTITY_CENTER[fn], ...identityCenterPath(fn)])]),
  ) as Record<FunctionName, readonly string[]>,
);

/** What a role holds with `orgRoleArn` empty only (`ownCredentials`), and with it set only (`orgRole`). */
export interface OrgRoleDependent {
  readonly ownCredentials: readonly string[];
  readonly orgRole: readonly string[];
}

/**
 * Declared actions a function's role holds under one setting of the `orgRoleArn` param (`ORG_ROLE_ARN`) only,
 * each granted by serverless.yml through a policy under a CloudFormation condition: an {@link ACCOUNT_LISTERS}
 * lists the organization's accounts with its own credentials when it is empty (`organizations:ListAccounts`),
 * through that one role when it is set (`sts:AssumeRole` on `ORG_ROLE_ARN`, never on anything else), never both
 * (src/accounts/targets.ts `organizationAccounts`). A function that assumes the member role holds
 * `sts:AssumeRole` either way (on the member role; on `ORG_ROLE_ARN` too only when it is set).
 */
export const ORG_ROLE_DEPENDENT: Readonly<Record<FunctionName, OrgRoleDependent>> = Object.freeze(
  Object.fromEntries(
    FUNCTION_NAMES.map((fn): [FunctionName, OrgRoleDependent] => {
      const lists = ACCOUNT_LISTERS.includes(fn);
      const assumesAnyway = MEMBER_ROLE_FUNCTIONS.includes(fn);
      return [
        fn,
        {
          ownCredentials: lists ? [...TARGET_PERMISSIONS] : [],
          orgRole: lists && !assumesAnyway ? [...ACCESS_PERMISSIONS] : [],
        },
      ];
    }),
  ) as Record<FunctionName, OrgRoleDependent>,
);

/** How Identity Center is set up for the stack (the `identityStoreId`, `ssoInstanceArn` and `idcRoleArn` params). */
export type IdentityCenterSetting =
  /** Neither `identityStoreId` nor `ssoInstanceArn`: no Identity Center call at all. */
  | 'off'
  /** Both set, `idcRoleArn` empty: the functions call identitystore and sso-admin with their own roles. */
  | 'ownRole'
  /** Both set and `idcRoleArn`: the functions assume that one role for those calls. */
  | 'idcRole';

/** What a role holds under one Identity Center setting only (besides what it holds under every setting). */
export interface IdentityCenterDependent {
  /**
   * The table actions of the Identity Center records, on {@link IDC_PARTITIONS} only, whenever Identity Center
   * is configured (`ownRole` or `idcRole`): the state table is the stack's own, signed by the function's role
   * either way.
   */
  readonly records: readonly string[];
  /** The identitystore and sso actions of the function's path, with `idcRoleArn` empty (`ownRole`). */
  readonly ownRole: readonly string[];
  /** `sts:AssumeRole` on `IDC_ROLE_ARN` only, with `idcRoleArn` set (`idcRole`): that role makes those calls. */
  readonly idcRole: readonly string[];
}

/**
 * Per function, what its role holds under one Identity Center setting only, each granted by serverless.yml
 * through a policy under a CloudFormation condition on the stack parameters `IdentityStoreId`, `SsoInstanceArn`
 * and `IdcRoleArn` (src/identity-center/deps.ts `identityCenterDeps`: the clients are signed by `IDC_ROLE_ARN`,
 * assumed per run, or by the function's own credentials; none is built when Identity Center is off).
 * @example
 * IDENTITY_CENTER_DEPENDENT.restore.ownRole.includes('sso:CreateAccountAssignment'); // true
 * IDENTITY_CENTER_DEPENDENT.accountWorker; // { records: [], ownRole: [], idcRole: [] }
 */
export const IDENTITY_CENTER_DEPENDENT: Readonly<Record<FunctionName, IdentityCenterDependent>> =
  Object.freeze(
    Object.fromEntries(
      FUNCTION_NAMES.map((fn): [FunctionName, IdentityCenterDependent] => {
        const path = identityCenterPath(fn);
        return [
          fn,
          {
            records: path.filter((a) => a.startsWith('dynamodb:')),
            ownRole: path.filter(isIdcServiceAction),
            idcRole: path.length > 0 ? [...ACCESS_PERMISSIONS] : [],
          },
        ];
      }),
    ) as Record<FunctionName, IdentityCenterDependent>,
  );

/** A setting of the stack: `orgRoleArn` set or not, and Identity Center (off when not given). */
export interface StackSetting {
  readonly orgRoleArn: boolean;
  readonly identityCenter?: IdentityCenterSetting;
}

/**
 * The actions `fn`'s role holds as deployed under `setting`: what it holds under every setting (its path with
 * Identity Center off, less what only one `orgRoleArn` setting needs), plus the {@link ORG_ROLE_DEPENDENT} and
 * {@link IDENTITY_CENTER_DEPENDENT} sets whose setting is in force. An action in both (lockdown's
 * `sts:AssumeRole`, the departure worker's `dynamodb:PutItem`) is held whenever either grants it.
 * @example
 * rolePermissions('keySweep', { orgRoleArn: false }).includes('sts:AssumeRole'); // false
 * rolePermissions('restore', { orgRoleArn: false, identityCenter: 'idcRole' }).includes('sso:CreateAccountAssignment'); // false
 */
export function rolePermissions(fn: FunctionName, setting: StackSetting): readonly string[] {
  const { ownCredentials, orgRole } = ORG_ROLE_DEPENDENT[fn];
  const { records, ownRole, idcRole } = IDENTITY_CENTER_DEPENDENT[fn];
  const identityCenter = setting.identityCenter ?? 'off';
  const always = WITHOUT_IDENTITY_CENTER[fn].filter(
    (a) => !ownCredentials.includes(a) && !orgRole.includes(a),
  );
  const held = new Set([
    ...always,
    ...(setting.orgRoleArn ? orgRole : ownCredentials),
    ...(identityCenter !== 'off' ? records : []),
    ...(identityCenter === 'ownRole' ? ownRole : []),
    ...(identityCenter === 'idcRole' ? idcRole : []),
  ]);
  return FUNCTION_PERMISSIONS[fn].filter((a) => held.has(a));
}

const { userRecords, roleRecords, revokedIndex, accountRecords } = STATE_PARTITIONS;
/**
 * The same partition of another target account's records: the engine keeps them under `account#<id>#<pk>`
 * (src/engine/state.ts `accountPrefix`), so `account#*#principal#user#*` holds other accounts' users' records and
 * nothing else of theirs. Narrower than `STATE_PARTITIONS.accountRecords` (`account#*`, every record of every
 * other account): a role gets another account's partitions of the kinds it has at home, no more.
 * @example
 * ofOtherAccounts('index#revoked-users'); // 'account#*#index#revoked-users'
 */
export const ofOtherAccounts = (partition: string): string => `${accountRecords}#${partition}`;

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
   * the departures kept in dry run, the coverage of a departure fanned out over accounts (its header), the
   * departures scheduled ahead.
   */
  revocationWorker: unique([
    userRecords,
    revokedIndex,
    DEPARTURE_IDEMPOTENCY_PK,
    DRY_RUN_DEPARTURES_PK,
    COVERAGE_PARTITION,
    SCHEDULED_DEPARTURES_PK,
    FOLLOW_UP_PARTITION,
  ]),
  /** The revoked index (drift check, re-revocation), the users' records (key deactivations, re-revocation). */
  keySweep: unique([revokedIndex, userRecords, FOLLOW_UP_PARTITION]),
  /** Users' and roles' records, the revoked index (a user's lockdown enters it); the same of other accounts. */
  lockdown: unique([
    userRecords,
    roleRecords,
    revokedIndex,
    ...[userRecords, roleRecords, revokedIndex].map(ofOtherAccounts),
    FOLLOW_UP_PARTITION,
  ]),
  /**
   * Users' and roles' records (the history read, the restore record), the revoked index (a user leaves it);
   * the same of other accounts.
   */
  restore: unique([
    userRecords,
    roleRecords,
    revokedIndex,
    ...[userRecords, roleRecords, revokedIndex].map(ofOtherAccounts),
  ]),
  /**
   * The users' records and the revoked index, at home and of other accounts (departures and sweeps revoke
   * users only), the runs' coverage, its idempotency records (Powertools).
   */
  accountWorker: unique([
    userRecords,
    revokedIndex,
    ofOtherAccounts(userRecords),
    ofOtherAccounts(revokedIndex),
    COVERAGE_PARTITION,
    ACCOUNT_WORK_IDEMPOTENCY_PK,
    FOLLOW_UP_PARTITION,
  ]),
  /** The runs' follow-up targets (read) and results (written). */
  followUp: unique([FOLLOW_UP_PARTITION]),
});

const { userRecords: idcUserRecords, revokedUsers, permissionSetLocks } = IDC_STATE_PARTITIONS;
/** The state-table partitions of an Identity Center revocation and of its restore (src/identity-center/state.ts, lock.ts). */
const IDC_PATH_PARTITIONS = {
  /**
   * The user's revocation record (`principal#idc-user#<id>`: put, completed), the revoked-id entry (put; the
   * entries read to prune the managed statement, and by the sweep's drift check), each permission set's lock
   * (put, deleted by its owner).
   */
  revoke: unique([idcUserRecords, revokedUsers, permissionSetLocks]),
  /**
   * The user's history read and the restore record (`principal#idc-user#<id>`), the revoked-id entry removed
   * once no unrestored run remains, each permission set's lock while the id is lifted.
   */
  restore: unique([idcUserRecords, revokedUsers, permissionSetLocks]),
} as const;

/**
 * Per function, the sorted state-table partitions of its Identity Center path, granted only when Identity
 * Center is configured (a table statement of their own, `records` of {@link IDENTITY_CENTER_DEPENDENT}, under
 * the same `dynamodb:LeadingKeys` condition as {@link FUNCTION_PARTITIONS}); none for a function without one.
 * @example
 * IDC_PARTITIONS.lockdown; // ['idc#revoked-users', 'lock#permission-set', 'principal#idc-user#*']
 */
export const IDC_PARTITIONS: Readonly<Record<FunctionName, readonly string[]>> = Object.freeze(
  Object.fromEntries(
    FUNCTION_NAMES.map((fn) => [
      fn,
      IDC_REVOKERS.includes(fn)
        ? IDC_PATH_PARTITIONS.revoke
        : IDC_RESTORERS.includes(fn)
          ? IDC_PATH_PARTITIONS.restore
          : unique([]),
    ]),
  ) as Record<FunctionName, readonly string[]>,
);
