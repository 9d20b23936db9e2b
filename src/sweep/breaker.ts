import type { Config } from '../config';

export interface BreakerVerdict {
  readonly maxActions: number;
  readonly maxFraction: number;
  /** Active access keys in the account (the credential report). */
  readonly activeKeys: number;
  /** Keys the sweep would deactivate. */
  readonly wouldDeactivate: number;
  readonly tripped: boolean;
  /** Why it tripped, for the alert. */
  readonly reason?: string;
}

/**
 * The sweep's circuit breaker: it trips when the keys to deactivate are more than `SWEEP_MAX_ACTIONS`, or more
 * than `SWEEP_MAX_FRACTION` of the account's active keys. A tripped breaker means no key is deactivated at
 * all (not "the first N"): a mass match is more likely a bug, a clock or a threshold error than a real event.
 * @example
 * evaluateBreaker(30, 200, { sweepMaxActions: 25, sweepMaxFraction: 0.2 }).tripped // true: 30 > 25
 */
export function evaluateBreaker(
  wouldDeactivate: number,
  activeKeys: number,
  config: Pick<Config, 'sweepMaxActions' | 'sweepMaxFraction'>,
): BreakerVerdict {
  const base = {
    maxActions: config.sweepMaxActions,
    maxFraction: config.sweepMaxFraction,
    activeKeys,
    wouldDeactivate,
  };
  if (wouldDeactivate > config.sweepMaxActions) {
    return {
      ...base,
      tripped: true,
      reason: `${wouldDeactivate} keys would be deactivated, more than SWEEP_MAX_ACTIONS=${config.sweepMaxActions}`,
    };
  }
  const fraction = activeKeys > 0 ? wouldDeactivate / activeKeys : 0;
  if (wouldDeactivate > 0 && fraction > config.sweepMaxFraction) {
    return {
      ...base,
      tripped: true,
      reason: `${wouldDeactivate} of ${activeKeys} active keys (${Math.round(fraction * 100)}%) would be deactivated, more than SWEEP_MAX_FRACTION=${config.sweepMaxFraction}`,
    };
  }
  return { ...base, tripped: false };
}

/** The drift breaker's verdict: how many drifted users the sweep would re-revoke, against `SWEEP_MAX_DRIFT`. */
export interface DriftBreakerVerdict {
  readonly maxDrift: number;
  /** Drifted users of the revoked-users index the sweep would re-revoke (protected users never count). */
  readonly wouldReRevoke: number;
  readonly tripped: boolean;
  /** Why it tripped, for the alert. */
  readonly reason?: string;
}

/**
 * The drift breaker: it trips when more drifted users (people already revoked found with an Active key, or
 * without the deny) would be re-revoked than `SWEEP_MAX_DRIFT`. A tripped drift breaker means none is re-revoked (not
 * "the first N") and the run halts: many revoked users drifting at once is more likely a restore done by hand,
 * a damaged index or a bug than that many real events, and each re-revocation writes to IAM.
 * @example
 * evaluateDriftBreaker(6, { sweepMaxDrift: 5 }).tripped // true: 6 > 5
 */
export function evaluateDriftBreaker(
  wouldReRevoke: number,
  config: Pick<Config, 'sweepMaxDrift'>,
): DriftBreakerVerdict {
  const base = { maxDrift: config.sweepMaxDrift, wouldReRevoke };
  if (wouldReRevoke > config.sweepMaxDrift) {
    return {
      ...base,
      tripped: true,
      reason: `${wouldReRevoke} revoked users drifted and would be re-revoked, more than SWEEP_MAX_DRIFT=${config.sweepMaxDrift}`,
    };
  }
  return { ...base, tripped: false };
}
