import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { Clients } from '../clients';
import { awsErrorCode, describeError, TransientError } from '../errors';
import { logger } from '../logger';

/**
 * IAM actions of reading a webhook secret: the SecureString, and `kms:Decrypt` (through SSM only) when it is
 * encrypted under a customer managed KMS key (the AWS managed `aws/ssm` key needs no grant).
 */
export const SECRET_PERMISSIONS = ['ssm:GetParameter', 'kms:Decrypt'] as const;

/** Where the webhook gets a provider's current secrets. */
export interface SecretSource {
  /**
   * The provider's current secrets (one or more: rotation).
   * @throws TransientError when they cannot be read (the sender should retry).
   */
  secretsFor(provider: string, now: Date): Promise<readonly string[]>;
}

/** Splits a parameter value into secrets: one per line, blank lines ignored. */
export function splitSecrets(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Secrets from the SSM SecureString `${prefix}<provider>` (decrypted), cached per cold start for `ttlMs`.
 * Rotation: add the new secret as a second line, wait one TTL, switch the sender, then remove the old line.
 * A missing parameter is our misconfiguration, not the sender's fault: it answers 503 so the sender retries
 * while it is fixed, rather than a 4xx that would drop the departure.
 * SSM: `ssm:GetParameter` (and `kms:Decrypt` on a customer managed key).
 */
export class SsmSecretCache implements SecretSource {
  readonly #cache = new Map<string, { secrets: readonly string[]; expires: number }>();

  constructor(
    private readonly ssm: Clients['ssmHome'],
    private readonly prefix: string,
    private readonly ttlMs = 60_000,
  ) {}

  /** The parameter name of a provider's secrets. */
  parameterName(provider: string): string {
    return `${this.prefix}${provider}`;
  }

  async secretsFor(provider: string, now: Date): Promise<readonly string[]> {
    const cached = this.#cache.get(provider);
    if (cached && cached.expires > now.getTime()) return cached.secrets;
    const name = this.parameterName(provider);
    let value: string | undefined;
    try {
      const r = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = r.Parameter?.Value;
    } catch (err) {
      const missing = awsErrorCode(err) === 'ParameterNotFound';
      logger.error(missing ? 'webhook secret parameter missing' : 'webhook secret unavailable', {
        parameter: name,
        error: awsErrorCode(err) ?? describeError(err),
      });
      throw new TransientError(`webhook secret ${name} unavailable`, { cause: err });
    }
    const secrets = splitSecrets(value ?? '');
    if (!secrets.length) {
      logger.error('webhook secret parameter is empty', { parameter: name });
      throw new TransientError(`webhook secret ${name} is empty`);
    }
    this.#cache.set(provider, { secrets, expires: now.getTime() + this.ttlMs });
    return secrets;
  }
}
