import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { FUNCTION_NAMES, FUNCTION_PERMISSIONS, type FunctionName } from '../../infra/permissions';
import { loadConfig } from '../../src/config';

/**
 * Proves the least-privilege properties of serverless.yml from the CloudFormation template it packages to
 * (offline: scripts/package.mjs, which also runs cfn-lint). The template is what CloudFormation deploys, so
 * the roles checked here are the roles the functions get, including what the plugins add.
 */

const repo = resolve(__dirname, '../..');
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** APIs that accept no resource but `*` (IAM account-level reads; DescribeSessions has no resource type). */
const REQUIRES_STAR_RESOURCE = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountAuthorizationDetails',
  'ssm:DescribeSessions',
]);

/** What the framework gives every function role besides its statements: writing its own log group. */
const LOG_ACTIONS = new Set(['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | string[];
  readonly NotAction?: Json;
  readonly Resource?: Json;
  readonly NotResource?: Json;
  readonly Condition?: Record<string, Record<string, Json>>;
}

interface CfnResource {
  readonly Type: string;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Properties: JsonObject;
}

interface Template {
  readonly Parameters?: Record<string, JsonObject>;
  readonly Conditions?: Record<string, Json>;
  readonly Resources: Record<string, CfnResource>;
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const obj = (v: Json | undefined): JsonObject => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`not an object: ${String(v)}`);
  return v;
};

/** IAM's action matching: case-insensitive, `*` and `?` wildcards. */
function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    'i',
  );
  return re.test(action);
}

/** ARN matching (case-sensitive, `*` and `?` wildcards). */
function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
  );
  return re.test(arn);
}

/**
 * A resource value as text: pseudo parameters substituted in `Fn::Sub`/`Fn::Join`, `ref:<id>` and
 * `getatt:<id>.<attr>` for the stack's own resources.
 */
function resolveValue(v: Json): string {
  if (typeof v === 'string') return v;
  const o = obj(v);
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': ACCOUNT,
    'AWS::Region': REGION,
  };
  if (typeof o['Fn::Sub'] === 'string') {
    return o['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
      const value = pseudo[name];
      if (value === undefined) throw new Error(`unexpected \${${name}} in ${o['Fn::Sub']}`);
      return value;
    });
  }
  if (typeof o.Ref === 'string') return pseudo[o.Ref] ?? `ref:${o.Ref}`;
  if (Array.isArray(o['Fn::GetAtt'])) return `getatt:${o['Fn::GetAtt'].join('.')}`;
  if (Array.isArray(o['Fn::Join'])) {
    const [sep, parts] = o['Fn::Join'] as [string, Json[]];
    return parts.map(resolveValue).join(sep);
  }
  throw new Error(`cannot resolve ${JSON.stringify(v)}`);
}

function run(args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', rej);
    child.on('close', (code) =>
      code === 0 ? res(output) : rej(new Error(`${args.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

/** Packages a stage with the project's own script (serverless package + cfn-lint) into `.tmp`. */
async function packageStage(stage: string): Promise<Template> {
  const out = join('.tmp', `template-test-${process.pid}-${stage}`);
  await rm(join(repo, out), { recursive: true, force: true });
  await mkdir(join(repo, '.tmp'), { recursive: true });
  try {
    await run(['scripts/package.mjs', '--stage', stage, '--out', out]);
    return JSON.parse(
      await readFile(join(repo, out, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as Template;
  } finally {
    await rm(join(repo, out), { recursive: true, force: true });
  }
}

const logicalId = (fn: FunctionName) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`;

let prod: Template;
let local: Template;

beforeAll(async () => {
  // Both stages at once: each run has its own work and output folders.
  [prod, local] = await Promise.all([packageStage('prod'), packageStage('local')]);
}, 180_000);

const fnResource = (t: Template, fn: FunctionName): CfnResource => {
  const r = t.Resources[logicalId(fn)];
  if (!r) throw new Error(`no ${logicalId(fn)} in the template`);
  return r;
};
const roleIdOf = (t: Template, fn: FunctionName): string => {
  const role = obj(fnResource(t, fn).Properties.Role);
  const [id] = role['Fn::GetAtt'] as string[];
  return id ?? '';
};
function statementsOfRole(t: Template, roleId: string): Statement[] {
  const role = t.Resources[roleId];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not a role`);
  return asArray(role.Properties.Policies as Json[]).flatMap(
    (p) => obj(obj(p).PolicyDocument).Statement as unknown as Statement[],
  );
}
const statementsOf = (t: Template, fn: FunctionName) => statementsOfRole(t, roleIdOf(t, fn));
const allows = (t: Template, fn: FunctionName) => statementsOf(t, fn).filter((s) => s.Effect === 'Allow');
const allowedActions = (t: Template, fn: FunctionName) =>
  new Set(allows(t, fn).flatMap((s) => asArray(s.Action)));
const envOf = (t: Template, fn: FunctionName): JsonObject =>
  obj(obj(fnResource(t, fn).Properties.Environment).Variables);
const envString = (t: Template, fn: FunctionName, key: string): string => {
  const v = envOf(t, fn)[key];
  if (typeof v !== 'string') throw new Error(`${fn} ${key} is not a string: ${JSON.stringify(v)}`);
  return v;
};
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
          expect(parts[5]).toMatch(/^(user|role|parameter|key|session|log-group)\b/);
        }
      }
    },
  );

  it('scopes IAM users and roles to ARNs of this account', () => {
    for (const fn of FUNCTION_NAMES) {
      for (const s of allows(prod, fn)) {
        const resources = asArray(s.Resource).map(resolveValue);
        for (const a of asArray(s.Action).filter((x) => x.startsWith('iam:'))) {
          if (REQUIRES_STAR_RESOURCE.has(a)) continue;
          for (const r of resources) {
            expect(r).toMatch(new RegExp(`^arn:aws:iam::${ACCOUNT}:(user|role)/\\*$`));
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

  it('serves POST and GET /hr/{provider} with hrWebhook, within the HTTP API 30 s limit', () => {
    const routes = resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['GET /hr/{provider}', 'POST /hr/{provider}']);
    const integrations = resourcesOfType('AWS::ApiGatewayV2::Integration');
    expect(integrations).toHaveLength(1);
    expect(resolveValue(integrations[0]?.[1].Properties.IntegrationUri ?? null)).toBe(
      'getatt:HrWebhookLambdaFunction.Arn',
    );
    expect(fnResource(prod, 'hrWebhook').Properties.Timeout).toBeLessThan(30);
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

describe('declared permissions (infra/permissions.ts)', () => {
  it('cover every AWS API the handlers can call', async () => {
    const handlers = readFileSync(join(repo, 'serverless.yml'), 'utf8')
      .split('\n')
      .map((l) => l.match(/^\s+handler:\s+(\S+)\.handler\s*$/)?.[1])
      .filter((h): h is string => Boolean(h));
    expect(handlers).toHaveLength(FUNCTION_NAMES.length);
    const declared = new Set(FUNCTION_NAMES.flatMap((fn) => FUNCTION_PERMISSIONS[fn]));
    const undeclared = new Set<string>();
    for (const handler of handlers) {
      // Packages stay external: every SDK operation the project's code can reach is an import of the output.
      const out = await build({
        entryPoints: [join(repo, `${handler}.ts`)],
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'esm',
        write: false,
        outfile: 'out.js',
        logLevel: 'silent',
      });
      const text = out.outputFiles[0]?.text ?? '';
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)) {
        for (const binding of (m[1] ?? '').split(',')) {
          const name = binding.trim().split(/\s+as\s+/)[0] ?? '';
          const action = iamActionOf(m[2] ?? '', name);
          if (action && !declared.has(action)) undeclared.add(`${action} (${handler})`);
        }
      }
    }
    expect([...undeclared]).toEqual([]);
  });
});
