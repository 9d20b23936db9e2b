import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSEvent } from 'aws-lambda';
import { departureItems, parseWorkItem, workItemId } from '../../../src/accounts/work';
import type { DepartureMessage } from '../../../src/departures/message';
import { InvalidRequestError } from '../../../src/errors';

const sample = JSON.parse(
  readFileSync(join(__dirname, '../../../events/account-work-sqs.json'), 'utf8'),
) as SQSEvent;
const departure: DepartureMessage = {
  id: 'standard:msg_1',
  provider: 'standard',
  person: { email: 'jane@example.com' },
  occurredAt: '2026-12-01T10:00:00Z',
  receivedAt: '2026-12-01T10:00:01Z',
};

describe('Account work items', () => {
  it('parses the sample event of the account worker', () => {
    const item = parseWorkItem(sample.Records[0]?.body ?? '');
    expect(item).toMatchObject({ kind: 'departure', accountId: '210987654321' });
    expect(item.id).toBe(workItemId('standard:msg_2KWPBgLlAfxdpx2AI54pPJ85f4W', '210987654321'));
  });

  it('makes one item per account, each carrying the departure unchanged', () => {
    const items = departureItems(departure, ['111111111111', '222222222222']);
    expect(items.map((i) => i.id)).toEqual(['standard:msg_1@111111111111', 'standard:msg_1@222222222222']);
    for (const i of items) expect(parseWorkItem(JSON.stringify(i))).toEqual(i);
  });

  it('parses a sweep item, and refuses anything else with the reason', () => {
    const sweep = {
      kind: 'sweep',
      id: 's@111111111111',
      accountId: '111111111111',
      sweepId: 's',
      mode: 'enforce',
    };
    expect(parseWorkItem(JSON.stringify(sweep))).toEqual(sweep);
    expect(() => parseWorkItem('not json')).toThrow(InvalidRequestError);
    expect(() => parseWorkItem(JSON.stringify({ ...sweep, accountId: '1' }))).toThrow(/accountId/);
    expect(() => parseWorkItem(JSON.stringify({ ...sweep, kind: 'delete' }))).toThrow(/kind/);
    expect(() => parseWorkItem(JSON.stringify({ ...sweep, mode: 'purge' }))).toThrow(/mode/);
  });
});
