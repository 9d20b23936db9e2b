import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../../src/clients';
import type { DepartureMessage } from '../../../src/departures/message';
import {
  DEPARTURE_IDEMPOTENCY_SECONDS,
  departurePersistence,
  departureWorker,
  needsRetry,
} from '../../../src/departures/worker';
import type { RevocationRequest, runRevocation } from '../../../src/engine/revoke';
import type { PrincipalReport, RevocationReport, RunOutcome, StepResult } from '../../../src/engine/types';
import { testConfig } from '../../../tools/testing/config';
import { MemoryPersistence } from './memory-persistence';

const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-01-31T18:42:05.000Z');
const config = testConfig();
const clients = makeClients({ region: 'us-east-1' });
const context = {
  functionName: 'revocation-worker',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const sample = JSON.parse(
  readFileSync(join(__dirname, '../../../events/departure-sqs.json'), 'utf8'),
) as SQSEvent;
const sampleRecord = sample.Records[0] as SQSRecord;
const sampleMessage = JSON.parse(sampleRecord.body) as DepartureMessage;

let seq = 0;
const record = (body: unknown): SQSRecord => ({
  ...sampleRecord,
  messageId: `m-${++seq}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

const principal = (outcome: RunOutcome, steps: Partial<StepResult>[] = []): PrincipalReport => ({
  principal: { kind: 'user', name: 'jane', arn: 'arn:aws:iam::123456789012:user/jane' },
  outcome,
  steps: steps.map((s, i) => ({ id: `0${i}`, type: 'attach-deny', subject: 's', outcome: 'done', ...s })),
  sessions: [],
  notes: [],
});
const report = (outcome: RunOutcome, principals: PrincipalReport[] = []): RevocationReport => ({
  kind: 'revocation',
  runId: 'r',
  trigger: 'departure',
  mode: 'departure',
  dryRun: false,
  target: {},
  reason: 'r',
  requestedBy: 'x',
  at: NOW.toISOString(),
  finishedAt: NOW.toISOString(),
  outcome,
  principals,
  notes: [],
});

/** An engine stub that answers the given reports in turn (the last one thereafter). */
function engine(...reports: RevocationReport[]) {
  const calls: RevocationRequest[] = [];
  const revoke = (async (request: RevocationRequest) => {
    calls.push(request);
    const r = reports[Math.min(calls.length - 1, reports.length - 1)] as RevocationReport;
    return { ...r, runId: request.runId ?? 'r' };
  }) as typeof runRevocation;
  return { revoke, calls };
}

function worker(
  revoke: typeof runRevocation,
  persistenceStore: BasePersistenceLayer = new MemoryPersistence(),
) {
  return departureWorker({ config, clients, revoke, persistenceStore, clock: () => NOW });
}

beforeEach(() => {
  sns.reset();
  ddb.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'n-1' });
});

describe('Function: departureWorker', () => {
  it('revokes the sample departure as a departure of the person, run id = departure id', async () => {
    const e = engine(report('revoked', [principal('revoked')]));
    const r = await worker(e.revoke).process(sample, context);
    expect(r).toEqual({ batchItemFailures: [] });
    expect(e.calls).toEqual([
      {
        trigger: 'departure',
        mode: 'departure',
        target: { employeeId: 'E-1042', email: 'jane.doe@example.com' },
        reason: 'resigned (standard, occurred 2026-01-31T18:00:00.000Z)',
        requestedBy: 'hr-webhook/standard',
        runId: 'standard:msg_2bXk1o9Xc2EsampleDeparture1',
      },
    ]);
  });

  it('runs one revocation for five deliveries of the same departure, in one batch or across batches', async () => {
    const e = engine(report('revoked', [principal('revoked')]));
    const w = worker(e.revoke);
    const r1 = await w.process(batch(...Array.from({ length: 3 }, () => record(sampleMessage))), context);
    const r2 = await w.process(batch(record(sampleMessage)), context);
    const r3 = await w.process(batch(record(sampleMessage)), context);
    expect([r1, r2, r3]).toEqual([
      { batchItemFailures: [] },
      { batchItemFailures: [] },
      { batchItemFailures: [] },
    ]);
    expect(e.calls).toHaveLength(1);
  });

  it('runs one revocation per distinct departure id', async () => {
    const e = engine(report('revoked', [principal('revoked')]));
    await worker(e.revoke).process(
      batch(record(sampleMessage), record({ ...sampleMessage, id: 'okta:u-2' })),
      context,
    );
    expect(e.calls.map((c) => c.runId)).toEqual(['standard:msg_2bXk1o9Xc2EsampleDeparture1', 'okta:u-2']);
  });

  it('does not retry an unknown person (not-found was reported by the engine) nor run it again', async () => {
    const e = engine(report('not-found'));
    const w = worker(e.revoke);
    expect(await w.process(batch(record(sampleMessage)), context)).toEqual({ batchItemFailures: [] });
    expect(await w.process(batch(record(sampleMessage)), context)).toEqual({ batchItemFailures: [] });
    expect(e.calls).toHaveLength(1);
  });

  it('revokes for real a departure already planned in a dry run', async () => {
    const e = engine(report('planned', [principal('planned')]), report('revoked', [principal('revoked')]));
    const store = new MemoryPersistence();
    const dry = departureWorker({
      config: testConfig({ dryRun: true }),
      clients,
      revoke: e.revoke,
      persistenceStore: store,
    });
    await dry.process(batch(record(sampleMessage)), context);
    await dry.process(batch(record(sampleMessage)), context);
    await worker(e.revoke, store).process(batch(record(sampleMessage)), context);
    expect(e.calls).toHaveLength(2);
  });

  it.each([
    ['a failed run', report('failed', [principal('failed')])],
    ['a principal that could not be read', report('partial', [principal('revoked'), principal('failed')])],
    [
      'a partial run whose deny step failed',
      report('partial', [principal('partial', [{ outcome: 'failed' }])]),
    ],
  ])('returns %s to the queue, and the redelivery runs again', async (_label, first) => {
    const e = engine(first, report('revoked', [principal('revoked')]));
    const w = worker(e.revoke);
    const rec = record(sampleMessage);
    expect(await w.process(batch(rec), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: rec.messageId }],
    });
    expect(await w.process(batch(rec), context)).toEqual({ batchItemFailures: [] });
    expect(e.calls).toHaveLength(2);
  });

  it('returns a departure to the queue when the engine throws (e.g. IAM throttling past the SDK retries)', async () => {
    const revoke = (async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    }) as typeof runRevocation;
    const rec = record(sampleMessage);
    expect(await worker(revoke).process(batch(rec), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: rec.messageId }],
    });
  });

  it('returns only the failing record of a mixed batch to the queue', async () => {
    const calls: string[] = [];
    const revoke = (async (req: RevocationRequest) => {
      calls.push(req.runId ?? '');
      return report(req.runId === 'okta:bad' ? 'failed' : 'revoked', [principal('revoked')]);
    }) as typeof runRevocation;
    const good = record(sampleMessage);
    const bad = record({ ...sampleMessage, id: 'okta:bad' });
    const r = await worker(revoke).process(batch(good, bad), context);
    expect(r).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(calls).toEqual(['standard:msg_2bXk1o9Xc2EsampleDeparture1', 'okta:bad']);
  });

  it.each([
    ['not JSON', '{"id":'],
    ['without a person', { ...sampleMessage, person: {} }],
    ['with an id unsafe as a tag', { ...sampleMessage, id: 'a b' }],
    ['without receivedAt', { ...sampleMessage, receivedAt: undefined }],
  ])('reports a message %s (notification) without running or retrying it', async (_label, body) => {
    const e = engine(report('revoked'));
    const rec = record(body);
    expect(await worker(e.revoke).process(batch(rec), context)).toEqual({ batchItemFailures: [] });
    expect(e.calls).toHaveLength(0);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: config.notifyTopicArn,
      MessageAttributes: expect.objectContaining({
        trigger: { DataType: 'String', StringValue: 'departure' },
        outcome: { DataType: 'String', StringValue: 'malformed' },
        severity: { DataType: 'String', StringValue: 'high' },
      }),
    });
  });

  it('returns a malformed message to the queue when its notification cannot be sent', async () => {
    sns.reset();
    sns.on(PublishCommand).rejects(new Error('sns down'));
    const rec = record('nonsense');
    expect(await worker(engine(report('revoked')).revoke).process(batch(rec), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: rec.messageId }],
    });
  });
});

describe('Function: needsRetry', () => {
  it.each<[string, boolean, RevocationReport]>([
    ['revoked', false, report('revoked', [principal('revoked')])],
    ['not-found', false, report('not-found')],
    ['protected', false, report('protected', [principal('protected')])],
    [
      'partial only because one of the users is protected',
      false,
      report('partial', [principal('revoked'), principal('protected')]),
    ],
    ['planned (dry run)', false, report('planned', [principal('planned')])],
    [
      'partial with the deny attached (a session or key step failed)',
      true,
      report('partial', [principal('partial', [{}, { type: 'terminate-sessions', outcome: 'failed' }])]),
    ],
    ['failed', true, report('failed', [principal('failed')])],
    [
      'partial with the deny not attached',
      true,
      report('partial', [principal('partial', [{ outcome: 'failed' }])]),
    ],
  ])('%s: retry %s', (_label, expected, r) => {
    expect(needsRetry(r)).toBe(expected);
  });
});

describe('Function: departurePersistence', () => {
  it('keeps idempotency records in the state table under a constant pk, the hashed id as sk, expiring in 7 days', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    ddb.on(GetItemCommand).resolves({});
    ddb.on(DeleteItemCommand).resolves({});
    const e = engine(report('revoked', [principal('revoked')]));
    const before = Math.floor(Date.now() / 1000);
    await worker(e.revoke, departurePersistence(config, clients)).process(sample, context);
    const put = ddb.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe(config.stateTable);
    expect(put?.Item?.pk).toEqual({ S: 'idempotency#departure' });
    expect(put?.Item?.sk?.S).toMatch(/^departure#[A-Za-z0-9+/]{22}==$/);
    const expiresAt = Number(put?.Item?.expiresAt?.N);
    expect(DEPARTURE_IDEMPOTENCY_SECONDS).toBeGreaterThanOrEqual(7 * 24 * 3600);
    expect(expiresAt - before).toBeGreaterThanOrEqual(DEPARTURE_IDEMPOTENCY_SECONDS);
    expect(expiresAt - before).toBeLessThan(DEPARTURE_IDEMPOTENCY_SECONDS + 60);
    expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: 'idempotency#departure' }, sk: put?.Item?.sk },
    });
  });

  describe('dry-run departures', () => {
    it('keeps a departure planned under DRY_RUN for a replay, and a real run forgets it', async () => {
      ddb.on(PutCommand).resolves({});
      ddb.on(DeleteCommand).resolves({});
      const planned = engine({ ...report('planned', [principal('planned')]), dryRun: true });
      await worker(planned.revoke).process(sample, context);
      expect(ddb).toHaveReceivedCommandWith(PutCommand, {
        Item: expect.objectContaining({
          pk: 'dry-run#departures',
          sk: sampleMessage.id,
          message: sampleMessage,
        }),
      });
      expect(ddb).not.toHaveReceivedCommand(DeleteCommand);

      ddb.resetHistory();
      const real = engine(report('revoked', [principal('revoked')]));
      await worker(real.revoke).process(sample, context);
      expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
        Key: { pk: 'dry-run#departures', sk: sampleMessage.id },
      });
    });

    it('retries a planned departure that could not be kept: never lost', async () => {
      ddb.on(PutCommand).rejects(new Error('table unavailable'));
      const planned = engine({ ...report('planned', [principal('planned')]), dryRun: true });
      const r = await worker(planned.revoke).process(sample, context);
      expect(r.batchItemFailures).toEqual([{ itemIdentifier: sampleRecord.messageId }]);
    });
  });
});
