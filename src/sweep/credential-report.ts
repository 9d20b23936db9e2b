import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { awsErrorCode, describeError, RevocationError, TransientError } from '../errors';
import type { KeyDates } from './classify';

/** The credential report was not ready within the sweep's bounded wait: a failure, never an empty sweep. */
export class CredentialReportTimeoutError extends TransientError {}

/** The credential report could not be read or does not have the columns the sweep needs. */
export class CredentialReportError extends RevocationError {}

/** One IAM user's row of the credential report, the two access-key slots parsed. */
export interface ReportUser {
  readonly userName: string;
  readonly arn: string;
  /** Slot 1 and slot 2 (the report names no key id: a re-read maps keys to ids). */
  readonly keys: readonly [KeyDates, KeyDates];
}

export interface CredentialReport {
  readonly generatedAt: Date | undefined;
  readonly users: readonly ReportUser[];
  /** True when the root user has an active access key (CIS 1.4); the sweep never touches root. */
  readonly rootHasActiveKey: boolean;
}

export interface PollOptions {
  /** Polls (GenerateCredentialReport calls) before giving up; default 10. */
  readonly maxPolls?: number;
  /** First wait between polls; doubles up to `maxDelayMs`. Default 1000. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const REQUIRED_COLUMNS = [
  'user',
  'arn',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
] as const;

// SDK v3 names the report's error codes (ReportInProgress, ReportNotPresent, ReportExpired) by exception class;
// both spellings are matched so a raw code (another SDK, an emulator) is understood too.
const NOT_READY = new Set(['CredentialReportNotReadyException', 'ReportInProgress']);
const ABSENT = new Set([
  'CredentialReportNotPresentException',
  'ReportNotPresent',
  'CredentialReportExpiredException',
  'ReportExpired',
]);
const LIMITED = new Set(['LimitExceededException', 'LimitExceeded']);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Gets a current credential report: asks IAM to generate one (IAM answers `COMPLETE` at once while a report
 * younger than 4 hours exists), polls while it is `STARTED`/`INPROGRESS` (or `ReportInProgress`,
 * `LimitExceeded`), generates again when it is absent or expired, and gives up after a bounded wait.
 * Two calls when a report is ready.
 * IAM: `iam:GenerateCredentialReport`, `iam:GetCredentialReport`.
 * @throws CredentialReportTimeoutError when the report is not ready after `maxPolls` polls.
 * @example
 * const report = await fetchCredentialReport(clients.iam, { maxPolls: 10 });
 */
export async function fetchCredentialReport(
  iam: IAMClient,
  options: PollOptions = {},
): Promise<CredentialReport> {
  const maxPolls = options.maxPolls ?? 10;
  const maxDelay = options.maxDelayMs ?? 8000;
  const sleep = options.sleep ?? defaultSleep;
  let delay = options.initialDelayMs ?? 1000;
  let waited = 0;
  let last = 'no answer';
  for (let poll = 1; poll <= maxPolls; poll++) {
    let state: string | undefined;
    try {
      state = (await iam.send(new GenerateCredentialReportCommand({}))).State;
    } catch (err) {
      if (!LIMITED.has(awsErrorCode(err) ?? '')) throw err;
      state = 'LimitExceeded';
    }
    last = state ?? 'no state';
    if (state === 'COMPLETE') {
      try {
        const r = await iam.send(new GetCredentialReportCommand({}));
        return parseCredentialReport(decode(r.Content), r.GeneratedTime);
      } catch (err) {
        const code = awsErrorCode(err) ?? '';
        if (!NOT_READY.has(code) && !ABSENT.has(code)) throw err;
        // In progress: wait. Absent or expired: the next GenerateCredentialReport starts a new one.
        last = code;
      }
    }
    if (poll === maxPolls) break;
    await sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, maxDelay);
  }
  throw new CredentialReportTimeoutError(
    `the IAM credential report was not ready after ${maxPolls} polls (${Math.round(waited / 1000)} s waited; last state: ${last}): nothing was swept`,
  );
}

function decode(content: Uint8Array | undefined): string {
  if (!content) throw new CredentialReportError('the credential report has no content');
  // The API's base64 is decoded by the SDK into bytes; the bytes are the CSV text.
  return Buffer.from(content).toString('utf8');
}

/** A report date: ISO, or undefined for `N/A`, `no_information`, `not_supported` and anything unparsable. */
function reportDate(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function slot(row: Record<string, string>, n: 1 | 2): KeyDates {
  const active = row[`access_key_${n}_active`] === 'true';
  const createdAt = reportDate(row[`access_key_${n}_last_rotated`]);
  const used = row[`access_key_${n}_last_used_date`];
  // `N/A` means never used; a date is a use; anything else (e.g. `no_information`) is unknown.
  const lastUsedAt = used === 'N/A' ? null : reportDate(used);
  return { active, createdAt, lastUsedAt };
}

/**
 * Parses the credential report's CSV (with a CSV library: quoted fields are handled). The root row
 * (`<root_account>`) is not a user: only whether its key is active is kept.
 * @throws CredentialReportError when a required column is missing.
 */
export function parseCredentialReport(csv: string, generatedAt?: Date): CredentialReport {
  let rows: Record<string, string>[];
  let header: string[] = [];
  try {
    rows = parse(csv, {
      columns: (names: string[]) => {
        header = names;
        return names;
      },
      skip_empty_lines: true,
      trim: true,
    }) as Record<string, string>[];
  } catch (err) {
    throw new CredentialReportError(`the credential report is not valid CSV (${describeError(err)})`, {
      cause: err,
    });
  }
  const columns = new Set(header);
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.has(c));
  if (missing.length) {
    throw new CredentialReportError(`the credential report lacks column(s) ${missing.join(', ')}`);
  }
  let rootHasActiveKey = false;
  const users: ReportUser[] = [];
  for (const row of rows) {
    if (row.user === '<root_account>') {
      rootHasActiveKey = row.access_key_1_active === 'true' || row.access_key_2_active === 'true';
      continue;
    }
    users.push({ userName: row.user ?? '', arn: row.arn ?? '', keys: [slot(row, 1), slot(row, 2)] });
  }
  return { generatedAt, users, rootHasActiveKey };
}
