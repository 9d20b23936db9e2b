import { describeError } from '../errors';
import { logger } from '../logger';
import { mapLimit } from '../util/concurrency';
import { type ActionContext, type ActionOutcome, actionFor } from './actions';
import { isDenyStep } from './steps';
import type { PlannedStep, SsmSessionInfo, StepResult } from './types';

/** `forward` revokes (deny first); `undo` restores (the deny removed after everything else is back). */
export type Direction = 'forward' | 'undo';

export interface ExecuteOptions {
  readonly dryRun: boolean;
  /** Parallel writes in the middle phase. */
  readonly concurrency: number;
  readonly direction?: Direction;
}

export interface Execution {
  readonly results: StepResult[];
  /** Sessions the session steps found (terminated, or left in place by a failure). */
  readonly sessions: SsmSessionInfo[];
}

const subjectOf = (step: PlannedStep, ctx: ActionContext) =>
  actionFor(step.type).subject(step as never, ctx.principal);

function perform(step: PlannedStep, ctx: ActionContext, direction: Direction): Promise<ActionOutcome> {
  const action = actionFor(step.type);
  const run = direction === 'forward' ? action.execute : action.undo?.execute;
  if (!run) throw new Error(`${step.type} cannot be undone`);
  return run(step as never, ctx);
}

/** Runs one step and records its result, whatever happens: one failing step never stops the others. */
async function runStep(
  step: PlannedStep,
  ctx: ActionContext,
  direction: Direction,
  sessions: SsmSessionInfo[],
): Promise<StepResult> {
  const base = { id: step.id, type: step.type, subject: subjectOf(step, ctx) };
  const started = performance.now();
  let result: StepResult;
  try {
    const out = await perform(step, ctx, direction);
    if (out.sessions) sessions.push(...out.sessions);
    result = {
      ...base,
      outcome: out.outcome,
      ...(out.detail ? { detail: out.detail } : {}),
      ...(out.error ? { error: out.error } : {}),
    };
  } catch (err) {
    result = { ...base, outcome: 'failed', error: describeError(err) };
  }
  result = { ...result, durationMs: Math.round(performance.now() - started) };
  const fields = { ...result, direction, principal: ctx.principal.arn };
  if (result.outcome === 'failed') logger.warn('step failed', fields);
  else logger.info('step', fields);
  return result;
}

/** The result of a step that is not executed: already done, deliberately kept, or planned (dry run). */
function notRun(step: PlannedStep, ctx: ActionContext, dryRun: boolean): StepResult {
  const base = { id: step.id, type: step.type, subject: subjectOf(step, ctx) };
  if (step.state === 'already') return { ...base, outcome: 'already' };
  if (step.state === 'skip')
    return { ...base, outcome: 'skipped', ...(step.reason ? { detail: step.reason } : {}) };
  return { ...base, outcome: dryRun ? 'planned' : 'skipped' };
}

/**
 * The phases of a plan: the deny alone, then the rest (session steps first: describe, terminate, describe
 * again is the longest chain), then the tag. Undone, the deny comes off only after the rest is back.
 */
function phases(todo: readonly PlannedStep[], direction: Direction): PlannedStep[][] {
  const deny = todo.filter(isDenyStep);
  const tag = todo.filter((s) => s.type === 'tag-principal');
  const middle = todo
    .filter((s) => !isDenyStep(s) && s.type !== 'tag-principal')
    .sort((a, b) => Number(b.type === 'terminate-sessions') - Number(a.type === 'terminate-sessions'));
  return direction === 'forward' ? [deny, middle, tag] : [middle, deny, tag];
}

/**
 * Executes a plan, revoking (`forward`: the deny first and alone, then every other step with bounded
 * concurrency, the tag last) or restoring (`undo`: each step's undo, the deny removed last but for the tag).
 * A failing step is recorded and does not stop the others. In a dry run nothing is written and every `todo`
 * step is reported `planned`. The one step runner of the engine.
 */
export async function executePlan(
  plan: readonly PlannedStep[],
  ctx: ActionContext,
  options: ExecuteOptions,
): Promise<Execution> {
  const direction = options.direction ?? 'forward';
  const sessions: SsmSessionInfo[] = [];
  const results = new Map<string, StepResult>();
  const todo = options.dryRun ? [] : plan.filter((s) => s.state === 'todo');
  for (const s of plan) if (!todo.includes(s)) results.set(s.id, notRun(s, ctx, options.dryRun));
  for (const phase of phases(todo, direction)) {
    const limit =
      phase.some(isDenyStep) || phase.some((s) => s.type === 'tag-principal') ? 1 : options.concurrency;
    await mapLimit(phase, limit, async (s) => {
      results.set(s.id, await runStep(s, ctx, direction, sessions));
    });
  }
  return { results: plan.map((s) => results.get(s.id) as StepResult), sessions };
}
