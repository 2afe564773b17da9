export type {
  Stage,
  StageTarget,
  StagedLoad,
  StagedFile,
  Manifest,
  ManifestLoad,
  LoadIntent,
  StageInventory,
  LoadFolder,
  InventoryObject,
  WriteRowsOptions,
  WriteFilesOptions,
  Progress,
  LoadPhase,
  Compression,
  BinaryDialect,
  ChunkOrigin,
} from './types.js';
export { LocalStage, type LocalStageOptions } from './local.js';
export { S3Stage, type S3StageOptions } from './s3.js';
export { StageBase, DEFAULT_PART_BYTES, DEFAULT_GZIP_LEVEL, type PartOptions } from './stage-base.js';
export { newLoadId, loadDir, loadIdDate, partName, parseLoadPath, isTempName, MANIFEST_NAME } from './layout.js';
export { UPSHIFT_CSV, type CopyFormat } from './copy-format.js';
export { SPILL_PREFIX } from './parts.js';
export { createCsvLineEncoder, encodeCsvChunks, fieldEncoder, csvText, CSV_NULL, CSV_CHUNK_CHARS } from './csv.js';
export type { CsvEncodeOptions, CsvLineEncoder, RowSource } from './csv.js';
export { buildManifest, parseManifest, ManifestError } from './manifest.js';
export { UpshiftStageError, StageEncodeError, type StageOperation } from './errors.js';
export {
  resolveS3BasePath,
  parseS3Uri,
  UpshiftConfigError,
  S3_BASE_PATH_ENV,
  type UpshiftConfig,
  type S3Location,
} from '../config.js';
