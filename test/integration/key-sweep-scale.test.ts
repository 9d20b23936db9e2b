import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { awsPaging } from '../../bench/aws-paging';
import { type Clients, makeClients } from '../../src/clients';
import type { Config } from '../../src/config';
import { runRevocation } from '../../src/engine/revoke';
import { runSweep } from '../../src/sweep/sweep';
import { mapLimit } from '../../src/util/concurrency';
import { type Moto, startMoto } from '../../tools/local/moto';
import { type FaultProxy, startFaultProxy } from '../../tools/local/proxy';
import { createLocalStack, motoClients } from '../../tools/local/seed';

/*
 * How many AWS calls the sweep makes, counted on every command its clients send, against moto with
 * hundreds of users. moto dates every key today, so the clock is injected at today + 100 days: every active
 * key is then expired, and what makes a user a candidate or not is the account's shape, as in real accounts:
 * most users have no key or an inactive one; some are protected or exempt (candidates too: the report flags
 * their keys, and only their tags say they are protected or exempt); a few were revoked by the engine.
 * The sweep talks to moto through the benchmarks' paging proxy, which serves ListUsers and
 * GetAccountAuthorizationDetails 100 users a page as AWS can (moto answers them in one page): a sweep that
 * listed users would cost more calls with more users. This one lists none.
 */

const DAY = 86_400_000;
const now = new Date(Date.now() + 100 * DAY + 3_600_000);
const exemptUntil = new Date(now.getTime() + 30 * DAY).toISOString().slice(0, 10);

let moto: Moto;
let proxy: FaultProxy;
let probe: Clients;
let clients: Clients;
let config: Config;
/** `Service:Operation` (calls naming a user: `IAM:Operation:<user>`). */
const calls: string[] = [];

function recordCalls(c: Clients): void {
  const stacks = [c.iam.middlewareStack, c.sns.middlewareStack, c.ddb.middlewareStack];
  for (const stack of stacks) {
    (stack as { add: (mw: unknown, o: object) => void }).add(
      (
        next: (a: { input: Record<string, unknown> }) => Promise<unknown>,
        ctx: { clientName?: string; commandName?: string },
      ) =>
        async (args: { input: Record<string, unknown> }) => {
          const op = `${ctx.clientName?.replace(/Client$/, '')}:${ctx.commandName?.replace(/Command$/, '')}`;
          calls.push(typeof args.input.UserName === 'string' ? `${op}:${args.input.UserName}` : op);
          return next(args);
        },
      { step: 'initialize', name: 'recordCalls' },
    );
  }
}

const count = () =>
  calls.reduce<Record<string, number>>((acc, c) => {
    const op = c.split(':').slice(0, 2).join(':');
    acc[op] = (acc[op] ?? 0) + 1;
    return acc;
  }, {});
const usersCalledWith = (op: string) =>
  calls
    .filter((c) => c.startsWith(`IAM:${op}:`))
    .map((c) => c.split(':')[2])
    .sort();
/** Every user a call named, whatever the call. */
const usersCalled = () => [...new Set(calls.map((c) => c.split(':')[2]).filter(Boolean))].sort();
const DISCOVERY = ['IAM:GenerateCredentialReport', 'IAM:GetCredentialReport', 'DynamoDB:Query'];
const discovery = () => Object.fromEntries(Object.entries(count()).filter(([op]) => DISCOVERY.includes(op)));

type Shape = 'no-key' | 'inactive-key' | 'protected' | 'exempt' | 'candidate';

/** Creates users of a shape, 16 requests in flight at most. */
async function seed(prefix: string, n: number, shape: Shape): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  await mapLimit(names, 16, async (UserName) => {
    const Tags =
      shape === 'protected'
        ? [{ Key: 'offboarding:protected', Value: 'true' }]
        : shape === 'exempt'
          ? [
              { Key: 'offboarding:exempt-until', Value: exemptUntil },
              { Key: 'offboarding:exempt-reason', Value: 'legacy integration' },
            ]
          : [{ Key: 'email', Value: `${UserName}@example.com` }];
    await probe.iam.send(new CreateUserCommand({ UserName, Tags }));
    if (shape === 'no-key') return;
    const key = await probe.iam.send(new CreateAccessKeyCommand({ UserName }));
    if (shape === 'inactive-key') {
      await probe.iam.send(
        new UpdateAccessKeyCommand({ UserName, AccessKeyId: key.AccessKey?.AccessKeyId, Status: 'Inactive' }),
      );
    }
  });
  return names;
}

async function statusesOf(users: readonly string[]): Promise<string[]> {
  const lists = await mapLimit(
    users,
    16,
    async (UserName) =>
      (await probe.iam.send(new ListAccessKeysCommand({ UserName }))).AccessKeyMetadata ?? [],
  );
  return [...new Set(lists.flat().map((k) => k.Status ?? ''))];
}

let stale: string[];
let guarded: string[];
let exempt: string[];
let revoked: string[];

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ upstream: moto.endpoint, intercept: awsPaging({ maxPageSize: 100 }) });
  probe = motoClients(moto);
  clients = makeClients({
    region: 'us-east-1',
    endpoint: proxy.endpoint,
    maxAttempts: 3,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  recordCalls(clients);
  ({ config } = await createLocalStack(probe, {
    sweepMaxActions: 25,
    sweepMaxFraction: 0.5,
    sessionRegions: [],
  }));
  await seed('nokey', 145, 'no-key');
  await seed('parked', 100, 'inactive-key');
  guarded = await seed('guarded', 20, 'protected');
  exempt = await seed('exempt', 20, 'exempt');
  stale = await seed('stale', 10, 'candidate');
  // Revoked by the engine, as a departure does: deny attached, keys inactive, an entry in the revoked index.
  revoked = await seed('left', 5, 'candidate');
  for (const userName of revoked) {
    await runRevocation(
      { trigger: 'departure', mode: 'departure', target: { userName }, reason: 'left', requestedBy: 'hr' },
      { config, clients: probe, now },
    );
  }
  await probe.iam.send(new GenerateCredentialReportCommand({}));
});
afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
});
beforeEach(() => {
  calls.length = 0;
});

describe('Integration: key sweep call count on moto', () => {
  it('discovers 300 users in 3 calls, and calls about candidates and revoked users only', async () => {
    const s = await runSweep({ mode: 'enforce' }, { config, clients, now });

    expect(s.users).toBe(300);
    expect(s.candidates).toEqual({ users: 50, keys: 50 });
    expect(count()).toEqual({
      // discovery: constant
      'IAM:GenerateCredentialReport': 1,
      'IAM:GetCredentialReport': 1,
      'DynamoDB:Query': 1,
      // per candidate: tags (protection, exemption, owner)
      'IAM:ListUserTags': 50,
      // per candidate with a key to act on: the re-read, and the re-read that verifies the write (no last use:
      // the keys are expired by age alone); per revoked user: its keys
      'IAM:ListAccessKeys': 10 + 10 + 5,
      // the 10 records in one batch, then the writes, then the records completed in one batch
      'DynamoDB:BatchWriteItem': 2,
      'IAM:UpdateAccessKey': 10,
      // per revoked user: the deny (and the keys: moto's report always predates the revocation)
      'IAM:ListAttachedUserPolicies': 5,
      // one summary
      'SNS:Publish': 1,
    });
    expect(usersCalledWith('ListUserTags')).toEqual([...exempt, ...guarded, ...stale].sort());
    expect(usersCalledWith('ListAccessKeys')).toEqual([...revoked, ...stale, ...stale].sort());
    expect(usersCalledWith('ListAttachedUserPolicies')).toEqual(revoked);
    expect(usersCalledWith('UpdateAccessKey')).toEqual(stale);
    expect(usersCalled()).toEqual([...exempt, ...guarded, ...revoked, ...stale].sort());
    expect(s.drift).toEqual([]);
    expect(await statusesOf(stale)).toEqual(['Inactive']);
    expect(await statusesOf([...guarded, ...exempt])).toEqual(['Active']);
  });

  it('still discovers in 3 calls with twice the users, calling about the new candidates only', async () => {
    await seed('more', 290, 'no-key');
    const newCandidates = await seed('late', 10, 'candidate');

    const s = await runSweep({ mode: 'report' }, { config, clients, now });

    expect(s.users).toBe(600);
    expect(discovery()).toEqual({
      'IAM:GenerateCredentialReport': 1,
      'IAM:GetCredentialReport': 1,
      'DynamoDB:Query': 1,
    });
    expect(count()).toEqual({
      ...discovery(),
      'IAM:ListUserTags': 50,
      // the revoked users' keys, and the new candidates' key ids (named in the summary)
      'IAM:ListAccessKeys': 5 + 10,
      'IAM:ListAttachedUserPolicies': 5,
      'SNS:Publish': 1,
    });
    expect(usersCalledWith('ListUserTags')).toEqual([...exempt, ...guarded, ...newCandidates].sort());
    expect(usersCalled()).toEqual([...exempt, ...guarded, ...newCandidates, ...revoked].sort());
  });
});
