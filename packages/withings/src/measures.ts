import type { RawMeasureGroup } from './schemas.js';
import type { MeasureGroup } from './types.js';

/** `value × 10^unit`, computed by division for negative units so 108400 × 10^-3 is exactly 108.4. */
export function decodeValue(value: number, unit: number): number {
  return unit < 0 ? value / 10 ** -unit : value * 10 ** unit;
}

/** Turns one raw `measuregrps[]` entry into a {@link MeasureGroup}. Unknown types and attributions are kept. */
export function decodeGroup(raw: RawMeasureGroup): MeasureGroup {
  return {
    groupId: raw.grpid,
    attribution: raw.attrib,
    takenAt: new Date(raw.date * 1000),
    createdAt: new Date(raw.created * 1000),
    modifiedAt: new Date((raw.modified ?? raw.created) * 1000),
    category: raw.category,
    deviceId: raw.deviceid ?? null,
    model: raw.model ?? null,
    modelId: raw.modelid ?? null,
    measures: raw.measures.map((m) => ({
      type: m.type,
      value: decodeValue(m.value, m.unit),
      ...(m.position === null || m.position === undefined ? {} : { position: m.position }),
    })),
  };
}
