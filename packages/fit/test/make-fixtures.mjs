#!/usr/bin/env node
// Writes the FIT weight fixtures of @wg-sync/fit and @wg-sync/garmin, and the `.decoded.json` that
// Garmin's own Decoder makes of each. Every timestamp and value is ours; only the layouts follow
// public files (see test/fixtures/SOURCES.md). The output is deterministic:
//
//   node packages/fit/test/make-fixtures.mjs           (re)writes both fixture folders
//   node packages/fit/test/make-fixtures.mjs --check   exits 1 if a committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { CrcCalculator, Decoder, Encoder, Profile, Stream } from '@garmin/fitsdk';

const TARGETS = [
  new URL('./fixtures/', import.meta.url),
  new URL('../../garmin/test/fixtures/', import.meta.url),
];
const SDK_VERSION = '21.217.0';
const { MesgNum } = Profile;

/** The FIT "invalid" value of a field, in the units the Encoder takes (raw invalid ÷ scale). */
function invalid(mesgNum, name) {
  const field = Object.values(Profile.messages[mesgNum].fields).find((f) => f.name === name);
  const raw = { enum: 0xff, uint8: 0xff, uint16: 0xffff, uint32: 0xffffffff, uint32z: 0 }[field.baseType];
  if (raw === undefined) throw new Error(`no invalid value for ${name} (${field.baseType})`);
  return raw === 0 ? 0 : raw / (Array.isArray(field.scale) ? field.scale[0] : field.scale);
}

/** The same weigh-in in both files: 2026-10-04 05:48:52 UTC. */
const WEIGHED_AT = new Date('2026-10-04T05:48:52Z');

/**
 * After the shape of the example in Garmin's FIT SDK for a weight file, written as @garmin/fitsdk
 * writes it: 14-byte header (protocol 2, profile 21.217), file_id, file_creator, device_info and one
 * weight_scale with the SDK example's field set, fields in the order below.
 */
function sdkEncoderFile() {
  const createdAt = new Date('2026-10-04T05:49:30Z');
  const device = { manufacturer: 'development', product: 0, serialNumber: 40217 };
  const encoder = new Encoder();
  encoder.writeMesg({ mesgNum: MesgNum.FILE_ID, type: 'weight', ...device, timeCreated: createdAt });
  encoder.writeMesg({ mesgNum: MesgNum.FILE_CREATOR, softwareVersion: 100 });
  encoder.writeMesg({ mesgNum: MesgNum.DEVICE_INFO, timestamp: createdAt, ...device });
  encoder.writeMesg({
    mesgNum: MesgNum.WEIGHT_SCALE,
    timestamp: WEIGHED_AT,
    weight: 68.42,
    percentFat: 18.7,
    percentHydration: 58.3,
    boneMass: 2.9,
    muscleMass: 52.7,
    bmi: 22.1,
    visceralFatRating: 6,
    metabolicAge: 31,
    physiqueRating: 6,
    basalMet: 1583,
  });
  return encoder.close();
}

/**
 * After the layout python-garminconnect's (and withings-sync's) `FitEncoderWeight` writes: a
 * 12-byte header without CRC, protocol 1.0, profile 1.08; local messages 0-3 for file_id,
 * file_creator, device_info, weight_scale; every field of its fixed definitions is present and the
 * unused ones hold FIT's invalid value; device_info carries the undocumented uint32 field 8.
 * The records are written by @garmin/fitsdk's Encoder (key order = field order); field 8, the enum
 * base type of file_id.type and the legacy header are set afterwards, and the CRC is recomputed with
 * the SDK's CrcCalculator.
 */
function legacyLayoutFile() {
  const createdAt = new Date('2026-10-06T21:17:33Z'); // "the moment the file was written"
  const no = invalid;
  const encoder = new Encoder();
  encoder.writeMesg({
    mesgNum: MesgNum.FILE_ID,
    serialNumber: no(MesgNum.FILE_ID, 'serialNumber'),
    timeCreated: createdAt,
    manufacturer: no(MesgNum.FILE_ID, 'manufacturer'),
    product: no(MesgNum.FILE_ID, 'product'),
    number: no(MesgNum.FILE_ID, 'number'),
    type: 'weight',
  });
  encoder.writeMesg({
    mesgNum: MesgNum.FILE_CREATOR,
    softwareVersion: no(MesgNum.FILE_CREATOR, 'softwareVersion'),
    hardwareVersion: no(MesgNum.FILE_CREATOR, 'hardwareVersion'),
  });
  const d = MesgNum.DEVICE_INFO;
  encoder.writeMesg({
    mesgNum: d,
    timestamp: WEIGHED_AT,
    serialNumber: no(d, 'serialNumber'),
    cumOperatingTime: no(d, 'cumOperatingTime'),
    // (undocumented field 8 goes here)
    manufacturer: no(d, 'manufacturer'),
    product: no(d, 'product'),
    softwareVersion: no(d, 'softwareVersion'),
    batteryVoltage: no(d, 'batteryVoltage'),
    deviceIndex: no(d, 'deviceIndex'),
    deviceType: no(d, 'deviceType'),
    hardwareVersion: no(d, 'hardwareVersion'),
    batteryStatus: no(d, 'batteryStatus'),
  });
  const w = MesgNum.WEIGHT_SCALE;
  encoder.writeMesg({
    mesgNum: w,
    timestamp: WEIGHED_AT,
    weight: 68.42,
    percentFat: 18.73,
    percentHydration: 58.3,
    visceralFatMass: no(w, 'visceralFatMass'),
    boneMass: 2.94,
    muscleMass: 52.68,
    basalMet: no(w, 'basalMet'),
    activeMet: no(w, 'activeMet'),
    physiqueRating: no(w, 'physiqueRating'),
    metabolicAge: no(w, 'metabolicAge'),
    visceralFatRating: no(w, 'visceralFatRating'),
    bmi: 22.1,
  });
  const sdk = encoder.close();
  let records = sdk.subarray(sdk[0], sdk.length - 2);
  records = insertField(records, {
    mesgNum: d,
    after: 7, // cum_operating_time
    field: [8, 4, 0x86], // field 8, 4 bytes, uint32
    value: [0xff, 0xff, 0xff, 0xff],
  });
  // The SDK declares enum fields as uint8 (0x02); that encoder declares file_id.type as enum (0x00).
  records = setBaseType(records, { mesgNum: MesgNum.FILE_ID, num: 0, baseType: 0x00 });
  return withLegacyHeader(records, { protocol: 0x10, profile: 108 });
}

/** Walks the records (normal headers only), handing each definition and data record to `visit`. */
function mapRecords(records, visit) {
  const out = [];
  const definitions = [];
  let i = 0;
  while (i < records.length) {
    const header = records[i];
    if (header & 0x80 || header & 0x20) throw new Error('compressed/developer records are not expected');
    const local = header & 0x0f;
    if (header & 0x40) {
      const count = records[i + 5];
      const fields = [];
      for (let f = 0; f < count; f++) fields.push([...records.subarray(i + 6 + 3 * f, i + 9 + 3 * f)]);
      const global = records[i + 3] | (records[i + 4] << 8);
      definitions[local] = { global, fields };
      const patched = visit({ kind: 'definition', global, fields }) ?? fields;
      out.push(...records.subarray(i, i + 5), patched.length, ...patched.flat());
      i += 6 + 3 * count;
    } else {
      const { global, fields } = definitions[local];
      const size = fields.reduce((sum, [, bytes]) => sum + bytes, 0);
      const data = [...records.subarray(i + 1, i + 1 + size)];
      out.push(header, ...(visit({ kind: 'data', global, fields, data }) ?? data));
      i += 1 + size;
    }
  }
  return Uint8Array.from(out);
}

/** Sets the declared base type of one field in every definition of one message. */
function setBaseType(records, { mesgNum, num, baseType }) {
  return mapRecords(records, (record) => {
    if (record.kind !== 'definition' || record.global !== mesgNum) return undefined;
    return record.fields.map(([n, size, type]) => [n, size, n === num ? baseType : type]);
  });
}

/** Inserts a field (definition entry and value) into every definition/data record of one message. */
function insertField(records, { mesgNum, after, field, value }) {
  return mapRecords(records, (record) => {
    if (record.global !== mesgNum) return undefined;
    const at = record.fields.findIndex(([num]) => num === after) + 1;
    if (at === 0) throw new Error(`field ${after} not found in message ${mesgNum}`);
    if (record.kind === 'definition')
      return [...record.fields.slice(0, at), field, ...record.fields.slice(at)];
    const offset = record.fields.slice(0, at).reduce((sum, [, bytes]) => sum + bytes, 0);
    return [...record.data.slice(0, offset), ...value, ...record.data.slice(offset)];
  });
}

/** A FIT file from its records: 12-byte header (no header CRC), then the records, then the CRC. */
function withLegacyHeader(records, { protocol, profile }) {
  const file = new Uint8Array(12 + records.length + 2);
  const view = new DataView(file.buffer);
  view.setUint8(0, 12);
  view.setUint8(1, protocol);
  view.setUint16(2, profile, true);
  view.setUint32(4, records.length, true);
  file.set([0x2e, 0x46, 0x49, 0x54], 8); // ".FIT"
  file.set(records, 12);
  view.setUint16(12 + records.length, CrcCalculator.calculateCRC(file, 0, 12 + records.length), true);
  return file;
}

const hex = (bytes) => Buffer.from(bytes).toString('hex');

/** What Garmin's Decoder makes of a file, with the facts the tests rely on. */
function decoded(name, bytes, note) {
  const integrity = new Decoder(Stream.fromByteArray(bytes)).checkIntegrity();
  const { messages, errors } = new Decoder(Stream.fromByteArray(bytes)).read();
  if (!integrity || errors.length > 0) throw new Error(`${name}: Garmin's Decoder refuses it`);
  const json = {
    _note: note,
    file: name,
    bytes: bytes.length,
    header_hex: hex(bytes.subarray(0, bytes[0])),
    crc_hex: hex(bytes.subarray(bytes.length - 2)),
    integrity,
    decoded_with: `@garmin/fitsdk ${SDK_VERSION} Decoder.read() defaults`,
    messages,
    errors,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

const files = {};
const add = (base, bytes, note) => {
  files[`${base}.fit`] = bytes;
  files[`${base}.decoded.json`] = decoded(`${base}.fit`, bytes, note);
};
add(
  'fit_weight_sdk_encoder',
  sdkEncoderFile(),
  'CONSTRUCTED by test/make-fixtures.mjs (our timestamps and values) after the shape of the weight-file example for Garmin’s FIT SDK, written with @garmin/fitsdk’s Encoder.',
);
add(
  'fit_weight_legacy_layout',
  legacyLayoutFile(),
  'CONSTRUCTED by test/make-fixtures.mjs (our timestamps and values) after the layout of python-garminconnect’s FitEncoderWeight: 12-byte header, protocol 1.0, profile 1.08, fixed definitions with invalid-filled fields.',
);

const check = process.argv.includes('--check');
let differs = false;
for (const dir of TARGETS) {
  for (const [name, content] of Object.entries(files)) {
    const url = new URL(name, dir);
    const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
    if (check) {
      let current;
      try {
        current = readFileSync(url);
      } catch {
        current = Buffer.alloc(0);
      }
      if (!current.equals(bytes)) {
        differs = true;
        console.error(`differs: ${url.pathname}`);
      }
    } else {
      writeFileSync(url, bytes);
      console.log(`wrote ${url.pathname} (${bytes.length} bytes)`);
    }
  }
}
if (differs) process.exit(1);
