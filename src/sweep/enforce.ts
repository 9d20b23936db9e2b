import { executePlan } from '../engine/execute';
import {
  finishRevocationRecord,
  principalKey,
  putRecord,
  type RevocationRecord,
  recordSortKey,
} from '../engine/state';
import type { PlannedStep, PrincipalRef, RunOutcome, UserSnapshot } from '../engine/types';
import { describeError } from '../errors';
import { logger } from '../logger';
import type { KeyVerdict } from './classify';
import type { InventoryUser } from './inventory';
import type { FreshKey } from './recheck';
import type { KeyAction, SweepDeps } from './types';

/** Who the state records and drift revocations name as requester. */
export const REQUESTED_BY = 'key-sweep';

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * What the sweep saw of a user, saved as the restore record's snapshot. The sweep reads keys, policies and
 * tags only; the notes say so, so nobody mistakes the empty lists for "none".
 */
function sweepSnapshot(u: InventoryUser, keys: readonly FreshKey[], now: Date): UserSnapshot {
  return {
    kind: 'user',
    takenAt: now.toISOString(),
    userName: u.userName,
    userId: u.userId,
    arn: u.arn,
    path: u.path,
    attachedPolicies: u.attachedPolicyArns.map((policyArn) => ({
      policyArn,
      policyName: policyArn.split('/').pop() ?? policyArn,
    })),
    inlinePolicyNames: u.inlinePolicyNames,
    accessKeys: keys.map((k) => ({
      accessKeyId: k.accessKeyId,
      status: k.status as 'Active' | 'Inactive',
      ...(k.createdAt ? { createDate: k.createdAt.toISOString() } : {}),
      lastUsedDate:
        k.lastUsedAt === undefined ? undefined : k.lastUsedAt === null ? null : k.lastUsedAt.toISOString(),
    })),
    loginProfile: null,
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
    serviceCredentials: [],
    tags: u.tags,
    sessionOwners: { exact: [u.arn] },
    sessions: [],
    notes: [
      'taken by the key sweep: access keys, attached and inline policy names and tags only; login profile, MFA, SSH keys, certificates, service credentials and sessions were not read',
    ],
  };
}

/**
 * Deactivates exactly `keys` (by id) of one user: the restore record first (trigger `sweep`, a plan of
 * `deactivate-access-key` steps, so `restore` reactivates exactly these keys), then the writes through the
 * engine's action, then the record completed. A record that cannot be written means nothing is changed.
 */
export async function deactivateKeys(
  user: InventoryUser,
  keys: readonly { key: FreshKey; verdict: KeyVerdict }[],
  allKeys: readonly FreshKey[],
  runId: string,
  deps: SweepDeps,
): Promise<Map<string, { action: KeyAction; detail?: string }>> {
  const { config, clients, now } = deps;
  const principal: PrincipalRef = { kind: 'user', name: user.userName, arn: user.arn };
  const plan: PlannedStep[] = keys.map(({ key }, i) => ({
    type: 'deactivate-access-key',
    accessKeyId: key.accessKeyId,
    id: `${pad(i + 1)}-deactivate-access-key`,
    state: 'todo',
  }));
  const record: RevocationRecord = {
    pk: principalKey('user', principal.name),
    sk: recordSortKey(now.toISOString(), runId),
    kind: 'revocation',
    runId,
    trigger: 'sweep',
    // The sweep only deactivates keys; `lockdown` is the mode that keeps everything else as it is.
    mode: 'lockdown',
    at: now.toISOString(),
    principal,
    requestedBy: REQUESTED_BY,
    reason: keys
      .map(({ key, verdict }) => `${key.accessKeyId} ${verdict.class}: ${verdict.reason}`)
      .join('; '),
    snapshot: sweepSnapshot(user, allKeys, now),
    plan,
    status: 'started',
  };
  const out = new Map<string, { action: KeyAction; detail?: string }>();
  const store = { ddb: clients.ddb, table: config.stateTable };
  try {
    await putRecord(store, record);
  } catch (err) {
    const detail = `restore record not written, key left Active: ${describeError(err)}`;
    for (const { key } of keys) out.set(key.accessKeyId, { action: 'failed', detail });
    return out;
  }
  const { results } = await executePlan(
    plan,
    { principal, clients, now, runId },
    // One write at a time within a user: users already run `maxConcurrency` at a time.
    { dryRun: false, concurrency: 1 },
  );
  results.forEach((r, i) => {
    const id = keys[i]?.key.accessKeyId ?? r.subject;
    if (r.outcome === 'done') out.set(id, { action: 'deactivated' });
    else if (r.outcome === 'already')
      out.set(id, { action: 'already', ...(r.detail ? { detail: r.detail } : {}) });
    else out.set(id, { action: 'failed', detail: r.error ?? r.outcome });
  });
  const failed = results.filter((r) => r.outcome === 'failed').length;
  const outcome: RunOutcome = failed === 0 ? 'revoked' : failed === results.length ? 'failed' : 'partial';
  try {
    await finishRevocationRecord(store, record, outcome, results);
  } catch (err) {
    logger.warn('sweep record not completed', { user: principal.name, error: describeError(err) });
  }
  return out;
}
