import * as z from 'zod';
import { ConfigError } from './errors';

/**
 * Configuration, loaded from the environment once per cold start, validated and frozen.
 * Every variable of the public contract is documented here beside its default.
 */
export interface Config {
  /** `NOTIFY_TOPIC_ARN` (required): SNS topic for run reports. */
  readonly notifyTopicArn: string;
  /**
   * `CHAT_TOPIC_ARN` (default empty: none): an SNS topic mapped to Amazon Q Developer in chat applications
   * (Slack, Microsoft Teams). Set, every report is also published there in the chat format (src/notify/chat.ts).
   */
  readonly chatTopicArn: string | undefined;
  /** `STATE_TABLE` (required): DynamoDB table, `pk`/`sk` strings, TTL attribute `expiresAt`. */
  readonly stateTable: string;
  /** `DEPARTURE_QUEUE_URL` (required by hr-webhook): queue between the receiver and the worker. */
  readonly departureQueueUrl: string | undefined;
  /** `WEBHOOK_SECRET_PREFIX` (default `/offboarding/webhook/`): SSM prefix of webhook secrets. */
  readonly webhookSecretPrefix: string;
  /** `DENY_POLICY_ARN` (default AWS managed `AWSDenyAll`): the policy attached first. */
  readonly denyPolicyArn: string;
  /**
   * `DENY_GROUP_NAME` (default empty: no group fallback): an IAM group with `DENY_POLICY_ARN` attached. When a
   * user's managed-policy quota is full, the user is added to it instead (serverless.yml creates it).
   */
  readonly denyGroupName: string | undefined;
  /** `PERSON_TAG_KEYS` (default `employee-id,email`): IAM user tags that name a person. */
  readonly personTagKeys: readonly string[];
  /** `PROTECTED_PRINCIPALS` (default empty): user/role names or ARN globs never touched. */
  readonly protectedPrincipals: readonly string[];
  /** `PROTECTED_TAG_KEY` (default `offboarding:protected`): a principal with this tag = `true` is never touched. */
  readonly protectedTagKey: string;
  /**
   * `PROJECT_ROLE_PREFIX` (default empty; serverless.yml sets `<service>-<stage>-`): roles whose name starts
   * with it are the project's own and never touched.
   */
  readonly projectRolePrefix: string;
  /** `SESSION_REGIONS` (default the function's region): regions scanned for SSM sessions. */
  readonly sessionRegions: readonly string[];
  /** `AWS_REGION`: the function's region. */
  readonly region: string;
  /** `DRY_RUN` (default false): plan only, for every trigger. */
  readonly dryRun: boolean;
  /** `KEY_MAX_AGE_DAYS` (default 90, CIS 1.14). */
  readonly keyMaxAgeDays: number;
  /** `KEY_MAX_IDLE_DAYS` (default 45, CIS 1.12). */
  readonly keyMaxIdleDays: number;
  /** `KEY_WARN_DAYS` (default 14): warn this many days before a key expires. */
  readonly keyWarnDays: number;
  /** `SWEEP_MODE` (default `report`): `report` warns only, `enforce` deactivates. */
  readonly sweepMode: 'report' | 'enforce';
  /** `SWEEP_MAX_ACTIONS` (default 25): the sweep halts rather than deactivate more keys than this. */
  readonly sweepMaxActions: number;
  /** `SWEEP_MAX_FRACTION` (default 0.2): ...or more than this fraction of the account's active keys. */
  readonly sweepMaxFraction: number;
  /**
   * `SWEEP_MAX_DRIFT` (default 5): the sweep halts rather than re-revoke more revoked users found drifted (an
   * Active key again, or the deny gone) than this in one run; protected users never count.
   */
  readonly sweepMaxDrift: number;
  /** `MAX_CONCURRENCY` (default 4): parallel AWS writes within one revocation after the deny. */
  readonly maxConcurrency: number;
  /**
   * `TARGET_ACCOUNTS` (default `self`): the accounts departures and sweeps reach. `self` is the function's own
   * account only (no fan-out); `organization` every ACTIVE account of the organization; or a list of ids.
   */
  readonly targetAccounts: TargetAccounts;
  /** `EXCLUDED_ACCOUNTS` (default empty): account ids never targeted, whatever `TARGET_ACCOUNTS` says. */
  readonly excludedAccounts: readonly string[];
  /** `MEMBER_ROLE_NAME` (default `offboarding-member`): the role assumed in each other target account. */
  readonly memberRoleName: string;
  /** `ORG_ROLE_ARN` (default empty: own credentials): role assumed to list the organization's accounts. */
  readonly orgRoleArn: string | undefined;
  /** `ACCOUNT_QUEUE_URL` (required unless `TARGET_ACCOUNTS=self`): the per-account work queue. */
  readonly accountQueueUrl: string | undefined;
  /**
   * `IDENTITY_STORE_ID` and `SSO_INSTANCE_ARN` (default empty; both or neither): with both set, a person's
   * Identity Center user is revoked too; with neither, no identitystore or sso-admin call is ever made.
   */
  readonly identityStoreId: string | undefined;
  readonly ssoInstanceArn: string | undefined;
  /** `IDC_ROLE_ARN` (default empty: own credentials): role assumed for the identitystore and sso-admin calls. */
  readonly idcRoleArn: string | undefined;
  /** `IDC_REGION` (default the function's region): the Identity Center instance's region. */
  readonly idcRegion: string;
  /** `SCHEDULE_GROUP` (default `offboarding`): the EventBridge Scheduler group of departures scheduled ahead. */
  readonly scheduleGroup: string;
  /**
   * `SCHEDULER_ROLE_ARN` (required when scheduling; default empty): the role EventBridge Scheduler assumes to
   * send a scheduled departure to the departure queue. Empty, no departure is scheduled: each is revoked on
   * receipt, as before scheduling existed (the report says so).
   */
  readonly schedulerRoleArn: string | undefined;
  /** `SCHEDULE_MIN_LEAD_MINUTES` (default 15): a departure effective further ahead than this is scheduled. */
  readonly scheduleMinLeadMinutes: number;
  /**
   * `FOLLOW_UP_MINUTES` (default `15,60`; set but empty: none): the CloudTrail follow-ups scheduled after a
   * revocation that changed something, in minutes after it (whole minutes, 1 to 1440, sorted, unique).
   */
  readonly followUpMinutes: readonly number[];
  /**
   * `FOLLOW_UP_FUNCTION_ARN` (default empty; `serverless.yml` sets the stack's `followUp` function): the target of
   * the follow-up schedules. Empty (or `SCHEDULER_ROLE_ARN` empty), no follow-up is scheduled.
   */
  readonly followUpFunctionArn: string | undefined;
}

/** Which accounts a departure or sweep reaches (`TARGET_ACCOUNTS`). */
export type TargetAccounts =
  | { readonly kind: 'self' }
  | { readonly kind: 'organization' }
  | { readonly kind: 'list'; readonly accountIds: readonly string[] };

/** True when work fans out over accounts through the account queue (anything but `self`). */
export const fansOut = (config: Pick<Config, 'targetAccounts'>): boolean =>
  config.targetAccounts.kind !== 'self';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
const accountId = z.string().regex(/^\d{12}$/, 'must be 12-digit account ids');
const accountList = list('').pipe(z.array(accountId));
const targetAccounts = z
  .string()
  .default('self')
  .transform((v, ctx): TargetAccounts => {
    const value = v.trim();
    if (value === 'self' || value === 'organization') return { kind: value };
    const ids = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = ids.filter((id) => !/^\d{12}$/.test(id));
    if (!ids.length || bad.length) {
      ctx.addIssue({
        code: 'custom',
        message: `must be self, organization or a comma list of 12-digit account ids${bad.length ? ` (not: ${bad.join(', ')})` : ''}`,
      });
      return z.NEVER;
    }
    return { kind: 'list', accountIds: [...new Set(ids)] };
  });
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

const schema = z.object({
  NOTIFY_TOPIC_ARN: z.string().min(1, 'is required'),
  CHAT_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/, 'must be an SNS topic ARN')
    .optional(),
  STATE_TABLE: z.string().min(1, 'is required'),
  DEPARTURE_QUEUE_URL: z.string().min(1).optional(),
  WEBHOOK_SECRET_PREFIX: z.string().min(1).default('/offboarding/webhook/'),
  DENY_POLICY_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::(aws|\d{12}):policy\/.+$/, 'must be an IAM policy ARN')
    .default('arn:aws:iam::aws:policy/AWSDenyAll'),
  // IAM group names: 1-128 of letters, digits and +=,.@_- (no path: the group is found by name).
  DENY_GROUP_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{1,128}$/, 'must be an IAM group name (letters, digits, +=,.@_-; at most 128)')
    .optional(),
  PERSON_TAG_KEYS: list('employee-id,email'),
  PROTECTED_PRINCIPALS: list(''),
  PROTECTED_TAG_KEY: z.string().min(1).default('offboarding:protected'),
  PROJECT_ROLE_PREFIX: z.string().default(''),
  SESSION_REGIONS: list(''),
  AWS_REGION: z.string().min(1, 'is required'),
  DRY_RUN: bool,
  KEY_MAX_AGE_DAYS: nonNegativeInt(90),
  KEY_MAX_IDLE_DAYS: nonNegativeInt(45),
  KEY_WARN_DAYS: nonNegativeInt(14),
  SWEEP_MODE: z.enum(['report', 'enforce']).default('report'),
  SWEEP_MAX_ACTIONS: nonNegativeInt(25),
  SWEEP_MAX_FRACTION: z.coerce.number().min(0).max(1).default(0.2),
  SWEEP_MAX_DRIFT: nonNegativeInt(5),
  MAX_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  TARGET_ACCOUNTS: targetAccounts,
  EXCLUDED_ACCOUNTS: accountList,
  // IAM role names: 1-64 of letters, digits and +=,.@_-.
  MEMBER_ROLE_NAME: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name')
    .default('offboarding-member'),
  ORG_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  ACCOUNT_QUEUE_URL: z.string().min(1).optional(),
  IDENTITY_STORE_ID: z
    .string()
    .regex(
      /^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
      'must be an identity store id (d-...)',
    )
    .optional(),
  SSO_INSTANCE_ARN: z
    .string()
    .regex(
      /^arn:aws[\w-]*:sso:::instance\/(sso)?ins-[a-zA-Z0-9-.]{16}$/,
      'must be an IAM Identity Center instance ARN',
    )
    .optional(),
  IDC_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  IDC_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region')
    .optional(),
  // EventBridge Scheduler group names: 1-64 of letters, digits, - _ and .
  SCHEDULE_GROUP: z
    .string()
    .regex(/^[0-9a-zA-Z-_.]{1,64}$/, 'must be a schedule group name (letters, digits, -_.; at most 64)')
    .default('offboarding'),
  SCHEDULER_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  SCHEDULE_MIN_LEAD_MINUTES: nonNegativeInt(15),
  FOLLOW_UP_FUNCTION_ARN: z
    .string()
    .regex(/^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,64}$/, 'must be a Lambda function ARN')
    .optional(),
});

/** The default of `FOLLOW_UP_MINUTES`: a follow-up 15 minutes after a revocation, another after an hour. */
export const DEFAULT_FOLLOW_UP_MINUTES = '15,60';

/**
 * `FOLLOW_UP_MINUTES`: unset is the default; set but empty disables follow-ups (the one variable where empty is
 * not unset: a deployment turns them off with `followUpMinutes: ''`). Returns the minutes or a problem.
 */
function followUpMinutes(raw: string | undefined): readonly number[] | string {
  const value = raw === undefined ? DEFAULT_FOLLOW_UP_MINUTES : raw.trim();
  if (value === '') return [];
  const parts = value.split(',').map((s) => s.trim());
  const bad = parts.filter((p) => !/^\d{1,4}$/.test(p) || Number(p) < 1 || Number(p) > 1440);
  if (bad.length) {
    return `Environment variable FOLLOW_UP_MINUTES must be a comma list of whole minutes from 1 to 1440 (not: ${bad.join(', ')})`;
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/**
 * Keys that are optional in the contract but required by a given handler. `ACCOUNT_QUEUE_URL` is required
 * only unless `TARGET_ACCOUNTS=self` (the functions that fan out: the departure worker, the key sweep).
 */
export type RequiredKey = 'DEPARTURE_QUEUE_URL' | 'ACCOUNT_QUEUE_URL';

/**
 * Loads and validates the configuration. Empty strings count as unset.
 * @throws ConfigError naming every missing or invalid variable.
 * @example
 * const config = loadConfig(process.env, ['DEPARTURE_QUEUE_URL']);
 */
export function loadConfig(
  env: Record<string, string | undefined>,
  require: readonly RequiredKey[] = [],
): Config {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const parsed = schema.safeParse(cleaned);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      const message =
        issue.code === 'invalid_type' && cleaned[key] === undefined ? 'is required' : issue.message;
      problems.push(`Environment variable ${key} ${message}`);
    }
  }
  if (!cleaned.IDENTITY_STORE_ID !== !cleaned.SSO_INSTANCE_ARN) {
    problems.push(
      'Environment variables IDENTITY_STORE_ID and SSO_INSTANCE_ARN must be set together (Identity Center) or both left empty',
    );
  }
  const followUps = followUpMinutes(env.FOLLOW_UP_MINUTES);
  if (typeof followUps === 'string') problems.push(followUps);
  const self = !parsed.success || parsed.data.TARGET_ACCOUNTS.kind === 'self';
  for (const key of require) {
    if (key === 'ACCOUNT_QUEUE_URL' && self) continue;
    if (!cleaned[key]) {
      problems.push(
        `Environment variable ${key} is required${key === 'ACCOUNT_QUEUE_URL' ? ' unless TARGET_ACCOUNTS=self' : ''}`,
      );
    }
  }
  if (!parsed.success || problems.length || typeof followUps === 'string') {
    throw new ConfigError(problems.join('; '));
  }
  const e = parsed.data;
  return Object.freeze({
    notifyTopicArn: e.NOTIFY_TOPIC_ARN,
    chatTopicArn: e.CHAT_TOPIC_ARN,
    stateTable: e.STATE_TABLE,
    departureQueueUrl: e.DEPARTURE_QUEUE_URL,
    webhookSecretPrefix: e.WEBHOOK_SECRET_PREFIX,
    denyPolicyArn: e.DENY_POLICY_ARN,
    denyGroupName: e.DENY_GROUP_NAME,
    personTagKeys: Object.freeze(e.PERSON_TAG_KEYS),
    protectedPrincipals: Object.freeze(e.PROTECTED_PRINCIPALS),
    protectedTagKey: e.PROTECTED_TAG_KEY,
    projectRolePrefix: e.PROJECT_ROLE_PREFIX,
    sessionRegions: Object.freeze(e.SESSION_REGIONS.length ? e.SESSION_REGIONS : [e.AWS_REGION]),
    region: e.AWS_REGION,
    dryRun: e.DRY_RUN,
    keyMaxAgeDays: e.KEY_MAX_AGE_DAYS,
    keyMaxIdleDays: e.KEY_MAX_IDLE_DAYS,
    keyWarnDays: e.KEY_WARN_DAYS,
    sweepMode: e.SWEEP_MODE,
    sweepMaxActions: e.SWEEP_MAX_ACTIONS,
    sweepMaxFraction: e.SWEEP_MAX_FRACTION,
    sweepMaxDrift: e.SWEEP_MAX_DRIFT,
    maxConcurrency: e.MAX_CONCURRENCY,
    targetAccounts: Object.freeze(e.TARGET_ACCOUNTS),
    excludedAccounts: Object.freeze(e.EXCLUDED_ACCOUNTS),
    memberRoleName: e.MEMBER_ROLE_NAME,
    orgRoleArn: e.ORG_ROLE_ARN,
    accountQueueUrl: e.ACCOUNT_QUEUE_URL,
    identityStoreId: e.IDENTITY_STORE_ID,
    ssoInstanceArn: e.SSO_INSTANCE_ARN,
    idcRoleArn: e.IDC_ROLE_ARN,
    idcRegion: e.IDC_REGION ?? e.AWS_REGION,
    scheduleGroup: e.SCHEDULE_GROUP,
    schedulerRoleArn: e.SCHEDULER_ROLE_ARN,
    scheduleMinLeadMinutes: e.SCHEDULE_MIN_LEAD_MINUTES,
    followUpMinutes: Object.freeze(followUps),
    followUpFunctionArn: e.FOLLOW_UP_FUNCTION_ARN,
  });
}
