/**
 * Departures scheduled ahead, end to end on moto: the signed webhook (202) -> the departure queue -> the
 * revocation worker, which records the departure and creates an EventBridge Scheduler one-time schedule on
 * moto; then the schedule "fires" and the worker revokes (or, after a cancellation, revokes nothing).
 *
 * IAM enforcement is off in this file, unlike the other departure tests: with enforcement on, moto's
 * EventBridge Scheduler answers GetSchedule, ListSchedules and DeleteSchedule with signature-check failures
 * (its Scheduler does not take part in moto's IAM authentication), so the schedule the worker creates could
 * not be read or cancelled. What is proved here is the scheduling, the cancellation and their race, not IAM's
 * decisions (test/integration/worker.test.ts proves the revocation under enforcement).
 *
 * moto stores schedules but never fires them: {@link fireStandIn} is a stand-in for EventBridge Scheduler at
 * the effective time (it reads the schedule, delivers its input to its target queue, and deletes it as
 * `ActionAfterCompletion: DELETE` does). SSM Session Manager is mocked (moto has none).
 */
import { type IAMClient, ListAccessKeysCommand, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  ListSchedulesCommand,
} from '@aws-sdk/client-scheduler';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { scheduleName } from '../../src/departures/schedule';
import { departureWorker } from '../../src/departures/worker';
import { webhookHandler } from '../../src/webhooks/handler';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  createLocalStack,
  createUser,
  drainInbox,
  type LocalStack,
  motoClients,
} from '../../tools/local/seed';
import { standardEvent } from '../../tools/testing/webhook-event';
import { createQueue, drainBodies, lambdaContext, pollOnce, putWebhookSecrets } from './departure-fixtures';

const PREFIX = '/offboarding/webhook/';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const REGION = 'us-east-1';
const GROUP = 'offboarding';
const SCHEDULER_ROLE = 'arn:aws:iam::123456789012:role/offboarding-local-scheduler';
const DAY_MS = 24 * 3600 * 1000;

let moto: Moto;
let stack: LocalStack;
let config: Config;
let clients: Clients;
let admin: Pick<Clients, 'iam' | 'scheduler' | 'sqs' | 'ddb'>;
let queue: { url: string; dlqUrl?: string };
/** Every IAM command the code under test sends (its own client), by name. */
const iamCalls: string[] = [];

const sessions = new SSMClient({ region: REGION });
const sessionsMock = mockClient(sessions);

/** Records the name of every command sent through `iam`. */
function recordCommands(iam: IAMClient, into: string[]) {
  iam.middlewareStack.add(
    (next, context) => (args) => {
      into.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'recordIamCommands' },
  );
}

/** A standard event signed like the sender would, as API Gateway passes it. */
const signed = (webhookId: string, type: string, data: Record<string, string>) =>
  standardEvent({ webhookId, secret: SECRET, type, data });

const webhook = async (event: APIGatewayProxyEventV2) =>
  (await webhookHandler({ config, clients })(
    event,
    lambdaContext('hr-webhook'),
  )) as APIGatewayProxyStructuredResultV2;
const process = (event: SQSEvent) =>
  departureWorker({ config, clients }).process(event, lambdaContext('revocation-worker'));
/** The worker takes what is on the departure queue (one poll of the event source mapping). */
const work = () => pollOnce(clients.sqs, queue.url, process);
const notifications = () => drainInbox(clients.sqs, stack.inbox.queueUrl);

const schedule = (departureId: string) =>
  admin.scheduler.send(new GetScheduleCommand({ Name: scheduleName(departureId), GroupName: GROUP }));
const scheduleGone = (departureId: string) =>
  schedule(departureId).then(
    () => false,
    (err: Error) => err.name === 'ResourceNotFoundException',
  );

/** Delivers a schedule's input to its target queue, as EventBridge Scheduler does when it fires. */
async function deliver(s: GetScheduleCommandOutput): Promise<void> {
  const name = s.Target?.Arn?.split(':').pop() ?? '';
  const { QueueUrl } = await admin.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  await admin.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: s.Target?.Input ?? '' }));
}

/**
 * STAND-IN for EventBridge Scheduler firing the departure's one-time schedule (moto never fires one): reads
 * the schedule, delivers its input to its target, then deletes it (`ActionAfterCompletion: DELETE`).
 */
async function fireStandIn(departureId: string): Promise<void> {
  const s = await schedule(departureId);
  expect(s.ActionAfterCompletion).toBe('DELETE');
  await deliver(s);
  await admin.scheduler.send(new DeleteScheduleCommand({ Name: s.Name, GroupName: GROUP }));
}

const keyStatuses = async (userName: string) =>
  ((await admin.iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map(
    (k) => k.Status,
  );
const attached = async (userName: string) =>
  (
    (await admin.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }))).AttachedPolicies ?? []
  ).map((p) => p.PolicyName);
const record = async (departureId: string) =>
  (
    await admin.ddb.send(
      new GetCommand({ TableName: config.stateTable, Key: { pk: 'scheduled#departures', sk: departureId } }),
    )
  ).Item;

jest.setTimeout(30_000);

beforeAll(async () => {
  moto = await startMoto();
  admin = motoClients(moto);
  stack = await createLocalStack(motoClients(moto));
  queue = await createQueue(admin.sqs, 'departures', 3);
  await putWebhookSecrets(motoClients(moto).ssmHome, PREFIX, { standard: [SECRET] });
  await admin.scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  for (const name of ['jane', 'sam', 'ann', 'max', 'eve']) {
    await createUser(admin.iam, name, { tags: { email: `${name}@example.com` }, keys: 1 });
  }
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  clients = makeClients(
    { region: REGION, endpoint: moto.endpoint, credentials },
    // Session Manager on the mock; the webhook secrets from moto's SSM parameters.
    { ssm: () => sessions, ssmHome: new SSMClient({ region: REGION, endpoint: moto.endpoint, credentials }) },
  );
  recordCommands(clients.iam, iamCalls);
  config = {
    ...stack.config,
    departureQueueUrl: queue.url,
    webhookSecretPrefix: PREFIX,
    scheduleGroup: GROUP,
    schedulerRoleArn: SCHEDULER_ROLE,
  };
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

beforeEach(async () => {
  sessionsMock.reset();
  sessionsMock.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  sessionsMock.on(TerminateSessionCommand).resolves({});
  iamCalls.length = 0;
  await notifications();
});

describe('Integration: departures scheduled ahead, on moto (EventBridge Scheduler stored, fired by a stand-in)', () => {
  it('schedules a departure effective in 3 days (202, a schedule at that time to the queue, notified, no IAM call), and firing it revokes the person', async () => {
    const effective = new Date(Math.ceil((Date.now() + 3 * DAY_MS) / 1000) * 1000);
    const r = await webhook(
      signed('msg_sched_jane', 'employee.departed', {
        email: 'jane@example.com',
        effectiveAt: effective.toISOString(),
      }),
    );
    expect(r.statusCode).toBe(202);
    expect((await work()).response).toEqual({ batchItemFailures: [] });

    const s = await schedule('standard:msg_sched_jane');
    const arn = `arn:aws:sqs:${REGION}:123456789012:departures`;
    expect(s).toMatchObject({
      GroupName: GROUP,
      ScheduleExpression: `at(${effective.toISOString().slice(0, 19)})`,
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arn, RoleArn: SCHEDULER_ROLE },
    });
    expect(JSON.parse(s.Target?.Input ?? '{}')).toMatchObject({
      id: 'standard:msg_sched_jane',
      person: { email: 'jane@example.com' },
      scheduledFor: effective.toISOString(),
    });
    const listed = await admin.scheduler.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((x) => x.Name)).toContain(scheduleName('standard:msg_sched_jane'));
    const [n, ...more] = await notifications();
    expect(more).toEqual([]);
    expect(n?.attributes).toMatchObject({ trigger: 'departure', outcome: 'scheduled', severity: 'info' });
    expect(JSON.parse(n?.message ?? '{}')).toMatchObject({ effectiveAt: effective.toISOString() });
    expect(iamCalls).toEqual([]);
    expect(await keyStatuses('jane')).toEqual(['Active']);
    expect(await drainBodies(admin.sqs, queue.url)).toEqual([]);

    await fireStandIn('standard:msg_sched_jane');
    expect((await work()).response).toEqual({ batchItemFailures: [] });
    expect(await keyStatuses('jane')).toEqual(['Inactive']);
    expect(await attached('jane')).toContain('AWSDenyAll');
    const revoked = await notifications();
    expect(revoked.map((x) => x.attributes.outcome)).toEqual(['revoked']);
    expect(JSON.parse(revoked[0]?.message ?? '{}').runId).toBe('standard:msg_sched_jane');
    expect(await record('standard:msg_sched_jane')).toMatchObject({ state: 'fired' });
    expect(await scheduleGone('standard:msg_sched_jane')).toBe(true);
  });

  it('deletes the schedule on a cancellation before the time, and the schedule firing anyway (the race) revokes nothing', async () => {
    const effective = new Date(Date.now() + 3 * DAY_MS).toISOString();
    expect(
      (
        await webhook(
          signed('msg_sched_sam', 'employee.departed', { email: 'sam@example.com', effectiveAt: effective }),
        )
      ).statusCode,
    ).toBe(202);
    await work();
    // What the schedule would deliver, read before the cancellation: it fires while the cancellation lands.
    const captured = await schedule('standard:msg_sched_sam');
    await notifications();

    const c = await webhook(
      signed('msg_cancel_sam', 'employee.departure_cancelled', { email: 'SAM@example.com' }),
    );
    expect(c.statusCode).toBe(202);
    expect((await work()).response).toEqual({ batchItemFailures: [] });
    expect(await scheduleGone('standard:msg_sched_sam')).toBe(true);
    expect(await record('standard:msg_sched_sam')).toMatchObject({
      state: 'cancelled',
      cancelledBy: 'standard:msg_cancel_sam',
    });
    const [n] = await notifications();
    expect(n?.attributes).toMatchObject({ outcome: 'cancelled', severity: 'info' });

    await deliver(captured);
    expect((await work()).response).toEqual({ batchItemFailures: [] });
    expect(await keyStatuses('sam')).toEqual(['Active']);
    expect(await attached('sam')).toEqual([]);
    expect(iamCalls).toEqual([]);
    expect(await notifications()).toEqual([]);
    expect(await drainBodies(admin.sqs, queue.url)).toEqual([]);
  });

  it('revokes now a departure effective in the past, and one without a time, as before; in the same batch one effective in 3 days waits', async () => {
    const past = new Date(Date.now() - DAY_MS).toISOString();
    const ahead = new Date(Date.now() + 3 * DAY_MS).toISOString();
    const sent = [
      signed('msg_past_ann', 'employee.departed', { email: 'ann@example.com', effectiveAt: past }),
      signed('msg_now_max', 'employee.departed', { email: 'max@example.com' }),
      signed('msg_ahead_eve', 'employee.departed', { email: 'eve@example.com', effectiveAt: ahead }),
    ];
    for (const event of sent) expect((await webhook(event)).statusCode).toBe(202);
    const { records, response } = await work();
    expect(records).toHaveLength(3);
    expect(response).toEqual({ batchItemFailures: [] });
    for (const name of ['ann', 'max']) expect(await keyStatuses(name)).toEqual(['Inactive']);
    expect(await keyStatuses('eve')).toEqual(['Active']);
    const outcomes = (await notifications()).map((n) => n.attributes.outcome).sort();
    expect(outcomes).toEqual(['revoked', 'revoked', 'scheduled']);
    expect(await scheduleGone('standard:msg_past_ann')).toBe(true);
    expect(await scheduleGone('standard:msg_now_max')).toBe(true);
    expect(await record('standard:msg_past_ann')).toBeUndefined();
    expect(await record('standard:msg_ahead_eve')).toMatchObject({ state: 'scheduled' });
  });
});
