import { type BatchOptions, deactivateAccessKeys, type PrincipalReport } from '../engine';
import type { KeyVerdict } from './classify';
import type { FreshKey } from './recheck';
import type { KeyAction, SweepDeps } from './types';
import type { SweptUser } from './users';

/** Who the state records and drift revocations name as requester. */
export const REQUESTED_BY = 'key-sweep';

/** One user's keys to deactivate, with every key the re-read listed (for the record). */
export interface Deactivation {
  readonly user: SweptUser;
  readonly keys: readonly { readonly key: FreshKey; readonly verdict: KeyVerdict }[];
  readonly allKeys: readonly FreshKey[];
}

export type KeyResult = { readonly action: KeyAction; readonly detail?: string };

/** What happened to each key of one user's engine report: its step, or why the user was not acted on. */
function keyResults(report: PrincipalReport, keyIds: readonly string[]): [string, KeyResult][] {
  if (!report.steps.length) {
    const detail = report.notes.join('; ') || report.outcome;
    return keyIds.map((id) => [id, { action: 'failed', detail }]);
  }
  return report.steps.map((step): [string, KeyResult] => {
    const check = report.verification?.checks.find((c) => c.check.includes(step.subject));
    if (step.outcome === 'failed')
      return [step.subject, { action: 'failed', detail: step.error ?? 'failed' }];
    if (check && !check.ok)
      return [step.subject, { action: 'failed', detail: `re-read: ${check.detail ?? check.check}` }];
    if (step.outcome === 'done') return [step.subject, { action: 'deactivated' }];
    return [step.subject, { action: 'already', ...(step.detail ? { detail: step.detail } : {}) }];
  });
}

/**
 * Deactivates exactly the given key ids through the engine ({@link deactivateAccessKeys}: each user's record
 * saved first, 25 per batch; the writes; the keys re-read; the records completed), and says per key id what
 * happened. A user whose record cannot be written keeps its keys Active.
 */
export async function deactivateKeys(
  deactivations: readonly Deactivation[],
  runId: string,
  deps: SweepDeps,
  options: BatchOptions = {},
): Promise<Map<string, KeyResult>> {
  const batch = deactivations.map((d) => ({
    user: {
      kind: 'user' as const,
      name: d.user.userName,
      arn: d.user.arn,
      path: d.user.path,
      tags: d.user.tags,
    },
    keyIds: d.keys.map(({ key }) => key.accessKeyId),
    keys: d.allKeys.map((k) => ({
      accessKeyId: k.accessKeyId,
      status: k.status as 'Active' | 'Inactive',
      ...(k.createdAt ? { createDate: k.createdAt.toISOString() } : {}),
      lastUsedDate: k.lastUsedAt === undefined ? undefined : (k.lastUsedAt?.toISOString() ?? null),
    })),
    reason: d.keys
      .map(({ key, verdict }) => `${key.accessKeyId} ${verdict.class}: ${verdict.reason}`)
      .join('; '),
  }));
  const reports = await deactivateAccessKeys(batch, { runId, requestedBy: REQUESTED_BY }, deps, options);
  const out = new Map<string, KeyResult>();
  for (const d of batch) {
    const report = reports.get(d.user.name);
    if (report) for (const [id, result] of keyResults(report, d.keyIds)) out.set(id, result);
  }
  return out;
}
