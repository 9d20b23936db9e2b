import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Cancellation, Departure, Normalized, WebhookRequest } from '../../../src/webhooks/types';

/** Shared fixtures of the webhook unit tests (not a test file). */

export const STANDARD_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const OTHER_STANDARD_SECRET = 'whsec_c2Vjb25kLXNlY3JldC1mb3Itcm90YXRpb24=';
export const SECRETS = {
  standard: [STANDARD_SECRET],
  okta: ['Bearer okta-hook-secret-1'],
  bamboohr: ['bamboo-private-key-1'],
  hibob: ['hibob-secret-1'],
} as const;

export const NOW = new Date('2026-01-31T18:42:00.000Z');

export function request(body: string, headers: Record<string, string> = {}, method = 'POST'): WebhookRequest {
  return { method, headers, query: {}, body: Buffer.from(body, 'utf8') };
}

/** A sample event from `events/`. */
export function sampleEvent(name: string): APIGatewayProxyEventV2 {
  return JSON.parse(readFileSync(join(__dirname, '../../../events', name), 'utf8')) as APIGatewayProxyEventV2;
}

/** The departures of a normalized payload (cancellations left out). */
export const departuresOf = (r: Normalized): Departure[] =>
  r.kind === 'departures' ? r.departures.filter((d): d is Departure => !('cancelFor' in d)) : [];

/** The cancellations of a normalized payload. */
export const cancellationsOf = (r: Normalized): Cancellation[] =>
  r.kind === 'departures' ? r.departures.filter((d): d is Cancellation => 'cancelFor' in d) : [];
