import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccountUnreachableError,
  accountAccess,
  RENEW_BEFORE_MS,
  sessionNameOf,
} from '../../../src/accounts/access';
import { makeClients, type TemporaryCredentials } from '../../../src/clients';

const sts = mockClient(STSClient);
const HOME = '111111111111';
const OTHER = '222222222222';
const T0 = new Date('2026-12-01T10:00:00Z');

/** Clients whose `withCredentials` records the credentials each scoped client set was built with. */
function clientsRecording() {
  const built: TemporaryCredentials[] = [];
  const base = makeClients({ region: 'us-east-1' });
  const clients = makeClients(
    { region: 'us-east-1' },
    {
      withCredentials: (c) => {
        built.push(c);
        return makeClients({ region: 'us-east-1', credentials: c });
      },
    },
  );
  return { clients, built, base };
}

beforeEach(() => {
  sts.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: HOME, Arn: `arn:aws-us-gov:sts::${HOME}:assumed-role/fn/x` });
  let n = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
    n += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${n}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(T0.getTime() + 3600_000),
      },
    };
  });
});

describe('Function: sessionNameOf', () => {
  it('keeps a run id STS accepts, and replaces what it does not', () => {
    expect(sessionNameOf('0b6f1f5e-8d1c-4c1e-9a53-1f6f0f5a2b1c')).toBe(
      '0b6f1f5e-8d1c-4c1e-9a53-1f6f0f5a2b1c',
    );
    expect(sessionNameOf('standard:msg_2Kq')).toBe('standard-msg_2Kq');
    expect(sessionNameOf('a'.repeat(100))).toHaveLength(64);
    // Two long ids sharing their first 64 characters still get two session names (and two cached sessions).
    expect(sessionNameOf(`${'a'.repeat(70)}1`)).not.toBe(sessionNameOf(`${'a'.repeat(70)}2`));
    expect(sessionNameOf(`${'a'.repeat(70)}1`)).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(sessionNameOf('x')).toMatch(/^[\w+=,.@-]{2,64}$/);
  });
});

describe('Function: accountAccess', () => {
  it('reaches the own account with the function clients, without assuming anything', async () => {
    const { clients } = clientsRecording();
    const access = accountAccess({ config: { memberRoleName: 'offboarding-member' }, clients });
    const scope = await access.open(HOME, 'run-1');
    expect(scope).toMatchObject({ accountId: HOME, home: true });
    expect(scope.clients.iam).toBe(clients.iam);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('assumes the member role in another account, in the caller partition, the session named after the run', async () => {
    const { clients, built } = clientsRecording();
    const access = accountAccess({
      config: { memberRoleName: 'offboarding-member' },
      clients,
      clock: () => T0,
    });
    const scope = await access.open(OTHER, 'standard:msg_1');
    expect(scope).toMatchObject({ accountId: OTHER, home: false });
    expect(scope.clients.iam).not.toBe(clients.iam);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: `arn:aws-us-gov:iam::${OTHER}:role/offboarding-member`,
      RoleSessionName: 'standard-msg_1',
    });
    expect(built[0]).toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 't' });
    // The scoped IAM client signs with the assumed credentials.
    const creds = await scope.clients.iam.config.credentials();
    expect(creds.accessKeyId).toBe('ASIA1');
  });

  it('caches per account and run until shortly before the credentials expire', async () => {
    let now = T0;
    const { clients } = clientsRecording();
    const access = accountAccess({ config: { memberRoleName: 'm' }, clients, clock: () => now });
    const first = await access.open(OTHER, 'run-1');
    expect(await access.open(OTHER, 'run-1')).toBe(first);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
    // Another run is another session (its own CloudTrail name).
    await access.open(OTHER, 'run-2');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    // Within the renewal window of the expiry, the role is assumed again.
    now = new Date(T0.getTime() + 3600_000 - RENEW_BEFORE_MS + 1);
    const renewed = await access.open(OTHER, 'run-1');
    expect(renewed).not.toBe(first);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('names the account unreachable when its role cannot be assumed', async () => {
    const denied = Object.assign(new Error('User: x is not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    sts.on(AssumeRoleCommand).rejects(denied);
    const { clients } = clientsRecording();
    const access = accountAccess({ config: { memberRoleName: 'm' }, clients });
    const err = await access.open(OTHER, 'run-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AccountUnreachableError);
    expect((err as Error).message).toBe(
      `role arn:aws-us-gov:iam::${OTHER}:role/m could not be assumed (AccessDenied: User: x is not authorized to perform: sts:AssumeRole)`,
    );
  });

  it('asks STS who it is once per warm function', async () => {
    const { clients } = clientsRecording();
    const access = accountAccess({ config: { memberRoleName: 'm' }, clients });
    await Promise.all([access.selfAccountId(), access.open(HOME, 'a'), access.memberRoleArn(OTHER)]);
    expect(sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(1);
    expect(await access.memberRoleArn(OTHER)).toBe(`arn:aws-us-gov:iam::${OTHER}:role/m`);
  });
});
