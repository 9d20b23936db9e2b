import {
  type IAMClient,
  UpdateAccessKeyCommand,
  UpdateServiceSpecificCredentialCommand,
  UpdateSigningCertificateCommand,
  UpdateSSHPublicKeyCommand,
} from '@aws-sdk/client-iam';
import type { Action, StepOf } from './action';
import { writeOrAlready } from './common';

type CredentialStep =
  | 'deactivate-access-key'
  | 'deactivate-ssh-key'
  | 'deactivate-signing-certificate'
  | 'deactivate-service-credential';

type Status = 'Active' | 'Inactive';

/** What differs between the credential kinds: the id field, the IAM update call, the words. */
interface CredentialKind<T extends CredentialStep> {
  readonly type: T;
  /** The credential, in words: "access key". */
  readonly noun: string;
  /** The IAM action the update is authorized as. */
  readonly permission: string;
  readonly idOf: (step: StepOf<T>) => string;
  readonly update: (iam: IAMClient, userName: string, id: string, status: Status) => Promise<unknown>;
}

/**
 * An action that sets one credential (by exact id) Inactive, and whose undo sets it Active again. Never
 * deletes: reversible, and kept for forensics. `NoSuchEntity` (the credential is gone) is `already`.
 */
function credentialAction<T extends CredentialStep>(kind: CredentialKind<T>): Action<T> {
  const set = (step: StepOf<T>, iam: IAMClient, userName: string, status: Status) =>
    writeOrAlready(
      () => kind.update(iam, userName, kind.idOf(step), status),
      `${kind.noun} no longer exists`,
    );
  return {
    type: kind.type,
    description: `set the ${kind.noun} Inactive`,
    permissions: [kind.permission],
    subject: kind.idOf,
    execute: (step, { clients, principal }) => set(step, clients.iam, principal.name, 'Inactive'),
    undo: {
      permissions: [kind.permission],
      execute: (step, { clients, principal }) => set(step, clients.iam, principal.name, 'Active'),
    },
  };
}

/** An access key. IAM: `iam:UpdateAccessKey`. */
export const deactivateAccessKey = credentialAction({
  type: 'deactivate-access-key',
  noun: 'access key',
  permission: 'iam:UpdateAccessKey',
  idOf: (step) => step.accessKeyId,
  update: (iam, UserName, AccessKeyId, Status) =>
    iam.send(new UpdateAccessKeyCommand({ UserName, AccessKeyId, Status })),
});

/** An SSH public key (CodeCommit). IAM: `iam:UpdateSSHPublicKey`. */
export const deactivateSshKey = credentialAction({
  type: 'deactivate-ssh-key',
  noun: 'SSH public key',
  permission: 'iam:UpdateSSHPublicKey',
  idOf: (step) => step.sshPublicKeyId,
  update: (iam, UserName, SSHPublicKeyId, Status) =>
    iam.send(new UpdateSSHPublicKeyCommand({ UserName, SSHPublicKeyId, Status })),
});

/** An X.509 signing certificate. IAM: `iam:UpdateSigningCertificate`. */
export const deactivateSigningCertificate = credentialAction({
  type: 'deactivate-signing-certificate',
  noun: 'signing certificate',
  permission: 'iam:UpdateSigningCertificate',
  idOf: (step) => step.certificateId,
  update: (iam, UserName, CertificateId, Status) =>
    iam.send(new UpdateSigningCertificateCommand({ UserName, CertificateId, Status })),
});

/**
 * A service-specific credential (CodeCommit HTTPS, Keyspaces, Bedrock API keys).
 * IAM: `iam:UpdateServiceSpecificCredential`.
 */
export const deactivateServiceCredential = credentialAction({
  type: 'deactivate-service-credential',
  noun: 'service-specific credential',
  permission: 'iam:UpdateServiceSpecificCredential',
  idOf: (step) => step.serviceSpecificCredentialId,
  update: (iam, UserName, ServiceSpecificCredentialId, Status) =>
    iam.send(new UpdateServiceSpecificCredentialCommand({ UserName, ServiceSpecificCredentialId, Status })),
});
