import type { Clients } from '../../clients';
import type { PrincipalRef, SsmSessionInfo, StepSpec, StepType } from '../types';

/** What an action needs at run time: the principal, the clients, the run's clock and id. */
export interface ActionContext {
  readonly principal: PrincipalRef;
  readonly clients: Pick<Clients, 'iam' | 'ssm'>;
  readonly now: Date;
  readonly runId: string;
}

/**
 * `done` when the action changed AWS, `already` when there was nothing to change, `failed` when it could not
 * reach its goal (with the `error`; an SDK error is thrown instead and recorded the same way by the executor).
 */
export interface ActionOutcome {
  readonly outcome: 'done' | 'already' | 'failed';
  readonly detail?: string;
  readonly error?: string;
  /** Sessions the action found (session termination only). */
  readonly sessions?: readonly SsmSessionInfo[];
}

export type StepOf<T extends StepType> = Extract<StepSpec, { type: T }>;

/**
 * One revocation action, in the manner of Cloud Custodian's action registry: what it does to AWS,
 * the IAM actions it needs, and how (or whether) `restore` undoes it.
 */
export interface Action<T extends StepType> {
  readonly type: T;
  /** What the action does to AWS, for reports and docs. */
  readonly description: string;
  /** IAM actions `execute` calls (collected per function into infra/permissions.ts; checked against the template). */
  readonly permissions: readonly string[];
  /** The thing acted on, for reports. */
  subject(step: StepOf<T>, principal: PrincipalRef): string;
  /** Performs the step. Idempotent: returns `already` when AWS already is in the target state. */
  execute(step: StepOf<T>, ctx: ActionContext): Promise<ActionOutcome>;
  /** How `restore` reverts the step, when it can. */
  readonly undo?: {
    readonly permissions: readonly string[];
    execute(step: StepOf<T>, ctx: ActionContext): Promise<ActionOutcome>;
  };
  /** When the step cannot be reverted: what the restore report tells the operator. */
  irreversible?(step: StepOf<T>, principal: PrincipalRef): string;
}
