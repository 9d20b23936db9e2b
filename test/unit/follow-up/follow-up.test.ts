import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetAccessKeyLastUsedCommand, IAMClient } from '@aws-sdk/client-iam';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { TemporaryCredentials } from '../../../src/clients';
import { makeClients } from '../../../src/clients';
import { InvalidRequestError, NotFoundError } from '../../../src/errors';
import type { FollowUpTarget } from '../../../src/follow-up';
import { followUp } from '../../../src/follow-up/run';
import { testConfig } from '../../../tools/testing/config';
import { AT, FINISHED, HOME, MEMBER } from './fixtures';
import 'aws-sdk-client-mock-jest';

/**
 * The follow-up run, every AWS call on aws-sdk-client-mock: the targets read from the state table, LookupEvents
 * per account and region (the member account's with the member role's credentials), GetAccessKeyLastUsed, the
 * notification and the result record.
 */
const cloudtrail = mockClient(CloudTrailClient);
const iam = mockClient(IAMClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const NOW = new Date('2026-02-01T10:15:05.000Z');
const MEMBER_CREDS: TemporaryCredentials = {
  accessKeyId: 'ASIAMEMBER',
  secretAccessKey: 's',
  sessionToken: 't',
};
const config = testConfig();

/** Which (account credentials, region) each CloudTrail client was built for. */
const built: { region: string; accessKeyId: string }[] = [];
const clients = makeClients(
  { region: 'us-east-1' },
  {
    cloudtrail: (region, credentials) => {
      built.push({ region, accessKeyId: credentials?.accessKeyId ?? 'own' });
      return new CloudTrailClient({ region, ...(credentials ? { credentials } : {}) });
    },
  },
);
const assumed: string[] = [];
const access = {
  selfAccountId: async () => HOME,
  memberRoleArn: async (id: string) => `arn:aws:iam::${id}:role/offboarding-member`,
  credentials: async (roleArn: string, runId: string) => {
    assumed.push(`${roleArn} as ${runId}`);
    return MEMBER_CREDS;
  },
  open: async (accountId: string) => ({
    accountId,
    home: accountId === HOME,
    clients: {
      iam: new IAMClient({ region: 'us-east-1' }),
      ssm: clients.ssm,
      organizations: clients.organizations,
    },
  }),
};

const target = (accountId: string, overrides: Partial<FollowUpTarget> = {}): FollowUpTarget => ({
  kind: 'follow-up-target',
  pk: 'followup#standard:msg_1',
  sk: `target#${accountId}`,
  runId: 'standard:msg_1',
  trigger: 'departure',
  accountId,
  revokedAt: AT,
  denyAt: FINISHED,
  regions: ['us-east-1', 'eu-west-1'],
  usernames: ['jane'],
  accessKeyIds: ['AKIAJANE1'],
  principals: [`arn:aws:iam::${accountId}:user/jane`],
  schedules: [],
  expiresAt: 0,
  ...overrides,
});

/** A LookupEvents event at `time`, with an error code or not. */
const trail = (id: string, time: string, errorCode?: string) => ({
  EventId: id,
  EventName: 'GetObject',
  EventSource: 's3.amazonaws.com',
  EventTime: new Date(time),
  Username: 'jane',
  CloudTrailEvent: JSON.stringify({ ...(errorCode ? { errorCode } : {}), sourceIPAddress: '198.51.100.7' }),
});

const deps = () => ({ config, clients, access, now: NOW, limit: async () => {}, sleep: async () => {} });
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const recorded = () =>
  ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item as Record<string, unknown>);

beforeEach(() => {
  for (const m of [cloudtrail, iam, ddb, sns]) m.reset();
  built.length = 0;
  assumed.length = 0;
  ddb.on(QueryCommand).resolves({ Items: [target(HOME)] });
  ddb.on(PutCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  iam
    .on(GetAccessKeyLastUsedCommand)
    .resolves({ AccessKeyLastUsed: { LastUsedDate: undefined, ServiceName: 'N/A', Region: 'N/A' } });
});

describe('Function: followUp', () => {
  it('looks up every account in us-east-1 and each session region, by Username and by AccessKeyId, the member account with the member role', async () => {
    ddb
      .on(QueryCommand)
      .resolves({ Items: [target(HOME), target(MEMBER, { usernames: ['jd', 'jane@example.com'] })] });
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(built).toEqual(
      expect.arrayContaining([
        { region: 'us-east-1', accessKeyId: 'own' },
        { region: 'eu-west-1', accessKeyId: 'own' },
        { region: 'us-east-1', accessKeyId: 'ASIAMEMBER' },
        { region: 'eu-west-1', accessKeyId: 'ASIAMEMBER' },
      ]),
    );
    expect(built).toHaveLength(4);
    expect(assumed).toEqual([`arn:aws:iam::${MEMBER}:role/offboarding-member as follow-up:standard:msg_1`]);
    // home: (1 user + 1 key) x 2 regions; member: (2 names + 1 key) x 2 regions
    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 4 + 6);
    expect(cloudtrail).toHaveReceivedCommandWith(LookupEventsCommand, {
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: 'AKIAJANE1' }],
      StartTime: new Date(AT),
      EndTime: NOW,
    });
    expect(cloudtrail).toHaveReceivedCommandWith(LookupEventsCommand, {
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'jane@example.com' }],
    });
    expect(r.accounts.map((a) => [a.accountId, a.lookups])).toEqual([
      [HOME, 4],
      [MEMBER, 6],
    ]);
  });

  it('paces all lookups of one account and region through one limiter key', async () => {
    const keys: string[] = [];
    await followUp({ runId: 'standard:msg_1' }, { ...deps(), limit: async (k: string) => void keys.push(k) });
    expect(keys.filter((k) => k === `${HOME}|us-east-1`)).toHaveLength(2);
    expect(keys.filter((k) => k === `${HOME}|eu-west-1`)).toHaveLength(2);
  });

  it('alerts at high severity, naming the call, when a call succeeded after the deny took effect', async () => {
    cloudtrail.on(LookupEventsCommand).resolves({
      Events: [
        trail('during', '2026-02-01T10:00:02Z'),
        trail('after', '2026-02-01T10:07:00Z'),
        trail('denied', '2026-02-01T10:08:00Z', 'AccessDenied'),
        trail('old', '2026-02-01T09:00:00Z'),
      ],
    });
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(r.outcome).toBe('activity-after-revocation');
    expect(r.activity.map((e) => e.eventId)).toEqual(['after']);
    expect(r.denied.map((e) => e.eventId)).toEqual(['denied']);
    expect(r.beforeDeny.map((e) => e.eventId)).toEqual(['during']);
    const [n] = published();
    expect(n?.MessageAttributes?.severity?.StringValue).toBe('high');
    expect(n?.MessageAttributes?.trigger?.StringValue).toBe('follow-up');
    expect(n?.Subject).toMatch(/Follow-up of jane: ACTIVITY AFTER REVOCATION/);
    expect(JSON.parse(n?.Message ?? '{}').default).toContain('s3:GetObject');
    expect(recorded()).toEqual([
      expect.objectContaining({
        pk: 'followup#standard:msg_1',
        sk: `result#${NOW.toISOString()}`,
        kind: 'follow-up-result',
        outcome: 'activity-after-revocation',
        severity: 'high',
      }),
    ]);
  });

  it('alerts at high severity when GetAccessKeyLastUsed is later than the revocation (the second signal)', async () => {
    iam.on(GetAccessKeyLastUsedCommand).resolves({
      AccessKeyLastUsed: {
        LastUsedDate: new Date('2026-02-01T10:10:00Z'),
        ServiceName: 's3',
        Region: 'eu-west-1',
      },
    });
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(r.outcome).toBe('activity-after-revocation');
    expect(r.keysUsedAfter).toEqual([
      {
        accountId: HOME,
        accessKeyId: 'AKIAJANE1',
        lastUsedDate: '2026-02-01T10:10:00.000Z',
        serviceName: 's3',
        region: 'eu-west-1',
      },
    ]);
    expect(published()[0]?.MessageAttributes?.severity?.StringValue).toBe('high');
  });

  it('notes denied attempts only as information', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolves({ Events: [trail('d1', '2026-02-01T10:09:00Z', 'AccessDenied')] });
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(r.outcome).toBe('denied-attempts');
    expect(published()[0]?.MessageAttributes?.severity?.StringValue).toBe('info');
  });

  it('records a quiet no-activity result and publishes nothing when there is no event', async () => {
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(r.outcome).toBe('no-activity');
    expect(sns).not.toHaveReceivedAnyCommand();
    expect(recorded()).toEqual([expect.objectContaining({ outcome: 'no-activity', severity: 'info' })]);
  });

  it('reports a failed lookup (incomplete, high) instead of dropping it', async () => {
    cloudtrail.on(LookupEventsCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalError' }));
    const r = await followUp({ runId: 'standard:msg_1' }, deps());
    expect(r.outcome).toBe('incomplete');
    expect(r.failures).toHaveLength(4);
    expect(r.failures[0]).toMatchObject({ accountId: HOME, lookup: 'Username=jane' });
    expect(published()[0]?.MessageAttributes?.severity?.StringValue).toBe('high');
  });

  it('refuses a malformed input before any AWS call', async () => {
    await expect(followUp({ runId: 'bad id!' }, deps())).rejects.toThrow(InvalidRequestError);
    await expect(followUp({ runId: 'r', extra: 1 }, deps())).rejects.toThrow(InvalidRequestError);
    expect(ddb).not.toHaveReceivedAnyCommand();
    expect(cloudtrail).not.toHaveReceivedAnyCommand();
  });

  it('fails with NotFoundError when the run has no follow-up targets', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(followUp({ runId: 'standard:msg_9' }, deps())).rejects.toThrow(NotFoundError);
    expect(cloudtrail).not.toHaveReceivedAnyCommand();
  });
});
