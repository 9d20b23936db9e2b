import { UpdateSSHPublicKeyCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/** Sets an SSH public key (CodeCommit) Inactive. IAM: `iam:UpdateSSHPublicKey`. */
export const deactivateSshKey: Action<'deactivate-ssh-key'> = {
  type: 'deactivate-ssh-key',
  description: 'set the SSH public key Inactive',
  permissions: ['iam:UpdateSSHPublicKey'],
  subject: (step) => step.sshPublicKeyId,
  execute: (step, { clients, principal }) =>
    writeOrAlready(
      () =>
        clients.iam.send(
          new UpdateSSHPublicKeyCommand({
            UserName: principal.name,
            SSHPublicKeyId: step.sshPublicKeyId,
            Status: 'Inactive',
          }),
        ),
      'SSH public key no longer exists',
    ),
  undo: {
    permissions: ['iam:UpdateSSHPublicKey'],
    execute: (step, { clients, principal }) =>
      writeOrAlready(
        () =>
          clients.iam.send(
            new UpdateSSHPublicKeyCommand({
              UserName: principal.name,
              SSHPublicKeyId: step.sshPublicKeyId,
              Status: 'Active',
            }),
          ),
        'SSH public key no longer exists',
      ),
  },
};
