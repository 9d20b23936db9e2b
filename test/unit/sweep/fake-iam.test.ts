import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetUserCommand,
  IAMClient,
  LimitExceededException,
  ListAccessKeysCommand,
  ListGroupsForUserCommand,
  ListUsersCommand,
  NoSuchEntityException,
  paginateGetAccountAuthorizationDetails,
  paginateListUsers,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCredentialReport } from '../../../src/sweep/credential-report';
import { collectPages } from '../../../src/util/paging';
import { FakeIam } from '../../support/fake-iam';

/** The one fake IAM account the unit tests use (test/support/fake-iam.ts), checked against the SDK's paginators. */

const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const users = Array.from({ length: 5 }, (_, i) => ({
  userName: `u${i}`,
  tags: { email: `u${i}@example.com` },
  keys: [{ id: `AKIAU${i}` }],
}));

beforeEach(() => iam.reset());

describe('Test support: FakeIam', () => {
  it('pages ListUsers and GetAccountAuthorizationDetails as IAM does', async () => {
    new FakeIam({ pageSize: { ListUsers: 2, GetAccountAuthorizationDetails: 3 } })
      .addUsers(users)
      .answer(iam);

    const listed = await collectPages(paginateListUsers({ client }, {}), (p) => p.Users);
    const details = await collectPages(
      paginateGetAccountAuthorizationDetails({ client }, { Filter: ['User'] }),
      (p) => p.UserDetailList,
    );

    expect(listed.map((u) => u.UserName)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(iam).toHaveReceivedCommandTimes(ListUsersCommand, 3);
    expect(details.map((u) => [u.UserName, u.Tags])).toEqual(
      users.map((u) => [u.userName, [{ Key: 'email', Value: u.tags.email }]]),
    );
    expect(iam).toHaveReceivedCommandTimes(GetAccountAuthorizationDetailsCommand, 2);
  });

  it('changes its state on a write: the re-read and the next credential report show it', async () => {
    const fake = new FakeIam().addUsers(users).answer(iam);
    const before = fake.generateReport();

    await client.send(
      new UpdateAccessKeyCommand({ UserName: 'u1', AccessKeyId: 'AKIAU1', Status: 'Inactive' }),
    );

    const keys = await client.send(new ListAccessKeysCommand({ UserName: 'u1' }));
    expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([['AKIAU1', 'Inactive']]);
    const active = (csv: string) =>
      parseCredentialReport(csv).users.find((u) => u.userName === 'u1')?.keys[0].active;
    expect(active(before.csv)).toBe(true);
    expect(active(fake.generateReport().csv)).toBe(false);
  });

  it("answers NoSuchEntity for a user it does not hold, and only the named user's commands with answerFor", async () => {
    new FakeIam().addUsers(users).answerFor(iam, 'u0');

    await expect(client.send(new GetUserCommand({ UserName: 'u0' }))).resolves.toMatchObject({
      User: { Arn: 'arn:aws:iam::123456789012:user/u0' },
    });
    // Not answered by this fake: left to whatever else the stub answers (here nothing).
    expect(await client.send(new GetUserCommand({ UserName: 'u1' }))).toBeUndefined();
    new FakeIam().answer(iam);
    await expect(client.send(new GetUserCommand({ UserName: 'nobody' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
  });

  it("answers IAM's per-user quotas with LimitExceeded, and group membership from its state", async () => {
    const policies = Array.from({ length: 10 }, (_, i) => `arn:aws:iam::aws:policy/P${i}`);
    new FakeIam().addUsers([{ userName: 'full', attached: policies }]).answer(iam);
    const deny = 'arn:aws:iam::aws:policy/AWSDenyAll';

    await expect(
      client.send(new AttachUserPolicyCommand({ UserName: 'full', PolicyArn: deny })),
    ).rejects.toBeInstanceOf(LimitExceededException);
    await client.send(new AddUserToGroupCommand({ UserName: 'full', GroupName: 'offboarding-deny' }));

    const groups = await client.send(new ListGroupsForUserCommand({ UserName: 'full' }));
    expect(groups.Groups?.map((g) => g.GroupName)).toEqual(['offboarding-deny']);
  });
});
