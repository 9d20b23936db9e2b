/**
 * Records every command a set of SDK clients sends (`IAM:UpdateAccessKey`...), for tests and benchmarks
 * that count AWS calls. Never bundled into a handler.
 */
export interface CallLog {
  readonly calls: string[];
  /** Calls per `Service:Operation`. */
  counts(): Record<string, number>;
  /** Calls whose operation changes state (by name: Attach, Put, Update, Delete, Tag, Terminate...). */
  writes(): string[];
  reset(): void;
}

interface Instrumentable {
  middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's middleware type differs per client
    add: (mw: any, options: { step: 'initialize'; name?: string; override?: boolean }) => void;
  };
  config: { serviceId?: string };
}

const WRITE =
  /:(Attach|Detach|Put|Delete|Update|Create|Tag|Untag|Deactivate|Enable|Remove|Add|Terminate|Send|Publish|Upload)/;

export function instrument(clients: readonly unknown[]): CallLog {
  const calls: string[] = [];
  for (const client of clients as Instrumentable[]) {
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) =>
        async (args: unknown) => {
          const service = (context.clientName ?? client.config.serviceId ?? 'AWS').replace(/Client$/, '');
          calls.push(`${service}:${(context.commandName ?? '').replace(/Command$/, '')}`);
          return next(args);
        },
      { step: 'initialize', name: 'callLog', override: true },
    );
  }
  return {
    calls,
    counts: () => {
      const acc: Record<string, number> = {};
      for (const c of calls) acc[c] = (acc[c] ?? 0) + 1;
      return acc;
    },
    writes: () => calls.filter((c) => WRITE.test(c)),
    reset: () => {
      calls.length = 0;
    },
  };
}
