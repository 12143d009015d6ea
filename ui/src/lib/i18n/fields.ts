import type { PersonField } from "../api/bindings";
import { t } from "./index.svelte.js";

const personFields: readonly PersonField[] = [
  "first_name",
  "last_name",
  "title",
  "company",
  "phone",
  "city",
  "state",
  "country",
  "unsubscribed",
  "email_invalid",
  "lead_owner",
];

/**
 * A cached person field's name in the UI language, or `fallback` for a field added to the
 * backend after this build (or a custom field).
 */
export function personFieldLabel(field: string, fallback: string = field): string {
  if (field === "email") return t("sync.fields.email");
  const key = personFields.find((k) => k === field);
  return key ? t(`sync.fields.${key}`) : fallback;
}
