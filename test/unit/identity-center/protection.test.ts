import { idcProtectionReason, idcSessionOwner, isIdcSessionOwner } from '../../../src/identity-center';
import { lookupsOf } from '../../../src/identity-center/resolve';

const JANE = { userId: 'a0000000-0000-4000-8000-000000000001', userName: 'jane@example.com' };

describe('Function: idcProtectionReason', () => {
  it.each([
    ['jane@example.com', 'an exact name'],
    ['JANE@EXAMPLE.COM', 'a name in another case'],
    ['*@example.com', 'a glob'],
    ['a0000000-*', 'a glob over the user id'],
  ])('protects the user matching %s (%s)', (pattern) => {
    expect(idcProtectionReason(JANE, ['break-glass-*', pattern])).toBe(
      `matches PROTECTED_PRINCIPALS entry "${pattern}"`,
    );
  });

  it('protects no one else', () => {
    expect(
      idcProtectionReason(JANE, ['break-glass-*', 'jane', 'arn:aws:iam::*:user/jane@example.com']),
    ).toBeUndefined();
  });
});

describe('Function: isIdcSessionOwner', () => {
  const role = 'arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0a1b2c3d4e5f6a7b';

  it.each([
    [`${role}/jane@example.com`, true],
    [`arn:aws-us-gov:sts::111111111111:assumed-role/AWSReservedSSO_ReadOnly_ffff/jane@example.com`, true],
    [`${role}/bob@example.com`, false],
    [`${role}/xjane@example.com`, false],
    ['arn:aws:sts::111111111111:assumed-role/Deployer/jane@example.com', false],
    ['arn:aws:iam::111111111111:user/jane@example.com', false],
    [`${role}/extra/jane@example.com`, false],
  ])('%s is a session of jane@example.com: %s', (owner, expected) => {
    expect(isIdcSessionOwner(owner, 'jane@example.com')).toBe(expected);
  });

  it('exposes the two parts every such owner has, for the engine', () => {
    expect(idcSessionOwner('jane@example.com')).toEqual({
      contains: ':assumed-role/AWSReservedSSO_',
      suffix: '/jane@example.com',
    });
  });
});

describe('Function: lookupsOf', () => {
  it('looks a person up by userName, then the email as userName, then as the email', () => {
    expect(lookupsOf({ email: ' jane@example.com ', userName: 'jdoe' })).toEqual([
      { path: 'userName', value: 'jdoe' },
      { path: 'userName', value: 'jane@example.com' },
      { path: 'emails.value', value: 'jane@example.com' },
    ]);
    expect(lookupsOf({ employeeId: 'E-1' })).toEqual([]);
  });

  it("looks an operator's identityCenterUser up as a userName, and as an email when it has an @", () => {
    expect(lookupsOf({ identityCenterUser: 'jdoe' })).toEqual([{ path: 'userName', value: 'jdoe' }]);
    expect(lookupsOf({ identityCenterUser: 'jane@example.com' })).toEqual([
      { path: 'userName', value: 'jane@example.com' },
      { path: 'emails.value', value: 'jane@example.com' },
    ]);
  });
});
