import { Decoder, Stream } from '@garmin/fitsdk';

/** Reads a file with Garmin's own Decoder, as the upload service would: integrity, messages and their order. */
export function readWithGarmin(bytes: Uint8Array, options: Parameters<Decoder['read']>[0] = {}) {
  const integrity = new Decoder(Stream.fromByteArray(bytes)).checkIntegrity();
  const order: number[] = [];
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read({
    ...options,
    mesgListener: (mesgNum) => order.push(mesgNum),
  });
  return { integrity, messages, errors, order };
}
