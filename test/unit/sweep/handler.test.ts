import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Handler } from 'aws-lambda';
import scheduled from '../../../events/key-sweep.json';
import enforce from '../../../events/key-sweep-enforce.json';
import { InvalidRequestError } from '../../../src/errors';
import type { SweepSummary } from '../../../src/sweep/types';
import { allCalls, answerAccount, answerDefaults, iamWrites, mockAws, NOW } from '../../support/iam-mock';

// The handler builds its config and clients at cold start; here from a test config (no process.env).
jest.mock('../../../src/runtime', () => {
  const { testConfig } = jest.requireActual('../../../tools/testing/config');
  const { makeClients } = jest.requireActual('../../../src/clients');
  return {
    coldStart: () => ({
      config: testConfig({ sweepMaxFraction: 1 }),
      clients: makeClients({ region: 'us-east-1' }),
    }),
  };
});

const m = mockAws();
const ctx = { functionName: 'keySweep', awsRequestId: 'req-1' } as never;
let handler: Handler;

const OLD = '2025-01-01T00:00:00+00:00';

beforeAll(async () => {
  handler = (await import('../../../handlers/key-sweep')).handler as Handler;
});
beforeEach(() => {
  for (const s of [m.iam, m.ssm, m.sns, m.ddb]) s.reset();
  answerDefaults(m);
  // One user with one key, created 2025-01-01 and never used; the credential report is made at NOW. The key's
  // status is IAM's: the sweep's write changes it, and its verification re-reads it.
  answerAccount(
    m,
    [
      {
        userName: 'old',
        tags: { email: 'old@example.com' },
        keys: [{ id: 'AKIAOLD', created: new Date(OLD), lastUsed: null }],
      },
    ],
    { reportAt: NOW },
  );
  m.ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
});

describe('Handler: key-sweep', () => {
  it('sweeps as configured (report by default) on the plain scheduled event', async () => {
    const summary = (await handler(scheduled, ctx, () => undefined)) as SweepSummary;

    expect(summary).toMatchObject({ kind: 'sweep', mode: 'report', outcome: 'reported' });
    // Report mode re-reads no key: the key is named by its report slot and creation date.
    expect(summary.keys.map((k) => [k.user, k.slot, k.createdAt, k.owner])).toEqual([
      ['old', 1, new Date(OLD).toISOString(), { email: 'old@example.com' }],
    ]);
    expect(iamWrites(m)).toEqual([]);
  });

  it('enforces when the schedule passes { "mode": "enforce" }', async () => {
    const summary = (await handler(enforce, ctx, () => undefined)) as SweepSummary;

    expect(summary).toMatchObject({ mode: 'enforce', outcome: 'enforced' });
    expect(m.iam).toHaveReceivedCommandWith(UpdateAccessKeyCommand, {
      UserName: 'old',
      AccessKeyId: 'AKIAOLD',
      Status: 'Inactive',
    });
  });

  it.each([
    ['an unknown mode', { mode: 'purge' }],
    ['a mode of the wrong type', { mode: true }],
    ['an unknown field', { mode: 'report', users: ['old'] }],
    ['a scheduled event with a mode smuggled in the wrong place', { ...scheduled, mode: 'enforce' }],
  ])('rejects %s with InvalidRequestError before any AWS call', async (_label, event) => {
    await expect(handler(event, ctx, () => undefined)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(allCalls(m)).toEqual([]);
  });
});
