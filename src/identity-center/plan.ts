import { revokedIdsIn } from './policy';
import type { IdcAssignment, IdcMembership, IdcRevocationRecord, IdcSnapshot, IdcStep } from './schema';

/**
 * The pure planners: a snapshot (and, for a restore, the run undone, the other unrestored runs and the state
 * now) into numbered, typed steps, each `todo`, `already` or `skip` with the reason. No I/O, no clock.
 */

type Spec = IdcStep extends infer S
  ? S extends IdcStep
    ? Omit<S, 'id' | 'state' | 'reason'>
    : never
  : never;
type Unnumbered = Spec & { readonly state: IdcStep['state']; readonly reason?: string };

/** Step ids in plan order: `01-deny-permission-set`, `02-provision-permission-set`... */
const numbered = (steps: readonly Unnumbered[]): IdcStep[] =>
  steps.map((s, i) => ({ ...s, id: `${String(i + 1).padStart(2, '0')}-${s.type}` }) as IdcStep);

/** True when the policy's managed statement already names the id (a policy that is not JSON: not yet). */
function denies(policy: string | null, userId: string): boolean {
  try {
    return revokedIdsIn(policy).includes(userId);
  } catch {
    return false;
  }
}

/**
 * A revocation: the deny in every permission set the user can use (directly or through a group), each set
 * provisioned to its accounts, then every direct assignment deleted and every membership removed.
 * @example
 * planIdcRevocation(snapshot).map((s) => s.id); // ['01-deny-permission-set', '02-provision-permission-set', '03-delete-account-assignment', ...]
 */
export function planIdcRevocation(snapshot: IdcSnapshot): IdcStep[] {
  const { userId } = snapshot.user;
  const sets = snapshot.permissionSets;
  return numbered([
    ...sets.map((p) => ({
      type: 'deny-permission-set' as const,
      permissionSetArn: p.permissionSetArn,
      state: denies(p.inlinePolicy, userId) ? ('already' as const) : ('todo' as const),
    })),
    ...sets.map((p) => ({
      type: 'provision-permission-set' as const,
      permissionSetArn: p.permissionSetArn,
      ...(p.accounts.length
        ? { state: 'todo' as const }
        : { state: 'skip' as const, reason: 'not provisioned to any account: no role carries it' }),
    })),
    ...snapshot.assignments.map((a) => ({
      type: 'delete-account-assignment' as const,
      ...a,
      state: 'todo' as const,
    })),
    ...snapshot.memberships.map((m) => ({
      type: 'delete-group-membership' as const,
      ...m,
      state: 'todo' as const,
    })),
  ]);
}

/** The steps of a run that changed AWS: those its results mark `done`; all `todo` when it never finished. */
export function changedSteps(run: IdcRevocationRecord): IdcStep[] {
  if (!run.results) return run.plan.filter((s) => s.state === 'todo');
  const done = new Set(run.results.filter((r) => r.outcome === 'done').map((r) => r.id));
  return run.plan.filter((s) => done.has(s.id));
}

export interface IdcRestorePlan {
  readonly steps: IdcStep[];
  /** What stays revoked, and which unrestored run holds it. */
  readonly keptInForce: string[];
  /** Access kept out because a newer unrestored run revoked the user again: the restore is `partial`. */
  readonly heldBack: number;
}

/** The current access of the user, as the restore planner compares it. */
export type CurrentAccess = {
  readonly assignments: readonly IdcAssignment[];
  readonly memberships: readonly IdcMembership[];
};

/**
 * The undo of one run: its removed memberships and assignments re-created (`already` when they are back), its
 * deny lifted from each permission set and the set provisioned again. Never what another unrestored run holds:
 * a permission set another run's plan also denies keeps the id, and when a newer unrestored run revoked the
 * user again, no access comes back (re-created access would bypass it).
 */
export function planIdcRestore(
  run: IdcRevocationRecord,
  others: readonly IdcRevocationRecord[],
  now: CurrentAccess,
): IdcRestorePlan {
  const keptInForce: string[] = [];
  const newer = others.find((o) => o.at > run.at || (o.at === run.at && o.runId > run.runId));
  const holdBack = (what: string) => {
    keptInForce.push(
      `${what}: not re-created, run ${newer?.runId} revoked the user again later and is not restored`,
    );
    return { state: 'skip' as const, reason: `held by run ${newer?.runId}` };
  };
  const changed = changedSteps(run);
  const access: Unnumbered[] = changed.flatMap((s): Unnumbered[] => {
    if (s.type === 'delete-group-membership') {
      const back = now.memberships.some((m) => m.groupId === s.groupId);
      const state = newer
        ? holdBack(`group ${s.groupId}`)
        : { state: back ? ('already' as const) : ('todo' as const) };
      return [{ type: 'create-group-membership', groupId: s.groupId, ...state }];
    }
    if (s.type !== 'delete-account-assignment') return [];
    const back = now.assignments.some(
      (a) => a.accountId === s.accountId && a.permissionSetArn === s.permissionSetArn,
    );
    const a = { accountId: s.accountId, permissionSetArn: s.permissionSetArn };
    const state = newer
      ? holdBack(`${a.accountId} ${a.permissionSetArn}`)
      : { state: back ? ('already' as const) : ('todo' as const) };
    return [{ type: 'create-account-assignment', ...a, ...state }];
  });
  const lifts = liftSteps(run, others, keptInForce);
  const provisions = lifts
    .filter((s) => s.state === 'todo')
    .map((s) => ({
      type: 'provision-permission-set' as const,
      permissionSetArn: s.permissionSetArn,
      state: 'todo' as const,
    }));
  return {
    steps: numbered([...access, ...lifts, ...provisions]),
    keptInForce,
    heldBack: newer ? access.length : 0,
  };
}

/**
 * The permission sets whose deny the run holds: its deny steps that put the id there or found it there (`done`
 * or `already`; a run that never finished: every deny it planned). A deny found in place is held too: the run
 * that put it may have been restored while this one kept it.
 */
export function heldDenies(run: IdcRevocationRecord): string[] {
  const outcome = new Map((run.results ?? []).map((r) => [r.id, r.outcome]));
  return run.plan
    .filter((s) => s.type === 'deny-permission-set')
    .filter((s) => (run.results ? ['done', 'already'].includes(outcome.get(s.id) ?? '') : s.state !== 'skip'))
    .map((s) => s.permissionSetArn);
}

/** The deny lifted from each permission set the run holds, unless another unrestored run's plan denies it too. */
function liftSteps(run: IdcRevocationRecord, others: readonly IdcRevocationRecord[], keptInForce: string[]) {
  return heldDenies(run).map((permissionSetArn) => {
    const holder = others.find((o) => heldDenies(o).includes(permissionSetArn));
    if (holder)
      keptInForce.push(`deny in ${permissionSetArn}: run ${holder.runId} also holds it and is not restored`);
    return {
      type: 'lift-deny-permission-set' as const,
      permissionSetArn,
      ...(holder
        ? { state: 'skip' as const, reason: `held by run ${holder.runId}` }
        : { state: 'todo' as const }),
    };
  });
}
