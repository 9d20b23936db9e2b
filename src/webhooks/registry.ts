import { bamboohrProvider } from './providers/bamboohr';
import { hibobProvider } from './providers/hibob';
import { oktaProvider } from './providers/okta';
import { standardProvider } from './providers/standard';
import type { WebhookProvider } from './types';

/** Every provider, by its `{provider}` path segment. Adding one is adding an adapter here. */
export const providers = {
  standard: standardProvider,
  okta: oktaProvider,
  bamboohr: bamboohrProvider,
  hibob: hibobProvider,
} as const satisfies Record<string, WebhookProvider>;

export type ProviderName = keyof typeof providers;

/** The provider named by a path segment, or undefined (own keys only: `constructor` names nothing). */
export function providerFor(name: string | undefined): WebhookProvider | undefined {
  return name !== undefined && Object.hasOwn(providers, name) ? providers[name as ProviderName] : undefined;
}
