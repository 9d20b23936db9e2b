import type { RestoreReport, RunOutcome, Severity } from '../engine';
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
