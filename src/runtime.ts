import { type Clients, makeClients } from './clients';
import { type Config, loadConfig, type RequiredKey } from './config';

/**
 * What a handler builds once per cold start: the validated config (a missing variable fails here, naming
 * it) and the clients.
 */
export function coldStart(require: readonly RequiredKey[] = []): { config: Config; clients: Clients } {
  const config = loadConfig(process.env, require);
  return { config, clients: makeClients({ region: config.region }) };
}
