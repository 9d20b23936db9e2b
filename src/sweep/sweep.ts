import { randomUUID } from 'node:crypto';
import { INLINE_DENY_POLICY_NAME } from '../engine/actions/common';
import { executePlan } from '../engine/execute';
import { type EngineDeps, runRevocation } from '../engine/revoke';
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
import { publish } from '../notify';
import { mapLimit } from '../util/concurrency';
import { type BreakerVerdict, evaluateBreaker } from './breaker';
import {
  ACTIONABLE,
  classifyKey,
  KEY_CLASSES,
  type KeyClass,
  type KeyDates,
  type KeyVerdict,
  parseExemption,
  type UserStanding,
} from './classify';
import { fetchCredentialReport, type PollOptions, type ReportUser } from './credential-report';
import { parseSweepInput, type SweepInput } from './input';
import { type InventoryUser, readInventory } from './inventory';
import { userProtectionReason } from './protection';
import { type FreshKey, recheckKeys } from './recheck';
import { sweepFailureNotification, sweepNotification } from './summary';
import type { DriftEntry, ExemptionEntry, KeyAction, SweepOutcome, SweepSummary, SweptKey } from './types';

/** The sweep needs what the engine needs (drift is re-revoked through it). */
export type SweepDeps = EngineDeps;

export interface SweepOptions {
  /** Bounds of the wait for the credential report. */
  readonly poll?: PollOptions;
  readonly runId?: string;
}

/** Tag the engine sets on a revoked principal (`tag-principal`); restore sets it to `restored`. */
const STATE_TAG = 'offboarding:state';
const TRIGGER_TAG = 'offboarding:trigger';
const REQUESTED_BY = 'key-sweep';

interface UserView {
  readonly report: ReportUser | undefined;
  readonly user: InventoryUser;
  readonly standing: UserStanding;
  readonly owner: Readonly<Record<string, string>>;
}

interface Candidate {
  readonly view: UserView;
  /** Report slots that qualified (1-based), with their verdicts. */
  readonly slots: readonly { readonly slot: 1 | 2; readonly verdict: KeyVerdict; readonly key: KeyDates }[];
  fresh?: readonly { readonly key: FreshKey; readonly verdict: KeyVerdict }[];
  error?: string;
}

const lastUsedText = (k: KeyDates) =>
  k.lastUsedAt === null ? 'never' : k.lastUsedAt ? k.lastUsedAt.toISOString() : 'unknown';

const pad = (n: number) => String(n).padStart(2, '0');

function ownerOf(tags: Readonly<Record<string, string>>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([k]) => keys.includes(k)));
}

function hasDeny(user: InventoryUser, denyPolicyArn: string): boolean {
  return (
    user.attachedPolicyArns.includes(denyPolicyArn) ||
    user.inlinePolicyNames.includes(INLINE_DENY_POLICY_NAME)
  );
}

/**
 * What the sweep saw of a user, saved as the restore record's snapshot. The sweep reads keys, policies and
 * tags only; the notes say so, so nobody mistakes the empty lists for "none".
 */
function sweepSnapshot(view: UserView, keys: readonly FreshKey[], now: Date): UserSnapshot {
  const u = view.user;
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
async function deactivateKeys(
  view: UserView,
  keys: readonly { key: FreshKey; verdict: KeyVerdict }[],
  allKeys: readonly FreshKey[],
  runId: string,
  deps: SweepDeps,
): Promise<Map<string, { action: KeyAction; detail?: string }>> {
  const { config, clients, now } = deps;
  const principal: PrincipalRef = { kind: 'user', name: view.user.userName, arn: view.user.arn };
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
    snapshot: sweepSnapshot(view, allKeys, now),
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
    { dryRun: false, concurrency: config.maxConcurrency },
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

function emptyCounts(): Record<KeyClass, number> {
  return Object.fromEntries(KEY_CLASSES.map((c) => [c, 0])) as Record<KeyClass, number>;
}

/**
 * The scheduled key sweep. Discovery takes a constant number of calls whatever the number of users (the
 * credential report, and GetAccountAuthorizationDetails pages of 1000 users with their tags and attached
 * policies); only candidates (a key expired, idle, never used or due, per the report) are re-read, key by
 * key, and only the exact key ids whose re-read dates still qualify are deactivated, in `enforce` mode, when
 * the breaker allows. Users tagged `offboarding:state=revoked` are re-checked (an Active key, the deny gone)
 * and re-revoked through the engine. One summary notification per run.
 * @throws CredentialReportTimeoutError when the report is not ready in time (after alerting).
 * @example
 * const summary = await runSweep({ mode: 'enforce' }, { config, clients, now: new Date() });
 */
export async function runSweep(
  input: SweepInput,
  deps: SweepDeps,
  options: SweepOptions = {},
): Promise<SweepSummary> {
  const { config, clients, now } = deps;
  const runId = options.runId ?? randomUUID();
  const mode = input.mode ?? config.sweepMode;
  const dryRun = config.dryRun || input.dryRun === true;
  const writes = mode === 'enforce' && !dryRun;
  logger.appendKeys({ runId, trigger: 'sweep' });
  const notes: string[] = [];

  // Discovery: a constant number of calls.
  let discovered: [Awaited<ReturnType<typeof fetchCredentialReport>>, Map<string, InventoryUser>];
  try {
    discovered = await Promise.all([
      fetchCredentialReport(clients.iam, options.poll),
      readInventory(clients.iam),
    ]);
  } catch (err) {
    logger.error('sweep discovery failed', { error: describeError(err) });
    try {
      await publish(
        clients,
        config.notifyTopicArn,
        sweepFailureNotification({ runId, mode, dryRun, at: now.toISOString(), error: describeError(err) }),
      );
    } catch (notifyErr) {
      logger.error('notification failed', { runId, error: describeError(notifyErr) });
    }
    throw err;
  }
  const [report, inventory] = discovered;

  const views: UserView[] = [];
  const reported = new Set<string>();
  for (const r of report.users) {
    reported.add(r.userName);
    const user = inventory.get(r.userName);
    if (!user) {
      notes.push(`${r.userName} is in the credential report but not in IAM any more: skipped`);
      continue;
    }
    views.push({
      report: r,
      user,
      standing: {
        ...(userProtectionReason(user, config) ? { protectedBy: userProtectionReason(user, config) } : {}),
        ...(parseExemption(user.tags, now) ? { exemption: parseExemption(user.tags, now) } : {}),
      },
      owner: ownerOf(user.tags, config.personTagKeys),
    });
  }
  const unreported = [...inventory.values()].filter((u) => !reported.has(u.userName));
  if (unreported.length) {
    notes.push(
      `${unreported.length} user(s) created after the credential report are not swept this run: ${unreported
        .slice(0, 10)
        .map((u) => u.userName)
        .join(', ')}${unreported.length > 10 ? ', ...' : ''}`,
    );
  }
  if (report.rootHasActiveKey) {
    notes.push(
      'the root user has an active access key (CIS 1.4): the sweep never touches root; remove it by hand',
    );
  }

  const isRevoked = (u: InventoryUser) => u.tags[STATE_TAG] === 'revoked';
  const activeKeys = report.users.reduce((n, u) => n + u.keys.filter((k) => k.active).length, 0);

  // Exemptions as found (an expired or invalid one no longer exempts, and is reported).
  const exemptions: ExemptionEntry[] = views.flatMap(({ user, standing }): ExemptionEntry[] => {
    const e = standing.exemption;
    if (!e) return [];
    return e.status === 'invalid'
      ? [{ user: user.userName, status: e.status, problem: e.problem }]
      : [{ user: user.userName, status: e.status, until: e.until, reason: e.reason }];
  });

  // Classification on the report; candidates are users with a key to act on or to warn about.
  const candidates: Candidate[] = [];
  const settled: { view: UserView; verdicts: KeyVerdict[] }[] = [];
  for (const view of views) {
    if (isRevoked(view.user) || !view.report) continue;
    const slots = view.report.keys
      .map((key, i) => ({
        slot: (i + 1) as 1 | 2,
        key,
        verdict: classifyKey(key, view.standing, config, now),
      }))
      .filter(({ key }) => key.active || key.createdAt !== undefined);
    const flagged = slots.filter(({ verdict }) => ACTIONABLE.has(verdict.class) || verdict.class === 'due');
    if (flagged.length) candidates.push({ view, slots: flagged });
    else settled.push({ view, verdicts: slots.map((s) => s.verdict) });
  }
  const reportActionable = candidates.reduce(
    (n, c) => n + c.slots.filter((s) => ACTIONABLE.has(s.verdict.class)).length,
    0,
  );
  let breaker: BreakerVerdict = evaluateBreaker(reportActionable, activeKeys, config);
  let halted = mode === 'enforce' && breaker.tripped;

  // Re-read each candidate (unless halted): the decision is made on these dates, key id by key id.
  if (!halted) {
    await mapLimit(candidates, config.maxConcurrency, async (c) => {
      try {
        const keys = await recheckKeys(clients.iam, c.view.user.userName);
        c.fresh = keys.map((key) => ({ key, verdict: classifyKey(key, c.view.standing, config, now) }));
      } catch (err) {
        c.error = describeError(err);
      }
    });
    const freshActionable = candidates.reduce(
      (n, c) => n + (c.fresh ?? []).filter((f) => ACTIONABLE.has(f.verdict.class)).length,
      0,
    );
    breaker = evaluateBreaker(freshActionable, activeKeys, config);
    halted = mode === 'enforce' && breaker.tripped;
  }

  // Keys acted on, to act on, or warned about.
  const counts = emptyCounts();
  for (const s of settled) for (const v of s.verdicts) counts[v.class]++;
  const keys: SweptKey[] = [];
  // Replaced by the write's result when the sweep writes.
  const pendingAction: KeyAction = halted
    ? 'halted'
    : mode === 'report'
      ? 'reported'
      : dryRun
        ? 'planned'
        : 'failed';
  const toDeactivate: { c: Candidate; keys: { key: FreshKey; verdict: KeyVerdict }[] }[] = [];
  let recheckFailures = 0;
  for (const c of candidates) {
    const { user } = c.view;
    if (!c.fresh) {
      // Halted before any re-read, or the re-read failed: what the report says, by slot.
      for (const s of c.slots) counts[s.verdict.class]++;
      if (c.error) {
        recheckFailures++;
        notes.push(`${user.userName}: keys could not be re-read (${c.error}): not acted on`);
      }
      for (const s of c.slots) {
        keys.push({
          user: user.userName,
          slot: s.slot,
          class: s.verdict.class,
          ...(s.verdict.ageDays !== undefined ? { ageDays: s.verdict.ageDays } : {}),
          lastUsed: lastUsedText(s.key),
          owner: c.view.owner,
          action: s.verdict.class === 'due' ? 'warned' : c.error ? 'failed' : pendingAction,
          reason: s.verdict.reason,
          ...(c.error ? { detail: `re-read failed: ${c.error}` } : {}),
        });
      }
      continue;
    }
    for (const f of c.fresh) counts[f.verdict.class]++;
    const act = c.fresh.filter((f) => ACTIONABLE.has(f.verdict.class));
    const warn = c.fresh.filter((f) => f.verdict.class === 'due');
    const flaggedByReport = c.slots.filter((s) => ACTIONABLE.has(s.verdict.class)).length;
    if (act.length < flaggedByReport) {
      notes.push(
        `${user.userName}: ${flaggedByReport - act.length} key(s) flagged by the credential report no longer qualify on re-read (rotated, deactivated or used since): left alone`,
      );
    }
    for (const f of [...act, ...warn]) {
      const unknownUse = f.key.lastUseError ? `last use unknown: ${f.key.lastUseError}` : undefined;
      keys.push({
        user: user.userName,
        accessKeyId: f.key.accessKeyId,
        class: f.verdict.class,
        ...(f.verdict.ageDays !== undefined ? { ageDays: f.verdict.ageDays } : {}),
        lastUsed: lastUsedText(f.key),
        owner: c.view.owner,
        action: f.verdict.class === 'due' ? 'warned' : pendingAction,
        reason: f.verdict.reason,
        ...(unknownUse ? { detail: unknownUse } : {}),
      });
    }
    if (act.length) toDeactivate.push({ c, keys: act });
  }

  // Enforce: exact key ids only, a restore record per user before its write.
  if (writes && !halted) {
    const outcomes = await mapLimit(toDeactivate, config.maxConcurrency, ({ c, keys: act }) =>
      deactivateKeys(c.view, act, c.fresh?.map((f) => f.key) ?? [], runId, deps),
    );
    const byId = new Map<string, { action: KeyAction; detail?: string }>();
    for (const m of outcomes) for (const [id, v] of m) byId.set(id, v);
    keys.forEach((k, i) => {
      const result = k.accessKeyId ? byId.get(k.accessKeyId) : undefined;
      if (result) {
        keys[i] = { ...k, action: result.action, ...(result.detail ? { detail: result.detail } : {}) };
      }
    });
  }

  // Drift: people already revoked who are not any more.
  const drift: DriftEntry[] = [];
  for (const user of inventory.values()) {
    if (!isRevoked(user)) continue;
    const r = report.users.find((x) => x.userName === user.userName);
    const findings: string[] = [];
    const active = r ? r.keys.filter((k) => k.active).length : 0;
    if (active) findings.push(`${active} Active access key${active > 1 ? 's' : ''}`);
    if (!hasDeny(user, config.denyPolicyArn))
      findings.push(`deny policy ${config.denyPolicyArn} not attached`);
    if (!r)
      notes.push(
        `${user.userName} is tagged revoked but not in the credential report: keys not checked this run`,
      );
    if (!findings.length) continue;
    const protectedBy = userProtectionReason(user, config);
    drift.push({
      user: user.userName,
      arn: user.arn,
      owner: ownerOf(user.tags, config.personTagKeys),
      findings,
      action: protectedBy
        ? 'protected'
        : halted
          ? 'halted'
          : mode === 'report'
            ? 'reported'
            : dryRun
              ? 'planned'
              : 'failed',
      ...(protectedBy ? { detail: `protected: ${protectedBy}` } : {}),
    });
  }
  if (writes && !halted) {
    await mapLimit(drift, 2, async (d, i) => {
      if (d.action === 'protected') return;
      const user = inventory.get(d.user);
      try {
        const r = await runRevocation(
          {
            trigger: 'sweep',
            // The same mode as the revocation that was undone behind our back; lockdown when unknown.
            mode: user?.tags[TRIGGER_TAG] === 'departure' ? 'departure' : 'lockdown',
            target: { userName: d.user },
            reason: `key sweep drift: ${d.findings.join('; ')}`,
            requestedBy: REQUESTED_BY,
          },
          deps,
        );
        drift[i] = { ...d, action: 're-revoked', outcome: r.outcome, runId: r.runId };
      } catch (err) {
        drift[i] = { ...d, action: 'failed', detail: describeError(err) };
      }
    });
  }

  const keyFailures = keys.filter((k) => k.action === 'failed').length;
  const driftFailures = drift.filter(
    (d) => d.action === 'failed' || (d.action === 're-revoked' && d.outcome !== 'revoked'),
  ).length;
  const successes =
    keys.filter((k) => k.action === 'deactivated' || k.action === 'already').length +
    drift.filter((d) => d.action === 're-revoked' && d.outcome === 'revoked').length;
  const failures = keyFailures + driftFailures;
  const outcome: SweepOutcome = halted
    ? 'halted'
    : mode === 'report'
      ? 'reported'
      : dryRun
        ? 'planned'
        : failures === 0
          ? 'enforced'
          : successes > 0
            ? 'partial'
            : 'failed';
  if (breaker.tripped && mode === 'report') {
    notes.push(`enforce mode would halt: ${breaker.reason}`);
  }
  if (recheckFailures && outcome === 'enforced')
    notes.push('some candidates could not be re-read: see above');

  const ageHours = report.generatedAt
    ? Math.max(0, Math.round(((now.getTime() - report.generatedAt.getTime()) / 3_600_000) * 10) / 10)
    : undefined;
  if (ageHours !== undefined && ageHours > 24) {
    notes.push(
      `the credential report is ${ageHours} hours old: keys created or used since are judged on the re-read only`,
    );
  }
  const attention =
    keys.length > 0 || exemptions.some((e) => e.status !== 'active') || report.rootHasActiveKey;
  const severity =
    outcome === 'halted' || outcome === 'partial' || outcome === 'failed' || drift.length > 0
      ? 'high'
      : attention
        ? 'warning'
        : 'info';

  const summary: SweepSummary = {
    kind: 'sweep',
    runId,
    trigger: 'sweep',
    mode,
    dryRun,
    at: now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome,
    severity,
    thresholds: {
      keyMaxAgeDays: config.keyMaxAgeDays,
      keyMaxIdleDays: config.keyMaxIdleDays,
      keyWarnDays: config.keyWarnDays,
    },
    credentialReport: {
      ...(report.generatedAt ? { generatedAt: report.generatedAt.toISOString() } : {}),
      ...(ageHours !== undefined ? { ageHours } : {}),
    },
    counts,
    activeKeys,
    users: inventory.size,
    keys,
    exemptions,
    drift,
    breaker,
    ...(halted && breaker.reason ? { haltReason: breaker.reason } : {}),
    notes,
  };
  try {
    await publish(clients, config.notifyTopicArn, sweepNotification(summary));
  } catch (err) {
    logger.error('notification failed', { runId, error: describeError(err) });
    notes.push(`notification failed: ${describeError(err)}`);
  }
  logger.info('sweep finished', {
    outcome,
    mode,
    dryRun,
    candidates: candidates.length,
    deactivated: keys.filter((k) => k.action === 'deactivated').length,
    drift: drift.length,
  });
  return summary;
}

/**
 * The handler's entry: validates the input before any AWS call, then sweeps.
 * @throws InvalidRequestError for an input other than nothing, a scheduled event or `{ mode, dryRun? }`.
 */
export async function keySweep(
  event: unknown,
  deps: SweepDeps,
  options: SweepOptions = {},
): Promise<SweepSummary> {
  const input = parseSweepInput(event);
  return runSweep(input, deps, options);
}
