import { expect, it } from 'vitest';
import { onFirstUse } from '../src/on-first-use.js';

it('loads once for every caller, and after a failed load tries again on the next call', async () => {
  let loads = 0;
  let failNext = true;
  const get = onFirstUse(async () => {
    loads += 1;
    if (failNext) {
      failNext = false;
      throw new Error('import failed');
    }
    return { loaded: loads };
  });
  await expect(Promise.all([get(), get()])).rejects.toThrow('import failed');
  expect(loads).toBe(1);
  const [a, b] = await Promise.all([get(), get()]);
  expect(a).toBe(b);
  expect(await get()).toBe(a);
  expect(loads).toBe(2);
});
