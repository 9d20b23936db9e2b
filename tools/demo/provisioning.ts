import {
  DescribePermissionSetProvisioningStatusCommand,
  type DescribePermissionSetProvisioningStatusCommandOutput,
  ProvisionPermissionSetCommand,
  type ProvisionPermissionSetCommandOutput,
  SSOAdminClient,
} from '@aws-sdk/client-sso-admin';

/**
 * Permission set provisioning status, simulated for the demo: moto answers `ProvisionPermissionSet` SUCCEEDED
 * at once and has no `DescribePermissionSetProvisioningStatus` (a 500). While installed, every `SSOAdminClient`
 * in this process (the handlers' own included) still sends `ProvisionPermissionSet` to moto, which records it,
 * but gets it answered `IN_PROGRESS`, as AWS answers; `DescribePermissionSetProvisioningStatus` of such a
 * request is answered `SUCCEEDED` (the first poll). Every other sso-admin call goes to moto. The same
 * technique as the SSM sessions (sessions.ts); tools/local/provisioning-stand-in.ts does the same for tests
 * with a middleware on its own client. Never used outside the demo.
 */

/** One provisioning as the stand-in saw it. */
export interface ProvisioningExchange {
  readonly permissionSetArn: string;
  readonly requestId: string;
  /** What moto answered (`SUCCEEDED`): replaced by `IN_PROGRESS`. */
  readonly motoStatus: string;
  /** `DescribePermissionSetProvisioningStatus` calls answered, each `SUCCEEDED`. */
  readonly polls: number;
}

export class SimulatedProvisioning {
  readonly #byRequest = new Map<string, { permissionSetArn: string; motoStatus: string; polls: number }>();
  #restore: (() => void) | undefined;

  /** Every provisioning since {@link install}, in the order they were requested. */
  all(): ProvisioningExchange[] {
    return [...this.#byRequest].map(([requestId, p]) => ({ requestId, ...p }));
  }

  install(): void {
    if (this.#restore) return;
    const proto = SSOAdminClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
    const hadOwn = Object.hasOwn(proto, 'send');
    const original = proto.send;
    const seen = this.#byRequest;
    proto.send = function send(this: unknown, ...args: unknown[]) {
      const [command] = args;
      if (command instanceof ProvisionPermissionSetCommand) {
        return (original.apply(this, args) as Promise<ProvisionPermissionSetCommandOutput>).then((out) => {
          const status = out.PermissionSetProvisioningStatus;
          if (!status?.RequestId) return out;
          seen.set(status.RequestId, {
            permissionSetArn: command.input.PermissionSetArn ?? '',
            motoStatus: status.Status ?? '',
            polls: 0,
          });
          return { ...out, PermissionSetProvisioningStatus: { ...status, Status: 'IN_PROGRESS' } };
        });
      }
      if (command instanceof DescribePermissionSetProvisioningStatusCommand) {
        const requestId = command.input.ProvisionPermissionSetRequestId ?? '';
        const known = seen.get(requestId);
        // Not one of ours: moto answers (and fails) as it would without the stand-in.
        if (!known) return original.apply(this, args);
        known.polls++;
        const out: DescribePermissionSetProvisioningStatusCommandOutput = {
          PermissionSetProvisioningStatus: {
            Status: 'SUCCEEDED',
            RequestId: requestId,
            PermissionSetArn: known.permissionSetArn,
          },
          $metadata: { httpStatusCode: 200, requestId: 'simulated' },
        };
        return Promise.resolve(out);
      }
      return original.apply(this, args);
    };
    this.#restore = () => {
      if (hadOwn) proto.send = original;
      else delete (proto as { send?: unknown }).send;
    };
  }

  uninstall(): void {
    this.#restore?.();
    this.#restore = undefined;
  }
}
