import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GenerateCredentialReportCommand, GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Handler } from 'aws-lambda';
import departure from '../../../events/departure-sqs.json';
import scheduled from '../../../events/key-sweep.json';
import { answerAccount, answerDefaults, answerUser, mockAws, NOW } from '../../support/iam-mock';

/**
 * The metrics the handlers write (src/metrics.ts), read as CloudWatch reads them: the Embedded Metric Format lines
 * Powertools Metrics prints on stdout (captured here). The alarms of serverless.yml watch these names and
 * dimensions (test/unit/infra/hardening.test.ts).
 */

// The handlers build their config and clients at cold start; here from a test config (no process.env).
jest.mock('../../../src/runtime', () => {
  const { testConfig } = jest.requireActual('../../../tools/testing/config');
  const { makeClients } = jest.requireActual('../../../src/clients');
  return {
    coldStart: () => ({
      config: testConfig({ sweepMaxFraction: 1 }),
      clients: makeClients({ region: 'us-east-1' }),
    }),
  };
});

const m = mockAws();
const ctx = { functionName: 'fn', awsRequestId: 'req-1' } as never;
const ok = { reason: 'INC-42', requestedBy: 'secops' };
let lockdown: Handler;
let keySweep: Handler;
let revocationWorker: Handler;
const saved = { ...process.env };

interface Emf {
  readonly _aws: {
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** The EMF documents written on stdout while `run` runs (nothing else reaches the terminal). */
async function emfOf(run: () => Promise<unknown>): Promise<Emf[]> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  });
  try {
    await run().catch(() => undefined);
  } finally {
    write.mockRestore();
  }
  return lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

/** Each metric written: its name, value, dimension sets and dimension values. */
const metricsIn = (docs: Emf[]) =>
  docs.flatMap((d) =>
    d._aws.CloudWatchMetrics.flatMap((c) =>
      c.Metrics.map((x) => ({
        namespace: c.Namespace,
        name: x.Name,
        value: d[x.Name],
        dimensions: c.Dimensions.map((set) => [...set].sort()),
        service: d.service,
        trigger: d.trigger,
        outcome: d.outcome,
      })),
    ),
  );

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'offboarding-test';
  process.env.POWERTOOLS_SERVICE_NAME = 'offboarding';
  lockdown = (await import('../../../handlers/lockdown')).handler as Handler;
  keySweep = (await import('../../../handlers/key-sweep')).handler as Handler;
  revocationWorker = (await import('../../../handlers/revocation-worker')).handler as Handler;
});
afterAll(() => {
  process.env = saved;
});
beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('Metrics: run outcomes, by trigger', () => {
  it('counts a lockdown in Runs with its trigger and outcome, and by outcome alone', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    let report: { outcome?: string } = {};
    const docs = await emfOf(async () => {
      report = await lockdown({ target: { userName: 'alice' }, ...ok }, ctx, () => undefined);
    });

    expect(report.outcome).toBe('revoked');
    expect(metricsIn(docs)).toEqual([
      {
        namespace: 'offboarding-test',
        name: 'Runs',
        value: 1,
        dimensions: [
          ['outcome', 'service', 'trigger'],
          ['outcome', 'service'],
        ],
        service: 'offboarding',
        trigger: 'lockdown',
        outcome: 'revoked',
      },
    ]);
  });

  it('counts a departure in Runs with its outcome (the sample names nobody: not-found)', async () => {
    m.iam.on(GetAccountAuthorizationDetailsCommand).resolves({ UserDetailList: [], IsTruncated: false });
    m.ddb.on(PutItemCommand).resolves({});
    m.ddb.on(UpdateItemCommand).resolves({});
    const docs = await emfOf(async () =>
      revocationWorker(
        departure,
        { ...(ctx as object), getRemainingTimeInMillis: () => 60_000 } as never,
        () => undefined,
      ),
    );

    expect(metricsIn(docs).map((x) => [x.name, x.value, x.trigger, x.outcome])).toEqual([
      ['Runs', 1, 'departure', 'not-found'],
    ]);
  });

  it('counts a notification that failed to publish, beside the run', async () => {
    answerUser(m, { userName: 'alice', keys: [{ id: 'AKIAALICE00000000001' }] });
    m.sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('KMS key disabled'), { name: 'KMSDisabledException' }));
    let report: { notes?: string[] } = {};
    const docs = await emfOf(async () => {
      report = await lockdown({ target: { userName: 'alice' }, ...ok }, ctx, () => undefined);
    });

    expect(report.notes?.some((n) => n.startsWith('notification failed'))).toBe(true);
    expect(metricsIn(docs).map((x) => [x.name, x.value, x.dimensions, x.outcome])).toEqual([
      ['NotificationPublishFailures', 1, [['service']], undefined],
      [
        'Runs',
        1,
        [
          ['outcome', 'service', 'trigger'],
          ['outcome', 'service'],
        ],
        'revoked',
      ],
    ]);
  });
});

describe('Metrics: the key sweep heartbeat', () => {
  it('writes SweepCompleted once a sweep completed, beside its run outcome', async () => {
    answerAccount(
      m,
      [{ userName: 'old', keys: [{ id: 'AKIAOLD', created: new Date('2025-01-01'), lastUsed: null }] }],
      {
        reportAt: NOW,
      },
    );
    m.ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    const docs = await emfOf(async () => keySweep(scheduled, ctx, () => undefined));

    expect(metricsIn(docs).map((x) => [x.name, x.value, x.trigger, x.outcome])).toEqual([
      ['Runs', 1, 'sweep', 'reported'],
      ['SweepCompleted', 1, undefined, undefined],
    ]);
  });

  it('writes no heartbeat when the sweep fails, and counts the run failed', async () => {
    m.iam.on(GenerateCredentialReportCommand).rejects(new Error('Throttling: rate exceeded'));
    const docs = await emfOf(async () => keySweep(scheduled, ctx, () => undefined));

    expect(metricsIn(docs).map((x) => [x.name, x.trigger, x.outcome])).toEqual([['Runs', 'sweep', 'failed']]);
  });
});
