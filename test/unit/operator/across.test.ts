import type { AccountAccess } from '../../../src/accounts/access';
import type { EngineDeps, RevocationReport } from '../../../src/engine';
import { acrossAccounts } from '../../../src/operator/across';
import { testConfig } from '../../../tools/testing/config';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const config = testConfig({ targetAccounts: { kind: 'list', accountIds: [A, B, C] }, accountQueueUrl: 'q' });
const access = { selfAccountId: async () => A } as unknown as AccountAccess;
const skeleton = {
  kind: 'revocation' as const,
  trigger: 'lockdown' as const,
  mode: 'lockdown' as const,
  dryRun: false,
  target: { email: 'jane@example.com' },
  reason: 'INC-1',
  requestedBy: 'secops',
  at: '2026-12-01T10:00:00Z',
};

/** Stand-in engine: in account B, one user revoked; elsewhere nobody of the person. */
const run = async (deps: EngineDeps): Promise<RevocationReport> => ({
  ...skeleton,
  runId: 'r',
  finishedAt: 't',
  ...(deps.accountId ? { accountId: deps.accountId } : {}),
  outcome: deps.accountId === B ? 'revoked' : 'not-found',
  principals:
    deps.accountId === B
      ? [
          {
            principal: { kind: 'user', name: 'jane', arn: `arn:aws:iam::${B}:user/jane` },
            outcome: 'revoked',
            steps: [],
            sessions: [],
            notes: [],
          },
        ]
      : [],
  notes: deps.accountId === B ? ['a note'] : [],
});
const depsFor = (unreachable: string[]) => async (accountId: string) => {
  if (unreachable.includes(accountId)) throw new Error(`role in ${accountId} could not be assumed`);
  return {
    config,
    clients: {} as EngineDeps['clients'],
    now: new Date(),
    ...(accountId === A ? {} : { accountId }),
  };
};

describe('Function: acrossAccounts', () => {
  it('runs the person in every target account and combines one report with a section per account', async () => {
    const report = await acrossAccounts(config, access, 'run-1', run, depsFor([]), skeleton);
    expect(report.accounts).toEqual([
      { accountId: A, outcome: 'not-found' },
      { accountId: B, outcome: 'revoked' },
      { accountId: C, outcome: 'not-found' },
    ]);
    expect(report).toMatchObject({
      runId: 'run-1',
      outcome: 'revoked',
      kind: 'revocation',
      trigger: 'lockdown',
    });
    expect(report.principals.map((p) => p.principal.arn)).toEqual([`arn:aws:iam::${B}:user/jane`]);
    expect(report.notes).toEqual([
      'coverage: targeted 3, reached 3, unreachable 0; the person has users in 1',
      `account ${B}: a note`,
    ]);
  });

  it('names an unreachable account and makes the run partial; none reached is failed', async () => {
    const partial = await acrossAccounts(config, access, 'run-2', run, depsFor([C]), skeleton);
    expect(partial.outcome).toBe('partial');
    expect(partial.accounts?.find((a) => a.accountId === C)).toEqual({
      accountId: C,
      outcome: 'unreachable',
      error: `role in ${C} could not be assumed`,
    });
    expect(partial.notes[0]).toBe(
      `coverage: targeted 3, reached 2, unreachable 1 (${C}); the person has users in 1`,
    );
    const none = await acrossAccounts(config, access, 'run-3', run, depsFor([A, B, C]), skeleton);
    expect(none).toMatchObject({ outcome: 'failed', principals: [], kind: 'revocation', reason: 'INC-1' });
  });
});
