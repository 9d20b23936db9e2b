import type { GetCredentialReportCommand } from '@aws-sdk/client-iam';

/**
 * GetCredentialReport without the SDK's generic XML parse of its one large element.
 *
 * The report travels as base64 inside `<Content>` (about 4 MB of text for 10,000 users). Parsed by the SDK's
 * XML deserializer, that one element costs the process far more than its size (measured in BENCHMARKS.md:
 * ~233 MiB peak RSS for a 3 MB report at 10,000 users). These two middlewares, on the command only (the shared
 * client is left as it is), take the text out of the raw body instead: the inner one, just before the HTTP
 * handler answers the SDK's deserializer, cuts `<Content>...</Content>` out of the body and decodes it with
 * `Buffer.from(base64)`; the SDK then parses a body of a few hundred bytes (the date, the format, the request
 * id, or an error as usual); the outer one puts the decoded bytes back as the output's `Content`. Anything
 * else (an error answer, a body without `<Content>`) passes through untouched.
 */

const OPEN = Buffer.from('<Content>');
const CLOSE = Buffer.from('</Content>');

type Body = Uint8Array | AsyncIterable<Uint8Array | string> | undefined;

/** The SDK's middleware shape at the deserialize step, without importing `@smithy/types`. */
type Handler = (args: unknown) => Promise<{ output: unknown; response: unknown }>;
type Middleware = Parameters<GetCredentialReportCommand['middlewareStack']['addRelativeTo']>[0];
const middleware = (m: (next: Handler) => Handler) => m as unknown as Middleware;

/** The whole raw body as one Buffer (the SDK would collect it too before parsing). */
async function collect(body: Body): Promise<Buffer | undefined> {
  if (body === undefined) return undefined;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of body)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * Cuts the base64 text of `<Content>` out of a GetCredentialReport response body.
 * @returns the decoded bytes and the body left without them, or undefined when the body has no `<Content>`.
 * @example
 * splitContent(Buffer.from('<R><Content>aGk=</Content></R>'))
 * // { content: <Buffer 68 69>, rest: <Buffer '<R><Content></Content></R>'> }
 */
export function splitContent(body: Buffer): { content: Buffer; rest: Buffer } | undefined {
  const open = body.indexOf(OPEN);
  if (open < 0) return undefined;
  const start = open + OPEN.length;
  const end = body.indexOf(CLOSE, start);
  if (end < 0) return undefined;
  // base64 is ASCII: latin1 is the cheapest exact view of it; Buffer.from(_, 'base64') skips line breaks.
  const content = Buffer.from(body.toString('latin1', start, end), 'base64');
  return { content, rest: Buffer.concat([body.subarray(0, start), body.subarray(end)]) };
}

/**
 * Adds the two middlewares to one GetCredentialReport command (see the module comment).
 * @example
 * const r = await iam.send(readContentRaw(new GetCredentialReportCommand({})));
 */
export function readContentRaw(command: GetCredentialReportCommand): GetCredentialReportCommand {
  let decoded: Buffer | undefined;
  command.middlewareStack.addRelativeTo(
    middleware((next) => async (args) => {
      const result = await next(args);
      const response = result.response as { statusCode?: number; body?: Body };
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) return result;
      const body = await collect(response.body);
      if (!body) return result;
      const split = splitContent(body);
      decoded = split?.content;
      response.body = split ? split.rest : body;
      return result;
    }),
    {
      name: 'sweepCredentialReportRawContent',
      relation: 'after',
      toMiddleware: 'deserializerMiddleware',
    },
  );
  command.middlewareStack.addRelativeTo(
    middleware((next) => async (args) => {
      decoded = undefined;
      const result = await next(args);
      if (decoded) (result.output as { Content?: Uint8Array }).Content = decoded;
      decoded = undefined;
      return result;
    }),
    {
      name: 'sweepCredentialReportContent',
      relation: 'before',
      toMiddleware: 'deserializerMiddleware',
    },
  );
  return command;
}
