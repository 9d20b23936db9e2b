import { describeError } from '../errors';
import { mapLimit } from '../util/concurrency';
import { actions } from './actions';
import { executePlan } from './execute';
import { type ProtectionSubject, protectionReason } from './protection';
import type { EngineDeps } from './revoke';
import {
  BATCH_STATE_PERMISSIONS,
  type BatchOptions,
  putRecords,
  type RevocationRecord,
  storeOf,
} from './state';
import { numberSteps, rollUpSteps } from './steps';
import type { AccessKeyInfo, PlannedStep, PrincipalReport, StepResult, UserSnapshot } from './types';
import { VERIFY_KEYS_PERMISSIONS, verifyKeys } from './verify';

/** IAM and DynamoDB actions of a key deactivation: the write, the verifying re-read, the batched records. */
export const KEY_DEACTIVATION_PERMISSIONS = [
  ...actions['deactivate-access-key'].permissions,
  ...VERIFY_KEYS_PERMISSIONS,
  ...BATCH_STATE_PERMISSIONS,
] as const;

/** One user's access keys to deactivate: exactly these ids, with every key the caller read (for the record). */
export interface KeyDeactivation {
  readonly user: ProtectionSubject;
  readonly keyIds: readonly string[];
  /** Every key of the user as the caller read it (the record's snapshot). */
  readonly keys: readonly AccessKeyInfo[];
  /** Why, for the record and the report. */
  readonly reason: string;
}

/** Who asks, under which run. */
export interface KeyRun {
  readonly runId: string;
  readonly requestedBy: string;
}

/**
 * What the caller saw of a user, saved as the record's snapshot. Keys and tags only: the notes say so, so
 * nobody mistakes the empty lists for "none".
 */
function keysSnapshot(d: KeyDeactivation, now: Date): UserSnapshot {
  return {
    kind: 'user',
    takenAt: now.toISOString(),
    userName: d.user.name,
    userId: '',
    arn: d.user.arn,
    path: d.user.path,
    attachedPolicies: [],
    inlinePolicyNames: [],
    accessKeys: d.keys,
    loginProfile: null,
    mfaDevices: [],
    sshPublicKeys: [],
    signingCertificates: [],
    serviceCredentials: [],
    tags: d.user.tags,
    sessionOwners: { exact: [d.user.arn] },
    sessions: [],
    notes: [
      'taken by the key sweep: access keys (ids, status, creation; last use as the sweep knew it) and tags only; user id, policies, login profile, MFA, SSH keys, certificates, service credentials and sessions were not read',
    ],
  };
}

/** The record of one user's deactivation: a plan of `deactivate-access-key` steps, exactly these ids. */
function keyRecord(d: KeyDeactivation, run: KeyRun, now: Date): RevocationRecord {
  const plan: PlannedStep[] = numberSteps(
    d.keyIds.map((accessKeyId) => ({
      type: 'deactivate-access-key' as const,
      accessKeyId,
      state: 'todo' as const,
    })),
  );
  return {
    kind: 'revocation',
    runId: run.runId,
    trigger: 'sweep',
    // Only keys are deactivated; `lockdown` is the mode that keeps everything else as it is.
    mode: 'lockdown',
    at: now.toISOString(),
    principal: { kind: 'user', name: d.user.name, arn: d.user.arn },
    requestedBy: run.requestedBy,
    reason: d.reason,
    snapshot: keysSnapshot(d, now),
    plan,
    status: 'started',
  };
}

const reportOf = (record: RevocationRecord, fields: Partial<PrincipalReport>): PrincipalReport => ({
  principal: record.principal,
  outcome: 'failed',
  steps: [],
  sessions: [],
  notes: [],
  ...fields,
});

/** Executes one user's recorded plan and verifies it by re-reading the user's keys. */
async function deactivate(
  record: RevocationRecord,
  deps: EngineDeps,
): Promise<{ report: PrincipalReport; finished: RevocationRecord }> {
  const ctx = { principal: record.principal, clients: deps.clients, now: deps.now, runId: record.runId };
  // One write at a time within a user: users already run `maxConcurrency` at a time.
  const { results } = await executePlan(record.plan, ctx, { dryRun: false, concurrency: 1 });
  const keyIds = record.plan.flatMap((s) => (s.type === 'deactivate-access-key' ? [s.accessKeyId] : []));
  const verification = await verifyKeys(deps.clients.iam, record.principal.name, keyIds);
  const r = rollUpSteps(results, verification);
  const outcome = r === 'complete' ? 'revoked' : r;
  return {
    report: reportOf(record, { outcome, steps: results, verification }),
    finished: { ...record, status: 'finished', outcome, results: results as StepResult[] },
  };
}

/**
 * Deactivates exactly the given access key ids, user by user, the way every revocation writes: each user's
 * record saved before its first write (restore reactivates exactly these keys), written 25 per BatchWriteItem;
 * a protected user or one whose record cannot be saved is left untouched; the writes through the engine's
 * action; each user's keys re-read to verify; the records completed (batched). Returns a report per user.
 * IAM: `iam:UpdateAccessKey`, `iam:ListAccessKeys`. DynamoDB: `dynamodb:BatchWriteItem`.
 * @example
 * const reports = await deactivateAccessKeys([{ user, keyIds: ['AKIA...'], keys, reason }], { runId, requestedBy: 'key-sweep' }, deps);
 */
export async function deactivateAccessKeys(
  batch: readonly KeyDeactivation[],
  run: KeyRun,
  deps: EngineDeps,
  options: BatchOptions = {},
): Promise<Map<string, PrincipalReport>> {
  const out = new Map<string, PrincipalReport>();
  const store = storeOf(deps);
  const records: RevocationRecord[] = [];
  for (const d of batch) {
    const record = keyRecord(d, run, deps.now);
    const protectedBy = protectionReason(d.user, deps.config);
    if (protectedBy)
      out.set(d.user.name, reportOf(record, { outcome: 'protected', notes: [`protected: ${protectedBy}`] }));
    else records.push(record);
  }
  const unsaved = await putRecords(store, records, options);
  for (const [record, why] of unsaved) {
    out.set(
      record.principal.name,
      reportOf(record, { notes: [`restore record not written, keys left Active: ${why}`] }),
    );
  }
  const saved = records.filter((r) => !unsaved.has(r));
  const done = await mapLimit(saved, deps.config.maxConcurrency, (record) => deactivate(record, deps));
  for (const { report } of done) out.set(report.principal.name, report);
  const unfinished = await putRecords(
    store,
    done.map((d) => d.finished),
    options,
  );
  for (const [record, why] of unfinished) {
    const report = out.get(record.principal.name);
    if (report)
      (report.notes as string[]).push(
        `the state record could not be completed (${describeError(why)}); restore still works from it`,
      );
  }
  return out;
}
