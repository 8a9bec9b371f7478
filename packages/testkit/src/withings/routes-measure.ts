import { envelope, intParam, nowSeconds, type SimState, type SimUser } from './state.js';

/** POST /measure action=getmeas (category, lastupdate, startdate/enddate, meastype(s), offset paging). */
export function getmeas(
  state: SimState,
  user: SimUser,
  form: URLSearchParams,
  nonAdvancing: boolean,
): Response {
  if (form.get('action') !== 'getmeas') return envelope(2554, {}, 'Not implemented');
  const numbers = ['category', 'lastupdate', 'startdate', 'enddate', 'offset', 'meastype'].map((name) => [
    name,
    intParam(form, name),
  ]);
  const bad = numbers.find(([, value]) => value === null);
  if (bad) return envelope(247, {}, `Invalid Params: ${bad[0]}`);
  const p = Object.fromEntries(numbers) as Record<string, number | undefined>;
  const typesText = form.get('meastypes');
  if (typesText && !/^\d+(,\d+)*$/.test(typesText)) return envelope(247, {}, 'Invalid Params: meastypes');
  const types = new Set<number>([
    ...(typesText ? typesText.split(',').map(Number) : []),
    ...(p.meastype === undefined ? [] : [p.meastype]),
  ]);

  const matching = user.groups
    .filter((g) => p.category === undefined || g.category === p.category)
    .filter((g) => p.lastupdate === undefined || g.modified > p.lastupdate)
    .filter((g) => p.startdate === undefined || g.date >= p.startdate)
    .filter((g) => p.enddate === undefined || g.date <= p.enddate)
    .map((g) => (types.size === 0 ? g : { ...g, measures: g.measures.filter((m) => types.has(m.type)) }))
    .filter((g) => g.measures.length > 0);

  const pageSize = state.options.pageSize ?? 100;
  const offset = p.offset ?? 0;
  const pageGroups = matching.slice(offset, offset + pageSize);
  const more = offset + pageSize < matching.length;
  const moreValue = state.options.moreAsBoolean ? more : more ? 1 : 0;
  return envelope(0, {
    updatetime: nowSeconds(state.clock),
    timezone: user.timeZone,
    measuregrps: pageGroups,
    // A broken server page: claims there is more but hands back the same cursor.
    more: nonAdvancing ? (state.options.moreAsBoolean ? true : 1) : moreValue,
    offset: nonAdvancing ? 0 : more ? offset + pageGroups.length : 0,
  });
}
