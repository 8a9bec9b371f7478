import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoStoreFactory } from './dynamo.js';
import { type Scenario, scenarios } from './scenarios.js';
import { type ScenarioNumbers, type StoreFactory, World } from './world.js';

interface Row extends ScenarioNumbers {
  scenario: string;
  store: string;
}

const rows: Row[] = [];

async function runScenario(scenario: Scenario, store: string, factory?: StoreFactory): Promise<Row> {
  const world = await World.create({ ...scenario.options, ...(factory ? { store: factory } : {}) });
  try {
    await scenario.run(world);
    await world.settle();
    return { scenario: `${scenario.id}. ${scenario.name}`, store, ...world.numbers() };
  } finally {
    await world.close();
  }
}

/** The four zeros, and the fifth number within the debounce bound. */
function expectWithinBounds(row: Row): void {
  expect(
    {
      lost: row.lost,
      duplicated: row.duplicated,
      leaked: row.leaked,
      unsurfaced: row.unsurfaced,
      forgedCallsOutsideSyncs: row.forged.callsOutsideSyncs,
    },
    `not surfaced: ${row.unsurfacedWhat.join('; ') || 'nothing'}`,
  ).toEqual({
    lost: 0,
    duplicated: 0,
    leaked: 0,
    unsurfaced: 0,
    forgedCallsOutsideSyncs: 0,
  });
  expect(row.forged.syncs).toBeLessThanOrEqual(row.forged.maxSyncs);
}

describe('fault matrix: nothing lost, duplicated, leaked or silently failed', () => {
  for (const scenario of scenarios) {
    it(`${scenario.id}. ${scenario.name} (file store)`, async () => {
      const row = await runScenario(scenario, 'file');
      rows.push(row);
      expectWithinBounds(row);
    });
    if (scenario.dynamo && dynamoStoreFactory) {
      const factory = dynamoStoreFactory;
      it(`${scenario.id}. ${scenario.name} (DynamoDB)`, async () => {
        const row = await runScenario(scenario, 'dynamodb', factory);
        rows.push(row);
        expectWithinBounds(row);
      });
    }
  }
});

afterAll(() => {
  rows.sort((a, b) => Number.parseInt(a.scenario, 10) - Number.parseInt(b.scenario, 10));
  mkdirSync(new URL('.', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ generatedAt: new Date().toISOString(), scenarios: rows }, null, 2)}\n`,
  );
  console.table(
    rows.map((r) => ({
      scenario: r.scenario.length > 60 ? `${r.scenario.slice(0, 57)}…` : r.scenario,
      store: r.store,
      lost: r.lost,
      duplicated: r.duplicated,
      leaked: r.leaked,
      unsurfaced: r.unsurfaced,
      upstream: r.upstreamCalls,
      forged: r.forged.maxSyncs
        ? `${r.forged.upstreamCalls} (${r.forged.syncs}/${r.forged.maxSyncs} syncs)`
        : '',
    })),
  );
});
