/**
 * `npm run demo [-- --json]`: the whole product on a seeded local AWS account (moto_server), through the HR
 * webhook, the key sweep and an incident lockdown/restore, with proof on screen. See docs/demo.md.
 */
import { main } from '../tools/demo/main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
