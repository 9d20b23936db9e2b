import { DeleteRolePolicyCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { revokeOlderSessionsDocument } from '../deny';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Puts an inline policy on the role denying every request signed with a session token issued before the
 * lockdown (`DateLessThan aws:TokenIssueTime`), AWS's "revoke active sessions" pattern. Sessions assumed
 * after it work again, so the role keeps serving legitimate callers once they re-authenticate.
 * IAM: `iam:PutRolePolicy`; undone with `iam:DeleteRolePolicy`.
 */
export const putRoleSessionDeny: Action<'put-role-session-deny'> = {
  type: 'put-role-session-deny',
  description: 'deny role sessions issued before the lockdown (aws:TokenIssueTime)',
  permissions: ['iam:PutRolePolicy'],
  subject: (step) => `${step.policyName} (issued before ${step.issuedBefore})`,
  async execute(step, { clients, principal }) {
    await clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: principal.name,
        PolicyName: step.policyName,
        PolicyDocument: revokeOlderSessionsDocument(step.issuedBefore),
      }),
    );
    return { outcome: 'done' };
  },
  undo: {
    permissions: ['iam:DeleteRolePolicy'],
    execute: (step, { clients, principal }) =>
      writeOrAlready(
        () =>
          clients.iam.send(
            new DeleteRolePolicyCommand({ RoleName: principal.name, PolicyName: step.policyName }),
          ),
        'session deny already removed',
      ),
  },
};
