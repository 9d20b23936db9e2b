import type { ProviderName } from '../../src/webhooks/registry';

/**
 * The webhook secrets of the local loop (`npm run local`), one per provider: `npm run local` stores each in
 * the emulator as the stack's SecureString `${WEBHOOK_SECRET_PREFIX}<provider>`, and `npm run sign-event`
 * signs with it when given no other secret, so the README's example works as printed. Public on purpose:
 * they protect nothing but a local emulator. Never use them in a deployed stage. Never bundled into a handler.
 */
export const LOCAL_WEBHOOK_SECRETS: Readonly<Record<ProviderName, string>> = Object.freeze({
  // Standard Webhooks secrets are `whsec_` and base64 (24 random bytes here).
  standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  // Okta sends the secret itself as the Authorization header's value.
  okta: 'Bearer local-okta-event-hook-secret',
  bamboohr: 'local-bamboohr-webhook-private-key',
  hibob: 'local-hibob-webhook-secret',
});

/** The stack's prefix of the webhook secrets' SSM parameter names (serverless.yml `webhookSecretPrefix`). */
export const WEBHOOK_SECRET_PREFIX = '/offboarding/webhook/';
