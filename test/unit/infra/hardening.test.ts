import { FUNCTION_NAMES } from '../../../infra/permissions';
import { METRIC_NAMES } from '../../../src/metrics';
import {
  asArray,
  type CfnResource,
  envString,
  fnResource,
  type Json,
  type JsonObject,
  logicalId,
  obj,
  packageStage,
  resolveValue,
  statementsOf,
  type Template,
} from '../../support/packaged-template';

/**
 * The operable defaults of the packaged prod template (scripts/package.mjs: serverless package, then cfn-lint with
 * warnings failing too, so a template read here is cfn-lint clean): every alarm on the alarm topic, the topics'
 * customer managed key, the state table's deletion protection, the HTTP API's throttling and access logs, reserved
 * concurrency, tags, tracing. The roles' grants on the key: template.test.ts (exact, per function).
 */

let prod: Template;

beforeAll(async () => {
  prod = await packageStage('prod');
}, 300_000);

const resources = (type: string): [string, CfnResource][] =>
  Object.entries(prod.Resources).filter(([, r]) => r.Type === type);
const alarms = () => resources('AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, p: r.Properties }));
/** `<namespace>/<metric>:<dimension>=<value>,...` of an alarm. */
const watches = (p: JsonObject): string =>
  `${resolveValue(p.Namespace ?? null)}/${String(p.MetricName)}:${asArray(p.Dimensions as Json[])
    .map((d) => `${String(obj(d).Name)}=${resolveValue(obj(d).Value ?? null)}`)
    .join(',')}`;
const alarmOn = (watched: string) => {
  const found = alarms().filter((a) => watches(a.p) === watched);
  expect({ watched, count: found.length }).toEqual({ watched, count: 1 });
  return found[0]?.p as JsonObject;
};

describe('alarms (packaged prod template)', () => {
  it('sends every alarm, and its recovery, to the alarm topic and never to the reports topic', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const { id, p } of alarms()) {
      expect({ id, actions: asArray(p.AlarmActions as Json[]).map(resolveValue) }).toEqual({
        id,
        actions: ['ref:AlarmTopic'],
      });
      expect(asArray(p.OKActions as Json[]).map(resolveValue)).toEqual(['ref:AlarmTopic']);
    }
  });

  it.each(FUNCTION_NAMES)("alarms on %s's errors and throttles, from the first one", (fn) => {
    for (const metric of ['Errors', 'Throttles']) {
      const p = alarmOn(`AWS/Lambda/${metric}:FunctionName=ref:${logicalId(fn)}`);
      expect([p.Statistic, p.Threshold, p.ComparisonOperator]).toEqual(['Sum', 0, 'GreaterThanThreshold']);
    }
  });

  it('alarms on the depth of every dead-letter queue and on the oldest message of every work queue', () => {
    const queues = resources('AWS::SQS::Queue');
    const work = queues.filter(([, q]) => q.Properties.RedrivePolicy);
    expect(work.map(([id]) => id).sort()).toEqual(['AccountQueue', 'DepartureQueue']);
    for (const [id, q] of work) {
      const dlq = (obj(q.Properties.RedrivePolicy ?? null).deadLetterTargetArn as JsonObject)[
        'Fn::GetAtt'
      ] as string[];
      const depth = alarmOn(
        `AWS/SQS/ApproximateNumberOfMessagesVisible:QueueName=getatt:${dlq[0]}.QueueName`,
      );
      expect([depth.Threshold, depth.ComparisonOperator]).toEqual([0, 'GreaterThanThreshold']);
      const age = alarmOn(`AWS/SQS/ApproximateAgeOfOldestMessage:QueueName=getatt:${id}.QueueName`);
      // Older than two visibility timeouts: failed twice, or not drained.
      expect(age.Threshold).toBe(2 * Number(q.Properties.VisibilityTimeout));
    }
  });

  it('alarms on any 5xx of the HTTP API', () => {
    const p = alarmOn('AWS/ApiGateway/5xx:ApiId=ref:HttpApi');
    expect([p.Statistic, p.Threshold, p.ComparisonOperator]).toEqual(['Sum', 0, 'GreaterThanThreshold']);
  });

  describe('on the custom metrics the functions write (src/metrics.ts)', () => {
    const namespace = () => envString(prod, 'keySweep', 'POWERTOOLS_METRICS_NAMESPACE');
    const service = () => envString(prod, 'keySweep', 'POWERTOOLS_SERVICE_NAME');

    it('reads the namespace and service every function writes them under', () => {
      expect(namespace()).toBe('offboarding-prod');
      for (const fn of FUNCTION_NAMES) {
        expect(envString(prod, fn, 'POWERTOOLS_METRICS_NAMESPACE')).toBe(namespace());
        expect(envString(prod, fn, 'POWERTOOLS_SERVICE_NAME')).toBe(service());
      }
    });

    it('alarms when no sweep completed in 26 hours, missing data included', () => {
      const p = alarmOn(`${namespace()}/${METRIC_NAMES.sweepCompleted}:service=${service()}`);
      expect(Number(p.Period) * Number(p.EvaluationPeriods)).toBe(26 * 3600);
      expect(p.DatapointsToAlarm).toBe(p.EvaluationPeriods);
      expect([p.Statistic, p.Threshold, p.ComparisonOperator, p.TreatMissingData]).toEqual([
        'Sum',
        1,
        'LessThanThreshold',
        'breaching',
      ]);
    });

    it('alarms on a notification that failed to publish', () => {
      const p = alarmOn(`${namespace()}/${METRIC_NAMES.publishFailures}:service=${service()}`);
      expect([p.Threshold, p.ComparisonOperator]).toEqual([0, 'GreaterThanThreshold']);
    });

    it.each(['partial', 'failed'])('alarms on a run of any trigger ending %s', (outcome) => {
      const p = alarmOn(`${namespace()}/${METRIC_NAMES.runs}:service=${service()},outcome=${outcome}`);
      expect([p.Statistic, p.Threshold, p.ComparisonOperator]).toEqual(['Sum', 0, 'GreaterThanThreshold']);
    });
  });

  it('lets CloudWatch of this account alone publish to the alarm topic, and mails alarmEmail when set', () => {
    const policy = resources('AWS::SNS::TopicPolicy').find(([, r]) =>
      asArray(r.Properties.Topics as Json[]).some((t) => resolveValue(t) === 'ref:AlarmTopic'),
    );
    const statements = obj(policy?.[1].Properties.PolicyDocument ?? null).Statement as JsonObject[];
    const publishers = statements.filter((s) => s.Effect === 'Allow' && s.Action === 'sns:Publish');
    expect(publishers).toHaveLength(1);
    expect(publishers[0]?.Principal).toEqual({ Service: 'cloudwatch.amazonaws.com' });
    expect(publishers[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
    const sub = prod.Resources.AlarmEmailSubscription;
    expect(sub?.Condition).toBe('HasAlarmEmail');
    expect(resolveValue(sub?.Properties.TopicArn ?? null)).toBe('ref:AlarmTopic');
    expect(resolveValue(sub?.Properties.Endpoint ?? null)).toBe('ref:AlarmEmail');
    // CloudWatch may no longer publish to the reports topic.
    const notify = resources('AWS::SNS::TopicPolicy').find(([, r]) =>
      asArray(r.Properties.Topics as Json[]).some((t) => resolveValue(t) === 'ref:NotifyTopic'),
    );
    expect(JSON.stringify(notify?.[1].Properties)).not.toContain('cloudwatch.amazonaws.com');
  });
});

describe('the topics key (packaged prod template)', () => {
  it('encrypts both topics with the stack key, rotated', () => {
    for (const id of ['NotifyTopic', 'AlarmTopic']) {
      expect(resolveValue(prod.Resources[id]?.Properties.KmsMasterKeyId ?? null)).toBe('getatt:TopicKey.Arn');
    }
    const key = prod.Resources.TopicKey;
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties.EnableKeyRotation).toBe(true);
  });

  it("lets CloudWatch alarms use the key, and the account's IAM policies grant the rest", () => {
    const statements = obj(prod.Resources.TopicKey?.Properties.KeyPolicy ?? null).Statement as JsonObject[];
    expect(statements.map((s) => [s.Sid, s.Principal, s.Action])).toEqual([
      [
        'AllowAccountIamPolicies',
        { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } },
        'kms:*',
      ],
      [
        'AllowCloudWatchAlarms',
        { Service: 'cloudwatch.amazonaws.com' },
        ['kms:GenerateDataKey*', 'kms:Decrypt'],
      ],
    ]);
  });

  it.each(FUNCTION_NAMES)(
    'grants %s the key exactly when it publishes reports, and nothing else on it',
    (fn) => {
      const allows = statementsOf(prod, fn).filter((s) => s.Effect === 'Allow');
      const publishes = allows.some((s) => asArray(s.Action).includes('sns:Publish'));
      const onKey = allows.filter((s) =>
        asArray(s.Resource).map(resolveValue).includes('getatt:TopicKey.Arn'),
      );
      expect(onKey.map((s) => asArray(s.Action))).toEqual(
        publishes ? [['kms:GenerateDataKey', 'kms:Decrypt']] : [],
      );
      expect(onKey.flatMap((s) => asArray(s.Resource).map(resolveValue))).toEqual(
        publishes ? ['getatt:TopicKey.Arn'] : [],
      );
    },
  );
});

describe('hardened defaults (packaged prod template)', () => {
  it('protects the state table from deletion, with point-in-time recovery', () => {
    const table = prod.Resources.StateTable;
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
    expect(table?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it("throttles the HTTP API's routes and logs every request to a retained log group", () => {
    const stage = obj(prod.Resources.HttpApiStage?.Properties ?? null);
    const routes = obj(stage.DefaultRouteSettings ?? null);
    expect(routes.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(routes.ThrottlingBurstLimit).toBeGreaterThanOrEqual(Number(routes.ThrottlingRateLimit));
    const logs = obj(stage.AccessLogSettings ?? null);
    expect(resolveValue(logs.DestinationArn ?? null)).toBe('getatt:HttpApiLogGroup.Arn');
    expect(String(logs.Format)).toContain('$context.status');
    expect(prod.Resources.HttpApiLogGroup?.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('caps the webhook and guarantees lockdown with reserved concurrency, and reserves nothing else', () => {
    const reserved = Object.fromEntries(
      FUNCTION_NAMES.map((fn) => [fn, fnResource(prod, fn).Properties.ReservedConcurrentExecutions]),
    );
    expect(reserved).toEqual({
      hrWebhook: expect.any(Number),
      revocationWorker: undefined,
      keySweep: undefined,
      lockdown: expect.any(Number),
      restore: undefined,
      accountWorker: undefined,
    });
    expect(reserved.lockdown).toBeGreaterThan(0);
    expect(reserved.hrWebhook).toBeGreaterThan(0);
  });

  it.each(FUNCTION_NAMES)('tags %s and traces it with X-Ray (Active)', (fn) => {
    const p = fnResource(prod, fn).Properties;
    const tags = Object.fromEntries(
      asArray(p.Tags as Json[]).map((t) => [String(obj(t).Key), resolveValue(obj(t).Value ?? null)]),
    );
    expect(tags).toMatchObject({ application: 'offboarding', stage: 'prod', owner: expect.any(String) });
    expect(p.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('tags the HTTP API stage as the functions', () => {
    expect(prod.Resources.HttpApiStage?.Properties.Tags).toMatchObject({
      application: 'offboarding',
      stage: 'prod',
    });
  });
});

describe('infra/alarms.cjs', () => {
  // A CommonJS plugin that osls loads with require(): loaded the same way here.
  const { operationsAlarms } = require('../../../infra/alarms.cjs') as {
    operationsAlarms(input: unknown): Record<string, CfnResource>;
  };
  const naming = {
    getNormalizedFunctionName: (fn: string) => `${fn[0]?.toUpperCase()}${fn.slice(1)}`,
    getLambdaLogicalId: (fn: string) => `${fn[0]?.toUpperCase()}${fn.slice(1)}LambdaFunction`,
  };

  it('gives a function or a queue added later its alarms, with no change to the plugin', () => {
    const template = {
      Resources: {
        FollowUpQueue: {
          Type: 'AWS::SQS::Queue',
          Properties: {
            QueueName: 'svc-dev-follow-ups',
            VisibilityTimeout: 60,
            RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['FollowUpDlq', 'Arn'] } },
          },
        },
        FollowUpDlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'svc-dev-follow-ups-dlq' } },
      },
    };
    const made = operationsAlarms({
      template,
      functions: ['followUp'],
      naming,
      prefix: 'svc-dev',
      topic: 'AlarmTopic',
    });
    expect(Object.keys(made).sort()).toEqual([
      'FollowUpDlqDepthAlarm',
      'FollowUpErrorsAlarm',
      'FollowUpQueueAgeAlarm',
      'FollowUpThrottlesAlarm',
    ]);
    expect(made.FollowUpQueueAgeAlarm?.Properties.Threshold).toBe(120);
    expect(made.FollowUpErrorsAlarm?.Properties.AlarmName).toBe('svc-dev-followUp-errors');
  });

  it('refuses a queue whose name it cannot put in an alarm name', () => {
    const template = { Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: {} } } };
    expect(() => operationsAlarms({ template, functions: [], naming, prefix: 'p', topic: 'T' })).toThrow(
      /queue Q needs a literal QueueName/,
    );
  });
});
