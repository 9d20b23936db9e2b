/** Waits `ms` milliseconds (injected in tests). */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A rate limiter per key: calls of one key start at least `1000 / perSecond` ms apart, whatever their number
 * and however they are awaited (each caller reserves the next free slot, then waits for it); keys are
 * independent. CloudTrail LookupEvents allows 2 requests per second per account and region: the follow-up keys
 * it by both.
 * @example
 * const limit = rateLimiter(2);
 * await limit('123456789012|us-east-1'); // then call LookupEvents
 */
export function rateLimiter(
  perSecond: number,
  sleep: Sleep = realSleep,
  now: () => number = Date.now,
): (key: string) => Promise<void> {
  const interval = 1000 / perSecond;
  const next = new Map<string, number>();
  return async (key: string) => {
    const t = now();
    const slot = Math.max(t, next.get(key) ?? t);
    next.set(key, slot + interval);
    if (slot > t) await sleep(slot - t);
  };
}
