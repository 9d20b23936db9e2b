import type { PrincipalReport, RevocationReport, StepResult } from '../../../src/engine/types';

export const HOME = '111111111111';
export const MEMBER = '222222222222';
export const AT = '2026-02-01T10:00:00.000Z';
export const FINISHED = '2026-02-01T10:00:04.000Z';

const step = (type: StepResult['type'], subject: string, outcome: StepResult['outcome']): StepResult => ({
  id: `${type}:${subject}`,
  type,
  subject,
  outcome,
});

/** A user revoked in `account`: the deny and its keys with the given outcomes. */
export function userReport(
  name: string,
  account: string,
  keys: Record<string, StepResult['outcome']> = {},
  deny: StepResult['outcome'] = 'done',
): PrincipalReport {
  return {
    principal: { kind: 'user', name, arn: `arn:aws:iam::${account}:user/${name}` },
    outcome: 'revoked',
    steps: [
      step('attach-deny', name, deny),
      ...Object.entries(keys).map(([k, o]) => step('deactivate-access-key', k, o)),
    ],
    sessions: [],
    notes: [],
  };
}

/** A departure's report over the given principals. */
export function report(
  principals: PrincipalReport[],
  overrides: Partial<RevocationReport> = {},
): RevocationReport {
  return {
    kind: 'revocation',
    runId: 'standard:msg_1',
    trigger: 'departure',
    mode: 'departure',
    dryRun: false,
    target: { email: 'jane@example.com' },
    reason: 'left',
    requestedBy: 'hr',
    at: AT,
    finishedAt: FINISHED,
    outcome: 'revoked',
    principals,
    notes: [],
    ...overrides,
  };
}
