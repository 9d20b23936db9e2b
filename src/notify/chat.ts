import * as z from 'zod';

/**
 * Bounds the chat rendering keeps to. The format's page (Amazon Q Developer in chat applications, "Custom
 * notifications") names the fields and which are required; these bounds are ours, under what Slack and Microsoft
 * Teams show in one message, so that nothing is cut by the chat client.
 */
export const CHAT_LIMITS = Object.freeze({
  title: 250,
  description: 8000,
  nextSteps: 8,
  nextStep: 1000,
  keywords: 10,
  keyword: 60,
  summary: 250,
  relatedResources: 20,
});

/**
 * The Amazon Q Developer in chat applications custom notification (`version` `1.0`, `source` `custom`, `content`
 * with `textType` `client-markdown`; optional `id` and `metadata`). A message on a topic mapped to a chat channel
 * is shown only when it has this shape (anything else is dropped, or shown as raw JSON through `https`).
 * @example
 * chatNotificationSchema.parse(JSON.parse(message)); // throws when a field is missing or out of bounds
 */
export const chatNotificationSchema = z.strictObject({
  version: z.literal('1.0'),
  source: z.literal('custom'),
  id: z.string().min(1).optional(),
  content: z.strictObject({
    textType: z.literal('client-markdown').optional(),
    title: z.string().min(1).max(CHAT_LIMITS.title).optional(),
    description: z.string().min(1).max(CHAT_LIMITS.description),
    nextSteps: z.array(z.string().min(1).max(CHAT_LIMITS.nextStep)).max(CHAT_LIMITS.nextSteps).optional(),
    keywords: z.array(z.string().min(1).max(CHAT_LIMITS.keyword)).max(CHAT_LIMITS.keywords).optional(),
  }),
  metadata: z
    .strictObject({
      threadId: z.string().min(1).optional(),
      summary: z.string().min(1).max(CHAT_LIMITS.summary).optional(),
      eventType: z.string().min(1).optional(),
      relatedResources: z.array(z.string().min(1)).max(CHAT_LIMITS.relatedResources).optional(),
      additionalContext: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

export type ChatNotification = z.infer<typeof chatNotificationSchema>;
