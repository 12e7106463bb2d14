/**
 * Keyward core: the v1 and v2 format engine, keys and identities. Pure: no DOM, no IO; runs in
 * the page, in a Worker and in Node 20. The app and the CLI import from here.
 */
export * from './bytes.ts';
export * from './errors.ts';
export * from './canonical.ts';
export * from './kdf.ts';
export * from './format/constants.ts';
export * from './format/header.ts';
export * from './format/meta.ts';
export * from './format/stream.ts';
export * from './format/chunk-crypto.ts';
export * from './format/serial.ts';
export * from './format/escrow-blob.ts';
export * from './format/signed-file.ts';
export * from './format/escrow-v2.ts';
export * from './format/council-escrow.ts';
export * from './format/drill.ts';
export * from './format/receipt.ts';
export * from './format/recovery-v2.ts';
export * from './format/partial.ts';
export * from './format/signed-object.ts';
export * from './keys/constants.ts';
export * from './keys/types.ts';
export * from './names.ts';
export * from './keys/key-id.ts';
export * from './keys/wrap.ts';
export * from './keys/rsa.ts';
export * from './keys/identity.ts';
export * from './keys/council.ts';
export * from './shamir.ts';
export * from './streams.ts';
export * from './pieces.ts';
export * from './encrypt-file.ts';
export * from './decrypt-file.ts';
export * from './recover.ts';
