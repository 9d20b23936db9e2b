import {
  type CloudTrailClient,
  type Event as CloudTrailEvent,
  type LookupAttributeKey,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import { awsErrorCode } from '../errors';
import type { Sleep } from './limiter';
import type { TrailEvent } from './types';

/** CloudTrail: the follow-up's lookups. */
export const LOOKUP_PERMISSIONS = ['cloudtrail:LookupEvents'] as const;

/** Error codes of a throttled call (CloudTrail answers `ThrottlingException`). */
const THROTTLED = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);
/** Attempts of one call when throttled, and the first wait (doubled each time, then capped). */
export const THROTTLE_ATTEMPTS = 6;
const THROTTLE_BASE_MS = 500;
const THROTTLE_MAX_MS = 8_000;

/** One lookup: one attribute (`Username` or `AccessKeyId`) and value, from a time on. */
export interface Lookup {
  readonly attribute: Extract<LookupAttributeKey, 'Username' | 'AccessKeyId'>;
  readonly value: string;
  readonly startTime: Date;
  readonly endTime: Date;
}

export interface LookupDeps {
  readonly cloudtrail: CloudTrailClient;
  /** Waits for the account's and region's next free slot (`rateLimiter(2)`), before every attempt. */
  readonly limit: () => Promise<void>;
  readonly sleep: Sleep;
  readonly accountId: string;
  readonly region: string;
}

/** The fields of the event's own record the follow-up reports (never the request or response). */
function fromRecord(raw: string | undefined): Partial<TrailEvent> {
  if (!raw) return {};
  try {
    const r = JSON.parse(raw) as {
      errorCode?: string;
      sourceIPAddress?: string;
      userIdentity?: { accessKeyId?: string };
    };
    return {
      ...(r.errorCode ? { errorCode: r.errorCode } : {}),
      ...(r.sourceIPAddress ? { sourceIPAddress: r.sourceIPAddress } : {}),
      ...(r.userIdentity?.accessKeyId ? { accessKeyId: r.userIdentity.accessKeyId } : {}),
    };
  } catch {
    return {};
  }
}

/** A LookupEvents event as reported. */
export function toTrailEvent(e: CloudTrailEvent, accountId: string, region: string): TrailEvent {
  return {
    eventId: e.EventId ?? '',
    eventName: e.EventName ?? '',
    eventSource: e.EventSource ?? '',
    eventTime: e.EventTime ? new Date(e.EventTime).toISOString() : '',
    accountId,
    region,
    ...(e.Username ? { username: e.Username } : {}),
    ...(e.AccessKeyId ? { accessKeyId: e.AccessKeyId } : {}),
    ...fromRecord(e.CloudTrailEvent),
  };
}

/** One call, paced by the limiter, retried while throttled (backoff doubling from 500 ms, at most 8 s). */
async function paced<T>(deps: LookupDeps, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await deps.limit();
    try {
      return await call();
    } catch (err) {
      if (!THROTTLED.has(awsErrorCode(err) ?? '') || attempt >= THROTTLE_ATTEMPTS) throw err;
      await deps.sleep(Math.min(THROTTLE_BASE_MS * 2 ** (attempt - 1), THROTTLE_MAX_MS));
    }
  }
}

/**
 * Every event of one lookup in one account and region, page after page (`NextToken`), each request paced.
 * CloudTrail: `cloudtrail:LookupEvents`.
 * @throws the last error of a call that failed (throttled beyond {@link THROTTLE_ATTEMPTS}, or any other).
 */
export async function lookupEvents(deps: LookupDeps, lookup: Lookup): Promise<TrailEvent[]> {
  const out: TrailEvent[] = [];
  let NextToken: string | undefined;
  do {
    const page = await paced(deps, () =>
      deps.cloudtrail.send(
        new LookupEventsCommand({
          LookupAttributes: [{ AttributeKey: lookup.attribute, AttributeValue: lookup.value }],
          StartTime: lookup.startTime,
          EndTime: lookup.endTime,
          MaxResults: 50,
          ...(NextToken ? { NextToken } : {}),
        }),
      ),
    );
    out.push(...(page.Events ?? []).map((e) => toTrailEvent(e, deps.accountId, deps.region)));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}
