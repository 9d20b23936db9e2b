import type { Interceptor } from '../src/local/proxy';

/**
 * IAM APIs moto 5.2.1 lacks, answered by the proxy as AWS answers for a user who has none of the thing.
 * Without it, moto's HTTP 500 for `ListServiceSpecificCredentials` makes the SDK retry that read up to
 * `maxAttempts` times with backoff inside the snapshot round, a delay AWS would not cause.
 */
export const motoGaps: Interceptor = (req) => {
  if (req.operation !== 'iam:ListServiceSpecificCredentials') return undefined;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: '<ListServiceSpecificCredentialsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListServiceSpecificCredentialsResult><ServiceSpecificCredentials/></ListServiceSpecificCredentialsResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></ListServiceSpecificCredentialsResponse>',
  };
};
