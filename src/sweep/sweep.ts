import { randomUUID } from 'node:crypto';
import { listRevokedUsers, type RevokedIndexEntry } from '../engine/state';
import { describeError, isNoSuchEntity } from '../errors';
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
import {
  type CredentialReport,
  fetchCredentialReport,
  type PollOptions,
  type ReportUser,
} from './credential-report';
import { checkRevokedUsers, reRevoke } from './drift';
import { type Deactivation, deactivateKeys, type WriteOptions } from './enforce';
import { parseSweepInput, type SweepInput } from './input';
import { userProtectionReason } from './protection';
import { type FreshKey, keyIdsBySlot, type ReportSlot, recheckKeys } from './recheck';
import { sweepFailureNotification, sweepNotification } from './summary';
import type {
  DriftEntry,
  ExemptionEntry,
  KeyAction,
  SweepDeps,
  SweepOutcome,
  SweepSummary,
  SweptKey,
} from './types';
import { ownerOf, pathOfUserArn, readUserTags, type SweptUser } from './users';

export type { SweepDeps } from './types';

export interface SweepOptions {
  /** Bounds of the wait for the credential report. */
  readonly poll?: PollOptions;
  /** Retries of the restore records' batch writes. */
  readonly write?: WriteOptions;
  readonly runId?: string;
}

/**
 * A user the credential report flags: a key expired, idle, never used or due by the report's dates. Only
 * these users (and the revoked ones) cost a call.
 */
interface Candidate {
  readonly report: ReportUser;
  /** Every non-empty slot of the report row, classified (with the user's standing once its tags are read). */
  slots: readonly ReportSlot[];
  /** Known once the tags are read. */
  user?: SweptUser;
  standing: UserStanding;
  owner: Readonly<Record<string, string>>;
  /** The user no longer exists (deleted since the report). */
  gone?: boolean;
  /** Why the tags could not be read: protection and exemptions unknown, nothing is acted on. */
  tagError?: string;
  /** The re-read keys (enforce mode, users with a key to act on). */
  fresh?: readonly { readonly key: FreshKey; readonly verdict: KeyVerdict }[];
  /** Why the re-read failed. */
  error?: string;
  /** Key ids by report slot, for keys reported or warned about without a re-read. */
  ids?: ReadonlyMap<1 | 2, string>;
}

const lastUsedText = (k: KeyDates) =>
  k.lastUsedAt === null ? 'never' : k.lastUsedAt ? k.lastUsedAt.toISOString() : 'unknown';

const isFlagged = (c: KeyClass) => ACTIONABLE.has(c) || c === 'due';

function emptyCounts(): Record<KeyClass, number> {
  return Object.fromEntries(KEY_CLASSES.map((c) => [c, 0])) as Record<KeyClass, number>;
}

/** The report's actionable slots of a candidate whose tags were read (never acted on without them). */
const actionableSlots = (c: Candidate) =>
  c.user && !c.tagError ? c.slots.filter((s) => ACTIONABLE.has(s.verdict.class)) : [];

/**
 * The scheduled key sweep. Discovery takes a constant number of calls whatever the number of users: the
 * credential report (GenerateCredentialReport + GetCredentialReport, plus bounded polls) and one Query of the
 * revoked-users index (a page per 1 MB). Every key is classified from the report alone. Calls about a user are
 * made only for candidates (a key expired, idle, never used or due, per the report) and revoked users: the
 * candidate's tags (protection, exemption, owner); in `enforce` mode, for a user with a key to act on, its keys
 * re-read (ListAccessKeys, and GetAccessKeyLastUsed only for a key flagged idle or never used), and only the
 * exact key ids whose fresh dates still qualify are deactivated, when the breaker allows, each user's restore
 * record written first. Users of the revoked index are re-checked (an Active key, the deny gone) and
 * re-revoked through the engine. One summary notification per run.
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

  // Discovery: the credential report and the revoked-users index, whatever the number of users.
  let report: CredentialReport;
  let revoked: RevokedIndexEntry[];
  try {
    [report, revoked] = await Promise.all([
      fetchCredentialReport(clients.iam, options.poll),
      listRevokedUsers({ ddb: clients.ddb, table: config.stateTable }),
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
  if (report.rootHasActiveKey) {
    notes.push(
      'the root user has an active access key (CIS 1.4): the sweep never touches root; remove it by hand',
    );
  }

  // Classification of every key from the report alone; candidates are users with a flagged key.
  const revokedNames = new Set(revoked.map((e) => e.userName));
  const revokedRows = new Map<string, ReportUser>();
  const counts = emptyCounts();
  const candidates: Candidate[] = [];
  let activeKeys = 0;
  let candidateKeys = 0;
  for (const r of report.users) {
    activeKeys += r.keys.filter((k) => k.active).length;
    if (revokedNames.has(r.userName)) {
      revokedRows.set(r.userName, r);
      continue;
    }
    const slots: ReportSlot[] = [];
    r.keys.forEach((key, i) => {
      if (key.active || key.createdAt !== undefined) {
        slots.push({ slot: (i + 1) as 1 | 2, key, verdict: classifyKey(key, {}, config, now) });
      }
    });
    const flagged = slots.filter((s) => isFlagged(s.verdict.class)).length;
    if (!flagged) {
      for (const s of slots) counts[s.verdict.class]++;
      continue;
    }
    candidateKeys += flagged;
    candidates.push({ report: r, slots, standing: {}, owner: {} });
  }

  // Each candidate's tags: protection, exemption, owner. Its keys are classified again with them.
  await mapLimit(candidates, config.maxConcurrency, async (c) => {
    const { userName, arn } = c.report;
    try {
      const tags = await readUserTags(clients.iam, userName);
      if (!tags) {
        c.gone = true;
        return;
      }
      c.user = { userName, arn, path: pathOfUserArn(arn), tags };
      const protectedBy = userProtectionReason(c.user, config);
      const exemption = parseExemption(tags, now);
      c.standing = { ...(protectedBy ? { protectedBy } : {}), ...(exemption ? { exemption } : {}) };
      c.owner = ownerOf(tags, config.personTagKeys);
      c.slots = c.slots.map((s) => ({ ...s, verdict: classifyKey(s.key, c.standing, config, now) }));
    } catch (err) {
      c.tagError = describeError(err);
    }
  });
  for (const c of candidates.filter((x) => x.gone)) {
    notes.push(`${c.report.userName} is in the credential report but no longer exists in IAM: skipped`);
  }
  const live = candidates.filter((c) => !c.gone);

  // Exemptions as found on candidates (an expired or invalid one no longer exempts, and is reported).
  const exemptions: ExemptionEntry[] = live.flatMap(({ report: r, standing }): ExemptionEntry[] => {
    const e = standing.exemption;
    if (!e) return [];
    return e.status === 'invalid'
      ? [{ user: r.userName, status: e.status, problem: e.problem }]
      : [{ user: r.userName, status: e.status, until: e.until, reason: e.reason }];
  });

  const reportActionable = live.reduce((n, c) => n + actionableSlots(c).length, 0);
  let breaker: BreakerVerdict = evaluateBreaker(reportActionable, activeKeys, config);
  let halted = mode === 'enforce' && breaker.tripped;

  // Enforce (dry run too) re-reads each user with a key to act on, unless halted: the decision is made on
  // these dates, key id by key id. Report mode re-reads nothing (nothing is acted on).
  if (mode === 'enforce' && !halted) {
    const toRecheck = live.filter((c) => actionableSlots(c).length > 0);
    await mapLimit(toRecheck, config.maxConcurrency, async (c) => {
      const standing = c.standing;
      try {
        c.fresh = await recheckKeys(clients.iam, c.report.userName, c.slots, (key) =>
          classifyKey(key, standing, config, now),
        );
      } catch (err) {
        if (isNoSuchEntity(err)) c.gone = true;
        else c.error = describeError(err);
      }
    });
    for (const c of toRecheck.filter((x) => x.gone)) {
      notes.push(
        `${c.report.userName} no longer exists in IAM (deleted since the credential report): skipped`,
      );
    }
    const freshActionable = live.reduce(
      (n, c) => n + (c.fresh ?? []).filter((f) => ACTIONABLE.has(f.verdict.class)).length,
      0,
    );
    breaker = evaluateBreaker(freshActionable, activeKeys, config);
    halted = breaker.tripped;
  }

  // Keys reported, warned about or halted without a re-read are still named by id: ListAccessKeys alone
  // (one call per such user, no last use), the report's slot matched by creation second.
  const unnamed = live.filter(
    (c) => !c.fresh && !c.gone && !c.tagError && c.slots.some((s) => isFlagged(s.verdict.class)),
  );
  await mapLimit(unnamed, config.maxConcurrency, async (c) => {
    try {
      c.ids = await keyIdsBySlot(clients.iam, c.report.userName, c.slots);
    } catch (err) {
      notes.push(`${c.report.userName}: key ids could not be read (${describeError(err)})`);
    }
  });

  // Keys acted on, to act on, or warned about.
  const keys: SweptKey[] = [];
  // Replaced by the write's result when the sweep writes.
  const pendingAction: KeyAction = halted
    ? 'halted'
    : mode === 'report'
      ? 'reported'
      : dryRun
        ? 'planned'
        : 'failed';
  const toDeactivate: Deactivation[] = [];
  for (const c of live) {
    if (c.gone) continue;
    const userName = c.report.userName;
    if (!c.fresh) {
      // Known from the report only: report mode, warnings only, protected or exempt, halted, a failed read.
      for (const s of c.slots) counts[s.verdict.class]++;
      const failure = c.tagError
        ? `tags could not be read (protection and exemption unknown): ${c.tagError}`
        : c.error
          ? `keys could not be re-read: ${c.error}`
          : undefined;
      if (failure) notes.push(`${userName}: ${failure}: not acted on`);
      for (const s of c.slots) {
        if (!isFlagged(s.verdict.class)) continue;
        const accessKeyId = c.ids?.get(s.slot);
        keys.push({
          user: userName,
          ...(accessKeyId ? { accessKeyId } : {}),
          slot: s.slot,
          ...(s.key.createdAt ? { createdAt: s.key.createdAt.toISOString() } : {}),
          class: s.verdict.class,
          ...(s.verdict.ageDays !== undefined ? { ageDays: s.verdict.ageDays } : {}),
          lastUsed: lastUsedText(s.key),
          owner: c.owner,
          action: s.verdict.class === 'due' ? 'warned' : failure ? 'failed' : pendingAction,
          reason: s.verdict.reason,
          ...(failure ? { detail: failure } : {}),
        });
      }
      continue;
    }
    for (const f of c.fresh) counts[f.verdict.class]++;
    const act = c.fresh.filter((f) => ACTIONABLE.has(f.verdict.class));
    const warn = c.fresh.filter((f) => f.verdict.class === 'due');
    const flaggedByReport = actionableSlots(c).length;
    if (act.length < flaggedByReport) {
      notes.push(
        `${userName}: ${flaggedByReport - act.length} key(s) flagged by the credential report no longer qualify on re-read (rotated, deactivated or used since): left alone`,
      );
    }
    for (const f of [...act, ...warn]) {
      const unknownUse = f.key.lastUseError ? `last use unknown: ${f.key.lastUseError}` : undefined;
      keys.push({
        user: userName,
        accessKeyId: f.key.accessKeyId,
        ...(f.key.slot ? { slot: f.key.slot } : {}),
        ...(f.key.createdAt ? { createdAt: f.key.createdAt.toISOString() } : {}),
        class: f.verdict.class,
        ...(f.verdict.ageDays !== undefined ? { ageDays: f.verdict.ageDays } : {}),
        lastUsed: lastUsedText(f.key),
        owner: c.owner,
        action: f.verdict.class === 'due' ? 'warned' : pendingAction,
        reason: f.verdict.reason,
        ...(unknownUse ? { detail: unknownUse } : {}),
      });
    }
    if (act.length && c.user)
      toDeactivate.push({ user: c.user, keys: act, allKeys: c.fresh.map((f) => f.key) });
  }

  // Enforce: exact key ids only, each user's restore record (batched) before its writes.
  if (writes && !halted && toDeactivate.length) {
    const byId = await deactivateKeys(toDeactivate, runId, deps, options.write);
    keys.forEach((k, i) => {
      const result = k.accessKeyId ? byId.get(k.accessKeyId) : undefined;
      if (result) {
        keys[i] = { ...k, action: result.action, ...(result.detail ? { detail: result.detail } : {}) };
      }
    });
  }

  // Drift: people already revoked (the revoked-users index) who are not any more.
  const findings = await checkRevokedUsers(clients.iam, revoked, revokedRows, report.generatedAt, config);
  notes.push(...findings.notes);
  const driftAction: DriftEntry['action'] = halted
    ? 'halted'
    : mode === 'report'
      ? 'reported'
      : dryRun
        ? 'planned'
        : 'failed';
  const drift: DriftEntry[] =
    writes && !halted
      ? await mapLimit(findings.entries, 2, async (d) =>
          d.action === 'protected' ? d : await reRevoke(d, deps),
        )
      : findings.entries.map((d) => (d.action === 'protected' ? d : { ...d, action: driftAction }));

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

  const ageHours = report.generatedAt
    ? Math.max(0, Math.round(((now.getTime() - report.generatedAt.getTime()) / 3_600_000) * 10) / 10)
    : undefined;
  if (ageHours !== undefined && ageHours > 24) {
    notes.push(
      `the credential report is ${ageHours} hours old: keys created or used since it was made are judged on the next run (a key acted on is re-read first)`,
    );
  }
  const attention =
    keys.length > 0 || exemptions.some((e) => e.status !== 'active') || report.rootHasActiveKey;
  const severity =
    outcome === 'halted' ||
    outcome === 'partial' ||
    outcome === 'failed' ||
    drift.length > 0 ||
    findings.unchecked > 0
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
    users: report.users.length,
    candidates: { users: candidates.length, keys: candidateKeys },
    revokedUsers: revoked.length,
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
    revokedUsers: revoked.length,
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
