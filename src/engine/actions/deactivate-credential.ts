import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Sets one access key (by exact id) Inactive. Never deletes: reversible, and kept for forensics.
 * IAM: `iam:UpdateAccessKey`.
 */
export const deactivateAccessKey: Action<'deactivate-access-key'> = {
  type: 'deactivate-access-key',
  description: 'set the access key Inactive',
  permissions: ['iam:UpdateAccessKey'],
  subject: (step) => step.accessKeyId,
  execute: (step, { clients, principal }) =>
    writeOrAlready(
      () =>
        clients.iam.send(
          new UpdateAccessKeyCommand({
            UserName: principal.name,
            AccessKeyId: step.accessKeyId,
            Status: 'Inactive',
          }),
        ),
      'access key no longer exists',
    ),
  undo: {
    permissions: ['iam:UpdateAccessKey'],
    execute: (step, { clients, principal }) =>
      writeOrAlready(
        () =>
          clients.iam.send(
            new UpdateAccessKeyCommand({
              UserName: principal.name,
              AccessKeyId: step.accessKeyId,
              Status: 'Active',
            }),
          ),
        'access key no longer exists',
      ),
  },
};
