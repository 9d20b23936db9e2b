import { randomUUID } from 'node:crypto';
import { CreateGroupMembershipCommand, DeleteGroupMembershipCommand } from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  DeleteAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  DescribeAccountAssignmentDeletionStatusCommand,
} from '@aws-sdk/client-sso-admin';
import { awsErrorCode } from '../errors';
import { LOCK_PERMISSIONS } from './lock';
import {
  addToDeny,
  DENY_POLICY_PERMISSIONS,
  LIFT_POLICY_PERMISSIONS,
  liftFromDeny,
  PRUNE_PERMISSIONS,
} from './permission-set';
import { PROVISION_PERMISSIONS, provisionAndWait } from './provision';
import type { IdcSnapshot, IdcStep, IdcStepType, IdcUserRef } from './schema';
import { timingOf } from './timing';
import type { IdcDeps, ProvisioningStatus } from './types';
import { type Settled, waitForStatus } from './wait';

/**
 * The Identity Center actions, one per step type, in the manner of the engine's registry: what each does to
 * AWS, the IAM actions it needs, its subject for reports. A step type without an action does not compile.
 */

/** What an action needs at run time. */
export interface IdcActionContext {
  readonly deps: IdcDeps;
  readonly user: IdcUserRef;
  readonly runId: string;
  /** The run's snapshot (a restore: the undone run's, whose inline policies it returns to). */
  readonly snapshot: IdcSnapshot;
  /** Every provisioning's status, collected for the report and the verification. */
  readonly provisioning: ProvisioningStatus[];
}

export interface IdcActionOutcome {
  readonly outcome: 'done' | 'already' | 'failed';
  readonly detail?: string;
  readonly error?: string;
}

type StepOf<T extends IdcStepType> = Extract<IdcStep, { type: T }>;

export interface IdcAction<T extends IdcStepType> {
  readonly type: T;
  readonly description: string;
  /** IAM actions `execute` calls. */
  readonly permissions: readonly string[];
  subject(step: StepOf<T>): string;
  execute(step: StepOf<T>, ctx: IdcActionContext): Promise<IdcActionOutcome>;
}

const isNotFound = (err: unknown) => awsErrorCode(err) === 'ResourceNotFoundException';
/** A lock owner unique to this step of this run. */
const ownerOf = (ctx: IdcActionContext) => `${ctx.runId}#${randomUUID()}`;

/** An asynchronous assignment operation's settled status as a step outcome. */
function settledOutcome(settled: Settled, what: string): IdcActionOutcome {
  if (settled.status === 'FAILED')
    return { outcome: 'failed', error: `${what} FAILED: ${settled.failureReason ?? 'no reason given'}` };
  if (settled.status === 'IN_PROGRESS')
    return { outcome: 'done', detail: `${what} still IN_PROGRESS after ${settled.polls} polls` };
  return { outcome: 'done' };
}

const assignmentInput = (
  step: StepOf<'delete-account-assignment' | 'create-account-assignment'>,
  ctx: IdcActionContext,
) => ({
  InstanceArn: ctx.deps.instanceArn,
  TargetId: step.accountId,
  TargetType: 'AWS_ACCOUNT' as const,
  PermissionSetArn: step.permissionSetArn,
  PrincipalType: 'USER' as const,
  PrincipalId: ctx.user.userId,
});

export const denyPermissionSet: IdcAction<'deny-permission-set'> = {
  type: 'deny-permission-set',
  description: "add the user's id to the permission set's managed deny statement (under its lock)",
  permissions: [...DENY_POLICY_PERMISSIONS, ...PRUNE_PERMISSIONS, ...LOCK_PERMISSIONS],
  subject: (step) => step.permissionSetArn,
  async execute(step, ctx) {
    const change = await addToDeny(ctx.deps, step.permissionSetArn, ctx.user.userId, ownerOf(ctx));
    return { outcome: change.outcome, detail: change.detail };
  },
};

export const liftDenyPermissionSet: IdcAction<'lift-deny-permission-set'> = {
  type: 'lift-deny-permission-set',
  description: "remove the user's id from the permission set's managed deny statement (under its lock)",
  permissions: [...LIFT_POLICY_PERMISSIONS, ...LOCK_PERMISSIONS],
  subject: (step) => step.permissionSetArn,
  async execute(step, ctx) {
    const before = ctx.snapshot.permissionSets.find((p) => p.permissionSetArn === step.permissionSetArn);
    const change = await liftFromDeny(
      ctx.deps,
      step.permissionSetArn,
      ctx.user.userId,
      before?.inlinePolicy ?? null,
      ownerOf(ctx),
    );
    return { outcome: change.outcome, detail: change.detail };
  },
};

export const provisionPermissionSet: IdcAction<'provision-permission-set'> = {
  type: 'provision-permission-set',
  description: 'provision the permission set to all its provisioned accounts and wait, bounded',
  permissions: [...PROVISION_PERMISSIONS],
  subject: (step) => step.permissionSetArn,
  async execute(step, ctx) {
    const status = await provisionAndWait(ctx.deps, step.permissionSetArn, timingOf(ctx.deps));
    ctx.provisioning.push(status);
    if (status.status === 'FAILED')
      return {
        outcome: 'failed',
        error: `provisioning FAILED: ${status.failureReason ?? 'no reason given'}`,
      };
    if (status.status === 'IN_PROGRESS') {
      return {
        outcome: 'done',
        detail: 'provisioning still IN_PROGRESS at the end of the wait: not yet confirmed in every account',
      };
    }
    return { outcome: 'done', detail: 'provisioning SUCCEEDED' };
  },
};

export const deleteAccountAssignment: IdcAction<'delete-account-assignment'> = {
  type: 'delete-account-assignment',
  description: "delete the user's direct account assignment",
  permissions: ['sso:DeleteAccountAssignment', 'sso:DescribeAccountAssignmentDeletionStatus'],
  subject: (step) => `${step.accountId} ${step.permissionSetArn}`,
  async execute(step, ctx) {
    const { ssoAdmin, instanceArn } = ctx.deps;
    try {
      const out = await ssoAdmin.send(new DeleteAccountAssignmentCommand(assignmentInput(step, ctx)));
      const settled = await waitForStatus(
        out.AccountAssignmentDeletionStatus,
        async (id) =>
          (
            await ssoAdmin.send(
              new DescribeAccountAssignmentDeletionStatusCommand({
                InstanceArn: instanceArn,
                AccountAssignmentDeletionRequestId: id,
              }),
            )
          ).AccountAssignmentDeletionStatus,
        timingOf(ctx.deps),
      );
      return settledOutcome(settled, 'deletion');
    } catch (err) {
      if (isNotFound(err)) return { outcome: 'already', detail: 'assignment already gone' };
      throw err;
    }
  },
};

export const createAccountAssignment: IdcAction<'create-account-assignment'> = {
  type: 'create-account-assignment',
  description: "re-create the user's direct account assignment",
  permissions: ['sso:CreateAccountAssignment', 'sso:DescribeAccountAssignmentCreationStatus'],
  subject: (step) => `${step.accountId} ${step.permissionSetArn}`,
  async execute(step, ctx) {
    const { ssoAdmin, instanceArn } = ctx.deps;
    const out = await ssoAdmin.send(new CreateAccountAssignmentCommand(assignmentInput(step, ctx)));
    const settled = await waitForStatus(
      out.AccountAssignmentCreationStatus,
      async (id) =>
        (
          await ssoAdmin.send(
            new DescribeAccountAssignmentCreationStatusCommand({
              InstanceArn: instanceArn,
              AccountAssignmentCreationRequestId: id,
            }),
          )
        ).AccountAssignmentCreationStatus,
      timingOf(ctx.deps),
    );
    return settledOutcome(settled, 'creation');
  },
};

export const deleteGroupMembership: IdcAction<'delete-group-membership'> = {
  type: 'delete-group-membership',
  description: 'remove the user from the group (its assignments no longer reach the user)',
  permissions: ['identitystore:DeleteGroupMembership'],
  subject: (step) => `group ${step.groupId}`,
  async execute(step, ctx) {
    try {
      await ctx.deps.identitystore.send(
        new DeleteGroupMembershipCommand({
          IdentityStoreId: ctx.deps.identityStoreId,
          MembershipId: step.membershipId,
        }),
      );
      return { outcome: 'done' };
    } catch (err) {
      if (isNotFound(err)) return { outcome: 'already', detail: 'membership already gone' };
      throw err;
    }
  },
};

export const createGroupMembership: IdcAction<'create-group-membership'> = {
  type: 'create-group-membership',
  description: 'add the user back to the group',
  permissions: ['identitystore:CreateGroupMembership'],
  subject: (step) => `group ${step.groupId}`,
  async execute(step, ctx) {
    try {
      const out = await ctx.deps.identitystore.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: ctx.deps.identityStoreId,
          GroupId: step.groupId,
          MemberId: { UserId: ctx.user.userId },
        }),
      );
      return { outcome: 'done', detail: `membership ${out.MembershipId ?? ''}`.trim() };
    } catch (err) {
      if (awsErrorCode(err) === 'ConflictException')
        return { outcome: 'already', detail: 'already a member' };
      throw err;
    }
  },
};

/** Every action, by step type. A step type without an action is a compile error. */
export const idcActions = {
  'deny-permission-set': denyPermissionSet,
  'provision-permission-set': provisionPermissionSet,
  'delete-account-assignment': deleteAccountAssignment,
  'delete-group-membership': deleteGroupMembership,
  'create-group-membership': createGroupMembership,
  'create-account-assignment': createAccountAssignment,
  'lift-deny-permission-set': liftDenyPermissionSet,
} as const satisfies { [T in IdcStepType]: IdcAction<T> };

export function idcActionFor<T extends IdcStepType>(type: T): IdcAction<T> {
  return idcActions[type] as unknown as IdcAction<T>;
}
