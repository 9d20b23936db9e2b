/**
 * The CloudTrail follow-up, end to end on moto: a lockdown revokes a user (moto's IAM), schedules its follow-ups
 * (moto's EventBridge Scheduler holds them), and the follow-up run reads its targets from the state table (moto's
 * DynamoDB), reads CloudTrail, the key's last use (moto's IAM), notifies (moto's SNS, an SQS inbox) and records
 * its outcome (moto's DynamoDB).
 *
 * Two stand-ins, each for one thing moto lacks:
 * - STAND-IN for CloudTrail LookupEvents (moto answers 500): tools/testing/cloudtrail-stand-in.ts, an in-memory
 *   trail fed with events, answering by lookup attribute, time range and page as CloudTrail does;
 * - STAND-IN for EventBridge Scheduler firing (moto stores schedules, never fires them): the schedule is read from
 *   moto and its input handed to the follow-up, as Scheduler would invoke the function.
 * IAM enforcement is off: with it on, moto's Scheduler fails signature checks on Get/List/Delete Schedule, so
 * the schedules could not be read back (test/integration/lockdown.test.ts proves the lockdown under enforcement).
 * SSM Session Manager is mocked (moto has none).
 */
import { ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import {
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
} from '@aws-sdk/client-scheduler';
import { DescribeSessionsCommand, SSMClient, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { accountAccess } from '../../src/accounts/access';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import type { RevocationReport } from '../../src/engine/types';
import { type FollowUpReport, followUpSchedule } from '../../src/follow-up';
import { followUp } from '../../src/follow-up/run';
import { lockdown } from '../../src/operator/lockdown';
import { type Moto, startMoto } from '../../tools/local/moto';
import {
  createLocalStack,
  createUser,
  drainInbox,
  type LocalStack,
  motoClients,
} from '../../tools/local/seed';
import { CloudTrailStandIn } from '../../tools/testing/cloudtrail-stand-in';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const GROUP = 'offboarding-test';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:offboarding-test-followUp`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/offboarding-test-scheduler`;

let moto: Moto;
let stack: LocalStack;
let config: Config;
let clients: Clients;
let admin: Clients;
const trail = new CloudTrailStandIn(ACCOUNT);
const sessions = new SSMClient({ region: REGION });
const sessionsMock = mockClient(sessions);

jest.setTimeout(30_000);

beforeAll(async () => {
  moto = await startMoto();
  admin = motoClients(moto);
  stack = await createLocalStack(admin);
  await admin.scheduler.send(new CreateScheduleGroupCommand({ Name: GROUP }));
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  clients = makeClients(
    { region: REGION, endpoint: moto.endpoint, credentials },
    { ssm: () => sessions, cloudtrail: trail.factory },
  );
  config = {
    ...stack.config,
    scheduleGroup: GROUP,
    schedulerRoleArn: ROLE,
    followUpFunctionArn: FN,
    followUpMinutes: [15, 60],
    sessionRegions: ['eu-west-1'],
  };
  trail.install();
}, 60_000);

afterAll(async () => {
  trail.restore();
  await moto?.stop();
});

beforeEach(async () => {
  sessionsMock.reset();
  sessionsMock.on(DescribeSessionsCommand).resolves({ Sessions: [] });
  sessionsMock.on(TerminateSessionCommand).resolves({});
  trail.clear();
  await drainInbox(admin.sqs, stack.inbox.queueUrl);
});

/** Locks down a fresh user with one key: the run, and the user's key id. */
async function revoke(userName: string): Promise<{ report: RevocationReport; keyId: string }> {
  const user = await createUser(admin.iam, userName, { keys: 1 });
  const report = (await lockdown(
    { target: { userName }, reason: 'INC-9 key leaked', requestedBy: 'secops' },
    { config, clients, now: new Date() },
  )) as RevocationReport;
  await drainInbox(admin.sqs, stack.inbox.queueUrl);
  return { report, keyId: user.keys[0]?.accessKeyId ?? '' };
}

/**
 * STAND-IN for EventBridge Scheduler invoking the follow-up function at the schedule's time: reads the schedule
 * from moto and hands its input to the follow-up, `minutes` after the revocation.
 */
async function fire(report: RevocationReport, minutes: number): Promise<FollowUpReport> {
  const s = followUpSchedule(GROUP, report.runId, new Date(report.finishedAt), minutes);
  const stored = await admin.scheduler.send(new GetScheduleCommand({ Name: s.name, GroupName: GROUP }));
  const access = accountAccess({ config, clients });
  const now = new Date(new Date(report.finishedAt).getTime() + minutes * 60_000);
  return followUp(JSON.parse(stored.Target?.Input ?? '{}'), {
    config,
    clients,
    access,
    now,
    sleep: async () => {},
  });
}

const results = async (runId: string) =>
  (
    await admin.ddb.send(
      new QueryCommand({
        TableName: config.stateTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': `followup#${runId}`, ':r': 'result#' },
      }),
    )
  ).Items ?? [];

const later = (report: RevocationReport, seconds: number) =>
  new Date(new Date(report.finishedAt).getTime() + seconds * 1000);

describe('Integration: the CloudTrail follow-up after a revocation (moto; LookupEvents and the firing stood in)', () => {
  it('schedules the follow-ups after a lockdown: moto holds one per FOLLOW_UP_MINUTES, at(...) after the run, invoking the follow-up function with the run id', async () => {
    const { report } = await revoke('fu-ann');
    expect(
      (
        (await admin.iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'fu-ann' })))
          .AttachedPolicies ?? []
      ).map((p) => p.PolicyName),
    ).toContain('AWSDenyAll');
    const listed =
      (await admin.scheduler.send(new ListSchedulesCommand({ GroupName: GROUP }))).Schedules ?? [];
    const names = [15, 60].map(
      (m) => followUpSchedule(GROUP, report.runId, new Date(report.finishedAt), m).name,
    );
    expect(listed.map((s) => s.Name)).toEqual(expect.arrayContaining(names));
    for (const m of [15, 60]) {
      const s = await admin.scheduler.send(
        new GetScheduleCommand({ Name: names[m === 15 ? 0 : 1], GroupName: GROUP }),
      );
      const at = new Date(Math.ceil((Date.parse(report.finishedAt) + m * 60_000) / 1000) * 1000);
      expect(s).toMatchObject({
        ScheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
        ScheduleExpressionTimezone: 'UTC',
        ActionAfterCompletion: 'DELETE',
        Target: { Arn: FN, RoleArn: ROLE },
      });
      expect(JSON.parse(s.Target?.Input ?? '')).toEqual({ runId: report.runId });
    }
    expect(report.notes).toContainEqual(expect.stringMatching(/^CloudTrail follow-up scheduled: at\(/));
  });

  it('alerts at high severity, naming the call, when the revoked user made a successful call after the deny', async () => {
    const { report, keyId } = await revoke('fu-bob');
    trail.feed(ACCOUNT, REGION, {
      eventId: 'evt-after-1',
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      eventTime: later(report, 120),
      username: 'fu-bob',
      accessKeyId: keyId,
      sourceIPAddress: '198.51.100.23',
    });
    const r = await fire(report, 15);
    expect(r.outcome).toBe('activity-after-revocation');
    expect(r.activity.map((e) => [e.eventId, e.username, e.accessKeyId])).toEqual([
      ['evt-after-1', 'fu-bob', keyId],
    ]);
    // Looked up by the user name and by the key, in us-east-1 and the session region.
    expect(trail.calls).toEqual(
      expect.arrayContaining([
        { account: ACCOUNT, region: REGION, attribute: 'Username', value: 'fu-bob' },
        { account: ACCOUNT, region: REGION, attribute: 'AccessKeyId', value: keyId },
        { account: ACCOUNT, region: 'eu-west-1', attribute: 'Username', value: 'fu-bob' },
      ]),
    );
    const inbox = await drainInbox(admin.sqs, stack.inbox.queueUrl);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]?.attributes).toEqual({
      trigger: 'follow-up',
      outcome: 'activity-after-revocation',
      severity: 'high',
    });
    expect(inbox[0]?.subject).toContain('Follow-up of fu-bob: ACTIVITY AFTER REVOCATION');
    expect(JSON.parse(inbox[0]?.message ?? '{}').activity[0]).toMatchObject({
      eventName: 'ListBuckets',
      sourceIPAddress: '198.51.100.23',
    });
    expect(await results(report.runId)).toEqual([
      expect.objectContaining({
        kind: 'follow-up-result',
        outcome: 'activity-after-revocation',
        severity: 'high',
      }),
    ]);
  });

  it('gives an informational note when the revoked user only made denied calls', async () => {
    const { report, keyId } = await revoke('fu-cat');
    trail.feed(ACCOUNT, REGION, {
      eventId: 'evt-denied-1',
      eventName: 'GetCallerIdentity',
      eventSource: 'sts.amazonaws.com',
      eventTime: later(report, 60),
      username: 'fu-cat',
      accessKeyId: keyId,
      errorCode: 'AccessDenied',
    });
    const r = await fire(report, 15);
    expect(r.outcome).toBe('denied-attempts');
    const inbox = await drainInbox(admin.sqs, stack.inbox.queueUrl);
    expect(inbox.map((n) => n.attributes)).toEqual([
      { trigger: 'follow-up', outcome: 'denied-attempts', severity: 'info' },
    ]);
    expect(await results(report.runId)).toEqual([expect.objectContaining({ outcome: 'denied-attempts' })]);
  });

  it('records a quiet no-activity result, publishing nothing, when CloudTrail has no event of the user', async () => {
    const { report } = await revoke('fu-dan');
    // Someone else's call, and the user's own call an hour before the revocation: neither counts.
    trail.feed(ACCOUNT, REGION, {
      eventId: 'evt-other',
      eventName: 'ListUsers',
      eventSource: 'iam.amazonaws.com',
      eventTime: later(report, 30),
      username: 'someone-else',
    });
    trail.feed(ACCOUNT, REGION, {
      eventId: 'evt-before',
      eventName: 'ListBuckets',
      eventSource: 's3.amazonaws.com',
      eventTime: later(report, -3600),
      username: 'fu-dan',
    });
    const r = await fire(report, 60);
    expect(r.outcome).toBe('no-activity');
    expect(await drainInbox(admin.sqs, stack.inbox.queueUrl)).toEqual([]);
    expect(await results(report.runId)).toEqual([
      expect.objectContaining({ kind: 'follow-up-result', outcome: 'no-activity', severity: 'info' }),
    ]);
  });
});
