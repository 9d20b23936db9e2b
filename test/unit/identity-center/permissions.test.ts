import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IDC_RESTORE_PERMISSIONS,
  IDC_REVOKE_PERMISSIONS,
  IDC_STATE_PARTITIONS,
} from '../../../src/identity-center';
import { idcActions } from '../../../src/identity-center/actions';
import { expandAction } from '../../support/iam-evaluator';

/**
 * The permissions the area declares, checked as Cloud Custodian checks its actions': each one is a real IAM
 * action spelled as AWS spells it, and every API the area's code calls is declared.
 */

const AREA = join(__dirname, '../../../src/identity-center');
const SERVICE: Record<string, string> = {
  '@aws-sdk/client-identitystore': 'identitystore',
  '@aws-sdk/client-sso-admin': 'sso',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
};
/** lib-dynamodb's document commands and the DynamoDB actions they call. */
const DOCUMENT: Record<string, string> = {
  Put: 'PutItem',
  Delete: 'DeleteItem',
  Update: 'UpdateItem',
  Query: 'Query',
};

/** Every IAM action the area's source sends: `new XCommand(` and `paginateX(` of each SDK it imports. */
function calledActions(): string[] {
  return readdirSync(AREA).flatMap((file) => {
    const text = readFileSync(join(AREA, file), 'utf8');
    return [...text.matchAll(/import \{([^}]+)\} from '(@aws-sdk\/[a-z-]+)'/g)].flatMap(
      ([, names = '', from = '']) =>
        names
          .split(',')
          .map((n) => n.trim().replace(/^type /, ''))
          .filter(
            (n) =>
              (/Command$/.test(n) && text.includes(`new ${n}(`)) ||
              (/^paginate/.test(n) && text.includes(`${n}(`)),
          )
          .map((n) => n.replace(/Command$/, '').replace(/^paginate/, ''))
          .map((n) => `${SERVICE[from]}:${from.endsWith('lib-dynamodb') ? DOCUMENT[n] : n}`),
    );
  });
}

describe('Identity Center permissions', () => {
  it.each([...new Set([...IDC_REVOKE_PERMISSIONS, ...IDC_RESTORE_PERMISSIONS])])(
    '%s is a real IAM action',
    async (action) => {
      expect(await expandAction(action)).toEqual([action]);
    },
  );

  it('declares every API the code calls', () => {
    const called = [...new Set(calledActions())].sort();
    expect(called.length).toBeGreaterThan(15);
    expect(
      called.filter((a) => !IDC_REVOKE_PERMISSIONS.includes(a) && !IDC_RESTORE_PERMISSIONS.includes(a)),
    ).toEqual([]);
  });

  it('gives a revocation no way to create access, and a restore no way to remove it', () => {
    expect(IDC_REVOKE_PERMISSIONS.filter((a) => /:Create|DeleteInlinePolicy/.test(a))).toEqual([]);
    expect(
      IDC_RESTORE_PERMISSIONS.filter((a) => /DeleteAccountAssignment|DeleteGroupMembership/.test(a)),
    ).toEqual([]);
  });

  it('lists exactly the revocation actions', () => {
    expect(IDC_REVOKE_PERMISSIONS).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'identitystore:DeleteGroupMembership',
      'identitystore:DescribeUser',
      'identitystore:GetUserId',
      'identitystore:ListGroupMembershipsForMember',
      'sso:DeleteAccountAssignment',
      'sso:DescribeAccountAssignmentDeletionStatus',
      'sso:DescribePermissionSetProvisioningStatus',
      'sso:GetInlinePolicyForPermissionSet',
      'sso:ListAccountAssignmentsForPrincipal',
      'sso:ListAccountsForProvisionedPermissionSet',
      'sso:ProvisionPermissionSet',
      'sso:PutInlinePolicyToPermissionSet',
    ]);
  });

  it('declares each action once, on the step that calls it', () => {
    for (const action of Object.values(idcActions))
      expect(new Set(action.permissions).size).toBe(action.permissions.length);
  });

  it('keeps its records in three partitions of its own', () => {
    expect(Object.values(IDC_STATE_PARTITIONS)).toEqual([
      'principal#idc-user#*',
      'idc#revoked-users',
      'lock#permission-set',
    ]);
  });
});
