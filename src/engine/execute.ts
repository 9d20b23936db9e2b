import { describeError } from '../errors';
import { logger } from '../logger';
import { mapLimit } from '../util/concurrency';
import { type ActionContext, actionFor } from './actions';
import { isDenyStep } from './plan';
import type { PlannedStep, SsmSessionInfo, StepResult } from './types';

export interface ExecuteOptions {
  readonly dryRun: boolean;
  /** Parallel writes after the deny. */
  readonly concurrency: number;
}

export interface Execution {
  readonly results: StepResult[];
  /** Sessions the session steps found (terminated, or left in place by a failure). */
  readonly sessions: SsmSessionInfo[];
}

function subjectOf(step: PlannedStep, ctx: ActionContext): string {
  return actionFor(step.type).subject(step as never, ctx.principal);
}

async function runStep(
  step: PlannedStep,
  ctx: ActionContext,
  sessions: SsmSessionInfo[],
): Promise<StepResult> {
  const base = { id: step.id, type: step.type, subject: subjectOf(step, ctx) };
  const started = performance.now();
  try {
    const out = await actionFor(step.type).execute(step as never, ctx);
    if (out.sessions) sessions.push(...out.sessions);
    const result: StepResult = {
      ...base,
      outcome: out.outcome,
      ...(out.detail ? { detail: out.detail } : {}),
      durationMs: Math.round(performance.now() - started),
    };
    logger.info('step', { ...result, principal: ctx.principal.arn });
    return result;
  } catch (err) {
    const found = (err as { sessions?: SsmSessionInfo[] }).sessions;
    if (found) sessions.push(...found);
    const result: StepResult = {
      ...base,
      outcome: 'failed',
      error: describeError(err),
      durationMs: Math.round(performance.now() - started),
    };
    logger.warn('step failed', { ...result, principal: ctx.principal.arn });
    return result;
  }
}

function notRun(step: PlannedStep, ctx: ActionContext, dryRun: boolean): StepResult {
  const base = { id: step.id, type: step.type, subject: subjectOf(step, ctx) };
  if (step.state === 'already') return { ...base, outcome: 'already' };
  if (step.state === 'skip')
    return { ...base, outcome: 'skipped', ...(step.reason ? { detail: step.reason } : {}) };
  return { ...base, outcome: dryRun ? 'planned' : 'skipped' };
}

/**
 * Executes a plan: the deny first and alone, then every other step with bounded concurrency, the tag last.
 * A failing step is recorded and does not stop the others. In a dry run nothing is written and every
 * `todo` step is reported `planned`.
 */
export async function executePlan(
  plan: readonly PlannedStep[],
  ctx: ActionContext,
  options: ExecuteOptions,
): Promise<Execution> {
  const sessions: SsmSessionInfo[] = [];
  const results = new Map<string, StepResult>();
  const todo = plan.filter((s) => s.state === 'todo' && !options.dryRun);
  for (const s of plan) if (!todo.includes(s)) results.set(s.id, notRun(s, ctx, options.dryRun));

  for (const s of todo.filter(isDenyStep)) results.set(s.id, await runStep(s, ctx, sessions));
  // Session steps first: describe, terminate and describe again is the longest chain after the deny.
  const middle = todo
    .filter((s) => !isDenyStep(s) && s.type !== 'tag-principal')
    .sort((a, b) => Number(b.type === 'terminate-sessions') - Number(a.type === 'terminate-sessions'));
  await mapLimit(middle, options.concurrency, async (s) => {
    results.set(s.id, await runStep(s, ctx, sessions));
  });
  for (const s of todo.filter((s) => s.type === 'tag-principal'))
    results.set(s.id, await runStep(s, ctx, sessions));

  return { results: plan.map((s) => results.get(s.id) as StepResult), sessions };
}
