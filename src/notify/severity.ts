import type { RestoreReport, RunOutcome, Severity, Trigger } from '../engine';
import type { SweepOutcome } from '../sweep/types';

/**
 * The severity of a run, decided here and nowhere else (message attribute `severity`, for filter policies):
 * anything that may leave access in place is `high`; a principal found protected or not found is a `warning`.
 */
export function severityOf(outcome: RunOutcome | RestoreReport['outcome'] | SweepOutcome): Severity {
  switch (outcome) {
    case 'failed':
    case 'partial':
    case 'halted':
      return 'high';
    case 'protected':
    case 'not-found':
      return 'warning';
    default:
      return 'info';
  }
}

/**
 * A revocation's severity: a lockdown is `high` whatever its outcome (an incident: someone must look now); a
 * departure that ends `not-found` or `protected` is `high` (a leaver whose access was not found, or not revoked,
 * is a finding); otherwise as {@link severityOf}.
 */
export function revocationSeverity(trigger: Trigger, outcome: RunOutcome): Severity {
  if (trigger === 'lockdown') return 'high';
  if (trigger === 'departure' && (outcome === 'not-found' || outcome === 'protected')) return 'high';
  return severityOf(outcome);
}

/** A restore that lifted a departure is `high`: someone gave a leaver their access back. */
export function restoreSeverity(report: Pick<RestoreReport, 'outcome' | 'restored'>): Severity {
  return report.restored.trigger === 'departure' ? 'high' : severityOf(report.outcome);
}

/** What a sweep found beyond its outcome, for its severity. */
export interface SweepFindings {
  readonly outcome: SweepOutcome;
  /** Revoked users found no longer revoked. */
  readonly drift: number;
  /** Revoked users whose state could not be read. */
  readonly unchecked: number;
  /** Keys listed, exemptions expired or invalid, or a root key: someone should look. */
  readonly attention: boolean;
}

/** A sweep is `high` when it failed, halted, or found drift or revoked users it could not check. */
export function sweepSeverity(f: SweepFindings): Severity {
  if (severityOf(f.outcome) === 'high' || f.drift > 0 || f.unchecked > 0) return 'high';
  return f.attention ? 'warning' : 'info';
}
