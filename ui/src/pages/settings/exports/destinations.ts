/** The longest name Dynamics 365 takes for a marketing list Liaison creates. */
export const NEW_LIST_NAME_MAX = 128;

// A GUID as Dynamics 365 shows it (8-4-4-4-12 hexadecimal digits), optionally in braces, or the
// 32 digits without hyphens: the shapes the backend accepts.
const GUID = /^(?:\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?|[0-9a-f]{32})$/i;

/** Whether `value` has the shape of a list ID; only Dynamics 365 can say whether the list exists. */
export function isGuid(value: string): boolean {
  return GUID.test(value.trim());
}
