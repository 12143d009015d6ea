import type { Attribute, Export, Schedule, SegmentField } from "../../../lib/api/bindings";
import { t } from "../../../lib/i18n/index.svelte.js";

/** The attributes an export may send besides email (R11), in Marketo's order. */
export const optionalAttributes = ["first_name", "last_name", "city", "state", "country"] as const;
export type OptionalAttribute = (typeof optionalAttributes)[number];

/** The cached field an attribute reads unless the admin picks another: its namesake when cached. */
export function defaultCacheField(attribute: Attribute, fields: SegmentField[]): string {
  return fields.find((field) => field.key === attribute)?.key ?? fields[0]?.key ?? attribute;
}

/** The schedule in words. */
export function describeSchedule(schedule: Schedule): string {
  return schedule.kind === "every_hours"
    ? t("exportJobs.schedules.every_hours", { hours: schedule.hours })
    : t(`exportJobs.schedules.${schedule.kind}`);
}

/** The mapping as "target ← cached field" lines, email first. */
export function describeMapping(exp: Export): string[] {
  return exp.mapping.map((m) => t("exportJobs.mappingItem", { target: m.target_field, field: m.cache_field }));
}
