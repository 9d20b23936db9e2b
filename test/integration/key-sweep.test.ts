import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  DetachUserPolicyCommand,
  GenerateCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Clients } from '../../src/clients';
import type { Config } from '../../src/config';
import { runRestore } from '../../src/engine/restore';
import { runRevocation } from '../../src/engine/revoke';
import type { RevocationRecord, RevokedIndexEntry } from '../../src/engine/state';
import { InvalidRequestError } from '../../src/errors';
import type { KeyClass } from '../../src/sweep/classify';
import { keySweep, runSweep } from '../../src/sweep/sweep';
import type { SweepSummary } from '../../src/sweep/types';
import { type Moto, startMoto } from '../../tools/local/moto';
import { createLocalStack, createUser, drainInbox, type Inbox, motoClients } from '../../tools/local/seed';

/*
 * The key sweep against a real moto_server. What moto does and does not do, and how the tests live with it:
 * - moto stamps every access key with its own wall clock and offers no way to set a key's dates. The sweep's
 *   clock is injected instead: `now` = today + N days makes the keys moto created today N days old, and a key
 *   used today (any request signed with it: moto records last use) N days idle.
 * - Because every key moto makes is born the same day, two keys of different ages on one user cannot exist
 *   in moto. For the two-key user only, `backdate()` rewrites the dates moto returns for ONE named key (in
 *   ListAccessKeys and in its credential report row), as if it had been created on another day. Every write
 *   and every status asserted is moto's.
 * - moto's credential report has a fixed GeneratedTime (2015-02-02) and is rebuilt on each
 *   GetCredentialReport, so it is never stale here; the report's age in the summary is therefore years. As
 *   the report then always looks older than any revocation, the drift check reads each revoked user's keys
 *   (ListAccessKeys) instead of trusting the report row.
 * - The revoked-users index the drift check reads is written by the engine: revoked users are made here by a
 *   real departure through runRevocation, never by tagging.
 * - moto has no SSM Session Manager API: the drift re-revocation here scans no session region.
 */

const DAY = 86_400_000;
// An hour ahead of the wall clock, so the keys moto creates during this file are whole N days old at `at(N)`.
const today = new Date(Date.now() + 3_600_000);
const at = (days: number) => new Date(today.getTime() + days * DAY);
const day = (days: number) => at(days).toISOString().slice(0, 10);
const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';

let moto: Moto;
/** Clients for seeding and for reading moto's state (not counted). */
let probe: Clients;
/** Clients the sweep runs with, every command recorded. */
let clients: Clients;
let calls: string[];
let config: Config;
let inbox: Inbox;

/** Records every command the sweep's clients send, as `Service:Operation`. */
function recordCalls(c: Clients): string[] {
  const log: string[] = [];
  const stacks = [c.iam.middlewareStack, c.sns.middlewareStack, c.ddb.middlewareStack];
  for (const stack of stacks) {
    (stack as { add: (mw: unknown, o: object) => void }).add(
      (next: (a: unknown) => Promise<unknown>, ctx: { clientName?: string; commandName?: string }) =>
        async (args: unknown) => {
          log.push(`${ctx.clientName?.replace(/Client$/, '')}:${ctx.commandName?.replace(/Command$/, '')}`);
          return next(args);
        },
      { step: 'initialize', name: 'recordCalls' },
    );
  }
  return log;
}
const WRITE = /:(Attach|Detach|Put|Delete|Update|Create|Tag|Untag|Deactivate|Enable|Upload|BatchWrite)/;
const writes = () => calls.filter((c) => WRITE.test(c));

/**
 * Makes moto's answers say that `accessKeyId` (slot `slot` of `userName`'s credential report row) was
 * created on `createdAt`: moto cannot date a key (see the header). Only that key's creation date changes.
 */
function backdate(iam: IAMClient, userName: string, slot: 1 | 2, accessKeyId: string, createdAt: Date): void {
  iam.middlewareStack.add(
    (next, ctx) => async (args) => {
      const result = await next(args);
      const output = result.output as unknown as Record<string, unknown>;
      if (ctx.commandName === 'ListAccessKeysCommand') {
        for (const k of (output.AccessKeyMetadata ?? []) as { AccessKeyId?: string; CreateDate?: Date }[]) {
          if (k.AccessKeyId === accessKeyId) k.CreateDate = createdAt;
        }
      }
      if (ctx.commandName === 'GetCredentialReportCommand' && output.Content) {
        const lines = Buffer.from(output.Content as Uint8Array)
          .toString('utf8')
          .split('\n');
        const column = (lines[0] ?? '').split(',').indexOf(`access_key_${slot}_last_rotated`);
        const rewritten = lines.map((line) => {
          const cells = line.split(',');
          if (cells[0] !== userName) return line;
          cells[column] = createdAt.toISOString().replace(/\.\d{3}Z$/, '+00:00');
          return cells.join(',');
        });
        output.Content = new TextEncoder().encode(rewritten.join('\n'));
      }
      return result;
    },
    { step: 'initialize', name: `backdate-${accessKeyId}` },
  );
}

async function statuses(userName: string): Promise<Record<string, string>> {
  const r = await probe.iam.send(new ListAccessKeysCommand({ UserName: userName }));
  return Object.fromEntries((r.AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId ?? '', k.Status ?? '']));
}

async function allStatuses(users: readonly string[]): Promise<Record<string, Record<string, string>>> {
  return Object.fromEntries(await Promise.all(users.map(async (u) => [u, await statuses(u)] as const)));
}

/** Signs a request with the key, so moto records it as used today. */
async function use(key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: key }).send(
    new ListUsersCommand({}),
  );
}

async function sweepSummaries(): Promise<{ summary: SweepSummary; attributes: Record<string, string> }[]> {
  const received = await drainInbox(probe.sqs, inbox.queueUrl);
  return received
    .map((n) => ({ json: JSON.parse(n.message) as { kind?: string }, attributes: n.attributes }))
    .filter((n) => n.json.kind === 'sweep')
    .map((n) => ({ summary: n.json as SweepSummary, attributes: n.attributes }));
}

const classOf = (s: SweepSummary) => Object.fromEntries(s.keys.map((k) => [k.user, k.class]));

/** A reset moto with the stack's table and topic; a credential report already exists unless `report` is false. */
async function freshAccount(overrides: Partial<Config> = {}, report = true): Promise<void> {
  const res = await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
  probe = motoClients(moto);
  clients = motoClients(moto);
  calls = recordCalls(clients);
  // No session region: moto has no Session Manager API (see the header).
  ({ config, inbox } = await createLocalStack(probe, { sessionRegions: [], ...overrides }));
  // moto answers STARTED to the first request of an account, COMPLETE after: spare each test a poll.
  if (report) await probe.iam.send(new GenerateCredentialReportCommand({}));
}

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

/** The same small account for the classification and mode tests. */
async function seedMixed(): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  const one = async (name: string, tags: Record<string, string> = {}) => {
    const u = await createUser(probe.iam, name, { keys: 1, tags });
    ids[name] = u.keys[0]?.accessKeyId ?? '';
    return u;
  };
  await one('never', { email: 'never@example.com' });
  const used = await one('used', { 'employee-id': 'E-100' });
  await use(used.keys[0] as { accessKeyId: string; secretAccessKey: string });
  await one('exempt', {
    'offboarding:exempt-until': day(365),
    'offboarding:exempt-reason': 'vendor migration',
  });
  await one('lapsed', { 'offboarding:exempt-until': day(20), 'offboarding:exempt-reason': 'audit freeze' });
  await one('guarded', { 'offboarding:protected': 'true' });
  await one('breakglass');
  await one('parked');
  await probe.iam.send(
    new UpdateAccessKeyCommand({ UserName: 'parked', AccessKeyId: ids.parked, Status: 'Inactive' }),
  );
  return ids;
}
const MIXED_USERS = ['never', 'used', 'exempt', 'lapsed', 'guarded', 'breakglass', 'parked'];
const counts = (c: Partial<Record<KeyClass, number>>): Record<KeyClass, number> => ({
  expired: 0,
  idle: 0,
  'never-used': 0,
  due: 0,
  ok: 0,
  inactive: 0,
  exempt: 0,
  protected: 0,
  ...c,
});

describe('Integration: key sweep on moto', () => {
  describe('classification, with the clock at today + N days', () => {
    beforeAll(async () => {
      await freshAccount({ protectedPrincipals: ['breakglass'] });
      await seedMixed();
    });

    it.each([
      [
        // No key is flagged: no user is a candidate, no tags are read, so none is known exempt or protected.
        'N=10: every key is young and recently used',
        10,
        {},
        {},
        counts({ ok: 6, inactive: 1 }),
      ],
      [
        'N=50: the unused key is never-used, the used one idle, the lapsed exemption no longer exempts',
        50,
        {},
        { never: 'never-used', used: 'idle', lapsed: 'never-used' },
        counts({ 'never-used': 2, idle: 1, exempt: 1, protected: 2, inactive: 1 }),
      ],
      [
        'N=80 with a 120-day idle limit: keys within 14 days of expiry are due',
        80,
        { keyMaxIdleDays: 120 },
        { never: 'due', used: 'due', lapsed: 'due' },
        counts({ due: 3, exempt: 1, protected: 2, inactive: 1 }),
      ],
      [
        'N=100: keys past 90 days are expired; exempt, protected and inactive keys are not',
        100,
        {},
        { never: 'expired', used: 'expired', lapsed: 'expired' },
        counts({ expired: 3, exempt: 1, protected: 2, inactive: 1 }),
      ],
    ])('classifies at %s', async (_label, n, thresholds, listed, expectedCounts) => {
      const s = await runSweep(
        { mode: 'report' },
        { config: { ...config, ...thresholds }, clients, now: at(n) },
      );

      expect(classOf(s)).toEqual(listed);
      expect(s.counts).toEqual(expectedCounts);
      expect(writes()).toEqual([]);
      // Report mode: tags of candidates, key ids of the keys it names, never a last-use read.
      expect(calls.filter((c) => c === 'IAM:GetAccessKeyLastUsed')).toEqual([]);
    });

    it('reports the lapsed exemption, and the exemption still in force', async () => {
      const s = await runSweep({ mode: 'report' }, { config, clients, now: at(100) });

      expect(s.exemptions).toEqual([
        { user: 'exempt', status: 'active', until: day(365), reason: 'vendor migration' },
        { user: 'lapsed', status: 'expired', until: day(20), reason: 'audit freeze' },
      ]);
    });
  });

  describe('credential report', () => {
    beforeEach(async () => {
      await freshAccount({}, false);
      await createUser(probe.iam, 'solo', { keys: 1 });
    });

    it('generates the report that is absent on a fresh account and polls until moto completes it', async () => {
      // After a reset moto has no report: the first GenerateCredentialReport answers STARTED.
      const s = await runSweep(
        { mode: 'report' },
        { config, clients, now: at(100) },
        { poll: { initialDelayMs: 10 } },
      );

      expect(calls.filter((c) => c === 'IAM:GenerateCredentialReport')).toHaveLength(2);
      expect(calls.filter((c) => c === 'IAM:GetCredentialReport')).toHaveLength(1);
      expect(classOf(s)).toEqual({ solo: 'expired' });
    });

    it('fails clearly, alerting and acting on nothing, when the report is not ready within the bounded wait', async () => {
      const run = runSweep({ mode: 'enforce' }, { config, clients, now: at(100) }, { poll: { maxPolls: 1 } });

      await expect(run).rejects.toThrow(
        'the IAM credential report was not ready after 1 polls (0 s waited; last state: STARTED): nothing was swept',
      );
      expect(writes()).toEqual([]);
      expect(Object.values(await statuses('solo'))).toEqual(['Active']);
      const [alert] = await drainInbox(probe.sqs, inbox.queueUrl);
      expect(alert?.attributes).toEqual({ trigger: 'sweep', outcome: 'failed', severity: 'high' });
    });
  });

  describe('enforce', () => {
    let ids: Record<string, string>;
    let pairOld: string;
    let pairNew: string;

    beforeAll(async () => {
      await freshAccount({ protectedPrincipals: ['breakglass'], sweepMaxFraction: 1 });
      ids = await seedMixed();
      const pair = await createUser(probe.iam, 'pair', { keys: 2, tags: { email: 'pair@example.com' } });
      pairOld = pair.keys[0]?.accessKeyId ?? '';
      pairNew = pair.keys[1]?.accessKeyId ?? '';
      // The second key was "rotated in" 3 days before the sweep's clock (moto cannot date a key: see the header).
      backdate(clients.iam, 'pair', 2, pairNew, at(97));
    });

    it('deactivates exactly the expected key ids, and only the old key of the two-key user', async () => {
      const before = await allStatuses([...MIXED_USERS, 'pair']);
      expect(Object.values(before.pair ?? {})).toEqual(['Active', 'Active']);

      const s = await runSweep({ mode: 'enforce' }, { config, clients, now: at(100) });

      expect(s.outcome).toBe('enforced');
      expect(calls.filter((c) => c === 'IAM:UpdateAccessKey')).toHaveLength(4);
      expect(await allStatuses([...MIXED_USERS, 'pair'])).toEqual({
        never: { [ids.never as string]: 'Inactive' },
        used: { [ids.used as string]: 'Inactive' },
        lapsed: { [ids.lapsed as string]: 'Inactive' },
        pair: { [pairOld]: 'Inactive', [pairNew]: 'Active' },
        exempt: { [ids.exempt as string]: 'Active' },
        guarded: { [ids.guarded as string]: 'Active' },
        breakglass: { [ids.breakglass as string]: 'Active' },
        parked: { [ids.parked as string]: 'Inactive' },
      });
    });

    it('sends one summary naming each key acted on with its age, last use and owner', async () => {
      const [received, ...more] = await sweepSummaries();

      expect(more).toEqual([]);
      expect(received?.attributes).toEqual({ trigger: 'sweep', outcome: 'enforced', severity: 'warning' });
      expect(received?.summary.keys).toContainEqual(
        expect.objectContaining({
          user: 'pair',
          accessKeyId: pairOld,
          class: 'expired',
          ageDays: 100,
          lastUsed: 'never',
          owner: { email: 'pair@example.com' },
          action: 'deactivated',
        }),
      );
      const used = received?.summary.keys.find((k) => k.user === 'used');
      expect(used?.owner).toEqual({ 'employee-id': 'E-100' });
      // Used during this file, on the wall clock (not the injected one): within the last hour, whatever the date.
      expect(Date.now() - Date.parse(used?.lastUsed ?? '')).toBeLessThan(3_600_000);
      expect(received?.summary.keys.map((k) => k.accessKeyId)).not.toContain(pairNew);
    });

    it('leaves a record that lets restore reactivate exactly the key the sweep deactivated', async () => {
      const records = await probe.ddb.send(
        new QueryCommand({
          TableName: config.stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'principal#user#pair' },
        }),
      );
      // Written (batched) before the write, then completed with the outcome and the verified results, like
      // any other run's record.
      expect(
        (records.Items as RevocationRecord[]).map((r) => [
          r.trigger,
          r.status,
          r.outcome,
          r.plan.map((p) => p.type === 'deactivate-access-key' && p.accessKeyId),
          r.results?.map((x) => `${x.subject} ${x.outcome}`),
        ]),
      ).toEqual([['sweep', 'finished', 'revoked', [pairOld], [`${pairOld} done`]]]);

      // A sweep run is restored only when named: restore never lifts one by default.
      const [run] = (records.Items as RevocationRecord[]).map((r) => r.runId);
      await expect(
        runRestore(
          { target: { userName: 'pair' }, reason: 'still needed', requestedBy: 'owner' },
          { config, clients: probe, now: at(100) },
        ),
      ).rejects.toThrow(/name its runId: sweep run/);
      await runRestore(
        { target: { userName: 'pair' }, runId: run, reason: 'still needed', requestedBy: 'owner' },
        { config, clients: probe, now: at(100) },
      );

      expect(await statuses('pair')).toEqual({ [pairOld]: 'Active', [pairNew]: 'Active' });
    });
  });

  describe('report mode and DRY_RUN', () => {
    beforeAll(async () => {
      await freshAccount({ protectedPrincipals: ['breakglass'], sweepMaxFraction: 1 });
      await seedMixed();
    });

    it('writes nothing and classifies exactly as enforce would', async () => {
      const before = await allStatuses(MIXED_USERS);
      const now = at(100);

      const reported = await runSweep({ mode: 'report' }, { config, clients, now });
      const dryRunOverEnforce = await runSweep(
        { mode: 'enforce' },
        { config: { ...config, dryRun: true }, clients, now },
      );
      const dryRunInput = await keySweep({ mode: 'enforce', dryRun: true }, { config, clients, now });

      expect(writes()).toEqual([]);
      expect(await allStatuses(MIXED_USERS)).toEqual(before);
      expect([reported.outcome, dryRunOverEnforce.outcome, dryRunInput.outcome]).toEqual([
        'reported',
        'planned',
        'planned',
      ]);

      const enforced = await runSweep({ mode: 'enforce' }, { config, clients, now });
      // The same keys, by id, in the same classes, whatever the mode.
      const view = (s: SweepSummary) => ({
        keys: s.keys.map((k) => `${k.user}:${k.accessKeyId}:${k.class}`).sort(),
        counts: s.counts,
      });
      expect(view(reported)).toEqual(view(enforced));
      expect(view(dryRunOverEnforce)).toEqual(view(enforced));
      expect(enforced.keys.map((k) => k.action)).toEqual(['deactivated', 'deactivated', 'deactivated']);
    });
  });

  describe('circuit breaker', () => {
    const users = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
    beforeAll(async () => {
      await freshAccount({ sweepMaxActions: 5 });
      for (const u of users) await createUser(probe.iam, u, { keys: 1 });
    });

    it('halts with zero writes when more keys qualify than SWEEP_MAX_ACTIONS, and alerts', async () => {
      const s = await runSweep({ mode: 'enforce' }, { config, clients, now: at(100) });

      expect(s.outcome).toBe('halted');
      expect(writes()).toEqual([]);
      for (const u of users) expect(Object.values(await statuses(u))).toEqual(['Active']);
      const [alert] = await sweepSummaries();
      expect(alert?.attributes).toEqual({ trigger: 'sweep', outcome: 'halted', severity: 'high' });
      expect(alert?.summary.haltReason).toBe('6 keys would be deactivated, more than SWEEP_MAX_ACTIONS=5');
    });
  });

  describe('drift', () => {
    let newKey: string;
    beforeAll(async () => {
      await freshAccount();
      await createUser(probe.iam, 'leaver', { keys: 1, tags: { email: 'leaver@example.com' } });
      await createUser(probe.iam, 'undone', { keys: 1 });
      for (const userName of ['leaver', 'undone']) {
        await runRevocation(
          {
            trigger: 'departure',
            mode: 'departure',
            target: { userName },
            reason: 'left',
            requestedBy: 'hr',
          },
          { config, clients: probe, now: at(0) },
        );
      }
      // Behind the project's back: a new key for one revoked user, the deny removed from the other.
      const created = await probe.iam.send(new CreateAccessKeyCommand({ UserName: 'leaver' }));
      newKey = created.AccessKey?.AccessKeyId ?? '';
      await probe.iam.send(new DetachUserPolicyCommand({ UserName: 'undone', PolicyArn: DENY }));
      // Tagged revoked by hand, never revoked by the engine: not in the index, so not re-checked.
      await createUser(probe.iam, 'hand-tagged', { keys: 1, tags: { 'offboarding:state': 'revoked' } });
      await drainInbox(probe.sqs, inbox.queueUrl);
    });

    const indexed = async () =>
      (
        (
          await probe.ddb.send(
            new QueryCommand({
              TableName: config.stateTable,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': 'index#revoked-users' },
            }),
          )
        ).Items as RevokedIndexEntry[]
      ).map((e) => [e.userName, e.mode]);

    const attached = async (userName: string) =>
      (
        await probe.iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }))
      ).AttachedPolicies?.map((p) => p.PolicyArn);

    it('deactivates the new key of a revoked user and puts the deny back, through the engine, with an alert', async () => {
      expect((await statuses('leaver'))[newKey]).toBe('Active');
      expect(await attached('undone')).toEqual([]);
      // The engine's departures indexed both users.
      expect(await indexed()).toEqual([
        ['leaver', 'departure'],
        ['undone', 'departure'],
      ]);

      const s = await runSweep({ mode: 'enforce' }, { config, clients, now: at(1) });

      expect((await statuses('leaver'))[newKey]).toBe('Inactive');
      expect(await attached('leaver')).toContain(DENY);
      expect(await attached('undone')).toContain(DENY);
      expect(s.drift.map((d) => [d.user, d.findings, d.mode, d.action, d.outcome])).toEqual([
        ['leaver', ['1 Active access key'], 'departure', 're-revoked', 'revoked'],
        ['undone', [`deny policy ${DENY} not attached`], 'departure', 're-revoked', 'revoked'],
      ]);
      expect(s.revokedUsers).toBe(2);
      expect(Object.values(await statuses('hand-tagged'))).toEqual(['Active']);
      const received = await drainInbox(probe.sqs, inbox.queueUrl);
      const kinds = received.map((n) => [
        (JSON.parse(n.message) as { kind: string }).kind,
        n.attributes.trigger,
      ]);
      expect(kinds.sort()).toEqual([
        ['revocation', 'sweep'],
        ['revocation', 'sweep'],
        ['sweep', 'sweep'],
      ]);
      expect(received.find((n) => JSON.parse(n.message).kind === 'sweep')?.attributes.severity).toBe('high');
    });

    it('finds nothing to do on the next run', async () => {
      calls.length = 0;

      const s = await runSweep({ mode: 'enforce' }, { config, clients, now: at(2) });

      expect(s.drift).toEqual([]);
      expect(writes().filter((w) => w.startsWith('IAM:'))).toEqual([]);
    });

    it('stops re-checking a user once restored: restore takes it out of the index', async () => {
      // Rehired: each of the leaver's runs (the departure, then the drift re-revocation) restored by its run id,
      // newest first; the index keeps the user until no unrestored run is left.
      const records = await probe.ddb.send(
        new QueryCommand({
          TableName: config.stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': 'principal#user#leaver' },
          ScanIndexForward: false,
        }),
      );
      const runs = (records.Items as RevocationRecord[])
        .filter((r) => r.kind === 'revocation')
        .map((r) => r.runId);
      expect(runs).toHaveLength(2);
      for (const runId of runs) {
        await runRestore(
          { target: { userName: 'leaver' }, runId, reason: 'rehired', requestedBy: 'hr' },
          { config, clients: probe, now: at(3) },
        );
      }
      expect(Object.values(await statuses('leaver'))).toContain('Active');
      calls.length = 0;

      const s = await runSweep({ mode: 'enforce' }, { config, clients, now: at(3) });

      expect(await indexed()).toEqual([['undone', 'departure']]);
      expect(s.revokedUsers).toBe(1);
      expect(s.drift).toEqual([]);
      expect(writes().filter((w) => w.startsWith('IAM:'))).toEqual([]);
    });
  });

  describe('invalid input', () => {
    beforeAll(async () => {
      await freshAccount({ sweepMaxFraction: 1 });
      await createUser(probe.iam, 'old', { keys: 1 });
      await probe.iam.send(new AttachUserPolicyCommand({ UserName: 'old', PolicyArn: DENY }));
    });

    it.each([
      ['an unknown mode', { mode: 'nuke' }],
      ['a mode of the wrong type', { mode: ['enforce'] }],
      ['an unknown field', { mode: 'enforce', users: '*' }],
    ])('rejects %s before any AWS call and changes nothing', async (_label, event) => {
      const before = await statuses('old');

      await expect(keySweep(event, { config, clients, now: at(100) })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );

      expect(calls).toEqual([]);
      expect(await statuses('old')).toEqual(before);
    });
  });
});
