import type { SimMeasureGroup, SimWeighIn } from './types.js';

type Measure = SimMeasureGroup['measures'][number];
type MeasureKey = Exclude<
  keyof SimWeighIn,
  'takenAt' | 'layout' | 'attrib' | 'deviceId' | 'arrivedAt' | 'category' | 'notify'
>;

/** Withings type and the exponent real devices use for it (value = round(x × 10^-unit)). */
const TYPES: Record<MeasureKey, { type: number; unit: number }> = {
  weightKg: { type: 1, unit: -3 },
  fatPercent: { type: 6, unit: -3 },
  fatFreeMassKg: { type: 5, unit: -3 },
  fatMassKg: { type: 8, unit: -2 },
  muscleMassKg: { type: 76, unit: -2 },
  hydrationKg: { type: 77, unit: -2 },
  boneMassKg: { type: 88, unit: -2 },
  visceralFatIndex: { type: 170, unit: -1 },
  basalMetKcal: { type: 226, unit: 0 },
  metabolicAge: { type: 227, unit: 0 },
  heartRate: { type: 11, unit: -2 },
  pulseWaveVelocity: { type: 91, unit: -3 },
  vascularAge: { type: 155, unit: -1 },
};

const MODELS = {
  single: { model: 'Body Comp', modelid: 18 },
  'body-cardio': { model: 'Body Cardio', modelid: 6 },
  'body-scan': { model: 'Body Scan', modelid: 10 },
} as const;

function measure(key: MeasureKey, value: number, extra: Partial<Measure> = {}): Measure {
  const { type, unit } = TYPES[key];
  return { value: Math.round(value * 10 ** -unit), type, unit, algo: 0, fm: 3, ...extra };
}

function pick(weighIn: SimWeighIn, keys: MeasureKey[], extra: Partial<Measure> = {}): Measure[] {
  return keys.flatMap((key) =>
    weighIn[key] === undefined ? [] : [measure(key, weighIn[key] as number, extra)],
  );
}

/** Withings sends fat ratio and fat-free mass without `algo`/`fm` on Body Cardio and Body Scan. */
function bare(measures: Measure[]): Measure[] {
  return measures.map(({ algo: _algo, fm: _fm, ...rest }) => rest);
}

/**
 * Splits a weigh-in into the groups Withings stores for it, following the real fixtures:
 * Body Cardio → composition, heart rate and PWV (attrib 8) groups; Body Scan → EDA, composition
 * (types 5 and 8 twice, positions), heart rate + AFib groups.
 */
export function groupsForWeighIn(
  weighIn: SimWeighIn,
  base: Omit<SimMeasureGroup, 'grpid' | 'measures' | 'attrib' | 'model' | 'modelid'>,
): Array<Omit<SimMeasureGroup, 'grpid'>> {
  const layout = weighIn.layout ?? 'single';
  const attrib = weighIn.attrib ?? 0;
  const manual = base.deviceid === null;
  const { model, modelid } = manual ? { model: null, modelid: null } : MODELS[layout];
  const group = (measures: Measure[], groupAttrib = attrib) => ({
    ...base,
    attrib: groupAttrib,
    measures,
    model,
    modelid,
  });
  const composition: MeasureKey[] = [
    'fatMassKg',
    'muscleMassKg',
    'hydrationKg',
    'boneMassKg',
    'visceralFatIndex',
  ];

  if (manual) return [group(pick(weighIn, ['weightKg'], { fm: 128 }))];
  if (layout === 'single') {
    return [
      group([
        ...pick(weighIn, ['weightKg', ...composition, 'basalMetKcal', 'metabolicAge']),
        ...bare(pick(weighIn, ['fatPercent', 'fatFreeMassKg'])),
      ]),
      ...(weighIn.heartRate === undefined ? [] : [group(pick(weighIn, ['heartRate']))]),
    ];
  }
  if (layout === 'body-cardio') {
    const groups = [
      group([
        ...pick(weighIn, ['weightKg', ...composition], { fm: 131 }),
        ...bare(pick(weighIn, ['fatPercent', 'fatFreeMassKg'])),
      ]),
    ];
    if (weighIn.heartRate !== undefined) groups.push(group(pick(weighIn, ['heartRate'])));
    const vascular = pick(weighIn, ['pulseWaveVelocity', 'vascularAge']);
    if (vascular.length > 0) groups.push(group(vascular, 8));
    return groups;
  }
  const whole = { position: 7 };
  const twice = pick(weighIn, ['fatFreeMassKg', 'fatMassKg'], whole).flatMap((m) => [m, { ...m }]);
  const water = weighIn.hydrationKg;
  const cellular =
    water === undefined
      ? []
      : [
          { value: Math.round(water * 0.415 * 100), type: 168, unit: -2, algo: 0, fm: 3, position: 7 },
          {
            value: Math.round(water * 100) - Math.round(water * 0.415 * 100),
            type: 169,
            unit: -2,
            algo: 0,
            fm: 3,
            position: 7,
          },
        ];
  return [
    group([196, 197, 198].map((type, i) => ({ value: 60_078 - i * 370, type, unit: -3, algo: 0, fm: 3 }))),
    group([
      ...pick(weighIn, ['weightKg']),
      ...twice,
      ...pick(weighIn, ['muscleMassKg', 'hydrationKg', 'boneMassKg'], whole),
      ...cellular,
      ...pick(weighIn, ['visceralFatIndex', 'basalMetKcal', 'metabolicAge'], whole),
      // segmental muscle mass (torso, legs, arms): never the weigh-in's own value
      ...segmentalMuscle(weighIn.muscleMassKg),
      ...bare(pick(weighIn, ['fatPercent'])),
    ]),
    ...(weighIn.heartRate === undefined
      ? []
      : [
          group(
            [
              { value: Math.round(weighIn.heartRate), type: 11 },
              { value: 8, type: 130 },
            ].map((m) => ({ ...m, unit: 0, algo: 16909313, fm: 3, algo_params: { 1: 1 } })),
          ),
        ]),
  ];
}

/** Per-position muscle mass (torso, legs, arms), as Body Scan sends next to the whole-body value. */
function segmentalMuscle(muscleMassKg: number | undefined): Measure[] {
  if (muscleMassKg === undefined) return [];
  const shares: Array<[number, number]> = [
    [12, 0.5],
    [10, 0.17],
    [11, 0.17],
    [3, 0.08],
    [2, 0.08],
  ];
  return shares.map(([position, share]) => ({
    value: Math.round(muscleMassKg * share * 100),
    type: 175,
    unit: -2,
    algo: 0,
    fm: 3,
    position,
  }));
}
