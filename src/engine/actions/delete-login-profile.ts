import { DeleteLoginProfileCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Deletes the console password (departures, or a lockdown that asks). Cannot be undone: IAM never
 * returns a password. IAM: `iam:DeleteLoginProfile`.
 */
export const deleteLoginProfile: Action<'delete-login-profile'> = {
  type: 'delete-login-profile',
  description: 'delete the console login profile',
  permissions: ['iam:DeleteLoginProfile'],
  subject: (_step, principal) => `login profile of ${principal.name}`,
  execute: (_step, { clients, principal }) =>
    writeOrAlready(
      () => clients.iam.send(new DeleteLoginProfileCommand({ UserName: principal.name })),
      'no login profile',
    ),
  irreversible: (_step, principal) =>
    `console login profile of ${principal.name} was deleted: create a new one (iam create-login-profile --password-reset-required)`,
};
