import {
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand,
  ListUserPoliciesCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import type { RevokedIndexEntry } from '../../../src/engine/state';
import type { ReportUser } from '../../../src/sweep/credential-report';
import { checkRevokedUsers } from '../../../src/sweep/drift';
import { testConfig } from '../../../tools/testing/config';

const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const config = testConfig();
const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const GENERATED = new Date('2026-11-29T08:00:00Z');

const entry = (
  userName: string,
  at = '2026-11-20T00:00:00.000Z',
): RevokedIndexEntry & { pk: string; sk: string } => ({
  pk: 'index#revoked-users',
  sk: userName,
  kind: 'revoked-index',
  userName,
  runId: `run-${userName}`,
  at,
  trigger: 'departure',
  mode: 'departure',
});
const off = { active: false, createdAt: undefined, lastUsedAt: null };
const on = { active: true, createdAt: new Date('2026-11-28T00:00:00Z'), lastUsedAt: null };
const row = (userName: string, k1: boolean, k2 = false): [string, ReportUser] => [
  userName,
  { userName, arn: `arn:aws:iam::123456789012:user/staff/${userName}`, keys: [k1 ? on : off, k2 ? on : off] },
];
const rows = (...r: [string, ReportUser][]) => new Map(r);
const noUser = () => new NoSuchEntityException({ message: 'no such user', $metadata: {} });

beforeEach(() => {
  iam.reset();
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: DENY }] });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListUserTagsCommand).resolves({ Tags: [{ Key: 'email', Value: 'g@example.com' }] });
  iam.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [] });
});

describe('Function: checkRevokedUsers', () => {
  it('finds nothing, in one call, for a revoked user with no Active key in the report and the deny attached', async () => {
    const r = await checkRevokedUsers(client, [entry('gone')], rows(row('gone', false)), GENERATED, config);

    expect(r.entries).toEqual([]);
    expect(iam.calls().map((c) => c.args[0].constructor.name)).toEqual(['ListAttachedUserPoliciesCommand']);
  });

  it('counts the inline fallback deny as the deny in place', async () => {
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: ['OffboardingDenyAll'] });

    const r = await checkRevokedUsers(client, [entry('gone')], rows(row('gone', false)), GENERATED, config);

    expect(r.entries).toEqual([]);
  });

  it('names every finding, with the owner from the tags and the mode of the revocation', async () => {
    iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [] });

    const r = await checkRevokedUsers(
      client,
      [entry('gone')],
      rows(row('gone', true, true)),
      GENERATED,
      config,
    );

    expect(r.entries).toEqual([
      {
        user: 'gone',
        arn: 'arn:aws:iam::123456789012:user/staff/gone',
        owner: { email: 'g@example.com' },
        findings: ['2 Active access keys', `deny policy ${DENY} not attached`],
        mode: 'departure',
        action: 'failed',
      },
    ]);
  });

  it('reads the keys when the report predates the revocation, whatever the report row says', async () => {
    iam
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAX', Status: 'Inactive' }] });

    const r = await checkRevokedUsers(
      client,
      [entry('gone', '2026-11-29T09:00:00.000Z')],
      rows(row('gone', true)),
      GENERATED,
      config,
    );

    expect(r.entries).toEqual([]);
    expect(iam).toHaveReceivedCommandWith(ListAccessKeysCommand, { UserName: 'gone' });
  });

  it('marks a protected revoked user protected, never to be re-revoked', async () => {
    iam.on(ListUserTagsCommand).resolves({ Tags: [{ Key: 'offboarding:protected', Value: 'true' }] });

    const r = await checkRevokedUsers(client, [entry('gone')], rows(row('gone', true)), GENERATED, config);

    expect(r.entries[0]).toMatchObject({
      action: 'protected',
      detail: 'protected: tagged offboarding:protected=true',
    });
  });

  it('notes a revoked user deleted from IAM, and counts a user it could not read as unchecked', async () => {
    iam.on(ListAttachedUserPoliciesCommand, { UserName: 'deleted' }).rejects(noUser());
    iam.on(ListAttachedUserPoliciesCommand, { UserName: 'denied' }).rejects(new Error('AccessDenied'));

    const r = await checkRevokedUsers(
      client,
      [entry('deleted'), entry('denied')],
      rows(row('deleted', false), row('denied', false)),
      GENERATED,
      config,
    );

    expect(r.entries).toEqual([]);
    expect(r.unchecked).toBe(1);
    expect(r.notes).toEqual([
      'deleted is in the revoked-users index but no longer exists in IAM (deleted): not checked',
      'denied (revoked) could not be checked: AccessDenied',
    ]);
  });
});
