import type { SQSRecord } from 'aws-lambda';
import { describeError } from '../errors';
import type { Notification } from './index';

/** The notification of a message that is not a departure: it is dropped, so a human must see it. */
export function malformedDepartureNotification(record: SQSRecord, err: unknown): Notification {
  const body = record.body.length > 2000 ? `${record.body.slice(0, 2000)}... (truncated)` : record.body;
  const problem = describeError(err);
  return {
    subject: '[offboarding] departure malformed: message dropped',
    text: [
      'A message on the departure queue is not a departure and was dropped (not retried).',
      `message: ${record.messageId}`,
      `problem: ${problem}`,
      '',
      body,
    ].join('\n'),
    json: { kind: 'malformed-departure', messageId: record.messageId, problem, body },
    attributes: { trigger: 'departure', outcome: 'malformed', severity: 'high' },
  };
}
