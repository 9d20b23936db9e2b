import { UpdateServiceSpecificCredentialCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Sets a service-specific credential (CodeCommit HTTPS, Keyspaces, Bedrock API keys) Inactive.
 * IAM: `iam:UpdateServiceSpecificCredential`.
 */
export const deactivateServiceCredential: Action<'deactivate-service-credential'> = {
  type: 'deactivate-service-credential',
  description: 'set the service-specific credential Inactive',
  permissions: ['iam:UpdateServiceSpecificCredential'],
  subject: (step) => step.serviceSpecificCredentialId,
  execute: (step, { clients, principal }) =>
    writeOrAlready(
      () =>
        clients.iam.send(
          new UpdateServiceSpecificCredentialCommand({
            UserName: principal.name,
            ServiceSpecificCredentialId: step.serviceSpecificCredentialId,
            Status: 'Inactive',
          }),
        ),
      'service-specific credential no longer exists',
    ),
  undo: {
    permissions: ['iam:UpdateServiceSpecificCredential'],
    execute: (step, { clients, principal }) =>
      writeOrAlready(
        () =>
          clients.iam.send(
            new UpdateServiceSpecificCredentialCommand({
              UserName: principal.name,
              ServiceSpecificCredentialId: step.serviceSpecificCredentialId,
              Status: 'Active',
            }),
          ),
        'service-specific credential no longer exists',
      ),
  },
};
