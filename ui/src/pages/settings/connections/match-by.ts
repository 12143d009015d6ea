import type { ContactMatch, MatchBy, PersonMatch, SegmentField } from "../../../lib/api/bindings";
import { personFieldLabel } from "../../../lib/i18n/fields";
import { t } from "../../../lib/i18n/index.svelte.js";

export type MatchFieldOption = { key: string; label: string };

// The cached IDs the backend accepts as a key besides the person fields and custom fields.
const ID_FIELDS = {
  marketo_id: "people.marketoId",
  sf_contact_id: "people.contactId",
  sf_lead_id: "people.leadId",
} as const;

/** The label of a cached field that can be a matching key. */
export function matchFieldLabel(key: string, fallback: string = key): string {
  const id = ID_FIELDS[key as keyof typeof ID_FIELDS];
  return id ? t(id) : personFieldLabel(key, fallback);
}

/** The cached fields that can be a matching key: the IDs, then the text fields (email excluded). */
export function matchFieldOptions(fields: SegmentField[]): MatchFieldOption[] {
  const ids = Object.keys(ID_FIELDS).map((key) => ({ key, label: matchFieldLabel(key) }));
  const text = fields
    .filter((field) => field.kind === "text" && field.key !== "email")
    .map((field) => ({ key: field.key, label: field.custom ? field.label : matchFieldLabel(field.key, field.label) }));
  return [...ids, ...text];
}

/** How a connection matches, for people: "By email" or "<field> equals the contact attribute <attr>". */
export function matchByText(by: MatchBy): string {
  return by.kind === "email"
    ? t("connections.dynamics.matchingEmail")
    : t("connections.dynamics.matchingKey", { field: matchFieldLabel(by.field), attribute: by.attribute });
}

/** A person's match, for the People view. */
export function personMatchText(match: PersonMatch | null): string {
  if (!match) return t("people.match.none");
  const result: ContactMatch = match.result;
  switch (result.kind) {
    case "matched":
      return match.by.kind === "email"
        ? t("people.match.matchedEmail")
        : t("people.match.matchedKey", { field: matchFieldLabel(match.by.field), attribute: match.by.attribute });
    case "no_contact":
      return t("people.match.noContact");
    case "ambiguous":
      return t("people.match.ambiguous", { count: result.contact_ids.length });
    case "inactive":
      return t("people.match.inactive");
  }
}
