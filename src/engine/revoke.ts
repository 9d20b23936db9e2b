import { randomUUID } from 'node:crypto';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError, NotFoundError } from '../errors';
import { logger } from '../logger';
import { mapLimit } from '../util/concurrency';
import { tagsWithKeys } from '../util/iam-case';
import type { ActionContext } from './actions';
import { terminateOwnedSessions } from './actions/terminate-sessions';
import { executePlan } from './execute';
import { planRoleRevocation, planUserRevocation } from './plan';
import { protectionReason } from './protection';
import { ownerOfAccessKey, type Person, usersOfPerson } from './resolve';
import { findSessions } from './sessions';
import { readKeyLastUse, readRoleSnapshot, readUserSnapshot } from './snapshot';
import {
  finishRevocationRecord,
  putRecord,
  type RevocationRecord,
  revokedIndexEntry,
  storeOf,
} from './state';
import { rollUpSteps } from './steps';
import type {
  AccessKeyInfo,
  Caller,
  PlannedStep,
  PrincipalKind,
  PrincipalReport,
  RevocationMode,
  RevocationReport,
  RoleSnapshot,
  RunOutcome,
  SsmSessionInfo,
  StepResult,
  Trigger,
  UserSnapshot,
  Verification,
} from './types';
import { verifyRole, verifyUser } from './verify';

/** What a revocation acts on, after the request was validated. */
export type RevocationTarget =
  | { readonly userName: string }
  | { readonly accessKeyId: string }
  | { readonly roleName: string }
  | { readonly employeeId?: string; readonly email?: string };

export interface RevocationRequest {
  readonly trigger: Trigger;
  readonly mode: RevocationMode;
  readonly target: RevocationTarget;
  readonly reason: string;
  readonly requestedBy: string;
  /** Plan only. `DRY_RUN` in the config wins when true. */
  readonly dryRun?: boolean;
  readonly deleteLoginProfile?: boolean;
  readonly deactivateMfa?: boolean;
  /** Run id to use (e.g. the departure id); a random one otherwise. */
  readonly runId?: string;
  /** Who asked (lockdown): recorded with the run and in the report. */
  readonly caller?: Caller;
  /**
   * A departing person's Identity Center userName, when known: its permission-set role sessions
   * (`assumed-role/AWSReservedSSO_*\/<userName>`) are ended in this account too.
   */
  readonly identityCenterUserName?: string;
}

export interface EngineDeps {
  readonly config: Config;
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'ddb'>;
  /** The run's clock, read once by the caller. */
  readonly now: Date;
  /**
   * The target account, when it is not the function's own: `clients` then act in it (the member role's
   * credentials) and its records are kept apart from the own account's. Absent: the function's own account.
   */
  readonly accountId?: string;
}

interface Principal {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly personEmail?: string;
}

interface RunContext {
  readonly runId: string;
  readonly request: RevocationRequest;
  readonly dryRun: boolean;
}

const isPersonTarget = (t: RevocationTarget): t is { employeeId?: string; email?: string } =>
  !('userName' in t) && !('accessKeyId' in t) && !('roleName' in t);

/** Turns a target into the principals it names (reads only). */
async function resolvePrincipals(target: RevocationTarget, deps: EngineDeps): Promise<Principal[]> {
  const { iam } = deps.clients;
  if ('userName' in target) return [{ kind: 'user', name: target.userName }];
  if ('roleName' in target) return [{ kind: 'role', name: target.roleName }];
  if ('accessKeyId' in target)
    return [{ kind: 'user', name: await ownerOfAccessKey(iam, target.accessKeyId) }];
  const person: Person = target;
  const users = await usersOfPerson(iam, person, deps.config.personTagKeys);
  return users.map((u) => ({
    kind: 'user',
    name: u.userName,
    ...(person.email ? { personEmail: person.email } : {}),
  }));
}

/** The run outcome of one principal's steps and verification. */
const outcomeOf = (results: readonly StepResult[], verification?: Verification): RunOutcome => {
  const r = rollUpSteps(results, verification);
  return r === 'complete' ? 'revoked' : r;
};

/** The outcome of a run over several principals: the common one, else `partial`; none is `not-found`. */
export function combineOutcomes(outcomes: readonly RunOutcome[]): RunOutcome {
  if (!outcomes.length) return 'not-found';
  const first = outcomes[0] as RunOutcome;
  return outcomes.every((o) => o === first) ? first : 'partial';
}

/** Session discovery for a dry run: what termination would close, read only. */
async function previewSessions(
  snapshot: UserSnapshot | RoleSnapshot,
  deps: EngineDeps,
): Promise<{ sessions: SsmSessionInfo[]; notes: string[] }> {
  const notes: string[] = [];
  const lists = await Promise.all(
    deps.config.sessionRegions.map((region) =>
      findSessions(deps.clients.ssm(region), region, snapshot.sessionOwners).catch((err) => {
        notes.push(`SSM sessions in ${region} could not be listed (${describeError(err)})`);
        return [];
      }),
    ),
  );
  return { sessions: lists.flat(), notes };
}

function keyNotes(keys: readonly AccessKeyInfo[]): string[] {
  return keys
    .filter((k) => k.lastUsedDate !== undefined)
    .map(
      (k) =>
        `access key ${k.accessKeyId} last used ${k.lastUsedDate ?? 'never'}${k.lastUsedService ? ` (${k.lastUsedService})` : ''}`,
    );
}

/** The principal's name as IAM stores it (GetUser/GetRole answer with it, whatever the request's case). */
export const nameOf = (snapshot: UserSnapshot | RoleSnapshot): string =>
  snapshot.kind === 'user' ? snapshot.userName : snapshot.roleName;

/** Everything revocation changes or restore needs about the principal (reads only). */
function readSnapshot(p: Principal, deps: EngineDeps): Promise<UserSnapshot | RoleSnapshot> {
  const { iam } = deps.clients;
  return p.kind === 'user'
    ? readUserSnapshot(iam, p.name, deps.now, {
        ...(p.personEmail ? { personEmail: p.personEmail } : {}),
        personTagKeys: deps.config.personTagKeys,
        readGroups: !!deps.config.denyGroupName,
      })
    : readRoleSnapshot(iam, p.name, deps.now);
}

function planFor(snapshot: UserSnapshot | RoleSnapshot, run: RunContext, deps: EngineDeps): PlannedStep[] {
  const options = {
    mode: run.request.mode,
    trigger: run.request.trigger,
    runId: run.runId,
    now: deps.now,
    denyPolicyArn: deps.config.denyPolicyArn,
    denyGroupName: deps.config.denyGroupName,
    sessionRegions: deps.config.sessionRegions,
    deleteLoginProfile: run.request.deleteLoginProfile,
    deactivateMfa: run.request.deactivateMfa,
  };
  return snapshot.kind === 'user'
    ? planUserRevocation(snapshot, options)
    : planRoleRevocation(snapshot, options);
}

type Base = Pick<PrincipalReport, 'principal' | 'owner' | 'notes'>;

/** The dry run: the full plan, the sessions termination would close, no write. */
async function plannedReport(
  base: Base,
  snapshot: UserSnapshot | RoleSnapshot,
  plan: readonly PlannedStep[],
  ctx: ActionContext,
  deps: EngineDeps,
): Promise<PrincipalReport> {
  const [preview, keys] = await Promise.all([
    previewSessions(snapshot, deps),
    snapshot.kind === 'user' ? readKeyLastUse(deps.clients.iam, snapshot.accessKeys) : Promise.resolve([]),
  ]);
  const { results } = await executePlan(plan, ctx, { dryRun: true, concurrency: deps.config.maxConcurrency });
  return {
    ...base,
    outcome: 'planned',
    steps: results,
    sessions: preview.sessions,
    notes: [...base.notes, ...preview.notes, ...keyNotes(keys)],
  };
}

/**
 * The writes: the record first (the restore plan; if it cannot be saved, nothing is changed), the last use of
 * keys read meanwhile (report only), the plan executed, AWS re-read to verify, the record completed.
 */
async function executeRecorded(
  base: Base,
  record: RevocationRecord,
  ctx: ActionContext,
  deps: EngineDeps,
): Promise<PrincipalReport> {
  const { snapshot, plan } = record;
  const store = storeOf(deps);
  const [, , keys] = await Promise.all([
    putRecord(store, record),
    record.principal.kind === 'user' ? putRecord(store, revokedIndexEntry(record)) : undefined,
    snapshot.kind === 'user' ? readKeyLastUse(deps.clients.iam, snapshot.accessKeys) : Promise.resolve([]),
  ]);
  const { results, sessions } = await executePlan(plan, ctx, {
    dryRun: false,
    concurrency: deps.config.maxConcurrency,
  });
  const { iam } = deps.clients;
  const verification =
    snapshot.kind === 'user'
      ? await verifyUser(
          iam,
          record.principal.name,
          plan,
          results,
          deps.config.denyPolicyArn,
          deps.now,
          deps.config.denyGroupName,
        )
      : await verifyRole(iam, record.principal.name, plan, results);
  const outcome = outcomeOf(results, verification);
  const notes = [...base.notes, ...keyNotes(keys)];
  try {
    await finishRevocationRecord(store, record, outcome, results);
  } catch (err) {
    notes.push(
      `the state record could not be completed (${describeError(err)}); restore still works from it`,
    );
  }
  return { ...base, outcome, steps: results, verification, sessions, notes };
}

/**
 * Revokes one principal: snapshot, protection check, plan, then the dry run or the recorded writes. Never
 * throws for a failing step; throws only when the principal cannot be read or the state record cannot be
 * written (then nothing was changed).
 */
async function revokePrincipal(p: Principal, run: RunContext, deps: EngineDeps): Promise<PrincipalReport> {
  const snapshot = await readSnapshot(p, deps);
  // IAM's stored name, whatever the request's spelling: one principal is one record, one index entry.
  const principal = { kind: p.kind, name: nameOf(snapshot), arn: snapshot.arn };
  const owner = tagsWithKeys(snapshot.tags, deps.config.personTagKeys);
  const base: Base = { principal, owner, notes: [...snapshot.notes] };

  const protectedBy = protectionReason(snapshot, deps.config);
  if (protectedBy) {
    logger.warn('protected principal not touched', { principal: snapshot.arn, reason: protectedBy });
    return {
      ...base,
      outcome: 'protected',
      steps: [],
      sessions: [],
      notes: [`protected: ${protectedBy}`, ...base.notes],
    };
  }
  const plan = planFor(snapshot, run, deps);
  const ctx: ActionContext = { principal, clients: deps.clients, now: deps.now, runId: run.runId };
  if (run.dryRun) return plannedReport(base, snapshot, plan, ctx, deps);
  const { request } = run;
  const record: RevocationRecord = {
    kind: 'revocation',
    runId: run.runId,
    trigger: request.trigger,
    mode: request.mode,
    at: deps.now.toISOString(),
    principal,
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    reason: request.reason,
    snapshot,
    plan,
    status: 'started',
  };
  return executeRecorded(base, record, ctx, deps);
}

function failedPrincipal(p: Principal, err: unknown): PrincipalReport {
  return {
    principal: { kind: p.kind, name: p.name, arn: '' },
    outcome: 'failed',
    steps: [],
    sessions: [],
    notes: [`nothing changed: ${describeError(err)}`],
  };
}

/** The principals a target names, and notes when it names none (not found is reported, not thrown). */
async function principalsOf(
  request: RevocationRequest,
  deps: EngineDeps,
  notes: string[],
): Promise<Principal[]> {
  let principals: Principal[] = [];
  try {
    principals = await resolvePrincipals(request.target, deps);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    notes.push(err.message);
  }
  if (!principals.length && isPersonTarget(request.target)) {
    notes.push(
      `no IAM user is tagged (${deps.config.personTagKeys.join(', ')}) with this person's identifiers`,
    );
  }
  return principals;
}

/** Identity Center permission-set roles: their sessions are `assumed-role/AWSReservedSSO_<set>_<hash>/<userName>`. */
const IDC_ROLE_SESSION = ':assumed-role/AWSReservedSSO_';

/**
 * A departing person with no IAM user in this account may still hold Session Manager sessions through Identity
 * Center (its permission-set roles name the session after the user, commonly the email): those are terminated
 * too, in every session region. (Where the person has IAM users, their terminate-sessions step already ends
 * every `/<email>` session.) Returns the notes to report; a dry run only says what it would do.
 */
async function identityCenterSessions(
  request: RevocationRequest,
  run: RunContext,
  deps: EngineDeps,
  hasUsers: boolean,
) {
  if (request.mode !== 'departure' || !isPersonTarget(request.target)) return [];
  // The email is covered by the IAM users' own session step when the person has users here.
  const email = hasUsers ? undefined : request.target.email;
  const names = [...new Set([email, request.identityCenterUserName].filter((n): n is string => !!n))];
  return endIdentityCenterSessions(names, run.runId, run.dryRun, deps);
}

/**
 * Ends the Session Manager sessions of Identity Center permission-set roles named after any of `names`
 * (`assumed-role/AWSReservedSSO_*\/<name>`) in every session region of the account `deps` act in; returns
 * the notes to report (nothing when there was none to end). A dry run only says what it would end.
 * SSM: `ssm:DescribeSessions`, `ssm:TerminateSession`.
 * @example
 * report.notes.push(...(await endIdentityCenterSessions(['jdoe'], runId, false, deps)));
 */
export async function endIdentityCenterSessions(
  names: readonly string[],
  runId: string,
  dryRun: boolean,
  deps: EngineDeps,
): Promise<string[]> {
  if (!names.length) return [];
  const who = names.join(', ');
  if (dryRun)
    return [`would terminate Identity Center role sessions of ${who} (${IDC_ROLE_SESSION}*/<name>)`];
  const ctx: ActionContext = {
    principal: { kind: 'user', name: names[0] as string, arn: '' },
    clients: deps.clients,
    now: deps.now,
    runId,
  };
  const results = await terminateOwnedSessions(ctx, deps.config.sessionRegions, {
    containsAndEndsWith: names.map((n) => ({ contains: IDC_ROLE_SESSION, suffix: `/${n}` })),
  });
  return results
    .filter((r) => r.outcome !== 'already')
    .map(
      (r) =>
        `Identity Center role sessions of ${who} in ${r.region}: ${r.outcome}${r.detail ? ` (${r.detail})` : ''}${r.error ? ` (${r.error})` : ''}`,
    );
}

/**
 * Runs a revocation (lockdown, departure or drift): resolves the target, revokes each principal and returns
 * the report; the caller publishes it. Step failures make the run `partial` or `failed`; they do not throw.
 * @example
 * const report = await runRevocation(
 *   { trigger: 'lockdown', mode: 'lockdown', target: { userName: 'alice' }, reason: 'INC-42', requestedBy: 'secops' },
 *   { config, clients, now: new Date() },
 * );
 */
export async function runRevocation(request: RevocationRequest, deps: EngineDeps): Promise<RevocationReport> {
  const runId = request.runId ?? randomUUID();
  const run: RunContext = { runId, request, dryRun: deps.config.dryRun || request.dryRun === true };
  const notes: string[] = [];
  const principals = await principalsOf(request, deps, notes);
  const reports = await mapLimit(principals, 2, async (p) => {
    try {
      return await revokePrincipal(p, run, deps);
    } catch (err) {
      if (err instanceof NotFoundError && principals.length === 1) {
        notes.push(err.message);
        return undefined;
      }
      logger.error('revocation of principal failed before any write', {
        principal: p.name,
        error: describeError(err),
      });
      return failedPrincipal(p, err);
    }
  });
  const found = reports.filter((r): r is PrincipalReport => r !== undefined);
  notes.push(...(await identityCenterSessions(request, run, deps, found.length > 0)));
  logger.info('revocation finished', { runId, outcome: combineOutcomes(found.map((r) => r.outcome)) });
  return {
    kind: 'revocation',
    runId,
    trigger: request.trigger,
    mode: request.mode,
    ...(deps.accountId ? { accountId: deps.accountId } : {}),
    dryRun: run.dryRun,
    target: Object.fromEntries(Object.entries(request.target).filter(([, v]) => v !== undefined)),
    reason: request.reason,
    requestedBy: request.requestedBy,
    ...(request.caller ? { caller: request.caller } : {}),
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: combineOutcomes(found.map((r) => r.outcome)),
    principals: found,
    notes,
  };
}
