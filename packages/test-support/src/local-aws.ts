/*
 * What every client of a local AWS stand-in (dynalite, local-aws-sqs) needs, in one place: the SDK
 * insists on a region and credentials even for 127.0.0.1, and one attempt keeps a failing test from
 * retrying for seconds. No AWS package is imported here, so each stand-in brings only its own client.
 */

/** Dummy region and credentials, and a single attempt: the config of a client for a local stand-in. */
export function localAwsConfig(endpoint: string) {
  return {
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
}

/** Makes clients on demand and destroys every one of them at the end (their sockets keep tests alive). */
export function localAwsClients<C extends { destroy(): void }>(create: () => C) {
  const clients: C[] = [];
  return {
    client(): C {
      const created = create();
      clients.push(created);
      return created;
    },
    destroyAll(): void {
      for (const c of clients.splice(0)) c.destroy();
    },
  };
}
