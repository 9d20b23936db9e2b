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
