import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { executePlan } from '../engine/execute';
import { principalKey, type RevocationRecord, recordSortKey } from '../engine/state';
import type { PlannedStep, PrincipalRef, UserSnapshot } from '../engine/types';
import { describeError } from '../errors';
import { mapLimit } from '../util/concurrency';
import type { KeyVerdict } from './classify';
import type { FreshKey } from './recheck';
import type { KeyAction, SweepDeps } from './types';
import type { SweptUser } from './users';

/** Who the state records and drift revocations name as requester. */
export const REQUESTED_BY = 'key-sweep';

/** DynamoDB's limit of items per BatchWriteItem. */
export const BATCH_SIZE = 25;

const pad = (n: number) => String(n).padStart(2, '0');

/** One user's keys to deactivate, with every key the re-read listed (for the restore record). */
export interface Deactivation {
  readonly user: SweptUser;
  readonly keys: readonly { readonly key: FreshKey; readonly verdict: KeyVerdict }[];
  readonly allKeys: readonly FreshKey[];
}

export interface WriteOptions {
  /** Attempts at items DynamoDB leaves unprocessed (throttling); default 4. */
  readonly attempts?: number;
  /** First wait before retrying unprocessed items, doubled each time; default 100 ms. */
  readonly retryDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What the sweep saw of a user, saved as the restore record's snapshot. The sweep reads keys and tags only;
 * the notes say so, so nobody mistakes the empty lists for "none".
 */
function sweepSnapshot(u: SweptUser, keys: readonly FreshKey[], now: Date): UserSnapshot {
  return {
    kind: 'user',
    takenAt: now.toISOString(),
    userName: u.userName,
    userId: '',
    arn: u.arn,
    path: u.path,
    attachedPolicies: [],
    inlinePolicyNames: [],
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
      'taken by the key sweep: access keys (ids, status, creation; last use as the sweep knew it) and tags only; user id, policies, login profile, MFA, SSH keys, certificates, service credentials and sessions were not read',
    ],
  };
}

/** The restore record of one user's deactivation: a plan of `deactivate-access-key` steps, exactly these ids. */
export function sweepRecord(d: Deactivation, runId: string, now: Date): RevocationRecord {
  const principal: PrincipalRef = { kind: 'user', name: d.user.userName, arn: d.user.arn };
  const plan: PlannedStep[] = d.keys.map(({ key }, i) => ({
    type: 'deactivate-access-key',
    accessKeyId: key.accessKeyId,
    id: `${pad(i + 1)}-deactivate-access-key`,
    state: 'todo',
  }));
  return {
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
    reason: d.keys
      .map(({ key, verdict }) => `${key.accessKeyId} ${verdict.class}: ${verdict.reason}`)
      .join('; '),
    snapshot: sweepSnapshot(d.user, d.allKeys, now),
    plan,
    // Never completed by the sweep (restore reads the plan, not the results): the outcome of each key is in
    // the sweep's summary.
    status: 'started',
  };
}

/**
 * Writes the records with BatchWriteItem, 25 per call, retrying what DynamoDB leaves unprocessed.
 * @returns the `pk` of each record written, and why the others were not.
 */
export async function writeRecords(
  deps: Pick<SweepDeps, 'clients' | 'config'>,
  records: readonly RevocationRecord[],
  options: WriteOptions = {},
): Promise<{ written: Set<string>; failed: Map<string, string> }> {
  const table = deps.config.stateTable;
  const attempts = options.attempts ?? 4;
  const sleep = options.sleep ?? defaultSleep;
  const written = new Set<string>();
  const failed = new Map<string, string>();
  for (let i = 0; i < records.length; i += BATCH_SIZE) {
    const batch = records.slice(i, i + BATCH_SIZE);
    let pending = batch;
    let why = 'left unprocessed by DynamoDB (throttled)';
    let delay = options.retryDelayMs ?? 100;
    for (let attempt = 1; pending.length && attempt <= attempts; attempt++) {
      if (attempt > 1) {
        await sleep(delay);
        delay *= 2;
      }
      try {
        const r = await deps.clients.ddb.send(
          new BatchWriteCommand({
            RequestItems: { [table]: pending.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        const left = new Set((r.UnprocessedItems?.[table] ?? []).map((w) => String(w.PutRequest?.Item?.pk)));
        for (const rec of pending) if (!left.has(rec.pk)) written.add(rec.pk);
        pending = pending.filter((rec) => left.has(rec.pk));
      } catch (err) {
        // The SDK has already retried throttling and 5xx: what is left is not written.
        why = describeError(err);
        break;
      }
    }
    for (const rec of pending) failed.set(rec.pk, why);
  }
  return { written, failed };
}

/**
 * Deactivates exactly the given key ids, user by user: every user's restore record first (trigger `sweep`, a
 * plan of `deactivate-access-key` steps, so `restore` reactivates exactly these keys), written in batches of
 * 25, then the writes through the engine's action. A user whose record cannot be written keeps its keys Active.
 */
export async function deactivateKeys(
  deactivations: readonly Deactivation[],
  runId: string,
  deps: SweepDeps,
  options: WriteOptions = {},
): Promise<Map<string, { action: KeyAction; detail?: string }>> {
  const { clients, now, config } = deps;
  const out = new Map<string, { action: KeyAction; detail?: string }>();
  const planned = deactivations.map((d) => ({ d, record: sweepRecord(d, runId, now) }));
  const { failed } = await writeRecords(
    deps,
    planned.map((p) => p.record),
    options,
  );
  const ready = planned.filter(({ d, record }) => {
    const why = failed.get(record.pk);
    if (why === undefined) return true;
    const detail = `restore record not written, key left Active: ${why}`;
    for (const { key } of d.keys) out.set(key.accessKeyId, { action: 'failed', detail });
    return false;
  });
  await mapLimit(ready, config.maxConcurrency, async ({ d, record }) => {
    const { results } = await executePlan(
      record.plan,
      { principal: record.principal, clients, now, runId },
      // One write at a time within a user: users already run `maxConcurrency` at a time.
      { dryRun: false, concurrency: 1 },
    );
    results.forEach((r, i) => {
      const id = d.keys[i]?.key.accessKeyId ?? r.subject;
      if (r.outcome === 'done') out.set(id, { action: 'deactivated' });
      else if (r.outcome === 'already')
        out.set(id, { action: 'already', ...(r.detail ? { detail: r.detail } : {}) });
      else out.set(id, { action: 'failed', detail: r.error ?? r.outcome });
    });
  });
  return out;
}
