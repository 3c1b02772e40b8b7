/**
 * The class pack: a teacher packs the cache's built twins and downloaded models once
 * (`slmlab cache pack <models...> --out class.tar`), students install them offline
 * (`slmlab cache unpack class.tar`), verified file by file.
 */
export { packModels, entriesToPack, type PackOptions, type PackResult } from './pack';
export { unpackModels, STAGING, type UnpackOptions, type UnpackResult } from './unpack';
export { parseManifest, MANIFEST_NAME, type PackManifest, type PackModel, type PackFile } from './manifest';
export { PackError } from './errors';
