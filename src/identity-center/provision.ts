import {
  DescribePermissionSetProvisioningStatusCommand,
  ProvisionPermissionSetCommand,
  type ProvisionPermissionSetCommandOutput,
} from '@aws-sdk/client-sso-admin';
import { awsErrorCode } from '../errors';
import type { IdcDeps, IdcTiming, ProvisioningStatus } from './types';
import { waitForStatus } from './wait';

/** sso-admin actions of provisioning a permission set and waiting for it. */
export const PROVISION_PERMISSIONS = [
  'sso:ProvisionPermissionSet',
  'sso:DescribePermissionSetProvisioningStatus',
] as const;

type Provisioner = Pick<IdcDeps, 'ssoAdmin' | 'instanceArn'>;

/**
 * ProvisionPermissionSet to every account the set is provisioned to. Identity Center refuses a provisioning
 * while another of the same set runs (`ConflictException`): two departures on one set meet exactly there, so
 * the call is retried, bounded, after each poll interval.
 */
async function provision(
  deps: Provisioner,
  permissionSetArn: string,
  timing: Pick<IdcTiming, 'sleep' | 'pollMs' | 'maxPolls'>,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      const out: ProvisionPermissionSetCommandOutput = await deps.ssoAdmin.send(
        new ProvisionPermissionSetCommand({
          InstanceArn: deps.instanceArn,
          PermissionSetArn: permissionSetArn,
          TargetType: 'ALL_PROVISIONED_ACCOUNTS',
        }),
      );
      return out.PermissionSetProvisioningStatus;
    } catch (err) {
      if (awsErrorCode(err) !== 'ConflictException' || attempt > timing.maxPolls) throw err;
      await timing.sleep(timing.pollMs);
    }
  }
}

/**
 * Provisions a permission set to all its provisioned accounts and waits, bounded, for the outcome: `SUCCEEDED`,
 * `FAILED` (with Identity Center's reason) or still `IN_PROGRESS` after `maxPolls` polls. The deny a changed
 * inline policy carries reaches the accounts' roles only through this.
 */
export async function provisionAndWait(
  deps: Provisioner,
  permissionSetArn: string,
  timing: Pick<IdcTiming, 'sleep' | 'pollMs' | 'maxPolls'>,
): Promise<ProvisioningStatus> {
  const first = await provision(deps, permissionSetArn, timing);
  const settled = await waitForStatus(
    first,
    async (requestId) =>
      (
        await deps.ssoAdmin.send(
          new DescribePermissionSetProvisioningStatusCommand({
            InstanceArn: deps.instanceArn,
            ProvisionPermissionSetRequestId: requestId,
          }),
        )
      ).PermissionSetProvisioningStatus,
    timing,
  );
  return {
    permissionSetArn,
    status: settled.status,
    ...(settled.requestId ? { requestId: settled.requestId } : {}),
    ...(settled.failureReason ? { failureReason: settled.failureReason } : {}),
  };
}
