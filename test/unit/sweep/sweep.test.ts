import {
  AttachUserPolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { PublishCommand } from '@aws-sdk/client-sns';
import { BatchWriteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Config } from '../../../src/config';
import type { RevocationRecord, RevokedIndexEntry } from '../../../src/engine/state';
import type { RevocationMode } from '../../../src/engine/types';
import { InvalidRequestError } from '../../../src/errors';
import { CredentialReportTimeoutError } from '../../../src/sweep/credential-report';
import { keySweep, runSweep } from '../../../src/sweep/sweep';
import type { SweepSummary } from '../../../src/sweep/types';
import { FakeIam, type FakeIamUser } from '../../support/fake-iam';
import { allCalls, answerDefaults, iamWrites, mockAws, NOW } from '../../support/iam-mock';

const m = mockAws();
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const TABLE = 'offboarding-state';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

interface KeySpec {
  id: string;
  /** Days since creation. */
  created: number;
  /** Days since last use; null = never used. */
  used: number | null;
  status?: 'Active' | 'Inactive';
}
/** A user of the fake account, dates in days before the run. */
interface UserSpec {
  name: string;
  keys?: KeySpec[];
  /** What the credential report says, when IAM has changed since it was generated (keys rotated, used...). */
  reportKeys?: KeySpec[];
  tags?: Record<string, string>;
  attached?: string[];
  inline?: string[];
  loginProfile?: boolean;
  /** Not in the credential report (created after it). */
  unreported?: boolean;
  /** In the credential report, but deleted from IAM since. */
  deleted?: boolean;
  /** In the revoked-users index: revoked this many days ago, in this mode. */
  revoked?: { daysAgo: number; mode: RevocationMode };
}

const REPORT_AGE_DAYS = 0.1;

/** A revoked-index item as stored (its keys beside the entry). */
const indexEntry = (u: UserSpec): RevokedIndexEntry & { pk: string; sk: string } => ({
  pk: 'index#revoked-users',
  sk: u.name,
  kind: 'revoked-index',
  userName: u.name,
  runId: `run-${u.name}`,
  at: daysAgo(u.revoked?.daysAgo ?? 10).toISOString(),
  trigger: u.revoked?.mode === 'departure' ? 'departure' : 'lockdown',
  mode: u.revoked?.mode ?? 'lockdown',
});

/** The user as the fake IAM holds it, with these keys. */
const iamUser = (u: UserSpec, keys = u.keys): FakeIamUser => ({
  userName: u.name,
  keys: (keys ?? []).map((k) => ({
    id: k.id,
    ...(k.status ? { status: k.status } : {}),
    created: daysAgo(k.created),
    lastUsed: k.used === null ? null : daysAgo(k.used),
  })),
  ...(u.tags ? { tags: u.tags } : {}),
  ...(u.attached ? { attached: u.attached } : {}),
  ...(u.inline ? { inline: u.inline } : {}),
  ...(u.loginProfile ? { loginProfile: true } : {}),
});

/** The revoked-users index (Query on its partition), `page` entries a page. */
function revokedIndex(indexed: readonly (RevokedIndexEntry & { pk: string; sk: string })[], page: number) {
  m.ddb
    .on(QueryCommand)
    .callsFake(
      async (input: {
        ExpressionAttributeValues?: Record<string, string>;
        ExclusiveStartKey?: { sk: string };
      }) => {
        if (input.ExpressionAttributeValues?.[':pk'] !== 'index#revoked-users') return { Items: [] };
        const after = input.ExclusiveStartKey?.sk;
        const start = after === undefined ? 0 : indexed.findIndex((e) => e.sk === after) + 1;
        const items = indexed.slice(start, start + page);
        const last = items[items.length - 1];
        const more = start + page < indexed.length && last;
        return { Items: items, ...(more ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}) };
      },
    );
}

/**
 * The account, on the one fake IAM (test/support/fake-iam.ts): its credential report was generated
 * `REPORT_AGE_DAYS` ago from IAM as it was then (`reportKeys`, users not yet `unreported`, users not yet
 * `deleted`); IAM now answers every command (tags, keys, last use, policies, the engine's reads and writes)
 * from its state as it is now, and the writes change it. The revoked-users index (DynamoDB Query) holds the
 * users with `revoked`, `indexPage` entries a page. `reportPolls`: IAM has no report yet and takes that many
 * polls to make one.
 */
function account(users: UserSpec[], options: { indexPage?: number; reportPolls?: number } = {}): FakeIam {
  const iam = new FakeIam({
    reportAt: daysAgo(REPORT_AGE_DAYS),
    ...(options.reportPolls !== undefined ? { reportPolls: options.reportPolls } : {}),
  });
  for (const u of users.filter((x) => !x.unreported)) iam.addUser(iamUser(u, u.reportKeys ?? u.keys));
  if (options.reportPolls === undefined) iam.generateReport();
  for (const u of users) {
    if (u.unreported || u.reportKeys) iam.addUser(iamUser(u));
    if (u.deleted) iam.deleteUser(u.name);
  }
  iam.answer(m.iam);
  revokedIndex(users.filter((u) => u.revoked).map(indexEntry), options.indexPage ?? 5000);
  m.ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
  return iam;
}

const deps = (config: Partial<Config> = {}) =>
  m.deps({ sweepMaxFraction: 1, sessionRegions: ['us-east-1'], stateTable: TABLE, ...config });
const deactivated = () =>
  m.iam
    .commandCalls(UpdateAccessKeyCommand)
    .map((c) => `${c.args[0].input.UserName}/${c.args[0].input.AccessKeyId}`);
const usersCalled = (command: Parameters<typeof m.iam.commandCalls>[0]) =>
  m.iam
    .commandCalls(command)
    .map((c) => (c.args[0].input as { UserName?: string }).UserName ?? '')
    .sort();
const lastUseRead = () =>
  m.iam
    .commandCalls(GetAccessKeyLastUsedCommand)
    .map((c) => c.args[0].input.AccessKeyId)
    .sort();
const recordsWritten = () =>
  m.ddb
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flat())
    .map((w) => w.PutRequest?.Item as RevocationRecord);
const published = () => m.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const summaryMessages = () =>
  published()
    .map((p) => JSON.parse(JSON.parse(p.Message ?? '{}').sqs) as { kind: string })
    .filter((j): j is SweepSummary => j.kind === 'sweep');
/** `user/<key id>` when the key was re-read, `user/slot <n>` when known from the report only. */
const classes = (s: SweepSummary) =>
  Object.fromEntries(s.keys.map((k) => [`${k.user}/${k.accessKeyId ?? `slot ${k.slot}`}`, k.class]));
/** What every mode must agree on: each flagged key's user and class. */
const judged = (s: SweepSummary) => s.keys.map((k) => `${k.user}:${k.class}`).sort();
/** Every AWS call, by `Client:Command`. */
const callCounts = () => {
  const out: Record<string, number> = {};
  for (const [name, stub] of [
    ['IAM', m.iam],
    ['DynamoDB', m.ddb],
    ['SNS', m.sns],
  ] as const) {
    for (const c of stub.calls()) {
      const op = `${name}:${(c.args[0].constructor.name as string).replace(/Command$/, '')}`;
      out[op] = (out[op] ?? 0) + 1;
    }
  }
  return out;
};

const MIXED: UserSpec[] = [
  { name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }], tags: { email: 'old@example.com' } },
  { name: 'idle', keys: [{ id: 'AKIAIDLE', created: 60, used: 50 }] },
  { name: 'never', keys: [{ id: 'AKIANEVER', created: 50, used: null }] },
  { name: 'due', keys: [{ id: 'AKIADUE', created: 80, used: 2 }] },
  { name: 'fresh', keys: [{ id: 'AKIAFRESH', created: 5, used: 0 }] },
  {
    name: 'rotating',
    keys: [
      { id: 'AKIAROTOLD', created: 100, used: 3 },
      { id: 'AKIAROTNEW', created: 2, used: 0 },
    ],
    tags: { 'employee-id': 'E-7' },
  },
  { name: 'parked', keys: [{ id: 'AKIAPARKED', created: 400, used: 300, status: 'Inactive' }] },
  {
    name: 'exempt',
    keys: [{ id: 'AKIAEXEMPT', created: 200, used: null }],
    tags: { 'offboarding:exempt-until': '2026-12-31', 'offboarding:exempt-reason': 'vendor migration' },
  },
  {
    name: 'lapsed',
    keys: [{ id: 'AKIALAPSED', created: 200, used: null }],
    tags: { 'offboarding:exempt-until': '2026-11-28', 'offboarding:exempt-reason': 'vendor migration' },
  },
  {
    name: 'guarded',
    keys: [{ id: 'AKIAGUARDED', created: 200, used: null }],
    tags: { 'offboarding:protected': 'true' },
  },
  { name: 'breakglass', keys: [{ id: 'AKIABREAK', created: 200, used: null }] },
];
const mixedConfig = { protectedPrincipals: ['breakglass'] };
/** Users of MIXED with a key the report flags (the only ones whose tags are read). */
const MIXED_CANDIDATES = [
  'breakglass',
  'due',
  'exempt',
  'guarded',
  'idle',
  'lapsed',
  'never',
  'old',
  'rotating',
];

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('Function: runSweep', () => {
  it('classifies every key from the credential report, and names each flagged key by id in report mode', async () => {
    account(MIXED);

    const s = await runSweep({ mode: 'report' }, deps(mixedConfig));

    expect(classes(s)).toEqual({
      'old/AKIAOLD': 'expired',
      'idle/AKIAIDLE': 'idle',
      'never/AKIANEVER': 'never-used',
      'due/AKIADUE': 'due',
      'rotating/AKIAROTOLD': 'expired',
      'lapsed/AKIALAPSED': 'expired',
    });
    expect(s.counts).toEqual({
      expired: 3,
      idle: 1,
      'never-used': 1,
      due: 1,
      ok: 2,
      inactive: 1,
      exempt: 1,
      protected: 2,
    });
    expect(s.activeKeys).toBe(11);
    expect(s.users).toBe(11);
    expect(s.candidates).toEqual({ users: 9, keys: 9 });
    expect(s.keys.find((k) => k.user === 'rotating')).toMatchObject({
      accessKeyId: 'AKIAROTOLD',
      slot: 1,
      createdAt: daysAgo(100).toISOString(),
      owner: { 'employee-id': 'E-7' },
      action: 'reported',
    });
    expect(s.exemptions).toEqual([
      { user: 'exempt', status: 'active', until: '2026-12-31', reason: 'vendor migration' },
      { user: 'lapsed', status: 'expired', until: '2026-11-28', reason: 'vendor migration' },
    ]);
  });

  it('reads tags of candidates only, and in report mode lists keys (ids, never last use) of users it names', async () => {
    account(MIXED);

    await runSweep({ mode: 'report' }, deps(mixedConfig));

    expect(usersCalled(ListUserTagsCommand)).toEqual(MIXED_CANDIDATES);
    // Not the protected or exempt users (nothing reported or warned), nor unflagged users.
    expect(usersCalled(ListAccessKeysCommand)).toEqual(['due', 'idle', 'lapsed', 'never', 'old', 'rotating']);
    expect(m.iam).not.toHaveReceivedCommand(GetAccessKeyLastUsedCommand);
    expect(callCounts()).toEqual({
      'IAM:GenerateCredentialReport': 1,
      'IAM:GetCredentialReport': 1,
      'DynamoDB:Query': 1,
      'IAM:ListUserTags': MIXED_CANDIDATES.length,
      'IAM:ListAccessKeys': 6,
      'SNS:Publish': 1,
    });
  });

  it('re-reads in enforce mode only users with a key to act on, and reads last use only of keys flagged idle or never used', async () => {
    account(MIXED);

    await runSweep({ mode: 'enforce' }, deps(mixedConfig));

    // Not `exempt`, `guarded`, `breakglass` (never acted on), nor unflagged users; `due` only to name its key;
    // each user acted on twice: re-read before the write, and again to verify it.
    expect(usersCalled(ListAccessKeysCommand)).toEqual([
      'due',
      'idle',
      'idle',
      'lapsed',
      'lapsed',
      'never',
      'never',
      'old',
      'old',
      'rotating',
      'rotating',
    ]);
    // Not AKIAOLD, AKIALAPSED, AKIAROTOLD (expired by age alone) nor AKIAROTNEW (the unflagged second key).
    expect(lastUseRead()).toEqual(['AKIAIDLE', 'AKIANEVER']);
  });

  it('deactivates exactly the qualifying key ids in enforce mode, and only the old key of a two-key user', async () => {
    const iam = account(MIXED);

    const s = await runSweep({ mode: 'enforce' }, deps(mixedConfig));

    expect(deactivated().sort()).toEqual([
      'idle/AKIAIDLE',
      'lapsed/AKIALAPSED',
      'never/AKIANEVER',
      'old/AKIAOLD',
      'rotating/AKIAROTOLD',
    ]);
    expect(iam.user('rotating').keys?.map((k) => [k.id, k.status ?? 'Active'])).toEqual([
      ['AKIAROTOLD', 'Inactive'],
      ['AKIAROTNEW', 'Active'],
    ]);
    expect(s.outcome).toBe('enforced');
    expect(s.keys.find((k) => k.user === 'due')).toMatchObject({
      accessKeyId: 'AKIADUE',
      slot: 1,
      action: 'warned',
    });
  });

  it('writes every record in one batch before any key is deactivated, and completes them in one batch after', async () => {
    const iam = account(MIXED);
    const order: string[] = [];
    m.ddb.on(BatchWriteCommand).callsFake(async (input: { RequestItems: Record<string, unknown[]> }) => {
      order.push(`records ${input.RequestItems[TABLE]?.length}`);
      return { UnprocessedItems: {} };
    });
    iam.observe((command, input) => {
      if (command === 'UpdateAccessKey') order.push(`write ${input.UserName}`);
    });

    await runSweep({ mode: 'enforce' }, deps(mixedConfig));

    expect(order[0]).toBe('records 5');
    expect(order.slice(1, -1).every((o) => o.startsWith('write '))).toBe(true);
    expect(order.at(-1)).toBe('records 5');
    const record = recordsWritten().find((r) => r.principal.name === 'rotating');
    expect(record).toMatchObject({
      pk: 'principal#user#rotating',
      kind: 'revocation',
      trigger: 'sweep',
      requestedBy: 'key-sweep',
      plan: [{ type: 'deactivate-access-key', accessKeyId: 'AKIAROTOLD', state: 'todo' }],
    });
    expect(record?.snapshot).toMatchObject({
      accessKeys: [{ accessKeyId: 'AKIAROTOLD' }, { accessKeyId: 'AKIAROTNEW' }],
    });
    expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
    expect(m.ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('writes the restore records 25 per BatchWriteItem', async () => {
    account(
      Array.from({ length: 30 }, (_, i) => ({
        name: `u${i}`,
        keys: [{ id: `AKIAU${i}`, created: 120, used: 1 }],
      })),
    );

    await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 100 }));

    expect(
      m.ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.[TABLE]?.length),
    ).toEqual([25, 5, 25, 5]);
    expect(deactivated()).toHaveLength(30);
  });

  it('retries records DynamoDB leaves unprocessed, and leaves Active the keys of users whose record is never written', async () => {
    account([
      { name: 'a', keys: [{ id: 'AKIAA', created: 120, used: 1 }] },
      { name: 'b', keys: [{ id: 'AKIAB', created: 120, used: 1 }] },
    ]);
    let attempt = 0;
    m.ddb
      .on(BatchWriteCommand)
      .callsFake(
        async (input: { RequestItems: Record<string, { PutRequest: { Item: RevocationRecord } }[]> }) => {
          attempt++;
          const items = input.RequestItems[TABLE] ?? [];
          // DynamoDB keeps refusing b's record; a's goes through at the second attempt.
          const left = attempt === 1 ? items : items.filter((w) => w.PutRequest.Item.principal.name === 'b');
          return { UnprocessedItems: left.length ? { [TABLE]: left } : {} };
        },
      );

    const s = await runSweep({ mode: 'enforce' }, deps(), { write: { sleep: async () => {} } });

    // Four attempts at the records (b's refused every time), then a's completed record.
    expect(m.ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 5);
    expect(deactivated()).toEqual(['a/AKIAA']);
    expect(s.keys.find((k) => k.user === 'b')).toMatchObject({
      accessKeyId: 'AKIAB',
      action: 'failed',
      detail: expect.stringContaining('restore record not written, keys left Active'),
    });
    expect(s.outcome).toBe('partial');
  });

  it('leaves a key alone when its state record cannot be written', async () => {
    account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);
    m.ddb.on(BatchWriteCommand).rejects(new Error('table unavailable'));

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(deactivated()).toEqual([]);
    expect(s.keys[0]).toMatchObject({
      action: 'failed',
      detail: expect.stringContaining('table unavailable'),
    });
    expect(s.outcome).toBe('failed');
  });

  it('acts on the re-read, not on the stale report: a key rotated or used since is left alone', async () => {
    account([
      {
        name: 'rotated',
        reportKeys: [{ id: 'AKIAGONE', created: 120, used: 5 }],
        keys: [{ id: 'AKIANEW', created: 0, used: 0 }],
      },
      {
        name: 'active-again',
        reportKeys: [{ id: 'AKIAUSED', created: 60, used: 50 }],
        keys: [{ id: 'AKIAUSED', created: 60, used: 0 }],
      },
    ]);

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(usersCalled(ListAccessKeysCommand)).toEqual(['active-again', 'rotated']);
    // The new key matches no flagged slot of the report: judged on age alone, its last use not read.
    expect(lastUseRead()).toEqual(['AKIAUSED']);
    expect(deactivated()).toEqual([]);
    expect(s.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rotated: 1 key\(s\) flagged by the credential report no longer qualify/),
        expect.stringMatching(/^active-again: 1 key\(s\) flagged/),
      ]),
    );
  });

  it('deactivates a key the report flags as idle only after its last use is read and still qualifies', async () => {
    account([{ name: 'idle', keys: [{ id: 'AKIAIDLE', created: 60, used: 50 }] }]);

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(lastUseRead()).toEqual(['AKIAIDLE']);
    expect(s.keys[0]).toMatchObject({
      accessKeyId: 'AKIAIDLE',
      slot: 1,
      class: 'idle',
      lastUsed: daysAgo(50).toISOString(),
      action: 'deactivated',
    });
  });

  it('does not judge idleness when the last use cannot be read', async () => {
    account([{ name: 'idle', keys: [{ id: 'AKIAIDLE', created: 60, used: 50 }] }]).fail(
      GetAccessKeyLastUsedCommand,
      new Error('throttled'),
    );

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(deactivated()).toEqual([]);
    expect(s.counts.ok).toBe(1);
  });

  it('never acts on a candidate whose tags cannot be read, and says why', async () => {
    account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]).fail(
      ListUserTagsCommand,
      new Error('AccessDenied'),
    );

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(m.iam).not.toHaveReceivedCommand(ListAccessKeysCommand);
    expect(iamWrites(m)).toEqual([]);
    expect(s.keys[0]).toMatchObject({
      slot: 1,
      action: 'failed',
      detail: expect.stringContaining('AccessDenied'),
    });
    expect(s.outcome).toBe('failed');
  });

  describe('circuit breaker', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({
      name: `u${i}`,
      keys: [{ id: `AKIAMANY${i}`, created: 120, used: 1 }],
    }));

    it('halts without re-reading last use or writing anything when more keys than SWEEP_MAX_ACTIONS qualify', async () => {
      account(many);

      const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 5 }));

      expect(s.outcome).toBe('halted');
      expect(s.haltReason).toBe('6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5');
      expect(iamWrites(m)).toEqual([]);
      expect(m.ddb).not.toHaveReceivedCommand(BatchWriteCommand);
      expect(m.iam).not.toHaveReceivedCommand(GetAccessKeyLastUsedCommand);
      expect(s.keys.map((k) => k.action)).toEqual(Array(6).fill('halted'));
      // The halted keys are still named by id (ListAccessKeys only).
      expect(s.keys.map((k) => k.accessKeyId).sort()).toEqual(many.map((u) => u.keys[0]?.id).sort());
    });

    it('does not count protected or exempt keys, known from the tags, against the breaker', async () => {
      account([
        ...many.slice(0, 2),
        ...Array.from({ length: 5 }, (_, i) => ({
          name: `svc${i}`,
          keys: [{ id: `AKIASVC${i}`, created: 300, used: 1 }],
          tags: { 'offboarding:protected': 'true' },
        })),
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 2 }));

      expect(s.outcome).toBe('enforced');
      expect(s.counts.protected).toBe(5);
      expect(deactivated().sort()).toEqual(['u0/AKIAMANY0', 'u1/AKIAMANY1']);
    });

    it('halts when the keys to deactivate are more than SWEEP_MAX_FRACTION of active keys', async () => {
      account([
        ...many.slice(0, 3),
        ...Array.from({ length: 7 }, (_, i) => ({
          name: `ok${i}`,
          keys: [{ id: `AKIAOK${i}`, created: 1, used: 0 }],
        })),
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxFraction: 0.2 }));

      expect(s.outcome).toBe('halted');
      expect(s.haltReason).toContain('3 of 10 active keys (30%)');
      expect(iamWrites(m)).toEqual([]);
    });

    it('sends one high-severity alert naming the halt reason', async () => {
      account(many);

      await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 5 }));

      expect(published()).toHaveLength(1);
      const [p] = published();
      expect(p?.MessageAttributes).toEqual({
        trigger: { DataType: 'String', StringValue: 'sweep' },
        outcome: { DataType: 'String', StringValue: 'halted' },
        severity: { DataType: 'String', StringValue: 'high' },
      });
      // The email wraps its lines: read it as one line.
      expect(JSON.parse(p?.Message ?? '{}').default.replace(/\s+/g, ' ')).toContain(
        'nothing was deactivated and no one re-revoked. Why: 6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5',
      );
      expect(p?.Subject).toBe('[offboarding] Key sweep (enforce): halted, 6 keys qualify');
    });

    it('judges the breaker again on the re-read dates', async () => {
      // The report shows one expired key and one due key; by the re-read both are expired.
      account([
        {
          name: 'pair',
          reportKeys: [
            { id: 'AKIAP1', created: 120, used: 1 },
            { id: 'AKIAP2', created: 80, used: 1 },
          ],
          keys: [
            { id: 'AKIAP1', created: 120, used: 1 },
            { id: 'AKIAP2', created: 95, used: 1 },
          ],
        },
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 1 }));

      expect(s.outcome).toBe('halted');
      expect(iamWrites(m)).toEqual([]);
    });

    it('only notes, in report mode, that enforce would halt', async () => {
      account(many);

      const s = await runSweep({ mode: 'report' }, deps({ sweepMaxActions: 5 }));

      expect(s.outcome).toBe('reported');
      expect(s.notes).toContain(
        'enforce mode would halt: 6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5',
      );
    });
  });

  describe('modes', () => {
    it.each([
      ['report mode', { mode: 'report' as const }, {}, 'reported', 'reported'],
      ['DRY_RUN over an enforce input', { mode: 'enforce' as const }, { dryRun: true }, 'planned', 'planned'],
      [
        'a dryRun input in enforce mode',
        { mode: 'enforce' as const, dryRun: true },
        {},
        'planned',
        'planned',
      ],
      [
        'SWEEP_MODE=enforce overridden by a report input',
        { mode: 'report' as const },
        { sweepMode: 'enforce' as const },
        'reported',
        'reported',
      ],
    ])(
      'writes nothing in %s, with the same classification as enforce',
      async (_label, input, config, outcome, action) => {
        account(MIXED);
        const enforced = await runSweep({ mode: 'enforce' }, deps(mixedConfig));
        account(MIXED);
        for (const s of [m.iam, m.sns, m.ddb]) s.resetHistory();

        const s = await runSweep(input, deps({ ...mixedConfig, ...config }));

        expect(iamWrites(m)).toEqual([]);
        expect(m.ddb).not.toHaveReceivedCommand(BatchWriteCommand);
        expect(s.outcome).toBe(outcome);
        expect(judged(s)).toEqual(judged(enforced));
        expect(s.counts).toEqual(enforced.counts);
        expect(s.keys.filter((k) => k.class !== 'due').every((k) => k.action === action)).toBe(true);
      },
    );

    it('enforces when SWEEP_MODE is enforce and the input names no mode', async () => {
      account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);

      await runSweep({}, deps({ sweepMode: 'enforce' }));

      expect(deactivated()).toEqual(['old/AKIAOLD']);
    });

    it('only reports by default (SWEEP_MODE report)', async () => {
      account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);

      const s = await runSweep({}, deps());

      expect(s.mode).toBe('report');
      expect(iamWrites(m)).toEqual([]);
    });
  });

  describe('drift', () => {
    const revoked = (extra: Partial<UserSpec> = {}): UserSpec => ({
      name: 'gone',
      tags: { 'offboarding:state': 'revoked', email: 'gone@example.com' },
      attached: [DENY],
      revoked: { daysAgo: 10, mode: 'departure' },
      ...extra,
    });

    it('re-revokes through the engine, in the indexed mode, a revoked user who has an Active key again', async () => {
      const iam = account([revoked({ keys: [{ id: 'AKIABACK', created: 1, used: 0 }], loginProfile: true })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(iam.user('gone').keys?.map((k) => [k.id, k.status])).toEqual([['AKIABACK', 'Inactive']]);
      // Departure mode: the engine also deletes the console password.
      expect(iam.user('gone').loginProfile).toBe(false);
      expect(s.drift).toEqual([
        expect.objectContaining({
          user: 'gone',
          findings: ['1 Active access key'],
          mode: 'departure',
          action: 're-revoked',
          outcome: 'revoked',
          owner: { email: 'gone@example.com' },
        }),
      ]);
      expect(s.revokedUsers).toBe(1);
      expect(s.severity).toBe('high');
      // The engine's own report (the alert) and the sweep summary.
      expect(published().map((p) => p.MessageAttributes?.trigger?.StringValue)).toEqual(['sweep', 'sweep']);
    });

    it("schedules the re-revocation's CloudTrail follow-ups when they are configured", async () => {
      const scheduler = mockClient(SchedulerClient);
      scheduler.on(CreateScheduleCommand).resolves({});
      try {
        account([revoked({ keys: [{ id: 'AKIABACK', created: 1, used: 0 }] })]);
        const s = await runSweep(
          { mode: 'enforce' },
          deps({
            schedulerRoleArn: 'arn:aws:iam::123456789012:role/offboarding-prod-scheduler',
            followUpFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:offboarding-prod-followUp',
          }),
        );
        const runId = s.drift[0]?.runId;
        expect(s.drift[0]?.action).toBe('re-revoked');
        expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 2);
        expect(scheduler).toHaveReceivedCommandWith(CreateScheduleCommand, {
          Target: expect.objectContaining({ Input: JSON.stringify({ runId }) }),
        });
        expect(m.ddb).toHaveReceivedCommandWith(PutCommand, {
          Item: expect.objectContaining({ pk: `followup#${runId}`, accessKeyIds: ['AKIABACK'] }),
        });
      } finally {
        scheduler.restore();
      }
    });

    it('re-attaches the deny of a revoked user whose deny was detached', async () => {
      account([revoked({ attached: [] })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(m.iam).toHaveReceivedCommandWith(AttachUserPolicyCommand, { UserName: 'gone', PolicyArn: DENY });
      expect(s.drift[0]?.findings).toEqual([`deny policy ${DENY} not attached`]);
    });

    it('checks a revoked user in one call when its keys are off and the deny attached, and acts on nothing', async () => {
      account([revoked({ keys: [{ id: 'AKIAOFF', created: 300, used: 200, status: 'Inactive' }] })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.drift).toEqual([]);
      expect(usersCalled(ListAttachedUserPoliciesCommand)).toEqual(['gone']);
      expect(m.iam).not.toHaveReceivedCommand(ListUserPoliciesCommand);
      expect(m.iam).not.toHaveReceivedCommand(ListAccessKeysCommand);
      expect(m.iam).not.toHaveReceivedCommand(ListUserTagsCommand);
      expect(iamWrites(m)).toEqual([]);
    });

    it('counts the inline fallback deny as the deny in place', async () => {
      account([revoked({ attached: [], inline: ['OffboardingDenyAll'] })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.drift).toEqual([]);
      expect(usersCalled(ListUserPoliciesCommand)).toEqual(['gone']);
    });

    it('reads the keys of a user revoked after the credential report was made, never trusting the older row', async () => {
      // The report still shows the key Active: it was made before the engine deactivated it.
      account([
        revoked({
          reportKeys: [{ id: 'AKIAWAS', created: 30, used: 1 }],
          keys: [{ id: 'AKIAWAS', created: 30, used: 1, status: 'Inactive' }],
          revoked: { daysAgo: REPORT_AGE_DAYS / 2, mode: 'lockdown' },
        }),
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(usersCalled(ListAccessKeysCommand)).toEqual(['gone']);
      expect(s.drift).toEqual([]);
    });

    it('checks a revoked user absent from the report, and notes a deleted one without failing', async () => {
      account([
        revoked({ name: 'late', unreported: true, keys: [{ id: 'AKIALATE', created: 0, used: 0 }] }),
        revoked({ name: 'deleted', deleted: true }),
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.drift.map((d) => [d.user, d.findings, d.action])).toEqual([
        ['late', ['1 Active access key'], 're-revoked'],
      ]);
      expect(s.notes).toContain(
        'deleted is in the revoked-users index but no longer exists in IAM (deleted): not checked',
      );
      expect(s.outcome).toBe('enforced');
    });

    it('reads every page of the revoked-users index', async () => {
      account(
        Array.from({ length: 5 }, (_, i) =>
          revoked({ name: `r${i}`, keys: i === 4 ? [{ id: 'AKIAR4', created: 1, used: 0 }] : [] }),
        ),
        { indexPage: 2 },
      );

      const s = await runSweep({ mode: 'report' }, deps());

      expect(m.ddb).toHaveReceivedCommandTimes(QueryCommand, 3);
      expect(s.revokedUsers).toBe(5);
      expect(s.drift.map((d) => d.user)).toEqual(['r4']);
    });

    it('reports drift without acting in report mode and under the breaker', async () => {
      account([
        revoked({ keys: [{ id: 'AKIABACK', created: 1, used: 0 }] }),
        ...Array.from({ length: 3 }, (_, i) => ({
          name: `u${i}`,
          keys: [{ id: `AKIAU${i}`, created: 120, used: 1 }],
        })),
      ]);

      const reported = await runSweep({ mode: 'report' }, deps());
      const halted = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 1 }));

      expect(reported.drift[0]?.action).toBe('reported');
      expect(halted.drift[0]?.action).toBe('halted');
      expect(iamWrites(m)).toEqual([]);
    });

    it('never re-revokes a protected user', async () => {
      account([
        revoked({
          keys: [{ id: 'AKIABACK', created: 1, used: 0 }],
          tags: { 'offboarding:state': 'revoked', 'offboarding:protected': 'true' },
        }),
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.drift[0]).toMatchObject({ action: 'protected' });
      expect(iamWrites(m)).toEqual([]);
    });

    it('leaves the keys of a revoked user out of the classes: drift handles them', async () => {
      account([revoked({ keys: [{ id: 'AKIAOLDREV', created: 300, used: 200 }] })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.keys).toEqual([]);
      expect(s.candidates).toEqual({ users: 0, keys: 0 });
      expect(s.drift.map((d) => d.action)).toEqual(['re-revoked']);
    });

    describe('drift breaker (SWEEP_MAX_DRIFT)', () => {
      /** `n` revoked users, each with an Active key again. */
      const drifted = (n: number, prefix = 'left') =>
        Array.from({ length: n }, (_, i) =>
          revoked({
            name: `${prefix}${i}`,
            keys: [{ id: `AKIA${prefix.toUpperCase()}${i}`, created: 1, used: 0 }],
          }),
        );
      it('re-revokes none of six drifted users over SWEEP_MAX_DRIFT=5: no write, halted, one high-severity alert', async () => {
        const six = drifted(6);
        account(six);

        const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxDrift: 5 }));

        expect(iamWrites(m)).toEqual([]);
        expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
        expect(m.ddb).not.toHaveReceivedCommand(BatchWriteCommand);
        expect(s.outcome).toBe('halted');
        expect(s.haltReason).toBe(
          '6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
        );
        expect(s.drift.map((d) => d.action)).toEqual(Array(6).fill('halted'));
        expect(s.driftBreaker).toEqual({
          maxDrift: 5,
          wouldReRevoke: 6,
          tripped: true,
          reason: '6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
        });
        // No engine report: the sweep summary is the only message, and it is the alert.
        expect(published()).toHaveLength(1);
        expect(published()[0]?.MessageAttributes).toEqual({
          trigger: { DataType: 'String', StringValue: 'sweep' },
          outcome: { DataType: 'String', StringValue: 'halted' },
          severity: { DataType: 'String', StringValue: 'high' },
        });
        expect(JSON.parse(published()[0]?.Message ?? '{}').default.replace(/\s+/g, ' ')).toContain(
          'nothing was deactivated and no one re-revoked. Why: 6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
        );
      });

      it('re-revokes all five drifted users at SWEEP_MAX_DRIFT=5', async () => {
        const five = drifted(5);
        account(five);

        const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxDrift: 5 }));

        expect(s.drift.map((d) => [d.user, d.action, d.outcome])).toEqual(
          five.map((u) => [u.name, 're-revoked', 'revoked']),
        );
        expect(s.driftBreaker).toEqual({ maxDrift: 5, wouldReRevoke: 5, tripped: false });
        expect(s.outcome).toBe('enforced');
        expect(s.haltReason).toBeUndefined();
      });

      it('never counts protected drifted users against SWEEP_MAX_DRIFT', async () => {
        const guarded = drifted(3, 'guard').map((u) => ({
          ...u,
          tags: { 'offboarding:state': 'revoked', 'offboarding:protected': 'true' },
        }));
        const five = drifted(5);
        account([...guarded, ...five]);

        const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxDrift: 5 }));

        expect(s.driftBreaker).toMatchObject({ wouldReRevoke: 5, tripped: false });
        expect(s.drift.filter((d) => d.action === 're-revoked').map((d) => d.user)).toEqual(
          five.map((u) => u.name),
        );
        expect(s.drift.filter((d) => d.action === 'protected')).toHaveLength(3);
      });

      it('halts the whole run when it trips: no key is deactivated either', async () => {
        const six = drifted(6);
        account([...six, { name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);

        const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxDrift: 5 }));

        expect(deactivated()).toEqual([]);
        expect(m.ddb).not.toHaveReceivedCommand(BatchWriteCommand);
        expect(s.keys.map((k) => [k.user, k.accessKeyId, k.action])).toEqual([['old', 'AKIAOLD', 'halted']]);
        expect(s.outcome).toBe('halted');
      });

      it('gives both reasons when the key breaker trips too', async () => {
        const six = drifted(6);
        account([
          ...six,
          { name: 'a', keys: [{ id: 'AKIAA', created: 120, used: 1 }] },
          { name: 'b', keys: [{ id: 'AKIAB', created: 120, used: 1 }] },
        ]);

        const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 1, sweepMaxDrift: 5 }));

        expect(iamWrites(m)).toEqual([]);
        expect(s.haltReason).toBe(
          '2 keys would be deactivated, more than SWEEP_MAX_ACTIONS=1; 6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
        );
      });

      it('only notes, in report mode, that enforce would halt (default SWEEP_MAX_DRIFT 5)', async () => {
        account(drifted(6));

        const s = await runSweep({ mode: 'report' }, deps());

        expect(s.outcome).toBe('reported');
        expect(s.drift.map((d) => d.action)).toEqual(Array(6).fill('reported'));
        expect(s.notes).toContain(
          'enforce mode would halt: 6 revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=5',
        );
      });

      it('halts a dry run the same way', async () => {
        account(drifted(6));

        const s = await runSweep({ mode: 'enforce', dryRun: true }, deps());

        expect(s.outcome).toBe('halted');
        expect(s.drift.map((d) => d.action)).toEqual(Array(6).fill('halted'));
        expect(iamWrites(m)).toEqual([]);
      });
    });
  });

  describe('discovery', () => {
    /** `n` users: five candidates (one of each flagged kind, and a protected one), the rest ok. */
    const population = (n: number): UserSpec[] => [
      { name: 'c-expired', keys: [{ id: 'AKIACEXP', created: 120, used: 1 }] },
      { name: 'c-idle', keys: [{ id: 'AKIACIDLE', created: 60, used: 50 }] },
      {
        name: 'c-pair',
        keys: [
          { id: 'AKIACOLD', created: 100, used: 1 },
          { id: 'AKIACNEW', created: 3, used: 0 },
        ],
      },
      { name: 'c-due', keys: [{ id: 'AKIACDUE', created: 80, used: 1 }] },
      {
        name: 'c-guarded',
        keys: [{ id: 'AKIACGRD', created: 300, used: 1 }],
        tags: { 'offboarding:protected': 'true' },
      },
      ...Array.from({ length: n - 5 }, (_, i) => ({
        name: `ok${String(i).padStart(5, '0')}`,
        keys: [
          { id: `AKIAOK${i}`, created: 10, used: 1 },
          ...(i % 2 ? [] : [{ id: `AKIAOKB${i}`, created: 5, used: 0 }]),
        ],
      })),
    ];

    it.each(['report', 'enforce'] as const)(
      'makes the same calls for 10, 1000 and 5000 users in %s mode, never listing users',
      async (mode) => {
        const runs: Record<string, number>[] = [];
        for (const n of [10, 1000, 5000]) {
          m.iam.reset();
          m.ddb.reset();
          m.sns.reset();
          answerDefaults(m);
          account(population(n));

          const s = await runSweep({ mode }, deps());

          expect(s.users).toBe(n);
          runs.push(callCounts());
        }

        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]).toEqual(runs[0]);
        expect(m.iam).not.toHaveReceivedCommand(GetAccountAuthorizationDetailsCommand);
        expect(m.iam).not.toHaveReceivedCommand(ListUsersCommand);
        expect(runs[0]).toEqual(
          mode === 'report'
            ? {
                'IAM:GenerateCredentialReport': 1,
                'IAM:GetCredentialReport': 1,
                'DynamoDB:Query': 1,
                'IAM:ListUserTags': 5,
                // c-expired, c-idle, c-pair, c-due: named by id (the protected c-guarded is not)
                'IAM:ListAccessKeys': 4,
                'SNS:Publish': 1,
              }
            : {
                'IAM:GenerateCredentialReport': 1,
                'IAM:GetCredentialReport': 1,
                'DynamoDB:Query': 1,
                'IAM:ListUserTags': 5,
                // c-expired, c-idle, c-pair: the users with a key to act on, re-read before the write and
                // again to verify it; c-due to name its key
                'IAM:ListAccessKeys': 7,
                // AKIACIDLE only
                'IAM:GetAccessKeyLastUsed': 1,
                // the records before the writes, and their completion after
                'DynamoDB:BatchWrite': 2,
                'IAM:UpdateAccessKey': 3,
                'SNS:Publish': 1,
              },
        );
      },
    );

    it('skips a user of the report who no longer exists', async () => {
      account([
        { name: 'new', keys: [{ id: 'AKIANEW', created: 0, used: 0 }], unreported: true },
        { name: 'deleted', keys: [{ id: 'X', created: 300, used: 200 }], deleted: true },
      ]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(iamWrites(m)).toEqual([]);
      expect(s.notes).toEqual(['deleted is in the credential report but no longer exists in IAM: skipped']);
    });

    it('alerts and fails, never sweeping nothing, when the credential report does not come', async () => {
      // IAM has no report yet, and never finishes making one.
      account([], { reportPolls: Number.POSITIVE_INFINITY });

      const run = runSweep({ mode: 'enforce' }, deps(), { poll: { maxPolls: 2, sleep: async () => {} } });

      await expect(run).rejects.toBeInstanceOf(CredentialReportTimeoutError);
      expect(published()).toHaveLength(1);
      expect(published()[0]?.MessageAttributes?.outcome?.StringValue).toBe('failed');
      expect(published()[0]?.MessageAttributes?.severity?.StringValue).toBe('high');
    });

    it('alerts and fails when the revoked-users index cannot be read', async () => {
      account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);
      m.ddb.on(QueryCommand).rejects(new Error('table unavailable'));

      await expect(runSweep({ mode: 'enforce' }, deps())).rejects.toThrow('table unavailable');
      expect(iamWrites(m)).toEqual([]);
      expect(published()[0]?.MessageAttributes?.outcome?.StringValue).toBe('failed');
    });
  });

  describe('summary', () => {
    it('publishes one summary with counts and, per key acted on or warned, user, id, age, last use and owner', async () => {
      account(MIXED);

      await runSweep({ mode: 'enforce' }, deps(mixedConfig));

      expect(published()).toHaveLength(1);
      const [s] = summaryMessages();
      expect(s?.counts.expired).toBe(3);
      expect(s?.keys).toContainEqual({
        user: 'rotating',
        accessKeyId: 'AKIAROTOLD',
        slot: 1,
        createdAt: daysAgo(100).toISOString(),
        class: 'expired',
        ageDays: 100,
        lastUsed: daysAgo(3).toISOString(),
        owner: { 'employee-id': 'E-7' },
        action: 'deactivated',
        reason: '100 days old (max 90)',
      });
      expect(s?.keys).toContainEqual(
        expect.objectContaining({
          user: 'never',
          accessKeyId: 'AKIANEVER',
          lastUsed: 'never',
          class: 'never-used',
        }),
      );
      // The email wraps its lines: read it as one line.
      const text = (JSON.parse(published()[0]?.Message ?? '{}').default as string).replace(/\s+/g, ' ');
      expect(text).toContain(
        '- rotating AKIAROTOLD: expired, 100 days old, last used 2026-11-26T12:00:00.000Z, owner E-7: deactivated',
      );
      expect(text).toContain('- due AKIADUE: due, 80 days old');
      expect(text).toContain('9 candidate users (9 keys)');
      expect(text).toContain('- lapsed: EXPIRED 2026-11-28: vendor migration');
      expect(published()[0]?.Subject?.length).toBeLessThan(100);
    });

    it.each([
      ['nothing to report', 'info', [{ name: 'fresh', keys: [{ id: 'AKIAF', created: 1, used: 0 }] }]],
      ['a key due soon', 'warning', [{ name: 'due', keys: [{ id: 'AKIAD', created: 80, used: 1 }] }]],
    ])('rates a report-mode run with %s as %s', async (_label, severity, users) => {
      account(users);

      const s = await runSweep({ mode: 'report' }, deps());

      expect(s.severity).toBe(severity);
    });
  });
});

describe('Function: keySweep', () => {
  it.each([
    ['an unknown mode', { mode: 'delete' }],
    ['a mode of the wrong type', { mode: 1 }],
    ['a mode in the wrong case', { mode: 'ENFORCE' }],
    ['an unknown field', { mode: 'enforce', force: true }],
    ['a dryRun that is not a boolean', { dryRun: 'yes' }],
    ['an array', ['enforce']],
    ['a string', 'enforce'],
  ])('rejects %s with InvalidRequestError before any AWS call', async (_label, event) => {
    account(MIXED);

    await expect(keySweep(event, deps())).rejects.toBeInstanceOf(InvalidRequestError);
    expect(allCalls(m)).toEqual([]);
  });
});
