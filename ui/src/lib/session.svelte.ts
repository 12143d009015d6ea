import { getContext, setContext } from "svelte";
import type { AppInfo, LanguagePreference } from "./api/bindings";

/** What the app learned at startup, shared with every page through Svelte context. */
export class Session {
  /** From `app_info`; set once startup succeeds, before any page renders. */
  info = $state.raw<AppInfo>({ version: "", data_dir: "", log_dir: "", startup_error: null });
  /** The stored language preference ("system" follows the OS). */
  language = $state<LanguagePreference>("system");
}

const key = Symbol("liaison.session");

export function provideSession(session: Session): void {
  setContext(key, session);
}

export function useSession(): Session {
  const session = getContext<Session | undefined>(key);
  if (!session) throw new Error("useSession() called outside the app shell");
  return session;
}
