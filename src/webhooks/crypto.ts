import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DEPARTURE_ID_PATTERN } from '../departures/message';

/**
 * Constant-time comparison of two strings' bytes. Lengths are compared first (`timingSafeEqual` requires
 * equal lengths); a signature's length is public anyway.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HMAC of the parts concatenated, in the given encoding. */
export function hmac(
  algorithm: 'sha256' | 'sha512',
  secret: string,
  parts: readonly (Buffer | string)[],
  encoding: 'hex' | 'base64',
): string {
  const h = createHmac(algorithm, secret);
  for (const p of parts) h.update(p);
  return h.digest(encoding);
}

/**
 * A departure id `<provider>:<token>`. The sender's own event id is used as is when it is tag-safe, else
 * hashed; without a sender id, the parts that identify the event are hashed (the same event retried gives
 * the same id).
 */
export function departureId(provider: string, parts: readonly string[]): string {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined) {
    const id = `${provider}:${only}`;
    if (DEPARTURE_ID_PATTERN.test(id) && id.length <= 160) return id;
  }
  const digest = createHash('sha256')
    .update(JSON.stringify([provider, ...parts]))
    .digest('hex');
  return `${provider}:${digest.slice(0, 40)}`;
}

/** Unsigned timestamps (Okta, HiBob) older than this are not trusted: well inside the worker's dedupe window. */
export const MAX_UNSIGNED_EVENT_AGE_MS = 3 * 24 * 3600 * 1000;

/**
 * Unsigned timestamps (Okta, HiBob) further ahead of now than this are not trusted either: an event dated in
 * the future would stay "recent" past the age limit (a date years ahead, never), so a captured request could
 * be replayed after the worker's dedupe window has forgotten it. Five minutes covers a sender's clock skew.
 */
export const MAX_UNSIGNED_EVENT_AHEAD_MS = 5 * 60 * 1000;

/**
 * Why an unsigned event time is not trusted at `now`, or undefined when it is: more than 3 days old, or
 * more than 5 minutes ahead.
 */
export function untrustedEventTime(eventMs: number, now: Date): 'too old' | 'in the future' | undefined {
  if (now.getTime() - eventMs > MAX_UNSIGNED_EVENT_AGE_MS) return 'too old';
  if (eventMs - now.getTime() > MAX_UNSIGNED_EVENT_AHEAD_MS) return 'in the future';
  return undefined;
}

/** Where a timestamp is signed, it must be within this of now, in both directions. */
export const SIGNED_TIMESTAMP_TOLERANCE_MS = 300 * 1000;
