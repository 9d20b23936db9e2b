import { IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { ownerOf, pathOfUserArn, readUserTags } from '../../../src/sweep/users';
import { FakeIam } from '../../support/fake-iam';

const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });

beforeEach(() => iam.reset());

describe('Function: pathOfUserArn', () => {
  it.each([
    ['arn:aws:iam::123456789012:user/alice', '/'],
    ['arn:aws:iam::123456789012:user/ops/alice', '/ops/'],
    ['arn:aws-us-gov:iam::123456789012:user/a/b/alice', '/a/b/'],
    ['', '/'],
  ])('reads the path of %s as %s', (arn, path) => {
    expect(pathOfUserArn(arn)).toBe(path);
  });
});

describe('Function: readUserTags', () => {
  it('reads every page of tags', async () => {
    new FakeIam({ pageSize: { ListUserTags: 1 } })
      .addUsers([{ userName: 'alice', tags: { email: 'a@example.com', 'offboarding:protected': 'true' } }])
      .answer(iam);

    expect(await readUserTags(client, 'alice')).toEqual({
      email: 'a@example.com',
      'offboarding:protected': 'true',
    });
    expect(iam).toHaveReceivedCommandTimes(ListUserTagsCommand, 2);
  });

  it('answers undefined for a user deleted since the report, and throws any other error', async () => {
    // IAM has no user `gone`; reading `denied`'s tags is refused.
    new FakeIam()
      .addUsers([{ userName: 'denied', tags: { email: 'd@example.com' } }])
      .fail(ListUserTagsCommand, new Error('AccessDenied'), { input: { UserName: 'denied' } })
      .answer(iam);

    await expect(readUserTags(client, 'gone')).resolves.toBeUndefined();
    await expect(readUserTags(client, 'denied')).rejects.toThrow('AccessDenied');
  });
});

describe('Function: ownerOf', () => {
  it('keeps the person tags only', () => {
    expect(
      ownerOf({ email: 'a@example.com', team: 'x', 'employee-id': 'E1' }, ['employee-id', 'email']),
    ).toEqual({
      email: 'a@example.com',
      'employee-id': 'E1',
    });
  });
});
