import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { lookupEvents, THROTTLE_ATTEMPTS } from '../../../src/follow-up/lookup';
import 'aws-sdk-client-mock-jest';

const cloudtrail = mockClient(CloudTrailClient);
const FROM = new Date('2026-02-01T10:00:00Z');
const TO = new Date('2026-02-01T11:00:00Z');

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  EventId: id,
  EventName: 'ListBuckets',
  EventSource: 's3.amazonaws.com',
  EventTime: new Date('2026-02-01T10:20:00Z'),
  Username: 'jane',
  CloudTrailEvent: JSON.stringify({
    sourceIPAddress: '203.0.113.9',
    userIdentity: { accessKeyId: 'AKIAJANE' },
    ...extra,
  }),
});

function deps() {
  const limited: number[] = [];
  const slept: number[] = [];
  return {
    limited,
    slept,
    d: {
      cloudtrail: new CloudTrailClient({ region: 'us-east-1' }),
      limit: async () => void limited.push(1),
      sleep: async (ms: number) => void slept.push(ms),
      accountId: '111111111111',
      region: 'us-east-1',
    },
  };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

beforeEach(() => cloudtrail.reset());

describe('Function: lookupEvents', () => {
  it('reads every page (NextToken) of one attribute from the revocation on, each request through the limiter', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event('e1')], NextToken: 't1' })
      .resolvesOnce({ Events: [event('e2', { errorCode: 'AccessDenied' })] });
    const { d, limited } = deps();
    const events = await lookupEvents(d, {
      attribute: 'Username',
      value: 'jane',
      startTime: FROM,
      endTime: TO,
    });
    expect(events.map((e) => [e.eventId, e.errorCode])).toEqual([
      ['e1', undefined],
      ['e2', 'AccessDenied'],
    ]);
    expect(events[0]).toMatchObject({
      accountId: '111111111111',
      region: 'us-east-1',
      sourceIPAddress: '203.0.113.9',
      accessKeyId: 'AKIAJANE',
      eventTime: '2026-02-01T10:20:00.000Z',
    });
    expect(limited).toHaveLength(2);
    expect(cloudtrail).toHaveReceivedNthCommandWith(1, LookupEventsCommand, {
      LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'jane' }],
      StartTime: FROM,
      EndTime: TO,
      MaxResults: 50,
    });
    expect(cloudtrail).toHaveReceivedNthCommandWith(2, LookupEventsCommand, { NextToken: 't1' });
  });

  it('retries a throttled call with a growing wait, each attempt through the limiter again', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolvesOnce({ Events: [event('e1')] });
    const { d, limited, slept } = deps();
    const events = await lookupEvents(d, {
      attribute: 'AccessKeyId',
      value: 'AKIAJANE',
      startTime: FROM,
      endTime: TO,
    });
    expect(events).toHaveLength(1);
    expect(slept).toEqual([500, 1000]);
    expect(limited).toHaveLength(3);
  });

  it(`gives up after ${THROTTLE_ATTEMPTS} throttled attempts and throws CloudTrail's error`, async () => {
    cloudtrail.on(LookupEventsCommand).rejects(throttled());
    const { d } = deps();
    await expect(
      lookupEvents(d, { attribute: 'Username', value: 'jane', startTime: FROM, endTime: TO }),
    ).rejects.toThrow('Rate exceeded');
    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, THROTTLE_ATTEMPTS);
  });

  it('does not retry an error that is not throttling', async () => {
    cloudtrail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { d, slept } = deps();
    await expect(
      lookupEvents(d, { attribute: 'Username', value: 'jane', startTime: FROM, endTime: TO }),
    ).rejects.toThrow('not authorized');
    expect(cloudtrail).toHaveReceivedCommandTimes(LookupEventsCommand, 1);
    expect(slept).toEqual([]);
  });
});
