import type { CancellationMessage, DepartureMessage } from '../departures/message';

/** A webhook request as the adapters see it: raw body bytes and lower-cased header names. */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The raw body bytes (decoded from base64 when API Gateway flagged it). Signatures cover these. */
  readonly body: Buffer;
}

/** A departure as an adapter normalizes it; the receiver adds `receivedAt`. */
export type Departure = Omit<DepartureMessage, 'receivedAt'>;

/** A cancellation (the person is staying) as an adapter normalizes it; the receiver adds `receivedAt`. */
export type Cancellation = Omit<CancellationMessage, 'receivedAt'>;

/** What a verified, parsed payload means: departures and cancellations to queue, or nothing. */
export type Normalized =
  | { readonly kind: 'departures'; readonly departures: readonly (Departure | Cancellation)[] }
  | { readonly kind: 'ignored'; readonly reason: string };

/** A response an adapter answers by itself (a verification handshake). */
export interface HandshakeResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/** What a verified delivery came to: departures queued (their ids), or nothing to do. */
export type Delivery =
  | { readonly kind: 'queued'; readonly queued: readonly string[] }
  | { readonly kind: 'ignored'; readonly reason: string };

/** A success answer: 200 or 202 with a JSON body or none, or 204. */
export type Acknowledgement =
  | { readonly statusCode: 200 | 202; readonly body?: unknown }
  | { readonly statusCode: 204 };

/**
 * One sender: how it proves itself and what its payloads mean. Verify before parse, parse before normalize:
 * nothing unverified is ever parsed.
 */
export interface WebhookProvider {
  /** The `{provider}` path segment and the last segment of the secret parameter's name. */
  readonly name: string;
  /** Answers a `GET` handshake; providers without one leave it out. */
  handshake?(request: WebhookRequest): HandshakeResponse;
  /**
   * True when a `POST` is the sender's own connection test (its exact body, compared as bytes): it is answered
   * 200 with an empty body before any secret is read, and nothing is parsed or queued. Providers without one
   * leave it out.
   */
  connectionTest?(request: WebhookRequest): boolean;
  /**
   * Checks the request against the current secrets (any may match).
   * @throws SignatureError without saying why.
   */
  verify(request: WebhookRequest, secrets: readonly string[], now: Date): void;
  /**
   * Turns the parsed JSON body into departures, or says why it is ignored.
   * @throws InvalidRequestError when the payload is not what the provider sends.
   */
  normalize(payload: unknown, request: WebhookRequest, now: Date): Normalized;
  /**
   * The answer to a delivery handled without error, where the sender documents its own. Without it:
   * 202 `{"queued": [ids]}` when departures were queued, 204 when there was nothing to do.
   */
  acknowledge?(delivery: Delivery): Acknowledgement;
}
