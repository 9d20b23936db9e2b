import { DeactivateMFADeviceCommand } from '@aws-sdk/client-iam';
import type { Action } from './action';
import { writeOrAlready } from './common';

/**
 * Deactivates (disassociates) an MFA device from the user (departures, or a lockdown that asks). Cannot be
 * undone by this project: re-enabling needs two codes from the device. IAM: `iam:DeactivateMFADevice`.
 */
export const deactivateMfa: Action<'deactivate-mfa'> = {
  type: 'deactivate-mfa',
  description: 'deactivate the MFA device',
  permissions: ['iam:DeactivateMFADevice'],
  subject: (step) => step.serialNumber,
  execute: (step, { clients, principal }) =>
    writeOrAlready(
      () =>
        clients.iam.send(
          new DeactivateMFADeviceCommand({ UserName: principal.name, SerialNumber: step.serialNumber }),
        ),
      'MFA device not associated',
    ),
  irreversible: (step, principal) =>
    `MFA device ${step.serialNumber} of ${principal.name} was deactivated: the person must enable it again (two codes)`,
};
