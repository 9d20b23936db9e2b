import { findMotoServer, MOTO_INSTALL_HINT } from '../../tools/local/moto';

/** Jest global setup of the integration project: fail once, clearly, when the emulator is not installed. */
export default async function requireMoto(): Promise<void> {
  if (!findMotoServer()) throw new Error(MOTO_INSTALL_HINT);
}
