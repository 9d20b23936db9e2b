import { INLINE_POLICY_MAX_CHARS } from './policy';
import { MAX_SESSION_MS, PRUNE_MARGIN_MS } from './prune';
import type { IdcDeps, IdcTiming } from './types';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The defaults of every wait and limit (docs/identity-center.md explains each). */
export const DEFAULT_TIMING: IdcTiming = Object.freeze({
  sleep: realSleep,
  clock: () => Date.now(),
  pollMs: 2_000,
  maxPolls: 15,
  lockTtlMs: 60_000,
  lockAttempts: 40,
  lockRetryMs: 100,
  keepRevokedMs: MAX_SESSION_MS + PRUNE_MARGIN_MS,
  policyMaxChars: INLINE_POLICY_MAX_CHARS,
});

/** The run's waits and limits: the defaults, overridden by `deps.timing`. */
export const timingOf = (deps: Pick<IdcDeps, 'timing'>): IdcTiming => ({ ...DEFAULT_TIMING, ...deps.timing });
