/*
 * Helpers that need no simulator and no database (unlike harness.ts), so the unit tests of the async
 * events can use them without starting anything: mocked AWS SDK clients, and why an event was refused.
 */
import { InvokeCommand, type InvokeCommandInput, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, expect } from 'vitest';
import { AsyncEventRejectedError } from '../src/errors.js';

/** Region and dummy keys for the AWS SDK clients these tests mock or point at 127.0.0.1: nothing reaches AWS. */
export const OFFLINE_AWS = {
  region: 'eu-west-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/**
 * A LambdaClient answered by aws-sdk-client-mock. Call it at a test file's top level: the stubs and the
 * recorded calls are reset after every test. `invokes()` are the InvokeCommand inputs sent so far.
 */
export function mockedLambda() {
  const client = new LambdaClient(OFFLINE_AWS);
  const mock = mockClient(client);
  afterEach(() => {
    mock.reset();
  });
  const invokes = () => mock.commandCalls(InvokeCommand).map((call) => call.args[0].input);
  /** The one event queued so far, checked to be an async `Event` invocation of the test function in `format`. */
  const onlyQueued = (format: string) => {
    expect(invokes()).toHaveLength(1);
    const [invoke] = invokes();
    expect(invoke).toMatchObject({
      FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:wg-sync-test-sync',
      InvocationType: 'Event',
    });
    const queued = payloadOf(invoke);
    expect(queued['wg-sync']).toBe(format);
    return { invoke, queued };
  };
  return { client, mock, invokes, onlyQueued };
}

/** A SecretsManagerClient answered by aws-sdk-client-mock, reset after every test (call at top level). */
export function mockedSecretsManager() {
  const client = new SecretsManagerClient(OFFLINE_AWS);
  const mock = mockClient(client);
  afterEach(() => {
    mock.reset();
  });
  return { client, mock };
}

/** The JSON event an InvokeCommand queued (what Lambda later delivers to the function). */
export function payloadOf(input: InvokeCommandInput | undefined): Record<string, unknown> {
  const payload = input?.Payload;
  if (payload === undefined) throw new Error('no event was queued: the InvokeCommand has no Payload');
  const text = typeof payload === 'string' ? payload : Buffer.from(payload as Uint8Array).toString('utf8');
  return JSON.parse(text) as Record<string, unknown>;
}

/** Why `verify` refused an async event (`AsyncEventRejectedError.reason`), or 'accepted' when it did not throw. */
export function rejectionReason(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    expect(error).toBeInstanceOf(AsyncEventRejectedError);
    return (error as AsyncEventRejectedError).reason;
  }
  return 'accepted';
}
