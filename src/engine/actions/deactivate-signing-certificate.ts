import { UpdateSigningCertificateCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/** Sets an X.509 signing certificate Inactive. IAM: `iam:UpdateSigningCertificate`. */
export const deactivateSigningCertificate: Action<'deactivate-signing-certificate'> = {
  type: 'deactivate-signing-certificate',
  description: 'set the signing certificate Inactive',
  permissions: ['iam:UpdateSigningCertificate'],
  subject: (step) => step.certificateId,
  execute: (step, { clients, principal }) =>
    writeOrAlready(
      () =>
        clients.iam.send(
          new UpdateSigningCertificateCommand({
            UserName: principal.name,
            CertificateId: step.certificateId,
            Status: 'Inactive',
          }),
        ),
      'signing certificate no longer exists',
    ),
  undo: {
    permissions: ['iam:UpdateSigningCertificate'],
    execute: (step, { clients, principal }) =>
      writeOrAlready(
        () =>
          clients.iam.send(
            new UpdateSigningCertificateCommand({
              UserName: principal.name,
              CertificateId: step.certificateId,
              Status: 'Active',
            }),
          ),
        'signing certificate no longer exists',
      ),
  },
};
