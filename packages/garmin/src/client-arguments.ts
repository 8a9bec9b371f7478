const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The `{ from, to }` of a range read: two valid Dates, `from` not after `to`. */
export function checkRange(range: { from: Date; to: Date }): { from: Date; to: Date } {
  const { from, to } = range ?? ({} as { from: Date; to: Date });
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime()))
      throw new RangeError(`${name} must be a valid Date`);
  }
  if (from > to) throw new RangeError('from must not be after to');
  return { from, to };
}

/**
 * The id and `YYYY-MM-DD` date a delete names a record by; `name` is the id's field in the caller's
 * terms (`samplePk`, `version`), for the message.
 */
export function checkRecord(
  id: unknown,
  calendarDate: unknown,
  name: string,
): { samplePk: number; calendarDate: string } {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw new RangeError(`${name} must be Garmin's positive whole-number id`);
  }
  if (typeof calendarDate !== 'string' || !DATE.test(calendarDate)) {
    throw new RangeError('calendarDate must be a YYYY-MM-DD date');
  }
  return { samplePk: id, calendarDate };
}
