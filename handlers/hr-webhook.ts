import { coldStart } from '../src/runtime';
import { webhookHandler } from '../src/webhooks/handler';

const { config, clients } = coldStart(['DEPARTURE_QUEUE_URL']);

/** HTTP API v2 `POST /hr/{provider}` (and `GET` for handshakes): verify, normalize, queue, answer 202. */
export const handler = webhookHandler({ config, clients });
