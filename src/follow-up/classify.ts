import type { Severity } from '../engine';
import type { FollowUpOutcome, FollowUpTarget, KeyUsedAfter, LookupFailure, TrailEvent } from './types';

/** The events of one account sorted into what they mean for the revocation. Pure. */
export interface Classified {
  readonly activity: TrailEvent[];
  readonly denied: TrailEvent[];
  readonly beforeDeny: TrailEvent[];
}

const byTime = (a: TrailEvent, b: TrailEvent) => a.eventTime.localeCompare(b.eventTime);

/**
 * Sorts an account's events (found by several lookups: each event once, by id): a call with an error code is
 * `denied`; one without, at or after the deny took effect (`denyAt`), is `activity`; one without before it
 * (during the revocation run itself) is `beforeDeny`. Events before `revokedAt` are left out.
 */
export function classify(
  target: Pick<FollowUpTarget, 'revokedAt' | 'denyAt'>,
  events: readonly TrailEvent[],
) {
  const seen = new Set<string>();
  const out: Classified = { activity: [], denied: [], beforeDeny: [] };
  const from = Date.parse(target.revokedAt);
  const deny = Date.parse(target.denyAt);
  for (const e of [...events].sort(byTime)) {
    const key = e.eventId || `${e.eventTime}|${e.eventName}|${e.username ?? ''}|${e.accessKeyId ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const t = Date.parse(e.eventTime);
    if (Number.isNaN(t) || t < from) continue;
    if (e.errorCode) out.denied.push(e);
    else if (t >= deny) out.activity.push(e);
    else out.beforeDeny.push(e);
  }
  return out;
}

/** The follow-up's outcome and severity from what it found (see {@link FollowUpOutcome}). Pure. */
export function outcomeOf(found: {
  readonly activity: readonly TrailEvent[];
  readonly denied: readonly TrailEvent[];
  readonly keysUsedAfter: readonly KeyUsedAfter[];
  readonly failures: readonly LookupFailure[];
}): { outcome: FollowUpOutcome; severity: Severity } {
  if (found.activity.length || found.keysUsedAfter.length) {
    return { outcome: 'activity-after-revocation', severity: 'high' };
  }
  if (found.failures.length) return { outcome: 'incomplete', severity: 'high' };
  if (found.denied.length) return { outcome: 'denied-attempts', severity: 'info' };
  return { outcome: 'no-activity', severity: 'info' };
}
