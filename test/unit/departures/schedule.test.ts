import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { makeClients } from '../../../src/clients';
import { type Config, loadConfig } from '../../../src/config';
import type { CancellationMessage, DepartureMessage } from '../../../src/departures/message';
import {
  type ScheduledDepartureItem,
  samePerson,
  scheduleName,
  scheduleRef,
  scheduleTime,
} from '../../../src/departures/schedule';
import { departureWorker, idempotencyKeyOf } from '../../../src/departures/worker';
import type { RevocationRequest, runRevocation } from '../../../src/engine/revoke';
import type { RevocationReport } from '../../../src/engine/types';
import { testConfig } from '../../../tools/testing/config';
import { MemoryPersistence } from './memory-persistence';

/**
 * Departures effective ahead: scheduled (EventBridge Scheduler one-time schedule, a record in the state
 * table, a `scheduled` notification, no engine run), cancelled, and revoked when the schedule delivers them,
 * unless cancelled first. aws-sdk-client-mock only.
 */

const scheduler = mockClient(SchedulerClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

const NOW = new Date('2026-01-31T18:42:05.000Z');
const IN_3_DAYS = '2026-02-03T18:00:00.000Z';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:departures';
const ROLE = 'arn:aws:iam::123456789012:role/offboarding-prod-scheduler';
const config = testConfig({ schedulerRoleArn: ROLE });
const clients = makeClients({ region: 'us-east-1' });
const context = {
  functionName: 'revocation-worker',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const departure = (overrides: Partial<DepartureMessage> = {}): DepartureMessage => ({
  id: 'standard:msg_ahead',
  provider: 'standard',
  person: { employeeId: 'E-1042', email: 'jane.doe@example.com' },
  occurredAt: IN_3_DAYS,
  reason: 'resigned',
  receivedAt: NOW.toISOString(),
  effectiveAt: IN_3_DAYS,
  ...overrides,
});
const due = departure({ scheduledFor: IN_3_DAYS });
const cancellation: CancellationMessage = {
  kind: 'cancellation',
  id: 'standard:msg_cancel',
  provider: 'standard',
  cancelFor: { email: 'JANE.DOE@example.com' },
  occurredAt: NOW.toISOString(),
  receivedAt: NOW.toISOString(),
};

let seq = 0;
const batch = (...bodies: unknown[]): SQSEvent => ({
  Records: bodies.map(
    (body) =>
      ({ messageId: `m-${++seq}`, body: JSON.stringify(body), attributes: {} }) as unknown as SQSRecord,
  ),
});

const record = (state: ScheduledDepartureItem['state']): ScheduledDepartureItem => ({
  pk: 'scheduled#departures',
  sk: departure().id,
  kind: 'scheduled-departure',
  state,
  message: departure(),
  effectiveAt: IN_3_DAYS,
  schedule: scheduleRef(config, departure().id, new Date(IN_3_DAYS)),
  scheduledAt: NOW.toISOString(),
  expiresAt: 0,
});

function engine() {
  const calls: RevocationRequest[] = [];
  const revoke = (async (request: RevocationRequest) => {
    calls.push(request);
    return {
      kind: 'revocation',
      runId: request.runId ?? 'r',
      trigger: 'departure',
      mode: 'departure',
      dryRun: false,
      target: {},
      reason: 'r',
      requestedBy: 'x',
      at: NOW.toISOString(),
      finishedAt: NOW.toISOString(),
      outcome: 'revoked',
      principals: [],
      notes: [],
    } satisfies RevocationReport;
  }) as typeof runRevocation;
  return { revoke, calls };
}

function worker(c: Config = config, store = new MemoryPersistence()) {
  const e = engine();
  const w = departureWorker({
    config: c,
    clients,
    revoke: e.revoke,
    persistenceStore: store,
    clock: () => NOW,
  });
  return { process: (event: SQSEvent) => w.process(event, context), calls: e.calls };
}

const published = () =>
  sns.commandCalls(PublishCommand).map((c) => ({
    outcome: c.args[0].input.MessageAttributes?.outcome?.StringValue,
    severity: c.args[0].input.MessageAttributes?.severity?.StringValue,
    subject: c.args[0].input.Subject,
    report: JSON.parse(JSON.parse(c.args[0].input.Message ?? '{}').sqs),
  }));

const scheduledQuery = { ExpressionAttributeValues: { ':pk': 'scheduled#departures' } };

beforeEach(() => {
  for (const m of [scheduler, ddb, sns, sqs]) m.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'n-1' });
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: QUEUE_ARN } });
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:::schedule/x' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
});

describe('Function: scheduleTime', () => {
  it.each([
    ['no effective time', departure({ effectiveAt: undefined }), undefined],
    ['a time in the past', departure({ effectiveAt: '2026-01-30T00:00:00.000Z' }), undefined],
    ['a time 10 minutes ahead', departure({ effectiveAt: '2026-01-31T18:52:05.000Z' }), undefined],
    ['a time exactly 15 minutes ahead', departure({ effectiveAt: '2026-01-31T18:57:05.000Z' }), undefined],
    ['a due message', due, undefined],
    ['a time 3 days ahead', departure(), IN_3_DAYS],
    [
      'a time 16 minutes ahead',
      departure({ effectiveAt: '2026-01-31T18:58:05.000Z' }),
      '2026-01-31T18:58:05.000Z',
    ],
    [
      'a time with a fraction (rounded up)',
      departure({ effectiveAt: '2026-02-03T17:59:59.001Z' }),
      IN_3_DAYS,
    ],
  ])('%s', (_label, message, expected) => {
    expect(scheduleTime(message, config, NOW)?.toISOString()).toBe(expected);
  });

  it('follows SCHEDULE_MIN_LEAD_MINUTES', () => {
    const message = departure({ effectiveAt: '2026-01-31T19:42:05.000Z' });
    expect(scheduleTime(message, { ...config, scheduleMinLeadMinutes: 59 }, NOW)).toBeDefined();
    expect(scheduleTime(message, { ...config, scheduleMinLeadMinutes: 60 }, NOW)).toBeUndefined();
  });
});

describe('Scheduling configuration', () => {
  const env = {
    NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
    STATE_TABLE: 't',
    AWS_REGION: 'us-east-1',
  };
  it('defaults to the group offboarding, 15 minutes of lead, no role (scheduling off)', () => {
    expect(loadConfig(env)).toMatchObject({
      scheduleGroup: 'offboarding',
      scheduleMinLeadMinutes: 15,
      schedulerRoleArn: undefined,
    });
  });

  it('reads SCHEDULE_GROUP, SCHEDULER_ROLE_ARN, SCHEDULE_MIN_LEAD_MINUTES and refuses bad values', () => {
    expect(
      loadConfig({
        ...env,
        SCHEDULE_GROUP: 'g-1',
        SCHEDULER_ROLE_ARN: ROLE,
        SCHEDULE_MIN_LEAD_MINUTES: '60',
      }),
    ).toMatchObject({ scheduleGroup: 'g-1', schedulerRoleArn: ROLE, scheduleMinLeadMinutes: 60 });
    expect(() => loadConfig({ ...env, SCHEDULER_ROLE_ARN: 'role', SCHEDULE_GROUP: 'a b' })).toThrow(
      /SCHEDULE_GROUP .*SCHEDULER_ROLE_ARN|SCHEDULER_ROLE_ARN .*SCHEDULE_GROUP/,
    );
  });
});

describe('Function: scheduleName, samePerson', () => {
  it('names a schedule within EventBridge Scheduler limits, the same for the same id', () => {
    const name = scheduleName('okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9');
    expect(name).toMatch(/^[0-9a-zA-Z-_.]{1,64}$/);
    expect(scheduleName('okta:ab62c0bc-2837-11eb-9823-9fb8f750c5a9')).toBe(name);
    expect(scheduleName('okta:other')).not.toBe(name);
  });

  it.each([
    [{ employeeId: 'E-1' }, { employeeId: 'E-1', email: 'a@x.com' }, true],
    [{ email: ' A@X.com' }, { email: 'a@x.com' }, true],
    [{ employeeId: 'E-1' }, { employeeId: 'e-1' }, false],
    [{ employeeId: 'E-1' }, { email: 'a@x.com' }, false],
  ])('%j and %j are the same person: %s', (a, b, expected) => {
    expect(samePerson(a, b)).toBe(expected);
  });
});

describe('Worker: a departure effective ahead', () => {
  it('is recorded and scheduled at its time, targeting the queue with the departure marked due, notified, not revoked', async () => {
    const w = worker();
    expect(await w.process(batch(departure()))).toEqual({ batchItemFailures: [] });
    expect(w.calls).toEqual([]);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        pk: 'scheduled#departures',
        sk: 'standard:msg_ahead',
        state: 'scheduled',
        effectiveAt: IN_3_DAYS,
      }),
      ConditionExpression: 'attribute_not_exists(pk) OR #state = :scheduled',
    });
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toEqual({
      Name: scheduleName('standard:msg_ahead'),
      GroupName: 'offboarding',
      ScheduleExpression: 'at(2026-02-03T18:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: 'offboarding departure standard:msg_ahead',
      Target: { Arn: QUEUE_ARN, RoleArn: ROLE, Input: expect.any(String) },
    });
    expect(JSON.parse(input?.Target?.Input ?? '{}')).toEqual({ ...departure(), scheduledFor: IN_3_DAYS });
    const [n] = published();
    expect(n).toMatchObject({ outcome: 'scheduled', severity: 'info' });
    expect(n?.subject).toBe(`[offboarding] Departure of jane.doe@example.com scheduled for ${IN_3_DAYS}`);
    expect(n?.report).toMatchObject({
      kind: 'scheduled-departure',
      runId: 'standard:msg_ahead',
      effectiveAt: IN_3_DAYS,
    });
  });

  it('writes the record before the schedule (a schedule never fires without a record)', async () => {
    await worker().process(batch(departure()));
    const [put] = ddb.commandCalls(PutCommand);
    const [create] = scheduler.commandCalls(CreateScheduleCommand);
    expect(put && create && put.calledBefore(create)).toBe(true);
  });

  it('keeps a schedule an earlier attempt made (ConflictException, same schedule)', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    scheduler.on(GetScheduleCommand).resolves({
      ScheduleExpression: 'at(2026-02-03T18:00:00)',
      Target: { Arn: QUEUE_ARN, RoleArn: ROLE, Input: JSON.stringify(due) },
    });
    expect(await worker().process(batch(departure()))).toEqual({ batchItemFailures: [] });
    expect(scheduler).toHaveReceivedCommandTimes(GetScheduleCommand, 1);
    expect(scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(published()[0]?.report.notes).toEqual(['the schedule was already in place (a redelivery)']);
  });

  it('replaces a different schedule left under the same name', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejectsOnce(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }))
      .resolves({});
    scheduler.on(GetScheduleCommand).resolves({
      ScheduleExpression: 'at(2026-02-02T00:00:00)',
      Target: { Arn: QUEUE_ARN, RoleArn: ROLE, Input: '{}' },
    });
    expect(await worker().process(batch(departure()))).toEqual({ batchItemFailures: [] });
    expect(scheduler).toHaveReceivedCommandTimes(DeleteScheduleCommand, 1);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
  });

  it('returns the departure to the queue when the schedule cannot be created', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    const r = await worker().process(batch(departure()));
    expect(r.batchItemFailures).toHaveLength(1);
  });

  it('under DRY_RUN plans the schedule: no schedule, no record, a planned notification, kept for a replay', async () => {
    const w = worker({ ...config, dryRun: true });
    await w.process(batch(departure()));
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(ddb).not.toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'scheduled#departures' }),
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: 'dry-run#departures' }),
    });
    expect(published()[0]).toMatchObject({
      outcome: 'planned',
      report: { dryRun: true, effectiveAt: IN_3_DAYS },
    });
    expect(w.calls).toEqual([]);
  });

  it('is revoked now, with a note, when scheduling is off (no SCHEDULER_ROLE_ARN)', async () => {
    const w = worker(testConfig());
    await w.process(batch(departure()));
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
    expect(w.calls.map((c) => c.runId)).toEqual(['standard:msg_ahead']);
    expect(published()[0]?.report.notes).toEqual([
      `effective at ${IN_3_DAYS} but revoked on receipt: SCHEDULER_ROLE_ARN is not set, so scheduling is off`,
    ]);
  });

  it.each([
    ['in the past', '2026-01-30T09:00:00.000Z'],
    ['within SCHEDULE_MIN_LEAD_MINUTES', '2026-01-31T18:50:00.000Z'],
    ['missing', undefined],
  ])('with its time %s is revoked now, as before', async (_label, effectiveAt) => {
    const w = worker();
    await w.process(batch(departure({ effectiveAt })));
    expect(w.calls.map((c) => c.runId)).toEqual(['standard:msg_ahead']);
    expect(scheduler).not.toHaveReceivedCommand(CreateScheduleCommand);
  });
});

describe('Worker: the due departure the schedule delivers', () => {
  it('has its own idempotency key', () => {
    expect(idempotencyKeyOf(departure())).toBe('standard:msg_ahead');
    expect(idempotencyKeyOf(due)).toBe(`standard:msg_ahead@${IN_3_DAYS}`);
  });

  it('is revoked once, after the scheduling run of the same id, its record claimed first', async () => {
    const store = new MemoryPersistence();
    const w = worker(config, store);
    await w.process(batch(departure()));
    ddb.on(GetCommand).resolves({ Item: record('scheduled') });
    expect(await w.process(batch(due))).toEqual({ batchItemFailures: [] });
    expect(await w.process(batch(due))).toEqual({ batchItemFailures: [] });
    expect(w.calls.map((c) => c.runId)).toEqual(['standard:msg_ahead']);
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      Key: { pk: 'scheduled#departures', sk: 'standard:msg_ahead' },
      ConsistentRead: true,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: 'SET #state = :fired, firedAt = :now',
      ConditionExpression: '#state = :scheduled',
    });
  });

  it('revokes nothing when its record was cancelled', async () => {
    ddb.on(GetCommand).resolves({ Item: record('cancelled') });
    const w = worker();
    expect(await w.process(batch(due))).toEqual({ batchItemFailures: [] });
    expect(w.calls).toEqual([]);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('revokes nothing when a cancellation lands between its read and its claim (the cancellation wins)', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: record('scheduled') })
      .resolves({ Item: record('cancelled') });
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' }));
    const w = worker();
    await w.process(batch(due));
    expect(w.calls).toEqual([]);
  });

  it('is revoked, with a note, when no record is found (only a cancellation stops a departure)', async () => {
    ddb.on(GetCommand).resolves({});
    const w = worker();
    await w.process(batch(due));
    expect(w.calls).toHaveLength(1);
    expect(published()[0]?.report.notes).toContain('no record of this scheduled departure: revoked as due');
  });
});

describe('Worker: a cancellation', () => {
  it("marks the person's scheduled departure cancelled, then deletes its schedule, and notifies", async () => {
    ddb.on(QueryCommand, scheduledQuery).resolves({ Items: [record('scheduled')] });
    const w = worker();
    expect(await w.process(batch(cancellation))).toEqual({ batchItemFailures: [] });
    expect(w.calls).toEqual([]);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'scheduled#departures', sk: 'standard:msg_ahead' },
      ConditionExpression: '#state = :scheduled',
      ExpressionAttributeValues: expect.objectContaining({
        ':cancelled': 'cancelled',
        ':by': 'standard:msg_cancel',
      }),
    });
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: scheduleName('standard:msg_ahead'),
      GroupName: 'offboarding',
    });
    const [update] = ddb.commandCalls(UpdateCommand);
    const [remove] = scheduler.commandCalls(DeleteScheduleCommand);
    expect(update && remove && update.calledBefore(remove)).toBe(true);
    expect(published()[0]).toMatchObject({
      outcome: 'cancelled',
      severity: 'info',
      report: { cancelled: [{ runId: 'standard:msg_ahead', effectiveAt: IN_3_DAYS }], tooLate: [] },
    });
  });

  it('accepts a schedule already gone (fired and deleted, or never made)', async () => {
    ddb.on(QueryCommand, scheduledQuery).resolves({ Items: [record('scheduled')] });
    scheduler
      .on(DeleteScheduleCommand)
      .rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    expect(await worker().process(batch(cancellation))).toEqual({ batchItemFailures: [] });
    expect(published()[0]?.outcome).toBe('cancelled');
  });

  it('reports a departure that already fired as too late (warning: restore it by its run id)', async () => {
    ddb.on(QueryCommand, scheduledQuery).resolves({ Items: [record('fired')] });
    await worker().process(batch(cancellation));
    expect(scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(published()[0]).toMatchObject({
      outcome: 'too-late',
      severity: 'warning',
      report: { tooLate: [{ runId: 'standard:msg_ahead' }] },
    });
  });

  it("leaves another person's departure alone and notifies nothing when the person has none", async () => {
    const other = { ...record('scheduled'), message: departure({ person: { email: 'sam@example.com' } }) };
    ddb.on(QueryCommand, scheduledQuery).resolves({ Items: [other] });
    await worker().process(batch(cancellation));
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it("forgets the person's departures kept from a dry run (a replay must not revive them)", async () => {
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'dry-run#departures' } }).resolves({
      Items: [{ pk: 'dry-run#departures', sk: 'standard:msg_ahead', message: departure(), plannedAt: '' }],
    });
    await worker().process(batch(cancellation));
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { pk: 'dry-run#departures', sk: 'standard:msg_ahead' },
    });
  });

  it('under DRY_RUN plans the cancellation: no record changed, no schedule deleted', async () => {
    ddb.on(QueryCommand, scheduledQuery).resolves({ Items: [record('scheduled')] });
    await worker({ ...config, dryRun: true }).process(batch(cancellation));
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(scheduler).not.toHaveReceivedCommand(DeleteScheduleCommand);
    expect(published()[0]).toMatchObject({
      outcome: 'planned',
      report: { cancelled: [{ runId: 'standard:msg_ahead' }] },
    });
  });
});
