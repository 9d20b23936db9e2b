import { TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { describeError } from '../../errors';
import { mapLimit } from '../../util/concurrency';
import { findSessions } from '../sessions';
import type { SessionOwnerMatch } from '../types';
import type { Action, ActionContext } from './action';

/**
 * Terminates the principal's active Session Manager sessions in one region, then describes again to confirm
 * (TerminateSession succeeds for any id, valid or not). Processes started inside a session keep running on
 * the target after it ends: the report lists the targets for follow-up.
 * SSM: `ssm:DescribeSessions`, `ssm:TerminateSession`. Cannot be undone.
 */
export const terminateSessions: Action<'terminate-sessions'> = {
  type: 'terminate-sessions',
  description: 'terminate active SSM sessions and confirm they are gone',
  permissions: ['ssm:DescribeSessions', 'ssm:TerminateSession'],
  subject: (step) => `SSM sessions in ${step.region}`,
  async execute(step, { clients }) {
    const ssm = clients.ssm(step.region);
    const sessions = await findSessions(ssm, step.region, step.owners);
    if (sessions.length === 0) return { outcome: 'already', detail: 'no active sessions', sessions: [] };
    await mapLimit(sessions, 4, (s) => ssm.send(new TerminateSessionCommand({ SessionId: s.sessionId })));
    const ids = new Set(sessions.map((s) => s.sessionId));
    const remaining = (await findSessions(ssm, step.region, step.owners)).filter((s) => ids.has(s.sessionId));
    if (remaining.length) {
      return {
        outcome: 'failed',
        error: `${remaining.length} of ${sessions.length} sessions still active after TerminateSession: ${remaining
          .map((s) => s.sessionId)
          .join(', ')}`,
        sessions,
      };
    }
    const targets = [...new Set(sessions.map((s) => s.target).filter(Boolean))];
    return {
      outcome: 'done',
      detail: `terminated ${sessions.length} session(s) on ${targets.join(', ') || 'unknown targets'}`,
      sessions,
    };
  },
  irreversible: (step) => `terminated SSM sessions in ${step.region} cannot come back (start new ones)`,
};

/**
 * Terminates the active Session Manager sessions whose owner matches, in each region, outside any principal's
 * plan: the sessions of an Identity Center user's permission-set roles (`assumed-role/AWSReservedSSO_*` ending
 * `/<userName>`) in an account where the person may have no IAM user. One result per region; never throws.
 * SSM: `ssm:DescribeSessions`, `ssm:TerminateSession`.
 * @example
 * const results = await terminateOwnedSessions(ctx, config.sessionRegions, { containsAndEndsWith: [owner] });
 */
export async function terminateOwnedSessions(
  ctx: ActionContext,
  regions: readonly string[],
  owners: SessionOwnerMatch,
): Promise<{ region: string; outcome: string; detail?: string; error?: string }[]> {
  return Promise.all(
    regions.map(async (region) => {
      const step = {
        id: `sessions-${region}`,
        type: 'terminate-sessions' as const,
        region,
        owners,
        sessionIds: [],
      };
      try {
        const r = await terminateSessions.execute(step, ctx);
        return {
          region,
          outcome: r.outcome,
          ...(r.detail ? { detail: r.detail } : {}),
          ...(r.error ? { error: r.error } : {}),
        };
      } catch (err) {
        return { region, outcome: 'failed', error: describeError(err) };
      }
    }),
  );
}
