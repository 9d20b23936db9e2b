import { randomUUID } from 'node:crypto';
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
import { findDrift, isRevoked, reRevoke } from './drift';
import { deactivateKeys } from './enforce';
import { parseSweepInput, type SweepInput } from './input';
import { type InventoryUser, ownerOf, readInventory } from './inventory';
import { userProtectionReason } from './protection';
import { type FreshKey, recheckKeys } from './recheck';
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

export type { SweepDeps } from './types';

export interface SweepOptions {
  /** Bounds of the wait for the credential report. */
  readonly poll?: PollOptions;
  readonly runId?: string;
}

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
    const protectedBy = userProtectionReason(user, config);
    const exemption = parseExemption(user.tags, now);
    views.push({
      report: r,
      user,
      standing: { ...(protectedBy ? { protectedBy } : {}), ...(exemption ? { exemption } : {}) },
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
  for (const c of candidates) {
    const { user } = c.view;
    if (!c.fresh) {
      // Halted before any re-read, or the re-read failed: what the report says, by slot.
      for (const s of c.slots) counts[s.verdict.class]++;
      if (c.error) {
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
      deactivateKeys(c.view.user, act, c.fresh?.map((f) => f.key) ?? [], runId, deps),
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
  const findings = findDrift(inventory, report, config);
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
          d.action === 'protected' ? d : await reRevoke(d, inventory, deps),
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
