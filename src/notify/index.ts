import { PublishCommand } from '@aws-sdk/client-sns';
import type { Clients } from '../clients';
import type { Severity } from '../engine';
import { describeError } from '../errors';
import { logger } from '../logger';
import { clip, MAX_PART, safeSubject } from './text';

/** SNS actions notification uses. */
export const NOTIFY_PERMISSIONS = ['sns:Publish'] as const;

/**
 * One notification per run: a human text (for `default` and `email`), the JSON report (for `sqs`, `lambda`,
 * `https`), and message attributes `trigger`, `outcome`, `severity` for subscription filter policies.
 */
export interface Notification {
  readonly subject: string;
  readonly text: string;
  readonly json: unknown;
  readonly attributes: { readonly trigger: string; readonly outcome: string; readonly severity: Severity };
}

/**
 * Publishes a notification on the topic as `MessageStructure: json`.
 * SNS: `sns:Publish`.
 * @throws the SNS error (callers that must not fail on it use {@link publishOrNote}).
 */
export async function publish(
  clients: Pick<Clients, 'sns'>,
  topicArn: string,
  n: Notification,
): Promise<string | undefined> {
  let json = JSON.stringify(n.json);
  if (json.length > MAX_PART) {
    json = JSON.stringify({ truncated: true, summary: clip(n.text, MAX_PART / 2) });
  }
  const text = clip(n.text, MAX_PART);
  const r = await clients.sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: safeSubject(n.subject),
      MessageStructure: 'json',
      Message: JSON.stringify({ default: text, email: text, sqs: json, lambda: json, https: json }),
      MessageAttributes: {
        trigger: { DataType: 'String', StringValue: n.attributes.trigger },
        outcome: { DataType: 'String', StringValue: n.attributes.outcome },
        severity: { DataType: 'String', StringValue: n.attributes.severity },
      },
    }),
  );
  return r.MessageId;
}

/**
 * Publishes a run's notification; a failure is logged and added to the run's `notes` (the report the caller
 * returns says the notification failed) instead of failing a run whose AWS changes are already made.
 * @example
 * await publishOrNote(clients, config.notifyTopicArn, revocationNotification(report), report.notes);
 */
export async function publishOrNote(
  clients: Pick<Clients, 'sns'>,
  topicArn: string,
  n: Notification,
  notes: string[],
): Promise<void> {
  try {
    await publish(clients, topicArn, n);
  } catch (err) {
    logger.error('notification failed', { subject: n.subject, error: describeError(err) });
    notes.push(`notification failed: ${describeError(err)}`);
  }
}

export { accountDeadLetterNotification, coverageNotification } from './coverage';
export { malformedDepartureNotification } from './departure';
export { followUpNotification } from './follow-up';
export {
  idcDriftNotification,
  idcRestoreNotification,
  idcRevocationNotification,
  identityCenterLines,
} from './identity-center';
export { restoreNotification } from './restore';
export { revocationNotification } from './revocation';
export { restoreSeverity, revocationSeverity, severityOf, sweepSeverity } from './severity';
export { sweepFailureNotification, sweepNotification } from './sweep';
export { safeSubject, table } from './text';
