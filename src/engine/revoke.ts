import { randomUUID } from 'node:crypto';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError, NotFoundError } from '../errors';
import { logger } from '../logger';
import { publish, revocationNotification } from '../notify';
import { mapLimit } from '../util/concurrency';
import type { ActionContext } from './actions';
import { executePlan } from './execute';
import { planRoleRevocation, planUserRevocation } from './plan';
import { protectionReason } from './protection';
import { ownerOfAccessKey, type Person, usersOfPerson } from './resolve';
import { findSessions } from './sessions';
import { readKeyLastUse, readRoleSnapshot, readUserSnapshot } from './snapshot';
import {
  finishRevocationRecord,
  principalKey,
  putRecord,
  type RevocationRecord,
  recordSortKey,
  revokedIndexEntry,
} from './state';
import type {
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
}

export interface EngineDeps {
  readonly config: Config;
  readonly clients: Pick<Clients, 'iam' | 'ssm' | 'sns' | 'ddb'>;
  /** The run's clock, read once by the caller. */
  readonly now: Date;
}

interface Principal {
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly personEmail?: string;
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

function outcomeOf(results: readonly StepResult[], verification: Verification | undefined): RunOutcome {
  const failed = results.some((r) => r.outcome === 'failed');
  const succeeded = results.some((r) => r.outcome === 'done' || r.outcome === 'already');
  if (!failed && verification?.ok !== false) return 'revoked';
  if (failed && !succeeded) return 'failed';
  return 'partial';
}

/** The outcome of a run over several principals. */
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

interface RunContext {
  readonly runId: string;
  readonly request: RevocationRequest;
  readonly dryRun: boolean;
}

/**
 * Revokes one principal: snapshot, protection check, plan, state record, deny first, the rest in parallel,
 * verification by re-reading. Never throws for a failing step; throws only when the principal cannot be
 * read or the state record cannot be written (then nothing was changed).
 */
async function revokePrincipal(p: Principal, run: RunContext, deps: EngineDeps): Promise<PrincipalReport> {
  const { config, clients, now } = deps;
  const snapshot =
    p.kind === 'user'
      ? await readUserSnapshot(clients.iam, p.name, now, {
          ...(p.personEmail ? { personEmail: p.personEmail } : {}),
          personTagKeys: config.personTagKeys,
        })
      : await readRoleSnapshot(clients.iam, p.name, now);
  const principal = { kind: p.kind, name: p.name, arn: snapshot.arn };
  const owner = Object.fromEntries(
    Object.entries(snapshot.tags).filter(([k]) => config.personTagKeys.includes(k)),
  ) as Record<string, string>;
  const base = { principal, owner, notes: [...snapshot.notes] };

  const protectedBy = protectionReason(snapshot, config);
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

  const planOptions = {
    mode: run.request.mode,
    trigger: run.request.trigger,
    runId: run.runId,
    now,
    denyPolicyArn: config.denyPolicyArn,
    sessionRegions: config.sessionRegions,
    deleteLoginProfile: run.request.deleteLoginProfile,
    deactivateMfa: run.request.deactivateMfa,
  };
  const plan: PlannedStep[] =
    snapshot.kind === 'user'
      ? planUserRevocation(snapshot, planOptions)
      : planRoleRevocation(snapshot, planOptions);
  const ctx: ActionContext = { principal, clients, now, runId: run.runId };

  if (run.dryRun) {
    const [preview, keys] = await Promise.all([
      previewSessions(snapshot, deps),
      snapshot.kind === 'user' ? readKeyLastUse(clients.iam, snapshot.accessKeys) : Promise.resolve([]),
    ]);
    const { results } = await executePlan(plan, ctx, { dryRun: true, concurrency: config.maxConcurrency });
    return {
      ...base,
      outcome: 'planned',
      steps: results,
      sessions: preview.sessions,
      notes: [...base.notes, ...preview.notes, ...keyNotes(keys)],
    };
  }

  // The restore plan is saved before the first write; last use of keys is read meanwhile (report only).
  const record: RevocationRecord = {
    pk: principalKey(p.kind, p.name),
    sk: recordSortKey(now.toISOString(), run.runId),
    kind: 'revocation',
    runId: run.runId,
    trigger: run.request.trigger,
    mode: run.request.mode,
    at: now.toISOString(),
    principal,
    requestedBy: run.request.requestedBy,
    reason: run.request.reason,
    snapshot,
    plan,
    status: 'started',
  };
  const store = { ddb: clients.ddb, table: config.stateTable };
  const [, , keys] = await Promise.all([
    putRecord(store, record),
    p.kind === 'user' ? putRecord(store, revokedIndexEntry(record)) : undefined,
    snapshot.kind === 'user' ? readKeyLastUse(clients.iam, snapshot.accessKeys) : Promise.resolve([]),
  ]);

  const { results, sessions } = await executePlan(plan, ctx, {
    dryRun: false,
    concurrency: config.maxConcurrency,
  });
  const verification =
    snapshot.kind === 'user'
      ? await verifyUser(clients.iam, p.name, plan, results, config.denyPolicyArn, now)
      : await verifyRole(clients.iam, p.name, plan, results);
  const outcome = outcomeOf(results, verification);
  try {
    await finishRevocationRecord(store, record, outcome, results);
  } catch (err) {
    base.notes.push(
      `the state record could not be completed (${describeError(err)}); restore still works from it`,
    );
  }
  return {
    ...base,
    outcome,
    steps: results,
    verification,
    sessions,
    notes: [...base.notes, ...keyNotes(keys)],
  };
}

function keyNotes(
  keys: readonly { accessKeyId: string; lastUsedDate?: string | null; lastUsedService?: string }[],
) {
  return keys
    .filter((k) => k.lastUsedDate !== undefined)
    .map(
      (k) =>
        `access key ${k.accessKeyId} last used ${k.lastUsedDate ?? 'never'}${k.lastUsedService ? ` (${k.lastUsedService})` : ''}`,
    );
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

/**
 * Runs a revocation (lockdown, departure or drift): resolves the target, revokes each principal, sends one
 * notification, and returns the report. Step failures make the run `partial` or `failed`; they do not throw.
 * @example
 * const report = await runRevocation(
 *   { trigger: 'lockdown', mode: 'lockdown', target: { userName: 'alice' }, reason: 'INC-42', requestedBy: 'secops' },
 *   { config, clients, now: new Date() },
 * );
 */
export async function runRevocation(request: RevocationRequest, deps: EngineDeps): Promise<RevocationReport> {
  const runId = request.runId ?? randomUUID();
  const dryRun = deps.config.dryRun || request.dryRun === true;
  const run: RunContext = { runId, request, dryRun };
  const notes: string[] = [];
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
  const report: RevocationReport = {
    kind: 'revocation',
    runId,
    trigger: request.trigger,
    mode: request.mode,
    dryRun,
    target: Object.fromEntries(Object.entries(request.target).filter(([, v]) => v !== undefined)),
    reason: request.reason,
    requestedBy: request.requestedBy,
    at: deps.now.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: combineOutcomes(found.map((r) => r.outcome)),
    principals: found,
    notes,
  };
  try {
    await publish(deps.clients, deps.config.notifyTopicArn, revocationNotification(report));
  } catch (err) {
    logger.error('notification failed', { runId, error: describeError(err) });
    (report.notes as string[]).push(`notification failed: ${describeError(err)}`);
  }
  logger.info('revocation finished', { runId, outcome: report.outcome, principals: found.length });
  return report;
}
