import { randomUUID } from 'node:crypto';
import { type BatchOptions, listRevokedUsers, type RevokedIndexEntry, rollUp, storeOf } from '../engine';
import { describeError, isNoSuchEntity } from '../errors';
import { logger } from '../logger';
import { recordRun } from '../metrics';
import { publishOrNote, sweepFailureNotification, sweepNotification, sweepSeverity } from '../notify';
import { mapLimit } from '../util/concurrency';
import {
  type BreakerVerdict,
  type DriftBreakerVerdict,
  evaluateBreaker,
  evaluateDriftBreaker,
} from './breaker';
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
import { checkRevokedUsers, type DriftFindings, reRevoke } from './drift';
import { type Deactivation, deactivateKeys } from './enforce';
import { parseSweepInput, type SweepInput, type SweepMode } from './input';
import { userProtectionReason } from './protection';
import { type FreshKey, keyIdsBySlot, type ReportSlot, recheckKeys } from './recheck';
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
  /** Retries of the records' batch writes. */
  readonly write?: BatchOptions;
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

/** One sweep run: what it may do and what it has noted so far. */
interface Run {
  readonly runId: string;
  readonly mode: SweepMode;
  readonly dryRun: boolean;
  /** Enforce mode without dry run: the only case that writes. */
  readonly writes: boolean;
  readonly deps: SweepDeps;
  readonly options: SweepOptions;
  readonly notes: string[];
}

/** What the report's classification found: candidates, the revoked users' rows, counts. */
interface Classified {
  readonly candidates: Candidate[];
  readonly revokedRows: Map<string, ReportUser>;
  readonly counts: Record<KeyClass, number>;
  readonly activeKeys: number;
  readonly candidateKeys: number;
}

const lastUsedText = (k: KeyDates) =>
  k.lastUsedAt === null ? 'never' : k.lastUsedAt ? k.lastUsedAt.toISOString() : 'unknown';

const isFlagged = (c: KeyClass) => ACTIONABLE.has(c) || c === 'due';

const emptyCounts = () => Object.fromEntries(KEY_CLASSES.map((c) => [c, 0])) as Record<KeyClass, number>;

/** The report's actionable slots of a candidate whose tags were read (never acted on without them). */
const actionableSlots = (c: Candidate) =>
  c.user && !c.tagError ? c.slots.filter((s) => ACTIONABLE.has(s.verdict.class)) : [];

/** The action a key gets when it is not written: halted, reported, planned (`failed` until a write says). */
const pendingAction = (run: Run, halted: boolean): KeyAction & DriftEntry['action'] =>
  halted ? 'halted' : run.mode === 'report' ? 'reported' : run.dryRun ? 'planned' : 'failed';

/**
 * Discovery, whatever the number of users: the credential report and the revoked-users index. A failure is
 * alerted and thrown: nothing was swept.
 */
async function discover(run: Run): Promise<{ report: CredentialReport; revoked: RevokedIndexEntry[] }> {
  const { config, clients, now } = run.deps;
  try {
    const [report, revoked] = await Promise.all([
      fetchCredentialReport(clients.iam, run.options.poll),
      listRevokedUsers(storeOf(run.deps)),
    ]);
    return { report, revoked };
  } catch (err) {
    logger.error('sweep discovery failed', { error: describeError(err) });
    const failure = { runId: run.runId, mode: run.mode, dryRun: run.dryRun, at: now.toISOString() };
    await publishOrNote(
      clients,
      config,
      sweepFailureNotification({ ...failure, error: describeError(err) }),
      [],
    );
    recordRun('sweep', 'failed');
    throw err;
  }
}

/** Classifies every key from the report alone; candidates are users (not revoked) with a flagged key. */
function classifyReport(
  report: CredentialReport,
  revoked: readonly RevokedIndexEntry[],
  run: Run,
): Classified {
  const { config, now } = run.deps;
  const revokedNames = new Set(revoked.map((e) => e.userName));
  const out: Classified = {
    candidates: [],
    revokedRows: new Map(),
    counts: emptyCounts(),
    activeKeys: 0,
    candidateKeys: 0,
  };
  let activeKeys = 0;
  let candidateKeys = 0;
  for (const r of report.users) {
    activeKeys += r.keys.filter((k) => k.active).length;
    if (revokedNames.has(r.userName)) {
      out.revokedRows.set(r.userName, r);
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
      for (const s of slots) out.counts[s.verdict.class]++;
      continue;
    }
    candidateKeys += flagged;
    out.candidates.push({ report: r, slots, standing: {}, owner: {} });
  }
  return { ...out, activeKeys, candidateKeys };
}

/** Each candidate's tags: protection, exemption, owner; its keys are classified again with them. */
async function readCandidates(candidates: readonly Candidate[], run: Run): Promise<Candidate[]> {
  const { config, clients, now } = run.deps;
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
    run.notes.push(`${c.report.userName} is in the credential report but no longer exists in IAM: skipped`);
  }
  return candidates.filter((c) => !c.gone);
}

/** Exemptions as found on candidates (an expired or invalid one no longer exempts, and is reported). */
const exemptionsOf = (live: readonly Candidate[]): ExemptionEntry[] =>
  live.flatMap(({ report: r, standing }): ExemptionEntry[] => {
    const e = standing.exemption;
    if (!e) return [];
    return e.status === 'invalid'
      ? [{ user: r.userName, status: e.status, problem: e.problem }]
      : [{ user: r.userName, status: e.status, until: e.until, reason: e.reason }];
  });

/**
 * The breaker on the report's dates; then, in enforce mode (dry run too) unless halted (by this breaker, or by
 * the drift breaker: a halted run writes nothing), each user with a key to act on is re-read and the breaker
 * judged again on the fresh dates, key id by key id.
 */
async function judge(live: readonly Candidate[], activeKeys: number, driftHalted: boolean, run: Run) {
  const { config, clients, now } = run.deps;
  const reportActionable = live.reduce((n, c) => n + actionableSlots(c).length, 0);
  let breaker: BreakerVerdict = evaluateBreaker(reportActionable, activeKeys, config);
  if (run.mode !== 'enforce' || breaker.tripped || driftHalted)
    return { breaker, halted: run.mode === 'enforce' && (breaker.tripped || driftHalted) };
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
    run.notes.push(
      `${c.report.userName} no longer exists in IAM (deleted since the credential report): skipped`,
    );
  }
  const fresh = live.reduce(
    (n, c) => n + (c.fresh ?? []).filter((f) => ACTIONABLE.has(f.verdict.class)).length,
    0,
  );
  breaker = evaluateBreaker(fresh, activeKeys, config);
  return { breaker, halted: breaker.tripped };
}

/**
 * Keys reported, warned about or halted without a re-read are still named by id: ListAccessKeys alone (one
 * call per such user, no last use), the report's slot matched by creation second.
 */
async function nameKeys(live: readonly Candidate[], run: Run): Promise<void> {
  const unnamed = live.filter(
    (c) => !c.fresh && !c.gone && !c.tagError && c.slots.some((s) => isFlagged(s.verdict.class)),
  );
  await mapLimit(unnamed, run.deps.config.maxConcurrency, async (c) => {
    try {
      c.ids = await keyIdsBySlot(run.deps.clients.iam, c.report.userName, c.slots);
    } catch (err) {
      run.notes.push(`${c.report.userName}: key ids could not be read (${describeError(err)})`);
    }
  });
}

/** The keys of a candidate known from the report only (report mode, warnings, protected, halted, a failed read). */
function keysFromReport(c: Candidate, pending: KeyAction, notes: string[]): SweptKey[] {
  const failure = c.tagError
    ? `tags could not be read (protection and exemption unknown): ${c.tagError}`
    : c.error
      ? `keys could not be re-read: ${c.error}`
      : undefined;
  if (failure) notes.push(`${c.report.userName}: ${failure}: not acted on`);
  return c.slots
    .filter((s) => isFlagged(s.verdict.class))
    .map((s) => {
      const accessKeyId = c.ids?.get(s.slot);
      return {
        user: c.report.userName,
        ...(accessKeyId ? { accessKeyId } : {}),
        slot: s.slot,
        ...(s.key.createdAt ? { createdAt: s.key.createdAt.toISOString() } : {}),
        class: s.verdict.class,
        ...(s.verdict.ageDays !== undefined ? { ageDays: s.verdict.ageDays } : {}),
        lastUsed: lastUsedText(s.key),
        owner: c.owner,
        action: s.verdict.class === 'due' ? 'warned' : failure ? 'failed' : pending,
        reason: s.verdict.reason,
        ...(failure ? { detail: failure } : {}),
      };
    });
}

/** The keys of a re-read candidate: to act on (exact ids whose fresh dates still qualify) or warned about. */
function keysFromRecheck(
  c: Candidate,
  fresh: NonNullable<Candidate['fresh']>,
  pending: KeyAction,
  notes: string[],
) {
  const act = fresh.filter((f) => ACTIONABLE.has(f.verdict.class));
  const warn = fresh.filter((f) => f.verdict.class === 'due');
  const flaggedByReport = actionableSlots(c).length;
  if (act.length < flaggedByReport) {
    notes.push(
      `${c.report.userName}: ${flaggedByReport - act.length} key(s) flagged by the credential report no longer qualify on re-read (rotated, deactivated or used since): left alone`,
    );
  }
  const keys = [...act, ...warn].map((f): SweptKey => {
    const unknownUse = f.key.lastUseError ? `last use unknown: ${f.key.lastUseError}` : undefined;
    return {
      user: c.report.userName,
      accessKeyId: f.key.accessKeyId,
      ...(f.key.slot ? { slot: f.key.slot } : {}),
      ...(f.key.createdAt ? { createdAt: f.key.createdAt.toISOString() } : {}),
      class: f.verdict.class,
      ...(f.verdict.ageDays !== undefined ? { ageDays: f.verdict.ageDays } : {}),
      lastUsed: lastUsedText(f.key),
      owner: c.owner,
      action: f.verdict.class === 'due' ? 'warned' : pending,
      reason: f.verdict.reason,
      ...(unknownUse ? { detail: unknownUse } : {}),
    };
  });
  const deactivation: Deactivation | undefined =
    act.length && c.user ? { user: c.user, keys: act, allKeys: fresh.map((f) => f.key) } : undefined;
  return { keys, deactivation };
}

/** Every key acted on, to act on, or warned about; the users whose keys are deactivated; counts per class. */
function listKeys(
  live: readonly Candidate[],
  counts: Record<KeyClass, number>,
  pending: KeyAction,
  notes: string[],
) {
  const keys: SweptKey[] = [];
  const toDeactivate: Deactivation[] = [];
  for (const c of live.filter((x) => !x.gone)) {
    if (!c.fresh) {
      for (const s of c.slots) counts[s.verdict.class]++;
      keys.push(...keysFromReport(c, pending, notes));
      continue;
    }
    for (const f of c.fresh) counts[f.verdict.class]++;
    const r = keysFromRecheck(c, c.fresh, pending, notes);
    keys.push(...r.keys);
    if (r.deactivation) toDeactivate.push(r.deactivation);
  }
  return { keys, toDeactivate };
}

/** Enforce: exact key ids only, through the engine; each key's action becomes the write's result. */
async function enforce(keys: SweptKey[], toDeactivate: readonly Deactivation[], run: Run): Promise<void> {
  const byId = await deactivateKeys(toDeactivate, run.runId, run.deps, run.options.write);
  keys.forEach((k, i) => {
    const result = k.accessKeyId ? byId.get(k.accessKeyId) : undefined;
    if (result)
      keys[i] = { ...k, action: result.action, ...(result.detail ? { detail: result.detail } : {}) };
  });
}

/**
 * Drift, the reads: people already revoked (the revoked-users index) who are not any more, and the drift
 * breaker on those the sweep would re-revoke (a protected user is never re-revoked, so never counts).
 */
async function checkDrift(
  revoked: readonly RevokedIndexEntry[],
  rows: ReadonlyMap<string, ReportUser>,
  report: CredentialReport,
  run: Run,
): Promise<{ findings: DriftFindings; driftBreaker: DriftBreakerVerdict }> {
  const { clients, config } = run.deps;
  const findings = await checkRevokedUsers(clients.iam, revoked, rows, report.generatedAt, config);
  run.notes.push(...findings.notes);
  const toReRevoke = findings.entries.filter((d) => d.action !== 'protected').length;
  return { findings, driftBreaker: evaluateDriftBreaker(toReRevoke, config) };
}

/**
 * Drift, the writes: each drifted user re-revoked through the engine when the sweep writes and the run is not
 * halted (by either breaker: then none is, not even the first N); otherwise listed as it would be.
 */
async function actOnDrift(findings: DriftFindings, halted: boolean, run: Run) {
  const entries: DriftEntry[] =
    run.writes && !halted
      ? await mapLimit(findings.entries, 2, async (d) =>
          d.action === 'protected' ? d : await reRevoke(d, run.deps),
        )
      : findings.entries.map((d) =>
          d.action === 'protected' ? d : { ...d, action: pendingAction(run, halted) },
        );
  return { entries, unchecked: findings.unchecked };
}

/** The run's outcome: the write's roll-up in enforce mode, else what the mode says. */
function outcomeOf(
  keys: readonly SweptKey[],
  entries: readonly DriftEntry[],
  halted: boolean,
  run: Run,
): SweepOutcome {
  if (halted) return 'halted';
  if (run.mode === 'report') return 'reported';
  if (run.dryRun) return 'planned';
  const failures =
    keys.filter((k) => k.action === 'failed').length +
    entries.filter((d) => d.action === 'failed' || (d.action === 're-revoked' && d.outcome !== 'revoked'))
      .length;
  const successes =
    keys.filter((k) => k.action === 'deactivated' || k.action === 'already').length +
    entries.filter((d) => d.action === 're-revoked' && d.outcome === 'revoked').length;
  const r = rollUp(failures, successes);
  return r === 'complete' ? 'enforced' : r;
}

/** Hours between the report's generation and the run's clock, with a note when it is over a day old. */
function reportAge(report: CredentialReport, run: Run): number | undefined {
  if (!report.generatedAt) return undefined;
  const hours = (run.deps.now.getTime() - report.generatedAt.getTime()) / 3_600_000;
  const ageHours = Math.max(0, Math.round(hours * 10) / 10);
  if (ageHours > 24) {
    run.notes.push(
      `the credential report is ${ageHours} hours old: keys created or used since it was made are judged on the next run (a key acted on is re-read first)`,
    );
  }
  return ageHours;
}

/** What the run found, gathered for its summary. */
interface Findings {
  readonly report: CredentialReport;
  readonly revoked: readonly RevokedIndexEntry[];
  readonly classified: Classified;
  readonly exemptions: readonly ExemptionEntry[];
  readonly breaker: BreakerVerdict;
  readonly driftBreaker: DriftBreakerVerdict;
  readonly halted: boolean;
  readonly keys: readonly SweptKey[];
  readonly drift: { readonly entries: readonly DriftEntry[]; readonly unchecked: number };
}

function summarize(f: Findings, run: Run): SweepSummary {
  const { config, now } = run.deps;
  const outcome = outcomeOf(f.keys, f.drift.entries, f.halted, run);
  // Why the run halted (or, in report mode, would): the key breaker, the drift breaker, or both.
  const reasons = [f.breaker, f.driftBreaker].filter((b) => b.tripped).map((b) => b.reason ?? '');
  if (run.mode === 'report') for (const r of reasons) run.notes.push(`enforce mode would halt: ${r}`);
  const ageHours = reportAge(f.report, run);
  const attention =
    f.keys.length > 0 || f.exemptions.some((e) => e.status !== 'active') || f.report.rootHasActiveKey;
  return {
    kind: 'sweep',
    runId: run.runId,
    trigger: 'sweep',
    ...(run.deps.accountId ? { accountId: run.deps.accountId } : {}),
    mode: run.mode,
    dryRun: run.dryRun,
    at: now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome,
    severity: sweepSeverity({
      outcome,
      drift: f.drift.entries.length,
      unchecked: f.drift.unchecked,
      attention,
    }),
    thresholds: {
      keyMaxAgeDays: config.keyMaxAgeDays,
      keyMaxIdleDays: config.keyMaxIdleDays,
      keyWarnDays: config.keyWarnDays,
    },
    credentialReport: {
      ...(f.report.generatedAt ? { generatedAt: f.report.generatedAt.toISOString() } : {}),
      ...(ageHours !== undefined ? { ageHours } : {}),
    },
    counts: f.classified.counts,
    activeKeys: f.classified.activeKeys,
    users: f.report.users.length,
    candidates: { users: f.classified.candidates.length, keys: f.classified.candidateKeys },
    revokedUsers: f.revoked.length,
    keys: f.keys,
    exemptions: f.exemptions,
    drift: f.drift.entries,
    breaker: f.breaker,
    driftBreaker: f.driftBreaker,
    ...(f.halted && reasons.length ? { haltReason: reasons.join('; ') } : {}),
    notes: run.notes,
  };
}

/**
 * The scheduled key sweep. Discovery takes a constant number of calls whatever the number of users: the
 * credential report (GenerateCredentialReport + GetCredentialReport, plus bounded polls) and one Query of the
 * revoked-users index (a page per 1 MB). Every key is classified from the report alone. Calls about a user are
 * made only for candidates (a key expired, idle, never used or due, per the report) and revoked users: the
 * candidate's tags (protection, exemption, owner); in `enforce` mode, for a user with a key to act on, its keys
 * re-read (ListAccessKeys, and GetAccessKeyLastUsed only for a key flagged idle or never used), and only the
 * exact key ids whose fresh dates still qualify are deactivated, through the engine, when the breaker allows.
 * Users of the revoked index are re-checked (an Active key, the deny gone) and re-revoked through the engine,
 * unless more of them than `SWEEP_MAX_DRIFT` would be: then, as when the key breaker trips, the run halts and
 * writes nothing at all.
 * One summary notification per run (and one per drift re-revocation).
 * @throws CredentialReportTimeoutError when the report is not ready in time (after alerting).
 * @example
 * const summary = await runSweep({ mode: 'enforce' }, { config, clients, now: new Date() });
 */
export async function runSweep(
  input: SweepInput,
  deps: SweepDeps,
  options: SweepOptions = {},
): Promise<SweepSummary> {
  const mode = input.mode ?? deps.config.sweepMode;
  const dryRun = deps.config.dryRun || input.dryRun === true;
  const run: Run = {
    runId: options.runId ?? randomUUID(),
    mode,
    dryRun,
    writes: mode === 'enforce' && !dryRun,
    deps,
    options,
    notes: [],
  };
  logger.appendKeys({ runId: run.runId, trigger: 'sweep' });

  const { report, revoked } = await discover(run);
  if (report.rootHasActiveKey) {
    run.notes.push(
      'the root user has an active access key (CIS 1.4): the sweep never touches root; remove it by hand',
    );
  }
  const classified = classifyReport(report, revoked, run);
  const live = await readCandidates(classified.candidates, run);
  const exemptions = exemptionsOf(live);
  // Drift is read before any write: either breaker tripped halts the whole run (no key, no re-revocation).
  const { findings, driftBreaker } = await checkDrift(revoked, classified.revokedRows, report, run);
  const driftHalted = mode === 'enforce' && driftBreaker.tripped;
  const { breaker, halted } = await judge(live, classified.activeKeys, driftHalted, run);
  await nameKeys(live, run);
  const { keys, toDeactivate } = listKeys(live, classified.counts, pendingAction(run, halted), run.notes);
  if (run.writes && !halted && toDeactivate.length) await enforce(keys, toDeactivate, run);
  const driftFound = await actOnDrift(findings, halted, run);

  const summary = summarize(
    { report, revoked, classified, exemptions, breaker, driftBreaker, halted, keys, drift: driftFound },
    run,
  );
  await publishOrNote(deps.clients, deps.config, sweepNotification(summary), run.notes);
  recordRun('sweep', summary.outcome);
  logger.info('sweep finished', {
    outcome: summary.outcome,
    mode,
    dryRun,
    candidates: classified.candidates.length,
    revokedUsers: revoked.length,
    deactivated: keys.filter((k) => k.action === 'deactivated').length,
    drift: driftFound.entries.length,
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
  return runSweep(parseSweepInput(event), deps, options);
}

/**
 * The handler's entry over several accounts (`TARGET_ACCOUNTS` other than `self`): validates the input before
 * any AWS call, then queues one sweep per target account.
 * @throws InvalidRequestError as {@link keySweep}.
 */
export async function keySweepAcrossAccounts(
  event: unknown,
  fanOut: SweepFanOut,
  now: Date,
  sweepId: string = randomUUID(),
): Promise<SweepFanOutSummary> {
  const input = parseSweepInput(event);
  const { accounts } = await fanOut(input, sweepId);
  return {
    kind: 'sweep-fan-out',
    sweepId,
    ...(input.mode ? { mode: input.mode } : {}),
    at: now.toISOString(),
    accounts,
  };
}

/** Queues one sweep work item per target account (src/accounts: `sweepFanOut`). */
export type SweepFanOut = (
  input: SweepInput,
  sweepId: string,
) => Promise<{ readonly accounts: readonly string[] }>;

/**
 * What the key-sweep function returns over several accounts: the accounts queued, each then swept by the
 * account worker as `<sweep id>@<account id>` with its own breaker and summary notification.
 */
export interface SweepFanOutSummary {
  readonly kind: 'sweep-fan-out';
  readonly sweepId: string;
  readonly mode?: SweepMode;
  readonly at: string;
  readonly accounts: readonly string[];
}
