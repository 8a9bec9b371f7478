import type { ExclusionReason, MeasureGroup, ToWeighInsOptions, ToWeighInsResult, WeighIn } from './types.js';

/** Withings measure types that become {@link WeighIn} fields. */
const FIELDS = {
  1: 'weightKg',
  6: 'fatPercent',
  8: 'fatMassKg',
  5: 'fatFreeMassKg',
  76: 'muscleMassKg',
  77: 'hydrationKg',
  88: 'boneMassKg',
  170: 'visceralFatIndex',
  226: 'basalMetKcal',
  227: 'metabolicAge',
  11: 'heartRate',
  91: 'pulseWaveVelocity',
} as const satisfies Record<number, keyof WeighIn>;

const WHOLE_BODY = 7;
const MANUAL_DEVICE = 'manual';

/**
 * Turns measure groups into weigh-ins: filters by category and attribution (default `[0, 3, 8]`;
 * see {@link ToWeighInsOptions.attributions} for what each `attrib` means), merges the groups one
 * weigh-in was split into (same instant, same device: Body Cardio and Body Scan write 3–4 groups),
 * keeps each type once, and reports every group it left out with the reason.
 *
 * @example
 * ```ts
 * const { weighIns, excluded } = toWeighIns(groups, { attributions: [0, 3, 8] });
 * // excluded: [{ groupId: '6121502210', reason: 'ambiguous' }, …]
 * ```
 */
export function toWeighIns(groups: MeasureGroup[], options: ToWeighInsOptions = {}): ToWeighInsResult {
  const allowed = new Set(options.attributions ?? [0, 3, 8]);
  if (options.includeManual) allowed.add(2);
  const excluded: ToWeighInsResult['excluded'] = [];
  const exclude = (groupId: string, reason: ExclusionReason) => {
    if (!excluded.some((e) => e.groupId === groupId && e.reason === reason))
      excluded.push({ groupId, reason });
  };

  const buckets = new Map<string, MeasureGroup[]>();
  for (const group of groups) {
    if (group.category !== 1) {
      exclude(group.groupId, 'objective');
    } else if (!allowed.has(group.attribution)) {
      exclude(group.groupId, reasonForAttribution(group.attribution));
    } else {
      const key = `${group.takenAt.getTime()}|${group.deviceId ?? MANUAL_DEVICE}`;
      buckets.set(key, [...(buckets.get(key) ?? []), group]);
    }
  }

  const weighIns: WeighIn[] = [];
  for (const bucket of buckets.values()) {
    const weighIn = mergeGroups(bucket);
    if (weighIn) weighIns.push(weighIn);
    else for (const group of bucket) exclude(group.groupId, 'no-weight');
  }
  weighIns.sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
  return { weighIns, excluded };
}

function reasonForAttribution(attribution: number): ExclusionReason {
  if (attribution === 1) return 'ambiguous';
  if (attribution === 2 || attribution === 4) return 'manual';
  return 'attribution';
}

/** Lower sorts first: a device group for this user wins over its attrib-8 copy. */
const PRIORITY: Record<number, number> = { 0: 0, 3: 1, 2: 2, 8: 3 };

function mergeGroups(bucket: MeasureGroup[]): WeighIn | undefined {
  const ordered = [...bucket].sort((a, b) => (PRIORITY[a.attribution] ?? 9) - (PRIORITY[b.attribution] ?? 9));
  const values = new Map<number, number>();
  for (const group of ordered) {
    for (const measure of group.measures) {
      // Segmental measures (arms, legs, torso) are not the weigh-in's value; whole-body ones are.
      const wholeBody = measure.position === undefined || measure.position === WHOLE_BODY;
      if (wholeBody && !values.has(measure.type) && Number.isFinite(measure.value)) {
        values.set(measure.type, measure.value);
      }
    }
  }
  const weightKg = values.get(1);
  if (weightKg === undefined || weightKg <= 0) return undefined;

  const first = ordered[0] as MeasureGroup;
  const weighIn: WeighIn = {
    takenAt: first.takenAt,
    groupIds: [...new Set(ordered.map((g) => g.groupId))],
    modifiedAt: new Date(Math.max(...ordered.map((g) => g.modifiedAt.getTime()))),
    deviceId: first.deviceId,
    model: ordered.find((g) => g.model)?.model ?? null,
    attributions: [...new Set(ordered.map((g) => g.attribution))],
    weightKg,
  };
  for (const [type, field] of Object.entries(FIELDS)) {
    const value = values.get(Number(type));
    if (value !== undefined && field !== 'weightKg') weighIn[field] = value;
  }
  if (weighIn.hydrationKg !== undefined) {
    const percent = (weighIn.hydrationKg / weightKg) * 100;
    if (percent > 0 && percent <= 100) weighIn.hydrationPercent = percent;
  }
  return weighIn;
}
