import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  RemoveUserFromGroupCommand,
} from '@aws-sdk/client-iam';
import { awsErrorCode, describeError } from '../../errors';
import { INLINE_DENY_POLICY_NAME, isQuarantinePolicy } from '../deny';
import type { Action, ActionOutcome } from './action';
import { writeOrAlready } from './common';

/** IAM's answer when a quota is full: the user's attached managed policies (10), or its groups (10). */
const isLimitExceeded = (err: unknown) =>
  awsErrorCode(err) === 'LimitExceeded' || awsErrorCode(err) === 'LimitExceededException';

/**
 * Attaches the deny policy to the user: the one write that stops every request signed by the user,
 * including temporary credentials the user minted with GetSessionToken/GetFederationToken.
 * When the user's managed-policy quota is full (`LimitExceeded`), adds the user to the deny group instead
 * (`DENY_GROUP_NAME`, which has the same deny policy attached; group membership does not count toward the
 * user's managed-policy quota). When there is no deny group, or the user's group quota is full too, the step
 * fails and says what to do: the deny is not in place.
 * IAM: `iam:AttachUserPolicy` (limited to the deny policy), `iam:AddUserToGroup` (limited to the deny group).
 */
export const attachDeny: Action<'attach-deny'> = {
  type: 'attach-deny',
  description: 'attach the deny policy (join the deny group when the managed-policy quota is full)',
  permissions: ['iam:AttachUserPolicy', 'iam:AddUserToGroup'],
  subject: (step) => step.policyArn,
  async execute(step, { clients, principal }): Promise<ActionOutcome> {
    try {
      // Attaching an already attached policy succeeds without change in IAM: the planner marks that case.
      await clients.iam.send(
        new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: step.policyArn }),
      );
      return { outcome: 'done' };
    } catch (err) {
      if (!isLimitExceeded(err)) throw err;
    }
    const full = `managed-policy quota of ${principal.name} is full (LimitExceeded on ${step.policyArn})`;
    if (!step.groupName) {
      return {
        outcome: 'failed',
        error: `${full} and no deny group is configured (DENY_GROUP_NAME): the deny is NOT in place; detach a managed policy from the user, or configure the deny group, and revoke again`,
      };
    }
    try {
      // Adding a member again succeeds without change in IAM.
      await clients.iam.send(
        new AddUserToGroupCommand({ GroupName: step.groupName, UserName: principal.name }),
      );
    } catch (err) {
      if (!isLimitExceeded(err)) throw err;
      return {
        outcome: 'failed',
        error: `${full} and its group quota is full too (LimitExceeded adding it to ${step.groupName}: ${describeError(err).split('\n')[0]}): the deny is NOT in place; detach a managed policy or leave a group, and revoke again`,
      };
    }
    return {
      outcome: 'done',
      detail: `${full}: added to the deny group ${step.groupName} (which has ${step.policyArn} attached) instead`,
    };
  },
  undo: {
    permissions: ['iam:DetachUserPolicy', 'iam:RemoveUserFromGroup', 'iam:DeleteUserPolicy'],
    /**
     * Removes every form of the deny: the policy detached, the user out of the deny group, and the inline
     * `OffboardingDenyAll` an earlier version put (records from before the deny group). Each one absent is
     * nothing to do.
     */
    async execute(step, { clients, principal }): Promise<ActionOutcome> {
      if (isQuarantinePolicy(step.policyArn)) {
        return { outcome: 'already', detail: 'AWS quarantine policies are never detached' };
      }
      const UserName = principal.name;
      const [policy, group, inline] = await Promise.all([
        writeOrAlready(
          () => clients.iam.send(new DetachUserPolicyCommand({ UserName, PolicyArn: step.policyArn })),
          'deny policy not attached',
        ),
        step.groupName
          ? writeOrAlready(
              () => clients.iam.send(new RemoveUserFromGroupCommand({ UserName, GroupName: step.groupName })),
              'not in the deny group',
            )
          : Promise.resolve<ActionOutcome>({ outcome: 'already' }),
        writeOrAlready(
          () =>
            clients.iam.send(new DeleteUserPolicyCommand({ UserName, PolicyName: INLINE_DENY_POLICY_NAME })),
          'no inline deny',
        ),
      ]);
      if (policy.outcome !== 'done' && group.outcome !== 'done' && inline.outcome !== 'done') {
        return { outcome: 'already', detail: 'no deny in place' };
      }
      // The policy detached is what the step says; the other forms are named.
      const also = [
        ...(group.outcome === 'done' ? [`removed from the deny group ${step.groupName}`] : []),
        ...(inline.outcome === 'done'
          ? [`deleted the inline ${INLINE_DENY_POLICY_NAME} of an earlier version`]
          : []),
      ];
      return { outcome: 'done', ...(also.length ? { detail: also.join('; ') } : {}) };
    },
  },
};
