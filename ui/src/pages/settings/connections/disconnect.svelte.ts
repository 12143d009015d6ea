import { commands, type Disconnected } from "../../../lib/api/bindings";

export type { Disconnected };

/** Disconnects a connection; resolves to what happened at the remote system. */
export async function disconnect(connectionId: string): Promise<Disconnected> {
  return commands.disconnect(connectionId);
}

/**
 * The last disconnect's outcome on a connection page. It lives on the page, not in the table,
 * because the table leaves with the last connection while the notice must stay.
 */
export class DisconnectOutcome {
  value = $state.raw<Disconnected | null>(null);

  /** `after` runs once an outcome is recorded (the page reloads its connections). */
  constructor(private readonly after: () => void) {}

  record = (outcome: Disconnected): void => {
    this.value = outcome;
    this.after();
  };

  dismiss = (): void => {
    this.value = null;
  };
}
