import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { MOTO_ACCOUNT_ID } from '../local/moto';

/**
 * A local stand-in for API Gateway's HTTP API in front of the HR webhook: a `node:http` server on loopback
 * that turns each request into a payload format 2.0 event (`POST /hr/{provider}`), invokes the real handler
 * and writes its response back. Never used outside the demo.
 */

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | string | undefined>;

/** A Lambda context good enough for the handlers (Powertools reads the names and the remaining time). */
export function lambdaContext(functionName: string, timeoutMs = 30_000): Context {
  const started = Date.now();
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `demo/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The HTTP API v2 event API Gateway would send for this request (body base64, as for any content type). */
export function toHttpApiEvent(req: IncomingMessage, body: Buffer, now: Date): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const match = /^\/hr\/([^/]+)\/?$/.exec(url.pathname);
  const routeKey = match ? `${method} /hr/{provider}` : '$default';
  const query = Object.fromEntries(url.searchParams.entries());
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(match?.[1] ? { pathParameters: { provider: decodeURIComponent(match[1]) } } : {}),
    requestContext: {
      accountId: MOTO_ACCOUNT_ID,
      apiId: 'demo',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'demo',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.toString('base64'),
    isBase64Encoded: true,
  };
}

export interface LocalHttpApi {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `POST /hr/{provider}` (and `GET`) on a free loopback port through `handler`. */
export async function startHttpApi(handler: HttpApiHandler, functionName: string): Promise<LocalHttpApi> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const result = await handler(toHttpApiEvent(req, body, new Date()), lambdaContext(functionName));
        const structured: APIGatewayProxyStructuredResultV2 =
          typeof result === 'string' ? { statusCode: 200, body: result } : (result ?? { statusCode: 200 });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(structured.headers ?? {})) headers[k] = String(v);
        const payload = structured.isBase64Encoded
          ? Buffer.from(structured.body ?? '', 'base64')
          : Buffer.from(structured.body ?? '', 'utf8');
        res.writeHead(structured.statusCode ?? 200, headers);
        res.end(payload);
      } catch {
        // API Gateway answers 500 when the integration fails.
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
