import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { accountAccess } from '../../../src/accounts/access';
import { targetAccounts } from '../../../src/accounts/targets';
import { makeClients, type ScopedClients } from '../../../src/clients';
import type { TargetAccounts } from '../../../src/config';
import { ConfigError } from '../../../src/errors';

const sts = mockClient(STSClient);
const orgs = mockClient(OrganizationsClient);
const HOME = '111111111111';

beforeEach(() => {
  sts.reset();
  orgs.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: HOME, Arn: `arn:aws:sts::${HOME}:assumed-role/fn/x` });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: 'ASIAORG',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: new Date(Date.now() + 3600_000),
    },
  });
  // Two pages: ACTIVE accounts kept (State, or the deprecated Status older answers carry), the others not.
  orgs
    .on(ListAccountsCommand, { NextToken: undefined })
    .resolves({
      Accounts: [
        { Id: '333333333333', State: 'ACTIVE' },
        { Id: '444444444444', State: 'SUSPENDED' },
        { Id: HOME, Status: 'ACTIVE' },
      ],
      NextToken: 'p2',
    })
    .on(ListAccountsCommand, { NextToken: 'p2' })
    .resolves({
      Accounts: [
        { Id: '222222222222', Status: 'ACTIVE' },
        { Id: '555555555555', State: 'PENDING_CLOSURE' },
      ],
    });
});

function setup(targets: TargetAccounts, excluded: string[] = [], orgRoleArn?: string) {
  const scoped: ScopedClients[] = [];
  const clients = makeClients(
    { region: 'us-east-1' },
    {
      withCredentials: (c) => {
        const s = makeClients({ region: 'us-east-1', credentials: c });
        scoped.push(s);
        return s;
      },
    },
  );
  const access = accountAccess({ config: { memberRoleName: 'm' }, clients });
  const config = { targetAccounts: targets, excludedAccounts: excluded, orgRoleArn };
  return { run: () => targetAccounts(config, access, 'run-1'), scoped };
}

describe('Function: targetAccounts', () => {
  it('is the own account alone for self, with no Organizations call', async () => {
    expect(await setup({ kind: 'self' }).run()).toEqual([HOME]);
    expect(orgs.calls()).toHaveLength(0);
  });

  it('is the listed accounts less the excluded ones, sorted', async () => {
    const { run } = setup({ kind: 'list', accountIds: ['333333333333', '222222222222', HOME] }, [HOME]);
    expect(await run()).toEqual(['222222222222', '333333333333']);
  });

  it('is every ACTIVE account of the organization, every page read, less the excluded ones', async () => {
    const { run } = setup({ kind: 'organization' }, ['333333333333']);
    expect(await run()).toEqual([HOME, '222222222222']);
    expect(orgs.commandCalls(ListAccountsCommand)).toHaveLength(2);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('lists the organization through ORG_ROLE_ARN when set', async () => {
    const roleArn = 'arn:aws:iam::999999999999:role/org-reader';
    const { run, scoped } = setup({ kind: 'organization' }, [], roleArn);
    expect(await run()).toEqual([HOME, '222222222222', '333333333333']);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: roleArn,
      RoleSessionName: 'run-1',
    });
    const client = orgs.commandCalls(ListAccountsCommand)[0]?.thisValue as OrganizationsClient;
    expect(client).toBe(scoped[0]?.organizations);
  });

  it('refuses a target that leaves no account, saying why', async () => {
    const err = await setup({ kind: 'list', accountIds: [HOME] }, [HOME])
      .run()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/no target account: TARGET_ACCOUNTS=111111111111 leaves none/);
  });
});
