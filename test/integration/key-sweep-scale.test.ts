import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  GenerateCredentialReportCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { Clients } from '../../src/clients';
import type { Config } from '../../src/config';
import { type Moto, startMoto } from '../../src/local/moto';
import { createLocalStack, motoClients } from '../../src/local/seed';
import { runSweep } from '../../src/sweep/sweep';
import { mapLimit } from '../../src/util/concurrency';

/*
 * How many AWS calls the sweep makes, counted on every command its clients send, against moto with
 * hundreds of users. moto dates every key today, so the clock is injected at today + 100 days: every active
 * key is then expired, and what makes a user a candidate or not is the account's shape, as in real accounts:
 * most users have no key or an inactive one, some are protected or exempt. moto returns all users in one
 * GetAccountAuthorizationDetails page whatever MaxItems says (AWS pages by 1000: ceil(users / 1000) calls,
 * covered by the unit tests).
 */

const DAY = 86_400_000;
const now = new Date(Date.now() + 100 * DAY + 3_600_000);
const exemptUntil = new Date(now.getTime() + 30 * DAY).toISOString().slice(0, 10);

let moto: Moto;
let probe: Clients;
let clients: Clients;
let config: Config;
/** `Service:Operation` (IAM calls about one user or key: `IAM:Operation:<user>`). */
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

let candidates: string[];
let untouchable: string[];

beforeAll(async () => {
  moto = await startMoto();
  probe = motoClients(moto);
  clients = motoClients(moto);
  recordCalls(clients);
  ({ config } = await createLocalStack(probe, { sweepMaxActions: 25, sweepMaxFraction: 0.5 }));
  await seed('nokey', 150, 'no-key');
  await seed('parked', 100, 'inactive-key');
  untouchable = [...(await seed('guarded', 20, 'protected')), ...(await seed('exempt', 20, 'exempt'))];
  candidates = await seed('stale', 10, 'candidate');
  await probe.iam.send(new GenerateCredentialReportCommand({}));
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(() => {
  calls.length = 0;
});

describe('Integration: key sweep call count on moto', () => {
  it('discovers 300 users in 3 calls and makes per-user calls only for the 10 candidates', async () => {
    const s = await runSweep({ mode: 'enforce' }, { config, clients, now });

    expect(s.users).toBe(300);
    expect(count()).toEqual({
      // discovery: constant
      'IAM:GenerateCredentialReport': 1,
      'IAM:GetCredentialReport': 1,
      'IAM:GetAccountAuthorizationDetails': 1,
      // per candidate: re-read (1 + one per active key), the state record, the write
      'IAM:ListAccessKeys': 10,
      'IAM:GetAccessKeyLastUsed': 10,
      'DynamoDB:PutItem': 10,
      'IAM:UpdateAccessKey': 10,
      'DynamoDB:UpdateItem': 10,
      // one summary
      'SNS:Publish': 1,
    });
    expect(usersCalledWith('ListAccessKeys')).toEqual(candidates);
    expect(usersCalledWith('UpdateAccessKey')).toEqual(candidates);
    expect(await statusesOf(candidates)).toEqual(['Inactive']);
    expect(await statusesOf(untouchable)).toEqual(['Active']);
  });

  it('still discovers in 3 calls with twice the users, re-reading only the new candidates', async () => {
    await seed('more', 290, 'no-key');
    const newCandidates = await seed('late', 10, 'candidate');

    const s = await runSweep({ mode: 'report' }, { config, clients, now });

    expect(s.users).toBe(600);
    expect(count()).toEqual({
      'IAM:GenerateCredentialReport': 1,
      'IAM:GetCredentialReport': 1,
      'IAM:GetAccountAuthorizationDetails': 1,
      'IAM:ListAccessKeys': 10,
      'IAM:GetAccessKeyLastUsed': 10,
      'SNS:Publish': 1,
    });
    expect(usersCalledWith('ListAccessKeys')).toEqual(newCandidates);
  });
});
