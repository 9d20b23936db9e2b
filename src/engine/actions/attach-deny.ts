import {
  AttachUserPolicyCommand,
  DeleteUserPolicyCommand,
  DetachUserPolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { awsErrorCode } from '../../errors';
import { DENY_ALL_DOCUMENT, INLINE_DENY_POLICY_NAME, isQuarantinePolicy } from '../deny';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Attaches the deny policy to the user: the one write that stops every request signed by the user,
 * including temporary credentials the user minted with GetSessionToken/GetFederationToken.
 * When the user's managed-policy quota is full (`LimitExceeded`), puts an inline deny-all instead.
 * IAM: `iam:AttachUserPolicy` (limited to the deny policy), `iam:PutUserPolicy` (fallback only).
 */
export const attachDeny: Action<'attach-deny'> = {
  type: 'attach-deny',
  description: 'attach the deny policy (inline deny-all when the managed-policy quota is full)',
  permissions: ['iam:AttachUserPolicy', 'iam:PutUserPolicy'],
  subject: (step) => step.policyArn,
  async execute(step, { clients, principal }) {
    try {
      // Attaching an already attached policy succeeds without change in IAM: the planner marks that case.
      await clients.iam.send(
        new AttachUserPolicyCommand({ UserName: principal.name, PolicyArn: step.policyArn }),
      );
      return { outcome: 'done' };
    } catch (err) {
      if (awsErrorCode(err) !== 'LimitExceeded' && awsErrorCode(err) !== 'LimitExceededException') throw err;
      await clients.iam.send(
        new PutUserPolicyCommand({
          UserName: principal.name,
          PolicyName: INLINE_DENY_POLICY_NAME,
          PolicyDocument: DENY_ALL_DOCUMENT,
        }),
      );
      return {
        outcome: 'done',
        detail: `managed-policy quota full: inline deny ${INLINE_DENY_POLICY_NAME} put instead of ${step.policyArn}`,
      };
    }
  },
  undo: {
    permissions: ['iam:DetachUserPolicy', 'iam:DeleteUserPolicy'],
    async execute(step, { clients, principal }) {
      if (isQuarantinePolicy(step.policyArn)) {
        return { outcome: 'already', detail: 'AWS quarantine policies are never detached' };
      }
      const detached = await writeOrAlready(
        () =>
          clients.iam.send(
            new DetachUserPolicyCommand({ UserName: principal.name, PolicyArn: step.policyArn }),
          ),
        'deny policy not attached',
      );
      const inline = await writeOrAlready(
        () =>
          clients.iam.send(
            new DeleteUserPolicyCommand({ UserName: principal.name, PolicyName: INLINE_DENY_POLICY_NAME }),
          ),
        'no inline deny',
      );
      if (detached.outcome === 'done' || inline.outcome === 'done') {
        return {
          outcome: 'done',
          detail: inline.outcome === 'done' ? `deleted inline ${INLINE_DENY_POLICY_NAME}` : undefined,
        };
      }
      return { outcome: 'already', detail: 'no deny in place' };
    },
  },
};
