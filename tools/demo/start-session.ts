import { SSMClient, StartSessionCommand } from '@aws-sdk/client-ssm';
import type { Credentials } from '../local/seed';

/**
 * `aws ssm start-session --target <instance>` signed with a key, against the emulator: the check the seed's
 * simulated sessions stand for (a session is what `start-session` opens). moto 5.2.1 has no Session Manager,
 * but with IAM enforcement on it authorizes a request before it looks for the action: a caller the policies
 * deny gets `403 AccessDenied`, an allowed one moto's `500` "not implemented". So a refusal here is IAM's
 * answer, and an allowed caller's 500 shows the request got past IAM. Never bundled into a handler.
 */

export interface StartSessionProbe {
  /** True when IAM refused the request (HTTP 403 `AccessDenied`). */
  readonly refused: boolean;
  readonly status: number;
  /** `AccessDenied`, `not implemented` (moto's 500 once IAM allowed it), or what else came back. */
  readonly answer: string;
  /** `ssm:StartSession -> 403 AccessDenied: User: arn:... is not authorized to perform: ssm:StartSession ...`. */
  readonly line: string;
}

/** The raw answer of the last request `client` sent (the SDK cannot parse moto's XML or HTML error bodies). */
function captureRawAnswer(client: SSMClient): () => { status: number; body: string } | undefined {
  let last: { status: number; body: string } | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      // The SDK's HttpResponse (@smithy/types), as far as this reads it.
      const response = out.response as { statusCode: number; body: unknown };
      const chunks: Buffer[] = [];
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      const bytes = Buffer.concat(chunks);
      last = { status: response.statusCode, body: bytes.toString('utf8') };
      // Handed on as bytes, so the SDK's deserializer still reads it.
      response.body = new Uint8Array(bytes);
      return out;
    },
    // Inside the deserializer (`deserialize` step, low priority): sees the response before it is parsed.
    { step: 'deserialize', priority: 'low', name: 'captureRawAnswer' },
  );
  return () => last;
}

/** What an XML error body says (`<Code>`, `<Message>`), or the body's first line when it is not one. */
export function describeAnswer(status: number, body: string): { answer: string; detail: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code) return { answer: code, detail: message ?? '' };
  // moto raises NotImplementedError for the action once IAM let it through: a bare HTML 500 page.
  if (status === 500 && /Internal Server Error/.test(body)) {
    return {
      answer: 'not implemented',
      detail: 'Internal Server Error: moto has no Session Manager; IAM allowed the request',
    };
  }
  return { answer: `HTTP ${status}`, detail: body.replace(/\s+/g, ' ').slice(0, 200) };
}

/** `ssm:StartSession` on `target` signed with `credentials`, one attempt. */
export async function probeStartSession(
  endpoint: string,
  region: string,
  credentials: Credentials,
  target: string,
): Promise<StartSessionProbe> {
  const ssm = new SSMClient({ endpoint, region, credentials, maxAttempts: 1 });
  const raw = captureRawAnswer(ssm);
  try {
    await ssm.send(new StartSessionCommand({ Target: target }));
    return { refused: false, status: 200, answer: 'OK', line: 'ssm:StartSession -> 200 OK' };
  } catch (err) {
    const got = raw();
    if (!got) throw err;
    const { answer, detail } = describeAnswer(got.status, got.body);
    return {
      refused: got.status === 403 && answer === 'AccessDenied',
      status: got.status,
      answer,
      line: `ssm:StartSession -> ${got.status} ${answer}${detail ? `: ${detail}` : ''}`,
    };
  } finally {
    ssm.destroy();
  }
}
