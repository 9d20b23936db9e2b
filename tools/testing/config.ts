import { type Config, loadConfig } from '../../src/config';

/** A complete configuration for tests and local tools, with overrides. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return Object.freeze({
    ...loadConfig({
      NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:offboarding',
      STATE_TABLE: 'offboarding-state',
      DEPARTURE_QUEUE_URL: 'http://localhost/123456789012/departures',
      AWS_REGION: 'us-east-1',
    }),
    ...overrides,
  });
}
