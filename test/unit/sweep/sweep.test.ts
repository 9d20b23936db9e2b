import {
  AttachUserPolicyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountAuthorizationDetailsCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { PublishCommand } from '@aws-sdk/client-sns';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../../src/config';
import type { RevocationRecord } from '../../../src/engine/state';
import { InvalidRequestError } from '../../../src/errors';
import { CredentialReportTimeoutError } from '../../../src/sweep/credential-report';
import { keySweep, runSweep } from '../../../src/sweep/sweep';
import type { SweepSummary } from '../../../src/sweep/types';
import {
  allCalls,
  answerDefaults,
  answerUser,
  iamWrites,
  mockAws,
  NOW,
  noSuchEntity,
} from '../../support/iam-mock';

const m = mockAws();
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');

interface FakeKey {
  id: string;
  /** Days since creation. */
  created: number;
  /** Days since last use; null = never used. */
  used: number | null;
  status?: 'Active' | 'Inactive';
}
interface FakeUser {
  name: string;
  keys?: FakeKey[];
  /** What the (older) credential report says, when it differs from IAM now. */
  reportKeys?: FakeKey[];
  tags?: Record<string, string>;
  attached?: string[];
  /** Not in the credential report (created after it). */
  unreported?: boolean;
}

function reportRow(u: FakeUser): string {
  const slot = (k: FakeKey | undefined) =>
    k
      ? [
          k.status === 'Inactive' ? 'false' : 'true',
          iso(daysAgo(k.created)),
          k.used === null ? 'N/A' : iso(daysAgo(k.used)),
          'us-east-1',
          's3',
        ]
      : ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const keys = u.reportKeys ?? u.keys ?? [];
  return [
    u.name,
    `arn:aws:iam::123456789012:user/${u.name}`,
    '2024-01-01T00:00:00+00:00',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'false',
    ...slot(keys[0]),
    ...slot(keys[1]),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';

/**
 * A mocked account: the credential report and the authorization details describe `users`; ListAccessKeys,
 * GetAccessKeyLastUsed and UpdateAccessKey answer from (and change) the same state.
 */
function account(users: FakeUser[], pageSize = 1000) {
  const state = new Map(users.map((u) => [u.name, structuredClone(u)]));
  m.iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
  m.iam.on(GetCredentialReportCommand).callsFake(async () => ({
    Content: new TextEncoder().encode(
      [HEADER, ...users.filter((u) => !u.unreported).map(reportRow)].join('\n'),
    ),
    GeneratedTime: daysAgo(0.1),
  }));
  m.iam.on(GetAccountAuthorizationDetailsCommand).callsFake(async (input: { Marker?: string }) => {
    const start = Number(input.Marker ?? 0);
    const page = users.slice(start, start + pageSize);
    const more = start + pageSize < users.length;
    return {
      UserDetailList: page.map((u) => ({
        UserName: u.name,
        UserId: `AIDA${u.name.toUpperCase()}`,
        Arn: `arn:aws:iam::123456789012:user/${u.name}`,
        Path: '/',
        Tags: Object.entries(u.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
        AttachedManagedPolicies: (u.attached ?? []).map((PolicyArn) => ({ PolicyArn })),
        UserPolicyList: [],
      })),
      IsTruncated: more,
      ...(more ? { Marker: String(start + pageSize) } : {}),
    };
  });
  m.iam.on(ListAccessKeysCommand).callsFake(async (input: { UserName: string }) => {
    const u = state.get(input.UserName);
    if (!u) throw noSuchEntity(`user ${input.UserName}`);
    return {
      AccessKeyMetadata: (u.keys ?? []).map((k) => ({
        UserName: u.name,
        AccessKeyId: k.id,
        Status: k.status ?? 'Active',
        CreateDate: daysAgo(k.created),
      })),
      IsTruncated: false,
    };
  });
  m.iam.on(GetAccessKeyLastUsedCommand).callsFake(async (input: { AccessKeyId: string }) => {
    for (const u of state.values()) {
      const k = u.keys?.find((x) => x.id === input.AccessKeyId);
      if (k) {
        return {
          UserName: u.name,
          AccessKeyLastUsed:
            k.used === null
              ? { ServiceName: 'N/A', Region: 'N/A' }
              : { LastUsedDate: daysAgo(k.used), ServiceName: 's3', Region: 'us-east-1' },
        };
      }
    }
    throw noSuchEntity('no such key');
  });
  m.iam
    .on(UpdateAccessKeyCommand)
    .callsFake(async (input: { UserName: string; AccessKeyId: string; Status: string }) => {
      const k = state.get(input.UserName)?.keys?.find((x) => x.id === input.AccessKeyId);
      if (!k) throw noSuchEntity('no such key');
      k.status = input.Status as 'Active' | 'Inactive';
      return {};
    });
  return state;
}

const deps = (config: Partial<Config> = {}) =>
  m.deps({ sweepMaxFraction: 1, sessionRegions: ['us-east-1'], ...config });
const deactivated = () =>
  m.iam
    .commandCalls(UpdateAccessKeyCommand)
    .map((c) => `${c.args[0].input.UserName}/${c.args[0].input.AccessKeyId}`);
const rechecked = () => m.iam.commandCalls(ListAccessKeysCommand).map((c) => c.args[0].input.UserName);
const published = () => m.sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const summaryMessages = () =>
  published()
    .map((p) => JSON.parse(JSON.parse(p.Message ?? '{}').sqs) as { kind: string })
    .filter((j): j is SweepSummary => j.kind === 'sweep');
const classes = (s: SweepSummary) =>
  Object.fromEntries(s.keys.map((k) => [`${k.user}/${k.accessKeyId ?? k.slot}`, k.class]));

const MIXED: FakeUser[] = [
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

beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
});

describe('Function: runSweep', () => {
  it('classifies every key: candidates by key id after the re-read, the rest from the report', async () => {
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
    expect(s.exemptions).toEqual([
      { user: 'exempt', status: 'active', until: '2026-12-31', reason: 'vendor migration' },
      { user: 'lapsed', status: 'expired', until: '2026-11-28', reason: 'vendor migration' },
    ]);
  });

  it('re-reads only candidates: never a user whose keys are ok, inactive, exempt or protected', async () => {
    account(MIXED);

    await runSweep({ mode: 'report' }, deps(mixedConfig));

    expect(rechecked().sort()).toEqual(['due', 'idle', 'lapsed', 'never', 'old', 'rotating']);
    expect(m.iam).toHaveReceivedCommandTimes(GenerateCredentialReportCommand, 1);
    expect(m.iam).toHaveReceivedCommandTimes(GetCredentialReportCommand, 1);
    expect(m.iam).toHaveReceivedCommandTimes(GetAccountAuthorizationDetailsCommand, 1);
  });

  it('deactivates exactly the qualifying key ids in enforce mode, and only the old key of a two-key user', async () => {
    const state = account(MIXED);

    const s = await runSweep({ mode: 'enforce' }, deps(mixedConfig));

    expect(deactivated().sort()).toEqual([
      'idle/AKIAIDLE',
      'lapsed/AKIALAPSED',
      'never/AKIANEVER',
      'old/AKIAOLD',
      'rotating/AKIAROTOLD',
    ]);
    expect(state.get('rotating')?.keys?.map((k) => [k.id, k.status ?? 'Active'])).toEqual([
      ['AKIAROTOLD', 'Inactive'],
      ['AKIAROTNEW', 'Active'],
    ]);
    expect(s.outcome).toBe('enforced');
    expect(s.keys.find((k) => k.accessKeyId === 'AKIADUE')?.action).toBe('warned');
  });

  it('writes a restore record per user, before the write, listing exactly the deactivated key ids', async () => {
    account(MIXED);
    const order: string[] = [];
    m.ddb.on(PutCommand).callsFake(async (input: { Item: RevocationRecord }) => {
      order.push(`record ${input.Item.principal.name}`);
      return {};
    });
    m.iam.on(UpdateAccessKeyCommand).callsFake(async (input: { UserName: string }) => {
      order.push(`write ${input.UserName}`);
      return {};
    });

    await runSweep({ mode: 'enforce' }, deps(mixedConfig));

    expect(order.indexOf('record rotating')).toBeLessThan(order.indexOf('write rotating'));
    const record = m.ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item as RevocationRecord)
      .find((r) => r.principal.name === 'rotating');
    expect(record).toMatchObject({
      pk: 'principal#user#rotating',
      kind: 'revocation',
      trigger: 'sweep',
      requestedBy: 'key-sweep',
      plan: [{ type: 'deactivate-access-key', accessKeyId: 'AKIAROTOLD', state: 'todo' }],
    });
    expect(m.ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { pk: 'principal#user#rotating', sk: record?.sk },
    });
  });

  it('leaves a key alone when its state record cannot be written', async () => {
    account([{ name: 'old', keys: [{ id: 'AKIAOLD', created: 120, used: 1 }] }]);
    m.ddb.on(PutCommand).rejects(new Error('table unavailable'));

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

    expect(rechecked().sort()).toEqual(['active-again', 'rotated']);
    expect(deactivated()).toEqual([]);
    expect(s.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rotated: 1 key\(s\) flagged by the credential report no longer qualify/),
        expect.stringMatching(/^active-again: 1 key\(s\) flagged/),
      ]),
    );
  });

  it('does not judge idleness when the last use cannot be read', async () => {
    account([{ name: 'idle', keys: [{ id: 'AKIAIDLE', created: 60, used: 50 }] }]);
    m.iam.on(GetAccessKeyLastUsedCommand).rejects(new Error('throttled'));

    const s = await runSweep({ mode: 'enforce' }, deps());

    expect(deactivated()).toEqual([]);
    expect(s.counts.ok).toBe(1);
  });

  describe('circuit breaker', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({
      name: `u${i}`,
      keys: [{ id: `AKIAMANY${i}`, created: 120, used: 1 }],
    }));

    it('halts without re-reading or writing anything when more keys than SWEEP_MAX_ACTIONS qualify', async () => {
      account(many);

      const s = await runSweep({ mode: 'enforce' }, deps({ sweepMaxActions: 5 }));

      expect(s.outcome).toBe('halted');
      expect(s.haltReason).toBe('6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5');
      expect(iamWrites(m)).toEqual([]);
      expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
      expect(rechecked()).toEqual([]);
      expect(s.keys.map((k) => k.action)).toEqual(Array(6).fill('halted'));
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
      expect(JSON.parse(p?.Message ?? '{}').default).toContain(
        'HALTED, nothing deactivated: 6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5',
      );
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
        const enforced = classes(await runSweep({ mode: 'enforce' }, deps({ ...mixedConfig, dryRun: true })));
        for (const s of [m.iam, m.sns, m.ddb]) s.resetHistory();

        const s = await runSweep(input, deps({ ...mixedConfig, ...config }));

        expect(iamWrites(m)).toEqual([]);
        expect(m.ddb).not.toHaveReceivedCommand(PutCommand);
        expect(s.outcome).toBe(outcome);
        expect(classes(s)).toEqual(enforced);
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
    const revoked = (extra: Partial<FakeUser> = {}): FakeUser => ({
      name: 'gone',
      tags: { 'offboarding:state': 'revoked', 'offboarding:trigger': 'departure', email: 'gone@example.com' },
      attached: [DENY],
      ...extra,
    });

    it('re-revokes through the engine a revoked user who has an Active key again', async () => {
      account([revoked({ keys: [{ id: 'AKIABACK', created: 1, used: 0 }] })]);
      const engineView = answerUser(m, {
        userName: 'gone',
        keys: [{ id: 'AKIABACK' }],
        attached: [DENY],
        tags: { 'offboarding:state': 'revoked' },
      });

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(engineView.keys).toEqual([{ id: 'AKIABACK', status: 'Inactive' }]);
      expect(s.drift).toEqual([
        expect.objectContaining({
          user: 'gone',
          findings: ['1 Active access key'],
          action: 're-revoked',
          outcome: 'revoked',
          owner: { email: 'gone@example.com' },
        }),
      ]);
      expect(s.severity).toBe('high');
      // The engine's own report (the alert) and the sweep summary.
      expect(published().map((p) => p.MessageAttributes?.trigger?.StringValue)).toEqual(['sweep', 'sweep']);
    });

    it('re-attaches the deny of a revoked user whose deny was detached, seen from the inventory alone', async () => {
      account([revoked({ attached: [] })]);
      answerUser(m, { userName: 'gone', tags: { 'offboarding:state': 'revoked' } });

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(m.iam).toHaveReceivedCommandWith(AttachUserPolicyCommand, { UserName: 'gone', PolicyArn: DENY });
      expect(s.drift[0]?.findings).toEqual([`deny policy ${DENY} not attached`]);
    });

    it('leaves a revoked user with no key and the deny in place alone, without a call for them', async () => {
      account([revoked({ keys: [{ id: 'AKIAOFF', created: 300, used: 200, status: 'Inactive' }] })]);

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(s.drift).toEqual([]);
      expect(rechecked()).toEqual([]);
      expect(iamWrites(m)).toEqual([]);
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
  });

  describe('discovery', () => {
    it('reads every page of the authorization details: tags of users past the first page count', async () => {
      account(
        [
          { name: 'a', keys: [{ id: 'AKIAA', created: 1, used: 0 }] },
          { name: 'b', keys: [{ id: 'AKIAB', created: 1, used: 0 }] },
          {
            name: 'c',
            keys: [{ id: 'AKIAC', created: 200, used: null }],
            tags: { 'offboarding:protected': 'true' },
          },
        ],
        2,
      );

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(m.iam).toHaveReceivedCommandTimes(GetAccountAuthorizationDetailsCommand, 2);
      expect(m.iam).toHaveReceivedCommandWith(GetAccountAuthorizationDetailsCommand, {
        Filter: ['User'],
        MaxItems: 1000,
      });
      expect(s.counts.protected).toBe(1);
      expect(iamWrites(m)).toEqual([]);
    });

    it('skips a user of the report who no longer exists, and says which users the report does not know', async () => {
      account([{ name: 'new', keys: [{ id: 'AKIANEW', created: 0, used: 0 }], unreported: true }]);
      m.iam.on(GetCredentialReportCommand).resolves({
        Content: new TextEncoder().encode(
          [HEADER, reportRow({ name: 'deleted', keys: [{ id: 'X', created: 300, used: 200 }] })].join('\n'),
        ),
        GeneratedTime: NOW,
      });

      const s = await runSweep({ mode: 'enforce' }, deps());

      expect(iamWrites(m)).toEqual([]);
      expect(s.notes).toEqual([
        'deleted is in the credential report but not in IAM any more: skipped',
        '1 user(s) created after the credential report are not swept this run: new',
      ]);
    });

    it('alerts and fails, never sweeping nothing, when the credential report does not come', async () => {
      account([]);
      m.iam.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });

      const run = runSweep({ mode: 'enforce' }, deps(), { poll: { maxPolls: 2, sleep: async () => {} } });

      await expect(run).rejects.toBeInstanceOf(CredentialReportTimeoutError);
      expect(published()).toHaveLength(1);
      expect(published()[0]?.MessageAttributes?.outcome?.StringValue).toBe('failed');
      expect(published()[0]?.MessageAttributes?.severity?.StringValue).toBe('high');
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
      const text = JSON.parse(published()[0]?.Message ?? '{}').default as string;
      expect(text).toMatch(/rotating\s+AKIAROTOLD\s+expired\s+100\s+\S+\s+E-7\s+deactivated/);
      expect(text).toContain('lapsed: EXPIRED 2026-11-28: vendor migration');
      expect(published()[0]?.Subject?.length).toBeLessThan(100);
    });

    it.each([
      ['nothing to report', [{ name: 'fresh', keys: [{ id: 'AKIAF', created: 1, used: 0 }] }], 'info'],
      ['a key due soon', [{ name: 'due', keys: [{ id: 'AKIAD', created: 80, used: 1 }] }], 'warning'],
    ])('rates a report-mode run with %s as %s', async (_label, users, severity) => {
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
