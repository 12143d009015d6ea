import { commands, type Disconnected } from "../../../lib/api/bindings";

export type { Disconnected };

/** Disconnects a connection; resolves to what happened at the remote system. */
export async function disconnect(connectionId: string): Promise<Disconnected> {
  return commands.disconnect(connectionId);
}
