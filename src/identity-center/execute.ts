import { type RollUp, rollUp } from '../engine';
import { describeError } from '../errors';
import { logger } from '../logger';
import { mapLimit } from '../util/concurrency';
import { type IdcActionContext, idcActionFor } from './actions';
import type { IdcStep, IdcStepResult, IdcStepType } from './schema';

/**
 * The Identity Center step runner: a plan's steps phase by phase, each phase's steps with bounded concurrency; a
 * failing step is recorded and never stops the others. In a dry run nothing is written.
 */

/** A revocation: the deny in every set first, then provisioning it, then the assignments and memberships. */
export const REVOCATION_PHASES: readonly (readonly IdcStepType[])[] = [
  ['deny-permission-set'],
  ['provision-permission-set'],
  ['delete-account-assignment', 'delete-group-membership'],
];
/** A restore: access back first, the deny lifted after, then provisioning that. */
export const RESTORE_PHASES: readonly (readonly IdcStepType[])[] = [
  ['create-group-membership', 'create-account-assignment'],
  ['lift-deny-permission-set'],
  ['provision-permission-set'],
];

const subjectOf = (step: IdcStep) => idcActionFor(step.type).subject(step as never);

/** The result of a step that is not run: found done, deliberately kept, or planned (dry run). */
function notRun(step: IdcStep, dryRun: boolean): IdcStepResult {
  const base = { id: step.id, type: step.type, subject: subjectOf(step) };
  if (step.state === 'already') return { ...base, outcome: 'already' };
  if (step.state === 'skip')
    return { ...base, outcome: 'skipped', ...(step.reason ? { detail: step.reason } : {}) };
  return { ...base, outcome: dryRun ? 'planned' : 'skipped' };
}

async function run(step: IdcStep, ctx: IdcActionContext): Promise<IdcStepResult> {
  const started = performance.now();
  const base = { id: step.id, type: step.type, subject: subjectOf(step) };
  let result: IdcStepResult;
  try {
    const out = await idcActionFor(step.type).execute(step as never, ctx);
    result = { ...base, ...out };
  } catch (err) {
    result = { ...base, outcome: 'failed', error: describeError(err) };
  }
  result = { ...result, durationMs: Math.round(performance.now() - started) };
  const log = result.outcome === 'failed' ? logger.warn.bind(logger) : logger.info.bind(logger);
  log('identity center step', { ...result, userId: ctx.user.userId });
  return result;
}

/**
 * Runs a plan in `phases` (a phase's steps in parallel, at most `concurrency` at once) and returns one result
 * per step, in plan order.
 */
export async function executeIdcPlan(
  plan: readonly IdcStep[],
  ctx: IdcActionContext,
  options: {
    readonly dryRun: boolean;
    readonly concurrency: number;
    readonly phases: readonly (readonly IdcStepType[])[];
  },
): Promise<IdcStepResult[]> {
  const results = new Map<string, IdcStepResult>();
  const todo = options.dryRun ? [] : plan.filter((s) => s.state === 'todo');
  for (const s of plan) if (!todo.includes(s)) results.set(s.id, notRun(s, options.dryRun));
  for (const types of options.phases) {
    const phase = todo.filter((s) => types.includes(s.type));
    await mapLimit(phase, options.concurrency, async (s) => {
      results.set(s.id, await run(s, ctx));
    });
  }
  return plan.map((s) => results.get(s.id) as IdcStepResult);
}

/** The engine's one roll-up over step results: `done` and `already` succeed, `failed` fails. */
export function rollUpResults(results: readonly IdcStepResult[], verified: boolean): RollUp {
  const failures = results.filter((r) => r.outcome === 'failed').length;
  const successes = results.filter((r) => r.outcome === 'done' || r.outcome === 'already').length;
  return rollUp(failures, successes, verified);
}
