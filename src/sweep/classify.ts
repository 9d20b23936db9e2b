import type { Config } from '../config';
import { tagValue } from '../util/iam-case';

/**
 * The sweep's policy, pure: how old or idle a key is, what an exemption tag says, which class a key falls in.
 * No I/O and no clock of its own: `now` is always a parameter.
 */

/** Tag that exempts a user's keys until a date (inclusive, UTC): `offboarding:exempt-until=YYYY-MM-DD`. */
export const EXEMPT_UNTIL_TAG = 'offboarding:exempt-until';
/** Tag that says why (required: an exemption without a reason does not exempt). */
export const EXEMPT_REASON_TAG = 'offboarding:exempt-reason';

const DAY_MS = 86_400_000;

/**
 * The class of an access key:
 * - `expired`: age >= `KEY_MAX_AGE_DAYS` (CIS 1.14);
 * - `idle`: last used >= `KEY_MAX_IDLE_DAYS` ago (CIS 1.12);
 * - `never-used`: never used and created >= `KEY_MAX_IDLE_DAYS` ago;
 * - `due`: within `KEY_WARN_DAYS` of expiry (a warning, no action);
 * - `ok`, `inactive`;
 * - `exempt`: the user carries a valid exemption; `protected`: the user is a protected principal.
 */
export type KeyClass = 'expired' | 'idle' | 'never-used' | 'due' | 'ok' | 'inactive' | 'exempt' | 'protected';

export const KEY_CLASSES: readonly KeyClass[] = [
  'expired',
  'idle',
  'never-used',
  'due',
  'ok',
  'inactive',
  'exempt',
  'protected',
];

/** Classes the sweep deactivates in `enforce` mode. */
export const ACTIONABLE: ReadonlySet<KeyClass> = new Set<KeyClass>(['expired', 'idle', 'never-used']);

export type Thresholds = Pick<Config, 'keyMaxAgeDays' | 'keyMaxIdleDays' | 'keyWarnDays'>;

/** What the sweep knows of one key: from the credential report (no id) or from a re-read (with id). */
export interface KeyDates {
  readonly active: boolean;
  /** Creation (the report's `last_rotated`); undefined when unknown. */
  readonly createdAt: Date | undefined;
  /** Last use; null when never used; undefined when unknown (not read, or the read failed). */
  readonly lastUsedAt: Date | null | undefined;
}

/** An exemption as the user's tags state it. */
export type Exemption =
  | { readonly status: 'active'; readonly until: string; readonly reason: string }
  | { readonly status: 'expired'; readonly until: string; readonly reason: string }
  | { readonly status: 'invalid'; readonly problem: string };

/** Where the user stands before its keys are looked at. */
export interface UserStanding {
  /** Why the user is protected (never touched), or undefined. */
  readonly protectedBy?: string;
  readonly exemption?: Exemption;
}

export interface KeyVerdict {
  readonly class: KeyClass;
  /** Whole days since creation; undefined when the creation date is unknown. */
  readonly ageDays?: number;
  /** Whole days since last use (or creation when never used); undefined when unknown. */
  readonly idleDays?: number;
  /** Why, in a few words, for the report. */
  readonly reason: string;
}

/** Whole days from `from` to `now` (0 when `from` is after `now`: clock skew is not age). */
export function daysBetween(from: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY_MS));
}

/** `YYYY-MM-DD` of `now` in UTC. */
export const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/** True when `value` is a real calendar date written `YYYY-MM-DD`. */
function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/**
 * Reads a user's exemption tags. The exemption holds through its `until` day (UTC) inclusive; after it, it is
 * `expired` (no longer exempts, and is reported). A malformed date or a missing reason is `invalid`: it does
 * not exempt (an exemption must say why and until when).
 * @example
 * parseExemption({ 'offboarding:exempt-until': '2026-03-31', 'offboarding:exempt-reason': 'vendor migration' }, now)
 * // { status: 'active', until: '2026-03-31', reason: 'vendor migration' } while now <= 2026-03-31
 */
export function parseExemption(tags: Readonly<Record<string, string>>, now: Date): Exemption | undefined {
  const rawUntil = tagValue(tags, EXEMPT_UNTIL_TAG);
  if (rawUntil === undefined) return undefined;
  const until = rawUntil.trim();
  const reason = (tagValue(tags, EXEMPT_REASON_TAG) ?? '').trim();
  if (!isCalendarDate(until)) {
    return { status: 'invalid', problem: `${EXEMPT_UNTIL_TAG}="${rawUntil}" is not a YYYY-MM-DD date` };
  }
  if (!reason)
    return { status: 'invalid', problem: `${EXEMPT_UNTIL_TAG}=${until} without ${EXEMPT_REASON_TAG}` };
  return { status: utcDay(now) <= until ? 'active' : 'expired', until, reason };
}

/**
 * Classifies one key. Order: inactive, protected, exempt (a valid exemption only), expired, idle / never-used,
 * due, ok. A key whose dates are unknown is never actionable: the sweep acts on what it has read.
 * @example
 * classifyKey({ active: true, createdAt: daysAgo(100), lastUsedAt: daysAgo(1) }, {}, thresholds, now).class // 'expired'
 */
export function classifyKey(key: KeyDates, standing: UserStanding, t: Thresholds, now: Date): KeyVerdict {
  const ageDays = key.createdAt ? daysBetween(key.createdAt, now) : undefined;
  const idleFrom = key.lastUsedAt === null ? key.createdAt : key.lastUsedAt;
  const idleDays = idleFrom ? daysBetween(idleFrom, now) : undefined;
  const dates = {
    ...(ageDays !== undefined ? { ageDays } : {}),
    ...(idleDays !== undefined ? { idleDays } : {}),
  };

  if (!key.active) return { class: 'inactive', ...dates, reason: 'inactive' };
  if (standing.protectedBy) return { class: 'protected', ...dates, reason: standing.protectedBy };
  if (standing.exemption?.status === 'active') {
    const e = standing.exemption;
    return { class: 'exempt', ...dates, reason: `exempt until ${e.until}: ${e.reason}` };
  }
  if (ageDays === undefined) return { class: 'ok', ...dates, reason: 'creation date unknown: not judged' };
  if (ageDays >= t.keyMaxAgeDays) {
    return { class: 'expired', ...dates, reason: `${ageDays} days old (max ${t.keyMaxAgeDays})` };
  }
  if (idleDays !== undefined && idleDays >= t.keyMaxIdleDays) {
    return key.lastUsedAt === null
      ? {
          class: 'never-used',
          ...dates,
          reason: `never used, created ${ageDays} days ago (max idle ${t.keyMaxIdleDays})`,
        }
      : { class: 'idle', ...dates, reason: `unused for ${idleDays} days (max ${t.keyMaxIdleDays})` };
  }
  if (t.keyWarnDays > 0 && ageDays >= t.keyMaxAgeDays - t.keyWarnDays) {
    const left = t.keyMaxAgeDays - ageDays;
    return { class: 'due', ...dates, reason: `expires in ${left} day${left === 1 ? '' : 's'}` };
  }
  return { class: 'ok', ...dates, reason: 'within thresholds' };
}
