import type { SQSRecord } from 'aws-lambda';
import type { Coverage } from '../../../src/accounts/coverage';
import type { CancellationReport, ScheduledReport } from '../../../src/departures/schedule';
import type { PrincipalReport, RestoreReport, RevocationReport, StepResult } from '../../../src/engine/types';
import type { IdcDriftSweep, IdcRestoreReport, IdcRevocationReport } from '../../../src/identity-center';
import type { SweepSummary } from '../../../src/sweep/types';

/** Report fixtures of every kind and outcome the renderers know, as the code builds them. */

export const ACCOUNT = '123456789012';
export const OTHER = '210987654321';
const AT = '2026-11-29T12:00:00.000Z';

/** An SDK error as it arrives: several lines, indented (an XML body, a stack-like detail). */
export const MULTILINE_ERROR =
  'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/offboarding-prod-lockdown/x is not authorized\n    to perform: iam:UpdateAccessKey on resource: user alice\n\n  because no identity-based policy allows the iam:UpdateAccessKey action';

const step = (
  id: string,
  type: StepResult['type'],
  subject: string,
  outcome: StepResult['outcome'],
  extra: Partial<StepResult> = {},
): StepResult => ({ id, type, subject, outcome, ...extra });

const alice = (outcome: PrincipalReport['outcome'], steps: StepResult[]): PrincipalReport => ({
  principal: { kind: 'user', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
  outcome,
  steps,
  verification:
    outcome === 'revoked' ? { ok: true, checks: [{ check: 'deny attached', ok: true }] } : undefined,
  sessions: [],
  notes: [],
});

const revokedSteps = (outcome: StepResult['outcome']) => [
  step('01-attach-deny', 'attach-deny', 'arn:aws:iam::aws:policy/AWSDenyAll', outcome),
  step('02-deactivate-access-key', 'deactivate-access-key', 'AKIAIOSFODNN7EXAMPLE', outcome),
  step('03-delete-login-profile', 'delete-login-profile', 'alice', 'skipped', {
    detail: 'kept: a lockdown keeps the console password',
  }),
];

export const revocation = (o: Partial<RevocationReport> = {}): RevocationReport => ({
  kind: 'revocation',
  runId: '5f0c7a7e-2b1d-4c55-9e0e-8d1f1b2c3d4e',
  trigger: 'lockdown',
  mode: 'lockdown',
  dryRun: false,
  target: { userName: 'alice' },
  reason: 'INC-1234: laptop stolen',
  requestedBy: 'secops@example.com',
  caller: { verified: true, via: 'http-api', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SecOps/bob` },
  at: AT,
  finishedAt: AT,
  outcome: 'revoked',
  principals: [alice('revoked', revokedSteps('done'))],
  notes: [],
  ...o,
});

const partialAlice = alice('partial', [
  step('01-attach-deny', 'attach-deny', 'arn:aws:iam::aws:policy/AWSDenyAll', 'done'),
  step('02-deactivate-access-key', 'deactivate-access-key', 'AKIAIOSFODNN7EXAMPLE', 'failed', {
    error: MULTILINE_ERROR,
  }),
]);

const idcUser = { userId: '9067c2a1b3-1111-2222-3333-444455556666', userName: 'jane@example.com' };

export const idcRevocation = (o: Partial<IdcRevocationReport> = {}): IdcRevocationReport => ({
  kind: 'identity-center-revocation',
  runId: 'standard:msg_2Kx9',
  trigger: 'departure',
  mode: 'departure',
  dryRun: false,
  target: { email: 'jane@example.com' },
  reason: 'employee.departed',
  requestedBy: 'hr-webhook/standard',
  at: AT,
  finishedAt: AT,
  outcome: 'revoked',
  user: { ...idcUser, identityStoreId: 'd-9067c2a1b3' },
  steps: [
    {
      id: '01-deny-permission-set',
      type: 'deny-permission-set',
      subject: 'arn:aws:sso:::permissionSet/ssoins-72230b4e1a7f0c3d/ps-0123456789abcdef',
      outcome: 'done',
    },
    {
      id: '02-delete-account-assignment',
      type: 'delete-account-assignment',
      subject: `${ACCOUNT} AdministratorAccess`,
      outcome: 'done',
    },
  ],
  provisioning: [
    {
      permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-72230b4e1a7f0c3d/ps-0123456789abcdef',
      status: 'SUCCEEDED',
    },
  ],
  verification: { ok: true, checks: [] },
  manualSteps: [],
  notes: [],
  ...o,
});

export const restore = (o: Partial<RestoreReport> = {}): RestoreReport => ({
  kind: 'restore',
  runId: '0a1b2c3d-restore',
  trigger: 'restore',
  target: { userName: 'alice' },
  reason: 'INC-1234 closed: laptop found',
  requestedBy: 'secops@example.com',
  at: AT,
  finishedAt: AT,
  outcome: 'restored',
  principal: { kind: 'user', name: 'alice', arn: `arn:aws:iam::${ACCOUNT}:user/alice` },
  undoes: ['5f0c7a7e-2b1d-4c55-9e0e-8d1f1b2c3d4e'],
  restored: { trigger: 'lockdown', mode: 'lockdown' },
  keptInForce: [],
  steps: [
    step('01-undo-deactivate-access-key', 'deactivate-access-key', 'AKIAIOSFODNN7EXAMPLE', 'done'),
    step('02-undo-attach-deny', 'attach-deny', 'arn:aws:iam::aws:policy/AWSDenyAll', 'done'),
  ],
  verification: { ok: true, checks: [] },
  notRestored: [],
  notes: [],
  ...o,
});

export const idcRestore = (o: Partial<IdcRestoreReport> = {}): IdcRestoreReport => ({
  kind: 'identity-center-restore',
  runId: 'b7e1-restore',
  dryRun: false,
  target: { identityCenterUser: 'jane@example.com' },
  reason: 'rehired',
  requestedBy: 'secops@example.com',
  at: AT,
  finishedAt: AT,
  outcome: 'restored',
  user: { ...idcUser, identityStoreId: 'd-9067c2a1b3' },
  undoes: ['standard:msg_2Kx9'],
  restored: { trigger: 'lockdown', mode: 'lockdown' },
  keptInForce: [],
  steps: [
    {
      id: '01-create-account-assignment',
      type: 'create-account-assignment',
      subject: `${ACCOUNT} AdministratorAccess`,
      outcome: 'done',
    },
  ],
  provisioning: [],
  notRestored: [],
  notes: [],
  ...o,
});

export const idcDrift = (o: Partial<IdcDriftSweep> = {}): IdcDriftSweep => ({
  checked: 4,
  drifted: [
    {
      ...idcUser,
      runId: 'standard:msg_2Kx9',
      assignments: [{ accountId: ACCOUNT, permissionSetArn: 'arn:aws:sso:::permissionSet/ssoins-1/ps-1' }],
      memberships: [],
      action: 're-revoked',
      outcome: 'revoked',
    },
  ],
  halted: false,
  notes: [],
  ...o,
});

const jane = (accountId: string) => ({
  principal: { kind: 'user' as const, name: 'jane', arn: `arn:aws:iam::${accountId}:user/jane` },
  outcome: 'revoked' as const,
});

export const coverage = (o: Partial<Coverage> = {}): Coverage => ({
  runId: 'standard:msg_2Kx9',
  trigger: 'departure',
  subject: 'jane@example.com',
  targets: [ACCOUNT, OTHER, 'identity-center'],
  startedAt: AT,
  accounts: [
    { accountId: ACCOUNT, outcome: 'revoked', at: AT, attempts: 1, principals: [jane(ACCOUNT)], notes: [] },
    { accountId: OTHER, outcome: 'revoked', at: AT, attempts: 2, principals: [jane(OTHER)], notes: [] },
    {
      accountId: 'identity-center',
      outcome: 'revoked',
      at: AT,
      attempts: 1,
      principals: [
        {
          principal: {
            kind: 'user',
            name: 'jane@example.com',
            arn: 'arn:aws:identitystore::d-9067c2a1b3:user/9067c2a1b3-1111',
          },
          outcome: 'revoked',
        },
      ],
      notes: [],
    },
  ],
  complete: true,
  outcome: 'revoked',
  unreachable: [],
  ...o,
});

export const unreachableCoverage = (): Coverage =>
  coverage({
    outcome: 'partial',
    accounts: [
      { accountId: ACCOUNT, outcome: 'revoked', at: AT, attempts: 1, principals: [jane(ACCOUNT)], notes: [] },
      {
        accountId: OTHER,
        outcome: 'unreachable',
        at: AT,
        attempts: 3,
        principals: [],
        notes: [],
        error: `AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/offboarding-prod-accountWorker/x\nis not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${OTHER}:role/offboarding-member`,
      },
    ],
    targets: [ACCOUNT, OTHER],
    unreachable: [{ accountId: OTHER, why: 'AccessDenied' }],
  });

const zeroCounts = {
  expired: 0,
  idle: 0,
  'never-used': 0,
  due: 0,
  ok: 0,
  inactive: 0,
  exempt: 0,
  protected: 0,
};

export const sweep = (o: Partial<SweepSummary> = {}): SweepSummary => ({
  kind: 'sweep',
  runId: 'sweep-7c1d',
  trigger: 'sweep',
  mode: 'enforce',
  dryRun: false,
  at: AT,
  finishedAt: AT,
  outcome: 'enforced',
  severity: 'warning',
  thresholds: { keyMaxAgeDays: 90, keyMaxIdleDays: 45, keyWarnDays: 14 },
  credentialReport: { generatedAt: '2026-11-29T11:40:00.000Z', ageHours: 0 },
  counts: { ...zeroCounts, expired: 1, due: 1, ok: 12 },
  activeKeys: 14,
  users: 9,
  candidates: { users: 2, keys: 2 },
  revokedUsers: 1,
  keys: [
    {
      user: 'build-bot',
      accessKeyId: 'AKIAI44QH8DHBEXAMPLE',
      class: 'expired',
      ageDays: 120,
      lastUsed: '2026-11-01T08:00:00.000Z',
      owner: { email: 'ci-team@example.com' },
      action: 'deactivated',
      reason: 'older than 90 days',
    },
    {
      user: 'carol',
      slot: 1,
      createdAt: '2026-09-10T09:00:00.000Z',
      class: 'due',
      ageDays: 80,
      lastUsed: 'never',
      owner: {},
      action: 'warned',
      reason: 'expires in 10 days',
    },
  ],
  exemptions: [{ user: 'legacy-etl', status: 'expired', until: '2026-11-01', reason: 'migration' }],
  drift: [],
  breaker: { maxActions: 25, maxFraction: 0.2, activeKeys: 14, wouldDeactivate: 1, tripped: false },
  driftBreaker: { maxDrift: 5, wouldReRevoke: 0, tripped: false },
  notes: [],
  ...o,
});

const scheduleRef = {
  name: 'departure-3b9f',
  group: 'offboarding-prod',
  expression: 'at(2026-12-01T17:00:00)',
  timezone: 'UTC',
};

export const scheduled = (o: Partial<ScheduledReport> = {}): ScheduledReport => ({
  kind: 'scheduled-departure',
  runId: 'standard:msg_2Kx9',
  trigger: 'departure',
  outcome: 'scheduled',
  dryRun: false,
  target: { email: 'jane@example.com', employeeId: 'E123' },
  provider: 'standard',
  reason: 'employee.departed',
  requestedBy: 'hr-webhook/standard',
  effectiveAt: '2026-12-01T17:00:00.000Z',
  schedule: scheduleRef,
  at: AT,
  notes: [],
  ...o,
});

export const cancellation = (o: Partial<CancellationReport> = {}): CancellationReport => ({
  kind: 'departure-cancellation',
  runId: 'standard:msg_cancel1',
  trigger: 'departure',
  outcome: 'cancelled',
  dryRun: false,
  target: { email: 'jane@example.com' },
  provider: 'standard',
  reason: 'employee.departure_cancelled',
  at: AT,
  cancelled: [
    {
      runId: 'standard:msg_2Kx9',
      effectiveAt: '2026-12-01T17:00:00.000Z',
      schedule: 'offboarding-prod/departure-3b9f',
    },
  ],
  tooLate: [],
  notes: [],
  ...o,
});

export const malformedRecord = {
  messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  body: '{"provider":"standard","person":{}}',
} as SQSRecord;

export { alice, partialAlice, revokedSteps };
