import { getContext, setContext } from "svelte";
import {
  commands,
  type Admin,
  type AppInfo,
  type LanguagePreference,
  type MemberSummary,
  type SandboxInfo,
  type VaultStatus,
} from "./api/bindings";

/** What the app learned at startup and who is acting, shared with every page through Svelte context. */
export class Session {
  /** From `app_info`; set once startup succeeds, before any page renders. */
  info = $state.raw<AppInfo>({ version: "", data_dir: "", log_dir: "", startup_error: null });
  /** The stored language preference ("system" follows the OS). */
  language = $state<LanguagePreference>("system");
  /** The admin whose actions the backend records; null until the workspace is activated. */
  acting = $state.raw<Admin | null>(null);
  /** Active admins, the people the acting admin can switch to or hand a connection over to. */
  admins = $state.raw<MemberSummary[]>([]);
  /** How secrets are protected; its warning is shown under the top bar for as long as it is set. */
  vault = $state.raw<VaultStatus | null>(null);
  /** The built-in sandbox, while it runs. */
  sandbox = $state.raw<SandboxInfo | null>(null);
  /** Bumped when the acting admin changes, so every page reloads what it shows. */
  revision = $state(0);

  /**
   * Re-reads the shell's state. Each part is independent: one failing command leaves the
   * previous value of that part (the pages show their own errors).
   */
  async refresh(): Promise<void> {
    const [acting, members, vault, sandbox] = await Promise.allSettled([
      commands.actingAdmin(),
      commands.membersList(),
      commands.vaultStatus(),
      commands.sandboxInfo(),
    ]);
    if (acting.status === "fulfilled") this.acting = acting.value;
    if (members.status === "fulfilled") {
      this.admins = members.value.filter((member) => member.role === "admin" && member.status === "active");
    }
    if (vault.status === "fulfilled") this.vault = vault.value;
    if (sandbox.status === "fulfilled") this.sandbox = sandbox.value;
  }
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
