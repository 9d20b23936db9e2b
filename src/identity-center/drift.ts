import { describeError } from '../errors';
import { mapLimit } from '../util/concurrency';
import { revokeIdentityCenterUser } from './revoke';
import type { IdcAssignment, IdcMembership } from './schema';
import { assignmentsOf, membershipsOf } from './snapshot';
import { revokedUserEntries } from './state';
import type { IdcDeps } from './types';

/** What the drift check reads: the revoked ids, each user's direct assignments and memberships. */
export const IDC_DRIFT_PERMISSIONS = [
  'dynamodb:Query',
  'sso:ListAccountAssignmentsForPrincipal',
  'identitystore:ListGroupMembershipsForMember',
] as const;

/** A revoked Identity Center user who holds access again (a new assignment or membership, e.g. a SCIM sync). */
export interface IdcDriftFinding {
  readonly userId: string;
  readonly userName: string;
  /** The run that revoked the user. */
  readonly runId: string;
  readonly assignments: readonly IdcAssignment[];
  readonly memberships: readonly IdcMembership[];
  /** What the sweep did: `reported` (report mode or dry run), `halted`, or the re-revocation's outcome. */
  readonly action: 'reported' | 'halted' | 're-revoked' | 'failed';
  readonly outcome?: string;
}

/** The Identity Center part of a sweep. */
export interface IdcDriftSweep {
  readonly checked: number;
  readonly drifted: readonly IdcDriftFinding[];
  /** More users drifted than `SWEEP_MAX_DRIFT`: none re-revoked, an alert instead. */
  readonly halted: boolean;
  readonly notes: readonly string[];
}

type Found = Omit<IdcDriftFinding, 'action' | 'outcome'>;

/** Re-reads each revoked user's access; a user that cannot be read is a note, never skipped silently. */
async function findDrift(deps: IdcDeps, notes: string[]): Promise<{ checked: number; found: Found[] }> {
  const entries = [...(await revokedUserEntries(deps)).values()];
  const read = await mapLimit(entries, 4, async (e): Promise<Found | undefined> => {
    try {
      const [assignments, memberships] = await Promise.all([
        assignmentsOf(deps, 'USER', e.userId),
        membershipsOf(deps, e.userId),
      ]);
      return { userId: e.userId, userName: e.userName, runId: e.runId, assignments, memberships };
    } catch (err) {
      notes.push(`Identity Center user ${e.userName} (${e.userId}) not re-checked: ${describeError(err)}`);
      return undefined;
    }
  });
  const found = read.filter((f): f is Found => !!f && (f.assignments.length > 0 || f.memberships.length > 0));
  return { checked: entries.length, found };
}

/**
 * The sweep's re-check of revoked Identity Center users: any who holds a direct assignment or a group
 * membership again is drift. In `enforce` mode (not dry run) each is revoked again (deny kept, assignments
 * and memberships removed), one after another, unless more than `maxDrift` drifted: then nothing is written
 * and the run is `halted` (alerted by the caller). In report mode the drift is reported only.
 * DynamoDB: `dynamodb:Query`; sso-admin/identitystore reads; and the revocation's actions when enforcing.
 * @example
 * const idc = await sweepIdentityCenterDrift(deps, { enforce: true, maxDrift: 5, sweepRunId });
 */
export async function sweepIdentityCenterDrift(
  deps: IdcDeps,
  options: { readonly enforce: boolean; readonly maxDrift: number; readonly sweepRunId: string },
): Promise<IdcDriftSweep> {
  const notes: string[] = [];
  const { checked, found } = await findDrift(deps, notes);
  const halted = options.enforce && found.length > options.maxDrift;
  if (!options.enforce || halted || deps.dryRun) {
    const action = halted ? 'halted' : 'reported';
    return { checked, drifted: found.map((f) => ({ ...f, action })), halted, notes };
  }
  const drifted: IdcDriftFinding[] = [];
  for (const f of found) {
    const report = await revokeIdentityCenterUser(
      {
        trigger: 'sweep',
        mode: 'lockdown',
        target: { identityCenterUser: f.userName },
        runId: `${options.sweepRunId}-idc-${f.userId}`.slice(0, 200),
        reason: `drift: Identity Center access back after revocation run ${f.runId}`,
        requestedBy: 'key-sweep',
      },
      deps,
    ).catch((err: unknown) => {
      notes.push(`Identity Center user ${f.userName} not revoked again: ${describeError(err)}`);
      return undefined;
    });
    drifted.push({
      ...f,
      action: report ? 're-revoked' : 'failed',
      ...(report ? { outcome: report.outcome } : {}),
    });
  }
  return { checked, drifted, halted, notes };
}
