import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { parse } from 'csv-parse/sync';
import { awsErrorCode, describeError, RevocationError, TransientError } from '../errors';
import type { KeyDates } from './classify';
import { readContentRaw } from './report-content';

/** IAM actions the credential report's reads are authorized as. */
export const CREDENTIAL_REPORT_PERMISSIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
] as const;

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
 * Two calls when a report is ready. The report's content is read from the raw response, without the SDK's XML
 * parse (see `readContentRaw`): that parse of a multi-megabyte element dominated the sweep's memory.
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
        const r = await iam.send(readContentRaw(new GetCredentialReportCommand({})));
        return parseCredentialReport(bytesOf(r.Content), r.GeneratedTime);
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

/** The report's bytes, viewed (not copied) as a Buffer. */
function bytesOf(content: Uint8Array | undefined): Buffer {
  if (!content) throw new CredentialReportError('the credential report has no content');
  return Buffer.from(content.buffer, content.byteOffset, content.byteLength);
}

/** A report boolean, read without case (`true`, `TRUE`). */
const isTrue = (value: string | undefined) => value?.toLowerCase() === 'true';

/** A report date: ISO, or undefined for `N/A`, `no_information`, `not_supported` and anything unparsable. */
function reportDate(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function slot(row: readonly string[], at: Columns, n: 1 | 2): KeyDates {
  const c = n === 1 ? at.key1 : at.key2;
  const active = isTrue(row[c.active]);
  const createdAt = reportDate(row[c.rotated]);
  const used = row[c.used];
  // `N/A` means never used; a date is a use; anything else (e.g. `no_information`) is unknown.
  const lastUsedAt = used === 'N/A' ? null : reportDate(used);
  return { active, createdAt, lastUsedAt };
}

interface Columns {
  readonly user: number;
  readonly arn: number;
  readonly key1: { readonly active: number; readonly rotated: number; readonly used: number };
  readonly key2: { readonly active: number; readonly rotated: number; readonly used: number };
}

function columnsOf(header: readonly string[]): Columns {
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new CredentialReportError(`the credential report lacks column(s) ${missing.join(', ')}`);
  }
  const at = (name: string) => header.indexOf(name);
  const key = (n: 1 | 2) => ({
    active: at(`access_key_${n}_active`),
    rotated: at(`access_key_${n}_last_rotated`),
    used: at(`access_key_${n}_last_used_date`),
  });
  return { user: at('user'), arn: at('arn'), key1: key(1), key2: key(2) };
}

/**
 * Parses the credential report's CSV (with a CSV library: quoted fields are handled), one row at a time: each
 * row becomes a {@link ReportUser} as it is read and the parser keeps no row of its own (no array of records,
 * no object per row with every column). The root row (`<root_account>`) is not a user: only whether its key
 * is active is kept.
 * @throws CredentialReportError when the CSV is invalid or a required column is missing.
 * @example
 * parseCredentialReport(Buffer.from(csv), generatedAt).users[0].keys[0].active
 */
export function parseCredentialReport(csv: string | Buffer, generatedAt?: Date): CredentialReport {
  let at: Columns | undefined;
  let rootHasActiveKey = false;
  const users: ReportUser[] = [];
  try {
    parse(csv, {
      skip_empty_lines: true,
      trim: true,
      // Every row is consumed here and dropped (null): nothing accumulates inside the parser.
      on_record: (row: string[]) => {
        if (!at) {
          at = columnsOf(row);
          return null;
        }
        const user = row[at.user] ?? '';
        if (user === '<root_account>') {
          rootHasActiveKey = isTrue(row[at.key1.active]) || isTrue(row[at.key2.active]);
          return null;
        }
        users.push({ userName: user, arn: row[at.arn] ?? '', keys: [slot(row, at, 1), slot(row, at, 2)] });
        return null;
      },
    });
  } catch (err) {
    if (err instanceof CredentialReportError) throw err;
    throw new CredentialReportError(`the credential report is not valid CSV (${describeError(err)})`, {
      cause: err,
    });
  }
  if (!at) throw new CredentialReportError('the credential report is empty');
  return { generatedAt, users, rootHasActiveKey };
}
