import type { Severity, Trigger } from '../engine';

/**
 * The CloudTrail follow-up of a revocation run: its records live in the run's own partition of the state table,
 * `followup#<runId>`: one target per account (what to look up there, written when the follow-ups are
 * scheduled) and one result per follow-up run.
 */
export const FOLLOW_UP_PK_PREFIX = 'followup#';

/** The partition of a run's follow-up records. */
export const followUpPk = (runId: string): string => `${FOLLOW_UP_PK_PREFIX}${runId}`;

/**
 * The account of a target written by a run that knew no account id (an Identity Center user alone): the follow-up
 * function's own account.
 */
export const SELF_ACCOUNT = 'self';

/** How long the follow-up records are kept (the table's TTL then removes them): CloudTrail's 90 days. */
export const FOLLOW_UP_KEEP_SECONDS = 90 * 24 * 3600;

/** A one-time follow-up schedule, as created. */
export interface FollowUpSchedule {
  readonly name: string;
  readonly group: string;
  /** `at(yyyy-mm-ddThh:mm:ss)`, UTC. */
  readonly expression: string;
  readonly minutes: number;
}

/**
 * What one account's follow-up looks up: written (`kind: "follow-up-target"`, `sk = target#<account id>`) by the
 * run that revoked, before its follow-ups are scheduled. Rewritten by a retried run of the same id (the newest
 * revocation time wins).
 */
export interface FollowUpTarget {
  readonly kind: 'follow-up-target';
  readonly pk: string;
  readonly sk: string;
  readonly runId: string;
  readonly trigger: Trigger;
  /** The account whose CloudTrail is read: the function's own, or reached through the member role. */
  readonly accountId: string;
  /** When the run started (its snapshot, before the deny): the lookups start here. */
  readonly revokedAt: string;
  /** When the run had verified the deny in place (the run's end): a successful call after it is activity. */
  readonly denyAt: string;
  /** `us-east-1` (IAM and STS events) and the session regions. */
  readonly regions: readonly string[];
  /** CloudTrail `Username` values: IAM user names, role session names, the Identity Center userName. */
  readonly usernames: readonly string[];
  /** The access keys the run deactivated (or found inactive): `AccessKeyId` lookups and GetAccessKeyLastUsed. */
  readonly accessKeyIds: readonly string[];
  /** The principals revoked there (ARNs), for the report. */
  readonly principals: readonly string[];
  readonly schedules: readonly FollowUpSchedule[];
  readonly expiresAt: number;
}

/** One CloudTrail event, as the follow-up reports it (no request or response payload). */
export interface TrailEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: string;
  readonly accountId: string;
  readonly region: string;
  readonly username?: string;
  readonly accessKeyId?: string;
  readonly sourceIPAddress?: string;
  /** CloudTrail's `errorCode` (`AccessDenied`...): absent on a call that succeeded. */
  readonly errorCode?: string;
}

/** A key whose `GetAccessKeyLastUsed` is later than the deny (the second signal). */
export interface KeyUsedAfter {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly lastUsedDate: string;
  readonly serviceName?: string;
  readonly region?: string;
}

/** One lookup (account, region, attribute) that failed: the follow-up is `incomplete`. */
export interface LookupFailure {
  readonly accountId: string;
  readonly region?: string;
  readonly lookup: string;
  readonly error: string;
}

/**
 * What a follow-up found:
 * - `activity-after-revocation` (severity `high`): a call without an error code after the deny, or a key used
 *   after it;
 * - `incomplete` (`high`: nothing proves the revocation held): a lookup failed and no activity was found;
 * - `denied-attempts` (`info`): only denied calls after the revocation;
 * - `no-activity` (`info`, recorded, not notified): nothing.
 */
export type FollowUpOutcome = 'activity-after-revocation' | 'incomplete' | 'denied-attempts' | 'no-activity';

/** The follow-up's report, returned, recorded and (unless `no-activity`) notified. */
export interface FollowUpReport {
  readonly kind: 'follow-up';
  readonly runId: string;
  /** The trigger of the run followed up. */
  readonly trigger: Trigger;
  readonly at: string;
  readonly outcome: FollowUpOutcome;
  readonly severity: Severity;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly principals: readonly string[];
    readonly revokedAt: string;
    readonly denyAt: string;
    readonly lookups: number;
  }[];
  /** Calls that succeeded after the deny took effect. */
  readonly activity: readonly TrailEvent[];
  /** Calls refused (an error code) since the revocation. */
  readonly denied: readonly TrailEvent[];
  /** Calls that succeeded during the revocation run, before the deny was verified: information. */
  readonly beforeDeny: readonly TrailEvent[];
  readonly keysUsedAfter: readonly KeyUsedAfter[];
  readonly failures: readonly LookupFailure[];
  readonly notes: readonly string[];
}

/** The follow-up's outcome recorded with the run (`sk = result#<ISO time>`): the report, whole. */
export interface FollowUpResultItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: 'follow-up-result';
  readonly runId: string;
  readonly at: string;
  readonly outcome: FollowUpOutcome;
  readonly severity: Severity;
  readonly report: FollowUpReport;
  readonly expiresAt: number;
}
