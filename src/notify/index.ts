import { PublishCommand } from '@aws-sdk/client-sns';
import type { Clients } from '../clients';
import type { Config } from '../config';
import { describeError } from '../errors';
import { logger } from '../logger';
import { recordPublishFailure } from '../metrics';
import type { Notification } from './model';
import { chatMessage, emailText, renderContext } from './render';
import { clip, MAX_PART } from './text';

/** SNS actions notification uses. */
export const NOTIFY_PERMISSIONS = ['sns:Publish'] as const;

/** What publishing reads from the configuration: the topics, and where the reports' links and commands point. */
export type NotifyConfig = Pick<
  Config,
  'notifyTopicArn' | 'chatTopicArn' | 'region' | 'idcRegion' | 'projectRolePrefix'
>;

/** The message attributes of a notification (`String`), for subscription filter policies. */
const attributesOf = (n: Notification) => ({
  trigger: { DataType: 'String', StringValue: n.attributes.trigger },
  outcome: { DataType: 'String', StringValue: n.attributes.outcome },
  severity: { DataType: 'String', StringValue: n.attributes.severity },
});

/**
 * The chat rendering could not be built or published, AFTER the main message went out on the notification topic:
 * the email and the JSON report were sent, so a caller that retries on failure must not send them again.
 */
export class ChatDeliveryError extends Error {
  override readonly name = 'ChatDeliveryError';
}

/**
 * Publishes a notification on `NOTIFY_TOPIC_ARN` as `MessageStructure: json`: the email text for `default` and
 * `email`, the JSON report for `sqs` and `lambda`, the chat rendering for `https`; and, when `CHAT_TOPIC_ARN` is
 * set, the chat rendering alone on that topic (a second Publish). SNS: `sns:Publish`.
 * @returns the main topic's message id
 * @throws the main Publish's SNS error; {@link ChatDeliveryError} when the chat rendering or its Publish failed
 * after the main message was sent (then with the JSON report as its `https` part). Callers that must not fail on
 * either use {@link publishOrNote}.
 */
export async function publish(
  clients: Pick<Clients, 'sns'>,
  config: NotifyConfig,
  n: Notification,
): Promise<string | undefined> {
  const ctx = renderContext(config);
  let json = JSON.stringify(n.json);
  const text = clip(emailText(n, ctx), MAX_PART);
  if (json.length > MAX_PART) {
    json = JSON.stringify({ truncated: true, summary: clip(text, MAX_PART / 2) });
  }
  // A chat rendering that breaks the format must not cost the email: the main message goes out with the JSON
  // report for `https`, then the error is thrown (the caller notes it).
  let chat: string | undefined;
  let chatError: unknown;
  try {
    chat = JSON.stringify(chatMessage(n, ctx));
  } catch (err) {
    chatError = err;
  }
  const r = await clients.sns.send(
    new PublishCommand({
      TopicArn: config.notifyTopicArn,
      Subject: n.subject,
      MessageStructure: 'json',
      Message: JSON.stringify({ default: text, email: text, sqs: json, lambda: json, https: chat ?? json }),
      MessageAttributes: attributesOf(n),
    }),
  );
  if (chat === undefined) throw new ChatDeliveryError(`chat rendering failed: ${describeError(chatError)}`);
  if (config.chatTopicArn) {
    try {
      await clients.sns.send(
        new PublishCommand({
          TopicArn: config.chatTopicArn,
          Message: chat,
          MessageAttributes: attributesOf(n),
        }),
      );
    } catch (err) {
      throw new ChatDeliveryError(`chat topic publish failed: ${describeError(err)}`);
    }
  }
  return r.MessageId;
}

/**
 * Publishes a run's notification; a failure is logged and added to the run's `notes` (the report the caller
 * returns says the notification failed) instead of failing a run whose AWS changes are already made.
 * @example
 * await publishOrNote(clients, config, revocationNotification(report), report.notes);
 */
export async function publishOrNote(
  clients: Pick<Clients, 'sns'>,
  config: NotifyConfig,
  n: Notification,
  notes: string[],
): Promise<void> {
  try {
    await publish(clients, config, n);
  } catch (err) {
    logger.error('notification failed', { subject: n.subject, error: describeError(err) });
    notes.push(`notification failed: ${describeError(err)}`);
    recordPublishFailure();
  }
}

export { CHAT_LIMITS, type ChatNotification, chatNotificationSchema } from './chat';
export { accountDeadLetterNotification, coverageNotification } from './coverage';
export { malformedAccountWorkNotification, malformedDepartureNotification } from './departure';
export { followUpNotification } from './follow-up';
export {
  idcDriftNotification,
  idcRestoreNotification,
  idcRevocationNotification,
  identityCenterSections,
} from './identity-center';
export {
  type Attributes,
  type Fact,
  type Linked,
  type NextStep,
  type Notification,
  notification,
  type RestoreBody,
  type Section,
} from './model';
export { chatMessage, EMAIL_WIDTH, emailText, type RenderContext, renderContext } from './render';
export { restoreNotification } from './restore';
export { revocationNotification } from './revocation';
export { restoreSeverity, revocationSeverity, severityOf, sweepSeverity } from './severity';
export { sweepFailureNotification, sweepNotification } from './sweep';
export { safeSubject, table } from './text';
