import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  type IdentitystoreClient,
} from '@aws-sdk/client-identitystore';
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ProvisionPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  type SSOAdminClient,
} from '@aws-sdk/client-sso-admin';

/**
 * Seeds an Identity Center instance on moto (users, groups, memberships, permission sets, assignments) for the
 * integration tests and the demo: one place for the calls, each returning the id or ARN moto gave.
 * Never bundled into a handler.
 * @example
 * const seed = identityCenterSeed({ ids, sso, identityStoreId, instanceArn });
 * const jane = await seed.user('jane', 'jane@example.com');
 * await seed.assign(jane, 'USER', await seed.permissionSet('Admin', policy), '123456789012');
 */
export function identityCenterSeed(options: {
  readonly ids: IdentitystoreClient;
  readonly sso: SSOAdminClient;
  readonly identityStoreId: string;
  readonly instanceArn: string;
}) {
  const { ids, sso, identityStoreId, instanceArn } = options;
  return {
    /** A user with a primary email; `name` ("Jane Doe") gives the display, given and family names. */
    async user(userName: string, email: string, name?: string): Promise<string> {
      const [given = userName, family = 'Example'] = name ? name.split(' ') : [];
      const out = await ids.send(
        new CreateUserCommand({
          IdentityStoreId: identityStoreId,
          UserName: userName,
          DisplayName: name ?? userName,
          Name: { GivenName: given, FamilyName: family },
          Emails: [{ Value: email, Primary: true, Type: 'work' }],
        }),
      );
      return out.UserId ?? '';
    },
    async group(displayName: string): Promise<string> {
      const out = await ids.send(
        new CreateGroupCommand({ IdentityStoreId: identityStoreId, DisplayName: displayName }),
      );
      return out.GroupId ?? '';
    },
    async join(userId: string, groupId: string): Promise<void> {
      await ids.send(
        new CreateGroupMembershipCommand({
          IdentityStoreId: identityStoreId,
          GroupId: groupId,
          MemberId: { UserId: userId },
        }),
      );
    },
    /** A permission set with its inline policy (none when empty), provisioned to every account. */
    async permissionSet(name: string, policy?: string, sessionDuration?: string): Promise<string> {
      const out = await sso.send(
        new CreatePermissionSetCommand({
          InstanceArn: instanceArn,
          Name: name,
          ...(sessionDuration ? { SessionDuration: sessionDuration } : {}),
        }),
      );
      const arn = out.PermissionSet?.PermissionSetArn ?? '';
      if (policy) {
        await sso.send(
          new PutInlinePolicyToPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: arn,
            InlinePolicy: policy,
          }),
        );
      }
      await sso.send(
        new ProvisionPermissionSetCommand({
          InstanceArn: instanceArn,
          PermissionSetArn: arn,
          TargetType: 'ALL_PROVISIONED_ACCOUNTS',
        }),
      );
      return arn;
    },
    async assign(
      principalId: string,
      principalType: 'USER' | 'GROUP',
      permissionSetArn: string,
      account: string,
    ): Promise<void> {
      await sso.send(
        new CreateAccountAssignmentCommand({
          InstanceArn: instanceArn,
          PermissionSetArn: permissionSetArn,
          PrincipalId: principalId,
          PrincipalType: principalType,
          TargetId: account,
          TargetType: 'AWS_ACCOUNT',
        }),
      );
    },
  };
}
