import { commands, type AppError, type ConnectionKind } from "../../../lib/api/bindings";

/**
 * What a disconnect did: core's `Disconnected`. The generated bindings still declare
 * `disconnect` as answering null; once `cargo xtask bindings` has run, this type and the cast
 * below give way to the generated ones.
 */
export type Disconnected = {
  connection_id: string;
  kind: ConnectionKind;
  /** The sign-in was ended at the remote system (Salesforce). */
  revoked: boolean;
  /** Why the sign-in could not be ended; the connection is gone from Liaison all the same. */
  revoke_error: AppError | null;
};

/** Disconnects a connection; resolves to what happened at the remote system. */
export async function disconnect(connectionId: string): Promise<Disconnected> {
  return (await commands.disconnect(connectionId)) as unknown as Disconnected;
}
