import type { SSOAdminClient } from '@aws-sdk/client-sso-admin';

/**
 * The stand-in for `DescribePermissionSetProvisioningStatus`, which moto 5.2.1 lacks (a 500), installed as a
 * middleware on ONE sso-admin client: moto answers `ProvisionPermissionSet` SUCCEEDED at once, so that answer
 * is rewritten to IN_PROGRESS (as AWS answers; moto still records the provisioning), and each describe of a
 * request is answered IN_PROGRESS until its `pollsUntilDone`-th poll, then SUCCEEDED, so the code's bounded
 * wait is exercised. Every other call is moto's own answer. Tests name it as the one stand-in they use.
 * The demo stands in for the same call on every client of the process instead (tools/demo/provisioning.ts).
 * Never bundled into a handler.
 * @example
 * const standIn = provisioningStatusStandIn(ssoAdmin, { pollsUntilDone: 2 });
 * // ... run a revocation ...
 * expect(standIn.polls).toBeGreaterThanOrEqual(2);
 */
export function provisioningStatusStandIn(
  client: SSOAdminClient,
  options: { readonly pollsUntilDone?: number } = {},
): { readonly polls: number } {
  const pollsUntilDone = options.pollsUntilDone ?? 1;
  const pollsOf = new Map<string, number>();
  const counter = { polls: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { ProvisionPermissionSetRequestId?: string };
      if (context.commandName === 'DescribePermissionSetProvisioningStatusCommand') {
        const requestId = input.ProvisionPermissionSetRequestId ?? '';
        const polls = (pollsOf.get(requestId) ?? 0) + 1;
        pollsOf.set(requestId, polls);
        counter.polls++;
        return {
          output: {
            $metadata: {},
            PermissionSetProvisioningStatus: {
              Status: polls >= pollsUntilDone ? 'SUCCEEDED' : 'IN_PROGRESS',
              RequestId: requestId,
            },
          },
          response: {},
        } as never;
      }
      const out = await next(args);
      if (context.commandName === 'ProvisionPermissionSetCommand') {
        const status = (out.output as { PermissionSetProvisioningStatus?: { Status?: string } })
          .PermissionSetProvisioningStatus;
        if (status) status.Status = 'IN_PROGRESS';
      }
      return out;
    },
    { step: 'initialize', name: 'provisioningStatusStandIn' },
  );
  return counter;
}
