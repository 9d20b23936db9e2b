import { Readable } from 'node:stream';
import {
  CredentialReportNotPresentException,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { fetchCredentialReport } from '../../../src/sweep/credential-report';
import { readContentRaw, splitContent } from '../../../src/sweep/report-content';

const CSV =
  'user,arn,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n' +
  'alice,arn:aws:iam::123456789012:user/alice,true,2025-01-01T10:00:00+00:00,N/A,false,N/A,N/A\n';

const ok = (content: string) =>
  `<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult><Content>${content}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2026-11-29T08:00:00Z</GeneratedTime></GetCredentialReportResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCredentialReportResponse>`;

/** An IAM client whose HTTP layer answers `bodies` in turn (as a stream, as Node's HTTP handler does). */
function clientAnswering(...answers: { status: number; body: string }[]): IAMClient {
  let i = 0;
  return new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => {
        const a = answers[Math.min(i++, answers.length - 1)] as { status: number; body: string };
        return {
          response: {
            statusCode: a.status,
            headers: { 'content-type': 'text/xml' },
            body: Readable.from([Buffer.from(a.body.slice(0, 50)), Buffer.from(a.body.slice(50))]),
          },
        };
      },
    } as never,
  });
}

describe('Function: splitContent', () => {
  it('cuts the base64 text out of the body and decodes it, line breaks included', () => {
    const encoded = Buffer.from(CSV).toString('base64');
    const wrapped = `${encoded.slice(0, 40)}\n${encoded.slice(40)}`;

    const split = splitContent(Buffer.from(ok(wrapped)));

    expect(split?.content.toString('utf8')).toBe(CSV);
    expect(split?.rest.toString()).toBe(ok(''));
  });

  it('finds nothing in a body without <Content>', () => {
    expect(splitContent(Buffer.from('<ErrorResponse><Error/></ErrorResponse>'))).toBeUndefined();
  });
});

describe('Function: readContentRaw', () => {
  it('gives the decoded report and its date through the real SDK stack', async () => {
    const iam = clientAnswering({ status: 200, body: ok(Buffer.from(CSV).toString('base64')) });

    const r = await iam.send(readContentRaw(new GetCredentialReportCommand({})));

    expect(Buffer.from(r.Content ?? []).toString('utf8')).toBe(CSV);
    expect(r.GeneratedTime).toEqual(new Date('2026-11-29T08:00:00Z'));
    expect(r.ReportFormat).toBe('text/csv');
  });

  it("keeps the content away from the SDK's XML parse (which rejects base64 that Buffer.from reads)", async () => {
    // The SDK's own deserializer throws on this base64; the raw read never hands it to the SDK.
    const body = ok(`${Buffer.from(CSV).toString('base64')}@@`);

    await expect(
      clientAnswering({ status: 200, body }).send(new GetCredentialReportCommand({})),
    ).rejects.toThrow(/base64/);
    const r = await clientAnswering({ status: 200, body }).send(
      readContentRaw(new GetCredentialReportCommand({})),
    );
    expect(Buffer.from(r.Content ?? []).toString('utf8')).toBe(CSV);
  });

  it('lets an error answer through to the SDK as its typed exception', async () => {
    const iam = clientAnswering({
      status: 410,
      body: '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>ReportNotPresent</Code><Message>no report</Message></Error><RequestId>req-2</RequestId></ErrorResponse>',
    });

    await expect(iam.send(readContentRaw(new GetCredentialReportCommand({})))).rejects.toBeInstanceOf(
      CredentialReportNotPresentException,
    );
  });

  it('is what fetchCredentialReport reads the report with', async () => {
    const iam = clientAnswering(
      {
        status: 200,
        body: '<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>COMPLETE</State></GenerateCredentialReportResult></GenerateCredentialReportResponse>',
      },
      { status: 200, body: ok(`${Buffer.from(CSV).toString('base64')}@@`) },
    );
    const sent: string[] = [];
    iam.middlewareStack.add(
      (next, ctx) => async (args) => {
        sent.push(String(ctx.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'record' },
    );

    const report = await fetchCredentialReport(iam, { sleep: async () => {} });

    expect(sent).toEqual([GenerateCredentialReportCommand.name, GetCredentialReportCommand.name]);
    expect(report.users.map((u) => [u.userName, u.keys[0].active])).toEqual([['alice', true]]);
  });
});
