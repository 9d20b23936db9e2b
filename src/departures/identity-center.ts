import type { RevocationReport, RunOutcome } from '../engine';
import { describeError } from '../errors';
import { type IdcDeps, type IdcRevocationReport, revokeIdentityCenterUser } from '../identity-center';
import type { DepartureMessage } from './message';

/** A departure's report: the IAM users' run, and the person's Identity Center user when configured. */
export type DepartureReport = RevocationReport & { readonly identityCenter?: IdcRevocationReport };

/**
 * Revokes the person's Identity Center user for a departure (same run id), never throwing: a failure before
 * any write is a `failed` section with the reason (the departure is then retried).
 */
export async function revokeDepartedIdcUser(
  message: DepartureMessage,
  request: { readonly reason: string; readonly requestedBy: string },
  deps: IdcDeps,
): Promise<IdcRevocationReport> {
  const target = {
    ...(message.person.email ? { email: message.person.email } : {}),
    ...(message.person.employeeId ? { employeeId: message.person.employeeId } : {}),
  };
  const base = {
    trigger: 'departure' as const,
    mode: 'departure' as const,
    target,
    runId: message.id,
    ...request,
  };
  try {
    return await revokeIdentityCenterUser(base, deps);
  } catch (err) {
    const at = deps.now.toISOString();
    return {
      kind: 'identity-center-revocation',
      runId: message.id,
      trigger: 'departure',
      mode: 'departure',
      dryRun: deps.dryRun,
      target,
      reason: request.reason,
      requestedBy: request.requestedBy,
      at,
      finishedAt: new Date().toISOString(),
      outcome: 'failed',
      steps: [],
      provisioning: [],
      manualSteps: [],
      notes: [`nothing changed in Identity Center: ${describeError(err)}`],
    };
  }
}

/**
 * The outcome over IAM and Identity Center: a side that found nothing of the person does not count (a person
 * with only an Identity Center user is `revoked` when that user is); otherwise the common outcome, else `partial`.
 */
export function personOutcome(outcomes: readonly RunOutcome[]): RunOutcome {
  const counted = outcomes.filter((o) => o !== 'not-found');
  if (!counted.length) return 'not-found';
  const first = counted[0] as RunOutcome;
  return counted.every((o) => o === first) ? first : 'partial';
}

/** The IAM report with the Identity Center section added and the run's outcome over both. */
export function withIdentityCenter(
  report: RevocationReport,
  idc: IdcRevocationReport | undefined,
): DepartureReport {
  if (!idc) return report;
  return { ...report, identityCenter: idc, outcome: personOutcome([report.outcome, idc.outcome]) };
}
