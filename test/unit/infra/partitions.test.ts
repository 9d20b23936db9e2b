import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FUNCTION_PARTITIONS, IDC_PARTITIONS, ofOtherAccounts } from '../../../infra/permissions';
import { COVERAGE_PARTITION } from '../../../src/accounts';
import {
  claimNotification,
  readCoverage,
  recordAccount,
  releaseNotification,
  startCoverage,
} from '../../../src/accounts/coverage';
import { ACCOUNT_WORK_IDEMPOTENCY_PK } from '../../../src/accounts/worker';
import type { Clients } from '../../../src/clients';
import {
  cancelScheduledDepartures,
  claimDue,
  SCHEDULED_DEPARTURES_PK,
  type ScheduleDeps,
  scheduleDeparture,
} from '../../../src/departures/schedule';
import {
  listRevokedUsers,
  putRecord,
  putRecords,
  removeFromRevokedIndex,
  STATE_PARTITIONS,
  type StateRecord,
  storeOf,
} from '../../../src/engine/state';
import { NotFoundError } from '../../../src/errors';
import { scheduleFollowUps } from '../../../src/follow-up';
import { type FollowUpDeps, followUp } from '../../../src/follow-up/run';
import { IDC_STATE_PARTITIONS, type IdcDeps } from '../../../src/identity-center';
import { withPermissionSetLock } from '../../../src/identity-center/lock';
import {
  finishIdcRecord,
  idcHistory,
  putIdcRecord,
  removeRevokedUserEntry,
  revokedUserEntries,
} from '../../../src/identity-center/state';
import { testConfig } from '../../../tools/testing/config';
import { arnMatches } from '../../support/packaged-template';

/**
 * The partitions infra/permissions.ts gives the roles beyond the engine's STATE_PARTITIONS: another account's
 * records (`account#*#<partition>`, composed in infra from STATE_PARTITIONS.accountRecords, narrower than it),
 * the coverage of a run over several accounts, and the Identity Center records (IDC_PARTITIONS, granted apart). Proven here against the keys the code itself writes and
 * reads (a fake table records every key of every request), so that a role's `dynamodb:LeadingKeys` condition
 * (serverless.yml, evaluated in iam-simulate.test.ts) admits what the code does, and only its own kind.
 */

const MEMBER = '444455556666';
const { userRecords, roleRecords, revokedIndex } = STATE_PARTITIONS;
/** Every partition pattern any role is given. */
const ALL_PATTERNS = [
  ...new Set([
    ...Object.values(FUNCTION_PARTITIONS).flat(),
    ...Object.values(IDC_PARTITIONS).flat(),
    ...[userRecords, roleRecords, revokedIndex].map(ofOtherAccounts),
  ]),
];

/** A table that answers every request with nothing, and keeps the partition key of each. */
function fakeTable() {
  const keys: string[] = [];
  const ddb = {
    async send(command: { input: Record<string, unknown> }) {
      const input = command.input as {
        Item?: { pk?: string };
        Key?: { pk?: string };
        ExpressionAttributeValues?: Record<string, unknown>;
        RequestItems?: Record<string, { PutRequest?: { Item?: { pk?: string } } }[]>;
      };
      if (input.Item) keys.push(String(input.Item.pk));
      else if (input.Key) keys.push(String(input.Key.pk));
      else if (input.RequestItems)
        for (const w of Object.values(input.RequestItems).flat()) keys.push(String(w.PutRequest?.Item?.pk));
      else keys.push(String(input.ExpressionAttributeValues?.[':pk']));
      return { Items: [], UnprocessedItems: {} };
    },
  };
  return { keys, ddb: ddb as unknown as DynamoDBDocumentClient };
}

const principal = (kind: 'user' | 'role', name: string) => ({
  kind,
  name,
  arn: `arn:aws:iam::${MEMBER}:${kind}/${name}`,
});
const revocation = (kind: 'user' | 'role') =>
  ({
    kind: 'revocation',
    runId: 'r1',
    at: '2026-12-01T00:00:00.000Z',
    principal: principal(kind, 'alice'),
  }) as unknown as StateRecord;
const indexEntry = {
  kind: 'revoked-index',
  userName: 'alice',
  runId: 'r1',
  at: 't',
} as unknown as StateRecord;

/** The patterns among every role's that hold `pk`. */
const holding = (pk: string) => ALL_PATTERNS.filter((p) => arnMatches(p, pk));

describe("another account's records (account#*#<partition>)", () => {
  const inMember = (ddb: DynamoDBDocumentClient) =>
    storeOf({ config: { stateTable: 't' }, clients: { ddb }, accountId: MEMBER });

  it.each([
    [
      'a user revocation record',
      ofOtherAccounts(userRecords),
      (s: ReturnType<typeof inMember>) => putRecord(s, revocation('user')),
    ],
    [
      'batched user records',
      ofOtherAccounts(userRecords),
      (s: ReturnType<typeof inMember>) => putRecords(s, [revocation('user')] as never),
    ],
    [
      'a role revocation record',
      ofOtherAccounts(roleRecords),
      (s: ReturnType<typeof inMember>) => putRecord(s, revocation('role')),
    ],
    [
      'a revoked-index entry',
      ofOtherAccounts(revokedIndex),
      (s: ReturnType<typeof inMember>) => putRecord(s, indexEntry),
    ],
    [
      'the revoked index read',
      ofOtherAccounts(revokedIndex),
      (s: ReturnType<typeof inMember>) => listRevokedUsers(s),
    ],
    [
      'a user leaving the revoked index',
      ofOtherAccounts(revokedIndex),
      (s: ReturnType<typeof inMember>) => removeFromRevokedIndex(s, 'alice'),
    ],
  ] as const)('holds %s in %s, and in no other partition a role is given', async (_what, pattern, write) => {
    const table = fakeTable();
    await write(inMember(table.ddb));
    expect(table.keys.length).toBeGreaterThan(0);
    for (const pk of table.keys) {
      expect(pk.startsWith(`account#${MEMBER}#`)).toBe(true);
      expect({ pk, patterns: holding(pk) }).toEqual({ pk, patterns: [pattern] });
    }
  });

  it('keeps the own account in the partitions of a single-account deployment (no account# prefix)', async () => {
    const table = fakeTable();
    const home = storeOf({ config: { stateTable: 't' }, clients: { ddb: table.ddb } });
    await putRecord(home, revocation('user'));
    await putRecord(home, indexEntry);
    expect(table.keys.map(holding)).toEqual([[userRecords], [revokedIndex]]);
  });
});

describe('the coverage of a run over several accounts (COVERAGE_PARTITION)', () => {
  it('holds every coverage key the fan-out and the account worker write and read, and no other partition', async () => {
    const table = fakeTable();
    const store = { ddb: table.ddb, table: 't' };
    const runId = 'standard:msg_2Kx';
    await startCoverage(store, {
      runId,
      trigger: 'departure',
      subject: 'x',
      targets: [MEMBER],
      startedAt: 't',
    });
    await recordAccount(store, runId, {
      accountId: MEMBER,
      outcome: 'revoked',
      at: 't',
      principals: [],
      notes: [],
    });
    await readCoverage(store, runId);
    await claimNotification(store, runId, 'sig');
    await releaseNotification(store, runId, 'sig');
    expect(table.keys).toHaveLength(5);
    for (const pk of table.keys)
      expect({ pk, patterns: holding(pk) }).toEqual({ pk, patterns: [COVERAGE_PARTITION] });
  });

  it('is given to the functions that write it: the departure fan-out and the account worker', () => {
    const given = Object.entries(FUNCTION_PARTITIONS)
      .filter(([, ps]) => ps.includes(COVERAGE_PARTITION))
      .map(([fn]) => fn);
    expect(given.sort()).toEqual(['accountWorker', 'revocationWorker']);
    // The account worker's idempotency records are its own: a constant partition no other role has.
    expect(holding(ACCOUNT_WORK_IDEMPOTENCY_PK)).toEqual([ACCOUNT_WORK_IDEMPOTENCY_PK]);
    expect(
      Object.entries(FUNCTION_PARTITIONS)
        .filter(([, ps]) => ps.includes(ACCOUNT_WORK_IDEMPOTENCY_PK))
        .map(([fn]) => fn),
    ).toEqual(['accountWorker']);
  });
});

describe('the Identity Center records (IDC_PARTITIONS)', () => {
  const USER_ID = '94482488-3041-7026-18f3-6f2a1b2c3d4e';
  const PS = 'arn:aws:sso:::permissionSet/ssoins-72230b4e1a7f0c3d/ps-0a1b2c3d4e5f6a7b';
  const revocation = {
    kind: 'idc-revocation',
    runId: 'r1',
    at: '2026-12-01T00:00:00.000Z',
    user: { userId: USER_ID, userName: 'alice@example.com' },
  };
  const restore = { ...revocation, kind: 'idc-restore', undoes: ['r1'] };
  const entry = { kind: 'idc-revoked-user', userId: USER_ID, userName: 'alice', runId: 'r1', at: 't' };
  const timing = {
    sleep: async () => {},
    clock: () => 0,
    lockTtlMs: 60_000,
    lockAttempts: 1,
    lockRetryMs: 1,
  };

  it('holds every key the revocation, the restore, the drift check and the lock write and read, in exactly one Identity Center partition', async () => {
    const table = fakeTable();
    const t = { ddb: table.ddb, stateTable: 't' } as Pick<IdcDeps, 'ddb' | 'stateTable'>;
    await putIdcRecord(t, revocation as never);
    await putIdcRecord(t, entry as never);
    await finishIdcRecord(t, revocation as never, 'revoked', []);
    await putIdcRecord(t, restore as never);
    await idcHistory(t, revocation.user as never);
    await revokedUserEntries(t);
    await removeRevokedUserEntry(t, USER_ID);
    await withPermissionSetLock(t, PS, 'r1#x', timing, async () => undefined);
    expect(table.keys).toHaveLength(9);
    for (const pk of table.keys) {
      const patterns = holding(pk);
      expect({ pk, patterns }).toEqual({ pk, patterns: [expect.any(String)] });
      expect(Object.values(IDC_STATE_PARTITIONS)).toContain(patterns[0]);
    }
    // Each of the three partitions is used.
    expect(new Set(table.keys.map((k) => holding(k)[0])).size).toBe(3);
  });

  it('is given to the functions with an Identity Center path only, none of the engine partitions', () => {
    expect(
      Object.entries(IDC_PARTITIONS)
        .filter(([, ps]) => ps.length > 0)
        .map(([fn]) => fn),
    ).toEqual(['revocationWorker', 'keySweep', 'lockdown', 'restore']);
    for (const ps of Object.values(IDC_PARTITIONS))
      for (const p of ps) expect(Object.values(IDC_STATE_PARTITIONS)).toContain(p);
  });
});

describe('the departures scheduled ahead (SCHEDULED_DEPARTURES_PK)', () => {
  it("holds every key the scheduling, the due departure's claim and a cancellation write and read, given to the departure worker alone", async () => {
    const table = fakeTable();
    const deps = {
      config: testConfig({ schedulerRoleArn: 'arn:aws:iam::123456789012:role/offboarding-prod-scheduler' }),
      clients: {
        ddb: table.ddb,
        scheduler: { send: async () => ({}) },
        sqs: { send: async () => ({ Attributes: { QueueArn: 'arn:aws:sqs:us-east-1:123456789012:q' } }) },
      } as unknown as ScheduleDeps['clients'],
    };
    const message = {
      id: 'standard:msg_ahead',
      provider: 'standard',
      person: { email: 'jane@example.com' },
      occurredAt: '2026-02-03T18:00:00.000Z',
      receivedAt: '2026-01-31T18:00:00.000Z',
      effectiveAt: '2026-02-03T18:00:00.000Z',
    };
    const now = new Date('2026-01-31T18:00:00.000Z');
    await scheduleDeparture(deps, message, new Date(message.effectiveAt), now);
    await claimDue(deps, { ...message, scheduledFor: message.effectiveAt }, now);
    await cancelScheduledDepartures(deps, message.person, 'standard:msg_cancel', now);
    expect(table.keys.length).toBeGreaterThanOrEqual(3);
    for (const pk of table.keys)
      expect({ pk, patterns: holding(pk) }).toEqual({ pk, patterns: [SCHEDULED_DEPARTURES_PK] });
    expect(
      Object.entries(FUNCTION_PARTITIONS)
        .filter(([, ps]) => ps.includes(SCHEDULED_DEPARTURES_PK))
        .map(([fn]) => fn),
    ).toEqual(['revocationWorker']);
  });
});

describe('the CloudTrail follow-ups (followup#<runId>)', () => {
  it("holds every key the follow-up's scheduling writes and the follow-up reads, given to the schedulers and the follow-up alone", async () => {
    const table = fakeTable();
    const config = testConfig({
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/offboarding-prod-scheduler',
      followUpFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:offboarding-prod-followUp',
    });
    const report = {
      kind: 'revocation' as const,
      runId: 'standard:msg_2Kx',
      trigger: 'departure' as const,
      mode: 'departure' as const,
      dryRun: false,
      target: { email: 'jane@example.com' },
      reason: 'left',
      requestedBy: 'hr',
      at: '2026-12-01T00:00:00.000Z',
      finishedAt: '2026-12-01T00:00:03.000Z',
      outcome: 'revoked' as const,
      principals: [
        {
          principal: principal('user', 'jane'),
          outcome: 'revoked' as const,
          steps: [{ id: 'deny', type: 'attach-deny' as const, subject: 'jane', outcome: 'done' as const }],
          sessions: [],
          notes: [],
        },
      ],
      notes: [],
    };
    const scheduler = { send: async () => ({}) } as unknown as Clients['scheduler'];
    expect(await scheduleFollowUps({ config, clients: { ddb: table.ddb, scheduler } }, report)).toEqual([
      expect.stringMatching(/^CloudTrail follow-up scheduled/),
    ]);
    const access = {
      selfAccountId: async () => '123456789012',
    } as unknown as FollowUpDeps['access'];
    const clients = { ddb: table.ddb } as unknown as FollowUpDeps['clients'];
    await expect(
      followUp({ runId: report.runId }, { config, clients, access, now: new Date() }),
    ).rejects.toThrow(NotFoundError);
    expect(table.keys).toEqual(['followup#standard:msg_2Kx', 'followup#standard:msg_2Kx']);
    for (const pk of table.keys)
      expect({ pk, patterns: holding(pk) }).toEqual({ pk, patterns: ['followup#*'] });
    expect(
      Object.entries(FUNCTION_PARTITIONS)
        .filter(([, ps]) => ps.includes('followup#*'))
        .map(([fn]) => fn),
    ).toEqual(['revocationWorker', 'keySweep', 'lockdown', 'accountWorker', 'followUp']);
  });
});
