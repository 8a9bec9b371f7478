import { afterEach, describe, expect, it, vi } from 'vitest';

// invoke-self keeps the loaded SDK in module state: each test gets a fresh copy of the module.
afterEach(() => {
  vi.doUnmock('@aws-sdk/client-lambda');
  vi.resetModules();
});

/** A fresh invoke-self whose first import of the Lambda SDK fails; `count` says how many were tried. */
function importFailingOnce() {
  vi.resetModules();
  const imports = { count: 0 };
  vi.doMock('@aws-sdk/client-lambda', async (importOriginal) => {
    imports.count++;
    if (imports.count === 1) throw new Error('EMFILE: too many open files');
    return importOriginal();
  });
  return imports;
}

describe('the Lambda SDK, loaded on first use', () => {
  it('tries the import again after one failed, and then keeps it', async () => {
    const imports = importFailingOnce();
    const { loadLambdaSdk } = await import('../src/async/invoke-self.js');
    // vitest wraps the factory's error in its own message.
    await expect(loadLambdaSdk()).rejects.toThrow();
    expect(imports.count).toBe(1);
    const sdk = await loadLambdaSdk();
    expect(typeof sdk.InvokeCommand).toBe('function');
    expect(await loadLambdaSdk()).toBe(sdk);
    expect(imports.count).toBe(2);
  });

  it('reports a failed import as SELF_INVOKE_FAILED, naming the function, and succeeds on the next try', async () => {
    const imports = importFailingOnce();
    const { invokeSelf, lambdaClientSource } = await import('../src/async/invoke-self.js');
    const sent: unknown[] = [];
    const client = lambdaClientSource({
      send: async (command: { input: unknown }) => {
        sent.push(command.input);
        return { StatusCode: 202 };
      },
    } as never);
    const event = { source: 'wg-sync.async-notification' } as never;
    await expect(
      invokeSelf(client, 'arn:aws:lambda:eu-west-1:123456789012:function:wg-sync', event),
    ).rejects.toMatchObject({
      code: 'SELF_INVOKE_FAILED',
      message: expect.stringMatching(/^could not queue the notification on wg-sync \(/),
    });
    expect(sent).toEqual([]);
    expect(imports.count).toBe(1);
    await invokeSelf(client, 'wg-sync', event);
    expect(sent).toEqual([expect.objectContaining({ FunctionName: 'wg-sync', InvocationType: 'Event' })]);
  });
});
