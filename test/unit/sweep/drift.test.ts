import { IAMClient, ListAccessKeysCommand, ListAttachedUserPoliciesCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import type { RevokedIndexEntry } from '../../../src/engine/state';
import { parseCredentialReport, type ReportUser } from '../../../src/sweep/credential-report';
import { checkRevokedUsers } from '../../../src/sweep/drift';
import { testConfig } from '../../../tools/testing/config';
import { FakeIam, type FakeIamUser } from '../../support/fake-iam';

const DENY = 'arn:aws:iam::aws:policy/AWSDenyAll';
const config = testConfig();
const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const GENERATED = new Date('2026-11-29T08:00:00Z');
let account: FakeIam;

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
/** A key made the day before the report. */
const key = (id: string) => ({ id, created: new Date('2026-11-28T00:00:00Z'), lastUsed: null });
/** A user revoked as the engine leaves one: under /staff/, the deny attached, no key; then `extra`. */
const revoked = (userName: string, extra: Partial<FakeIamUser> = {}) =>
  account.addUser({
    userName,
    path: '/staff/',
    attached: [DENY],
    tags: { email: 'g@example.com' },
    ...extra,
  });
/** The rows of the credential report generated at GENERATED from IAM as it is at that point. */
const reportRows = (): ReadonlyMap<string, ReportUser> =>
  new Map(
    parseCredentialReport(account.generateReport(GENERATED).csv, GENERATED).users.map((u) => [u.userName, u]),
  );

beforeEach(() => {
  iam.reset();
  account = new FakeIam().answer(iam);
});

describe('Function: checkRevokedUsers', () => {
  it('finds nothing, in one call, for a revoked user with no Active key in the report and the deny attached', async () => {
    revoked('gone');

    const r = await checkRevokedUsers(client, [entry('gone')], reportRows(), GENERATED, config);

    expect(r.entries).toEqual([]);
    expect(iam.calls().map((c) => c.args[0].constructor.name)).toEqual(['ListAttachedUserPoliciesCommand']);
  });

  it('counts the inline fallback deny as the deny in place', async () => {
    revoked('gone', { attached: [], inline: ['OffboardingDenyAll'] });

    const r = await checkRevokedUsers(client, [entry('gone')], reportRows(), GENERATED, config);

    expect(r.entries).toEqual([]);
  });

  it('names every finding, with the owner from the tags and the mode of the revocation', async () => {
    revoked('gone', { attached: [], keys: [key('AKIAGONE1'), key('AKIAGONE2')] });

    const r = await checkRevokedUsers(client, [entry('gone')], reportRows(), GENERATED, config);

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
    const gone = revoked('gone', { keys: [key('AKIAX')] });
    // The report shows the key Active; the engine deactivated it after the report was made.
    const rows = reportRows();
    for (const k of gone.keys ?? []) k.status = 'Inactive';

    const r = await checkRevokedUsers(
      client,
      [entry('gone', '2026-11-29T09:00:00.000Z')],
      rows,
      GENERATED,
      config,
    );

    expect(r.entries).toEqual([]);
    expect(iam).toHaveReceivedCommandWith(ListAccessKeysCommand, { UserName: 'gone' });
  });

  it('marks a protected revoked user protected, never to be re-revoked', async () => {
    revoked('gone', { keys: [key('AKIAX')], tags: { 'offboarding:protected': 'true' } });

    const r = await checkRevokedUsers(client, [entry('gone')], reportRows(), GENERATED, config);

    expect(r.entries[0]).toMatchObject({
      action: 'protected',
      detail: 'protected: tagged offboarding:protected=true',
    });
  });

  it('notes a revoked user deleted from IAM, and counts a user it could not read as unchecked', async () => {
    revoked('deleted');
    revoked('denied');
    const rows = reportRows();
    account.deleteUser('deleted');
    account.fail(ListAttachedUserPoliciesCommand, new Error('AccessDenied'), {
      input: { UserName: 'denied' },
    });

    const r = await checkRevokedUsers(client, [entry('deleted'), entry('denied')], rows, GENERATED, config);

    expect(r.entries).toEqual([]);
    expect(r.unchecked).toBe(1);
    expect(r.notes).toEqual([
      'deleted is in the revoked-users index but no longer exists in IAM (deleted): not checked',
      'denied (revoked) could not be checked: AccessDenied',
    ]);
  });
});
