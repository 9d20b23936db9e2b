import { type ProtectionSubject, protectionReason } from '../../../src/engine/protection';
import { testConfig } from '../../../tools/testing/config';

const userSnap = (name: string, tags: Record<string, string> = {}, path = '/'): ProtectionSubject => ({
  kind: 'user',
  name,
  arn: `arn:aws:iam::123456789012:user${path}${name}`,
  path,
  tags,
});
const roleSnap = (name: string, path = '/'): ProtectionSubject => ({
  kind: 'role',
  name,
  arn: `arn:aws:iam::123456789012:role${path}${name}`,
  path,
  tags: {},
});

describe('Function: protectionReason', () => {
  const config = testConfig({
    protectedPrincipals: ['break-glass', 'arn:aws:iam::123456789012:user/admins/*', 'svc-?'],
    projectRolePrefix: 'offboarding-prod-',
    memberRoleName: 'offboarding-member',
    orgRoleArn: 'arn:aws:iam::999999999999:role/org/OrgReader',
    idcRoleArn: 'arn:aws:iam::999999999999:role/IdcAdmin',
  });

  it.each([
    ['a listed name', userSnap('break-glass')],
    ['an ARN glob', userSnap('carol', {}, '/admins/')],
    ['a one-character glob', userSnap('svc-a')],
    ['the protect tag', userSnap('dave', { 'offboarding:protected': 'true' })],
    ['the protect tag in another case', userSnap('erin', { 'offboarding:protected': 'TRUE' })],
    ["the project's own role", roleSnap('offboarding-prod-lockdown-us-east-1-lambdaRole')],
    [
      'a service-linked role',
      roleSnap('AWSServiceRoleForSupport', '/aws-service-role/support.amazonaws.com/'),
    ],
    ['an Identity Center role', roleSnap('AWSReservedSSO_Admin_abc')],
    ['the member role the project reaches accounts through', roleSnap('Offboarding-Member')],
    ['the role it lists the organization through', roleSnap('orgreader', '/org/')],
    ['the role it reaches Identity Center through', roleSnap('idcadmin')],
  ])('protects a principal matched by %s', (_label, snapshot) => {
    expect(protectionReason(snapshot, config)).toEqual(expect.any(String));
  });

  it.each([
    ['an unlisted user', userSnap('alice')],
    ['a user whose protect tag is false', userSnap('bob', { 'offboarding:protected': 'false' })],
    ['a name that only contains a listed name', userSnap('break-glass-2')],
    ['a two-character suffix against a one-character glob', userSnap('svc-ab')],
    ['an ordinary role', roleSnap('deployer')],
  ])('does not protect %s', (_label, snapshot) => {
    expect(protectionReason(snapshot, config)).toBeUndefined();
  });
});
