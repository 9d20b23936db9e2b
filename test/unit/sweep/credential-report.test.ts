import {
  CredentialReportExpiredException,
  CredentialReportNotPresentException,
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
  LimitExceededException,
  ServiceFailureException,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CredentialReportError,
  CredentialReportTimeoutError,
  fetchCredentialReport,
  parseCredentialReport,
} from '../../../src/sweep/credential-report';
import { FakeIam } from '../../support/fake-iam';

const HEADER =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const ROOT =
  '<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T00:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const ALICE =
  'alice,arn:aws:iam::123456789012:user/alice,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2025-01-01T10:00:00+00:00,2026-11-20T08:00:00+00:00,us-east-1,s3,true,2026-11-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A';
const BOB =
  'bob,arn:aws:iam::123456789012:user/bob,2024-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,false,2025-02-01T00:00:00+00:00,no_information,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A';
const CSV = [HEADER, ROOT, ALICE, BOB].join('\n');
const GENERATED = new Date('2026-11-29T08:00:00Z');

const iam = mockClient(IAMClient);
const client = new IAMClient({ region: 'us-east-1' });
const waits: number[] = [];
const sleep = async (ms: number) => {
  waits.push(ms);
};
const meta = { $metadata: {} };
let account: FakeIam;

/**
 * The fake IAM account, with users alice and bob and no credential report yet: a report it generates is
 * dated GENERATED; `reportPolls` polls make one.
 */
const withReport = (options: { reportPolls?: number } = {}) => {
  account = new FakeIam({ reportAt: GENERATED, now: GENERATED, ...options })
    .addUsers([{ userName: 'alice' }, { userName: 'bob' }])
    .answer(iam);
  return account;
};

beforeEach(() => {
  iam.reset();
  waits.length = 0;
});

describe('Function: fetchCredentialReport', () => {
  it('uses the report at once when IAM says it is COMPLETE: two calls, no wait', async () => {
    withReport();

    const report = await fetchCredentialReport(client, { sleep });

    expect(report.users.map((u) => u.userName)).toEqual(['alice', 'bob']);
    expect(report.generatedAt).toEqual(GENERATED);
    expect(iam.calls()).toHaveLength(2);
    expect(waits).toEqual([]);
  });

  it('polls while the report is STARTED then INPROGRESS, backing off', async () => {
    withReport({ reportPolls: 2 });

    const report = await fetchCredentialReport(client, { sleep, initialDelayMs: 100 });

    expect(report.users).toHaveLength(2);
    expect(iam).toHaveReceivedCommandTimes(GenerateCredentialReportCommand, 3);
    expect(waits).toEqual([100, 200]);
  });

  it('waits and polls again when the report is still in progress on GetCredentialReport (ReportInProgress)', async () => {
    withReport().fail(
      GetCredentialReportCommand,
      new CredentialReportNotReadyException({ message: 'in progress', ...meta }),
      { times: 1 },
    );

    const report = await fetchCredentialReport(client, { sleep, initialDelayMs: 50 });

    expect(report.users).toHaveLength(2);
    expect(iam).toHaveReceivedCommandTimes(GetCredentialReportCommand, 2);
    expect(waits).toEqual([50]);
  });

  it.each([
    ['absent (ReportNotPresent)', new CredentialReportNotPresentException({ message: 'absent', ...meta })],
    ['expired (ReportExpired)', new CredentialReportExpiredException({ message: 'expired', ...meta })],
  ])('generates a new report when the report is %s', async (_label, error) => {
    withReport().fail(GetCredentialReportCommand, error, { times: 1 });

    await fetchCredentialReport(client, { sleep });

    expect(iam).toHaveReceivedCommandTimes(GenerateCredentialReportCommand, 2);
  });

  it('treats LimitExceeded as "a report is being generated" and polls', async () => {
    withReport().fail(
      GenerateCredentialReportCommand,
      new LimitExceededException({ message: 'too many', ...meta }),
      { times: 1 },
    );

    await fetchCredentialReport(client, { sleep, initialDelayMs: 10 });

    expect(waits).toEqual([10]);
  });

  it('fails clearly, never with an empty report, when the bounded wait runs out', async () => {
    withReport({ reportPolls: Number.POSITIVE_INFINITY });

    const attempt = fetchCredentialReport(client, {
      sleep,
      maxPolls: 4,
      initialDelayMs: 1000,
      maxDelayMs: 2000,
    });

    await expect(attempt).rejects.toBeInstanceOf(CredentialReportTimeoutError);
    await expect(attempt).rejects.toThrow(
      'the IAM credential report was not ready after 4 polls (5 s waited; last state: INPROGRESS): nothing was swept',
    );
    expect(waits).toEqual([1000, 2000, 2000]);
    expect(iam).not.toHaveReceivedCommand(GetCredentialReportCommand);
  });

  it('lets any other IAM error through', async () => {
    withReport().fail(
      GenerateCredentialReportCommand,
      new ServiceFailureException({ message: 'boom', ...meta }),
    );

    await expect(fetchCredentialReport(client, { sleep })).rejects.toBeInstanceOf(ServiceFailureException);
    expect(waits).toEqual([]);
  });

  it('reads the report IAM writes: a row per user, root apart, each key in its slot', async () => {
    withReport();
    account.addUser({
      userName: 'alice',
      keys: [
        {
          id: 'AKIAALICE1',
          created: new Date('2025-01-01T10:00:00Z'),
          lastUsed: new Date('2026-11-20T08:00:00Z'),
        },
        { id: 'AKIAALICE2', created: new Date('2026-11-01T00:00:00Z'), lastUsed: null, status: 'Inactive' },
      ],
    });

    const report = await fetchCredentialReport(client, { sleep });

    expect(report.rootHasActiveKey).toBe(false);
    expect(report.users.find((u) => u.userName === 'alice')).toEqual({
      userName: 'alice',
      arn: 'arn:aws:iam::123456789012:user/alice',
      keys: [
        {
          active: true,
          createdAt: new Date('2025-01-01T10:00:00Z'),
          lastUsedAt: new Date('2026-11-20T08:00:00Z'),
        },
        { active: false, createdAt: new Date('2026-11-01T00:00:00Z'), lastUsedAt: null },
      ],
    });
  });
});

describe('Function: parseCredentialReport', () => {
  it('reads both key slots: active flag, creation, and last use (N/A = never used)', () => {
    const report = parseCredentialReport(CSV, GENERATED);
    const alice = report.users.find((u) => u.userName === 'alice');
    expect(alice?.arn).toBe('arn:aws:iam::123456789012:user/alice');
    expect(alice?.keys).toEqual([
      {
        active: true,
        createdAt: new Date('2025-01-01T10:00:00Z'),
        lastUsedAt: new Date('2026-11-20T08:00:00Z'),
      },
      { active: true, createdAt: new Date('2026-11-01T00:00:00Z'), lastUsedAt: null },
    ]);
  });

  it('treats no_information as an unknown last use, not as never used', () => {
    const bob = parseCredentialReport(CSV).users.find((u) => u.userName === 'bob');
    expect(bob?.keys[0]).toEqual({
      active: false,
      createdAt: new Date('2025-02-01T00:00:00Z'),
      lastUsedAt: undefined,
    });
    expect(bob?.keys[1]).toEqual({ active: false, createdAt: undefined, lastUsedAt: null });
  });

  it('leaves the root account out of the users and says whether it has an active key', () => {
    expect(parseCredentialReport(CSV).users.map((u) => u.userName)).not.toContain('<root_account>');
    expect(parseCredentialReport(CSV).rootHasActiveKey).toBe(false);
    const rootWithKey = ROOT.replace('true,false,N/A', 'true,true,2020-01-01T00:00:00+00:00');
    expect(parseCredentialReport([HEADER, rootWithKey].join('\n')).rootHasActiveKey).toBe(true);
  });

  it('handles quoted fields as CSV, not by splitting on commas', () => {
    const quoted = ALICE.replace(
      'arn:aws:iam::123456789012:user/alice',
      '"arn:aws:iam::123456789012:user/a,b"',
    );
    expect(parseCredentialReport([HEADER, quoted].join('\n')).users[0]?.arn).toBe(
      'arn:aws:iam::123456789012:user/a,b',
    );
  });

  it('reads the report from bytes as from text', () => {
    expect(parseCredentialReport(Buffer.from(CSV), GENERATED)).toEqual(parseCredentialReport(CSV, GENERATED));
  });

  it('refuses an empty report, and CSV it cannot parse', () => {
    expect(() => parseCredentialReport('')).toThrow(CredentialReportError);
    expect(() => parseCredentialReport(`${HEADER}\n"alice,unclosed`)).toThrow(
      /the credential report is not valid CSV/,
    );
  });

  it('refuses a report without the access key columns', () => {
    expect(() => parseCredentialReport('user,arn\nalice,arn:aws:iam::123456789012:user/alice')).toThrow(
      CredentialReportError,
    );
  });
});
