import {
  CloudTrailClient,
  type Event as CloudTrailEvent,
  LookupEventsCommand,
  type LookupEventsCommandInput,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';

/** One event fed to the stand-in, as CloudTrail would have recorded it. */
export interface FedEvent {
  readonly eventId: string;
  readonly eventName: string;
  readonly eventSource: string;
  readonly eventTime: Date;
  readonly username: string;
  readonly accessKeyId?: string;
  readonly errorCode?: string;
  readonly sourceIPAddress?: string;
}

/**
 * STAND-IN for CloudTrail `LookupEvents` (moto has none: it answers 500). Every other AWS call stays on the
 * emulator. A small in-memory trail per account and region: fed events, it answers LookupEvents as CloudTrail
 * does for one lookup attribute (`Username`, `AccessKeyId`, `EventName`), between `StartTime` and `EndTime`,
 * newest first, `MaxResults` per page with a `NextToken`. Each client the code builds is tied to the account of
 * its credentials (the access key the emulator issued for the member role, or the function's own) and its
 * region: pass {@link CloudTrailStandIn.factory} as the `cloudtrail` client override, or let the code build its
 * own clients (a handler's), placed by region and by `accountOf` their access key id. Never used by src/.
 */
export class CloudTrailStandIn {
  private readonly events = new Map<string, FedEvent[]>();
  /** Every lookup answered: account, region, attribute, value. */
  readonly calls: { account: string; region: string; attribute: string; value: string }[] = [];
  private readonly mock = mockClient(CloudTrailClient);

  /** `accountOf` maps the access key id of a client's credentials to its account (undefined: the home account). */
  constructor(
    private readonly home: string,
    private readonly accountOf: (accessKeyId: string | undefined) => string | undefined = () => undefined,
  ) {}

  /** Records events in an account's trail in a region. */
  feed(account: string, region: string, ...events: FedEvent[]): void {
    const key = `${account}|${region}`;
    this.events.set(key, [...(this.events.get(key) ?? []), ...events]);
  }

  /** Forgets every event and call. */
  clear(): void {
    this.events.clear();
    this.calls.length = 0;
  }

  /** The `cloudtrail` client factory to give `makeClients` as an override. */
  readonly factory = (region: string, credentials?: { accessKeyId: string }): CloudTrailClient => {
    const account = this.accountOf(credentials?.accessKeyId) ?? this.home;
    const client = new CloudTrailClient({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    // Each client carries its account and region for the mock below.
    (client as unknown as { standIn: string }).standIn = `${account}|${region}`;
    return client;
  };

  /** Installs the mock's answer (call once, after creating the stand-in). */
  install(): this {
    this.mock.on(LookupEventsCommand).callsFake(async (input: LookupEventsCommandInput, getClient) => {
      const client = getClient();
      // A client of the factory carries its account and region; one the code built itself (a handler's) is
      // placed by its region and by the access key of its credentials.
      const tagged = (client as unknown as { standIn?: string }).standIn;
      const key =
        tagged ??
        `${this.accountOf((await client.config.credentials()).accessKeyId) ?? this.home}|${await client.config.region()}`;
      const [account = '', region = ''] = key.split('|');
      const attr = input.LookupAttributes?.[0];
      this.calls.push({
        account,
        region,
        attribute: attr?.AttributeKey ?? '',
        value: attr?.AttributeValue ?? '',
      });
      const from = input.StartTime?.getTime() ?? 0;
      const to = input.EndTime?.getTime() ?? Number.MAX_SAFE_INTEGER;
      const matching = (this.events.get(key) ?? [])
        .filter((e) => {
          if (attr?.AttributeKey === 'Username') return e.username === attr.AttributeValue;
          if (attr?.AttributeKey === 'AccessKeyId') return e.accessKeyId === attr.AttributeValue;
          if (attr?.AttributeKey === 'EventName') return e.eventName === attr.AttributeValue;
          return true;
        })
        .filter((e) => e.eventTime.getTime() >= from && e.eventTime.getTime() <= to)
        .sort((a, b) => b.eventTime.getTime() - a.eventTime.getTime());
      const start = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 50;
      const page = matching.slice(start, start + size);
      return {
        Events: page.map(
          (e): CloudTrailEvent => ({
            EventId: e.eventId,
            EventName: e.eventName,
            EventSource: e.eventSource,
            EventTime: e.eventTime,
            Username: e.username,
            ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
            CloudTrailEvent: JSON.stringify({
              eventID: e.eventId,
              eventName: e.eventName,
              eventSource: e.eventSource,
              eventTime: e.eventTime.toISOString(),
              userIdentity: { type: 'IAMUser', userName: e.username, accessKeyId: e.accessKeyId },
              sourceIPAddress: e.sourceIPAddress ?? '203.0.113.10',
              ...(e.errorCode ? { errorCode: e.errorCode, errorMessage: 'explicit deny' } : {}),
            }),
          }),
        ),
        ...(start + size < matching.length ? { NextToken: String(start + size) } : {}),
      };
    });
    return this;
  }

  /** Removes the mock. */
  restore(): void {
    this.mock.restore();
  }
}
