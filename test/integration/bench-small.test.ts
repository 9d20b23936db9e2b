/**
 * The benchmarks at a small size, asserting on AWS call counts and round trips (waves) only, never on time.
 * moto behind the fault proxy; SSM Session Manager is the benchmark's fake behind the same proxy.
 * The proxy's added latency only keeps concurrent calls visibly concurrent; nothing asserts on it.
 */
import { join } from 'node:path';
import { GenerateCredentialReportCommand } from '@aws-sdk/client-iam';
import { awsPaging } from '../../bench/aws-paging';
import { type ContainmentBed, runVariant, startContainmentBed } from '../../bench/containment';
import { naiveKeyAudit } from '../../bench/naive-sweep';
import {
  type OrgBed,
  type OrgDepartureRun,
  runOrgDeparture,
  runOrgSweep,
  seedSweepAccounts,
  startOrgBed,
} from '../../bench/organization';
import { ACTIONABLE_PER_BATCH, DUE_PER_BATCH, emailOf, seedBatch, userName } from '../../bench/seed-account';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { usersOfPerson } from '../../src/engine/resolve';
import { runSweep } from '../../src/sweep/sweep';
import { type Moto, startMoto } from '../../tools/local/moto';
import { chain, noServiceCredentials } from '../../tools/local/moto-gaps';
import { type FaultProxy, startFaultProxy } from '../../tools/local/proxy';
import { createLocalStack } from '../../tools/local/seed';

const LATENCY_MS = 25;
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe('Benchmark (small): containment round trips', () => {
  let bed: ContainmentBed;

  beforeAll(async () => {
    bed = await startContainmentBed();
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('attaches the deny after at most 2 round trips when the user name is known, and revokes everything', async () => {
    const run = await runVariant(bed, 'engine', 'leaver-a', LATENCY_MS);

    expect(run.roundTripsBeforeDeny).toBeLessThanOrEqual(2);
    expect(run.outcome).toBe('revoked');
    expect(run.sessionsLeft).toBe(0);
    expect(run.byOperation['ssm:TerminateSession']).toBe(3);
    expect(run.byOperation['iam:AttachUserPolicy']).toBe(1);
  });

  it('attaches the deny after at most 3 round trips when the person is named by email', async () => {
    const run = await runVariant(bed, 'engine-by-email', 'leaver-b', LATENCY_MS);

    expect(run.roundTripsBeforeDeny).toBeLessThanOrEqual(3);
    expect(run.outcome).toBe('revoked');
  });

  it('runs the sequential peer strictly one call at a time with the same calls as the engine', async () => {
    const engine = await runVariant(bed, 'engine', 'leaver-c', LATENCY_MS);
    const sequential = await runVariant(bed, 'sequential', 'leaver-d', LATENCY_MS);

    expect(sequential.outcome).toBe('revoked');
    expect(sequential.sessionsLeft).toBe(0);
    expect(sequential.byOperation).toEqual(engine.byOperation);
    expect(sequential.waves).toBe(sequential.calls);
    // The engine's critical path is at most 0.4 of the sequential one, in round trips.
    expect(engine.waves).toBeLessThanOrEqual(0.4 * sequential.waves);
  });
});

describe('Benchmark (small): sweep, naive peer and person resolution calls', () => {
  let moto: Moto;
  let proxy: FaultProxy;
  let clients: Clients;
  let config: Config;
  let users = 0;
  let keys = 0;

  const sweepCalls = async (mode: 'report' | 'enforce') => {
    proxy.reset();
    const summary = await runSweep({ mode }, { config, clients, now: new Date() });
    return { summary, calls: proxy.stats().byOperation, seeded: users };
  };
  const discovery = (calls: Record<string, number>) =>
    (calls['iam:GenerateCredentialReport'] ?? 0) +
    (calls['iam:GetCredentialReport'] ?? 0) +
    (calls['dynamodb:Query'] ?? 0) +
    (calls['iam:GetAccountAuthorizationDetails'] ?? 0);
  const seed = async (to: number) => {
    const batch = await seedBatch(clients.iam, moto.endpoint, users, to, { concurrency: 8 });
    users = to;
    keys += batch.keys;
  };

  beforeAll(async () => {
    const savedBin = process.env.MOTO_SERVER_BIN;
    process.env.MOTO_SERVER_BIN = join(__dirname, '..', '..', 'bench', 'moto_server.py');
    try {
      moto = await startMoto();
    } finally {
      if (savedBin === undefined) delete process.env.MOTO_SERVER_BIN;
      else process.env.MOTO_SERVER_BIN = savedBin;
    }
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      intercept: chain(noServiceCredentials, awsPaging()),
    });
    clients = makeClients({ region: 'us-east-1', endpoint: proxy.endpoint, credentials: CREDENTIALS });
    // Small sizes hold proportionally many actionable keys: the breaker is lifted for the test.
    ({ config } = await createLocalStack(clients, { sweepMaxFraction: 1, sweepMaxActions: 1000 }));
    await clients.iam.send(new GenerateCredentialReportCommand({}));
    await seed(40);
  });

  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });

  it('discovers in a constant number of calls and reads tags of candidates only', async () => {
    const small = await sweepCalls('report');
    // A second batch of 40: each batch holds 29 users with a key to act on, warn about or leave protected or
    // exempt, and 11 with young, used keys that are no candidates.
    await seed(80);
    const large = await sweepCalls('report');

    expect(discovery(small.calls)).toBe(3);
    expect(discovery(large.calls)).toBe(3);
    for (const { summary, calls, seeded } of [small, large]) {
      expect(summary.outcome).toBe('reported');
      // Some users are no candidates: the tag reads below count candidates, not users.
      expect(summary.candidates.users).toBeLessThan(seeded);
      expect(calls).toEqual({
        'iam:GenerateCredentialReport': 1,
        'iam:GetCredentialReport': 1,
        'dynamodb:Query': 1,
        // Report mode: the tags of each candidate user, the key ids of the users it names, no last use.
        'iam:ListUserTags': summary.candidates.users,
        'iam:ListAccessKeys': new Set(summary.keys.map((k) => k.user)).size,
        'sns:Publish': 1,
      });
    }
    // Two batches: each holds 20 keys to act on and 5 to warn about.
    expect(large.summary.keys).toHaveLength(2 * (ACTIONABLE_PER_BATCH + DUE_PER_BATCH));
  });

  it('makes per-key writes only for the keys it deactivates in enforce mode', async () => {
    const { summary, calls } = await sweepCalls('enforce');

    const deactivated = summary.keys.filter((k) => k.action === 'deactivated');
    const actedUsers = new Set(deactivated.map((k) => k.user)).size;
    expect(summary.outcome).toBe('enforced');
    expect(deactivated).toHaveLength(2 * ACTIONABLE_PER_BATCH);
    expect(discovery(calls)).toBe(3);
    // The users acted on (re-read, then read again to verify the write) and those only warned about (named by id).
    expect(calls['iam:ListAccessKeys']).toBe(new Set(summary.keys.map((k) => k.user)).size + actedUsers);
    // Only the keys flagged idle or never used (5 + 5 a batch) have their last use read.
    expect(calls['iam:GetAccessKeyLastUsed']).toBe(2 * 10);
    expect(calls['iam:UpdateAccessKey']).toBe(deactivated.length);
    // The records, 25 per batch write, before the writes and completed after; never a PutItem or an UpdateItem.
    expect(calls['dynamodb:BatchWriteItem']).toBe(2 * Math.ceil(actedUsers / 25));
    expect(calls['dynamodb:PutItem']).toBeUndefined();
    expect(calls['dynamodb:UpdateItem']).toBeUndefined();
  });

  it('costs the naive peer a call per page of users, per user and per key', async () => {
    proxy.reset();

    const audit = await naiveKeyAudit(clients.iam, new Date());

    const calls = proxy.stats().byOperation;
    expect(audit.users).toBe(users);
    expect(audit.keys).toBe(keys);
    expect(calls['iam:ListUsers']).toBe(Math.ceil(users / 100));
    expect(calls['iam:ListAccessKeys']).toBe(users);
    expect(calls['iam:GetAccessKeyLastUsed']).toBe(keys);
  });

  // 80 users seeded.
  it.each([
    [1000, 1],
    [10, 8],
  ])('resolves a person in ceil(users / page) calls with pages of at most %i users', async (page, calls) => {
    proxy.configure({ intercept: chain(noServiceCredentials, awsPaging({ maxPageSize: page })) });
    proxy.reset();

    const found = await usersOfPerson(clients.iam, { email: emailOf(57) }, config.personTagKeys);

    expect(found.map((u) => u.userName)).toEqual([userName(57)]);
    expect(proxy.stats().byOperation).toEqual({ 'iam:GetAccountAuthorizationDetails': calls });
    expect(calls).toBe(Math.ceil(users / page));
  });
});

describe('Benchmark (small): organization, 3 accounts', () => {
  let bed: OrgBed;

  beforeAll(async () => {
    bed = await startOrgBed({ accounts: 3, colleagues: 2, latencyMs: LATENCY_MS });
  }, 120_000);

  afterAll(async () => {
    await bed?.close();
  });

  /** Calls of each account's work item by operation, the completion notification's bookkeeping left out. */
  const workOf = (run: OrgDepartureRun) =>
    Object.fromEntries(
      Object.entries(run.perAccountByOperation).filter(
        ([op]) => op !== 'sns:Publish' && op !== 'dynamodb:UpdateItem coverage:run',
      ),
    );

  it('costs every account the same calls, the assume-role included, whether 1 or 3 accounts are reached, and denies first in each', async () => {
    const one = await runOrgDeparture(bed, bed.members.slice(0, 1), { mode: 'concurrent' });
    const three = await runOrgDeparture(bed, bed.members, { mode: 'concurrent' });

    for (const run of [one, three]) {
      expect(run.timings.map((t) => t.outcome)).toEqual(run.timings.map(() => 'revoked'));
      expect(run.everyDenyFirst).toBe(true);
      expect(run.timings.every((t) => t.denyFirst)).toBe(true);
      expect(run.notifications).toBe(1);
      expect(run.coverageOutcome).toBe('revoked');
      // Every account's work item makes the same number of calls; the completing one adds claim + publish.
      expect(run.perAccountWork.min).toBe(run.perAccountWork.max);
      expect(run.perAccount.max - run.perAccountWork.min).toBeLessThanOrEqual(2);
      expect(run.byOperation['sns:Publish']).toBe(1);
      expect(run.byOperation['sts:AssumeRole']).toBe(run.accounts);
      expect(run.byOperation['iam:AttachUserPolicy']).toBe(run.accounts);
      expect(run.commandsMatchRequests).toBe(true);
    }
    expect(three.perAccountWork.min).toBe(one.perAccountWork.min);
    expect(workOf(three)).toEqual(workOf(one));
    expect(workOf(one)['sts:AssumeRole']).toBe(1);
    // The fan-out: one batch of work items for up to 10 accounts.
    expect(three.fanOutCalls['sqs:SendMessageBatch']).toBe(1);
  });

  it('runs the accounts one after another in the sequential variant, with the same calls per account', async () => {
    const sequential = await runOrgDeparture(bed, bed.members, { mode: 'sequential' });

    const [a, b, c] = [...sequential.timings].sort((x, y) => x.invokedMs - y.invokedMs);
    expect(b?.invokedMs).toBeGreaterThanOrEqual(a?.doneMs ?? Number.POSITIVE_INFINITY);
    expect(c?.invokedMs).toBeGreaterThanOrEqual(b?.doneMs ?? Number.POSITIVE_INFINITY);
    expect(sequential.perAccountWork.min).toBe(sequential.perAccountWork.max);
    expect(sequential.everyDenyFirst).toBe(true);
    expect(sequential.notifications).toBe(1);
  });

  it('never runs more account workers at once than the event source cap', async () => {
    const capped = await runOrgDeparture(bed, bed.members, { mode: 'capped', limit: 2 });

    const overlapping = (at: number) =>
      capped.timings.filter((t) => t.invokedMs <= at && at < t.doneMs).length;
    expect(Math.max(...capped.timings.map((t) => overlapping(t.invokedMs)))).toBeLessThanOrEqual(2);
    expect(capped.perAccountWork.min).toBe(capped.perAccountWork.max);
    expect(capped.notifications).toBe(1);
  });

  it('discovers each account of the sweep in 3 calls plus the assume-role', async () => {
    // One batch per account (29 users with keys to find, one more): discovery does not depend on the size.
    await seedSweepAccounts(bed, 30);

    const sweep = await runOrgSweep(bed, 'report');

    expect(sweep.accounts).toBe(3);
    expect(sweep.fanOutCalls['organizations:ListAccounts']).toBe(1);
    for (const run of sweep.runs) {
      expect(run.figures.outcome).toBe('reported');
      expect(run.discovery).toBe(3);
      expect(run.assumeRole).toBe(1);
      expect(run.byOperation['iam:GenerateCredentialReport']).toBe(1);
      expect(run.byOperation['iam:GetCredentialReport']).toBe(1);
      expect(run.byOperation['dynamodb:Query state']).toBe(1);
    }
    expect(sweep.commandsMatchRequests).toBe(true);
  });
});
