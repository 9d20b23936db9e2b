import type { SQSRecord } from 'aws-lambda';
import { describeError } from '../errors';
import { type Notification, notification } from './model';

/** The notification of a message that is not a departure: it is dropped, so a human must see it. */
export function malformedDepartureNotification(record: SQSRecord, err: unknown): Notification {
  const body = record.body.length > 2000 ? `${record.body.slice(0, 2000)}... (truncated)` : record.body;
  const problem = describeError(err);
  return notification({
    kind: 'malformed-departure',
    headline: 'Departure message dropped: it is not a departure',
    summary:
      'A message on the departure queue is not a departure: it was dropped, not retried. No one was revoked.',
    facts: [
      ['message', record.messageId],
      ['problem', problem],
    ],
    sections: [{ title: 'Message body (first 2,000 characters)', items: [body] }],
    nextSteps: [
      'Find the sender from the body (a webhook provider, a replay script) and fix what it sends.',
      'If it named a leaver, revoke them now: a lockdown with their email or employeeId.',
    ],
    keywords: ['malformed-departure'],
    json: { kind: 'malformed-departure', messageId: record.messageId, problem, body },
    attributes: { trigger: 'departure', outcome: 'malformed', severity: 'high' },
  });
}

/** The notification of a message on the account queue that is not a work item: dropped, never retried. */
export function malformedAccountWorkNotification(messageId: string, problem: string): Notification {
  return notification({
    kind: 'malformed-account-work',
    headline: 'Account work item dropped: it is not a work item',
    summary: 'A message on the account queue is not a work item: it was dropped, not retried.',
    facts: [
      ['message', messageId],
      ['problem', problem],
    ],
    sections: [],
    nextSteps: [
      'Only this stack should send to the account queue: find who else does.',
      'If a departure was meant, revoke the person with a lockdown (email or employeeId).',
    ],
    keywords: ['malformed-account-work'],
    json: { kind: 'malformed-account-work', messageId, problem },
    attributes: { trigger: 'account-work', outcome: 'malformed', severity: 'high' },
  });
}
